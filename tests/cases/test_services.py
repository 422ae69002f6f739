import datetime

import pytest
import time_machine
from django.db import IntegrityError

from cases import services
from cases.models import Case, ReducedTimetable, TimelineEntry
from schools.models import Pupil
from tests.factories import CaseFactory, PupilFactory, ReducedTimetableFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _on_1_october_2025():
    with time_machine.travel("2025-10-01 10:00 +01:00", tick=False):
        yield


@pytest.fixture
def pupil(school_a):
    return PupilFactory(current_school=school_a)


def _open(pupil, by, **extra):
    return services.open_case(
        pupil=pupil, by=by, reason="Severely absent", rag="red", tier=3, **extra
    )


def test_opening_a_case_defaults_the_link_coordinator_to_the_schools(
    pupil, link_coordinator, administrator
):
    case = _open(pupil, administrator)

    assert case.link_coordinator == link_coordinator
    assert [e.kind for e in case.timeline.order_by("pk")] == ["opened", "rag"]


def test_a_pupil_cannot_have_two_open_cases(pupil, link_coordinator):
    _open(pupil, link_coordinator)

    with pytest.raises(services.CaseRuleBroken, match="already has an open case"):
        _open(pupil, link_coordinator)


def test_the_database_refuses_a_second_open_case_even_without_the_service(pupil):
    CaseFactory(pupil=pupil)

    with pytest.raises(IntegrityError):
        CaseFactory(pupil=pupil)


def test_a_lead_professional_change_is_dated_and_kept(pupil, link_coordinator, early_help_worker):
    case = _open(
        pupil,
        link_coordinator,
        lead=services.LeadDetails(kind="school_staff", name="Sam Senco", agency="Amberfield"),
    )

    services.change_lead_professional(
        case=case,
        lead=services.LeadDetails(kind="early_help_worker", user=early_help_worker),
        since=datetime.date(2025, 10, 1),
        by=link_coordinator,
        seen_version=case.version,
    )

    case.refresh_from_db()
    assert case.lead_professional.user == early_help_worker
    assert case.lead_professional_since == datetime.date(2025, 10, 1)
    leads = case.timeline.filter(kind="lead").order_by("pk")
    assert [e.summary for e in leads] == [
        "Lead professional: Sam Senco (Amberfield), school staff",
        "Lead professional: Eli Earlyhelp, early help worker (was Sam Senco (Amberfield))",
    ]


def test_an_early_help_worker_sees_the_pupils_whose_open_case_names_them(
    pupil, link_coordinator, early_help_worker
):
    assert not Pupil.objects.visible_to(early_help_worker).exists()

    _open(
        pupil,
        link_coordinator,
        lead=services.LeadDetails(kind="early_help_worker", user=early_help_worker),
    )

    assert list(Pupil.objects.visible_to(early_help_worker)) == [pupil]


def test_a_rag_change_keeps_who_when_and_why(pupil, link_coordinator):
    case = _open(pupil, link_coordinator)

    services.change_rag(
        case=case,
        rag="amber",
        reason="Attending mornings now",
        by=link_coordinator,
        seen_version=case.version,
    )

    entry = case.timeline.filter(kind="rag").latest("pk")
    assert (entry.summary, entry.detail, entry.by) == (
        "RAG rating changed from Red to Amber",
        "Attending mornings now",
        link_coordinator,
    )


def test_a_stale_rag_change_is_refused_saying_what_changed(pupil, link_coordinator, administrator):
    case = _open(pupil, link_coordinator)
    seen = case.version
    services.change_rag(
        case=case, rag="amber", reason="Better", by=administrator, seen_version=seen
    )

    with pytest.raises(services.CaseRuleBroken, match="RAG rating changed from Red to Amber"):
        services.change_rag(
            case=case, rag="green", reason="Much better", by=link_coordinator, seen_version=seen
        )

    case.refresh_from_db()
    assert case.rag == "amber"


