"""Reduced timetable pages: recording, changing (and refusing a stale change), reviewing, ending,
the LA's list with its flags and count against the target, the C2 cross-check, and scope."""

import datetime
import re

import pytest
import time_machine
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from attendance.imports import checks, derived
from attendance.models import AttendanceRecord
from audit.models import AccessLogEntry
from cases import timetable_selectors
from cases.models import ReducedTimetable
from tests.factories import (
    AcademicYearFactory,
    PupilFactory,
    ReducedTimetableFactory,
    TermFactory,
)

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2025, 11, 3)  # a Monday in the autumn term of 2025/26


@pytest.fixture(autouse=True)
def _autumn_2025(db):
    year = AcademicYearFactory(start_year=2025)
    TermFactory(academic_year=year)
    with time_machine.travel("2025-11-03 10:00 +00:00", tick=False):
        yield


@pytest.fixture
def pupil(school_a):
    return PupilFactory(current_school=school_a, given_name="Amira", family_name="Example")


@pytest.fixture
def timetable(pupil):
    return ReducedTimetableFactory(
        pupil=pupil,
        started_on=datetime.date(2025, 10, 20),
        planned_end_on=datetime.date(2025, 11, 28),
        parents_agreed_on=datetime.date(2025, 10, 17),
        return_plan="Add one session a week from 3 November",
    )


def days_ago(n):
    return TODAY - datetime.timedelta(days=n)


def timetable_data(**changes):
    data = {
        "started_on": "20/10/2025",
        "planned_end_on": "28/11/2025",
        "sessions_per_week": "5",
        "reason": "Anxiety about returning after a long illness",
        "parents_agreed_on": "17/10/2025",
        "return_plan": "Add one session a week from 3 November",
    }
    return {**data, **changes}


def row_for(html, text):
    """The table row that holds `text`."""
    rows = re.findall(r"<tr class=\"govuk-table__row\">.*?</tr>", html, flags=re.S)
    matching = [r for r in rows if text in r]
    assert len(matching) == 1, f"expected one row with {text!r}, found {len(matching)}"
    return matching[0]


def tags(row_html):
    return re.findall(r"<strong class=\"govuk-tag[^\"]*\">([^<]+)</strong>", row_html)


# Recording ---------------------------------------------------------------------------------------


def test_a_pastoral_lead_records_a_reduced_timetable_for_a_pupil_at_their_school(
    client, pastoral_lead, pupil, school_a
):
    client.force_login(pastoral_lead)

    response = client.post(
        reverse("cases:timetable-create", args=[pupil.pk]), timetable_data(return_plan="")
    )

    timetable = ReducedTimetable.objects.get()
    assert response.status_code == 302
    assert response["Location"] == timetable.get_absolute_url()
    assert (timetable.pupil, timetable.school, timetable.created_by) == (
        pupil,
        school_a,
        pastoral_lead,
    )
    assert timetable.started_on == datetime.date(2025, 10, 20)
    assert timetable.planned_end_on == datetime.date(2025, 11, 28)
    assert timetable.parents_agreed_on == datetime.date(2025, 10, 17)
    assert timetable.sessions_per_week == 5
    assert timetable.return_plan == ""


def test_a_planned_end_before_the_start_is_refused_with_an_error_on_that_field(
    client, pastoral_lead, pupil
):
    client.force_login(pastoral_lead)

    response = client.post(
        reverse("cases:timetable-create", args=[pupil.pk]),
        timetable_data(planned_end_on="10/10/2025"),
    )

    assert response.status_code == 200
    assert response.context["form"].errors["planned_end_on"] == [
        "The planned end date must be after the start date"
    ]
    assert "There is a problem" in response.content.decode()
    assert not ReducedTimetable.objects.exists()


def test_missing_answers_are_named_in_plain_english(client, pastoral_lead, pupil):
    client.force_login(pastoral_lead)

    response = client.post(
        reverse("cases:timetable-create", args=[pupil.pk]),
        timetable_data(reason="", started_on="31/02/2025", sessions_per_week="10"),
    )

    errors = response.context["form"].errors
    assert errors["reason"] == ["Enter the reason for the reduced timetable"]
    assert errors["started_on"] == ["Start date must be a real date, like 14/03/2025"]
    assert errors["sessions_per_week"] == [
        "Sessions a week must be 9 or fewer: 10 is a full timetable"
    ]


