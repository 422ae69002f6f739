"""Family Early Help Plans: the family's own plan, its reviews every 6 weeks, and its closure.

One plan per family or household covers each of its children; a child who is a pupil in the
service is linked to their record, so siblings at different schools share one plan, and each
school's staff see it only through their own pupils (EarlyHelpPlan.visible_to). At most one
active plan per child is a partial unique index on PlanChild.
"""

import datetime
import uuid
from typing import TYPE_CHECKING, Self

from django.conf import settings
from django.db import models
from django.db.models import Exists, F, OuterRef, Q
from django.urls import reverse
from django.utils import timezone

from cases.models import Case, LeadProfessional, Tier
from schools.models import Pupil, sees_every_school, track_history

if TYPE_CHECKING:
    from accounts.models import User

REVIEW_INTERVAL = datetime.timedelta(days=42)


class Aspect(models.TextChoices):
    """The ten aspects of family life the plan scores (the LA's form's own labels)."""

    EDUCATION = "education", "Education"
    EARLY_YEARS = "early_years", "Pregnancy & early years"
    HEALTH = "health", "Health & wellbeing"
    RELATIONSHIPS = "relationships", "Family relationships"
    HOUSING = "housing", "Housing & home environment"
    BASIC_CARE = "basic_care", "Basic care"
    MONEY = "money", "Money & employment"
    SAFETY = "safety", "Safety"
    DRUGS_ALCOHOL = "drugs_alcohol", "Drugs & alcohol"
    OFFENDING = "offending", "Offending behaviour"


class Perspective(models.TextChoices):
    PARENT = "parent", "Parent or carer"
    CHILD = "child", "Child"


class Readiness(models.IntegerChoices):
    NOT_READY = 1, "1: not ready yet"
    THINKING = 2, "2: thinking about changes"
    FIRST_STEPS = 3, "3: taking first steps"
    MAKING_IT_HAPPEN = 4, "4: making good things happen"
    KEEPING_GOING = 5, "5: keeping things going well"


class EarlyHelpPlanQuerySet(models.QuerySet["EarlyHelpPlan"]):
    def visible_to(self, user: "User") -> Self:
        """Plans of families with a child the user may see; consent limits it further.

        Where the family did not agree to share, only the lead professional, the plan's author
        and administrators may open the plan.
        """
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_administrator:
            return self
        own = Q(created_by=user) | Q(lead_professional__user=user)
        shared = ~Q(consent_to_share=False)
        if not sees_every_school(user):
            shared &= Q(
                Exists(
                    PlanChild.objects.filter(
                        plan=OuterRef("pk"), pupil__in=Pupil.objects.visible_to(user)
                    )
                )
            )
        return self.filter(own | shared)


