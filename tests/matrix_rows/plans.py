"""Authorization matrix rows: Family Early Help Plans.

The sample plan is a draft, consent to share given, started by a pastoral lead at school A for a
pupil there: school B and an early help worker cannot tell it exists (404); a manager reads it.
"""

from early_help_plans.models import EarlyHelpPlan, PlanChild, Review
from tests.factories import LeadProfessionalFactory, PupilFactory, SchoolStaffFactory
from tests.matrix_rows import *  # noqa: F403 - the matrix's vocabulary

READ_PLAN = row(  # noqa: F405
    administrator=OK,  # noqa: F405
    manager=OK,  # noqa: F405
    link_coordinator=OK,  # noqa: F405
    pastoral_lead=OK,  # noqa: F405
    other_school_pastoral_lead=NOT_FOUND,  # noqa: F405
    early_help_worker=NOT_FOUND,  # noqa: F405
)
EDIT_PLAN = {**READ_PLAN, "manager": FORBIDDEN}  # noqa: F405
# A POST without a form goes back to the family page.
REMOVE_MEMBER = {
    **EDIT_PLAN,
    "administrator": REDIRECT,  # noqa: F405
    "link_coordinator": REDIRECT,  # noqa: F405
    "pastoral_lead": REDIRECT,  # noqa: F405
}

# url name -> (method, sample object name in SAMPLES or None, outcome by role)
ROWS: dict[str, tuple[str, str | None, dict[str, str]]] = {
    "early_help_plans:plan-list": ("get", None, ANY_ROLE),  # noqa: F405
    "early_help_plans:plan-start": (
        "get",
        "pupil",
        {**EDIT_PLAN, "user_without_role": FORBIDDEN},  # noqa: F405
    ),
    "early_help_plans:plan-detail": ("get", "plan", READ_PLAN),
    "early_help_plans:plan-consent": ("get", "plan", EDIT_PLAN),
    "early_help_plans:plan-lead": ("get", "plan", EDIT_PLAN),
    "early_help_plans:plan-family": ("get", "plan", EDIT_PLAN),
    "early_help_plans:plan-member-add": ("get", "plan", EDIT_PLAN),
    "early_help_plans:plan-member-remove": ("post", "plan", REMOVE_MEMBER),
    "early_help_plans:plan-agencies": ("get", "plan", EDIT_PLAN),
    "early_help_plans:plan-aspects": ("get", "plan", READ_PLAN),
    "early_help_plans:plan-score": ("get", "plan", EDIT_PLAN),
    "early_help_plans:plan-actions": ("get", "plan", EDIT_PLAN),
    "early_help_plans:plan-review": ("get", "plan", EDIT_PLAN),
    "early_help_plans:plan-agree": ("get", "plan", EDIT_PLAN),
}

ROWS |= {
    "early_help_plans:notifications": ("get", None, ANY_ROLE),  # noqa: F405
    "early_help_plans:notifications-read": (
        "post",
        None,
        row(default=REDIRECT, user_without_role=FORBIDDEN),  # noqa: F405
    ),
    "early_help_plans:review-record": ("get", "active_plan", EDIT_PLAN),
    "early_help_plans:review-detail": ("get", "plan_review", READ_PLAN),
    # A manager may read a Maintaining Our Family Plan but not write one: without one yet, the
    # page sends them back to the plan.
    "early_help_plans:plan-maintaining": (
        "get",
        "active_plan",
        {**EDIT_PLAN, "manager": REDIRECT},  # noqa: F405
    ),
    "early_help_plans:plan-withdraw-consent": ("get", "active_plan", EDIT_PLAN),
    "early_help_plans:plan-safeguarding": ("get", "withdrawn_plan", EDIT_PLAN),
    "early_help_plans:plan-reopen": ("get", "closed_plan", EDIT_PLAN),
    "early_help_plans:plan-supporting-families": ("get", "active_plan", READ_PLAN),
}


def _active_plan_at(school, **fields):
    """An agreed plan with consent to share, for a pupil at the school, led by its staff."""
    author = SchoolStaffFactory(school=school).user
    plan = EarlyHelpPlan.objects.create(
        **{
            "family_name": "the Specimen family",
            "created_by": author,
            "status": "active",
            "consent_to_share": True,
            "supporting_families_consent": True,
            "lead_professional": LeadProfessionalFactory(),
            "agreed_on": "2025-09-15",
            **fields,
        }
    )
    PlanChild.objects.create(
        plan=plan,
        pupil=PupilFactory(current_school=school),
        plan_is_active=plan.status == "active",
    )
    plan.review_sample = lambda: Review.objects.create(
        plan=plan,
        held_on="2025-10-27",
        next_step="continue",
        next_review_on="2025-12-08",
        recorded_by=author,
    )
    return plan


def _closed(**fields):
    return {"status": "closed", "closed_on": "2025-11-01", **fields}


SAMPLES = {
    "active_plan": lambda school: [_active_plan_at(school).pk],
    "plan_review": lambda school: [
        (plan := _active_plan_at(school)).pk,
        plan.review_sample().pk,
    ],
    "closed_plan": lambda school: [
        _active_plan_at(school, **_closed(closure_reason="moved_out")).pk
    ],
    "withdrawn_plan": lambda school: [
        _active_plan_at(
            school,
            **_closed(closure_reason="consent_withdrawn", consent_withdrawn_on="2025-11-01"),
        ).pk
    ],
}
