"""Imported attendance, the figures derived from it, and the identification queue's memory.

Attendance arrives only by import (attendance/importer.py): summaries over a period, never single
register marks. After each import the figures for the affected pupils are recomputed and stored
in PupilAttendance, so lists, the queue and dashboards read them rather than the raw rows.
"""

from typing import TYPE_CHECKING, Self

import pghistory
from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import ArrayField, DateRangeField, RangeOperators
from django.db import models
from django.db.models import F, Func, Q
from django.urls import reverse
from django.utils import timezone

from schools.models import Pupil, School, sees_every_school

if TYPE_CHECKING:
    from accounts.models import User


class DateRange(Func):
    function = "DATERANGE"
    output_field = DateRangeField()


class AttendanceImportQuerySet(models.QuerySet["AttendanceImport"]):
    def visible_to(self, user: "User") -> Self:
        """Imports the user could have made: every school in them is one of the user's schools.

        The importer always sees their own, including refused files that named no school.
        """
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if sees_every_school(user):
            return self
        school_ids = list(School.objects.visible_to(user).values_list("pk", flat=True))
        return self.filter(
            Q(created_by=user) | (Q(school_ids__contained_by=school_ids) & ~Q(school_ids=[]))
        )


class AttendanceImport(models.Model):
    """One file, checked (a dry run) or imported: who, when, what it held and what it did."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting to start"
        RUNNING = "running", "In progress"
        CHECKED = "checked", "Checked: ready to import"
        IMPORTED = "imported", "Imported"
        REFUSED = "refused", "Refused: the file has errors"
        FAILED = "failed", "Failed"

    file_name = models.CharField(max_length=255)
    sha256 = models.CharField("SHA-256", max_length=64)
    size_bytes = models.BigIntegerField(default=0)
    stored_file = models.CharField(
        max_length=500, blank=True, help_text="The upload, kept until it has been imported."
    )
    dry_run = models.BooleanField(default=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="attendance_imports"
    )
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    rows_total = models.PositiveIntegerField(default=0)
    rows_checked = models.PositiveIntegerField(default=0)
    rows_stored = models.PositiveIntegerField(default=0)
    school_ids = ArrayField(models.BigIntegerField(), default=list)
    counts = models.JSONField(default=dict)
    error_count = models.PositiveIntegerField(default=0)
    failure = models.TextField(blank=True)
    checked_import = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The dry run this import was confirmed from.",
    )

    objects = AttendanceImportQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["created_by", "-created_at"], name="import_by_user")]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.created_at:%d %b %Y %H:%M})"

    def get_absolute_url(self) -> str:
        return reverse("attendance:import-detail", args=[self.pk])

    @property
    def duration_seconds(self) -> float | None:
        if self.started_at and self.finished_at:
            return (self.finished_at - self.started_at).total_seconds()
        return None

    @property
    def is_finished(self) -> bool:
        return self.status not in {self.Status.QUEUED, self.Status.RUNNING}


class ImportProblem(models.Model):
    """What a check found in a file, named by spreadsheet row and column.

    Errors refuse the whole file; warnings (an ignored column) and changes (a pupil's new name or
    year group) are listed for the user and do not.
    """

    class Kind(models.TextChoices):
        ERROR = "error", "Error"
        WARNING = "warning", "Warning"
        CHANGE = "change", "Change"

    attendance_import = models.ForeignKey(
        AttendanceImport, on_delete=models.CASCADE, related_name="problems"
    )
    row_number = models.PositiveIntegerField(
        null=True, help_text="As in a spreadsheet: header is 1"
    )
    column = models.CharField(max_length=100, blank=True)
    value = models.CharField(max_length=200, blank=True)
    message = models.CharField(max_length=500)
    kind = models.CharField(max_length=7, choices=Kind.choices, default=Kind.ERROR)

    class Meta:
        ordering = ["row_number", "pk"]
        indexes = [
            models.Index(fields=["attendance_import", "kind", "row_number"], name="problem_row")
        ]

    def __str__(self) -> str:
        return f"Row {self.row_number}, {self.column}: {self.message}"


class AttendanceRecordQuerySet(models.QuerySet["AttendanceRecord"]):
    def visible_to(self, user: "User") -> Self:
        return self.filter(pupil__in=Pupil.objects.visible_to(user))


@pghistory.track(
    # Inserts are traced to their import (imported_by); corrections and deletions are audited.
    pghistory.UpdateEvent(),
    pghistory.DeleteEvent(),
)
class AttendanceRecord(models.Model):
    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="attendance_records")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    period_start = models.DateField()
    period_end = models.DateField()
    possible_sessions = models.PositiveIntegerField()
    attended_sessions = models.PositiveIntegerField()
    authorised_absence = models.PositiveIntegerField()
    unauthorised_absence = models.PositiveIntegerField()
    code_counts = models.JSONField(default=dict, help_text='Sessions by register code: {"C2": 4}')
    suspensions = models.PositiveIntegerField(null=True, blank=True)
    # The import that wrote the row, kept for the audit. Imports are never deleted, so the
    # database does not check this reference row by row: a foreign-key check costs about 3 s
    # for every million rows an import writes, a tenth of the import's own work.
    imported_by = models.ForeignKey(
        AttendanceImport,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        db_constraint=False,
    )

    objects = AttendanceRecordQuerySet.as_manager()

    class Meta:
        ordering = ["pupil", "period_start"]
        indexes = [models.Index(fields=["school", "period_end"], name="attendance_school_end")]
        constraints = [
            models.UniqueConstraint(
                fields=["pupil", "school", "period_start", "period_end"],
                name="one_record_per_pupil_school_period",
            ),
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")),
                name="attendance_period_ends_after_it_starts",
            ),
            models.CheckConstraint(
                condition=Q(
                    possible_sessions=F("attended_sessions")
                    + F("authorised_absence")
                    + F("unauthorised_absence")
                ),
                name="attendance_sessions_add_up",
            ),
            # Rule 7 of the import: overlapping periods would count sessions twice.
            ExclusionConstraint(
                name="attendance_periods_do_not_overlap",
                expressions=[
                    ("pupil", RangeOperators.EQUAL),
                    ("school", RangeOperators.EQUAL),
                    (
                        DateRange("period_start", "period_end", models.Value("[]")),
                        RangeOperators.OVERLAPS,
                    ),
                ],
            ),
        ]

    def __str__(self) -> str:
        return f"{self.pupil_id} {self.period_start}–{self.period_end}"

    @property
    def attendance_rate(self) -> float | None:
        if not self.possible_sessions:
            return None
        return 100 * self.attended_sessions / self.possible_sessions


class PupilAttendanceQuerySet(models.QuerySet["PupilAttendance"]):
    def visible_to(self, user: "User") -> Self:
        return self.filter(pupil__in=Pupil.objects.visible_to(user))


class PupilAttendance(models.Model):
    """A pupil's year-to-date figures for one academic year, recomputed after each import."""

    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="attendance_years")
    start_year = models.PositiveSmallIntegerField(help_text="2025 for 2025/26")
    school = models.ForeignKey(
        School, on_delete=models.PROTECT, related_name="+", help_text="Of the latest record"
    )
    possible_sessions = models.PositiveIntegerField()
    attended_sessions = models.PositiveIntegerField()
    attendance_rate = models.DecimalField(max_digits=5, decimal_places=2)
    is_persistently_absent = models.BooleanField()
    is_severely_absent = models.BooleanField()
    latest_period_end = models.DateField()
    severe_from_start = models.DateField(null=True, help_text="The period that crossed the line")
    severe_from_end = models.DateField(null=True)
    recent_possible = models.PositiveIntegerField(help_text="Over the last 4 weeks of records")
    recent_attended = models.PositiveIntegerField()
    recent_rate = models.DecimalField(max_digits=5, decimal_places=2, null=True)
    projected_rate = models.DecimalField(
        max_digits=5, decimal_places=2, null=True, help_text="At the end of the current term"
    )
    is_at_risk = models.BooleanField(default=False)
    c2_sessions = models.PositiveIntegerField(default=0)
    suspensions = models.PositiveIntegerField(default=0)
    refreshed_at = models.DateTimeField(default=timezone.now)

    objects = PupilAttendanceQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["pupil", "start_year"], name="one_summary_per_pupil_year"
            )
        ]
        indexes = [
            models.Index(
                fields=["start_year", "school"],
                condition=Q(is_severely_absent=True),
                name="severe_by_year_school",
            ),
            models.Index(
                fields=["start_year", "school"],
                condition=Q(is_at_risk=True),
                name="at_risk_by_year_school",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.pupil_id} {self.start_year}: {self.attendance_rate}%"


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class QueueDismissal(models.Model):
    """A link co-ordinator's decision that a severely absent pupil needs no case (this year).

    The pupil returns to the queue only if their rate falls a further QUEUE_RETURN_DROP points.
    """

    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="queue_dismissals")
    start_year = models.PositiveSmallIntegerField()
    reason = models.TextField()
    attendance_rate = models.DecimalField(max_digits=5, decimal_places=2)
    dismissed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    dismissed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-dismissed_at"]
        indexes = [models.Index(fields=["pupil", "start_year"], name="dismissal_pupil_year")]

    def __str__(self) -> str:
        return f"{self.pupil_id} dismissed {self.dismissed_at:%Y-%m-%d}"