class EarlyHelpPlan(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        ACTIVE = "active", "Active"
        CLOSED = "closed", "Closed"

    class ClosureReason(models.TextChoices):
        CONSENT_WITHDRAWN = "consent_withdrawn", "Consent withdrawn"
        MOVED_OUT = "moved_out", "Family moved out of the city"
        UNIVERSAL = "universal", "Needs met by universal services"
        STEPPED_UP = "stepped_up", "Stepped up to children’s social care (MASH)"

    family_name = models.CharField(
        "Family name", max_length=150, help_text="How the plan is known, e.g. the Specimen family"
    )
    status = models.CharField(max_length=6, choices=Status.choices, default=Status.DRAFT)
    case = models.ForeignKey(
        Case, on_delete=models.SET_NULL, null=True, blank=True, related_name="early_help_plans"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    tier = models.PositiveSmallIntegerField(
        "Tier of need", choices=Tier.choices, null=True, blank=True
    )
    tier_reasons = models.TextField("Why this tier", blank=True)

    # Consent: a plan cannot be agreed without a decision about sharing.
    consent_to_share = models.BooleanField(
        "The family agrees their information may be shared with those supporting the plan",
        null=True,
        blank=True,
    )
    consent_recorded_on = models.DateField(null=True, blank=True)
    supporting_families_consent = models.BooleanField(
        "The family agrees to share with the Supporting Families programme",
        null=True,
        blank=True,
    )
    consent_withdrawn_on = models.DateField(null=True, blank=True)
    consent_withdrawal_reason = models.TextField(blank=True)

    # Lead professional agreement.
    lead_professional = models.ForeignKey(
        LeadProfessional, on_delete=models.PROTECT, null=True, blank=True, related_name="plans"
    )
    lead_agreed_on = models.DateField("Date the lead professional agreed", null=True, blank=True)

    # Who's in our family: the household's details.
    address = models.TextField("Family address", blank=True)
    phone = models.CharField("Family phone", max_length=40, blank=True)
    email = models.EmailField("Family email", blank=True)
    useful_information = models.TextField(
        "Useful information",
        blank=True,
        help_text="Interpreter, carer, preferred contact, significant adults elsewhere",
    )

    # Agreed, and when the next review is (set when the plan is agreed).
    agreed_on = models.DateField(null=True, blank=True)
    # The next review meeting as arranged. The date it is *due* is never typed: it is derived
    # (next_review_due); a meeting arranged later than that needs a reason.
    next_review_on = models.DateField("Date of the next review", null=True, blank=True)
    next_review_time = models.TimeField(null=True, blank=True)
    next_review_venue = models.CharField(max_length=200, blank=True)
    next_review_reason = models.TextField("Why the review is later than 6 weeks", blank=True)
    last_reviewed_on = models.DateField(null=True, blank=True)

    closed_on = models.DateField(null=True, blank=True)
    closure_reason = models.CharField(max_length=20, choices=ClosureReason.choices, blank=True)
    # Measured impact, stored at closure: attendance in the 6 weeks before the plan was agreed
    # against the last 6 weeks before it closed, and each aspect's first and last scores.
    attendance_before = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    attendance_at_close = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    score_changes = models.JSONField(default=list, blank=True)

    # After consent is withdrawn the lead professional considers whether that raises a
    # safeguarding concern, and records the decision.
    safeguarding_considered_on = models.DateField(null=True, blank=True)
    safeguarding_concern = models.BooleanField(
        "Does the withdrawal of consent raise a safeguarding concern?", null=True, blank=True
    )
    safeguarding_note = models.TextField("What was decided, and why", blank=True)
    supporting_families_deleted_on = models.DateField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    objects = EarlyHelpPlanQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="active")
                | (
                    Q(consent_to_share__isnull=False)
                    & Q(lead_professional__isnull=False)
                    & Q(agreed_on__isnull=False)
                ),
                name="active_plan_has_consent_lead_and_agreement",
                violation_error_message="An agreed plan needs consent, a lead professional and "
                "the date it was agreed.",
            ),
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True)
                | Q(agreed_on__isnull=True)
                | Q(closed_on__gte=F("agreed_on")),
                name="plan_closes_after_it_is_agreed",
            ),
            models.CheckConstraint(
                condition=Q(last_reviewed_on__isnull=True)
                | Q(last_reviewed_on__gte=F("agreed_on")),
                name="review_not_before_plan",
            ),
            models.CheckConstraint(
                condition=Q(status="closed", closed_on__isnull=False) & ~Q(closure_reason="")
                | (~Q(status="closed") & Q(closed_on__isnull=True)),
                name="closed_plan_has_date_and_reason",
            ),
        ]
        indexes = [
            models.Index(
                F("last_reviewed_on").asc(nulls_first=True),
                "agreed_on",
                condition=Q(status="active"),
                name="active_plan_review_dates",
            )
        ]

    def __str__(self) -> str:
        return f"Family Early Help Plan: {self.family_name}"

    def get_absolute_url(self) -> str:
        return reverse("early_help_plans:plan-detail", args=[self.pk])

    @property
    def next_review_due(self) -> datetime.date | None:
        """Rule 3: the last review (or the date agreed) + 42 days; never typed."""
        base = self.last_reviewed_on or self.agreed_on
        return base + REVIEW_INTERVAL if base else None

    def pupil_ids(self) -> list[int]:
        """The ids of the plan's children who are pupils in the service (for the access log)."""
        return sorted(child.pupil_id for child in self.children.all() if child.pupil_id)

    def is_overdue(self, on: datetime.date | None = None) -> bool:
        """Overdue from the day after the review falls due."""
        due = self.next_review_due
        on = on or timezone.localdate()
        return self.status == self.Status.ACTIVE and due is not None and on > due


track_history()(EarlyHelpPlan)


