"""Targeting support meetings: the pack, the list of schools, recording the meeting and its actions.

Small hand-built data on 20 November 2025, in the autumn term of 2025/26. School A is Amberfield
(the link co-ordinator's and the pastoral lead's), school B is Birchwood (the outsider's).
"""

import datetime
import os
import shutil
import subprocess
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from attendance.models import AttendanceRecord, PupilAttendance
from audit.models import AccessLogEntry
from cases.models import TimelineEntry
from early_help_plans.models import EarlyHelpPlan, PlanChild
from reports import measures, targeting
from reports.models import MeetingAction, TargetingMeeting
from schools.models import Enrolment, Term
from tests.factories import (
    AcademicYearFactory,
    CaseFactory,
    LeadProfessionalFactory,
    LinkAssignmentFactory,
    PupilFactory,
    ReducedTimetableFactory,
    SchoolFactory,
    TermFactory,
)

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2025, 11, 20)
PDFTOTEXT = "pdftotext"  # poppler-utils: make test installs it


@pytest.fixture(autouse=True)
def _on_20_november_2025():
    with time_machine.travel("2025-11-20 10:00 +00:00", tick=False):
        yield


@pytest.fixture
def summer():
    return TermFactory(
        academic_year=AcademicYearFactory(start_year=2024),
        name=Term.Name.SUMMER,
        starts_on=datetime.date(2025, 4, 22),
        ends_on=datetime.date(2025, 7, 22),
    )


@pytest.fixture
def autumn():
    return TermFactory()  # 3 September to 19 December 2025


@pytest.fixture
def spring():
    return TermFactory(
        name=Term.Name.SPRING,
        starts_on=datetime.date(2026, 1, 5),
        ends_on=datetime.date(2026, 3, 27),
    )


def figures(pupil, *, possible, attended, at_risk=False, projected=None, year=2025, school=None):
    """The year-to-date figures an import would store."""
    rate = Decimal(100 * attended) / Decimal(possible) if possible else Decimal(0)
    return PupilAttendance.objects.create(
        pupil=pupil,
        start_year=year,
        school=school or pupil.current_school,
        possible_sessions=possible,
        attended_sessions=attended,
        attendance_rate=rate.quantize(Decimal("0.01")),
        is_persistently_absent=bool(possible) and rate <= 90,
        is_severely_absent=bool(possible) and rate <= 50,
        latest_period_end=datetime.date(2025, 11, 14),
        recent_possible=20,
        recent_attended=10,
        projected_rate=projected,
        is_at_risk=at_risk,
    )


def pupil_at(school, given="Amira", family="Example", **fields):
    return PupilFactory(current_school=school, given_name=given, family_name=family, **fields)


def meeting_for(school, term, by, held_on=None):
    return TargetingMeeting.objects.create(
        school=school,
        term=term,
        held_on=held_on or term.starts_on + datetime.timedelta(days=20),
        attendees="Sam Senco (SENCo)",
        recorded_by=by,
    )


def pack_url(school, term, name="reports:tsm-pack"):
    return reverse(name, args=[school.pk, term.pk])


