"""Who may do what with Family Early Help Plans; which plans is EarlyHelpPlan.visible_to."""

import rules

from accounts.rules import (
    has_any_role,
    is_administrator,
    is_early_help_worker,
    is_link_coordinator,
    is_pastoral_lead,
)
from early_help_plans import rules_audits  # noqa: F401 - registers the quality-audit permission
from early_help_plans.models import EarlyHelpPlan


@rules.predicate
def is_author_or_lead(user: object, plan: EarlyHelpPlan | None) -> bool:
    if plan is None:
        return False
    pk = getattr(user, "pk", None)
    lead = plan.lead_professional
    return plan.created_by_id == pk or bool(lead and lead.user_id == pk)


@rules.predicate
def sees_plan(user: object, plan: EarlyHelpPlan | None) -> bool:
    """A link co-ordinator or pastoral lead who can see the plan (views fetch through it)."""
    if plan is None:
        return False
    return EarlyHelpPlan.objects.visible_to(user).filter(pk=plan.pk).exists()  # type: ignore[arg-type]


rules.add_perm("early_help_plans.view_plans", has_any_role)
rules.add_perm(
    "early_help_plans.create_plan",
    is_administrator | is_link_coordinator | is_pastoral_lead | is_early_help_worker,
)
rules.add_perm(
    "early_help_plans.edit_plan",
    is_administrator | is_author_or_lead | ((is_link_coordinator | is_pastoral_lead) & sees_plan),
)
