import redis
from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from attendance_tracker.access import acting_user, public, require_perm
from schools.models import School, Term


@require_perm("accounts.use_service")
def home(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    context = {
        "term": Term.objects.current(),
        "school_count": School.objects.visible_to(user).count(),
        "schools": School.objects.visible_to(user).order_by("name")[:20]
        if not (user.is_administrator or user.is_manager)
        else [],
        "can_search": user.has_perm("schools.view_pupils"),
    }
    return render(request, "home.html", context)


@public
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when PostgreSQL and Redis answer; 503 naming what failed otherwise."""
    checks: dict[str, str] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as error:
        checks["database"] = f"failed: {type(error).__name__}"
    try:
        client = redis.Redis.from_url(
            settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2
        )
        client.ping()
        checks["redis"] = "ok"
    except Exception as error:
        checks["redis"] = f"failed: {type(error).__name__}"
    healthy = all(value == "ok" for value in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", "checks": checks},
        status=200 if healthy else 503,
    )


@public
def privacy(request: HttpRequest) -> HttpResponse:
    return render(request, "privacy.html")


@public
def accessibility(request: HttpRequest) -> HttpResponse:
    return render(request, "accessibility.html")