def test_a_manager_cannot_record_a_reduced_timetable(client, manager, pupil):
    client.force_login(manager)

    response = client.post(reverse("cases:timetable-create", args=[pupil.pk]), timetable_data())

    assert response.status_code == 403
    assert not ReducedTimetable.objects.exists()


# Changing, and two people changing it at once (rule 7) --------------------------------------------


def test_a_pastoral_lead_changes_a_timetables_details(client, pastoral_lead, timetable):
    client.force_login(pastoral_lead)

    response = client.post(
        reverse("cases:timetable-edit", args=[timetable.pk]),
        timetable_data(sessions_per_week="6", seen_version="1"),
    )

    timetable.refresh_from_db()
    assert response.status_code == 302
    assert (timetable.sessions_per_week, timetable.version) == (6, 2)


def test_a_stale_change_is_refused_showing_what_changed_and_the_first_change_is_kept(
    client, pastoral_lead, link_coordinator, timetable
):
    url = reverse("cases:timetable-edit", args=[timetable.pk])
    client.force_login(link_coordinator)
    client.post(url, timetable_data(planned_end_on="12/12/2025", seen_version="1"))
    client.force_login(pastoral_lead)

    response = client.post(url, timetable_data(sessions_per_week="7", seen_version="1"))

    timetable.refresh_from_db()
    assert response.status_code == 200
    page = response.content.decode()
    assert "changed by someone else after you opened it" in page
    assert "Planned end date changed from 28/11/2025 to 12/12/2025 (Lin Coordinator, " in page
    assert timetable.planned_end_on == datetime.date(2025, 12, 12)
    assert timetable.sessions_per_week == 5


def test_after_a_refused_change_saving_again_keeps_both_peoples_changes(
    client, pastoral_lead, link_coordinator, timetable
):
    url = reverse("cases:timetable-edit", args=[timetable.pk])
    client.force_login(link_coordinator)
    client.post(url, timetable_data(planned_end_on="12/12/2025", seen_version="1"))
    client.force_login(pastoral_lead)
    refused = client.post(url, timetable_data(sessions_per_week="7", seen_version="1"))
    shown = refused.context["form"]
    assert shown["planned_end_on"].value() == "12/12/2025"
    assert shown["seen_version"].value() == "2"

    client.post(url, shown.data)

    timetable.refresh_from_db()
    assert timetable.planned_end_on == datetime.date(2025, 12, 12)
    assert timetable.sessions_per_week == 7


def test_an_ended_timetable_cannot_be_changed(client, pastoral_lead, pupil):
    ended = ReducedTimetableFactory(
        pupil=pupil, ended_on=datetime.date(2025, 10, 10), returned_full_time=True
    )
    client.force_login(pastoral_lead)

    response = client.post(
        reverse("cases:timetable-edit", args=[ended.pk]), timetable_data(seen_version="1")
    )

    ended.refresh_from_db()
    assert response.status_code == 302
    assert ended.version == 1


# Reviewing and ending -----------------------------------------------------------------------------


def test_a_review_with_a_new_planned_end_date_moves_the_planned_end(
    client, pastoral_lead, timetable
):
    client.force_login(pastoral_lead)

    client.post(
        reverse("cases:timetable-review", args=[timetable.pk]),
        {
            "reviewed_on": "03/11/2025",
            "outcome": "Coping well with mornings; extend by two weeks",
            "new_planned_end_on": "12/12/2025",
            "seen_version": "1",
        },
    )

    timetable.refresh_from_db()
    review = timetable.reviews.get()
    assert timetable.planned_end_on == datetime.date(2025, 12, 12)
    assert (review.reviewed_on, review.by) == (TODAY, pastoral_lead)
    page = client.get(timetable.get_absolute_url()).content.decode()
    assert "Coping well with mornings" in page


def test_a_review_without_a_new_date_keeps_the_planned_end(client, pastoral_lead, timetable):
    client.force_login(pastoral_lead)

    client.post(
        reverse("cases:timetable-review", args=[timetable.pk]),
        {"reviewed_on": "03/11/2025", "outcome": "No change", "seen_version": "1"},
    )

    timetable.refresh_from_db()
    assert timetable.planned_end_on == datetime.date(2025, 11, 28)
    assert timetable.reviews.count() == 1


