"""Termly reports: the LA's targets, stored report snapshots and targeting support meetings.

Every figure is defined once in reports/measures.py and computed in SQL from stored data; a
termly report stores what it computed (figures, PDF, CSV) with its data cut-off, so later
changes to the data never alter it. Regenerating makes a new version.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from schools.models import Pupil, School, Term, track_history


class Target(models.Model):
    """A measure's baseline and target, for all schools or one phase; administrators edit them.

    `lower_is_better` says which way "better than target" points (absence: lower; coverage:
    higher).
    """

    measure = models.CharField(max_length=60, help_text="The measure's code in reports/measures")
    phase = models.CharField(
        max_length=20, blank=True, help_text="Empty for all phases, or primary, secondary…"
    )
    label = models.CharField(max_length=200)
    baseline = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    baseline_label = models.CharField(max_length=40, blank=True, help_text="e.g. 2018/19")
    target = models.DecimalField(max_digits=8, decimal_places=2)
    lower_is_better = models.BooleanField(default=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["measure", "phase"]
        constraints = [
            models.UniqueConstraint(fields=["measure", "phase"], name="one_target_per_measure")
        ]

    def __str__(self) -> str:
        return self.label

    def is_on_track(self, value: Decimal | None) -> bool | None:
        if value is None:
            return None
        return value <= self.target if self.lower_is_better else value >= self.target


track_history()(Target)


def report_path(instance: "TermlyReport", filename: str) -> str:
    return f"termly-reports/{instance.term_id}/{filename}"


class TermlyReport(models.Model):
    """One generated version of a term's report: immutable once written."""

    class Scope(models.TextChoices):
        LA = "la", "Local authority"
        SCHOOL = "school", "One school"

    term = models.ForeignKey(Term, on_delete=models.PROTECT, related_name="reports")
    scope = models.CharField(max_length=6, choices=Scope.choices, default=Scope.LA)
    school = models.ForeignKey(
        School, on_delete=models.PROTECT, null=True, blank=True, related_name="reports"
    )
    version = models.PositiveIntegerField()
    generated_at = models.DateTimeField(default=timezone.now)
    generated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty when the scheduled job generated it",
    )
    data_cut_off = models.DateTimeField(help_text="Data recorded after this is not included")
    figures = models.JSONField(default=list)
    pdf = models.FileField(upload_to=report_path, max_length=200, blank=True)
    csv = models.FileField(upload_to=report_path, max_length=200, blank=True)

    class Meta:
        ordering = ["-term__starts_on", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["term", "scope", "school", "version"],
                name="one_report_version",
                nulls_distinct=False,
            ),
            models.CheckConstraint(
                condition=Q(scope="la", school__isnull=True)
                | Q(scope="school", school__isnull=False),
                name="school_report_names_its_school",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.term} report, version {self.version}"

    def get_absolute_url(self) -> str:
        return reverse("reports:report-detail", args=[self.pk])


track_history()(TermlyReport)


class TargetingMeeting(models.Model):
    """The statutory termly targeting support meeting between the LA and one school."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="targeting_meetings")
    term = models.ForeignKey(Term, on_delete=models.PROTECT, related_name="targeting_meetings")
    held_on = models.DateField("Date of the meeting")
    attendees = models.TextField("Who attended", help_text="One per line: name and role")
    notes = models.TextField("Notes", blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-held_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "term"],
                name="one_targeting_meeting_per_school_per_term",
                violation_error_message="This school’s meeting for the term is already recorded.",
            )
        ]

    def __str__(self) -> str:
        return f"Targeting support meeting, {self.school}, {self.term}"

    def get_absolute_url(self) -> str:
        return reverse("reports:tsm-detail", args=[self.pk])


track_history()(TargetingMeeting)


class MeetingAction(models.Model):
    """An action agreed at a targeting support meeting, for the school or a named pupil."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        DONE = "done", "Done"
        DROPPED = "dropped", "No longer needed"

    meeting = models.ForeignKey(TargetingMeeting, on_delete=models.CASCADE, related_name="actions")
    pupil = models.ForeignKey(
        Pupil,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="targeting_actions",
        help_text="Empty for an action for the school as a whole",
    )
    action = models.TextField("What will be done")
    owner = models.CharField("Who will do it", max_length=200)
    due_on = models.DateField("By when")
    status = models.CharField(max_length=7, choices=Status.choices, default=Status.OPEN)
    completed_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["due_on", "pk"]
        indexes = [models.Index(fields=["status", "pupil"], name="meeting_action_status")]

    def __str__(self) -> str:
        return self.action[:80]


