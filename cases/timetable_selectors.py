"""Reads for reduced timetables: the LA's list with its flags, the count against the target, the
C2 cross-check with imported attendance, and what changed under a stale form.

Flags are computed in SQL (annotations), so lists filter and sort by them without loading rows
into Python, and a page costs the same number of queries however many rows it shows.
"""

import dataclasses
import datetime
from typing import Any

from django.apps import apps
from django.contrib.postgres.aggregates import ArrayAgg
from django.db.models import (
    BooleanField,
    Exists,
    ExpressionWrapper,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, Coalesce, Greatest
from django.utils import timezone

from accounts.models import User
from attendance.models import AttendanceRecord, PupilAttendance
from cases.models import SIX_WEEKS, ReducedTimetable
from schools.models import AcademicYear, Pupil, School

# A recorded timetable is checked against C2 marks only once the data has had time to arrive.
C2_GRACE = datetime.timedelta(days=14)

STATUSES = {
    "running": "Running or due to start",
    "ended": "Ended",
    "all": "All",
}
FLAGS = {
    "over_six_weeks": "Over 6 weeks",
    "red": "Over 6 weeks with no return plan",
    "past_planned_end": "Past planned end",
}


def _today(today: datetime.date | None) -> datetime.date:
    return today or timezone.localdate()


def _flag(condition: Q) -> ExpressionWrapper:
    return ExpressionWrapper(condition, output_field=BooleanField())


def running_on(today: datetime.date) -> Q:
    return Q(started_on__lte=today) & (Q(ended_on__isnull=True) | Q(ended_on__gt=today))


def with_flags(
    timetables: QuerySet[ReducedTimetable], *, today: datetime.date | None = None
) -> QuerySet[ReducedTimetable]:
    """Rule 4 in SQL, as ReducedTimetable's methods say it for one row.

    flag_over_six_weeks: running and at least 42 calendar days since the start (domain spec).
    flag_red: that, with no plan to return to full time (an empty or blank plan).
    flag_past_planned_end: running after its planned end date.
    """
    on = _today(today)
    running = running_on(on)
    over = running & Q(started_on__lte=on - SIX_WEEKS)
    return timetables.annotate(
        flag_running=_flag(running),
        flag_over_six_weeks=_flag(over),
        flag_red=_flag(over & Q(return_plan__regex=r"^\s*$")),
        flag_past_planned_end=_flag(running & Q(planned_end_on__lt=on)),
    )


def timetable_list(
    user: User,
    *,
    status: str = "running",
    school: School | None = None,
    flag: str = "",
    today: datetime.date | None = None,
) -> QuerySet[ReducedTimetable]:
    """Every reduced timetable the user may see, with its flags, filtered as the list asks."""
    on = _today(today)
    timetables = with_flags(ReducedTimetable.objects.visible_to(user), today=on).select_related(
        "pupil", "school"
    )
    if status == "running":
        timetables = timetables.filter(Q(ended_on__isnull=True) | Q(ended_on__gt=on))
    elif status == "ended":
        timetables = timetables.filter(ended_on__lte=on)
    if school is not None:
        timetables = timetables.filter(school=school)
    if flag in FLAGS:
        timetables = timetables.filter(**{f"flag_{flag}": True})
    if status == "running":
        return timetables.order_by("started_on", "pupil__family_name", "pk")
    return timetables.order_by("-started_on", "pupil__family_name", "pk")


def pupils_on_a_timetable(user: User, *, today: datetime.date | None = None) -> int:
    """Pupils (not timetables) on a reduced timetable today, at the user's schools."""
    return (
        ReducedTimetable.objects.visible_to(user)
        .filter(running_on(_today(today)))
        .values("pupil_id")
        .distinct()
        .count()
    )


def pupil_timetables(
    pupil: Pupil, *, today: datetime.date | None = None
) -> QuerySet[ReducedTimetable]:
    """One pupil's timetables for their page (the caller has already checked they may see it)."""
    return with_flags(ReducedTimetable.objects.filter(pupil=pupil), today=today).order_by(
        "-started_on", "-pk"
    )


# Unregistered timetables: C2 marks against what is recorded --------------------------------------


def _c2_sessions() -> Cast:
    return Cast(KT("code_counts__C2"), IntegerField())


@dataclasses.dataclass(frozen=True)
class Period:
    start: datetime.date
    end: datetime.date


@dataclasses.dataclass(frozen=True)
class UnregisteredC2:
    """A pupil with C2 sessions at a school in periods no recorded timetable covers."""

    pupil_id: int
    pupil_name: str
    school_name: str
    c2_sessions: int
    periods: list[Period]


def uncovered_c2_records(
    user: User, *, school: School | None = None, today: datetime.date | None = None
) -> QuerySet[AttendanceRecord]:
    """This year's imported records with C2 sessions that overlap no recorded timetable.

    A timetable covers from its start to its actual end; while it runs, to its planned end or
    today, whichever is later (a timetable running past its planned end is flagged elsewhere).
    """
    on = _today(today)
    year = AcademicYear(start_year=AcademicYear.start_year_for(on))
    covering = (
        ReducedTimetable.objects.filter(pupil_id=OuterRef("pupil_id"))
        .alias(covers_to=Coalesce("ended_on", Greatest("planned_end_on", Value(on))))
        .filter(started_on__lte=OuterRef("period_end"), covers_to__gte=OuterRef("period_start"))
    )
    # The year's figures (refreshed by every import) hold each pupil's C2 total, so only the
    # records of pupils with some C2 sessions need reading.
    with_c2 = PupilAttendance.objects.filter(start_year=year.start_year, c2_sessions__gt=0).values(
        "pupil_id"
    )
    records = AttendanceRecord.objects.filter(
        pupil__in=Pupil.objects.visible_to(user),
        pupil_id__in=with_c2,
        period_start__gte=year.starts_on,
        period_end__lte=year.ends_on,
    )
    if school is not None:
        records = records.filter(school=school)
    return records.alias(c2=_c2_sessions()).filter(c2__gt=0).exclude(Exists(covering))


def unregistered_c2(
    user: User, *, school: School | None = None, today: datetime.date | None = None
) -> QuerySet[Any]:
    """One row per pupil and school: C2 sessions with no timetable recorded, most first."""
    return (
        uncovered_c2_records(user, school=school, today=today)
        .values("pupil_id", "pupil__given_name", "pupil__family_name", "school_id", "school__name")
        .annotate(
            c2_sessions=Sum(_c2_sessions()),
            starts=ArrayAgg("period_start", order_by="period_start"),
            ends=ArrayAgg("period_end", order_by="period_start"),
        )
        .order_by("-c2_sessions", "pupil__family_name", "pupil__given_name", "pupil_id")
    )


def as_unregistered_rows(rows: list[dict[str, Any]]) -> list[UnregisteredC2]:
    return [
        UnregisteredC2(
            pupil_id=row["pupil_id"],
            pupil_name=f"{row['pupil__family_name']}, {row['pupil__given_name']}",
            school_name=row["school__name"],
            c2_sessions=row["c2_sessions"],
            periods=[Period(s, e) for s, e in zip(row["starts"], row["ends"], strict=True)],
        )
        for row in rows
    ]


def timetables_without_c2(
    user: User, *, school: School | None = None, today: datetime.date | None = None
) -> QuerySet[ReducedTimetable]:
    """Running timetables whose pupil's records since the start show no C2 session.

    Only timetables at least two weeks old, and only once records after the start have arrived,
    so that a timetable is not flagged before its attendance data could show it.
    """
    on = _today(today)
    records_since_start = AttendanceRecord.objects.filter(
        pupil_id=OuterRef("pupil_id"),
        period_end__gte=OuterRef("started_on"),
        period_start__lte=on,
    )
    with_c2 = records_since_start.alias(c2=_c2_sessions()).filter(c2__gt=0)
    latest = records_since_start.order_by("-period_end").values("period_end")[:1]
    timetables = (
        with_flags(ReducedTimetable.objects.visible_to(user), today=on)
        .filter(running_on(on), started_on__lte=on - C2_GRACE)
        .filter(Exists(records_since_start))
        .exclude(Exists(with_c2))
        .annotate(records_to=Subquery(latest))
        .select_related("pupil", "school")
    )
    if school is not None:
        timetables = timetables.filter(school=school)
    return timetables.order_by("started_on", "pupil__family_name", "pk")


# What changed under a stale form (rule 7) --------------------------------------------------------

CHANGE_FIELDS = (
    "started_on",
    "planned_end_on",
    "sessions_per_week",
    "reason",
    "parents_agreed_on",
    "return_plan",
    "ended_on",
    "returned_full_time",
)


@dataclasses.dataclass(frozen=True)
class ChangesSince:
    """Field -> (value the user saw, value now), and the changes described for the user."""

    fields: dict[str, tuple[Any, Any]]
    described: list[str]


def _label(field: str) -> str:
    if field == "returned_full_time":
        return "returned to full time"
    return str(getattr(ReducedTimetable._meta.get_field(field), "verbose_name", field)).lower()


def _shown(value: Any) -> str:
    if value is None or value == "":
        return "nothing"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime.date):
        return f"{value:%d/%m/%Y}"
    if isinstance(value, str):
        text = " ".join(value.split())
        return f"“{text[:60]}…”" if len(text) > 60 else f"“{text}”"
    return str(value)


