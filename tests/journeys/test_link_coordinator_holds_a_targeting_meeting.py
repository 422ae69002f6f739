"""A link co-ordinator prepares, holds and records a school's targeting support meeting."""

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
from reports.models import MeetingAction, TargetingMeeting
from schools.models import AcademicYear, Term
from tests.factories import AcademicYearFactory, CaseFactory, PupilFactory, TermFactory, UserFactory
from tests.journeys.conftest import check_accessibility, sign_in

PDFTOTEXT = shutil.which("pdftotext") or "pdftotext"


def _this_term(today):
    """A term around today, whatever day the journey runs."""
    name = {9: "autumn", 10: "autumn", 11: "autumn", 12: "autumn", 1: "spring", 2: "spring"}.get(
        today.month, "spring" if today.month in (3, 4) else "summer"
    )
    return TermFactory(
        academic_year=AcademicYearFactory(start_year=AcademicYear.start_year_for(today)),
        name=name,
        starts_on=today - datetime.timedelta(days=30),
        ends_on=today + datetime.timedelta(days=30),
    )


def _last_years_meeting(school, today):
    """Last year's meeting with the school left one action open: it comes back in this pack."""
    term = TermFactory(
        academic_year=AcademicYearFactory(start_year=AcademicYear.start_year_for(today) - 1),
        name=Term.Name.SUMMER,
        starts_on=today - datetime.timedelta(days=250),
        ends_on=today - datetime.timedelta(days=150),
    )
    meeting = TargetingMeeting.objects.create(
        school=school,
        term=term,
        held_on=term.starts_on + datetime.timedelta(days=10),
        attendees="Head teacher",
        recorded_by=UserFactory(is_link_coordinator=True),
    )
    return MeetingAction.objects.create(
        meeting=meeting,
        action="Letters home to every persistently absent family",
        owner="Head teacher",
        due_on=term.ends_on,
    )


def _absent(pupil, today, *, attended):
    PupilAttendance.objects.create(
        pupil=pupil,
        start_year=AcademicYear.start_year_for(today),
        school=pupil.current_school,
        possible_sessions=40,
        attended_sessions=attended,
        attendance_rate=Decimal(100 * attended) / 40,
        is_persistently_absent=attended <= 36,
        is_severely_absent=attended <= 20,
        latest_period_end=today - datetime.timedelta(days=3),
        recent_possible=20,
        recent_attended=attended // 2,
    )


def test_a_link_coordinator_prepares_holds_and_records_a_targeting_meeting(
    page: Page, live_server, link_coordinator, school_a, tmp_path
):
    today = timezone.localdate()
    term = _this_term(today)
    earlier = _last_years_meeting(school_a, today)
    chloe = PupilFactory(current_school=school_a, given_name="Chloe", family_name="Specimen")
    _absent(chloe, today, attended=12)
    case = CaseFactory(pupil=chloe, opened_on=today - datetime.timedelta(days=20))
    _absent(
        PupilFactory(current_school=school_a, given_name="Ben", family_name="Sample"),
        today,
        attended=32,
    )
    sign_in(page, live_server, link_coordinator.email)

    # Which schools have had this term's meeting ----------------------------------------------
    page.goto(f"{live_server.url}/reports/targeting/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Targeting support meetings")
    schools = page.get_by_test_id("targeting-schools")
    expect(schools.get_by_role("row", name="Amberfield Primary School")).to_contain_text(
        "Not held yet"
    )
    expect(page.get_by_test_id("held-count")).to_have_text(
        "0 of 1 school has had this term’s meeting."
    )
    check_accessibility(page)

    # Preparing: the pack -----------------------------------------------------------------------
    page.get_by_role("link", name="View the pack for Amberfield Primary School").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Amberfield Primary School, {term}")
    expect(page.get_by_test_id("severe")).to_contain_text("Specimen, Chloe")
    expect(page.get_by_test_id("persistent")).to_contain_text("Sample, Ben")
    expect(page.get_by_test_id("open-cases")).to_contain_text("Specimen, Chloe")
    expect(page.get_by_test_id("no-lead")).to_contain_text("open case, no lead professional")
    expect(page.get_by_test_id("earlier-actions")).to_contain_text(
        "Letters home to every persistently absent family"
    )
    check_accessibility(page)

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the pack (PDF)").click()
    download = download_info.value
    pdf = tmp_path / download.suggested_filename
    download.save_as(pdf)
    if shutil.which("pdftotext") is None:
        pytest.fail("needs poppler-utils to read the PDF")
    text = subprocess.run(  # noqa: S603 - a fixed program on a file the test saved
        [PDFTOTEXT, "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "OFFICIAL-SENSITIVE" in text
    assert "Chloe Specimen" in text

    # Holding and recording the meeting -----------------------------------------------------------
    page.get_by_role("link", name="record the meeting").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Record the targeting support meeting with Amberfield Primary School"
    )
    check_accessibility(page)
    page.get_by_label("Date of the meeting").fill(today.strftime("%d/%m/%Y"))
    page.get_by_label("Who attended").fill("Sam Senco (SENCo)\nAli Attend (attendance lead)")
    page.get_by_label("Notes (optional)").fill("Year 9 attendance is falling after half term")
    page.get_by_role("button", name="Save the meeting").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Add an action agreed at the meeting")
    page.get_by_role("button", name="Save and add another action").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Choose who the action is for")
    check_accessibility(page)

    page.get_by_label("Who is the action for?").select_option(label="Specimen, Chloe (year 5)")
    page.get_by_label("What will be done").fill("Soft start at 9:30 with the learning mentor")
    page.get_by_label("Who will do it").fill("Sam Senco (SENCo)")
    due = today + datetime.timedelta(days=14)
    page.get_by_label("By when").fill(due.strftime("%d/%m/%Y"))
    page.get_by_role("button", name="Save and add another action").click()

    expect(page.get_by_role("alert")).to_contain_text("Add the next one")
    expect(page.get_by_test_id("added-actions")).to_contain_text("Specimen, Chloe: Soft start")
    page.get_by_label("Who is the action for?").select_option(label="The school as a whole")
    page.get_by_label("What will be done").fill("First-day calls for every absent pupil")
    page.get_by_label("Who will do it").fill("Ali Attend (attendance lead)")
    page.get_by_label("By when").fill(due.strftime("%d/%m/%Y"))
    page.get_by_role("button", name="Save and finish").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(
        re.compile(r"^Amberfield Primary School, ")
    )
    agreed = page.get_by_test_id("agreed-actions")
    expect(agreed).to_contain_text("Soft start at 9:30 with the learning mentor")
    expect(agreed).to_contain_text("First-day calls for every absent pupil")
    check_accessibility(page)
    assert case.timeline.filter(kind=TimelineEntry.Kind.ACTION).count() == 1

    # Last year's open action is done now -------------------------------------------------------
    page.get_by_role("link", name="View the pack for this meeting").click()
    expect(page.get_by_test_id("agreed-actions")).to_contain_text("Soft start at 9:30")
    page.get_by_test_id("earlier-actions").get_by_role("link", name=re.compile("^Update")).click()
    check_accessibility(page)
    page.get_by_label("Done", exact=True).check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_test_id("earlier-actions")).to_contain_text("Done")
    earlier.refresh_from_db()
    assert earlier.status == MeetingAction.Status.DONE

    page.get_by_role("link", name="Back to targeting support meetings").click()
    expect(
        page.get_by_test_id("targeting-schools").get_by_role(
            "row", name="Amberfield Primary School"
        )
    ).to_contain_text("Held")