class PlanChild(models.Model):
    """A child of the family on the plan; a pupil in the service is linked to their record."""

    plan = models.ForeignKey(EarlyHelpPlan, on_delete=models.CASCADE, related_name="children")
    pupil = models.ForeignKey(
        Pupil, on_delete=models.PROTECT, null=True, blank=True, related_name="plan_places"
    )
    # Kept equal to the plan's status being active by the services, so the database can hold
    # "at most one active plan per child" as a partial unique index.
    plan_is_active = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["pupil"],
                condition=Q(plan_is_active=True),
                name="one_active_plan_per_child",
                violation_error_message="This child is already in an active plan.",
            ),
            models.UniqueConstraint(fields=["plan", "pupil"], name="child_once_per_plan"),
        ]

    def __str__(self) -> str:
        return f"{self.pupil} on {self.plan}"


track_history()(PlanChild)


class FamilyMember(models.Model):
    """Who's in our family: each member of the household, children and adults."""

    plan = models.ForeignKey(EarlyHelpPlan, on_delete=models.CASCADE, related_name="members")
    name = models.CharField("Name", max_length=150)
    date_of_birth = models.DateField(
        "Date of birth", null=True, blank=True, help_text="Or the expected date for an unborn baby"
    )
    is_unborn = models.BooleanField("Unborn baby", default=False)
    relationship = models.CharField("Relationship", max_length=100)
    gender = models.CharField("Gender", max_length=50, blank=True)
    ethnicity = models.CharField("Ethnicity", max_length=100, blank=True)
    disability = models.CharField("Disability", max_length=200, blank=True)
    lives_at_home = models.BooleanField("Lives at the home address", default=True)
    child = models.OneToOneField(
        PlanChild,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="member",
        help_text="For a child of the family: their place on the plan",
    )

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.name} ({self.relationship})"


track_history()(FamilyMember)


class ConsentSignatory(models.Model):
    """Up to two parents or carers and up to two young people aged 12 or over."""

    class Role(models.TextChoices):
        PARENT = "parent", "Parent or carer"
        YOUNG_PERSON = "young_person", "Young person (12 or over)"

    plan = models.ForeignKey(EarlyHelpPlan, on_delete=models.CASCADE, related_name="signatories")
    role = models.CharField(max_length=12, choices=Role.choices)
    name = models.CharField("Name", max_length=150)
    signed_on = models.DateField("Date")

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_role_display()})"


track_history()(ConsentSignatory)


class Agency(models.Model):
    """Who else is working with our family: the Team Around the Family."""

    plan = models.ForeignKey(EarlyHelpPlan, on_delete=models.CASCADE, related_name="agencies")
    service = models.CharField("Service", max_length=150)
    contact = models.CharField("Contact", max_length=200, blank=True)
    email = models.EmailField("Email address", blank=True)
    supports_whom = models.CharField("Who they support", max_length=200, blank=True)
    how = models.TextField("How they help", blank=True)

    class Meta:
        ordering = ["pk"]
        verbose_name_plural = "agencies"

    def __str__(self) -> str:
        return self.service


track_history()(Agency)


