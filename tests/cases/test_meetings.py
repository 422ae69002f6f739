"""The fortnightly tracking meeting: its six sections, decisions, scope and the PDF record."""

import datetime
import os
import re
import shutil
import subprocess

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.models import AccessLogEntry
from cases import services
from cases.link_call_selectors import meeting_agenda
from cases.models import MeetingDecision, TimelineEntry, TrackingMeeting
from early_help_plans.models import EarlyHelpPlan, PlanChild
from tests.cases.test_link_calls import severely_absent
from tests.factories import (
    CaseFactory,
    LeadProfessionalFactory,
    LinkAssignmentFactory,
    OtherPlanFactory,
    PupilFactory,
    ReducedTimetableFactory,
    TrackingMeetingFactory,
)

pytestmark = pytest.mark.django_db

HELD_ON = datetime.date(2025, 10, 1)
SINCE = datetime.date(2025, 9, 17)


@pytest.fixture(autouse=True)
def _on_1_october_2025():
    with time_machine.travel("2025-10-01 15:00 +01:00", tick=False):
        yield


@pytest.fixture
def meeting(link_coordinator, school_a):
    meeting = TrackingMeetingFactory(held_on=HELD_ON, since=SINCE, chaired_by=link_coordinator)
    meeting.schools.add(school_a)
    return meeting


def pupil_at(school, name="Amira"):
    return PupilFactory(current_school=school, given_name=name)


def covered_case(school, name="Amira", **fields):
    """An open case with a lead professional and a plan: on no list unless a test says so."""
    fields.setdefault("lead_professional", LeadProfessionalFactory())
    case = CaseFactory(pupil=pupil_at(school, name), **fields)
    OtherPlanFactory(case=case, started_on=datetime.date(2025, 9, 1))
    return case


def section(agenda, slug):
    (found,) = [s for s in agenda.sections if s.slug == slug]
    return found


def names(agenda, slug):
    return [row.item.pupil.given_name for row in section(agenda, slug).rows]


# The six sections -----------------------------------------------------------------------------


def test_new_severely_absent_pupils_are_those_who_crossed_since_the_last_meeting(
    meeting, link_coordinator, school_a, school_b
):
    severely_absent(pupil_at(school_a, "New"), crossed_on=SINCE)
    severely_absent(pupil_at(school_a, "Old"), crossed_on=SINCE - datetime.timedelta(days=1))
    severely_absent(pupil_at(school_b, "Elsewhere"), crossed_on=SINCE)
    with_case = pupil_at(school_a, "Cased")
    severely_absent(with_case, crossed_on=datetime.date(2025, 9, 26))
    case = CaseFactory(pupil=with_case)

    agenda = meeting_agenda(meeting, link_coordinator)

    rows = section(agenda, "new-severely-absent").rows
    assert [r.item.pupil.given_name for r in rows] == ["New", "Cased"]
    assert [r.case_id for r in rows] == [None, case.pk]


def test_cases_whose_rag_changed_since_the_last_meeting_are_listed(
    meeting, link_coordinator, school_a
):
    changed = covered_case(school_a, "Changed", rag="amber")
    services.change_rag(
        case=changed, rag="red", reason="No contact", by=link_coordinator, seen_version=1
    )
    earlier = covered_case(school_a, "Earlier")
    TimelineEntry.objects.create(
        case=earlier,
        kind=TimelineEntry.Kind.RAG,
        occurred_on=SINCE - datetime.timedelta(days=1),
        by=link_coordinator,
        summary="RAG rating changed from Amber to Red",
    )

    agenda = meeting_agenda(meeting, link_coordinator)

    (row,) = section(agenda, "rag-changed").rows
    assert row.item.pupil.given_name == "Changed"
    assert row.item.rag_change == "RAG rating changed from Amber to Red"


def test_open_cases_with_no_lead_professional_are_listed(meeting, link_coordinator, school_a):
    covered_case(school_a, "Led")
    covered_case(school_a, "Leaderless", lead_professional=None)
    covered_case(
        school_a,
        "Closed",
        lead_professional=None,
        status="closed",
        closed_on=datetime.date(2025, 9, 30),
    )

    assert names(meeting_agenda(meeting, link_coordinator), "no-lead-professional") == [
        "Leaderless"
    ]


