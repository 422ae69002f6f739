"""Schools, their staff and link co-ordinators, pupils and their enrolments, and term dates.

Scope is written once per model, in its QuerySet's `visible_to(user)`; every list, search, export
and report starts from it. Out of scope means "does not exist" to the user (404).
"""

import datetime
from typing import TYPE_CHECKING, Any, Self

import pghistory
from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property

from attendance_tracker.forms import parse_date
from schools.upn import validate_upn
from schools.validators import validate_establishment_number, validate_urn

if TYPE_CHECKING:
    from accounts.models import User


def track_history() -> Any:
    """Record every insert, update and delete of a model by database trigger (domain rule 6)."""
    return pghistory.track(
        pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent()
    )


def sees_every_school(user: "User") -> bool:
    return bool(user.is_active and (user.is_administrator or user.is_manager))


class SchoolQuerySet(models.QuerySet["School"]):
    def visible_to(self, user: "User") -> Self:
        """Schools whose pupils the user may see: their assigned or staff schools, or all."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if sees_every_school(user):
            return self
        own = Q(staff_memberships__user=user)
        if user.is_link_coordinator:
            own |= Q(link_assignments__user=user)
        return self.filter(pk__in=School.objects.filter(own).values("pk"))


class School(models.Model):
    class Phase(models.TextChoices):
        NURSERY = "nursery", "Nursery"
        PRIMARY = "primary", "Primary"
        SECONDARY = "secondary", "Secondary"
        ALL_THROUGH = "all_through", "All-through"
        SPECIAL = "special", "Special"
        ALTERNATIVE_PROVISION = "alternative_provision", "Alternative provision"
        POST_16 = "post_16", "Post-16"

    urn = models.CharField(
        "URN", max_length=6, unique=True, validators=[validate_urn], help_text="6 digits"
    )
    establishment_number = models.CharField(
        "LA establishment number",
        max_length=8,
        unique=True,
        validators=[validate_establishment_number],
        help_text="For example, 851-2001",
    )
    name = models.CharField("Name", max_length=200)
    phase = models.CharField("Phase", max_length=30, choices=Phase.choices)
    is_open = models.BooleanField("Open", default=True)
    version = models.PositiveIntegerField(default=1)

    objects = SchoolQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(urn__regex=r"^[0-9]{6}$"),
                name="school_urn_is_6_digits",
                violation_error_message="A URN is exactly 6 digits.",
            ),
            models.CheckConstraint(
                condition=Q(establishment_number__regex=r"^[0-9]{3}-[0-9]{4}$"),
                name="school_establishment_number_shape",
                violation_error_message="An LA establishment number looks like 851-2001.",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("schools:school-detail", args=[self.pk])


track_history()(School)


class SchoolStaff(models.Model):
    """A user with a role at a school: the school pastoral lead role, scoped to that school."""

    class JobRole(models.TextChoices):
        ATTENDANCE_LEAD = "attendance_lead", "Attendance lead"
        SAFEGUARDING_LEAD = "safeguarding_lead", "Designated safeguarding lead"
        PASTORAL_LEAD = "pastoral_lead", "Pastoral lead"
        SEN_LEAD = "sen_lead", "SEN lead"
        OTHER = "other", "Other school staff"

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="staff_memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="school_memberships"
    )
    job_role = models.CharField("Role at the school", max_length=30, choices=JobRole.choices)
    added_on = models.DateField(default=timezone.localdate)

    class Meta:
        verbose_name = "school staff member"
        constraints = [
            models.UniqueConstraint(
                fields=["school", "user"],
                name="one_membership_per_school_and_user",
                violation_error_message="This person is already a staff member at this school.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} at {self.school}"


track_history()(SchoolStaff)


class LinkAssignment(models.Model):
    """A link co-ordinator's responsibility for a school."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="link_assignments")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="link_assignments"
    )
    assigned_on = models.DateField(default=timezone.localdate)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["school", "user"],
                name="one_assignment_per_school_and_user",
                violation_error_message="This link co-ordinator is already assigned here.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} for {self.school}"


track_history()(LinkAssignment)