class Review(models.Model):
    """A meeting with the family that re-scores the aspects and decides the next step."""

    class NextStep(models.TextChoices):
        CONTINUE = "continue", "Continue the plan"
        CLOSE = "close", "Close the plan"
        STEP_UP = "step_up", "Step up to children’s social care through the MASH"

    plan = models.ForeignKey(EarlyHelpPlan, on_delete=models.PROTECT, related_name="reviews")
    held_on = models.DateField("Date of the review")
    changed_contact_details = models.TextField("Changed contact details", blank=True)
    family_summary = models.TextField("The family’s view of progress", blank=True)
    child_summary = models.TextField("The child’s view of progress", blank=True)
    team_summary = models.TextField("The Team Around the Family’s view", blank=True)
    # Attendance over the 6 weeks before the review against the 6 weeks before the plan was
    # agreed, for the family's children together, and for each child ({"name", "now", "at_start"}).
    attendance_now = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    attendance_at_start = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    children_attendance = models.JSONField(default=list, blank=True)
    next_step = models.CharField(max_length=8, choices=NextStep.choices)
    next_review_on = models.DateField(null=True, blank=True)
    later_review_reason = models.TextField(
        blank=True, help_text="Needed when the next review is more than 42 days away"
    )
    closure_reason = models.CharField(
        max_length=20, choices=EarlyHelpPlan.ClosureReason.choices, blank=True
    )
    mash_assessment_by = models.CharField("Who updates the assessment", max_length=150, blank=True)
    mash_contact_form_by = models.CharField(
        "Who sends the inter-agency contact form", max_length=150, blank=True
    )
    # Whether the lead professional changed at this review, and to whom (dated).
    new_lead_professional = models.ForeignKey(
        LeadProfessional, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    lead_changed_on = models.DateField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["held_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(next_step="continue") | Q(next_review_on__isnull=False),
                name="continuing_review_sets_the_next_date",
                violation_error_message="Set the date of the next review.",
            ),
            models.CheckConstraint(
                condition=~Q(next_step="close") | ~Q(closure_reason=""),
                name="closing_review_has_a_reason",
                violation_error_message="Choose why the plan is closing.",
            ),
            models.CheckConstraint(
                condition=Q(next_review_on__isnull=True) | Q(next_review_on__gt=F("held_on")),
                name="next_review_after_this_one",
            ),
        ]

    def __str__(self) -> str:
        return f"Review on {self.held_on}"

    def get_absolute_url(self) -> str:
        return reverse("early_help_plans:review-detail", args=[self.plan_id, self.pk])


track_history()(Review)