def test_ending_a_timetable_records_the_end_date_and_the_return_to_full_time(
    client, pastoral_lead, timetable
):
    client.force_login(pastoral_lead)

    response = client.post(
        reverse("cases:timetable-end", args=[timetable.pk]),
        {"ended_on": "31/10/2025", "returned_full_time": "no", "seen_version": "1"},
    )

    timetable.refresh_from_db()
    assert response.status_code == 302
    assert (timetable.ended_on, timetable.returned_full_time) == (
        datetime.date(2025, 10, 31),
        False,
    )


def test_ending_needs_an_answer_about_full_time(client, pastoral_lead, timetable):
    client.force_login(pastoral_lead)

    response = client.post(
        reverse("cases:timetable-end", args=[timetable.pk]),
        {"ended_on": "31/10/2025", "seen_version": "1"},
    )

    assert response.context["form"].errors["returned_full_time"] == [
        "Select yes if the pupil returned to full time"
    ]


def test_ending_a_timetable_someone_else_just_reviewed_is_refused_with_the_review_shown(
    client, pastoral_lead, link_coordinator, timetable
):
    client.force_login(link_coordinator)
    client.post(
        reverse("cases:timetable-review", args=[timetable.pk]),
        {"reviewed_on": "01/11/2025", "outcome": "Going well", "seen_version": "1"},
    )
    client.force_login(pastoral_lead)

    response = client.post(
        reverse("cases:timetable-end", args=[timetable.pk]),
        {"ended_on": "31/10/2025", "returned_full_time": "yes", "seen_version": "1"},
    )

    timetable.refresh_from_db()
    assert timetable.ended_on is None
    page = response.content.decode()
    assert "A review was recorded for 01/11/2025 (Lin Coordinator, " in page


# The timetable's page and the pupil's panel -------------------------------------------------------


def test_a_manager_sees_a_timetable_and_its_reviews_without_links_to_change_it(
    client, manager, timetable, pastoral_lead
):
    timetable.reviews.create(
        reviewed_on=datetime.date(2025, 10, 31), outcome="Settling in", by=pastoral_lead
    )
    client.force_login(manager)

    page = client.get(timetable.get_absolute_url()).content.decode()

    assert "Settling in" in page
    assert reverse("cases:timetable-edit", args=[timetable.pk]) not in page
    assert reverse("cases:timetable-end", args=[timetable.pk]) not in page


def test_viewing_a_timetable_is_recorded_in_the_access_log(client, pastoral_lead, timetable):
    client.force_login(pastoral_lead)

    client.get(timetable.get_absolute_url())

    entry = AccessLogEntry.objects.get()
    assert (entry.user, entry.pupil_ids) == (pastoral_lead, [timetable.pupil_id])


def test_the_pupil_panel_lists_their_timetables_with_flags_and_a_link_to_record_one(pupil):
    ReducedTimetableFactory(pupil=pupil, started_on=days_ago(60), return_plan="")

    html = render_to_string(
        "cases/timetables/pupil_panel.html",
        {
            "pupil": pupil,
            "timetables": timetable_selectors.pupil_timetables(pupil),
            "can_record_timetable": True,
        },
    )

    assert tags(row_for(html, "Running")) == ["Over 6 weeks", "No return plan", "Past planned end"]
    assert reverse("cases:timetable-create", args=[pupil.pk]) in html


# The LA's list: flags, filters, the count against the target -------------------------------------


def test_the_list_shows_the_three_flags(client, link_coordinator, school_a):
    def at_a(family_name, **fields):
        return ReducedTimetableFactory(
            pupil=PupilFactory(current_school=school_a, family_name=family_name), **fields
        )

    at_a("Overweeks", started_on=days_ago(42), planned_end_on=datetime.date(2025, 12, 19))
    at_a(
        "Noplan",
        started_on=days_ago(42),
        planned_end_on=datetime.date(2025, 12, 19),
        return_plan="  ",
    )
    at_a(
        "Fortyone",
        started_on=days_ago(41),
        planned_end_on=datetime.date(2025, 12, 19),
        return_plan="",
    )
    at_a("Pastend", started_on=days_ago(7), planned_end_on=days_ago(3))
    client.force_login(link_coordinator)

    page = client.get(reverse("cases:timetable-list")).content.decode()

    assert tags(row_for(page, "Overweeks")) == ["Over 6 weeks"]
    assert tags(row_for(page, "Noplan")) == ["Over 6 weeks", "No return plan"]
    assert tags(row_for(page, "Fortyone")) == []
    assert tags(row_for(page, "Pastend")) == ["Past planned end"]
    assert 'govuk-tag--red app-nowrap">No return plan' in row_for(page, "Noplan")


