"""An administrator checks and imports a file; a link co-ordinator triages the queue it fills."""

import datetime

import pytest
import time_machine
from playwright.sync_api import Page, expect

from tests.factories import LinkAssignmentFactory, SchoolFactory
from tests.journeys.conftest import check_accessibility, sign_in

HEADER = (
    "school_urn,upn,family_name,given_name,date_of_birth,year_group,period_start,period_end,"
    "possible_sessions,attended_sessions,authorised_absence,unauthorised_absence,code_N"
)
MONDAYS = [datetime.date(2026, 9, 7) + datetime.timedelta(weeks=n) for n in range(4)]


def _rows() -> str:
    lines = [HEADER]
    for monday in MONDAYS:
        friday = monday + datetime.timedelta(days=4)
        # Chloe attends 2 of 10 sessions a week (20%); Amira every one.
        lines.append(
            f"100002,P851400317142,Specimen,Chloe,2012-11-23,8,{monday},{friday},10,2,0,8,8"
        )
        lines.append(
            f"100002,C851200119017,Example,Amira,2015-03-14,5,{monday},{friday},10,10,0,0,0"
        )
    return "\n".join(lines) + "\n"


@pytest.fixture
def _on_14_october_2026():
    with time_machine.travel(datetime.datetime(2026, 10, 14, 10, tzinfo=datetime.UTC), tick=True):
        yield


@pytest.mark.usefixtures("_on_14_october_2026")
def test_an_import_puts_a_severely_absent_pupil_in_front_of_their_link_coordinator(
    page: Page, live_server, administrator, tmp_path
):
    school = SchoolFactory(urn="100002", name="Birchwood Academy")
    coordinator = LinkAssignmentFactory(school=school, user__full_name="Lin Coordinator").user
    file = tmp_path / "autumn.csv"
    file.write_text(_rows())

    sign_in(page, live_server, administrator.email)
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Imports").click()
    check_accessibility(page)
    page.get_by_role("link", name="Import attendance").click()
    check_accessibility(page)
    page.get_by_label("Attendance file").set_input_files(str(file))
    page.get_by_role("button", name="Check file").click()

    expect(page.get_by_text("No problems found")).to_be_visible()
    summary = page.get_by_test_id("import-summary")
    expect(summary).to_contain_text("New pupils")
    expect(summary.locator("div", has_text="Newly in the identification queue")).to_contain_text(
        "1"
    )
    check_accessibility(page)
    page.get_by_role("button", name="Import").click()

    expect(page.get_by_text("Imported", exact=True)).to_be_visible()
    check_accessibility(page)
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, live_server, coordinator.email)
    page.get_by_role("navigation", name="Menu").get_by_role(
        "link", name="Identification queue"
    ).click()
    queue = page.get_by_test_id("queue")
    expect(queue).to_contain_text("Specimen, Chloe")
    expect(queue).to_contain_text("20.0%")
    expect(queue).not_to_contain_text("Example, Amira")
    check_accessibility(page)

    queue.get_by_role("link", name="Specimen, Chloe").click()
    expect(page.get_by_test_id("attendance-figures")).to_contain_text("Severely absent")
    expect(
        page.get_by_role("img", name="Chloe Specimen: attendance this academic year")
    ).to_be_visible()
    check_accessibility(page)
    page.go_back()

    page.get_by_role("link", name="Remove Chloe Specimen from the queue").click()
    check_accessibility(page)
    page.get_by_role("button", name="Remove from the queue").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Enter why this pupil does not need a case"
    )
    check_accessibility(page)
    page.get_by_label("Why does this pupil not need a case?").fill(
        "Hospital education service is teaching her at home"
    )
    page.get_by_role("button", name="Remove from the queue").click()

    expect(page.get_by_role("alert")).to_contain_text("was removed from the identification queue")
    expect(page.get_by_test_id("queue")).to_contain_text("No pupils are waiting in the queue.")
