import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from schools.models import AcademicYear, Enrolment, School, Term
from tests.factories import AcademicYearFactory, PupilFactory, SchoolFactory, TermFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("urn", ["12345", "1234567", "12345A", " 123456"])
def test_a_urn_that_is_not_6_digits_is_refused(urn):
    school = SchoolFactory.build(urn=urn)

    with pytest.raises(ValidationError) as refusal:
        school.full_clean()

    assert "exactly 6 digits" in str(refusal.value.message_dict["urn"])


def test_the_database_refuses_a_urn_that_is_not_6_digits():
    with pytest.raises(IntegrityError):
        SchoolFactory(urn="12345")


def test_two_schools_cannot_share_a_urn():
    SchoolFactory(urn="100001")

    with pytest.raises(IntegrityError):
        SchoolFactory(urn="100001")


@pytest.mark.parametrize("number", ["8512001", "851-201", "85-12001", "851_2001"])
def test_an_establishment_number_must_look_like_851_2001(number):
    school = SchoolFactory.build(establishment_number=number)

    with pytest.raises(ValidationError) as refusal:
        school.full_clean()

    assert "like 851-2001" in str(refusal.value.message_dict["establishment_number"])


def test_a_pupil_has_at_most_one_current_enrolment():
    pupil = PupilFactory()

    with pytest.raises(IntegrityError):
        Enrolment.objects.create(
            pupil=pupil, school=SchoolFactory(), started_on=datetime.date(2024, 9, 1)
        )


def test_an_enrolment_cannot_end_before_it_starts():
    pupil = PupilFactory(current_school=None)

    with pytest.raises(IntegrityError):
        Enrolment.objects.create(
            pupil=pupil,
            school=SchoolFactory(),
            started_on=datetime.date(2024, 9, 1),
            ended_on=datetime.date(2024, 8, 31),
        )


def test_a_term_cannot_end_before_it_starts():
    with pytest.raises(IntegrityError):
        TermFactory(starts_on=datetime.date(2025, 9, 3), ends_on=datetime.date(2025, 9, 2))


@pytest.fixture
def terms_2025():
    year = AcademicYearFactory(start_year=2025)
    return {
        "autumn": TermFactory(
            academic_year=year,
            name="autumn",
            starts_on=datetime.date(2025, 9, 3),
            ends_on=datetime.date(2025, 12, 19),
        ),
        "spring": TermFactory(
            academic_year=year,
            name="spring",
            starts_on=datetime.date(2026, 1, 5),
            ends_on=datetime.date(2026, 3, 27),
        ),
        "summer": TermFactory(
            academic_year=year,
            name="summer",
            starts_on=datetime.date(2026, 4, 13),
            ends_on=datetime.date(2026, 7, 22),
        ),
    }


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (datetime.date(2025, 9, 3), "autumn"),  # first day
        (datetime.date(2025, 12, 19), "autumn"),  # last day
        (datetime.date(2025, 12, 25), "autumn"),  # Christmas holiday: the term just ended
        (datetime.date(2026, 1, 5), "spring"),
        (datetime.date(2026, 4, 1), "spring"),  # Easter holiday
        (datetime.date(2026, 6, 30), "summer"),
        (datetime.date(2026, 8, 20), "summer"),  # summer holiday
    ],
)
def test_the_current_term_is_derived_from_the_date(terms_2025, today, expected):
    assert Term.objects.current(today) == terms_2025[expected]


def test_there_is_no_current_term_before_the_first_term_dates(terms_2025):
    assert Term.objects.current(datetime.date(2025, 8, 1)) is None


def test_a_term_is_named_on_the_command_line_by_year_and_name(terms_2025):
    assert terms_2025["spring"].slug == "2025-26-spring"
    assert str(terms_2025["spring"]) == "Spring term 2025/26"


@pytest.mark.parametrize(
    ("day", "start_year"),
    [
        (datetime.date(2025, 9, 1), 2025),
        (datetime.date(2026, 8, 31), 2025),
        (datetime.date(2026, 1, 1), 2025),
    ],
)
def test_the_academic_year_runs_from_1_september_to_31_august(day, start_year):
    assert AcademicYear.start_year_for(day) == start_year


def test_a_school_is_listed_by_name():
    SchoolFactory(name="Zephyr School")
    SchoolFactory(name="Acorn School")

    assert [s.name for s in School.objects.all()] == ["Acorn School", "Zephyr School"]
