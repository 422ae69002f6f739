"""Cases, lead professionals, reduced timetables, link calls and the tracking meeting.

A case is the LA's record of working with one severely absent pupil, from identification to
closure. Its timeline (TimelineEntry) holds everything that happened, in date order: RAG and tier
changes with their reasons, lead professional changes, contacts, actions, other plans, link-call
discussions and tracking-meeting decisions.
"""

import datetime
from typing import TYPE_CHECKING, Self

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from schools.models import Pupil, School, track_history

if TYPE_CHECKING:
    from accounts.models import User

SIX_WEEKS = datetime.timedelta(days=42)


class Rag(models.TextChoices):
    RED = "red", "Red"
    AMBER = "amber", "Amber"
    GREEN = "green", "Green"


class Tier(models.IntegerChoices):
    UNIVERSAL = 1, "1: universal"
    ADDITIONAL = 2, "2: additional (single agency)"
    TARGETED = 3, "3: targeted (multi-agency early help)"
    SPECIALIST = 4, "4: specialist or statutory (children’s social care)"


class LeadProfessional(models.Model):
    """The one named person who co-ordinates the work with the family.

    Either a user of the service (`user`) or an external professional recorded by name.
    """

    class Kind(models.TextChoices):
        SOCIAL_WORKER = "social_worker", "Social worker"
        EARLY_HELP_WORKER = "early_help_worker", "Early help worker"
        SCHOOL_STAFF = "school_staff", "School staff"
        OTHER = "other", "Other"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="lead_professional_records",
    )
    name = models.CharField("Name", max_length=150)
    agency = models.CharField("Agency or organisation", max_length=150, blank=True)
    phone = models.CharField("Phone", max_length=40, blank=True)
    email = models.EmailField("Email address", blank=True)
    kind = models.CharField("Type", max_length=20, choices=Kind.choices)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.agency})" if self.agency else self.name


track_history()(LeadProfessional)


class CaseQuerySet(models.QuerySet["Case"]):
    def visible_to(self, user: "User") -> Self:
        """Cases of pupils the user may see (Pupil.visible_to covers lead professionals)."""
        return self.filter(pupil__in=Pupil.objects.visible_to(user))

    def open(self) -> Self:
        return self.filter(status=Case.Status.OPEN)


class Case(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

    class ClosureReason(models.TextChoices):
        OUTCOMES_ACHIEVED = "outcomes_achieved", "Outcomes achieved"
        STEPPED_DOWN = "stepped_down", "Stepped down to universal services"
        STEPPED_UP = "stepped_up", "Stepped up to children’s social care"
        MOVED_OUT = "moved_out", "Moved out of area"
        LEFT_EDUCATION = (
            "left_education",
            ("Left education (elective home education or children missing education)"),
        )
        CONSENT_WITHDRAWN = "consent_withdrawn", "Family withdrew consent"
        TRANSFERRED = "transferred", "Transferred to another lead professional"
        OTHER = "other", "Other"

    pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT, related_name="cases")
    status = models.CharField(max_length=6, choices=Status.choices, default=Status.OPEN)
    opened_on = models.DateField(default=timezone.localdate)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reason_opened = models.TextField("Why the case was opened")
    link_coordinator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="coordinated_cases",
    )
    rag = models.CharField("RAG rating", max_length=5, choices=Rag.choices)
    tier = models.PositiveSmallIntegerField("Tier of need", choices=Tier.choices)
    lead_professional = models.ForeignKey(
        LeadProfessional, on_delete=models.PROTECT, null=True, blank=True, related_name="cases"
    )
    lead_professional_since = models.DateField(null=True, blank=True)
    attendance_at_opening = models.DecimalField(
        max_digits=5, decimal_places=2, null=True, blank=True
    )
    closed_on = models.DateField(null=True, blank=True)
    closure_reason = models.CharField(max_length=20, choices=ClosureReason.choices, blank=True)
    closure_outcome = models.TextField(blank=True)
    attendance_at_closure = models.DecimalField(
        max_digits=5, decimal_places=2, null=True, blank=True
    )
    last_contact_on = models.DateField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    objects = CaseQuerySet.as_manager()

    class Meta:
        ordering = ["-opened_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["pupil"],
                condition=Q(status="open"),
                name="one_open_case_per_pupil",
                violation_error_message="This pupil already has an open case.",
            ),
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True) | Q(closed_on__gte=F("opened_on")),
                name="case_closes_after_it_opens",
                violation_error_message="A case cannot close before it opened.",
            ),
            models.CheckConstraint(
                condition=Q(status="open", closed_on__isnull=True)
                | Q(status="closed", closed_on__isnull=False),
                name="closed_case_has_closing_date",
            ),
            models.CheckConstraint(
                condition=Q(tier__gte=1, tier__lte=4), name="case_tier_is_1_to_4"
            ),
        ]
        indexes = [
            models.Index(fields=["link_coordinator", "status"], name="case_coordinator_status"),
        ]

    def __str__(self) -> str:
        return f"Case for {self.pupil}"

    def get_absolute_url(self) -> str:
        return reverse("cases:case-detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN


track_history()(Case)


class TimelineEntry(models.Model):
    """One entry in a case's timeline."""

    class Kind(models.TextChoices):
        OPENED = "opened", "Case opened"
        CLOSED = "closed", "Case closed"
        REOPENED = "reopened", "Case reopened"
        RAG = "rag", "RAG rating changed"
        TIER = "tier", "Tier of need changed"
        STEPPED_UP = "stepped_up", "Stepped up to children’s social care"
        STEPPED_DOWN = "stepped_down", "Stepped down"
        LEAD = "lead", "Lead professional changed"
        CONTACT = "contact", "Contact"
        ACTION = "action", "Action agreed"
        ACTION_DONE = "action_done", "Action completed"
        OTHER_PLAN = "other_plan", "Other plan in place"
        LINK_CALL = "link_call", "Discussed on a link call"
        MEETING = "meeting", "Tracking meeting decision"
        NOTE = "note", "Note"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="timeline")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    occurred_on = models.DateField()
    recorded_at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    summary = models.CharField(max_length=300)
    detail = models.TextField(blank=True)

    class Meta:
        ordering = ["-occurred_on", "-recorded_at", "-pk"]
        indexes = [
            models.Index(fields=["case", "-occurred_on"], name="case_timeline"),
            # The steps up and down a term's figures count: a few in a hundred entries. (An OR,
            # not IN: PostgreSQL reads back the definition it writes of an OR as the same.)
            models.Index(
                fields=["occurred_on"],
                name="timeline_steps",
                condition=Q(kind="stepped_up") | Q(kind="stepped_down"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.occurred_on} {self.get_kind_display()}"


track_history()(TimelineEntry)


class Contact(models.Model):
    class Kind(models.TextChoices):
        HOME_VISIT = "home_visit", "Home visit"
        PHONE = "phone", "Phone call"
        MEETING = "meeting", "Meeting"
        LETTER = "letter", "Letter"
        EMAIL = "email", "Email"
        OTHER = "other", "Other"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="contacts")
    kind = models.CharField("Type of contact", max_length=12, choices=Kind.choices)
    contacted_on = models.DateField("Date")
    with_whom = models.CharField("With whom", max_length=200)
    note = models.TextField("Note")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-contacted_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.contacted_on}"


