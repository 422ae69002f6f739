"""Panels that pages outside the cases app show: a pupil's case and timetables, a school's
chronically absent pupils, the link calls due. Tags keep other apps from importing this one."""

from typing import Any

from django import template
from django.utils import timezone

from cases.link_call_selectors import chronically_absent_pupils, schools_due_a_call
from cases.models import Case, ReducedTimetable
from cases.timetable_selectors import pupil_timetables
from schools.models import Pupil, School

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
        "perms": context.get("perms"),
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


@register.inclusion_tag("cases/link_calls/school_panel.html", takes_context=True)
def school_link_call_panel(context: dict[str, Any], school: School) -> dict[str, Any]:
    """The school page's chronically absent pupils with when each was last discussed."""
    user = context["request"].user
    if not user.has_perm("cases.view_link_calls"):
        return {"school": school, "pupils": None}
    return {
        "school": school,
        "pupils": chronically_absent_pupils(school, timezone.localdate()),
        "perms": context.get("perms"),
        "request": context["request"],
    }


@register.inclusion_tag("cases/link_calls/due_calls_panel.html", takes_context=True)
def link_calls_due_panel(context: dict[str, Any]) -> dict[str, Any]:
    user = context["request"].user
    if not user.is_link_coordinator:
        return {"schools_due": None}
    return {
        "schools_due": schools_due_a_call(user, timezone.localdate()),
        "perms": context.get("perms"),
    }