def test_open_cases_with_no_current_plan_are_listed(meeting, link_coordinator, school_a):
    covered_case(school_a, "Planned")
    CaseFactory(pupil=pupil_at(school_a, "Planless"), lead_professional=LeadProfessionalFactory())
    ended = CaseFactory(
        pupil=pupil_at(school_a, "Ended"), lead_professional=LeadProfessionalFactory()
    )
    OtherPlanFactory(
        case=ended, started_on=datetime.date(2025, 6, 1), ended_on=datetime.date(2025, 9, 30)
    )

    assert sorted(names(meeting_agenda(meeting, link_coordinator), "no-plan")) == [
        "Ended",
        "Planless",
    ]


def test_reduced_timetables_past_their_planned_end_are_listed(meeting, link_coordinator, school_a):
    late = ReducedTimetableFactory(
        pupil=pupil_at(school_a, "Late"), planned_end_on=datetime.date(2025, 9, 30)
    )
    ReducedTimetableFactory(
        pupil=pupil_at(school_a, "Ontime"), planned_end_on=datetime.date(2025, 10, 1)
    )
    ReducedTimetableFactory(
        pupil=pupil_at(school_a, "Ended"),
        planned_end_on=datetime.date(2025, 9, 19),
        ended_on=datetime.date(2025, 9, 19),
    )
    case = covered_case(school_a, "Cased")
    cased = ReducedTimetableFactory(pupil=case.pupil, planned_end_on=datetime.date(2025, 9, 26))

    rows = section(meeting_agenda(meeting, link_coordinator), "past-planned-end").rows

    assert {(r.item.pk, r.case_id) for r in rows} == {(late.pk, None), (cased.pk, case.pk)}


def test_reduced_timetables_running_42_days_or_more_are_listed_and_red_without_a_return_plan(
    meeting, link_coordinator, school_a
):
    ReducedTimetableFactory(
        pupil=pupil_at(school_a, "Fortytwo"),
        started_on=HELD_ON - datetime.timedelta(days=42),
        parents_agreed_on=datetime.date(2025, 8, 1),
        planned_end_on=datetime.date(2025, 12, 19),
        return_plan="",
    )
    ReducedTimetableFactory(
        pupil=pupil_at(school_a, "Planned"),
        started_on=HELD_ON - datetime.timedelta(days=60),
        parents_agreed_on=datetime.date(2025, 7, 1),
        planned_end_on=datetime.date(2025, 12, 19),
    )
    ReducedTimetableFactory(
        pupil=pupil_at(school_a, "Fortyone"),
        started_on=HELD_ON - datetime.timedelta(days=41),
        planned_end_on=datetime.date(2025, 12, 19),
        return_plan="",
    )

    rows = section(meeting_agenda(meeting, link_coordinator), "over-six-weeks").rows

    assert [(r.item.pupil.given_name, r.days_running, r.is_red) for r in rows] == [
        ("Planned", 60, False),
        ("Fortytwo", 42, True),
    ]


def test_the_meeting_shows_only_what_the_viewer_may_see(link_coordinator, school_a, school_b):
    meeting = TrackingMeetingFactory(held_on=HELD_ON, since=SINCE)
    meeting.schools.add(school_a, school_b)
    covered_case(school_a, "Mine", lead_professional=None)
    covered_case(school_b, "Theirs", lead_professional=None)

    agenda = meeting_agenda(meeting, link_coordinator)

    assert agenda.schools == [school_a]
    assert names(agenda, "no-lead-professional") == ["Mine"]


def test_the_meeting_leaves_out_schools_it_did_not_cover(meeting, administrator, school_b):
    covered_case(school_b, "Uncovered", lead_professional=None)

    assert names(meeting_agenda(meeting, administrator), "no-lead-professional") == []


# Decisions -------------------------------------------------------------------------------------


def _decide(client, meeting, case, decision="Refer to the MASH", action="", section="no-plan"):
    prefix = f"{section}-{case.pk}"
    return client.post(
        reverse("cases:meeting-decision", args=[meeting.pk]),
        {
            "case": case.pk,
            "section": section,
            f"{prefix}-decision": decision,
            f"{prefix}-action": action,
        },
    )