class ReviewInvitee(models.Model):
    """Someone invited to a review: whether they came, or sent an update instead."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="invitees")
    name = models.CharField("Name", max_length=150)
    role = models.CharField("Role", max_length=150, blank=True)
    contact = models.CharField("Contact details", max_length=200, blank=True)
    attended = models.BooleanField("Attended", default=False)
    sent_update = models.BooleanField("Sent an update", default=False)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.name


track_history()(ReviewInvitee)


class AspectScore(models.Model):
    """One aspect of family life scored 0–10 by the parent or carer or by the child.

    The plan's first scores have no review; each review re-scores with "what's changed".
    """

    plan = models.ForeignKey(EarlyHelpPlan, on_delete=models.CASCADE, related_name="scores")
    review = models.ForeignKey(
        Review, on_delete=models.CASCADE, null=True, blank=True, related_name="scores"
    )
    aspect = models.CharField(max_length=15, choices=Aspect.choices)
    perspective = models.CharField(max_length=6, choices=Perspective.choices)
    not_relevant = models.BooleanField("Not relevant to this family", default=False)
    not_relevant_reason = models.TextField(blank=True)
    score = models.PositiveSmallIntegerField(
        "How well are things going (10: all is well, 0: really worried)", null=True, blank=True
    )
    working_well = models.TextField("What’s working well", blank=True)
    could_be_better = models.TextField("What could be better, and why", blank=True)
    whats_changed = models.TextField("What’s changed", blank=True)
    practitioner_agrees = models.BooleanField(null=True, blank=True)
    practitioner_reason = models.TextField("The practitioner’s reasons", blank=True)

    class Meta:
        ordering = ["aspect", "perspective", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score__gte=0, score__lte=10),
                name="aspect_score_0_to_10",
                violation_error_message="A score is from 0 to 10.",
            ),
            models.CheckConstraint(
                condition=Q(not_relevant=True) | Q(score__isnull=False),
                name="relevant_aspect_has_a_score",
                violation_error_message="Score the aspect, or mark it not relevant with a reason.",
            ),
            models.UniqueConstraint(
                fields=["plan", "aspect", "perspective"],
                condition=Q(review__isnull=True),
                name="one_first_score_per_aspect_and_perspective",
            ),
            models.UniqueConstraint(
                fields=["review", "aspect", "perspective"],
                name="one_score_per_review_aspect_and_perspective",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_aspect_display()} ({self.get_perspective_display()}): {self.score}"


track_history()(AspectScore)


class ActionItem(models.Model):
    """A row of the action plan, for one aspect; "no action needed at this stage" is allowed."""

    plan = models.ForeignKey(EarlyHelpPlan, on_delete=models.CASCADE, related_name="actions")
    review = models.ForeignKey(
        Review, on_delete=models.CASCADE, null=True, blank=True, related_name="actions"
    )
    aspect = models.CharField(max_length=15, choices=Aspect.choices)
    no_action_needed = models.BooleanField("No action needed at this stage", default=False)
    action = models.TextField("What action, for whom", blank=True)
    who = models.CharField("Who will do it", max_length=200, blank=True)
    by_when = models.DateField("By when", null=True, blank=True)
    difference = models.TextField("The difference it should make", blank=True)
    readiness = models.PositiveSmallIntegerField(
        "Readiness to change", choices=Readiness.choices, null=True, blank=True
    )

    class Meta:
        ordering = ["aspect", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(no_action_needed=True) | ~Q(action=""),
                name="action_says_what_or_none_needed",
                violation_error_message="Say what the action is, or that none is needed.",
            ),
            models.CheckConstraint(
                condition=Q(readiness__isnull=True) | Q(readiness__gte=1, readiness__lte=5),
                name="readiness_1_to_5",
            ),
        ]

    def __str__(self) -> str:
        return self.action or "No action needed at this stage"


track_history()(ActionItem)


class MaintainingOurFamilyPlan(models.Model):
    """Written with the family when the plan closes because universal services meet its needs."""

    plan = models.OneToOneField(
        EarlyHelpPlan, on_delete=models.CASCADE, related_name="maintaining_plan"
    )
    what_we_learnt = models.TextField("What we learnt")
    most_useful = models.TextField("What was most useful")
    keep_progress_going = models.TextField("Actions to keep progress going")
    difficult_situations = models.TextField("Situations we may find difficult")
    if_things_get_hard = models.TextField("What we can do if things get hard")
    who_we_can_contact = models.TextField("Who we can contact")
    key_contacts = models.TextField("Key contacts", blank=True)
    agreed_on = models.DateField("Date the plan was agreed")
    final_review_on = models.DateField("Final review date")

    def __str__(self) -> str:
        return f"Maintaining Our Family Plan for {self.plan.family_name}"


track_history()(MaintainingOurFamilyPlan)


class OverdueNotice(models.Model):
    """Rule 3: one notification per plan per overdue period, whichever worker runs the job.

    The unique (plan, due_on) row is claimed with INSERT … ON CONFLICT DO NOTHING before anything
    is sent, so a second run, or a second worker at the same moment, finds it taken.
    """

    plan = models.ForeignKey(
        EarlyHelpPlan, on_delete=models.CASCADE, related_name="overdue_notices"
    )
    due_on = models.DateField()
    flagged_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["plan", "due_on"], name="one_notice_per_overdue_period")
        ]

    def __str__(self) -> str:
        return f"{self.plan_id} overdue since {self.due_on}"


class Notification(models.Model):
    """An in-app message to one user, e.g. rule 3's overdue review; read when read_at is set."""

    class Kind(models.TextChoices):
        OVERDUE_REVIEW = "overdue_review", "Review overdue"
        REVIEW_DUE_SOON = "review_due_soon", "Review due soon"
        PLAN_CLOSED = "plan_closed", "Plan closed"
        CONSENT_WITHDRAWN = "consent_withdrawn", "Consent withdrawn: consider safeguarding"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    plan = models.ForeignKey(
        EarlyHelpPlan,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    message = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_user_unread")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for user {self.user_id}"


class DigestSent(models.Model):
    """The weekly "reviews due in the next 7 days" email, claimed once per lead professional."""

    lead_professional = models.ForeignKey(
        LeadProfessional, on_delete=models.CASCADE, related_name="+"
    )
    week_start = models.DateField(help_text="The Monday of the week the digest covers")
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["lead_professional", "week_start"], name="one_digest_per_lead_per_week"
            )
        ]

    def __str__(self) -> str:
        return f"Digest for {self.lead_professional_id}, week of {self.week_start}"


