import rules

from accounts.rules import (
    is_administrator,
    is_link_coordinator,
    is_manager,
    is_pastoral_lead,
)

# A pastoral lead imports for their own school, a link co-ordinator for theirs, an
# administrator for any (the scope itself is checked row by row: attendance-import rule 4).
rules.add_perm(
    "attendance.import_attendance", is_administrator | is_link_coordinator | is_pastoral_lead
)
rules.add_perm(
    "attendance.view_imports",
    is_administrator | is_manager | is_link_coordinator | is_pastoral_lead,
)
# The identification queue is the link co-ordinators' triage; managers may look, not act.
rules.add_perm("attendance.view_queue", is_administrator | is_manager | is_link_coordinator)
rules.add_perm("attendance.dismiss_from_queue", is_administrator | is_link_coordinator)
rules.add_perm(
    "attendance.view_at_risk",
    is_administrator | is_manager | is_link_coordinator | is_pastoral_lead,
)