def test_a_decision_lands_in_the_cases_timeline(client, meeting, link_coordinator, school_a):
    case = CaseFactory(pupil=pupil_at(school_a))
    client.force_login(link_coordinator)

    response = _decide(client, meeting, case, action="Lin to call the social worker by Friday")

    assert response.status_code == 302
    assert response["Location"] == f"{meeting.get_absolute_url()}#no-plan"
    entry = case.timeline.get(kind=TimelineEntry.Kind.MEETING)
    assert entry.occurred_on == HELD_ON
    assert entry.summary == "Tracking meeting: Refer to the MASH"
    assert entry.detail == "Refer to the MASH\nAction: Lin to call the social worker by Friday"


def test_a_recorded_decision_shows_in_place(client, meeting, link_coordinator, school_a):
    case = CaseFactory(pupil=pupil_at(school_a))
    client.force_login(link_coordinator)
    _decide(client, meeting, case, action="Lin to call the social worker")

    page = client.get(meeting.get_absolute_url()).text

    no_plan = page.split('id="no-plan"')[1].split("</table>")[0]
    assert "Refer to the MASH" in no_plan
    assert "Lin to call the social worker" in no_plan
    assert "Change the decision" in no_plan


def test_recording_again_changes_the_decision(client, meeting, link_coordinator, school_a):
    case = CaseFactory(pupil=pupil_at(school_a))
    client.force_login(link_coordinator)
    _decide(client, meeting, case, decision="Wait for the review")

    _decide(client, meeting, case, decision="Step up to social care")

    assert MeetingDecision.objects.get().decision == "Step up to social care"


def test_a_blank_decision_is_refused_with_an_error(client, meeting, link_coordinator, school_a):
    case = CaseFactory(pupil=pupil_at(school_a))
    client.force_login(link_coordinator)

    response = _decide(client, meeting, case, decision="  ")

    assert response.status_code == 200
    assert "govuk-error-summary" in response.text
    assert f'href="#id_no-plan-{case.pk}-decision">Enter the decision' in response.text
    assert response.text.count("govuk-form-group--error") == 1
    assert not MeetingDecision.objects.exists()


def test_a_manager_cannot_record_a_decision(client, meeting, manager, school_a):
    case = CaseFactory(pupil=pupil_at(school_a))
    client.force_login(manager)

    assert _decide(client, meeting, case).status_code == 403
    assert not MeetingDecision.objects.exists()


def test_a_case_outside_the_meetings_schools_is_not_found(client, meeting, administrator, school_b):
    case = CaseFactory(pupil=pupil_at(school_b))
    client.force_login(administrator)

    assert _decide(client, meeting, case).status_code == 404
    assert not MeetingDecision.objects.exists()


def test_another_schools_link_coordinator_finds_no_meeting(client, meeting, school_a, school_b):
    case = CaseFactory(pupil=pupil_at(school_a))
    client.force_login(LinkAssignmentFactory(school=school_b).user)

    assert client.get(meeting.get_absolute_url()).status_code == 404
    assert client.get(reverse("cases:meeting-pdf", args=[meeting.pk])).status_code == 404
    assert _decide(client, meeting, case).status_code == 404
    assert client.get(reverse("cases:meeting-list")).text.count(meeting.get_absolute_url()) == 0


# Starting a meeting ----------------------------------------------------------------------------


def test_changes_since_defaults_to_14_days_ago_for_a_first_meeting(client, link_coordinator):
    client.force_login(link_coordinator)

    page = client.get(reverse("cases:meeting-create")).text

    assert 'name="since" value="17/09/2025"' in page


def test_changes_since_defaults_to_the_previous_meetings_date(client, meeting, link_coordinator):
    with time_machine.travel("2025-10-15 09:00 +01:00", tick=False):
        client.force_login(link_coordinator)
        page = client.get(reverse("cases:meeting-create")).text

    assert 'name="since" value="01/10/2025"' in page


