"""The site's own scripts run under its Content-Security-Policy, with nothing refused.

The other journeys bypass the CSP (to inject axe), which would hide a violation; this one does not.
"""

import pytest
from playwright.sync_api import Page, expect

from tests.factories import PupilFactory
from tests.journeys.conftest import sign_in

# Runs before any of the page's scripts, and is not itself subject to the CSP.
RECORD_VIOLATIONS = """
window.cspViolations = [];
document.addEventListener('securitypolicyviolation', (event) => {
  window.cspViolations.push(
    `${event.violatedDirective} refused ${event.blockedURI || 'an inline script or style'}` +
    ` (${event.sourceFile || 'the page'}:${event.lineNumber})`
  );
});
"""


def assert_scripts_ran_under_the_policy(page: Page) -> None:
    # The inline script (allowed by its nonce) and the GOV.UK Frontend module both ran.
    expect(page.locator("body")).to_contain_class("js-enabled govuk-frontend-supported")
    expect(page.locator(".govuk-skip-link")).to_have_attribute("data-govuk-skip-link-init", "")
    assert page.evaluate("window.cspViolations") == []


@pytest.mark.browser_context_args(bypass_csp=False)
def test_pages_run_their_scripts_without_breaking_the_content_security_policy(
    page: Page, live_server, pastoral_lead, school_a
):
    pupil = PupilFactory(current_school=school_a, given_name="Amira", family_name="Example")
    page.add_init_script(RECORD_VIOLATIONS)

    response = page.goto(f"{live_server.url}/account/sign-in/")
    assert response is not None
    policy = response.headers["content-security-policy"]
    assert "script-src 'self' 'nonce-" in policy, policy
    assert_scripts_ran_under_the_policy(page)

    sign_in(page, live_server, pastoral_lead.email)
    page.goto(f"{live_server.url}/pupils/{pupil.pk}/")

    expect(page.get_by_role("heading", level=1)).to_have_text("Amira Example")
    assert_scripts_ran_under_the_policy(page)
    # Console errors (Chromium reports each refusal there too) fail the test after it returns.