track_history()(MeetingAction)


# Attendance summaries ----------------------------------------------------------------------------
# Derived from attendance records by reports/summary.py, so that the LA-wide figures read a row per
# school instead of aggregating every pupil's sessions. Not audited: they hold no one's data that
# the records do not, and are rebuilt from them at will.


class AttendanceSummary(models.Model):
    """Measures 1–4 of one school's pupils for a year's terms, over the pupils who attended no
    other school that year (those who did are kept in AttendanceDetail and counted from there).

    `terms` is a set of the year's terms as bits (autumn 1, spring 2, summer 4): a term's own, or
    the year to date. `characteristic` is "" for every pupil, or one of CHARACTERISTICS.
    """

    start_year = models.PositiveSmallIntegerField()
    school = models.ForeignKey(
        School, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    terms = models.PositiveSmallIntegerField()
    characteristic = models.CharField(max_length=40, blank=True)
    recorded = models.IntegerField(help_text="Pupils with any record in these terms")
    pupils = models.IntegerField(help_text="Pupils with possible sessions")
    absent = models.BigIntegerField()
    possible = models.BigIntegerField()
    persistent = models.IntegerField()
    severe = models.IntegerField()
    suspensions = models.BigIntegerField()
    suspended = models.IntegerField(help_text="Pupils whose records carried suspensions")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["start_year", "terms", "characteristic", "school"],
                name="one_attendance_summary",
            )
        ]

    def __str__(self) -> str:
        return f"{self.school_id} {self.start_year} terms {self.terms} {self.characteristic}"


class AttendanceDetail(models.Model):
    """A pupil's sessions at a school in one term, for the pupils the summaries cannot stand for:
    those at more than one school in the year (`mover`), and those whose own figures a measure
    needs (severely absent by some term's end, or with C2 sessions)."""

    start_year = models.PositiveSmallIntegerField()
    term = models.PositiveSmallIntegerField(help_text="0 autumn, 1 spring, 2 summer")
    pupil = models.ForeignKey(
        Pupil, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    school = models.ForeignKey(
        School, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    mover = models.BooleanField()
    possible = models.IntegerField()
    attended = models.IntegerField()
    suspensions = models.IntegerField(null=True)
    suspension_records = models.IntegerField()
    c2 = models.IntegerField()

    class Meta:
        indexes = [
            models.Index(fields=["start_year", "pupil"], name="attendance_detail_pupil"),
            models.Index(fields=["start_year", "school"], name="attendance_detail_school"),
        ]

    def __str__(self) -> str:
        return f"{self.pupil_id} at {self.school_id}, {self.start_year} term {self.term}"


class AttendanceSummaryYear(models.Model):
    """What a year's summaries were built with: if any of it differs now, they are rebuilt."""

    start_year = models.PositiveSmallIntegerField(primary_key=True)
    built_with = models.JSONField()
    built_at = models.DateTimeField()

    def __str__(self) -> str:
        return str(self.start_year)


class AttendanceSummaryStale(models.Model):
    """A school's summaries for a year that no longer match its records: written by database
    triggers on attendance records and pupils' characteristics, cleared by refreshing them."""

    start_year = models.PositiveSmallIntegerField()
    school_id = models.BigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["start_year", "school_id"], name="one_stale_summary")
        ]

    def __str__(self) -> str:
        return f"{self.school_id} {self.start_year}"