def test_the_red_filter_lists_only_timetables_over_6_weeks_without_a_plan(
    client, link_coordinator, school_a
):
    red = ReducedTimetableFactory(
        pupil=PupilFactory(current_school=school_a, family_name="Noplan"),
        started_on=days_ago(50),
        planned_end_on=datetime.date(2025, 12, 19),
        return_plan="",
    )
    ReducedTimetableFactory(
        pupil=PupilFactory(current_school=school_a, family_name="Withplan"),
        started_on=days_ago(50),
        planned_end_on=datetime.date(2025, 12, 19),
    )
    client.force_login(link_coordinator)

    response = client.get(reverse("cases:timetable-list"), {"flag": "red"})

    assert [t.pk for t in response.context["page"].rows] == [red.pk]


def test_ended_timetables_are_listed_under_ended_not_running(client, link_coordinator, pupil):
    ended = ReducedTimetableFactory(
        pupil=pupil, ended_on=datetime.date(2025, 10, 10), returned_full_time=True
    )
    running = ReducedTimetableFactory(pupil=PupilFactory(current_school=pupil.current_school))
    client.force_login(link_coordinator)

    running_rows = client.get(reverse("cases:timetable-list")).context["page"].rows
    ended_rows = (
        client.get(reverse("cases:timetable-list"), {"status": "ended"}).context["page"].rows
    )

    assert [t.pk for t in running_rows] == [running.pk]
    assert [t.pk for t in ended_rows] == [ended.pk]


def test_the_header_counts_pupils_on_a_timetable_now_against_the_target(
    client, link_coordinator, school_a, settings
):
    settings.REDUCED_TIMETABLE_TARGET = 2
    twice = PupilFactory(current_school=school_a)
    ReducedTimetableFactory(pupil=twice, ended_on=datetime.date(2025, 9, 30))
    ReducedTimetableFactory(pupil=twice, started_on=datetime.date(2025, 10, 1))
    ReducedTimetableFactory.create_batch(2, pupil__current_school=school_a)
    ReducedTimetableFactory(  # ended: not on one now
        pupil=PupilFactory(current_school=school_a), ended_on=datetime.date(2025, 10, 31)
    )
    ReducedTimetableFactory(  # not started yet
        pupil=PupilFactory(current_school=school_a),
        started_on=datetime.date(2025, 11, 10),
        planned_end_on=datetime.date(2025, 12, 19),
    )
    client.force_login(link_coordinator)

    page = client.get(reverse("cases:timetable-list")).content.decode()

    assert "Pupils on a reduced timetable now: 3 (target 2)" in page
    assert "Not on track: 1 more than the target of 2." in page


def test_the_header_says_on_track_at_or_below_the_target(client, link_coordinator, pupil):
    ReducedTimetableFactory(pupil=pupil)
    client.force_login(link_coordinator)

    page = client.get(reverse("cases:timetable-list")).content.decode()

    assert "Pupils on a reduced timetable now: 1 (target 70)" in page
    assert "On track: at or below the target of 70." in page


def test_the_list_takes_as_many_queries_for_20_rows_as_for_1(client, link_coordinator, school_a):
    client.force_login(link_coordinator)

    def queries_with(n):
        for _ in range(n):
            ReducedTimetableFactory(
                pupil=PupilFactory(current_school=school_a),
                started_on=days_ago(50),
                return_plan="",
            )
        with CaptureQueriesContext(connection) as context:
            response = client.get(reverse("cases:timetable-list"))
        assert response.status_code == 200
        return len(context.captured_queries), len(response.context["page"].rows)

    one, twenty = queries_with(1), queries_with(19)
    assert (one[1], twenty[1]) == (1, 20)
    assert one[0] == twenty[0]


@pytest.mark.parametrize("show", ["c2", "no-c2"])
def test_the_unregistered_lists_take_as_many_queries_for_20_rows_as_for_1(
    client, link_coordinator, school_a, show
):
    client.force_login(link_coordinator)

    def queries_with(n):
        for _ in range(n):
            made = ReducedTimetableFactory(
                pupil=PupilFactory(current_school=school_a), started_on=days_ago(30)
            )
            c2 = 0 if show == "no-c2" else 3
            _records(
                made.pupil, [(days_ago(60), days_ago(56), c2), (days_ago(28), days_ago(24), 0)]
            )
        _refresh_figures()
        with CaptureQueriesContext(connection) as context:
            response = client.get(reverse("cases:timetable-unregistered"), {"show": show})
        assert len(response.context["page"].rows) >= 1
        return len(context.captured_queries)

    assert queries_with(1) == queries_with(19)


