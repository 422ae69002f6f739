"""Authorization matrix rows: Reduced timetables.

A pastoral lead records and changes their own school's timetables; the LA's officers see them all
at their schools; a manager only reads. At school B the pastoral lead cannot tell that school A's
timetables (or the pupil a timetable would be for) exist: 404. An early help worker is not given
reduced timetables at all (cases.view_timetables): 403.
"""

from tests.matrix_rows import FORBIDDEN, NOT_FOUND, OK, row

# The list pages: every role with cases.view_timetables, each scoped to their own schools.
LIST = row(
    administrator=OK,
    manager=OK,
    link_coordinator=OK,
    pastoral_lead=OK,
    other_school_pastoral_lead=OK,
    early_help_worker=FORBIDDEN,
)
READ = row(
    administrator=OK,
    manager=OK,
    link_coordinator=OK,
    pastoral_lead=OK,
    other_school_pastoral_lead=NOT_FOUND,
    early_help_worker=FORBIDDEN,
)
CHANGE = row(
    administrator=OK,
    manager=FORBIDDEN,
    link_coordinator=OK,
    pastoral_lead=OK,
    other_school_pastoral_lead=NOT_FOUND,
    early_help_worker=FORBIDDEN,
)

# url name -> (method, sample object name in SAMPLES or None, outcome by role)
ROWS: dict[str, tuple[str, str | None, dict[str, str]]] = {
    "cases:timetable-list": ("get", None, LIST),
    "cases:timetable-unregistered": ("get", None, LIST),
    "cases:timetable-create": ("get", "pupil", CHANGE),
    "cases:timetable-detail": ("get", "timetable", READ),
    "cases:timetable-edit": ("get", "timetable", CHANGE),
    "cases:timetable-review": ("get", "timetable", CHANGE),
    "cases:timetable-end": ("get", "timetable", CHANGE),
}
