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
