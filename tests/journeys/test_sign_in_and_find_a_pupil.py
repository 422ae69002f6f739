"""Each role signs in, searches for a pupil at school A from the home page and opens their record.

An early help worker has no pupils yet (they will see the pupils whose plans they lead), so their
search finds nobody.
"""

import pytest
from playwright.sync_api import Page, expect

from tests.factories import PupilFactory
from tests.journeys.conftest import check_accessibility, sign_in


@pytest.fixture
def pupil(school_a):
    return PupilFactory(current_school=school_a, given_name="Amira", family_name="Example")


@pytest.mark.parametrize(
    ("persona", "finds_the_pupil"),
    [
        ("administrator", True),
        ("manager", True),
        ("link_coordinator", True),
        ("pastoral_lead", True),
        ("early_help_worker", False),
    ],
    indirect=["persona"],
)
def test_a_user_signs_in_and_searches_for_a_pupil(
    page: Page, live_server, persona, finds_the_pupil, pupil
):
    sign_in(page, live_server, persona.email, check=True)

    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Attendance tracker")
    expect(page.get_by_text(f"Signed in as {persona.full_name}")).to_be_visible()
    check_accessibility(page)

    page.get_by_label("Find a pupil").fill("Amira Example")
    page.get_by_role("button", name="Search").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Pupils")
    expect(page.get_by_label("Name, UPN or date of birth")).to_have_value("Amira Example")
    results = page.get_by_test_id("pupil-results")
    if not finds_the_pupil:
        expect(page.get_by_test_id("no-results")).to_contain_text("No pupils match")
        expect(results).to_have_count(0)
        check_accessibility(page)
        return

    expect(results.locator("tbody tr")).to_have_count(1)
    expect(results).to_contain_text(pupil.upn)
    check_accessibility(page)

    results.get_by_role("link", name="Example, Amira").click()

    expect(page).to_have_url(f"{live_server.url}/pupils/{pupil.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Amira Example")
    summary = page.get_by_test_id("pupil-summary")
    expect(summary).to_contain_text(pupil.upn)
    expect(summary).to_contain_text("Amberfield Primary School")
    check_accessibility(page)