def pdf_text(client, url, tmp_path):
    response = client.get(url)
    assert response.status_code == 200
    pdf = tmp_path / "pack.pdf"
    pdf.write_bytes(response.content)
    if os.environ.get("KEEP_TEST_PDFS"):  # to look at the pages: pdftoppm -r 60 -png FILE out
        shutil.copy(pdf, os.environ["KEEP_TEST_PDFS"])
    text = subprocess.run(  # noqa: S603 - a fixed program on a file the test wrote
        [PDFTOTEXT, "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    return " ".join(text.split()), text


# The school's figures against the LA's ----------------------------------------------------------


def sessions(pupil, school, possible, attended, *, start=datetime.date(2025, 11, 3)):
    """A week's imported record (3 to 7 November 2025 unless said)."""
    return AttendanceRecord.objects.create(
        pupil=pupil,
        school=school,
        period_start=start,
        period_end=start + datetime.timedelta(days=4),
        possible_sessions=possible,
        attended_sessions=attended,
        authorised_absence=0,
        unauthorised_absence=possible - attended,
    )


def test_the_schools_figures_and_the_las_are_the_termly_reports_measures(
    school_a, school_b, autumn, summer
):
    # School A: 300 possible sessions, 220 attended; 2 of 3 pupils persistently absent, 1 severely.
    sessions(pupil_at(school_a, "Severe"), school_a, 100, 40)
    sessions(pupil_at(school_a, "Persistent"), school_a, 100, 85)
    sessions(pupil_at(school_a, "Fine"), school_a, 100, 95)
    # School B adds 200 possible and 190 attended, and one more pupil, not absent enough to count.
    sessions(pupil_at(school_b, "Elsewhere"), school_b, 200, 190)
    # A pupil who moved from A to B counts at A for their sessions there only (8 of 10 missed:
    # severe there), at B for theirs (fine), and LA-wide once on all of them (28 of 50: 44%).
    mover = pupil_at(school_b, "Mover")
    sessions(mover, school_a, 10, 2, start=datetime.date(2025, 9, 8))
    sessions(mover, school_b, 40, 26)
    # Last year's sessions are not this year's.
    sessions(pupil_at(school_a, "Lastyear"), school_a, 100, 10, start=datetime.date(2025, 5, 5))

    overall, persistent, severe = targeting.school_figures(school_a, autumn, today=TODAY)

    assert (overall.school.numerator, overall.school.denominator) == (88, 310)
    assert (overall.la.numerator, overall.la.denominator) == (112, 550)
    assert (overall.school.percent, overall.la.percent) == (Decimal("28.4"), Decimal("20.4"))
    assert (persistent.school.numerator, persistent.school.denominator) == (3, 4)
    assert (persistent.la.numerator, persistent.la.denominator) == (3, 5)
    assert (severe.school.numerator, severe.school.denominator) == (2, 4)
    assert (severe.la.numerator, severe.la.denominator) == (1, 5)
    assert severe.school_is_higher
    # The same figures as the termly report's own, for the school and LA-wide.
    year = measures.compute(autumn, schools=[school_a.pk], today=TODAY).get(
        "severe_absence", "2025-26"
    )
    assert (year.numerator, year.denominator) == (2, 4)


def test_the_termly_reports_packs_read_the_figures_it_computed(school_a, school_b, autumn):
    sessions(pupil_at(school_a, "Severe"), school_a, 100, 40)
    sessions(pupil_at(school_b, "Elsewhere"), school_b, 200, 190)
    by_school = measures.compute(autumn, breakdown="school", today=TODAY)

    with CaptureQueriesContext(connection) as queries:
        overall, _, severe = targeting.school_figures(
            school_a, autumn, today=TODAY, la=by_school, by_school=by_school
        )

    assert len(queries) == 0
    assert (overall.school.numerator, overall.school.denominator) == (60, 100)
    assert (overall.la.numerator, overall.la.denominator) == (70, 300)
    assert (severe.school.numerator, severe.la.numerator) == (1, 1)


def test_a_school_with_no_figures_yet_shows_no_rate(school_a, autumn):
    overall, _, _ = targeting.school_figures(school_a, autumn, today=TODAY)

    assert overall.school.percent is None


# The pack -----------------------------------------------------------------------------------------


def test_the_pack_lists_severe_persistent_and_at_risk_pupils_apart(
    client, link_coordinator, school_a, school_b, autumn
):
    figures(pupil_at(school_a, "Severe"), possible=100, attended=40)
    figures(pupil_at(school_a, "Persistent"), possible=100, attended=85)
    figures(
        pupil_at(school_a, "Risky"), possible=100, attended=92, at_risk=True, projected=Decimal(48)
    )
    figures(pupil_at(school_a, "Fine"), possible=100, attended=95)
    figures(pupil_at(school_b, "Elsewhere"), possible=100, attended=20)

    pack = targeting.targeting_pack(school_a, autumn, link_coordinator)

    assert [p.pupil.given_name for p in pack.severe] == ["Severe"]
    assert [p.pupil.given_name for p in pack.persistent] == ["Persistent"]
    assert [p.pupil.given_name for p in pack.at_risk] == ["Risky"]


def test_the_pack_lists_open_cases_with_overdue_reviews_and_no_lead_professional(
    link_coordinator, school_a, autumn
):
    led = CaseFactory(pupil=pupil_at(school_a, "Led"), lead_professional=LeadProfessionalFactory())
    unled = CaseFactory(pupil=pupil_at(school_a, "Unled"))
    CaseFactory(pupil=pupil_at(school_a, "Closed"), status="closed", closed_on=TODAY)
    plan = EarlyHelpPlan.objects.create(
        family_name="the Example family",
        created_by=link_coordinator,
        status="active",
        consent_to_share=True,
        lead_professional=led.lead_professional,
        agreed_on=TODAY - datetime.timedelta(days=43),
    )
    PlanChild.objects.create(plan=plan, pupil=led.pupil, plan_is_active=True)
    no_case = pupil_at(school_a, "Nocase")
    figures(no_case, possible=100, attended=30)

    pack = targeting.targeting_pack(school_a, autumn, link_coordinator)

    assert [row.case for row in pack.cases] == [led, unled]
    assert [row.case for row in pack.review_overdue] == [led]
    assert [(row.pupil, row.case_id) for row in pack.no_lead] == [
        (unled.pupil, unled.pk),
        (no_case, None),
    ]


def test_the_pack_lists_reduced_timetables_running_6_weeks_or_more(
    link_coordinator, school_a, autumn
):
    long = ReducedTimetableFactory(
        pupil=pupil_at(school_a, "Long"),
        started_on=TODAY - datetime.timedelta(days=42),
        parents_agreed_on=TODAY - datetime.timedelta(days=43),
        planned_end_on=TODAY + datetime.timedelta(days=7),
        return_plan="",
    )
    ReducedTimetableFactory(
        pupil=pupil_at(school_a, "Short"),
        started_on=TODAY - datetime.timedelta(days=41),
        parents_agreed_on=TODAY - datetime.timedelta(days=43),
        planned_end_on=TODAY + datetime.timedelta(days=7),
    )

    pack = targeting.targeting_pack(school_a, autumn, link_coordinator)

    assert [(row.timetable, row.days_running, row.is_red) for row in pack.timetables] == [
        (long, 42, True)
    ]


def test_the_pack_page_shows_the_lists_and_is_logged(client, link_coordinator, school_a, autumn):
    severe = pupil_at(school_a, "Chloe", "Specimen")
    figures(severe, possible=100, attended=40)
    client.force_login(link_coordinator)

    response = client.get(pack_url(school_a, autumn))

    assert response.status_code == 200
    assert "Specimen, Chloe" in response.text
    assert "Severely absent pupils (1)" in response.text
    entry = AccessLogEntry.objects.get()
    assert entry.action == AccessLogEntry.Action.VIEW_PUPIL
    assert entry.pupil_ids == [severe.pk]


# Scope --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url_name", ["reports:tsm-pack", "reports:tsm-pack-pdf", "reports:tsm-record"]
)
def test_a_pastoral_lead_at_another_school_finds_no_pack(
    client, other_school_pastoral_lead, school_a, autumn, url_name
):
    client.force_login(other_school_pastoral_lead)

    response = client.get(pack_url(school_a, autumn, url_name))

    assert response.status_code == 404


def test_a_pastoral_lead_at_another_school_finds_no_meeting_or_action(
    client, other_school_pastoral_lead, link_coordinator, school_a, autumn
):
    meeting = meeting_for(school_a, autumn, link_coordinator)
    action = MeetingAction.objects.create(
        meeting=meeting, action="Soft start", owner="Head", due_on=TODAY
    )
    client.force_login(other_school_pastoral_lead)

    assert client.get(meeting.get_absolute_url()).status_code == 404
    assert client.get(reverse("reports:tsm-action-update", args=[action.pk])).status_code == 404


def test_another_schools_link_coordinator_finds_no_pack(client, school_a, school_b, autumn):
    theirs = LinkAssignmentFactory(school=school_b).user
    client.force_login(theirs)

    assert client.get(pack_url(school_a, autumn)).status_code == 404


def test_a_pastoral_lead_reads_their_own_schools_pack_but_cannot_record_the_meeting(
    client, pastoral_lead, school_a, autumn
):
    client.force_login(pastoral_lead)

    assert client.get(pack_url(school_a, autumn)).status_code == 200
    assert client.get(pack_url(school_a, autumn, "reports:tsm-record")).status_code == 403


def test_a_manager_reads_every_pack_but_records_nothing(
    client, manager, link_coordinator, school_b, autumn
):
    meeting = meeting_for(school_b, autumn, link_coordinator)
    client.force_login(manager)

    assert client.get(pack_url(school_b, autumn)).status_code == 200
    assert client.get(pack_url(school_b, autumn, "reports:tsm-record")).status_code == 403
    add = reverse("reports:tsm-action-add", args=[meeting.pk])
    assert client.post(add, {"for_whom": "school"}).status_code == 403


def test_the_pdf_never_names_another_schools_pupil(
    client, administrator, link_coordinator, school_a, school_b, summer, autumn, tmp_path
):
    figures(pupil_at(school_a, "Chloe", "Specimen"), possible=100, attended=40)
    figures(pupil_at(school_b, "Otto", "Otherschool"), possible=100, attended=40)
    CaseFactory(pupil=pupil_at(school_b, "Olga", "Otherschool"))
    # A pupil who was at school A when the last meeting agreed an action, and has since moved.
    moved = pupil_at(school_a, "Mo", "Movedaway")
    Enrolment.objects.filter(pupil=moved).update(ended_on=datetime.date(2025, 10, 31))
    Enrolment.objects.create(pupil=moved, school=school_b, started_on=datetime.date(2025, 11, 3))
    moved.current_school = school_b
    moved.save()
    MeetingAction.objects.create(
        meeting=meeting_for(school_a, summer, link_coordinator),
        pupil=moved,
        action="Secret plan for Mo",
        owner="Head",
        due_on=datetime.date(2025, 7, 20),
    )
    client.force_login(administrator)

    words, _ = pdf_text(client, pack_url(school_a, autumn, "reports:tsm-pack-pdf"), tmp_path)

    assert "Chloe Specimen" in words
    assert "Otherschool" not in words
    assert "Movedaway" not in words
    assert "Secret plan" not in words
    assert "Not shown: 1 action for pupils who are no longer at this school." in words


def test_the_pdf_is_marked_paged_and_holds_each_section(
    client, link_coordinator, school_a, summer, autumn, tmp_path
):
    figures(pupil_at(school_a, "Chloe", "Specimen"), possible=100, attended=40)
    figures(pupil_at(school_a, "Ben", "Sample"), possible=100, attended=80)
    last = meeting_for(school_a, summer, link_coordinator)
    MeetingAction.objects.create(
        meeting=last, action="Letters home for every PA pupil", owner="Head", due_on=TODAY
    )
    this_term = meeting_for(school_a, autumn, link_coordinator)
    MeetingAction.objects.create(
        meeting=this_term, action="First-day calls", owner="Ali Attend", due_on=TODAY
    )
    client.force_login(link_coordinator)

    words, text = pdf_text(client, pack_url(school_a, autumn, "reports:tsm-pack-pdf"), tmp_path)

    assert text.count("OFFICIAL-SENSITIVE") >= 2
    assert "Page 1 of" in text
    assert "Targeting support meeting pack" in words
    assert "Amberfield Primary School, Autumn term 2025/26" in words
    for heading in (
        "1. The school’s figures against the LA’s",
        "2. Severely absent pupils (1)",
        "3. Persistently absent pupils (1)",
        "4. Pupils at risk of severe absence (0)",
        "5. Open cases (0)",
        "6. Reduced timetables over 6 weeks (0)",
        "7. Plan reviews overdue (0)",
        "8. Pupils with no lead professional (1)",
        "9. Actions from earlier meetings (1)",
        "10. Actions agreed at this term’s meeting (1)",
    ):
        assert heading in words
    assert "Chloe Specimen" in words
    assert "Ben Sample" in words
    assert "Letters home for every PA pupil" in words
    assert "First-day calls" in words
    assert "Held on Tuesday 23 September 2025" in words


def test_the_pdf_download_is_logged_and_never_cached(client, link_coordinator, school_a, autumn):
    pupil = pupil_at(school_a)
    figures(pupil, possible=100, attended=40)
    client.force_login(link_coordinator)

    response = client.get(pack_url(school_a, autumn, "reports:tsm-pack-pdf"))

    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'attachment; filename="targeting-pack-{school_a.urn}-2025-26-autumn.pdf"'
    )
    assert "no-store" in response["Cache-Control"]
    entry = AccessLogEntry.objects.get()
    assert entry.action == AccessLogEntry.Action.DOWNLOAD
    assert entry.pupil_ids == [pupil.pk]


