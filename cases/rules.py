import rules

from accounts.rules import (
    has_any_role,
    is_administrator,
    is_link_coordinator,
    is_manager,
    is_pastoral_lead,
)
from cases.models import Case


@rules.predicate
def is_lead_professional_of(user: object, case: Case | None) -> bool:
    """The user is the named lead professional of this (open) case."""
    if case is None:
        return False
    lead = case.lead_professional
    return bool(lead and lead.user_id == getattr(user, "pk", None) and case.is_open)


# Cases: everyone with a role may read the cases in their scope (Case.visible_to).
rules.add_perm("cases.view_cases", has_any_role)
rules.add_perm("cases.open_case", is_administrator | is_link_coordinator)
# Contacts, actions and notes: the link co-ordinator, or the case's own lead professional.
rules.add_perm(
    "cases.work_on_case", is_administrator | is_link_coordinator | is_lead_professional_of
)
# RAG, tier, lead professional, other plans, closing and reopening: the link co-ordinator.
rules.add_perm("cases.manage_case", is_administrator | is_link_coordinator)
rules.add_perm("cases.view_caseload", is_administrator | is_manager | is_link_coordinator)
rules.add_perm("cases.reassign_cases", is_administrator | is_manager)

# Reduced timetables: recorded by a pastoral lead for their school (or the LA's officers).
rules.add_perm(
    "cases.view_timetables",
    is_administrator | is_manager | is_link_coordinator | is_pastoral_lead,
)
rules.add_perm("cases.record_timetable", is_administrator | is_link_coordinator | is_pastoral_lead)

# Link calls and the fortnightly tracking meeting: the link co-ordinators' own work.
rules.add_perm("cases.view_link_calls", is_administrator | is_manager | is_link_coordinator)
rules.add_perm("cases.record_link_call", is_administrator | is_link_coordinator)
rules.add_perm("cases.view_meetings", is_administrator | is_manager | is_link_coordinator)
rules.add_perm("cases.hold_meeting", is_administrator | is_link_coordinator)
