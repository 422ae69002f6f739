import pytest
import time_machine
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import two_factor
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"


@pytest.fixture
def person():
    return UserFactory(email="pat@council.example", is_manager=True)


def _sign_in(client, email="pat@council.example", password=PASSWORD):
    return client.post(reverse("accounts:sign-in"), {"username": email, "password": password})


def _current_code(device):
    return f"{TOTP(device.bin_key, device.step, device.t0, device.digits).token():06d}"


def test_a_person_signs_in_with_their_email_address_and_password(client, person):
    response = _sign_in(client, email="PAT@council.example")

    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 200


def test_a_wrong_password_is_refused_with_a_clear_message(client, person):
    response = _sign_in(client, password="not-the-password")

    assert "Enter a correct email address and password" in response.content.decode()
    assert client.get(reverse("home")).status_code == 302


def test_every_page_needs_sign_in(client):
    response = client.get(reverse("schools:pupil-list"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:sign-in"))


def test_an_account_is_locked_after_5_failed_attempts_even_with_the_right_password(client, person):
    for _ in range(5):
        _sign_in(client, password="not-the-password")

    response = _sign_in(client)

    assert response.status_code == 429
    assert "Too many attempts to sign in" in response.content.decode()
    assert client.get(reverse("home")).status_code == 302


def test_a_user_is_signed_out_after_30_minutes_without_a_request(client, person):
    with time_machine.travel("2026-01-05 09:00", tick=False) as clock:
        _sign_in(client)
        assert client.get(reverse("home")).status_code == 200

        clock.shift(29 * 60)
        assert client.get(reverse("home")).status_code == 200

        clock.shift(31 * 60)
        response = client.get(reverse("home"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:sign-in"))


def test_when_two_factor_is_required_a_new_user_must_set_up_an_app_before_anything_else(
    client, person, settings
):
    settings.REQUIRE_TWO_FACTOR = True
    _sign_in(client)

    response = client.get(reverse("schools:pupil-list"))

    assert response["Location"] == reverse("accounts:two-factor-setup")


def test_setting_up_an_app_shows_a_qr_code_then_ten_recovery_codes(client, person, settings):
    settings.REQUIRE_TWO_FACTOR = True
    _sign_in(client)
    page = client.get(reverse("accounts:two-factor-setup")).content.decode()
    device = TOTPDevice.objects.get(user=person)

    response = client.post(
        reverse("accounts:two-factor-setup"), {"token": _current_code(device)}, follow=True
    )

    assert "<svg" in page
    assert len(response.context["codes"]) == 10
    assert "codes" not in client.get(reverse("accounts:recovery-codes"), follow=True).context
    assert client.get(reverse("schools:pupil-list")).status_code == 200


def test_a_wrong_code_during_set_up_is_refused(client, person, settings):
    settings.REQUIRE_TWO_FACTOR = True
    _sign_in(client)
    client.get(reverse("accounts:two-factor-setup"))

    response = client.post(reverse("accounts:two-factor-setup"), {"token": "000000"})

    assert "The code is not right" in response.content.decode()
    assert client.get(reverse("home")).status_code == 302


@pytest.fixture
def person_with_app(person):
    device = two_factor.pending_authenticator(person)
    codes = two_factor.confirm_authenticator(device=device)
    return person, device, codes


def test_a_user_with_an_app_is_asked_for_a_code_even_when_not_required(
    client, person_with_app, settings
):
    settings.REQUIRE_TWO_FACTOR = False
    _sign_in(client)

    response = client.get(reverse("home"))

    assert response["Location"] == reverse("accounts:two-factor-verify")


def test_the_code_from_the_app_completes_sign_in(client, person_with_app):
    _, device, _ = person_with_app
    _sign_in(client)

    client.post(reverse("accounts:two-factor-verify"), {"token": _current_code(device)})

    assert client.get(reverse("home")).status_code == 200


def test_a_recovery_code_works_once(client, person_with_app):
    _, _, codes = person_with_app
    _sign_in(client)
    client.post(reverse("accounts:two-factor-verify"), {"token": codes[0]})
    assert client.get(reverse("home")).status_code == 200
    client.post(reverse("accounts:sign-out"))
    _sign_in(client)

    response = client.post(reverse("accounts:two-factor-verify"), {"token": codes[0]})

    assert "The code is not right" in response.content.decode()
    assert client.get(reverse("home")).status_code == 302


def test_without_the_requirement_a_user_without_an_app_signs_in_with_a_password_only(
    client, person, settings
):
    settings.REQUIRE_TWO_FACTOR = False
    _sign_in(client)

    assert client.get(reverse("home")).status_code == 200


def test_an_administrator_resets_two_factor_for_someone_who_lost_their_phone(
    client, administrator, person_with_app
):
    person, _, _ = person_with_app
    client.force_login(administrator)

    client.post(reverse("accounts:user-reset-two-factor", args=[person.pk]))

    assert not two_factor.has_authenticator(person)


def test_sign_out_is_a_post_so_a_link_cannot_sign_someone_out(client, person):
    _sign_in(client)

    response = client.get(reverse("accounts:sign-out"))

    assert response.status_code == 405
    assert client.get(reverse("home")).status_code == 200