# Actions carry over to the next pack --------------------------------------------------------------


def test_the_next_terms_pack_shows_the_last_meetings_actions_with_their_status(
    client, link_coordinator, school_a, summer, autumn, spring
):
    pupil = pupil_at(school_a, "Chloe", "Specimen")
    older = meeting_for(school_a, summer, link_coordinator)
    still_open = MeetingAction.objects.create(
        meeting=older, action="Older, still open", owner="Head", due_on=TODAY
    )
    MeetingAction.objects.create(
        meeting=older, action="Older, done", owner="Head", due_on=TODAY, status="done"
    )
    last = meeting_for(school_a, autumn, link_coordinator)
    done = MeetingAction.objects.create(
        meeting=last,
        pupil=pupil,
        action="Soft start",
        owner="SENCo",
        due_on=TODAY,
        status="done",
        completed_on=TODAY,
    )
    dropped = MeetingAction.objects.create(
        meeting=last, action="Assembly", owner="Head", due_on=TODAY, status="dropped"
    )
    client.force_login(link_coordinator)

    pack = targeting.targeting_pack(school_a, spring, link_coordinator)
    page = client.get(pack_url(school_a, spring)).text

    assert pack.actions == [done, dropped, still_open]
    assert "Older, done" not in page
    assert "Done</strong> 20 Nov 2025" in page
    assert "No longer needed" in page
    assert "Open: overdue" not in page  # due today: not overdue yet


