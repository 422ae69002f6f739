"""View guards. Deny by default: every view names the permission it needs."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseBase

from accounts.models import User

View = Callable[..., HttpResponseBase]


def acting_user(request: HttpRequest) -> User:
    """The signed-in user; views behind `require_perm` always have one."""
    if not isinstance(request.user, User):
        raise PermissionDenied
    return request.user


def require_perm(permission: str) -> Callable[[View], View]:
    """Signed in, and holding `permission` (without an object: the role may use this page)."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not request.user.has_perm(permission):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapped.required_permission = permission  # type: ignore[attr-defined]
        return login_required(wrapped)

    return decorator


def public(view: View) -> View:
    """Mark a view that anyone may open (sign-in, health check, statements)."""
    view.is_public = True  # type: ignore[attr-defined]
    return view
