"""Session safety: an idle timeout, and two-factor verification before anything else."""

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from accounts.two_factor import has_authenticator

LAST_SEEN = "last_seen_at"
NEEDS_SECOND_FACTOR = "needs_second_factor"


class IdleTimeoutMiddleware:
    """Sign out a user who has made no request for SESSION_IDLE_TIMEOUT."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = time.time()
            last_seen = request.session.get(LAST_SEEN, now)
            if now - last_seen > settings.SESSION_IDLE_TIMEOUT.total_seconds():
                logout(request)
                messages.info(
                    request, "You were signed out because you had not used the service for a while."
                )
                return redirect(f"{reverse(settings.LOGIN_URL)}?next={request.path}")
            request.session[LAST_SEEN] = now
        return self.get_response(request)


def is_verified(user: object) -> bool:
    """django-otp's OTPMiddleware gives the user an is_verified() for this request."""
    check = getattr(user, "is_verified", None)
    return bool(check and check())


class RequireTwoFactorMiddleware:
    """Until the second factor is verified, a signed-in user can only verify it or set it up.

    Verification is needed when the service requires it for everyone (REQUIRE_TWO_FACTOR), and for
    any user who has set up an authenticator app, whatever the setting.
    """

    ALLOWED_PREFIXES = ("/account/two-factor/", "/account/sign-out/", "/static/", "/healthz")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and not is_verified(user)
            and (settings.REQUIRE_TWO_FACTOR or request.session.get(NEEDS_SECOND_FACTOR))
            and not request.path.startswith(self.ALLOWED_PREFIXES)
        ):
            if has_authenticator(user):
                return redirect("accounts:two-factor-verify")
            return redirect("accounts:two-factor-setup")
        return self.get_response(request)