def test_starting_a_meeting_covers_the_chosen_schools(client, link_coordinator, school_a, school_b):
    second = LinkAssignmentFactory(user=link_coordinator, school__name="Second School").school
    client.force_login(link_coordinator)

    page = client.get(reverse("cases:meeting-create")).text
    response = client.post(
        reverse("cases:meeting-create"),
        {"held_on": "01/10/2025", "since": "17/09/2025", "schools": [school_a.pk]},
    )

    assert "Second School" in page
    assert school_b.name not in page
    assert page.count('checked="checked"') == 2
    meeting = TrackingMeeting.objects.get()
    assert response["Location"] == meeting.get_absolute_url()
    assert list(meeting.schools.all()) == [school_a]
    assert second not in meeting.schools.all()


def test_a_meeting_cannot_cover_another_link_coordinators_school(
    client, link_coordinator, school_b
):
    client.force_login(link_coordinator)

    response = client.post(
        reverse("cases:meeting-create"),
        {"held_on": "01/10/2025", "since": "17/09/2025", "schools": [school_b.pk]},
    )

    assert response.status_code == 200
    assert "Select a valid choice" in response.text
    assert not TrackingMeeting.objects.exists()


def test_changes_since_cannot_be_after_the_meeting(client, link_coordinator, school_a):
    client.force_login(link_coordinator)

    response = client.post(
        reverse("cases:meeting-create"),
        {"held_on": "01/10/2025", "since": "02/10/2025", "schools": [school_a.pk]},
    )

    assert "must be on or before the meeting date" in response.text
    assert not TrackingMeeting.objects.exists()


# The record as a PDF --------------------------------------------------------------------------


def _meeting_with_a_decision(meeting, link_coordinator, school_a):
    case = CaseFactory(
        pupil=PupilFactory(current_school=school_a, given_name="Amira", family_name="Example")
    )
    services.record_decision(
        meeting=meeting,
        case=case,
        decision="Refer to the MASH",
        action="Lin to send the inter-agency form",
        by=link_coordinator,
    )
    return case


