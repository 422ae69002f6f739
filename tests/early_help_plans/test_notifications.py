"""Each user reads their own in-app notifications, and only their own."""

import pytest
from django.urls import reverse

from early_help_plans.models import Notification

pytestmark = pytest.mark.django_db


def test_a_user_sees_their_unread_notifications_and_marks_them_read(
    client, pastoral_lead, link_coordinator
):
    Notification.objects.create(user=pastoral_lead, kind="overdue_review", message="Yours")
    Notification.objects.create(user=link_coordinator, kind="overdue_review", message="Theirs")
    client.force_login(pastoral_lead)

    home = client.get(reverse("home")).content.decode()
    page = client.get(reverse("early_help_plans:notifications")).content.decode()

    assert "1 unread notification" in home
    assert "Yours" in page
    assert "Theirs" not in page
    client.post(reverse("early_help_plans:notifications-read"))
    assert not Notification.objects.filter(user=pastoral_lead, read_at__isnull=True).exists()
    assert Notification.objects.filter(user=link_coordinator, read_at__isnull=True).exists()
    assert "unread notification" not in client.get(reverse("home")).content.decode()


def test_only_the_closest_menu_item_is_current(client, pastoral_lead):
    client.force_login(pastoral_lead)

    response = client.get(reverse("early_help_plans:notifications"))

    current = [item["text"] for item in response.context["navigation"] if item["current"]]
    assert current == ["Notifications"]