def test_this_terms_pack_does_not_carry_this_terms_actions_as_earlier_ones(
    link_coordinator, school_a, autumn
):
    meeting = meeting_for(school_a, autumn, link_coordinator)
    MeetingAction.objects.create(meeting=meeting, action="Now", owner="Head", due_on=TODAY)

    pack = targeting.targeting_pack(school_a, autumn, link_coordinator)

    assert pack.actions == []
    assert pack.meeting == meeting


def test_a_pastoral_lead_does_not_see_an_action_for_a_pupil_who_left(
    client, pastoral_lead, link_coordinator, school_a, school_b, summer, autumn
):
    moved = pupil_at(school_a, "Mo", "Movedaway")
    MeetingAction.objects.create(
        meeting=meeting_for(school_a, summer, link_coordinator),
        pupil=moved,
        action="About Mo",
        owner="Head",
        due_on=TODAY,
    )
    Enrolment.objects.filter(pupil=moved).update(ended_on=datetime.date(2025, 10, 31))
    moved.current_school = school_b
    moved.save()
    client.force_login(pastoral_lead)

    page = client.get(pack_url(school_a, autumn)).text

    assert "About Mo" not in page
    assert "Movedaway" not in page


# The list of schools ------------------------------------------------------------------------------


def test_a_link_coordinator_sees_which_of_their_schools_have_had_this_terms_meeting(
    client, link_coordinator, school_a, school_b, autumn
):
    school_c = SchoolFactory(name="Cedar Park School")
    LinkAssignmentFactory(school=school_c, user=link_coordinator)
    meeting_for(school_a, autumn, link_coordinator, held_on=datetime.date(2025, 10, 8))
    meeting_for(school_b, autumn, link_coordinator)
    client.force_login(link_coordinator)

    page = client.get(reverse("reports:tsm-list")).text

    assert "1 of 2 schools have had this term’s meeting." in page
    assert "Birchwood" not in page
    amberfield = page[page.index("Amberfield Primary School</th>") :]
    assert "Held" in amberfield[:400]
    assert "8 October 2025" in amberfield[:600]
    cedar = page[page.index("Cedar Park School</th>") :]
    assert "Not held yet" in cedar[:200]
    assert page.index("Cedar Park School") < page.index("Amberfield Primary School")


