"""A pastoral lead records a reduced timetable for a pupil at their school (leaving out the reason
at first), reviews it, extending its planned end, and ends it; the LA's list shows it."""

import datetime

from django.urls import reverse
from playwright.sync_api import Page, expect

from tests.factories import PupilFactory
from tests.journeys.conftest import check_accessibility, sign_in


def _date(day: datetime.date) -> str:
    return f"{day:%d/%m/%Y}"


def test_a_pastoral_lead_records_reviews_and_ends_a_reduced_timetable(
    page: Page, live_server, pastoral_lead, school_a
):
    today = datetime.date.today()  # noqa: DTZ011 - the live server runs on today's date
    pupil = PupilFactory(current_school=school_a, given_name="Amira", family_name="Example")
    sign_in(page, live_server, pastoral_lead.email)

    page.goto(live_server.url + reverse("cases:timetable-create", args=[pupil.pk]))
    expect(page.get_by_role("heading", level=1)).to_have_text("Record a reduced timetable")
    check_accessibility(page)
    page.get_by_label("Start date").fill(_date(today - datetime.timedelta(days=7)))
    page.get_by_label("Planned end date").fill(_date(today + datetime.timedelta(days=28)))
    page.get_by_label("Sessions a week the pupil attends").fill("5")
    page.get_by_label("Date parents or carers agreed").fill(
        _date(today - datetime.timedelta(days=10))
    )
    page.get_by_role("button", name="Save reduced timetable").click()

    error_summary = page.locator(".govuk-error-summary")
    expect(error_summary).to_contain_text("There is a problem")
    expect(
        error_summary.get_by_role("link", name="Enter the reason for the reduced timetable")
    ).to_be_visible()
    expect(page).to_have_title("Error: Record a reduced timetable - Attendance tracker")
    check_accessibility(page)

    page.get_by_label("Reason for the reduced timetable").fill(
        "Anxiety about returning after a long illness"
    )
    page.get_by_role("button", name="Save reduced timetable").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Reduced timetable")
    expect(page.get_by_role("alert")).to_contain_text(
        "The reduced timetable for Amira Example was recorded."
    )
    expect(page.get_by_test_id("timetable-summary")).to_contain_text("None yet")
    check_accessibility(page)

    page.get_by_role("link", name="Record a review").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Record a review of the reduced timetable"
    )
    check_accessibility(page)
    new_end = today + datetime.timedelta(days=42)
    page.get_by_label("Outcome").fill("Settling well in the mornings; extend by two weeks")
    page.get_by_label("New planned end date").fill(_date(new_end))
    page.get_by_role("button", name="Save review").click()

    expect(page.get_by_role("alert")).to_contain_text(
        f"The review was recorded. The planned end date is now {_date(new_end)}."
    )
    expect(page.get_by_role("table", name="Reviews of this reduced timetable")).to_contain_text(
        "Settling well in the mornings"
    )
    check_accessibility(page)

    page.get_by_role("link", name="End the reduced timetable").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("End the reduced timetable")
    check_accessibility(page)
    page.get_by_label("Actual end date").fill(_date(today))
    page.get_by_label("Yes").check()
    page.get_by_role("button", name="End reduced timetable").click()

    expect(page.get_by_role("alert")).to_contain_text("The reduced timetable was ended.")
    summary = page.get_by_test_id("timetable-summary")
    expect(summary).to_contain_text("back to full time")
    expect(page.get_by_role("link", name="Change the details")).to_have_count(0)
    check_accessibility(page)

    page.get_by_role("navigation", name="Menu").get_by_role(
        "link", name="Reduced timetables"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Reduced timetables")
    page.get_by_label("Show").select_option(label="All")
    page.get_by_role("button", name="Show timetables").click()
    row = page.get_by_test_id("timetables").get_by_role("row").filter(has_text="Example, Amira")
    expect(row).to_contain_text("Amberfield Primary School")
    expect(row).to_contain_text("5 of 10")
    expect(row).to_contain_text("Ended")
    check_accessibility(page)