def test_moving_to_tier_4_is_a_step_up(pupil, link_coordinator):
    case = _open(pupil, link_coordinator)

    services.change_tier(
        case=case,
        tier=4,
        reason="Referred to the MASH",
        by=link_coordinator,
        seen_version=case.version,
    )

    assert case.timeline.latest("pk").kind == TimelineEntry.Kind.STEPPED_UP


def test_a_contact_updates_the_last_contact_date(pupil, link_coordinator):
    case = _open(pupil, link_coordinator)

    services.record_contact(
        case=case,
        kind="home_visit",
        contacted_on=datetime.date(2025, 9, 29),
        with_whom="Mother",
        note="Agreed a morning routine",
        by=link_coordinator,
    )

    case.refresh_from_db()
    assert case.last_contact_on == datetime.date(2025, 9, 29)


def test_a_closed_case_is_read_only_until_reopened_with_a_reason(pupil, link_coordinator):
    case = _open(pupil, link_coordinator)
    case = services.close_case(
        case=case,
        reason="outcomes_achieved",
        outcome="Back full time",
        closed_on=datetime.date(2025, 10, 1),
        by=link_coordinator,
        seen_version=case.version,
    )

    with pytest.raises(services.CaseRuleBroken, match="This case is closed"):
        services.record_contact(
            case=case,
            kind="phone",
            contacted_on=datetime.date(2025, 10, 1),
            with_whom="Mother",
            note="Check in",
            by=link_coordinator,
        )

    services.reopen_case(
        case=case, reason="Absence returned", by=link_coordinator, seen_version=case.version
    )
    case.refresh_from_db()
    assert case.status == Case.Status.OPEN
    assert case.timeline.latest("pk").kind == TimelineEntry.Kind.REOPENED


def test_reassigning_moves_only_open_cases(pupil, link_coordinator, administrator, school_a):
    other = PupilFactory(current_school=school_a)
    open_case = _open(pupil, link_coordinator)
    closed = CaseFactory(
        pupil=other,
        status="closed",
        closed_on=datetime.date(2025, 9, 30),
        link_coordinator=link_coordinator,
    )
    new_coordinator = type(link_coordinator).objects.create_user(
        "new.lc@council.example", full_name="Nia Newlink", is_link_coordinator=True
    )

    moved = services.reassign_cases(cases=Case.objects.all(), to=new_coordinator, by=administrator)

    assert moved == 1
    open_case.refresh_from_db()
    closed.refresh_from_db()
    assert (open_case.link_coordinator, closed.link_coordinator) == (
        new_coordinator,
        link_coordinator,
    )


def test_a_timetable_over_6_weeks_without_a_return_plan_is_red(pupil):
    timetable = ReducedTimetableFactory(
        pupil=pupil, started_on=datetime.date(2025, 8, 19), return_plan=""
    )

    assert timetable.over_six_weeks(datetime.date(2025, 9, 30))  # day 42 is 30 September: over
    assert not timetable.over_six_weeks(datetime.date(2025, 9, 29))
    assert timetable.is_red(datetime.date(2025, 9, 30))


def test_ending_a_timetable_records_whether_the_pupil_returned_full_time(pupil, pastoral_lead):
    timetable = ReducedTimetableFactory(pupil=pupil)

    services.end_timetable(
        timetable=timetable,
        ended_on=datetime.date(2025, 9, 30),
        returned_full_time=True,
        by=pastoral_lead,
        seen_version=timetable.version,
    )

    timetable.refresh_from_db()
    assert (timetable.ended_on, timetable.returned_full_time) == (datetime.date(2025, 9, 30), True)
    assert not ReducedTimetable.objects.running(datetime.date(2025, 10, 1)).exists()


def test_a_link_call_discussion_lands_in_the_case_timeline(pupil, link_coordinator, school_a):
    case = _open(pupil, link_coordinator)

    services.record_link_call(
        school=school_a,
        held_on=datetime.date(2025, 9, 30),
        attendees="Attendance lead",
        discussions=[services.Discussion(pupil=pupil, note="Better week", action="Praise call")],
        by=link_coordinator,
    )

    entry = case.timeline.latest("pk")
    assert (entry.kind, entry.detail) == ("link_call", "Better week Action: Praise call")