class PupilQuerySet(models.QuerySet["Pupil"]):
    def visible_to(self, user: "User", *, on: datetime.date | None = None) -> Self:
        """Pupils the user may see.

        Managers and administrators see every pupil. Others see pupils enrolled, on the given day,
        at a school they work with (a move ends the old school's access from the move date), and
        pupils whose open case names them as lead professional.
        """
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if sees_every_school(user):
            return self
        on = on or timezone.localdate()
        enrolled_at_users_school = Enrolment.objects.filter(
            Q(ended_on__isnull=True) | Q(ended_on__gte=on),
            pupil=OuterRef("pk"),
            school__in=School.objects.visible_to(user),
            started_on__lte=on,
        )
        # Anyone named as lead professional on an open case sees that pupil (an early help
        # worker sees only these). A lookup by name: the cases app builds on this one.
        named_on_a_case = Pupil.objects.filter(
            cases__status="open", cases__lead_professional__user=user
        ).values("pk")
        return self.filter(Exists(enrolled_at_users_school) | Q(pk__in=named_on_a_case))

    def search(self, text: str) -> Self:
        """Match a UPN exactly, a date of birth (DD/MM/YYYY or YYYY-MM-DD), or names."""
        text = " ".join(text.split())
        if not text:
            return self
        if len(text) == 13 and text[0].isalpha() and text[1:12].isdigit():
            return self.filter(upn=text.upper())
        born_on = parse_date(text)
        if born_on:
            return self.filter(date_of_birth=born_on)
        query = self
        for word in text.split(" "):
            query = query.filter(Q(given_name__istartswith=word) | Q(family_name__istartswith=word))
        return query


