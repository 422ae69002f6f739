"""What a pupil's page shows of their cases: the open case, or a way to open one."""

from typing import Any

from django import template

from cases.models import Case, ReducedTimetable
from cases.timetable_selectors import pupil_timetables
from schools.models import Pupil

register = template.Library()


@register.inclusion_tag("cases/pupil_panel.html", takes_context=True)
def pupil_case_panel(context: dict[str, Any], pupil: Pupil) -> dict[str, Any]:
    """Callers have already checked that the viewer may see this pupil."""
    user = context["request"].user
    cases = list(Case.objects.filter(pupil=pupil).order_by("-opened_on", "-pk"))
    return {
        "pupil": pupil,
        "open_case": next((case for case in cases if case.is_open), None),
        "closed_cases": [case for case in cases if not case.is_open],
        "can_open": user.has_perm("cases.open_case"),
    }


@register.inclusion_tag("cases/timetables/pupil_panel.html", takes_context=True)
def pupil_timetable_panel(context: dict[str, Any], pupil: Pupil) -> dict[str, Any]:
    user = context["request"].user
    if not user.has_perm("cases.view_timetables"):
        return {"hidden": True}
    return {
        "pupil": pupil,
        "timetables": pupil_timetables(pupil).filter(
            pk__in=ReducedTimetable.objects.visible_to(user).values("pk")
        ),
        "can_record_timetable": user.has_perm("cases.record_timetable", pupil),
    }