class PlanReopening(models.Model):
    """Rule 5: a closed plan is corrected only after an explicit reopening with a reason."""

    plan = models.ForeignKey(EarlyHelpPlan, on_delete=models.CASCADE, related_name="reopenings")
    reopened_at = models.DateTimeField(default=timezone.now)
    reason = models.TextField("Why the plan is being reopened")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    closed_on = models.DateField(help_text="The closing date that was undone")
    closure_reason = models.CharField(max_length=20, blank=True)

    class Meta:
        ordering = ["-reopened_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.plan_id} reopened {self.reopened_at:%Y-%m-%d}"


track_history()(PlanReopening)


class SupportingFamiliesRecord(models.Model):
    """A record kept only for the government's Supporting Families programme.

    Recorded only with the family's Supporting Families consent, and deleted when the plan closes.
    Deliberately not in the history tables, which would keep a copy of what must be deleted; the
    plan's own history records when they were deleted (supporting_families_deleted_on).
    """

    class Outcome(models.TextChoices):
        EDUCATION = "education", "Getting a good education"
        EARLY_YEARS = "early_years", "Good early years development"
        HEALTH = "health", "Improved mental and physical health"
        SUBSTANCES = "substances", "Promoting recovery and reducing harm from substance use"
        RELATIONSHIPS = "relationships", "Improved family relationships"
        SAFE_CHILDREN = "safe_children", "Children safe from abuse and exploitation"
        CRIME = "crime", "Crime prevention and tackling crime"
        DOMESTIC_ABUSE = "domestic_abuse", "Safe from domestic abuse"
        HOUSING = "housing", "Secure housing"
        MONEY = "money", "Financial stability"

    plan = models.ForeignKey(
        EarlyHelpPlan, on_delete=models.CASCADE, related_name="supporting_families_records"
    )
    outcome = models.CharField("Outcome", max_length=15, choices=Outcome.choices)
    evidence = models.TextField("Evidence of the family’s progress")
    recorded_on = models.DateField(default=timezone.localdate)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["recorded_on", "pk"]

    def __str__(self) -> str:
        return self.get_outcome_display()


def attachment_path(instance: "Attachment", filename: str) -> str:
    """Stored under a random name: the family's own file name is kept only in the database."""
    return f"plan-attachments/{instance.plan_id}/{uuid.uuid4().hex}"


class Attachment(models.Model):
    """The child's voice: a drawing, a worksheet, a photo of either; served only via the plan."""

    plan = models.ForeignKey(EarlyHelpPlan, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path, max_length=200)
    original_name = models.CharField("File name", max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    description = models.CharField("What it is", max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.original_name


track_history()(Attachment)


class QualityAudit(models.Model):
    """A manager's random sample of plans, each graded against the LA's quality criteria."""

    drawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    drawn_at = models.DateTimeField(default=timezone.now)
    sample_size = models.PositiveSmallIntegerField()
    school = models.ForeignKey(
        "schools.School", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    lead_professional = models.ForeignKey(
        LeadProfessional, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    title = models.CharField("Name of the audit", max_length=150)

    class Meta:
        ordering = ["-drawn_at", "-pk"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("early_help_plans:audit-detail", args=[self.pk])


track_history()(QualityAudit)


class Grade(models.TextChoices):
    OUTSTANDING = "outstanding", "Outstanding"
    GOOD = "good", "Good"
    REQUIRES_IMPROVEMENT = "requires_improvement", "Requires improvement"
    INADEQUATE = "inadequate", "Inadequate"


class AuditedPlan(models.Model):
    """One plan in an audit's sample; graded when grade is set."""

    audit = models.ForeignKey(QualityAudit, on_delete=models.CASCADE, related_name="plans")
    plan = models.ForeignKey(EarlyHelpPlan, on_delete=models.PROTECT, related_name="audits")
    consent_in_place = models.BooleanField("Consent in place", null=True, blank=True)
    voices_recorded = models.BooleanField(
        "The child’s and family’s voice recorded", null=True, blank=True
    )
    actions_smart = models.BooleanField("Actions are SMART, owned and dated", null=True, blank=True)
    lowest_aspects_addressed = models.BooleanField(
        "The lowest-scored aspects are addressed", null=True, blank=True
    )
    tier_justified = models.BooleanField("The tier of need is justified", null=True, blank=True)
    reviews_on_time = models.BooleanField("Reviews are on time", null=True, blank=True)
    grade = models.CharField(max_length=20, choices=Grade.choices, blank=True)
    comments = models.TextField("Comments", blank=True)
    graded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    graded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["audit", "plan"], name="plan_once_per_audit"),
            models.CheckConstraint(
                condition=Q(grade="") | Q(graded_at__isnull=False),
                name="graded_plan_has_a_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plan} in {self.audit}"


track_history()(AuditedPlan)