def test_the_list_shows_the_chosen_term(client, link_coordinator, school_a, summer, autumn):
    meeting_for(school_a, summer, link_coordinator)
    client.force_login(link_coordinator)

    this_term = client.get(reverse("reports:tsm-list")).text
    last_term = client.get(reverse("reports:tsm-list"), {"term": summer.pk}).text

    assert "0 of 1 school has had this term’s meeting." in this_term
    assert "1 of 1 school has had this term’s meeting." in last_term


def test_a_pastoral_lead_sees_only_their_own_school_in_the_list(
    client, pastoral_lead, school_a, school_b, autumn
):
    client.force_login(pastoral_lead)

    page = client.get(reverse("reports:tsm-list")).text

    assert "Amberfield Primary School" in page
    assert "Birchwood" not in page
    assert "Record the meeting" not in page


# Recording the meeting ----------------------------------------------------------------------------


def _record(client, school, term, **data):
    fields = {"held_on": "18/11/2025", "attendees": "Sam Senco (SENCo)", "notes": ""}
    fields.update(data)
    return client.post(pack_url(school, term, "reports:tsm-record"), fields)


def test_recording_the_meeting_then_asks_for_its_actions(
    client, link_coordinator, school_a, autumn
):
    client.force_login(link_coordinator)

    response = _record(client, school_a, autumn, notes="Attendance falling in year 9")

    meeting = TargetingMeeting.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("reports:tsm-action-add", args=[meeting.pk])
    assert (meeting.school, meeting.term, meeting.held_on) == (
        school_a,
        autumn,
        datetime.date(2025, 11, 18),
    )
    assert meeting.recorded_by == link_coordinator
    assert meeting.notes == "Attendance falling in year 9"