# Unregistered timetables: C2 marks against recorded timetables ----------------------------------


def _records(pupil, periods):
    """Imported weekly records: (start, end, C2 sessions); the rest of the week attended."""
    for start, end, c2 in periods:
        AttendanceRecord.objects.create(
            pupil=pupil,
            school=pupil.current_school,
            period_start=start,
            period_end=end,
            possible_sessions=10,
            attended_sessions=10 - c2,
            authorised_absence=c2,
            unauthorised_absence=0,
            code_counts={"C2": c2} if c2 else {},
        )


def _refresh_figures():
    """The year's figures, as an import leaves them (C2 totals per pupil included)."""
    with connection.cursor() as cursor:
        checks.create_functions(cursor)
        derived.refresh(
            cursor,
            affected="(SELECT DISTINCT pupil_id, 2025 AS start_year "
            "FROM attendance_attendancerecord)",
            today=TODAY,
        )


def _unregistered(client, user, **params):
    client.force_login(user)
    return client.get(reverse("cases:timetable-unregistered"), params)


def test_a_pupil_with_c2_sessions_and_no_timetable_is_listed_with_the_periods(
    client, link_coordinator, pupil
):
    _records(
        pupil,
        [
            (datetime.date(2025, 10, 6), datetime.date(2025, 10, 10), 4),
            (datetime.date(2025, 10, 13), datetime.date(2025, 10, 17), 0),
            (datetime.date(2025, 10, 20), datetime.date(2025, 10, 24), 6),
        ],
    )
    _refresh_figures()

    response = _unregistered(client, link_coordinator)

    (row,) = response.context["page"].rows
    assert (row.pupil_id, row.c2_sessions) == (pupil.pk, 10)
    assert [(p.start, p.end) for p in row.periods] == [
        (datetime.date(2025, 10, 6), datetime.date(2025, 10, 10)),
        (datetime.date(2025, 10, 20), datetime.date(2025, 10, 24)),
    ]
    page = response.content.decode()
    assert "Example, Amira" in page
    assert "6 Oct to 10 Oct 2025" in page


def test_c2_sessions_during_a_recorded_timetable_are_not_listed(
    client, link_coordinator, pupil, timetable
):
    _records(pupil, [(datetime.date(2025, 10, 20), datetime.date(2025, 10, 24), 5)])
    _refresh_figures()

    response = _unregistered(client, link_coordinator)

    assert response.context["page"].rows == []


def test_c2_sessions_before_a_recorded_timetable_began_are_listed(
    client, link_coordinator, pupil, timetable
):
    _records(
        pupil,
        [
            (datetime.date(2025, 10, 6), datetime.date(2025, 10, 10), 3),
            (datetime.date(2025, 10, 20), datetime.date(2025, 10, 24), 5),
        ],
    )
    _refresh_figures()

    response = _unregistered(client, link_coordinator)

    (row,) = response.context["page"].rows
    assert row.c2_sessions == 3


def test_c2_sessions_after_a_timetable_ended_are_listed(client, link_coordinator, pupil):
    ReducedTimetableFactory(
        pupil=pupil,
        started_on=datetime.date(2025, 9, 8),
        planned_end_on=datetime.date(2025, 10, 31),
        ended_on=datetime.date(2025, 10, 3),
        returned_full_time=False,
    )
    _records(
        pupil,
        [
            (datetime.date(2025, 9, 29), datetime.date(2025, 10, 3), 5),
            (datetime.date(2025, 10, 13), datetime.date(2025, 10, 17), 4),
        ],
    )
    _refresh_figures()

    response = _unregistered(client, link_coordinator)

    (row,) = response.context["page"].rows
    assert row.c2_sessions == 4


def test_a_running_timetable_with_no_c2_sessions_since_it_began_is_flagged(
    client, link_coordinator, pupil
):
    timetable = ReducedTimetableFactory(pupil=pupil, started_on=days_ago(21))
    _records(pupil, [(days_ago(14), days_ago(10), 0), (days_ago(42), days_ago(38), 3)])
    _refresh_figures()

    response = _unregistered(client, link_coordinator, show="no-c2")

    assert [t.pk for t in response.context["page"].rows] == [timetable.pk]


