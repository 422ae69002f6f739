"""Browser journeys: Debian's Chromium driven by Playwright against pytest-django's live server.

Every test here is marked `browser`. Each page a journey visits can be checked with axe-core
(`check_accessibility`), and any console error or uncaught exception on the page fails the test,
unless the test said it expects that message (`allow_console_error`, e.g. a 404 it asked for).

Contexts bypass the Content-Security-Policy so that axe can be injected; CSP violations would then
go unnoticed, so test_content_security_policy.py turns the bypass off.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import ConsoleMessage, Error, Page, expect

AXE_SCRIPT = Path(__file__).parent / "vendor" / "axe.min.js"
AXE_OPTIONS = {
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"],
    }
}
PASSWORD = "correct-horse-battery"  # UserFactory's password

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    # Without these Chromium keeps trying to reach Google's services on a closed network.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.path).parents:
            item.add_marker(pytest.mark.browser)


# Playwright set-up ------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    return {
        **browser_type_launch_args,
        "executable_path": "/usr/bin/chromium",
        "headless": True,
        "args": CHROMIUM_ARGS,
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    # axe is injected with a <script> tag, which the site's strict CSP would refuse.
    # A test can turn this off with @pytest.mark.browser_context_args(bypass_csp=False).
    return {**browser_context_args, "bypass_csp": True, "locale": "en-GB"}


# Console errors ---------------------------------------------------------------------------------


class ConsoleErrors:
    """Console errors and uncaught exceptions on one page, less those the test expects."""

    def __init__(self, page: Page) -> None:
        self.messages: list[str] = []
        self.allowed: list[str] = []
        page.on("console", self._on_console)
        page.on("pageerror", self._on_page_error)

    def _on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            location = message.location
            self.messages.append(f"console error at {location.get('url', '?')}: {message.text}")

    def _on_page_error(self, error: Error) -> None:
        self.messages.append(f"uncaught exception: {error.message}")

    def unexpected(self) -> list[str]:
        return [m for m in self.messages if not any(a in m for a in self.allowed)]


def _console_errors(page: Page) -> ConsoleErrors:
    errors = getattr(page, "_journey_console_errors", None)
    if errors is None:
        errors = ConsoleErrors(page)
        page._journey_console_errors = errors  # type: ignore[attr-defined]
    return errors


def allow_console_error(page: Page, text: str) -> None:
    """Expect console errors containing `text` (Chromium logs every 4xx response as an error)."""
    _console_errors(page).allowed.append(text)


def assert_no_console_errors(page: Page) -> None:
    if not page.is_closed():
        page.evaluate("0")  # a round trip, so that pending console events arrive
    unexpected = _console_errors(page).unexpected()
    assert not unexpected, "The browser reported errors:\n" + "\n".join(unexpected)


@pytest.fixture
def page(context: Any) -> Page:
    """pytest-playwright's page, listening for console errors from the first request."""
    new_page = context.new_page()
    _console_errors(new_page)
    return new_page


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    """A journey that passed still fails if its page logged an error along the way."""
    result = yield
    page = getattr(item, "funcargs", {}).get("page")
    if page is not None:
        assert_no_console_errors(page)
    return result


# Accessibility ----------------------------------------------------------------------------------


def check_accessibility(page: Page) -> None:
    """Run axe-core's WCAG 2.2 AA rules on the page and fail on any violation."""
    page.wait_for_load_state("load")
    # Colour contrast and target sizes mean nothing without the stylesheet: make sure it loaded.
    font = page.evaluate("getComputedStyle(document.querySelector('.govuk-footer')).fontFamily")
    assert "arial" in font.lower(), f"The stylesheet did not load on {page.url} (font: {font})"
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE_SCRIPT))
    results = page.evaluate("options => axe.run(document, options)", AXE_OPTIONS)
    violations = results["violations"]
    if violations:
        lines = [f"axe found {len(violations)} accessibility violation(s) on {page.url}:"]
        for violation in violations:
            lines.append(
                f"- {violation['id']} ({violation['impact']}): {violation['help']} "
                f"[{violation['helpUrl']}]"
            )
            for node in violation["nodes"]:
                target = " > ".join(
                    t if isinstance(t, str) else " >>> ".join(t) for t in node["target"]
                )
                lines.append(f"    {target}")
                lines.append(f"      {node['html'][:200]}")
        pytest.fail("\n".join(lines), pytrace=False)
    assert_no_console_errors(page)


# Signing in -------------------------------------------------------------------------------------


def sign_in(
    page: Page,
    live_server: Any,
    email: str,
    password: str = PASSWORD,
    *,
    check: bool = False,
) -> None:
    """Sign in through the real form; with check=True, axe-check the sign-in page first."""
    page.goto(f"{live_server.url}/account/sign-in/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in to the attendance tracker")
    if check:
        check_accessibility(page)
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page).not_to_have_url(re.compile(r"/account/sign-in/"))
