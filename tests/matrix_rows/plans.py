"""Authorization matrix rows: Family Early Help Plans.

The sample plan is a draft, consent to share given, started by a pastoral lead at school A for a
pupil there: school B and an early help worker cannot tell it exists (404); a manager reads it.
"""

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
