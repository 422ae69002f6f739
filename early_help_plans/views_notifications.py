"""A user's own in-app notifications: overdue reviews, reviews due soon, closures, consent
withdrawn. Each says which plan; opening the plan goes through the plan's own access checks."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from attendance_tracker.access import acting_user, require_perm
from attendance_tracker.paging import paginate
from early_help_plans.models import Notification


@require_perm("accounts.use_service")
def notifications(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    page = paginate(request, Notification.objects.filter(user=user).order_by("-created_at", "-pk"))
    return render(request, "early_help_plans/notifications.html", {"page": page})


@require_POST
@require_perm("accounts.use_service")
def mark_read(request: HttpRequest) -> HttpResponse:
    count = Notification.objects.filter(user=acting_user(request), read_at__isnull=True).update(
        read_at=timezone.now()
    )
    messages.success(request, f"{count} notification{'s' if count != 1 else ''} marked as read.")
    return redirect("early_help_plans:notifications")
