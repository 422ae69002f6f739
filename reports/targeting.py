"""Targeting support meetings: the statutory termly meeting between the LA and each school.

Reads (the pack, the list of schools with this term's meeting) and writes (recording the meeting
and its actions) for one feature, kept together as cases/link_call_selectors.py is for link calls.

Every list of pupils starts from `Pupil.visible_to(user)`, so a name is shown only to someone who
may see that pupil; each list is one query, so a pack costs the same number of queries for a small
school as for a large one. The lists' attendance is year to date from the stored
`PupilAttendance`; the figures set against the LA's are the termly report's measures.
"""

import dataclasses
import datetime
import json
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pghistory
from django.db import IntegrityError, transaction
from django.db.models import (
    BooleanField,
    Count,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models import Case as When_
from django.utils import timezone

from accounts.models import User
from attendance.models import PupilAttendance
from cases.models import SIX_WEEKS, Case, ReducedTimetable, TimelineEntry
from cases.selectors import annotated_cases
from reports import cache
from reports.measures import ALL, Figures, Filters, Row, compute
from reports.models import MeetingAction, TargetingMeeting
from schools.models import Pupil, School, Term


class TargetingRuleBroken(Exception):
    """A rule refused the change; the message is shown to the user."""


# The school's figures against the LA's ---------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Rate:
    numerator: int
    denominator: int

    @property
    def percent(self) -> Decimal | None:
        if not self.denominator:
            return None
        value = Decimal(100 * self.numerator) / Decimal(self.denominator)
        return value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclasses.dataclass(frozen=True)
class Figure:
    label: str
    unit: str  # what the numerator and denominator count: "sessions" or "pupils"
    school: Rate
    la: Rate

    @property
    def school_is_higher(self) -> bool:
        """Every figure here is an absence rate: higher than the LA's is worse."""
        school, la = self.school.percent, self.la.percent
        return school is not None and la is not None and school > la


# The three attendance measures a pack sets side by side: (code, label, what they count).
PACK_MEASURES = (
    ("overall_absence", "Overall absence", "sessions"),
    ("persistent_absence", "Persistent absence (10% or more of sessions missed)", "pupils"),
    ("severe_absence", "Severe absence (50% or more of sessions missed)", "pupils"),
)


def cached_la_figures(term: Term, today: datetime.date) -> Figures:
    """The attendance measures (1–4) LA-wide for the term, kept in Redis until the data changes
    (as the dashboard's are): every school's pack compares itself with the same figures."""
    version = cache.data_version()
    key = cache.key(
        term_id=term.pk,
        schools=None,
        filters=Filters(),
        breakdown="",
        today=today,
        version=version,
        kind="attendance-figures",
    )
    text = cache.cached(
        key, lambda: json.dumps(compute(term, today=today, attendance_only=True).to_json())
    )
    return Figures.from_json(json.loads(text))


def school_figures(
    school: School,
    term: Term,
    *,
    today: datetime.date,
    la: Figures | None = None,
    by_school: Figures | None = None,
) -> list[Figure]:
    """Overall, persistent and severe absence over the year to the term's end, for the school
    and the LA: the termly report's own measures (reports.measures), so a pack's figures are
    the dashboard's, the board pack's and the CSV's.

    Figures the caller has already computed are read rather than computed again: `la`, the
    LA's, and `by_school`, figures broken down by school (as the LA's termly report computes
    them once for every pack). Either way a pupil who moved counts at the school for their
    sessions there, as everywhere in the report.
    """
    if la is None:
        la = cached_la_figures(term, today)
    if by_school is not None:
        own, split = by_school, ("school", str(school.pk))
    else:
        own = compute(term, schools=[school.pk], today=today, attendance_only=True)
        split = (ALL, "")
    year = la.period("year")
    period = year.code if year else ""
    return [
        Figure(label, unit, _rate(own.get(code, period, *split)), _rate(la.get(code, period)))
        for code, label, unit in PACK_MEASURES
    ]


def _rate(row: Row | None) -> Rate:
    if row is None:
        return Rate(0, 0)
    return Rate(int(row.numerator or 0), int(row.denominator or 0))


# The pack --------------------------------------------------------------------------------------


def _open_case(field: str, pupil_ref: str = "pupil_id") -> Subquery:
    return Subquery(
        Case.objects.filter(pupil=OuterRef(pupil_ref), status=Case.Status.OPEN).values(field)[:1]
    )


def pack_pupils(school: School, user: User, start_year: int) -> QuerySet[PupilAttendance]:
    """The school's persistently or severely absent pupils and those at risk, that the user sees.

    Annotated with the pupil's open case (`open_case_id`), its lead professional (`lead_name`,
    None if the case has none) and `missed_sessions`.
    """
    return (
        PupilAttendance.objects.filter(start_year=start_year, pupil__current_school=school)
        .filter(Q(is_persistently_absent=True) | Q(is_at_risk=True))
        .filter(pupil__in=Pupil.objects.visible_to(user))
        .annotate(
            open_case_id=_open_case("pk"),
            lead_name=_open_case("lead_professional__name"),
            missed_sessions=F("possible_sessions") - F("attended_sessions"),
        )
        .select_related("pupil")
        .order_by("attendance_rate", "pupil__family_name", "pupil__given_name", "pupil_id")
    )


def pack_cases(school: School, user: User, on: datetime.date) -> QuerySet[Case]:
    """Open cases of the school's pupils, with the caseload's flags (cases.selectors)."""
    return (
        annotated_cases(user, on)
        .filter(status=Case.Status.OPEN, pupil__current_school=school)
        .order_by("pupil__family_name", "pupil__given_name", "pk")
    )


def pack_timetables(school: School, user: User, on: datetime.date) -> QuerySet[ReducedTimetable]:
    """Reduced timetables at the school running 6 weeks (42 days) or more on the day (rule 4)."""
    return (
        ReducedTimetable.objects.visible_to(user)
        .filter(school=school, pupil__current_school=school, started_on__lte=on - SIX_WEEKS)
        .running(on)
        .annotate(open_case_id=_open_case("pk"))
        .select_related("pupil")
        .order_by("started_on", "pupil__family_name", "pk")
    )


def _shown_flag(user: User, school: School | None = None) -> When_:
    """True where the action is for the school, or for a pupil the user may see (and, given a
    school, who is still at it: a pack is shared with the school, so it never names a pupil who
    has moved on to another)."""
    pupils = Pupil.objects.visible_to(user)
    if school is not None:
        pupils = pupils.filter(current_school=school)
    return When_(
        When(pupil__isnull=True, then=Value(True)),
        When(pupil__in=pupils.values("pk"), then=Value(True)),
        default=Value(False),
        output_field=BooleanField(),
    )


def carried_actions(school: School, term: Term, user: User) -> QuerySet[MeetingAction]:
    """Actions from the school's meetings before the term: all of the last meeting's, with their
    status, and any still open from earlier ones.

    Annotated with `shown` (see `_shown_flag`) and the pupil's `open_case_id`.
    """
    last_term_start = (
        TargetingMeeting.objects.filter(school=school, term__starts_on__lt=term.starts_on)
        .order_by("-term__starts_on")
        .values("term__starts_on")[:1]
    )
    return (
        MeetingAction.objects.filter(
            meeting__school=school, meeting__term__starts_on__lt=term.starts_on
        )
        .filter(Q(meeting__term__starts_on=Subquery(last_term_start)) | Q(status="open"))
        .annotate(shown=_shown_flag(user, school), open_case_id=_open_case("pk"))
        .select_related("pupil", "meeting__term__academic_year")
        .order_by("-meeting__term__starts_on", "due_on", "pk")
    )


def meeting_actions(
    meeting: TargetingMeeting, user: User, *, in_pack: bool = False
) -> QuerySet[MeetingAction]:
    """The meeting's actions, annotated with `shown` and the pupil's `open_case_id`.

    In a pack (`in_pack`), actions for pupils who have left the school are not shown either.
    """
    school = meeting.school if in_pack else None
    return (
        meeting.actions.annotate(shown=_shown_flag(user, school), open_case_id=_open_case("pk"))
        .select_related("pupil")
        .order_by(F("pupil").asc(nulls_first=True), "due_on", "pk")
    )


def split_shown(actions: QuerySet[MeetingAction]) -> tuple[list[MeetingAction], int]:
    """The actions to show, and how many are left out (for pupils the user cannot see or, in a
    pack, who have left the school). Such an action is left out whole: its text is about the pupil.
    """
    shown, hidden = [], 0
    for action in actions:
        if getattr(action, "shown", False):
            shown.append(action)
        else:
            hidden += 1
    return shown, hidden


@dataclasses.dataclass(frozen=True)
class CaseRow:
    case: Case
    has_plan: bool
    review_overdue: bool
    timetable_over_six_weeks: bool


@dataclasses.dataclass(frozen=True)
class NoLeadRow:
    pupil: Pupil
    case_id: int | None  # None: severely absent with no case open, so nobody leads yet


@dataclasses.dataclass(frozen=True)
class TimetableRow:
    timetable: ReducedTimetable
    days_running: int
    is_red: bool
    past_planned_end: bool


@dataclasses.dataclass
class Pack:
    """What a targeting support meeting looks at, for one school and term, as one user sees it."""

    school: School
    term: Term
    on: datetime.date
    start_year: int
    figures: list[Figure]
    severe: list[PupilAttendance]
    persistent: list[PupilAttendance]
    at_risk: list[PupilAttendance]
    cases: list[CaseRow]
    timetables: list[TimetableRow]
    actions: list[MeetingAction]
    hidden_actions: int
    meeting: TargetingMeeting | None

    @property
    def review_overdue(self) -> list[CaseRow]:
        return [row for row in self.cases if row.review_overdue]

    @property
    def no_lead(self) -> list[NoLeadRow]:
        """Open cases with no named lead professional, then severely absent pupils with no case."""
        rows = [
            NoLeadRow(row.case.pupil, row.case.pk)
            for row in self.cases
            if row.case.lead_professional_id is None
        ]
        rows += [
            NoLeadRow(item.pupil, None)
            for item in self.severe
            if getattr(item, "open_case_id", None) is None
        ]
        return rows

    @property
    def previous_meetings(self) -> list[TargetingMeeting]:
        seen: dict[int, TargetingMeeting] = {}
        for action in self.actions:
            seen.setdefault(action.meeting_id, action.meeting)
        return list(seen.values())

    @property
    def pupil_ids(self) -> list[int]:
        """Every pupil the pack names, for the access log."""
        ids = {item.pupil_id for item in (*self.severe, *self.persistent, *self.at_risk)}
        ids.update(row.case.pupil_id for row in self.cases)
        ids.update(row.timetable.pupil_id for row in self.timetables)
        ids.update(action.pupil_id for action in self.actions if action.pupil_id)
        return sorted(ids)


def targeting_pack(
    school: School,
    term: Term,
    user: User,
    *,
    on: datetime.date | None = None,
    figures: list[Figure] | None = None,
) -> Pack:
    """The pack: a fixed number of queries, whatever the size of the school.

    Lists are as they stand on `on` (today by default), whichever term the pack is for; the
    figures are the year's to the end of the term (to `on` for the term in progress), unless
    given already computed (see school_figures).
    """
    on = on or timezone.localdate()
    start_year = term.academic_year.start_year
    pupils = list(pack_pupils(school, user, start_year))
    cases = [
        CaseRow(
            case=case,
            has_plan=bool(getattr(case, "_has_other_plan", False))
            or bool(getattr(case, "_has_early_help_plan", False)),
            review_overdue=bool(getattr(case, "_review_overdue", False)),
            timetable_over_six_weeks=bool(getattr(case, "_rtt_over_six_weeks", False)),
        )
        for case in pack_cases(school, user, on)
    ]
    timetables = [
        TimetableRow(
            timetable=timetable,
            days_running=(on - timetable.started_on).days,
            is_red=timetable.is_red(on),
            past_planned_end=timetable.past_planned_end(on),
        )
        for timetable in pack_timetables(school, user, on)
    ]
    actions, hidden = split_shown(carried_actions(school, term, user))
    return Pack(
        school=school,
        term=term,
        on=on,
        start_year=start_year,
        figures=figures if figures is not None else school_figures(school, term, today=on),
        severe=[p for p in pupils if p.is_severely_absent],
        persistent=[p for p in pupils if p.is_persistently_absent and not p.is_severely_absent],
        at_risk=[p for p in pupils if p.is_at_risk and not p.is_severely_absent],
        cases=cases,
        timetables=timetables,
        actions=actions,
        hidden_actions=hidden,
        meeting=TargetingMeeting.objects.filter(school=school, term=term)
        .select_related("school")
        .first(),
    )


def pupils_for_actions(school: School, user: User, start_year: int) -> QuerySet[Pupil]:
    """Pupils an action can be agreed for: at the school, seen by the user, and in the pack
    (persistently or severely absent or at risk this year, or with an open case)."""
    in_pack = PupilAttendance.objects.filter(pupil=OuterRef("pk"), start_year=start_year).filter(
        Q(is_persistently_absent=True) | Q(is_at_risk=True)
    )
    open_case = Case.objects.filter(pupil=OuterRef("pk"), status=Case.Status.OPEN)
    return (
        Pupil.objects.visible_to(user)
        .filter(current_school=school)
        .filter(Exists(in_pack) | Exists(open_case))
        .order_by("family_name", "given_name", "pk")
    )


# Which schools have had the term's meeting -----------------------------------------------------


def targeting_schools(user: User, term: Term) -> QuerySet[School]:
    """The user's open schools with the term's meeting (`meeting_id`, `meeting_held_on`, both None
    if not held yet): those still to hold it first."""
    this_term = TargetingMeeting.objects.filter(school=OuterRef("pk"), term=term)
    return (
        School.objects.visible_to(user)
        .filter(is_open=True)
        .annotate(
            meeting_id=Subquery(this_term.values("pk")[:1]),
            meeting_held_on=Subquery(this_term.values("held_on")[:1]),
        )
        .order_by(F("meeting_held_on").asc(nulls_first=True), "name", "pk")
    )


def meetings_held_count(user: User, term: Term) -> dict[str, int]:
    """How many of the user's open schools have had the term's meeting: one aggregate query."""
    held = Exists(TargetingMeeting.objects.filter(school=OuterRef("pk"), term=term))
    counts = (
        School.objects.visible_to(user)
        .filter(is_open=True)
        .aggregate(schools=Count("pk"), held=Count("pk", filter=held))
    )
    return {"schools": int(counts["schools"] or 0), "held": int(counts["held"] or 0)}


def visible_meetings(user: User) -> QuerySet[TargetingMeeting]:
    return TargetingMeeting.objects.filter(school__in=School.objects.visible_to(user))


def visible_actions(user: User) -> QuerySet[MeetingAction]:
    """Actions of meetings at the user's schools, for the school or a pupil the user sees."""
    return MeetingAction.objects.filter(
        meeting__in=visible_meetings(user),
    ).filter(Q(pupil__isnull=True) | Q(pupil__in=Pupil.objects.visible_to(user)))


# Writes ----------------------------------------------------------------------------------------

STALE = (
    "This meeting’s record was changed by someone else after you opened it. Check it and try again."
)


def _check_meeting_date(term: Term, held_on: datetime.date) -> None:
    if held_on > timezone.localdate():
        raise TargetingRuleBroken("The date of the meeting cannot be in the future.")
    if not term.starts_on <= held_on <= term.ends_on:
        raise TargetingRuleBroken(
            f"The date of the meeting must be in the {term}: between "
            f"{term.starts_on:%-d %B %Y} and {term.ends_on:%-d %B %Y}."
        )


@transaction.atomic
def record_targeting_meeting(
    *,
    school: School,
    term: Term,
    held_on: datetime.date,
    attendees: str,
    notes: str,
    by: User,
) -> TargetingMeeting:
    """Record the school's meeting for the term; there is one per school per term."""
    with pghistory.context(user=by.pk):
        _check_meeting_date(term, held_on)
        meeting = TargetingMeeting(
            school=school,
            term=term,
            held_on=held_on,
            attendees=attendees.strip(),
            notes=notes.strip(),
            recorded_by=by,
        )
        try:
            with transaction.atomic():
                meeting.save()
        except IntegrityError as error:
            raise TargetingRuleBroken(
                f"{school}’s meeting for the {term} is already recorded."
            ) from error
        return meeting


@transaction.atomic
def change_targeting_meeting(
    *,
    meeting: TargetingMeeting,
    held_on: datetime.date,
    attendees: str,
    notes: str,
    seen_version: int,
    by: User,
) -> TargetingMeeting:
    """Change the meeting's date, attendees or notes; a save from an out-of-date form is refused."""
    with pghistory.context(user=by.pk):
        meeting = (
            TargetingMeeting.objects.select_for_update(of=("self",))
            .select_related("term", "school")
            .get(pk=meeting.pk)
        )
        if meeting.version != seen_version:
            raise TargetingRuleBroken(STALE)
        _check_meeting_date(meeting.term, held_on)
        if MeetingAction.objects.filter(meeting=meeting, due_on__lt=held_on).exists():
            raise TargetingRuleBroken("An action agreed at the meeting is due before that date.")
        meeting.held_on = held_on
        meeting.attendees = attendees.strip()
        meeting.notes = notes.strip()
        meeting.version += 1
        meeting.save(update_fields=["held_on", "attendees", "notes", "version"])
        return meeting


def _on_open_case(pupil: Pupil | None, kind: str, summary: str, **fields: Any) -> None:
    """An entry on the pupil's open case timeline, as link calls and timetables add theirs."""
    if pupil is None:
        return
    case = Case.objects.filter(pupil=pupil, status=Case.Status.OPEN).first()
    if case is not None:
        TimelineEntry.objects.create(case=case, kind=kind, summary=summary[:300], **fields)


@transaction.atomic
def add_meeting_action(
    *,
    meeting: TargetingMeeting,
    pupil: Pupil | None,
    action: str,
    owner: str,
    due_on: datetime.date,
    by: User,
) -> MeetingAction:
    """An action agreed at the meeting, for the school or one of its pupils.

    A pupil's action also goes on their open case's timeline ("open actions appear on the pupil's
    case timeline").
    """
    with pghistory.context(user=by.pk):
        # The meeting's row lock orders this after any change to its date.
        meeting = (
            TargetingMeeting.objects.select_for_update(of=("self",))
            .select_related("school")
            .get(pk=meeting.pk)
        )
        if pupil is not None and pupil.current_school_id != meeting.school_id:
            raise TargetingRuleBroken(f"{pupil} is not at {meeting.school}.")
        if due_on < meeting.held_on:
            raise TargetingRuleBroken("The action cannot be due before the meeting.")
        item = MeetingAction(
            meeting=meeting, pupil=pupil, action=action.strip(), owner=owner.strip(), due_on=due_on
        )
        item.full_clean()
        item.save()
        _on_open_case(
            pupil,
            TimelineEntry.Kind.ACTION,
            f"Targeting support meeting action: {item.action}",
            detail=f"Agreed with {meeting.school}. Who will do it: {item.owner}. "
            f"By {item.due_on:%-d %B %Y}.",
            occurred_on=meeting.held_on,
            by=by,
        )
        return item


STATUS_NOTES = {
    MeetingAction.Status.DONE: (TimelineEntry.Kind.ACTION_DONE, "Targeting support action done"),
    MeetingAction.Status.DROPPED: (
        TimelineEntry.Kind.NOTE,
        "Targeting support action no longer needed",
    ),
    MeetingAction.Status.OPEN: (TimelineEntry.Kind.NOTE, "Targeting support action reopened"),
}


@transaction.atomic
def update_meeting_action(
    *,
    action: MeetingAction,
    status: str,
    completed_on: datetime.date | None,
    seen_status: str,
    by: User,
) -> MeetingAction:
    """Mark an action done or no longer needed (or open again).

    An action carries no version; the status the user saw stands in for one, so two people
    closing the same action at once cannot overwrite each other unnoticed.
    """
    with pghistory.context(user=by.pk):
        action = (
            MeetingAction.objects.select_for_update(of=("self",))
            .select_related("meeting", "pupil")
            .get(pk=action.pk)
        )
        if action.status != seen_status:
            raise TargetingRuleBroken(
                f"This action was changed by someone else after you opened it: it is now "
                f"“{action.get_status_display()}”. Check it and try again."
            )
        if status not in MeetingAction.Status.values:
            raise TargetingRuleBroken("Choose what happened to the action.")
        if status == action.status:
            raise TargetingRuleBroken(f"The action is already “{action.get_status_display()}”.")
        today = timezone.localdate()
        if status == MeetingAction.Status.DONE:
            if completed_on is None:
                raise TargetingRuleBroken("Enter the date the action was done.")
            if not action.meeting.held_on <= completed_on <= today:
                raise TargetingRuleBroken(
                    "The date the action was done must be between the meeting and today."
                )
        action.status = status
        action.completed_on = completed_on if status == MeetingAction.Status.DONE else None
        action.save(update_fields=["status", "completed_on"])
        kind, summary = STATUS_NOTES[MeetingAction.Status(status)]
        _on_open_case(
            action.pupil,
            kind,
            f"{summary}: {action.action}",
            occurred_on=action.completed_on or today,
            by=by,
        )
        return action
