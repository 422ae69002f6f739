"""A pastoral lead at school B cannot find, or open, a pupil at school A."""

from playwright.sync_api import Page, expect

from tests.factories import PupilFactory
from tests.journeys.conftest import allow_console_error, check_accessibility, sign_in


def test_a_pastoral_lead_cannot_find_or_open_a_pupil_at_another_school(
    page: Page, live_server, school_a, other_school_pastoral_lead
):
    pupil = PupilFactory(current_school=school_a, given_name="Amira", family_name="Example")
    sign_in(page, live_server, other_school_pastoral_lead.email)
    expect(page).to_have_url(f"{live_server.url}/")

    for query in ["Amira Example", pupil.upn]:
        search = page.get_by_label("Find a pupil")
        if not search.count():  # on the results page after the first search
            search = page.get_by_label("Name, UPN or date of birth")
        search.fill(query)
        page.get_by_role("button", name="Search").click()

        expect(page.get_by_role("heading", level=1)).to_have_text("Pupils")
        expect(page.get_by_label("Name, UPN or date of birth")).to_have_value(query)
        expect(page.get_by_test_id("no-results")).to_contain_text("No pupils match")
        expect(page.get_by_text(pupil.upn)).to_have_count(0)

    allow_console_error(page, "status of 404")  # Chromium logs the response it asked for
    response = page.goto(f"{live_server.url}/pupils/{pupil.pk}/")

    assert response is not None
    assert response.status == 404
    expect(page).to_have_title("Page not found - Attendance tracker")
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    expect(page.get_by_text("Amira")).to_have_count(0)
    check_accessibility(page)
