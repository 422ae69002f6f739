"""Authorization matrix rows: Cases and caseloads."""

from tests.matrix_rows import *  # noqa: F403 - the matrix's vocabulary

CASELOAD = row(administrator=OK, manager=OK, link_coordinator=OK)  # noqa: F405
# In scope but not theirs to change: 403; out of scope (school B, or not named): 404.
CHANGE_CASE = row(  # noqa: F405
    administrator=OK,  # noqa: F405
    link_coordinator=OK,  # noqa: F405
    other_school_pastoral_lead=NOT_FOUND,  # noqa: F405
    early_help_worker=NOT_FOUND,  # noqa: F405
)
READ_CASE = row(  # noqa: F405
    administrator=OK,  # noqa: F405
    manager=OK,  # noqa: F405
    link_coordinator=OK,  # noqa: F405
    pastoral_lead=OK,  # noqa: F405
    other_school_pastoral_lead=NOT_FOUND,  # noqa: F405
    early_help_worker=NOT_FOUND,  # noqa: F405
)

# url name -> (method, sample object name in SAMPLES or None, outcome by role)
ROWS: dict[str, tuple[str, str | None, dict[str, str]]] = {
    "cases:caseload": ("get", None, CASELOAD),
    "cases:caseload-export": ("get", None, CASELOAD),
    "cases:reassign": ("get", None, row(administrator=OK, manager=OK)),  # noqa: F405
    "cases:case-open": ("get", "pupil", CHANGE_CASE),
    "cases:case-detail": ("get", "case", READ_CASE),
    "cases:case-rag": ("get", "case", CHANGE_CASE),
    "cases:case-tier": ("get", "case", CHANGE_CASE),
    "cases:case-lead": ("get", "case", CHANGE_CASE),
    "cases:case-contact": ("get", "case", CHANGE_CASE),
    "cases:case-action": ("get", "case", CHANGE_CASE),
    "cases:case-action-done": ("get", "case_action", CHANGE_CASE),
    "cases:case-other-plan": ("get", "case", CHANGE_CASE),
    "cases:case-other-plan-end": ("get", "other_plan", CHANGE_CASE),
    "cases:case-note": ("get", "case", CHANGE_CASE),
    "cases:case-close": ("get", "case", CHANGE_CASE),
    "cases:case-reopen": ("get", "closed_case", CHANGE_CASE),
}