def test_the_pdf_is_a_download_that_no_cache_keeps_and_is_logged(
    client, meeting, link_coordinator, school_a
):
    case = _meeting_with_a_decision(meeting, link_coordinator, school_a)
    client.force_login(link_coordinator)

    response = client.get(reverse("cases:meeting-pdf", args=[meeting.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert (
        response["Content-Disposition"] == 'attachment; filename="tracking-meeting-2025-10-01.pdf"'
    )
    assert "no-store" in response["Cache-Control"]
    assert response.content.startswith(b"%PDF")
    entry = AccessLogEntry.objects.get()
    assert entry.action == AccessLogEntry.Action.DOWNLOAD
    assert entry.user == link_coordinator
    assert entry.pupil_ids == [case.pupil_id]
    assert entry.description == "Downloaded the tracking meeting record (PDF)"


PDFTOTEXT = "pdftotext"  # poppler-utils: make test installs it


def test_the_pdf_holds_the_marking_the_sections_and_the_decisions(
    client, meeting, link_coordinator, school_a, tmp_path
):
    _meeting_with_a_decision(meeting, link_coordinator, school_a)
    client.force_login(link_coordinator)
    pdf = tmp_path / "meeting.pdf"
    pdf.write_bytes(client.get(reverse("cases:meeting-pdf", args=[meeting.pk])).content)
    if os.environ.get("KEEP_TEST_PDFS"):  # to look at the pages: pdftoppm -png FILE out
        shutil.copy(pdf, os.environ["KEEP_TEST_PDFS"])

    text = subprocess.run(  # noqa: S603 - a fixed program on a file the test wrote
        [PDFTOTEXT, "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    words = " ".join(text.split())  # a long line wraps in the PDF

    assert text.count("OFFICIAL-SENSITIVE") >= 2
    assert re.search(r"Page 1 of \d", text)
    assert "Vulnerable Tracking Oversight meeting, 1 October 2025" in words
    for heading in (
        "1. New severely absent pupils",
        "2. Cases whose RAG rating changed",
        "3. Cases with no lead professional",
        "4. Cases with no plan",
        "5. Reduced timetables past their planned end",
        "6. Reduced timetables running 6 weeks or more",
    ):
        assert heading in words
    assert "Amberfield Primary School" in words
    assert "Amira Example" in words
    assert "Refer to the MASH" in words
    assert "Lin to send the inter-agency form" in words


def test_the_pdf_names_no_pupil_the_viewer_cannot_see(
    client, link_coordinator, school_a, school_b, administrator
):
    meeting = TrackingMeetingFactory(held_on=HELD_ON, since=SINCE, chaired_by=administrator)
    meeting.schools.add(school_a, school_b)
    theirs = CaseFactory(pupil=PupilFactory(current_school=school_b, family_name="Otherschool"))
    services.record_decision(
        meeting=meeting, case=theirs, decision="Secret", action="", by=administrator
    )
    client.force_login(link_coordinator)

    client.get(reverse("cases:meeting-pdf", args=[meeting.pk]))
    page = client.get(meeting.get_absolute_url()).text

    assert theirs.pupil_id not in AccessLogEntry.objects.get().pupil_ids
    assert "Otherschool" not in page
    assert "Secret" not in page


# Query counts ----------------------------------------------------------------------------------


def _queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def _a_case_in_every_section(school, link_coordinator, n):
    pupil = PupilFactory(current_school=school)
    severely_absent(pupil, crossed_on=datetime.date(2025, 9, 26))
    case = CaseFactory(pupil=pupil)
    services.change_rag(
        case=case, rag="amber", reason="Better", by=link_coordinator, seen_version=1
    )
    ReducedTimetableFactory(
        pupil=pupil,
        started_on=datetime.date(2025, 8, 1),
        parents_agreed_on=datetime.date(2025, 7, 30),
        planned_end_on=datetime.date(2025, 9, 19),
        return_plan="" if n % 2 else "Add a session a week",
    )
    if n % 3 == 0:
        services.record_decision(
            meeting=TrackingMeeting.objects.get(),
            case=case,
            decision=f"Decision {n}",
            action="",
            by=link_coordinator,
        )


@pytest.mark.parametrize("url_name", ["cases:meeting-detail", "cases:meeting-pdf"])
def test_the_meeting_runs_the_same_queries_for_1_and_10_cases(
    client, meeting, link_coordinator, school_a, url_name
):
    client.force_login(link_coordinator)
    url = reverse(url_name, args=[meeting.pk])
    _a_case_in_every_section(school_a, link_coordinator, 0)
    _queries(client, url)
    with_1 = _queries(client, url)
    for n in range(1, 10):
        _a_case_in_every_section(school_a, link_coordinator, n)

    agenda = meeting_agenda(meeting, link_coordinator)
    # Section 7 needs an agreed plan, which would take the case out of section 4: tested apart.
    filled = {"no-lead-professional", "plan-review-overdue"}
    assert all(len(s.rows) == 10 for s in agenda.sections if s.slug not in filled)
    assert _queries(client, url) == with_1


def test_the_meeting_list_runs_the_same_queries_for_1_and_10_meetings(
    client, meeting, link_coordinator, school_a
):
    client.force_login(link_coordinator)
    url = reverse("cases:meeting-list")
    _queries(client, url)
    with_1 = _queries(client, url)
    for n in range(9):
        other = TrackingMeetingFactory(held_on=SINCE - datetime.timedelta(days=14 * n))
        other.schools.add(school_a)

    assert _queries(client, url) == with_1


def test_a_case_whose_family_plan_review_is_overdue_is_on_the_agenda(
    meeting, link_coordinator, school_a
):
    overdue = CaseFactory(pupil=PupilFactory(current_school=school_a))
    plan = EarlyHelpPlan.objects.create(
        family_name="the Overdue family",
        created_by=link_coordinator,
        status="active",
        consent_to_share=True,
        lead_professional=LeadProfessionalFactory(),
        agreed_on=meeting.held_on - datetime.timedelta(days=43),
    )
    PlanChild.objects.create(plan=plan, pupil=overdue.pupil, plan_is_active=True)

    agenda = meeting_agenda(meeting, link_coordinator)

    section = next(s for s in agenda.sections if s.slug == "plan-review-overdue")
    assert [row.case_id for row in section.rows] == [overdue.pk]