track_history()(Contact)


class CaseAction(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="actions")
    description = models.CharField("Action", max_length=500)
    owner = models.CharField("Who will do it", max_length=150)
    due_on = models.DateField("Due by")
    completed_on = models.DateField(null=True, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["completed_on", "due_on", "pk"]

    def __str__(self) -> str:
        return self.description


track_history()(CaseAction)


class OtherPlan(models.Model):
    """A plan held elsewhere: the LA's coverage measure counts any plan, by type."""

    class Kind(models.TextChoices):
        CHILD_IN_NEED = "child_in_need", "Child in need plan"
        CHILD_PROTECTION = "child_protection", "Child protection plan"
        CARE_PLAN = "care_plan", "Looked-after care plan"
        TARGETED_EARLY_HELP = "targeted_early_help", "Targeted early help (tier 3)"
        SCHOOL_LED = "school_led", "School-led plan"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="other_plans")
    kind = models.CharField("Type of plan", max_length=20, choices=Kind.choices)
    school_led_kind = models.CharField(
        "Kind of school-led plan", max_length=150, blank=True, help_text="For example, a PSP"
    )
    started_on = models.DateField("Started on")
    ended_on = models.DateField("Ended on", null=True, blank=True)

    class Meta:
        ordering = ["-started_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=F("started_on")),
                name="other_plan_ends_after_it_starts",
                violation_error_message="A plan cannot end before it starts.",
            )
        ]

    def __str__(self) -> str:
        if self.kind == self.Kind.SCHOOL_LED and self.school_led_kind:
            return f"School-led plan ({self.school_led_kind})"
        return self.get_kind_display()

    def is_current(self, on: datetime.date | None = None) -> bool:
        on = on or timezone.localdate()
        return self.started_on <= on and (self.ended_on is None or self.ended_on >= on)


track_history()(OtherPlan)


class ReducedTimetableQuerySet(models.QuerySet["ReducedTimetable"]):
    def visible_to(self, user: "User") -> Self:
        """Timetables recorded at the user's schools, for pupils the user may see.

        A pupil who moves keeps their old timetable at the old school's record, not the new's.
        """
        if not user.is_authenticated or not user.is_active:
            return self.none()
        return self.filter(
            pupil__in=Pupil.objects.visible_to(user), school__in=School.objects.visible_to(user)
        )

    def running(self, on: datetime.date | None = None) -> Self:
        on = on or timezone.localdate()
        return self.filter(started_on__lte=on).filter(Q(ended_on__isnull=True) | Q(ended_on__gt=on))


