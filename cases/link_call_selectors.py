"""Reads for link calls and the fortnightly Vulnerable Tracking Oversight meeting.

Every list starts from a `visible_to(user)` query, and every per-row figure (the date a pupil
was last discussed, a school's last call, the latest RAG change) is an annotation, so a page costs
the same number of queries for one row as for a thousand.
"""

import dataclasses
import datetime
from typing import Any

from django.db import models
from django.db.models import BooleanField, Exists, F, OuterRef, Q, QuerySet, Subquery, Value, When

from accounts.models import User
from attendance.models import PupilAttendance
from attendance.selectors import current_start_year
from cases.models import (
    SIX_WEEKS,
    Case,
    CaseQuerySet,
    LinkCall,
    LinkCallDiscussion,
    MeetingDecision,
    ReducedTimetable,
    TimelineEntry,
    TrackingMeeting,
)
from cases.selectors import (
    active_early_help_plan,
    current_other_plan,
    early_help_review_overdue,
)
from schools.models import Pupil, School

# Each link co-ordinator calls each of their schools every fortnight.
DISCUSSION_CYCLE = datetime.timedelta(days=14)


def _recent_since(on: datetime.date) -> datetime.date:
    """The first day of the fortnight ending `on`: a call on or after it is "in the last 14 days".

    A call 14 days ago is the previous cycle's, so on the fortnight the next one is due.
    """
    return on - DISCUSSION_CYCLE + datetime.timedelta(days=1)


# Link calls ------------------------------------------------------------------------------------


def visible_link_calls(user: User) -> QuerySet[LinkCall]:
    return LinkCall.objects.filter(school__in=School.objects.visible_to(user))


def _open_case_id() -> Subquery:
    return Subquery(
        Case.objects.filter(pupil=OuterRef("pk"), status=Case.Status.OPEN).values("pk")[:1]
    )


def chronically_absent_pupils(school: School, on: datetime.date) -> QuerySet[Pupil]:
    """The school's pupils each link call should cover, with when each was last discussed.

    Severely absent this academic year (PupilAttendance), or with an open case: a pupil whose
    attendance has climbed back over the line is still discussed while their case is open.

    Annotations: `attendance_rate` (this year, or None), `open_case_id`, `last_discussed_on`
    (the latest link call that discussed them, up to `on`) and `not_discussed_recently` (no
    discussion in the 14 days to `on`).
    """
    this_year = PupilAttendance.objects.filter(
        pupil=OuterRef("pk"), start_year=current_start_year(on)
    )
    last_discussed = (
        LinkCallDiscussion.objects.filter(pupil=OuterRef("pk"), call__held_on__lte=on)
        .order_by("-call__held_on")
        .values("call__held_on")[:1]
    )
    return (
        Pupil.objects.filter(current_school=school)
        .annotate(open_case_id=_open_case_id())
        .filter(Exists(this_year.filter(is_severely_absent=True)) | Q(open_case_id__isnull=False))
        .annotate(
            attendance_rate=Subquery(this_year.values("attendance_rate")[:1]),
            last_discussed_on=Subquery(last_discussed),
            not_discussed_recently=models.Case(
                When(last_discussed_on__gte=_recent_since(on), then=Value(False)),
                default=Value(True),
                output_field=BooleanField(),
            ),
        )
        .order_by("family_name", "given_name", "pk")
    )


def _last_call_on() -> Subquery:
    return Subquery(
        LinkCall.objects.filter(school=OuterRef("pk")).order_by("-held_on").values("held_on")[:1]
    )


def _last_call_id() -> Subquery:
    return Subquery(
        LinkCall.objects.filter(school=OuterRef("pk")).order_by("-held_on", "-pk").values("pk")[:1]
    )


def link_call_schools(user: User, on: datetime.date) -> QuerySet[School]:
    """The user's open schools with `last_call_on`, `last_call_id` and `is_due`; due ones first."""
    return (
        School.objects.visible_to(user)
        .filter(is_open=True)
        .annotate(last_call_on=_last_call_on(), last_call_id=_last_call_id())
        .annotate(
            is_due=models.Case(
                When(last_call_on__gte=_recent_since(on), then=Value(False)),
                default=Value(True),
                output_field=BooleanField(),
            )
        )
        .order_by("-is_due", F("last_call_on").asc(nulls_first=True), "name", "pk")
    )


