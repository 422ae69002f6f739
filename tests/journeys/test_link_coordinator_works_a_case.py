"""A link co-ordinator opens a case from the queue and works it to closure and back."""

import datetime
from decimal import Decimal

from django.utils import timezone
from playwright.sync_api import Page, expect

from attendance.models import PupilAttendance
from schools.models import AcademicYear
from tests.factories import PupilFactory
from tests.journeys.conftest import check_accessibility, sign_in


def _severely_absent(pupil):
    today = timezone.localdate()
    PupilAttendance.objects.create(
        pupil=pupil,
        start_year=AcademicYear.start_year_for(today),
        school=pupil.current_school,
        possible_sessions=40,
        attended_sessions=12,
        attendance_rate=Decimal("30.00"),
        is_persistently_absent=True,
        is_severely_absent=True,
        latest_period_end=today - datetime.timedelta(days=3),
        recent_possible=20,
        recent_attended=4,
    )


def test_a_link_coordinator_opens_works_and_closes_a_case(
    page: Page, live_server, link_coordinator, school_a
):
    pupil = PupilFactory(current_school=school_a, given_name="Chloe", family_name="Specimen")
    _severely_absent(pupil)
    sign_in(page, live_server, link_coordinator.email)

    page.get_by_role("navigation", name="Menu").get_by_role(
        "link", name="Identification queue"
    ).click()
    page.get_by_role("link", name="Open a case for Chloe Specimen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Open a case")
    page.get_by_role("button", name="Open case").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Choose a RAG rating")
    check_accessibility(page)

    page.get_by_label("Why are you opening a case?").fill("30% attendance since September")
    page.get_by_label("Red").check()
    page.get_by_label("3: targeted (multi-agency early help)").check()
    page.get_by_label("Someone outside this service").check()
    page.get_by_label("Name (someone outside the service)").fill("Sam Senco")
    page.get_by_label("Agency or organisation").fill("Amberfield Primary School")
    page.get_by_label("Type of lead professional").select_option(label="School staff")
    page.get_by_role("button", name="Open case").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Case: Chloe Specimen")
    summary = page.get_by_test_id("case-summary")
    expect(summary).to_contain_text("No plan")
    expect(summary).to_contain_text("Sam Senco (Amberfield Primary School)")
    check_accessibility(page)

    page.get_by_role("link", name="Change RAG rating").click()
    page.get_by_label("Amber").check()
    page.get_by_label("Why?").fill("Attending mornings after the home visit")
    page.get_by_role("button", name="Change RAG rating").click()
    expect(page.get_by_test_id("timeline")).to_contain_text("RAG rating changed from Red to Amber")

    page.get_by_role("link", name="Record a contact").click()
    check_accessibility(page)
    page.get_by_label("Home visit").check()
    page.get_by_label("With whom").fill("Mother")
    page.get_by_label("What happened").fill("Agreed a morning routine and a school nurse referral")
    page.get_by_role("button", name="Save contact").click()
    expect(page.get_by_test_id("timeline")).to_contain_text("Home visit with Mother")

    page.get_by_role("link", name="Record another plan in place").click()
    check_accessibility(page)
    page.get_by_label("Child in need plan").check()
    page.get_by_label("Start date").fill("01/09/2026")
    page.get_by_role("button", name="Save plan").click()
    expect(page.get_by_test_id("case-summary")).to_contain_text("Both in place")

    page.get_by_role("link", name="Close the case").click()
    check_accessibility(page)
    page.get_by_label("Outcomes achieved").check()
    page.get_by_label("Outcome", exact=True).fill("Back to full attendance")
    page.get_by_role("button", name="Close case").click()
    expect(page.get_by_text("It is read-only")).to_be_visible()
    check_accessibility(page)

    page.get_by_role("link", name="Reopen the case").click()
    page.get_by_label("Why reopen the case?").fill("Absence has returned")
    page.get_by_role("button", name="Reopen case").click()
    expect(page.get_by_test_id("timeline")).to_contain_text("Case reopened")
    check_accessibility(page)