class ReducedTimetable(models.Model):
    """A part-time timetable agreed with the parents; sessions missed under it are coded C2."""

    pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT, related_name="reduced_timetables")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    started_on = models.DateField("Start date")
    planned_end_on = models.DateField("Planned end date")
    sessions_per_week = models.PositiveSmallIntegerField(
        "Sessions a week the pupil attends", help_text="Out of 10 (two a day)"
    )
    reason = models.TextField("Reason")
    parents_agreed_on = models.DateField("Date parents or carers agreed")
    return_plan = models.TextField(
        "Plan to return to full time",
        blank=True,
        help_text="Leave empty if there is no plan yet: the timetable will be flagged.",
    )
    ended_on = models.DateField("Actual end date", null=True, blank=True)
    returned_full_time = models.BooleanField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)

    objects = ReducedTimetableQuerySet.as_manager()

    class Meta:
        ordering = ["-started_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(sessions_per_week__gte=0, sessions_per_week__lte=10),
                name="timetable_sessions_0_to_10",
                violation_error_message="Sessions a week must be between 0 and 10.",
            ),
            models.CheckConstraint(
                condition=Q(planned_end_on__gte=F("started_on")),
                name="timetable_planned_end_after_start",
                violation_error_message="The planned end date cannot be before the start date.",
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=F("started_on")),
                name="timetable_ends_after_it_starts",
                violation_error_message="A timetable cannot end before it starts.",
            ),
        ]

    def __str__(self) -> str:
        return f"Reduced timetable for {self.pupil} from {self.started_on}"

    def get_absolute_url(self) -> str:
        return reverse("cases:timetable-detail", args=[self.pk])

    def is_running(self, on: datetime.date | None = None) -> bool:
        on = on or timezone.localdate()
        return self.started_on <= on and (self.ended_on is None or self.ended_on > on)

    def over_six_weeks(self, on: datetime.date | None = None) -> bool:
        """Rule 4, as the domain spec decides it: flagged from 42 calendar days after the start."""
        on = on or timezone.localdate()
        return self.is_running(on) and (on - self.started_on) >= SIX_WEEKS

    def is_red(self, on: datetime.date | None = None) -> bool:
        """Rule 4: past 6 weeks with no plan to return to full time."""
        return self.over_six_weeks(on) and not self.return_plan.strip()

    def past_planned_end(self, on: datetime.date | None = None) -> bool:
        on = on or timezone.localdate()
        return self.is_running(on) and self.planned_end_on < on


track_history()(ReducedTimetable)


class TimetableReview(models.Model):
    timetable = models.ForeignKey(
        ReducedTimetable, on_delete=models.CASCADE, related_name="reviews"
    )
    reviewed_on = models.DateField("Date of review")
    outcome = models.TextField("Outcome")
    new_planned_end_on = models.DateField("New planned end date", null=True, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-reviewed_on", "-pk"]

    def __str__(self) -> str:
        return f"Review on {self.reviewed_on}"


track_history()(TimetableReview)


class LinkCall(models.Model):
    """A link co-ordinator's fortnightly call with a school."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="link_calls")
    held_on = models.DateField("Date of the call")
    link_coordinator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="link_calls"
    )
    attendees = models.CharField("Who took part", max_length=500)

    class Meta:
        ordering = ["-held_on", "-pk"]
        indexes = [models.Index(fields=["school", "-held_on"], name="link_call_school_date")]

    def __str__(self) -> str:
        return f"Link call with {self.school} on {self.held_on}"

    def get_absolute_url(self) -> str:
        return reverse("cases:link-call-detail", args=[self.pk])


track_history()(LinkCall)


class LinkCallDiscussion(models.Model):
    call = models.ForeignKey(LinkCall, on_delete=models.CASCADE, related_name="discussions")
    pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT, related_name="link_discussions")
    note = models.TextField("Note")
    action = models.CharField("Action", max_length=500, blank=True)

    class Meta:
        ordering = ["pk"]
        indexes = [models.Index(fields=["pupil", "call"], name="discussion_pupil_call")]

    def __str__(self) -> str:
        return f"{self.pupil} on {self.call}"


track_history()(LinkCallDiscussion)


class TrackingMeeting(models.Model):
    """The fortnightly Vulnerable Tracking Oversight meeting."""

    held_on = models.DateField("Date of the meeting")
    since = models.DateField("Changes since", help_text="Usually the previous meeting's date")
    chaired_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    schools = models.ManyToManyField(School, related_name="+")

    class Meta:
        ordering = ["-held_on", "-pk"]

    def __str__(self) -> str:
        return f"Tracking meeting on {self.held_on}"

    def get_absolute_url(self) -> str:
        return reverse("cases:meeting-detail", args=[self.pk])


track_history()(TrackingMeeting)


class MeetingDecision(models.Model):
    meeting = models.ForeignKey(TrackingMeeting, on_delete=models.CASCADE, related_name="decisions")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="meeting_decisions")
    decision = models.TextField("Decision")
    action = models.CharField("Action", max_length=500, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "case"], name="one_decision_per_case")
        ]

    def __str__(self) -> str:
        return f"{self.case} at {self.meeting}"


track_history()(MeetingDecision)
