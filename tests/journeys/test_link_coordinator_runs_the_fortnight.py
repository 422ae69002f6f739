"""A link co-ordinator's fortnight: a link call with a school, then the tracking meeting."""

import datetime
import re
import shutil
import subprocess
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from attendance.models import PupilAttendance
from cases.models import TimelineEntry
from schools.models import AcademicYear
from tests.factories import CaseFactory, PupilFactory
from tests.journeys.conftest import check_accessibility, sign_in

PDFTOTEXT = shutil.which("pdftotext") or "pdftotext"


def _severely_absent_with_a_case(school):
    pupil = PupilFactory(current_school=school, given_name="Chloe", family_name="Specimen")
    today = timezone.localdate()
    PupilAttendance.objects.create(
        pupil=pupil,
        start_year=AcademicYear.start_year_for(today),
        school=school,
        possible_sessions=40,
        attended_sessions=12,
        attendance_rate=Decimal("30.00"),
        is_persistently_absent=True,
        is_severely_absent=True,
        latest_period_end=today - datetime.timedelta(days=3),
        severe_from_start=today - datetime.timedelta(days=7),
        severe_from_end=today - datetime.timedelta(days=3),
        recent_possible=20,
        recent_attended=4,
    )
    # No lead professional and no plan yet: the meeting should raise both.
    return CaseFactory(pupil=pupil, opened_on=today - datetime.timedelta(days=2))


def test_a_link_coordinator_records_a_link_call_and_runs_the_tracking_meeting(
    page: Page, live_server, link_coordinator, school_a, tmp_path
):
    case = _severely_absent_with_a_case(school_a)
    sign_in(page, live_server, link_coordinator.email)
    menu = page.get_by_role("navigation", name="Menu")

    # The fortnightly link call ------------------------------------------------------------
    menu.get_by_role("link", name="Link calls").click()
    schools = page.get_by_test_id("link-call-schools")
    expect(schools.get_by_role("row", name="Amberfield Primary School")).to_contain_text("Due")
    check_accessibility(page)

    page.get_by_role("link", name="Record a call with Amberfield Primary School").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Record a link call with Amberfield Primary School"
    )
    check_accessibility(page)
    page.get_by_label("Who took part").fill("Sam Senco (SENCo), Ali Attend (attendance lead)")
    page.get_by_label("Action for Chloe Specimen").fill("School to offer a soft start")
    page.get_by_role("button", name="Save the link call").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Enter a note on Chloe Specimen, or clear the action for them"
    )
    check_accessibility(page)

    page.get_by_label("Note on Chloe Specimen").fill("Mum says mornings are the problem")
    page.get_by_role("button", name="Save the link call").click()
    expect(page.get_by_role("alert")).to_contain_text("1 pupil discussed")
    expect(page.get_by_test_id("discussions")).to_contain_text("Mum says mornings are the problem")
    check_accessibility(page)
    assert case.timeline.filter(kind=TimelineEntry.Kind.LINK_CALL).exists()

    page.get_by_role("link", name="Back to link calls").click()
    expect(
        page.get_by_test_id("link-call-schools").get_by_role(
            "row", name="Amberfield Primary School"
        )
    ).to_contain_text("Called")

    # The fortnightly tracking meeting ----------------------------------------------------
    menu.get_by_role("link", name="Tracking meeting").click()
    check_accessibility(page)
    page.get_by_role("button", name="Start a tracking meeting").click()
    expect(page.get_by_label("Amberfield Primary School")).to_be_checked()
    check_accessibility(page)
    page.get_by_role("button", name="Start the meeting").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Tracking meeting on")
    expect(page.get_by_test_id("section-new-severely-absent")).to_contain_text("Specimen, Chloe")
    no_lead = page.get_by_test_id("section-no-lead-professional")
    expect(no_lead).to_contain_text("Specimen, Chloe")
    check_accessibility(page)

    no_lead.get_by_role("button", name="Record the decision for Chloe Specimen").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the decision")
    check_accessibility(page)

    no_lead = page.get_by_test_id("section-no-lead-professional")
    no_lead.get_by_label("Decision for Chloe Specimen").fill("Ask the school nurse to lead")
    no_lead.get_by_label("Action for Chloe Specimen").fill("Lin to ask the nurse by Friday")
    no_lead.get_by_role("button", name="Record the decision for Chloe Specimen").click()
    expect(page.get_by_role("alert")).to_contain_text("The decision on Chloe Specimen’s case")
    expect(page).to_have_url(re.compile(r"/cases/meetings/\d+/#no-lead-professional$"))
    decided = page.get_by_test_id("section-no-lead-professional")
    expect(decided.get_by_test_id("decision")).to_contain_text("Ask the school nurse to lead")
    check_accessibility(page)
    assert case.timeline.filter(kind=TimelineEntry.Kind.MEETING).exists()

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the meeting’s record (PDF)").click()
    download = download_info.value
    assert download.suggested_filename.startswith("tracking-meeting-")
    pdf = tmp_path / download.suggested_filename
    download.save_as(pdf)
    if shutil.which("pdftotext") is None:
        pytest.skip("needs poppler-utils to read the PDF")
    text = subprocess.run(  # noqa: S603 - a fixed program on a file the test saved
        [PDFTOTEXT, "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "OFFICIAL-SENSITIVE" in text
    assert "Ask the school nurse to lead" in text
