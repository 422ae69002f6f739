"""With two-factor sign-in required, a user sets up an authenticator app, then signs in again with
a recovery code."""

from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page, expect

from tests.journeys.conftest import check_accessibility, sign_in


def current_code(device: TOTPDevice) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


def test_a_user_sets_up_two_factor_sign_in_and_later_uses_a_recovery_code(
    page: Page, live_server, settings, pastoral_lead
):
    settings.REQUIRE_TWO_FACTOR = True

    sign_in(page, live_server, pastoral_lead.email, check=True)

    expect(page).to_have_url(f"{live_server.url}/account/two-factor/set-up/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up your authenticator app")
    expect(page.get_by_role("img", name="QR code for your authenticator app")).to_be_visible()
    expect(page.locator(".app-qr-code svg")).to_be_visible()
    page.get_by_text("I cannot scan the QR code").click()
    key = page.locator(".govuk-details__text code")
    expect(key).to_be_visible()
    check_accessibility(page)

    device = TOTPDevice.objects.get(user=pastoral_lead, confirmed=False)
    assert key.inner_text() == device.bin_key.hex()  # the key shown is the device's
    page.get_by_label("Code", exact=True).fill(current_code(device))
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Your recovery codes")
    codes = page.get_by_test_id("recovery-codes").get_by_role("listitem")
    expect(codes).to_have_count(10)
    recovery_code = codes.first.inner_text().strip()
    check_accessibility(page)

    page.get_by_role("link", name="I have kept my codes safe").click()

    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Attendance tracker")

    page.get_by_role("button", name="Sign out").click()

    expect(page).to_have_url(f"{live_server.url}/account/sign-in/")
    sign_in(page, live_server, pastoral_lead.email)

    expect(page).to_have_url(f"{live_server.url}/account/two-factor/verify/")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Enter the code from your authenticator app"
    )
    check_accessibility(page)
    page.goto(f"{live_server.url}/")  # not before the code is entered
    expect(page).to_have_url(f"{live_server.url}/account/two-factor/verify/")

    page.get_by_label("Code", exact=True).fill(recovery_code)
    page.get_by_role("button", name="Continue").click()

    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Attendance tracker")
    expect(page.get_by_text(f"Signed in as {pastoral_lead.full_name}")).to_be_visible()
    assert StaticToken.objects.filter(device__user=pastoral_lead).count() == 9
    assert not StaticToken.objects.filter(token=recovery_code).exists()  # used up
