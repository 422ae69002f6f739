"""axe-core (WCAG 2.2 AA) over every page in the authorization matrix that an administrator or a
link co-ordinator can open, so a page added to the project is checked without a journey of its own.
"""

import pytest
from playwright.sync_api import Page

from attendance.models import AttendanceImport, ImportProblem
from tests.journeys.conftest import check_accessibility, sign_in
from tests.test_authorization_matrix import MATRIX, OK, _url

PAGES = sorted(
    name
    for name, (method, _, expected) in MATRIX.items()
    if method == "get"
    and (expected["administrator"] == OK or expected["link_coordinator"] == OK)
    and not name.endswith(("-export", "-problems", "-progress", "-pdf", "-download", "healthz"))
)


@pytest.mark.parametrize("url_name", PAGES)
def test_the_page_has_no_accessibility_violations(
    page: Page, live_server, administrator, link_coordinator, school_a, url_name
):
    _, _, expected = MATRIX[url_name]
    user = administrator if expected["administrator"] == OK else link_coordinator
    url = _url(url_name, _thing(url_name), school_a)
    if url_name == "attendance:import-detail":
        _give_the_import_problems_to_show()
    sign_in(page, live_server, user.email)

    page.goto(live_server.url + url)

    check_accessibility(page)


def _thing(url_name):
    return MATRIX[url_name][1]


def _give_the_import_problems_to_show():
    record = AttendanceImport.objects.get()
    record.status = AttendanceImport.Status.REFUSED
    record.error_count = 1
    record.save()
    ImportProblem.objects.create(
        attendance_import=record,
        row_number=2,
        column="upn",
        value="A851200119017",
        message="The UPN’s check letter is wrong: it should be C, not A",
    )
