"""An administrator adds a school (correcting a mistyped URN) and a staff member to it."""

from playwright.sync_api import Page, expect

from tests.factories import UserFactory
from tests.journeys.conftest import check_accessibility, sign_in


def test_an_administrator_adds_a_school_and_a_staff_member(page: Page, live_server, administrator):
    staff_member = UserFactory(full_name="Sam Staffmember", email="sam.staffmember@school.example")
    sign_in(page, live_server, administrator.email)

    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Schools").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Schools")
    check_accessibility(page)
    page.get_by_role("link", name="Add a school").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Add a school")
    check_accessibility(page)
    page.get_by_label("Name").fill("Cedar Lane Primary School")
    page.get_by_label("URN").fill("12345")
    page.get_by_label("LA establishment number").fill("851-3001")
    page.get_by_label("Phase").select_option(label="Primary")
    page.get_by_role("button", name="Save").click()

    error_summary = page.locator(".govuk-error-summary")
    expect(error_summary).to_be_visible()
    expect(error_summary).to_contain_text("There is a problem")
    expect(
        error_summary.get_by_role("link", name="Enter a URN of exactly 6 digits")
    ).to_be_visible()
    expect(page).to_have_title("Error: Add a school - Attendance tracker")
    check_accessibility(page)

    page.get_by_label("URN").fill("123456")
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Cedar Lane Primary School")
    expect(page.get_by_role("alert")).to_contain_text("Cedar Lane Primary School was added.")
    expect(page.get_by_text("123456", exact=True)).to_be_visible()
    check_accessibility(page)

    page.get_by_role("link", name="Add a staff member").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Add a staff member to Cedar Lane Primary School"
    )
    check_accessibility(page)
    page.get_by_label("Their email address").fill(staff_member.email)
    page.get_by_label("Role at the school").select_option(label="Attendance lead")
    page.get_by_role("button", name="Add staff member").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Cedar Lane Primary School")
    expect(page.get_by_role("alert")).to_contain_text("The staff member was added.")
    staff_table = page.get_by_role("table", name="Staff members at Cedar Lane Primary School")
    row = staff_table.get_by_role("row").filter(has_text="Sam Staffmember")
    expect(row).to_contain_text("Attendance lead")
    expect(row).to_contain_text("sam.staffmember@school.example")
    check_accessibility(page)
