"""Authorization matrix rows: Link calls and the fortnightly tracking meeting.

Link calls and meetings are the LA's own work: school staff, early help workers and users with no
role are refused (403) before any lookup. The link co-ordinator is assigned to school A, where the
sample call and meeting are. A manager reads everything and records nothing. Out of scope for a
role that holds the permission (a link co-ordinator of school B only) is 404: tests/cases/.
"""

from tests.matrix_rows import *  # noqa: F403 - the matrix's vocabulary

LA_READ = row(administrator=OK, manager=OK, link_coordinator=OK)  # noqa: F405
LA_WRITE = row(administrator=OK, link_coordinator=OK)  # noqa: F405

# url name -> (method, sample object name in SAMPLES or None, outcome by role)
ROWS: dict[str, tuple[str, str | None, dict[str, str]]] = {
    "cases:link-call-list": ("get", None, LA_READ),
    "cases:link-call-create": ("get", "school", LA_WRITE),
    "cases:link-call-detail": ("get", "link_call", LA_READ),
    "cases:meeting-list": ("get", None, LA_READ),
    "cases:meeting-create": ("get", None, LA_WRITE),
    "cases:meeting-detail": ("get", "meeting", LA_READ),
    # The matrix posts nothing: a POST that names no case of the meeting finds nothing (404).
    "cases:meeting-decision": (
        "post",
        "meeting",
        row(administrator=NOT_FOUND, link_coordinator=NOT_FOUND),  # noqa: F405
    ),
    "cases:meeting-pdf": ("get", "meeting", LA_READ),
}
