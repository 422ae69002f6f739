"""Reads shared by the dashboard and the reports: targets, and how a figure stands against one."""

import enum
from decimal import Decimal

from django.db.models import QuerySet

from accounts.models import User
from reports.models import Target
from schools.models import School, sees_every_school


class Status(enum.StrEnum):
    """reports.md: on track (better than target), improving (better than the baseline and than
    last year), or off track."""

    ON_TRACK = "on_track"
    IMPROVING = "improving"
    OFF_TRACK = "off_track"

    @property
    def label(self) -> str:
        return {"on_track": "On track", "improving": "Improving", "off_track": "Off track"}[self]

    @property
    def rag(self) -> str:
        return {"on_track": "green", "improving": "amber", "off_track": "red"}[self]


def targets() -> list[Target]:
    return list(Target.objects.order_by("pk"))


def better(target: Target, value: Decimal, than: Decimal) -> bool:
    return value < than if target.lower_is_better else value > than


def target_status(
    target: Target, value: Decimal | None, last_year: Decimal | None = None
) -> Status | None:
    """How the figure stands: None when there is no figure to judge."""
    if value is None:
        return None
    if target.is_on_track(value):
        return Status.ON_TRACK
    beats_baseline = target.baseline is None or better(target, value, target.baseline)
    beats_last_year = last_year is None or better(target, value, last_year)
    if beats_baseline and beats_last_year:
        return Status.IMPROVING
    return Status.OFF_TRACK


def dashboard_schools(user: User) -> QuerySet[School] | None:
    """The schools whose figures the user's dashboard shows; None: the whole LA."""
    if sees_every_school(user):
        return None
    return School.objects.visible_to(user)