def _when(at: datetime.datetime) -> str:
    local = timezone.localtime(at)
    if local.date() == timezone.localdate():
        return f"{local:%H:%M}"
    return f"{local:%d/%m/%Y %H:%M}"


def timetable_changes_since(timetable: ReducedTimetable, seen_version: int) -> ChangesSince:
    """What others changed since the user loaded `seen_version`, from the history triggers.

    The history table holds a row per save, so the version the user saw is compared with the
    timetable as it is now, and each change is put down to whoever saved it last.
    """
    events_model: Any = apps.get_model("cases", "ReducedTimetableEvent")
    reviews_model: Any = apps.get_model("cases", "TimetableReviewEvent")
    events = list(
        events_model.objects.filter(pgh_obj_id=timetable.pk, version__gte=seen_version)
        .select_related("pgh_context")
        .order_by("pgh_id")
    )
    seen = [e for e in events if e.version == seen_version]
    if not seen:
        return ChangesSince(fields={}, described=[])
    baseline = seen[-1]
    later = [e for e in events if e.pgh_id > baseline.pgh_id]
    reviews = (
        list(
            reviews_model.objects.filter(
                timetable_id=timetable.pk,
                pgh_label="insert",
                pgh_created_at__gte=later[0].pgh_created_at,
            )
            .select_related("pgh_context")
            .order_by("pgh_id")
        )
        if later
        else []
    )
    user_ids = {
        int(uid)
        for e in [*later, *reviews]
        if e.pgh_context and (uid := e.pgh_context.metadata.get("user")) is not None
    }
    names = dict(User.objects.filter(pk__in=user_ids).values_list("pk", "full_name"))

    def who(event: Any) -> str:
        uid = event.pgh_context.metadata.get("user") if event.pgh_context else None
        name = names.get(int(uid)) if uid is not None else None
        return f"{name or 'someone'}, {_when(event.pgh_created_at)}"

    fields: dict[str, tuple[Any, Any]] = {}
    described: list[str] = []
    for review in reviews:
        described.append(f"a review was recorded for {review.reviewed_on:%d/%m/%Y} ({who(review)})")
    for field in CHANGE_FIELDS:
        was, now = getattr(baseline, field), getattr(timetable, field)
        if was == now:
            continue
        fields[field] = (was, now)
        changer, previous = None, baseline
        for event in later:
            if getattr(event, field) != getattr(previous, field):
                changer = event
            previous = event
        by = f" ({who(changer)})" if changer is not None else ""
        described.append(f"{_label(field)} changed from {_shown(was)} to {_shown(now)}{by}")
    return ChangesSince(fields=fields, described=described)