def schools_due_a_call(user: User, on: datetime.date) -> QuerySet[School]:
    """The open schools the user is link co-ordinator for with no link call in the last 14 days."""
    return (
        School.objects.visible_to(user)
        .filter(is_open=True, link_assignments__user=user)
        .annotate(last_call_on=_last_call_on())
        .filter(Q(last_call_on__isnull=True) | Q(last_call_on__lt=_recent_since(on)))
        .order_by(F("last_call_on").asc(nulls_first=True), "name", "pk")
    )


# The tracking meeting --------------------------------------------------------------------------


def visible_meetings(user: User) -> QuerySet[TrackingMeeting]:
    """Meetings that covered at least one school the user may see."""
    covered = TrackingMeeting.schools.through.objects.filter(
        trackingmeeting_id=OuterRef("pk"), school__in=School.objects.visible_to(user)
    )
    return TrackingMeeting.objects.filter(Exists(covered))


def previous_meeting_date(user: User, before: datetime.date) -> datetime.date | None:
    meeting = visible_meetings(user).filter(held_on__lte=before).order_by("-held_on").first()
    return meeting.held_on if meeting else None


def meeting_schools(meeting: TrackingMeeting, user: User) -> QuerySet[School]:
    """The meeting's schools that the viewer may see: nobody reads beyond their own scope."""
    return meeting.schools.filter(pk__in=School.objects.visible_to(user).values("pk")).order_by(
        "name"
    )


def has_plan(on: datetime.date) -> Q:
    """A case "has a plan" on a day, as the caseload counts it: any plan (cases.selectors)."""
    return Q(current_other_plan(on)) | Q(active_early_help_plan())


def newly_severe_since(since: datetime.date, on: datetime.date) -> Q:
    """PupilAttendance rows whose crossing of the severe line falls in the meeting's window.

    The crossing is dated by the end of the period that crossed it. A crossing imported late
    (for a period ending before `since`) is not caught: that needs the time the crossing was
    recorded, which PupilAttendance does not keep yet.
    """
    return Q(severe_from_end__gte=since, severe_from_end__lte=on)


def meeting_cases(meeting: TrackingMeeting, user: User) -> CaseQuerySet:
    """Cases of pupils at the meeting's schools that the viewer may see."""
    return Case.objects.visible_to(user).filter(
        pupil__current_school__in=meeting_schools(meeting, user)
    )


# The anchors of the meeting's sections, in order (a decision's form returns to its section).
SECTION_SLUGS = (
    "new-severely-absent",
    "rag-changed",
    "no-lead-professional",
    "no-plan",
    "past-planned-end",
    "over-six-weeks",
    "plan-review-overdue",
)
OTHER_DECISIONS = "other-decisions"


@dataclasses.dataclass
class AgendaRow:
    """One line of a section: a pupil's attendance, a case or a reduced timetable.

    `case_id` is the pupil's open case, on which a decision can be recorded (None: no case).
    """

    item: Any
    case_id: int | None
    decision: MeetingDecision | None = None
    days_running: int | None = None
    is_red: bool = False


@dataclasses.dataclass
class Section:
    slug: str
    title: str
    hint: str
    kind: str  # "pupils", "cases" or "timetables": which columns the rows have
    rows: list[AgendaRow]


@dataclasses.dataclass
class MeetingAgenda:
    """What the meeting looks at, as one viewer may see it."""

    meeting: TrackingMeeting
    schools: list[School]
    sections: list[Section]
    other_decisions: list[MeetingDecision]

    @property
    def pupil_ids(self) -> list[int]:
        """Every pupil the agenda names, for the access log."""
        ids = {row.item.pupil_id for section in self.sections for row in section.rows}
        ids.update(decision.case.pupil_id for decision in self.other_decisions)
        return sorted(ids)

    @property
    def decision_count(self) -> int:
        decided = {r.case_id for s in self.sections for r in s.rows if r.decision}
        return len(decided) + len(self.other_decisions)


def _open_case_of_pupil() -> Subquery:
    return Subquery(
        Case.objects.filter(pupil=OuterRef("pupil_id"), status=Case.Status.OPEN).values("pk")[:1]
    )


def _latest_rag_change(since: datetime.date, on: datetime.date) -> Subquery:
    return Subquery(
        TimelineEntry.objects.filter(
            case=OuterRef("pk"), kind=TimelineEntry.Kind.RAG, occurred_on__range=(since, on)
        )
        .order_by("-occurred_on", "-recorded_at", "-pk")
        .values("summary")[:1]
    )