@pytest.mark.parametrize(
    ("held_on", "message"),
    [
        ("21/11/2025", "The date of the meeting cannot be in the future."),
        ("20/07/2025", "The date of the meeting must be in the Autumn term 2025/26"),
    ],
)
def test_a_meeting_outside_the_term_or_in_the_future_is_refused(
    client, link_coordinator, school_a, autumn, held_on, message
):
    client.force_login(link_coordinator)

    response = _record(client, school_a, autumn, held_on=held_on)

    assert response.status_code == 200
    assert message in response.text
    assert not TargetingMeeting.objects.exists()


def test_the_record_page_changes_a_meeting_already_recorded(
    client, link_coordinator, school_a, autumn
):
    meeting = meeting_for(school_a, autumn, link_coordinator)
    client.force_login(link_coordinator)

    page = client.get(pack_url(school_a, autumn, "reports:tsm-record")).text
    response = _record(client, school_a, autumn, attendees="Sam Senco", seen_version=1)

    assert "Change the targeting support meeting" in page
    assert response["Location"] == meeting.get_absolute_url()
    meeting.refresh_from_db()
    assert (meeting.attendees, meeting.version) == ("Sam Senco", 2)


def test_a_stale_change_to_the_meeting_is_refused(client, link_coordinator, school_a, autumn):
    meeting = meeting_for(school_a, autumn, link_coordinator)
    client.force_login(link_coordinator)
    _record(client, school_a, autumn, attendees="First change", seen_version=1)

    response = _record(client, school_a, autumn, attendees="Second change", seen_version=1)

    assert response.status_code == 200
    assert "changed by someone else after you opened it" in response.text
    assert "What is saved now" in response.text
    meeting.refresh_from_db()
    assert (meeting.attendees, meeting.version) == ("First change", 2)