class Pupil(models.Model):
    class YearGroup(models.TextChoices):
        N1 = "N1", "Nursery 1"
        N2 = "N2", "Nursery 2"
        R = "R", "Reception"
        Y1 = "1", "Year 1"
        Y2 = "2", "Year 2"
        Y3 = "3", "Year 3"
        Y4 = "4", "Year 4"
        Y5 = "5", "Year 5"
        Y6 = "6", "Year 6"
        Y7 = "7", "Year 7"
        Y8 = "8", "Year 8"
        Y9 = "9", "Year 9"
        Y10 = "10", "Year 10"
        Y11 = "11", "Year 11"
        Y12 = "12", "Year 12"
        Y13 = "13", "Year 13"
        Y14 = "14", "Year 14"

    class SenStatus(models.TextChoices):
        NONE = "N", "No special educational needs"
        SUPPORT = "K", "SEN support"
        EHC_PLAN = "E", "Education, health and care plan"

    upn = models.CharField("UPN", max_length=13, unique=True, validators=[validate_upn])
    given_name = models.CharField("Given name", max_length=100)
    family_name = models.CharField("Family name", max_length=100)
    date_of_birth = models.DateField("Date of birth")
    year_group = models.CharField("Year group", max_length=2, choices=YearGroup.choices, blank=True)
    current_school = models.ForeignKey(
        School,
        on_delete=models.PROTECT,
        related_name="current_pupils",
        null=True,
        blank=True,
        help_text="Kept in step with the open enrolment by the services that record moves.",
    )

    sen_status = models.CharField(
        "Special educational needs", max_length=1, choices=SenStatus.choices, default="N"
    )
    free_school_meals = models.BooleanField("Free school meals", default=False)
    english_additional_language = models.BooleanField(
        "English as an additional language", default=False
    )
    child_in_need = models.BooleanField("Child in need", default=False)
    child_protection_plan = models.BooleanField("Child protection plan", default=False)
    looked_after = models.BooleanField("Looked after", default=False)
    young_carer = models.BooleanField("Young carer", default=False)
    youth_justice = models.BooleanField("Known to youth justice", default=False)
    exploitation_risk = models.BooleanField("Exploitation risk", default=False)

    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = PupilQuerySet.as_manager()

    CHARACTERISTICS = (
        "free_school_meals",
        "english_additional_language",
        "child_in_need",
        "child_protection_plan",
        "looked_after",
        "young_carer",
        "youth_justice",
        "exploitation_risk",
    )

    class Meta:
        ordering = ["family_name", "given_name", "pk"]
        indexes = [
            models.Index(fields=["family_name", "given_name"], name="pupil_name"),
            models.Index(fields=["date_of_birth"], name="pupil_date_of_birth"),
            models.Index(
                models.functions.Upper("family_name"),
                models.functions.Upper("given_name"),
                name="pupil_upper_name",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(upn__regex=r"^[A-Z][0-9]{11}[0-9A-Z]$"),
                name="pupil_upn_shape",
                violation_error_message="A UPN is a letter, 11 digits and a digit or letter.",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    def get_absolute_url(self) -> str:
        return reverse("schools:pupil-detail", args=[self.pk])

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"

    @cached_property
    def characteristic_labels(self) -> list[str]:
        labels = [
            str(getattr(self._meta.get_field(name), "verbose_name", name))
            for name in self.CHARACTERISTICS
            if getattr(self, name)
        ]
        if self.sen_status != self.SenStatus.NONE:
            labels.insert(0, self.get_sen_status_display())
        return labels


track_history()(Pupil)


class Enrolment(models.Model):
    """A pupil's time at a school. `ended_on` is the last day there; open-ended while current."""

    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="enrolments")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="enrolments")
    started_on = models.DateField("Started on")
    ended_on = models.DateField("Last day", null=True, blank=True)

    class Meta:
        ordering = ["pupil", "started_on"]
        indexes = [models.Index(fields=["school", "pupil"], name="enrolment_school_pupil")]
        constraints = [
            models.UniqueConstraint(
                fields=["pupil"],
                condition=Q(ended_on__isnull=True),
                name="one_current_enrolment_per_pupil",
                violation_error_message="A pupil can be at only one school at a time.",
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("started_on")),
                name="enrolment_ends_after_it_starts",
                violation_error_message="An enrolment cannot end before it starts.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.pupil_id} at {self.school_id} from {self.started_on}"


track_history()(Enrolment)


class AcademicYear(models.Model):
    """1 September to 31 August. Named by its first calendar year: 2025 is 2025/26."""

    start_year = models.PositiveSmallIntegerField(unique=True)

    class Meta:
        ordering = ["-start_year"]

    def __str__(self) -> str:
        return f"{self.start_year}/{(self.start_year + 1) % 100:02d}"

    @property
    def starts_on(self) -> datetime.date:
        return datetime.date(self.start_year, 9, 1)

    @property
    def ends_on(self) -> datetime.date:
        return datetime.date(self.start_year + 1, 8, 31)

    @staticmethod
    def start_year_for(day: datetime.date) -> int:
        return day.year if day.month >= 9 else day.year - 1


track_history()(AcademicYear)


class TermQuerySet(models.QuerySet["Term"]):
    def current(self, today: datetime.date | None = None) -> "Term | None":
        """The term that includes today; in a holiday, the term that ended last."""
        today = today or timezone.localdate()
        return (
            self.filter(starts_on__lte=today)
            .select_related("academic_year")
            .order_by("-starts_on")
            .first()
        )


class Term(models.Model):
    class Name(models.TextChoices):
        AUTUMN = "autumn", "Autumn"
        SPRING = "spring", "Spring"
        SUMMER = "summer", "Summer"

    academic_year = models.ForeignKey(AcademicYear, on_delete=models.CASCADE, related_name="terms")
    name = models.CharField(max_length=6, choices=Name.choices)
    starts_on = models.DateField("First day")
    ends_on = models.DateField("Last day")
    version = models.PositiveIntegerField(default=1)

    objects = TermQuerySet.as_manager()

    class Meta:
        ordering = ["starts_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["academic_year", "name"],
                name="one_term_of_each_name_per_year",
                violation_error_message="This academic year already has a term of that name.",
            ),
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")),
                name="term_ends_after_it_starts",
                violation_error_message="A term’s last day cannot be before its first day.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_name_display()} term {self.academic_year}"

    @property
    def slug(self) -> str:
        """As on the command line: 2025-26-autumn."""
        year = self.academic_year.start_year
        return f"{year}-{(year + 1) % 100:02d}-{self.name}"


track_history()(Term)
