from typing import Any

from django import template

from early_help_plans.models import Notification

register = template.Library()


@register.inclusion_tag("early_help_plans/notifications_panel.html", takes_context=True)
def notifications_panel(context: dict[str, Any]) -> dict[str, Any]:
    """How many of the user's notifications are unread, for the home page."""
    user = context["request"].user
    unread = Notification.objects.filter(user=user, read_at__isnull=True).count()
    return {"unread": unread}
