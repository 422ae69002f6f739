"""Reads shared by the queue, the at-risk list, pupil pages and imports."""

import datetime
from decimal import Decimal

from django.conf import settings
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from accounts.models import User
from attendance.models import (
    AttendanceImport,
    AttendanceRecord,
    PupilAttendance,
    QueueDismissal,
)
from schools.models import AcademicYear, Pupil, School


def current_start_year(today: datetime.date | None = None) -> int:
    return AcademicYear.start_year_for(today or timezone.localdate())


def _blocking_dismissal() -> Exists:
    """A dismissal this year holds unless the rate has fallen a further QUEUE_RETURN_DROP."""
    return Exists(
        QueueDismissal.objects.filter(
            pupil_id=OuterRef("pupil_id"),
            start_year=OuterRef("start_year"),
            attendance_rate__lt=OuterRef("attendance_rate")
            + Decimal(settings.QUEUE_RETURN_DROP_POINTS),
        )
    )


def queue_members(start_year: int) -> QuerySet[PupilAttendance]:
    """Rule 1: severely absent, enough possible sessions to judge, no open case, not dismissed.

    The open case is looked up by relation name: the cases app builds on this one.
    """
    return (
        PupilAttendance.objects.filter(
            start_year=start_year,
            is_severely_absent=True,
            possible_sessions__gte=settings.QUEUE_MIN_POSSIBLE_SESSIONS,
        )
        .exclude(_blocking_dismissal())
        .exclude(pupil__cases__status="open")
    )


def identification_queue(
    user: User, *, start_year: int | None = None, school: School | None = None
) -> QuerySet[PupilAttendance]:
    queue = queue_members(start_year or current_start_year()).filter(
        pupil__in=Pupil.objects.visible_to(user)
    )
    if school is not None:
        queue = queue.filter(school=school)
    return queue.select_related("pupil", "school").order_by(
        "attendance_rate", "pupil__family_name", "pupil_id"
    )


def at_risk_list(
    user: User, *, start_year: int | None = None, school: School | None = None
) -> QuerySet[PupilAttendance]:
    pupils = PupilAttendance.objects.filter(
        start_year=start_year or current_start_year(), is_at_risk=True
    ).filter(pupil__in=Pupil.objects.visible_to(user))
    if school is not None:
        pupils = pupils.filter(school=school)
    return pupils.select_related("pupil", "school").order_by(
        "projected_rate", "pupil__family_name", "pupil_id"
    )


def pupil_attendance_year(pupil: Pupil, start_year: int) -> PupilAttendance | None:
    return PupilAttendance.objects.filter(pupil=pupil, start_year=start_year).first()


def pupil_records(pupil: Pupil, start_year: int) -> list[AttendanceRecord]:
    year = AcademicYear(start_year=start_year)
    return list(
        AttendanceRecord.objects.filter(
            pupil=pupil, period_start__gte=year.starts_on, period_end__lte=year.ends_on
        )
        .select_related("school")
        .order_by("period_end", "period_start")
    )


def visible_imports(user: User) -> QuerySet[AttendanceImport]:
    return AttendanceImport.objects.visible_to(user).select_related("created_by")
