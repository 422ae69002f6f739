"""Authorization matrix rows: targeting support meetings.

The sample meeting is school A's for the autumn term of 2025/26, with an action for a pupil
there. Everyone who works with school A reads its pack and record; the outsider at school B
cannot tell they exist (404). Only the LA records the meeting and its actions' progress: a
manager or a pastoral lead who can read it is refused (403). The list of schools shows each
user their own, so the outsider gets it too (with school B on it).
"""

import datetime

from reports.models import MeetingAction, TargetingMeeting
from tests.factories import PupilFactory, TermFactory, UserFactory
from tests.matrix_rows import *  # noqa: F403 - the matrix's vocabulary

READ = row(  # noqa: F405
    administrator=OK,  # noqa: F405
    manager=OK,  # noqa: F405
    link_coordinator=OK,  # noqa: F405
    pastoral_lead=OK,  # noqa: F405
    other_school_pastoral_lead=NOT_FOUND,  # noqa: F405
)
RECORD = row(administrator=OK, link_coordinator=OK, other_school_pastoral_lead=NOT_FOUND)  # noqa: F405

# url name -> (method, sample object name in SAMPLES or None, outcome by role)
ROWS: dict[str, tuple[str, str | None, dict[str, str]]] = {
    "reports:tsm-list": ("get", None, {**READ, "other_school_pastoral_lead": OK}),  # noqa: F405
    "reports:tsm-pack": ("get", "tsm_school_term", READ),
    "reports:tsm-pack-pdf": ("get", "tsm_school_term", READ),
    "reports:tsm-record": ("get", "tsm_school_term", RECORD),
    "reports:tsm-detail": ("get", "tsm_meeting", READ),
    "reports:tsm-action-add": ("get", "tsm_meeting", RECORD),
    "reports:tsm-action-update": ("get", "tsm_action", RECORD),
}


def _meeting(school):
    return TargetingMeeting.objects.create(
        school=school,
        term=TermFactory(),
        held_on=datetime.date(2025, 10, 8),
        attendees="Sam Senco (SENCo)",
        recorded_by=UserFactory(is_link_coordinator=True),
    )


def _action(school):
    return MeetingAction.objects.create(
        meeting=_meeting(school),
        pupil=PupilFactory(current_school=school),
        action="Soft start from Monday",
        owner="Ali Attend (attendance lead)",
        due_on=datetime.date(2025, 12, 19),
    )


# Sample objects by the name a row gives them, merged into the matrix's SAMPLES.
SAMPLES = {
    "tsm_school_term": lambda school: [school.pk, TermFactory().pk],
    "tsm_meeting": lambda school: [_meeting(school).pk],
    "tsm_action": lambda school: [_action(school).pk],
}