def test_a_running_timetable_with_c2_sessions_is_not_flagged(client, link_coordinator, pupil):
    ReducedTimetableFactory(pupil=pupil, started_on=days_ago(21))
    _records(pupil, [(days_ago(14), days_ago(10), 4)])
    _refresh_figures()

    response = _unregistered(client, link_coordinator, show="no-c2")

    assert response.context["page"].rows == []


@pytest.mark.parametrize(
    ("started", "records"),
    [
        (10, [(days_ago(7), days_ago(3), 0)]),  # under two weeks old
        (21, [(days_ago(28), days_ago(24), 0)]),  # no records since it began
    ],
)
def test_a_timetable_is_not_flagged_before_its_attendance_could_show_c2(
    client, link_coordinator, pupil, started, records
):
    ReducedTimetableFactory(
        pupil=pupil, started_on=days_ago(started), planned_end_on=datetime.date(2025, 12, 19)
    )
    _records(pupil, records)

    response = _unregistered(client, link_coordinator, show="no-c2")

    assert response.context["page"].rows == []


# Scope: another school's timetables do not exist for a pastoral lead -----------------------------

TIMETABLE_PAGES = [
    ("cases:timetable-detail", {}),
    ("cases:timetable-edit", timetable_data(seen_version="1")),
    (
        "cases:timetable-review",
        {"reviewed_on": "03/11/2025", "outcome": "Fine", "seen_version": "1"},
    ),
    ("cases:timetable-end", {"ended_on": "03/11/2025", "returned_full_time": "yes"}),
]


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize(("url_name", "data"), TIMETABLE_PAGES)
def test_a_pastoral_lead_gets_not_found_for_another_schools_timetable(
    client, other_school_pastoral_lead, timetable, url_name, data, method
):
    client.force_login(other_school_pastoral_lead)

    response = getattr(client, method)(reverse(url_name, args=[timetable.pk]), data)

    timetable.refresh_from_db()
    assert response.status_code == 404
    assert (timetable.version, timetable.reviews.count()) == (1, 0)


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_pastoral_lead_gets_not_found_recording_a_timetable_for_another_schools_pupil(
    client, other_school_pastoral_lead, pupil, method
):
    client.force_login(other_school_pastoral_lead)

    response = getattr(client, method)(
        reverse("cases:timetable-create", args=[pupil.pk]), timetable_data()
    )

    assert response.status_code == 404
    assert not ReducedTimetable.objects.exists()


@pytest.mark.parametrize(
    "params", [{}, {"status": "all"}, {"status": "ended"}, {"flag": "over_six_weeks"}]
)
def test_the_list_never_shows_another_schools_timetables(
    client, pastoral_lead, school_a, school_b, params
):
    own = ReducedTimetableFactory(pupil__current_school=school_a, started_on=days_ago(50))
    ReducedTimetableFactory(
        pupil=PupilFactory(current_school=school_b, family_name="Elsewhere"),
        started_on=days_ago(50),
    )
    ReducedTimetableFactory(
        pupil=PupilFactory(current_school=school_b, family_name="Elsewhere"),
        started_on=days_ago(50),
        ended_on=days_ago(1),
    )
    client.force_login(pastoral_lead)

    response = client.get(reverse("cases:timetable-list"), {**params, "school": school_b.pk})

    rows = response.context["page"].rows
    assert all(t.school_id == school_a.pk for t in rows)
    assert "Elsewhere" not in response.content.decode()
    assert "Birchwood Academy" not in response.content.decode()
    if params.get("status") != "ended":
        assert [t.pk for t in rows] == [own.pk]
        assert "Pupils on a reduced timetable now: 1 (target 70)" in response.content.decode()


def test_the_unregistered_lists_never_show_another_schools_pupils(client, pastoral_lead, school_b):
    elsewhere = PupilFactory(current_school=school_b, family_name="Elsewhere")
    ReducedTimetableFactory(pupil=PupilFactory(current_school=school_b), started_on=days_ago(21))
    _records(elsewhere, [(days_ago(14), days_ago(10), 4)])
    _refresh_figures()
    client.force_login(pastoral_lead)

    for show in ("c2", "no-c2"):
        response = client.get(reverse("cases:timetable-unregistered"), {"show": show})

        assert response.context["page"].rows == []
