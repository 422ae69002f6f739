import datetime

import pytest
import time_machine

from schools import services
from schools.models import Enrolment, Pupil, Term
from tests.factories import PupilFactory, SchoolFactory

pytestmark = pytest.mark.django_db


def test_a_move_ends_the_old_enrolment_the_day_before_and_starts_the_new_one(administrator):
    old_school, new_school = SchoolFactory(), SchoolFactory()
    pupil = PupilFactory(current_school=old_school)

    services.record_move(
        pupil=pupil,
        to_school=new_school,
        moved_on=datetime.date(2025, 1, 6),
        by=administrator,
        seen_version=pupil.version,
    )

    enrolments = list(Enrolment.objects.filter(pupil=pupil).order_by("started_on"))
    assert [(e.school, e.started_on, e.ended_on) for e in enrolments] == [
        (old_school, datetime.date(2020, 9, 1), datetime.date(2025, 1, 5)),
        (new_school, datetime.date(2025, 1, 6), None),
    ]
    pupil.refresh_from_db()
    assert pupil.current_school == new_school


@time_machine.travel(datetime.date(2025, 3, 1), tick=False)
def test_the_old_school_loses_access_from_the_move_date_and_the_new_school_gains_it(
    administrator, school_a, school_b, pastoral_lead, other_school_pastoral_lead
):
    pupil = PupilFactory(current_school=school_a)
    services.record_move(
        pupil=pupil,
        to_school=school_b,
        moved_on=datetime.date(2025, 3, 10),
        by=administrator,
        seen_version=pupil.version,
    )

    def visible(user, on):
        return Pupil.objects.visible_to(user, on=on).filter(pk=pupil.pk).exists()

    assert visible(pastoral_lead, datetime.date(2025, 3, 9))
    assert not visible(other_school_pastoral_lead, datetime.date(2025, 3, 9))
    assert not visible(pastoral_lead, datetime.date(2025, 3, 10))
    assert visible(other_school_pastoral_lead, datetime.date(2025, 3, 10))


def test_a_move_to_the_school_the_pupil_is_at_is_refused(administrator, school_a):
    pupil = PupilFactory(current_school=school_a)

    with pytest.raises(services.RuleBroken, match="already at"):
        services.record_move(
            pupil=pupil,
            to_school=school_a,
            moved_on=datetime.date(2025, 1, 6),
            by=administrator,
            seen_version=pupil.version,
        )


def test_a_move_dated_before_the_pupil_joined_their_school_is_refused(administrator):
    pupil = PupilFactory()

    with pytest.raises(services.RuleBroken, match="must be after"):
        services.record_move(
            pupil=pupil,
            to_school=SchoolFactory(),
            moved_on=datetime.date(2020, 9, 1),
            by=administrator,
            seen_version=pupil.version,
        )


def test_a_stale_edit_of_a_pupil_is_refused_and_the_first_edit_kept(administrator):
    pupil = PupilFactory(given_name="Amira")
    seen = pupil.version
    services.update_pupil(pupil=pupil, by=administrator, seen_version=seen, given_name="Amara")

    with pytest.raises(services.RuleBroken, match="changed by someone else"):
        services.update_pupil(pupil=pupil, by=administrator, seen_version=seen, given_name="Amy")

    pupil.refresh_from_db()
    assert pupil.given_name == "Amara"


def test_every_change_to_a_pupil_is_recorded_with_who_made_it(administrator):
    pupil = PupilFactory(given_name="Amira")

    services.update_pupil(
        pupil=pupil, by=administrator, seen_version=pupil.version, given_name="Amara"
    )

    event = pupil.events.order_by("-pgh_id").first()
    assert event.pgh_label == "update"
    assert event.given_name == "Amara"
    assert event.pgh_context.metadata["user"] == administrator.pk


def test_a_duplicate_upn_is_refused_in_plain_words(administrator, school_a):
    existing = PupilFactory()

    with pytest.raises(services.RuleBroken, match="already recorded"):
        services.create_pupil(
            by=administrator,
            school=school_a,
            started_on=datetime.date(2024, 9, 1),
            upn=existing.upn,
            given_name="Ella",
            family_name="Sample",
            date_of_birth=datetime.date(2016, 1, 1),
        )


def test_term_dates_are_saved_for_an_academic_year(administrator):
    services.save_academic_year(
        start_year=2026,
        terms={
            "autumn": (datetime.date(2026, 9, 2), datetime.date(2026, 12, 18)),
            "spring": (datetime.date(2027, 1, 4), datetime.date(2027, 3, 19)),
            "summer": (datetime.date(2027, 4, 5), datetime.date(2027, 7, 21)),
        },
        by=administrator,
    )

    assert Term.objects.current(datetime.date(2027, 2, 1)).slug == "2026-27-spring"


def test_overlapping_terms_are_refused(administrator):
    with pytest.raises(services.RuleBroken, match="overlap"):
        services.save_academic_year(
            start_year=2026,
            terms={
                "autumn": (datetime.date(2026, 9, 2), datetime.date(2027, 1, 8)),
                "spring": (datetime.date(2027, 1, 4), datetime.date(2027, 3, 19)),
                "summer": (datetime.date(2027, 4, 5), datetime.date(2027, 7, 21)),
            },
            by=administrator,
        )


def test_a_term_outside_its_academic_year_is_refused(administrator):
    with pytest.raises(services.RuleBroken, match="must fall between"):
        services.save_academic_year(
            start_year=2026,
            terms={"autumn": (datetime.date(2026, 8, 20), datetime.date(2026, 12, 18))},
            by=administrator,
        )