# Actions ------------------------------------------------------------------------------------------


def _add_action(client, meeting, button="another", **data):
    fields = {
        "for_whom": "school",
        "action": "Letters home",
        "owner": "Ali Attend (attendance lead)",
        "due_on": "19/12/2025",
        button: "",
    }
    fields.update(data)
    return client.post(reverse("reports:tsm-action-add", args=[meeting.pk]), fields)


def test_save_and_add_another_comes_back_for_the_next_action(
    client, link_coordinator, school_a, autumn
):
    meeting = meeting_for(school_a, autumn, link_coordinator)
    client.force_login(link_coordinator)

    again = _add_action(client, meeting, action="First")
    finished = _add_action(client, meeting, button="finish", action="Second")

    assert again["Location"] == reverse("reports:tsm-action-add", args=[meeting.pk])
    assert finished["Location"] == meeting.get_absolute_url()
    assert [a.action for a in meeting.actions.order_by("pk")] == ["First", "Second"]
    assert all(a.pupil is None and a.status == "open" for a in meeting.actions.all())


def test_a_pupils_action_goes_on_their_case_timeline(client, link_coordinator, school_a, autumn):
    meeting = meeting_for(school_a, autumn, link_coordinator, held_on=datetime.date(2025, 11, 18))
    case = CaseFactory(pupil=pupil_at(school_a, "Chloe", "Specimen"))
    client.force_login(link_coordinator)

    _add_action(client, meeting, for_whom=str(case.pupil_id), action="Soft start from Monday")

    action = MeetingAction.objects.get()
    assert action.pupil == case.pupil
    entry = case.timeline.get(kind=TimelineEntry.Kind.ACTION)
    assert entry.summary == "Targeting support meeting action: Soft start from Monday"
    assert entry.occurred_on == datetime.date(2025, 11, 18)
    assert "Ali Attend (attendance lead)" in entry.detail
    assert "Soft start from Monday" in client.get(case.get_absolute_url()).text


def test_an_action_cannot_name_a_pupil_at_another_school(
    client, link_coordinator, school_a, school_b, autumn
):
    meeting = meeting_for(school_a, autumn, link_coordinator)
    elsewhere = CaseFactory(pupil=pupil_at(school_b, "Otto", "Otherschool"))
    client.force_login(link_coordinator)

    response = _add_action(client, meeting, for_whom=str(elsewhere.pupil_id))

    assert response.status_code == 200
    assert "Select a valid choice" in response.text
    assert not MeetingAction.objects.exists()


def test_an_action_cannot_be_due_before_the_meeting(client, link_coordinator, school_a, autumn):
    meeting = meeting_for(school_a, autumn, link_coordinator, held_on=datetime.date(2025, 11, 18))
    client.force_login(link_coordinator)

    response = _add_action(client, meeting, due_on="17/11/2025")

    assert "The action cannot be due before the meeting." in response.text
    assert not MeetingAction.objects.exists()


def test_marking_a_pupils_action_done_notes_it_on_their_case(
    client, link_coordinator, school_a, autumn
):
    meeting = meeting_for(school_a, autumn, link_coordinator, held_on=datetime.date(2025, 11, 3))
    case = CaseFactory(pupil=pupil_at(school_a))
    action = MeetingAction.objects.create(
        meeting=meeting, pupil=case.pupil, action="Soft start", owner="SENCo", due_on=TODAY
    )
    client.force_login(link_coordinator)

    response = client.post(
        reverse("reports:tsm-action-update", args=[action.pk]),
        {"status": "done", "completed_on": "19/11/2025", "seen_status": "open"},
    )

    assert response["Location"] == meeting.get_absolute_url()
    action.refresh_from_db()
    assert (action.status, action.completed_on) == ("done", datetime.date(2025, 11, 19))
    assert case.timeline.get(kind=TimelineEntry.Kind.ACTION_DONE).occurred_on == action.completed_on