def meeting_agenda(meeting: TrackingMeeting, user: User) -> MeetingAgenda:
    """The meeting's six sections for the viewer: one query each, whatever their length.

    Dates are judged on the meeting's day; a case's status (open or closed) is as it is now.
    """
    on, since = meeting.held_on, meeting.since
    schools = list(meeting_schools(meeting, user))
    pupils = Pupil.objects.visible_to(user).filter(current_school__in=schools)
    decisions = {
        d.case_id: d
        for d in MeetingDecision.objects.filter(
            meeting=meeting, case__in=Case.objects.visible_to(user)
        )
        .select_related("case__pupil__current_school", "by")
        .order_by("pk")
    }
    open_cases = (
        meeting_cases(meeting, user)
        .open()
        .select_related("pupil__current_school", "lead_professional")
        .order_by("pupil__family_name", "pupil__given_name", "pk")
    )
    timetables = (
        ReducedTimetable.objects.filter(pupil__in=pupils)
        .running(on)
        .annotate(open_case_id=_open_case_of_pupil())
        .select_related("pupil__current_school", "school")
        .order_by("started_on", "pupil__family_name", "pk")
    )
    new_severe = (
        PupilAttendance.objects.filter(
            newly_severe_since(since, on),
            start_year=current_start_year(on),
            is_severely_absent=True,
            pupil__in=pupils,
        )
        .annotate(open_case_id=_open_case_of_pupil())
        .select_related("pupil__current_school")
        .order_by("severe_from_end", "pupil__family_name", "pupil__given_name", "pk")
    )

    def case_rows(cases: QuerySet[Case]) -> list[AgendaRow]:
        return [AgendaRow(case, case.pk, decisions.get(case.pk)) for case in cases]

    def annotated_rows(items: QuerySet[Any]) -> list[AgendaRow]:
        rows = []
        for item in items:
            case_id = item.open_case_id
            rows.append(AgendaRow(item, case_id, decisions.get(case_id) if case_id else None))
        return rows

    def timetable_rows(items: QuerySet[ReducedTimetable]) -> list[AgendaRow]:
        rows = annotated_rows(items)
        for row in rows:
            row.days_running = (on - row.item.started_on).days
            row.is_red = row.item.is_red(on)
        return rows

    sections = [
        Section(
            SECTION_SLUGS[0],
            "New severely absent pupils",
            f"Crossed the line (missed half or more of their sessions this year) in a period "
            f"ending between {since:%-d %B %Y} and {on:%-d %B %Y}.",
            "pupils",
            annotated_rows(new_severe),
        ),
        Section(
            SECTION_SLUGS[1],
            "Cases whose RAG rating changed",
            f"Open cases with a RAG rating set or changed since {since:%-d %B %Y}.",
            "cases",
            case_rows(
                open_cases.annotate(rag_change=_latest_rag_change(since, on)).filter(
                    rag_change__isnull=False
                )
            ),
        ),
        Section(
            SECTION_SLUGS[2],
            "Cases with no lead professional",
            "Open cases with no named lead professional.",
            "cases",
            case_rows(open_cases.filter(lead_professional__isnull=True)),
        ),
        Section(
            SECTION_SLUGS[3],
            "Cases with no plan",
            f"Open cases with no plan in place on {on:%-d %B %Y}.",
            "cases",
            case_rows(open_cases.exclude(has_plan(on))),
        ),
        Section(
            SECTION_SLUGS[4],
            "Reduced timetables past their planned end",
            f"Still running on {on:%-d %B %Y}, after the end date agreed with the family: "
            "their review is overdue.",
            "timetables",
            timetable_rows(timetables.filter(planned_end_on__lt=on)),
        ),
        Section(
            SECTION_SLUGS[5],
            "Reduced timetables running 6 weeks or more",
            "Running 42 days or more. Those with no plan to return to full time are red.",
            "timetables",
            timetable_rows(timetables.filter(started_on__lte=on - SIX_WEEKS)),
        ),
        Section(
            SECTION_SLUGS[6],
            "Family Early Help Plan reviews overdue",
            f"Open cases whose pupil's plan was due its 6-weekly review before {on:%-d %B %Y}.",
            "cases",
            case_rows(open_cases.filter(early_help_review_overdue(on))),
        ),
    ]
    listed = {row.case_id for section in sections for row in section.rows}
    other = [d for case_id, d in decisions.items() if case_id not in listed]
    return MeetingAgenda(meeting=meeting, schools=schools, sections=sections, other_decisions=other)
