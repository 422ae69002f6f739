"""Authorization matrix rows: the dashboard, its drill-downs and the LA's targets.

The dashboard shows each role its own schools' figures: managers and administrators the LA, a link
co-ordinator and a pastoral lead theirs (so school B's pastoral lead gets B's, not a refusal).
Early help workers work with single cases and plans, not schools' figures: 403. A drill-down
names its measure and period in the query string; without them there is no list to show (404).
"""

from tests.matrix_rows import *  # noqa: F403 - the matrix's vocabulary

DASHBOARD = row(  # noqa: F405
    administrator=OK,  # noqa: F405
    manager=OK,  # noqa: F405
    link_coordinator=OK,  # noqa: F405
    pastoral_lead=OK,  # noqa: F405
    other_school_pastoral_lead=OK,  # noqa: F405
)
NO_LIST = {
    **DASHBOARD,
    **dict.fromkeys(
        ("administrator", "manager", "link_coordinator", "pastoral_lead",
         "other_school_pastoral_lead"),
        NOT_FOUND,  # noqa: F405
    ),
}  # fmt: skip

# url name -> (method, sample object name in SAMPLES or None, outcome by role)
ROWS: dict[str, tuple[str, str | None, dict[str, str]]] = {
    "reports:dashboard": ("get", None, DASHBOARD),
    "reports:drilldown": ("get", None, NO_LIST),
    "reports:targets": ("get", None, row(administrator=OK, manager=OK)),  # noqa: F405
    "reports:targets-edit": ("get", None, ADMIN_ONLY),  # noqa: F405
}
