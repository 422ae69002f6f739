"""One factory per model. Synthetic data only: invented family names, valid check-letter UPNs."""

import datetime

import factory
from factory.django import DjangoModelFactory

from accounts.models import User
from cases.models import (
    Case,
    CaseAction,
    LeadProfessional,
    LinkCall,
    OtherPlan,
    Rag,
    ReducedTimetable,
    Tier,
    TrackingMeeting,
)
from schools.models import AcademicYear, Enrolment, LinkAssignment, Pupil, School, SchoolStaff, Term
from schools.upn import make_upn

FAMILY_NAMES = ["Example", "Sample", "Specimen", "Placeholder", "Testwood", "Mockford"]
GIVEN_NAMES = ["Amira", "Ben", "Chloe", "Dev", "Ella", "Finn", "Grace", "Hari"]


class UserFactory(DjangoModelFactory[User]):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@council.example")
    full_name = factory.Sequence(lambda n: f"Test User {n}")
    password = factory.django.Password("correct-horse-battery")


class SchoolFactory(DjangoModelFactory[School]):
    class Meta:
        model = School

    urn = factory.Sequence(lambda n: f"{200000 + n}")
    establishment_number = factory.Sequence(lambda n: f"960-{2000 + n:04d}")
    name = factory.Sequence(lambda n: f"Testwood Primary School {n}")
    phase = School.Phase.PRIMARY


class SchoolStaffFactory(DjangoModelFactory[SchoolStaff]):
    class Meta:
        model = SchoolStaff

    school = factory.SubFactory(SchoolFactory)
    user = factory.SubFactory(UserFactory)
    job_role = SchoolStaff.JobRole.PASTORAL_LEAD


class LinkAssignmentFactory(DjangoModelFactory[LinkAssignment]):
    class Meta:
        model = LinkAssignment

    school = factory.SubFactory(SchoolFactory)
    user = factory.SubFactory(UserFactory, is_link_coordinator=True)


class PupilFactory(DjangoModelFactory[Pupil]):
    """A pupil enrolled at `current_school` (a new school unless given) since 1 September 2020."""

    class Meta:
        model = Pupil
        skip_postgeneration_save = True

    upn = factory.Sequence(lambda n: make_upn(960, 2001 + n // 1000, 20, n % 1000))
    given_name = factory.Sequence(lambda n: GIVEN_NAMES[n % len(GIVEN_NAMES)])
    family_name = factory.Sequence(lambda n: FAMILY_NAMES[n % len(FAMILY_NAMES)])
    date_of_birth = datetime.date(2015, 3, 14)
    year_group = "5"
    current_school = factory.SubFactory(SchoolFactory)

    @factory.post_generation
    def enrolment(self, create: bool, extracted: object, **kwargs: object) -> None:
        if create and self.current_school is not None:
            Enrolment.objects.create(
                pupil=self, school=self.current_school, started_on=datetime.date(2020, 9, 1)
            )


class EnrolmentFactory(DjangoModelFactory[Enrolment]):
    class Meta:
        model = Enrolment

    pupil = factory.SubFactory(PupilFactory, current_school=None)
    school = factory.SubFactory(SchoolFactory)
    started_on = datetime.date(2020, 9, 1)


class AcademicYearFactory(DjangoModelFactory[AcademicYear]):
    class Meta:
        model = AcademicYear
        django_get_or_create = ("start_year",)

    start_year = 2025


class TermFactory(DjangoModelFactory[Term]):
    class Meta:
        model = Term

    academic_year = factory.SubFactory(AcademicYearFactory)
    name = Term.Name.AUTUMN
    starts_on = datetime.date(2025, 9, 3)
    ends_on = datetime.date(2025, 12, 19)


class LeadProfessionalFactory(DjangoModelFactory[LeadProfessional]):
    class Meta:
        model = LeadProfessional

    name = factory.Sequence(lambda n: f"Lee Leadworker {n}")
    agency = "Family Support Service"
    kind = LeadProfessional.Kind.EARLY_HELP_WORKER


class CaseFactory(DjangoModelFactory[Case]):
    class Meta:
        model = Case

    pupil = factory.SubFactory(PupilFactory)
    opened_by = factory.SubFactory(UserFactory, is_link_coordinator=True)
    link_coordinator = factory.SelfAttribute("opened_by")
    reason_opened = "Severely absent this year"
    rag = Rag.RED
    tier = Tier.TARGETED
    opened_on = datetime.date(2025, 9, 15)


class ReducedTimetableFactory(DjangoModelFactory[ReducedTimetable]):
    class Meta:
        model = ReducedTimetable

    pupil = factory.SubFactory(PupilFactory)
    school = factory.SelfAttribute("pupil.current_school")
    started_on = datetime.date(2025, 9, 8)
    planned_end_on = datetime.date(2025, 10, 17)
    sessions_per_week = 5
    reason = "Anxiety about returning after a long illness"
    parents_agreed_on = datetime.date(2025, 9, 5)
    return_plan = "Add one session a week from 22 September"
    created_by = factory.SubFactory(UserFactory)


class LinkCallFactory(DjangoModelFactory[LinkCall]):
    class Meta:
        model = LinkCall

    school = factory.SubFactory(SchoolFactory)
    held_on = datetime.date(2025, 9, 17)
    link_coordinator = factory.SubFactory(UserFactory, is_link_coordinator=True)
    attendees = "Attendance lead, SENCo"


class TrackingMeetingFactory(DjangoModelFactory[TrackingMeeting]):
    class Meta:
        model = TrackingMeeting

    held_on = datetime.date(2025, 9, 24)
    since = datetime.date(2025, 9, 10)
    chaired_by = factory.SubFactory(UserFactory, is_link_coordinator=True)


class CaseActionFactory(DjangoModelFactory[CaseAction]):
    class Meta:
        model = CaseAction

    case = factory.SubFactory(CaseFactory)
    description = "Home visit with the school nurse"
    owner = "Lin Coordinator"
    due_on = datetime.date(2025, 10, 3)
    by = factory.SelfAttribute("case.opened_by")


class OtherPlanFactory(DjangoModelFactory[OtherPlan]):
    class Meta:
        model = OtherPlan

    case = factory.SubFactory(CaseFactory)
    kind = OtherPlan.Kind.CHILD_IN_NEED
    started_on = datetime.date(2025, 9, 1)