def test_a_stale_update_to_an_action_is_refused(client, link_coordinator, school_a, autumn):
    meeting = meeting_for(school_a, autumn, link_coordinator)
    action = MeetingAction.objects.create(
        meeting=meeting, action="Assembly", owner="Head", due_on=TODAY, status="dropped"
    )
    client.force_login(link_coordinator)

    response = client.post(
        reverse("reports:tsm-action-update", args=[action.pk]),
        {"status": "done", "completed_on": "19/11/2025", "seen_status": "open"},
    )

    assert response.status_code == 200
    assert "changed by someone else after you opened it" in response.text
    action.refresh_from_db()
    assert action.status == "dropped"


def test_an_update_returns_to_the_pack_it_came_from(client, link_coordinator, school_a, autumn):
    action = MeetingAction.objects.create(
        meeting=meeting_for(school_a, autumn, link_coordinator),
        action="Assembly",
        owner="Head",
        due_on=TODAY,
    )
    client.force_login(link_coordinator)
    url = reverse("reports:tsm-action-update", args=[action.pk])

    back = client.post(
        f"{url}?next={pack_url(school_a, autumn)}", {"status": "dropped", "seen_status": "open"}
    )
    elsewhere = client.post(
        f"{url}?next=https://example.com/", {"status": "open", "seen_status": "dropped"}
    )

    assert back["Location"] == pack_url(school_a, autumn)
    assert elsewhere["Location"] == action.meeting.get_absolute_url()


# Query counts -------------------------------------------------------------------------------------


def _queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def _a_pupil_in_every_list(school, meeting, n):
    pupil = pupil_at(school, f"Pupil{n}")
    figures(pupil, possible=100, attended=40 if n % 2 else 80, at_risk=not n % 2)
    case = CaseFactory(pupil=pupil, lead_professional=LeadProfessionalFactory() if n % 3 else None)
    ReducedTimetableFactory(
        pupil=pupil,
        started_on=TODAY - datetime.timedelta(days=50),
        parents_agreed_on=TODAY - datetime.timedelta(days=51),
        planned_end_on=TODAY - datetime.timedelta(days=1),
        return_plan="" if n % 2 else "One more session a week",
    )
    MeetingAction.objects.create(
        meeting=meeting, pupil=case.pupil, action=f"Action {n}", owner="Head", due_on=TODAY
    )


@pytest.mark.parametrize("url_name", ["reports:tsm-pack", "reports:tsm-pack-pdf"])
def test_the_pack_runs_the_same_queries_for_1_and_12_pupils(
    client, link_coordinator, school_a, summer, autumn, url_name, django_assert_max_num_queries
):
    last = meeting_for(school_a, summer, link_coordinator)
    client.force_login(link_coordinator)
    url = pack_url(school_a, autumn, url_name)
    _a_pupil_in_every_list(school_a, last, 0)
    _queries(client, url)
    with_1 = _queries(client, url)
    for n in range(1, 12):
        _a_pupil_in_every_list(school_a, last, n)

    pack = targeting.targeting_pack(school_a, autumn, link_coordinator)
    assert len(pack.timetables) == len(pack.cases) == len(pack.actions) == 12
    with django_assert_max_num_queries(with_1):
        client.get(url)


def test_the_list_runs_the_same_queries_for_1_and_12_schools(
    client, link_coordinator, school_a, autumn, django_assert_max_num_queries
):
    client.force_login(link_coordinator)
    url = reverse("reports:tsm-list")
    _queries(client, url)
    with_1 = _queries(client, url)
    for n in range(11):
        school = SchoolFactory()
        LinkAssignmentFactory(school=school, user=link_coordinator)
        if n % 2:
            meeting_for(school, autumn, link_coordinator)

    with django_assert_max_num_queries(with_1):
        client.get(url)
