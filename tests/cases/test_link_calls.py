"""Link calls: recording one, last-discussed dates, the 14-day flag and schools due a call."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from attendance.models import PupilAttendance
from cases.link_call_selectors import chronically_absent_pupils, schools_due_a_call
from cases.models import LinkCall, LinkCallDiscussion, TimelineEntry
from schools.models import Enrolment
from tests.factories import (
    CaseFactory,
    LinkAssignmentFactory,
    LinkCallFactory,
    PupilFactory,
)

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2025, 10, 1)


@pytest.fixture(autouse=True)
def _on_1_october_2025():
    with time_machine.travel("2025-10-01 10:00 +01:00", tick=False):
        yield


def severely_absent(pupil, *, rate="32.50", crossed_on=datetime.date(2025, 9, 26), year=2025):
    """The year-to-date figures an import would store for a pupil past the severe line."""
    return PupilAttendance.objects.create(
        pupil=pupil,
        start_year=year,
        school=pupil.current_school,
        possible_sessions=40,
        attended_sessions=13,
        attendance_rate=Decimal(rate),
        is_persistently_absent=True,
        is_severely_absent=True,
        latest_period_end=crossed_on,
        severe_from_start=crossed_on - datetime.timedelta(days=4),
        severe_from_end=crossed_on,
        recent_possible=10,
        recent_attended=3,
    )


def discussed(pupil, *, on, school=None):
    call = LinkCallFactory(school=school or pupil.current_school, held_on=on)
    return LinkCallDiscussion.objects.create(call=call, pupil=pupil, note="Talked about her")


def _create_url(school):
    return reverse("cases:link-call-create", args=[school.pk])


# Recording a link call ------------------------------------------------------------------------


def test_recording_a_link_call_puts_each_discussed_pupils_note_and_action_on_their_case(
    client, link_coordinator, school_a
):
    amira = PupilFactory(current_school=school_a, given_name="Amira")
    severely_absent(amira)
    amira_case = CaseFactory(pupil=amira)
    chloe = PupilFactory(current_school=school_a, given_name="Chloe")
    chloe_case = CaseFactory(pupil=chloe)  # open case, attendance back above the line
    client.force_login(link_coordinator)

    response = client.post(
        _create_url(school_a),
        {
            "held_on": "30/09/2025",
            "attendees": "Sam Senco (SENCo)",
            f"note_{amira.pk}": "Mum says mornings are the problem",
            f"action_{amira.pk}": "School to offer a soft start",
            f"note_{chloe.pk}": "",
            f"action_{chloe.pk}": "",
        },
    )

    call = LinkCall.objects.get()
    assert response.status_code == 302
    assert response["Location"] == call.get_absolute_url()
    assert call.held_on == datetime.date(2025, 9, 30)
    assert call.link_coordinator == link_coordinator
    assert [d.pupil for d in call.discussions.all()] == [amira]
    entry = amira_case.timeline.get(kind=TimelineEntry.Kind.LINK_CALL)
    assert entry.occurred_on == datetime.date(2025, 9, 30)
    assert entry.detail == "Mum says mornings are the problem Action: School to offer a soft start"
    assert not chloe_case.timeline.filter(kind=TimelineEntry.Kind.LINK_CALL).exists()


def test_a_pupil_without_a_case_can_still_be_discussed(client, link_coordinator, school_a):
    ben = PupilFactory(current_school=school_a)
    severely_absent(ben)
    client.force_login(link_coordinator)

    client.post(
        _create_url(school_a),
        {"held_on": "01/10/2025", "attendees": "Ali Attend", f"note_{ben.pk}": "New this week"},
    )

    assert LinkCallDiscussion.objects.get().pupil == ben


def test_an_action_without_a_note_is_refused(client, link_coordinator, school_a):
    amira = PupilFactory(current_school=school_a, given_name="Amira", family_name="Example")
    severely_absent(amira)
    client.force_login(link_coordinator)

    response = client.post(
        _create_url(school_a),
        {"held_on": "01/10/2025", "attendees": "Ali Attend", f"action_{amira.pk}": "Call mum"},
    )

    assert response.status_code == 200
    assert "Enter a note on Amira Example, or clear the action for them" in response.text
    assert not LinkCall.objects.exists()


def test_a_link_call_in_the_future_is_refused(client, link_coordinator, school_a):
    client.force_login(link_coordinator)

    response = client.post(
        _create_url(school_a), {"held_on": "02/10/2025", "attendees": "Ali Attend"}
    )

    assert "A link call cannot be in the future." in response.text
    assert not LinkCall.objects.exists()


def test_the_form_lists_the_schools_chronically_absent_pupils_only(
    client, link_coordinator, school_a, school_b
):
    severe = PupilFactory(current_school=school_a, given_name="Severe")
    severely_absent(severe)
    with_case = PupilFactory(current_school=school_a, given_name="Casey")
    CaseFactory(pupil=with_case)
    PupilFactory(current_school=school_a, given_name="Fine")
    elsewhere = PupilFactory(current_school=school_b, given_name="Elsewhere")
    severely_absent(elsewhere)
    last_year = PupilFactory(current_school=school_a, given_name="Lastyear")
    severely_absent(last_year, year=2024)
    client.force_login(link_coordinator)

    page = client.get(_create_url(school_a)).text

    assert f'name="note_{severe.pk}"' in page
    assert f'name="note_{with_case.pk}"' in page
    assert "Fine" not in page
    assert "Elsewhere" not in page
    assert "Lastyear" not in page


def test_a_pupils_name_in_the_form_is_escaped(client, link_coordinator, school_a):
    pupil = PupilFactory(current_school=school_a, family_name="<b>Bold</b>")
    severely_absent(pupil)
    client.force_login(link_coordinator)

    page = client.get(_create_url(school_a)).text

    assert "<b>Bold</b>" not in page
    assert "&lt;b&gt;Bold&lt;/b&gt;" in page


def test_a_manager_cannot_record_a_link_call(client, manager, school_a):
    client.force_login(manager)

    response = client.post(_create_url(school_a), {"held_on": "01/10/2025", "attendees": "X"})

    assert response.status_code == 403
    assert not LinkCall.objects.exists()


def test_another_schools_link_coordinator_finds_no_school_to_call(client, school_a, school_b):
    other = LinkAssignmentFactory(school=school_b).user
    client.force_login(other)

    response = client.post(_create_url(school_a), {"held_on": "01/10/2025", "attendees": "X"})

    assert response.status_code == 404
    assert not LinkCall.objects.exists()


def test_another_schools_link_coordinator_cannot_open_a_call(client, school_a, school_b):
    call = LinkCallFactory(school=school_a)
    client.force_login(LinkAssignmentFactory(school=school_b).user)

    response = client.get(call.get_absolute_url())

    assert response.status_code == 404


def test_a_pastoral_lead_cannot_see_their_schools_link_calls(client, pastoral_lead, school_a):
    call = LinkCallFactory(school=school_a)
    client.force_login(pastoral_lead)

    assert client.get(call.get_absolute_url()).status_code == 403
    assert client.get(reverse("cases:link-call-list")).status_code == 403


def test_a_call_shows_its_discussions_of_pupils_the_viewer_can_see(
    client, link_coordinator, school_a, school_b
):
    stayed = PupilFactory(current_school=school_a, given_name="Stayed")
    moved = PupilFactory(current_school=school_a, given_name="Moved")
    call = LinkCallFactory(school=school_a, held_on=datetime.date(2025, 9, 17))
    for pupil in (stayed, moved):
        LinkCallDiscussion.objects.create(call=call, pupil=pupil, note=f"About {pupil}")
    Enrolment.objects.filter(pupil=moved).update(ended_on=datetime.date(2025, 9, 19))
    Enrolment.objects.create(pupil=moved, school=school_b, started_on=datetime.date(2025, 9, 22))
    moved.current_school = school_b
    moved.save()
    client.force_login(link_coordinator)

    page = client.get(call.get_absolute_url()).text

    assert "About Stayed" in page
    assert "Moved" not in page


# Last discussed and the 14-day flag -----------------------------------------------------------


def test_a_pupils_last_discussed_date_is_their_latest_link_call(school_a):
    pupil = PupilFactory(current_school=school_a)
    severely_absent(pupil)
    discussed(pupil, on=datetime.date(2025, 9, 3))
    discussed(pupil, on=datetime.date(2025, 9, 24))
    discussed(pupil, on=datetime.date(2025, 9, 10))

    (row,) = chronically_absent_pupils(school_a, TODAY)

    assert row.last_discussed_on == datetime.date(2025, 9, 24)
    assert row.attendance_rate == Decimal("32.50")


@pytest.mark.parametrize(
    ("days_ago", "flagged"), [(0, False), (13, False), (14, True), (40, True), (None, True)]
)
def test_a_pupil_not_discussed_in_the_last_14_days_is_flagged(school_a, days_ago, flagged):
    pupil = PupilFactory(current_school=school_a)
    severely_absent(pupil)
    if days_ago is not None:
        discussed(pupil, on=TODAY - datetime.timedelta(days=days_ago))

    (row,) = chronically_absent_pupils(school_a, TODAY)

    assert row.not_discussed_recently is flagged


def test_the_flag_goes_up_as_time_passes(school_a):
    pupil = PupilFactory(current_school=school_a)
    severely_absent(pupil)
    discussed(pupil, on=datetime.date(2025, 9, 24))

    with time_machine.travel("2025-10-07 09:00 +01:00", tick=False):
        before = chronically_absent_pupils(school_a, datetime.date(2025, 10, 7)).get()
    with time_machine.travel("2025-10-08 09:00 +01:00", tick=False):
        after = chronically_absent_pupils(school_a, datetime.date(2025, 10, 8)).get()

    assert before.not_discussed_recently is False
    assert after.not_discussed_recently is True


def test_the_school_panel_shows_each_pupils_last_discussion_and_flag(rf, school_a, manager):
    recent = PupilFactory(current_school=school_a, given_name="Recent")
    severely_absent(recent)
    discussed(recent, on=datetime.date(2025, 9, 29))
    severely_absent(PupilFactory(current_school=school_a, given_name="Forgotten"))
    request = rf.get("/")
    request.user = manager

    html = render_to_string(
        "cases/link_calls/school_panel.html",
        {"school": school_a, "pupils": chronically_absent_pupils(school_a, TODAY)},
        request=request,
    )

    assert "29 September 2025" in html
    assert html.count("Not discussed in 14 days") == 1
    assert "Never" in html


# Schools due a call ---------------------------------------------------------------------------


def test_schools_due_a_call_are_those_with_none_in_the_last_14_days(link_coordinator, school_a):
    called = school_a
    LinkCallFactory(school=called, held_on=datetime.date(2025, 9, 25))
    lapsed = LinkAssignmentFactory(user=link_coordinator, school__name="Lapsed School").school
    LinkCallFactory(school=lapsed, held_on=datetime.date(2025, 9, 17))
    never = LinkAssignmentFactory(user=link_coordinator, school__name="Never School").school
    closed = LinkAssignmentFactory(user=link_coordinator, school__is_open=False).school
    LinkAssignmentFactory(school__name="Someone Else's School")

    due = list(schools_due_a_call(link_coordinator, TODAY))

    assert due == [never, lapsed]
    assert due[1].last_call_on == datetime.date(2025, 9, 17)
    assert called not in due
    assert closed not in due


def test_the_due_calls_panel_lists_schools_to_call(rf, link_coordinator, school_a):
    request = rf.get("/")
    request.user = link_coordinator

    html = render_to_string(
        "cases/link_calls/due_calls_panel.html",
        {"schools_due": schools_due_a_call(link_coordinator, TODAY)},
        request=request,
    )

    assert "Link calls due" in html
    assert "Amberfield Primary School" in html
    assert _create_url(school_a) in html


def test_the_school_panel_says_nothing_to_a_viewer_without_link_calls(school_a):
    html = render_to_string(
        "cases/link_calls/school_panel.html", {"school": school_a, "pupils": None}
    )

    assert html.strip() == ""


def test_the_due_calls_panel_says_nothing_to_a_user_who_calls_no_schools():
    html = render_to_string("cases/link_calls/due_calls_panel.html", {"schools_due": None})

    assert html.strip() == ""


def test_the_link_call_list_marks_schools_due_a_call(client, link_coordinator, school_a):
    LinkCallFactory(school=school_a, held_on=datetime.date(2025, 9, 30))
    due = LinkAssignmentFactory(user=link_coordinator, school__name="Due School").school
    client.force_login(link_coordinator)

    response = client.get(reverse("cases:link-call-list"))

    rows = response.text.split('data-testid="link-call-schools"')[1].split("</table>")[0]
    assert rows.index("Due School") < rows.index("Amberfield Primary School")
    assert "30 September 2025" in rows
    assert rows.count(">Due<") == 1
    assert _create_url(due) in rows


def _queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_link_call_list_runs_the_same_queries_for_1_and_10_schools(client, link_coordinator):
    client.force_login(link_coordinator)
    url = reverse("cases:link-call-list")
    _queries(client, url)
    with_1 = _queries(client, url)
    for n in range(9):
        school = LinkAssignmentFactory(user=link_coordinator).school
        LinkCallFactory(school=school, held_on=TODAY - datetime.timedelta(days=n))

    assert _queries(client, url) == with_1


def test_the_link_call_form_runs_the_same_queries_for_1_and_10_pupils(
    client, link_coordinator, school_a
):
    client.force_login(link_coordinator)
    url = _create_url(school_a)
    severely_absent(PupilFactory(current_school=school_a))
    _queries(client, url)
    with_1 = _queries(client, url)
    for _ in range(9):
        pupil = PupilFactory(current_school=school_a)
        severely_absent(pupil)
        CaseFactory(pupil=pupil)
        discussed(pupil, on=datetime.date(2025, 9, 17))

    assert _queries(client, url) == with_1
