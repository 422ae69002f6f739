"""Reduced timetable pages: the LA's list, recording, changing, reviewing and ending a timetable,
and the cross-check of C2 marks against recorded timetables.

Every page needs cases.view_timetables (the area); a timetable or pupil outside the user's scope
is not found (404); in scope without cases.record_timetable is forbidden (403).
"""

import copy
import datetime
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from attendance_tracker.access import acting_user, require_perm
from attendance_tracker.paging import paginate
from audit.models import AccessLogEntry
from audit.services import record_access
from cases import services
from cases import timetable_selectors as selectors
from cases.models import ReducedTimetable
from cases.timetable_forms import (
    ChangeTimetableForm,
    EndTimetableForm,
    ReviewTimetableForm,
    TimetableFilterForm,
    TimetableForm,
)
from schools.models import Pupil, School, sees_every_school

STALE_HELP = (
    "Nothing you entered has been saved yet. The form below keeps your answers (and takes their "
    "changes where you had not changed the same answer): check it, then save again."
)


def _timetable_in_scope(
    request: HttpRequest, pk: int, permission: str | None = None
) -> ReducedTimetable:
    """Out of scope: 404. In scope without the permission for this timetable: 403."""
    visible = ReducedTimetable.objects.visible_to(acting_user(request))
    timetable = get_object_or_404(
        selectors.with_flags(visible).select_related("pupil", "school", "created_by"), pk=pk
    )
    if permission and not request.user.has_perm(permission, timetable):
        raise PermissionDenied
    return timetable


def _form_page(request: HttpRequest, context: dict[str, Any]) -> HttpResponse:
    return render(request, "cases/timetables/form.html", context)


def _as_input(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.date):
        return f"{value:%d/%m/%Y}"
    return str(value)


def _after_refusal(
    request: HttpRequest,
    timetable: ReducedTimetable,
    form: forms.BaseForm,
    refusal: services.CaseRuleBroken,
) -> tuple[forms.BaseForm, list[str]]:
    """Show why the save was refused; if someone else saved first (rule 7), show what they changed.

    The form is shown again at the new version, with the user's entries kept and the other
    person's changes filled in wherever the user had left that field as they first saw it, so
    saving again never quietly puts back what the other person changed.
    """
    seen_version = form.cleaned_data["seen_version"]
    current = _timetable_in_scope(request, timetable.pk)
    if current.version == seen_version:
        form.add_error(None, str(refusal))
        return form, []
    since = selectors.timetable_changes_since(current, seen_version)
    data = request.POST.copy()
    data["seen_version"] = str(current.version)
    for field, (was, now) in since.fields.items():
        if field in form.fields and form.cleaned_data.get(field) == was:
            data[field] = _as_input(now)
    kwargs: dict[str, Any] = {"instance": copy.copy(current)} if hasattr(form, "instance") else {}
    again = type(form)(data, **kwargs)
    again.is_valid()
    again.add_error(None, str(refusal))
    return again, since.described


# The list and the C2 cross-check ----------------------------------------------------------------


@require_perm("cases.view_timetables")
def timetable_list(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    today = timezone.localdate()
    form = TimetableFilterForm(
        request.GET,
        schools=School.objects.visible_to(user).order_by("name"),
        statuses=selectors.STATUSES,
        flags=selectors.FLAGS,
    )
    status = form.value("status", "running")
    timetables = selectors.timetable_list(
        user,
        status=status,
        school=form.value("school"),
        flag=form.value("flag", ""),
        today=today,
    )
    on_timetable = selectors.pupils_on_a_timetable(user, today=today)
    target: int = settings.REDUCED_TIMETABLE_TARGET
    return render(
        request,
        "cases/timetables/list.html",
        {
            "form": form,
            "status": status,
            "page": paginate(request, timetables),
            "on_timetable": on_timetable,
            "target": target,
            "over_target": on_timetable - target,
            "every_school": sees_every_school(user),
        },
    )


@require_perm("cases.view_timetables")
def timetable_unregistered(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    schools = School.objects.visible_to(user).order_by("name")
    school = None
    if request.GET.get("school", "").isdigit():
        school = schools.filter(pk=request.GET["school"]).first()
    show = "no-c2" if request.GET.get("show") == "no-c2" else "c2"
    if show == "no-c2":
        page = paginate(request, selectors.timetables_without_c2(user, school=school))
    else:
        page = paginate(request, selectors.unregistered_c2(user, school=school))
        page.rows = selectors.as_unregistered_rows(page.rows)
    return render(
        request,
        "cases/timetables/unregistered.html",
        {
            "page": page,
            "show": show,
            "schools": schools,
            "school": school,
            "grace_days": selectors.C2_GRACE.days,
        },
    )


# One timetable -----------------------------------------------------------------------------------


@require_perm("cases.view_timetables")
def timetable_detail(request: HttpRequest, pk: int) -> HttpResponse:
    timetable = _timetable_in_scope(request, pk)
    record_access(
        request=request,
        action=AccessLogEntry.Action.VIEW_PUPIL,
        pupil_ids=[timetable.pupil_id],
        description="Viewed a reduced timetable",
    )
    return render(
        request,
        "cases/timetables/detail.html",
        {
            "timetable": timetable,
            "reviews": timetable.reviews.select_related("by"),
            "can_change": timetable.ended_on is None
            and request.user.has_perm("cases.record_timetable", timetable),
        },
    )


@require_perm("cases.view_timetables")
def timetable_create(request: HttpRequest, pupil_pk: int) -> HttpResponse:
    user = acting_user(request)
    pupil = get_object_or_404(
        Pupil.objects.visible_to(user).select_related("current_school"), pk=pupil_pk
    )
    if not request.user.has_perm("cases.record_timetable", pupil):
        raise PermissionDenied
    form = TimetableForm(request.POST or None)
    if form.is_valid():
        try:
            timetable = services.record_timetable(pupil=pupil, by=user, **form.cleaned_data)
        except services.CaseRuleBroken as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(request, f"The reduced timetable for {pupil} was recorded.")
            return redirect(timetable)
    return _form_page(
        request,
        {
            "form": form,
            "title": "Record a reduced timetable",
            "pupil": pupil,
            "back_url": pupil.get_absolute_url(),
        },
    )


def _ended(request: HttpRequest, timetable: ReducedTimetable) -> HttpResponse:
    messages.info(request, "This reduced timetable has ended and can no longer be changed.")
    return redirect(timetable)


@require_perm("cases.view_timetables")
def timetable_edit(request: HttpRequest, pk: int) -> HttpResponse:
    timetable = _timetable_in_scope(request, pk, "cases.record_timetable")
    if timetable.ended_on is not None:
        return _ended(request, timetable)
    form = ChangeTimetableForm(
        request.POST or None,
        instance=copy.copy(timetable),  # the form writes into its instance; keep ours as it was
        initial={"seen_version": timetable.version},
    )
    shown: forms.BaseForm = form
    changed: list[str] = []
    if form.is_valid():
        try:
            services.update_timetable(
                timetable=timetable,
                by=acting_user(request),
                seen_version=form.cleaned_data["seen_version"],
                **form.changes(),
            )
        except services.CaseRuleBroken as refusal:
            shown, changed = _after_refusal(request, timetable, form, refusal)
        else:
            messages.success(request, "The reduced timetable’s details were saved.")
            return redirect(timetable)
    return _form_page(
        request,
        {
            "form": shown,
            "title": "Change the reduced timetable",
            "pupil": timetable.pupil,
            "timetable": timetable,
            "back_url": timetable.get_absolute_url(),
            "changed": changed,
            "stale_help": STALE_HELP,
        },
    )


@require_perm("cases.view_timetables")
def timetable_review(request: HttpRequest, pk: int) -> HttpResponse:
    timetable = _timetable_in_scope(request, pk, "cases.record_timetable")
    if timetable.ended_on is not None:
        return _ended(request, timetable)
    form = ReviewTimetableForm(
        request.POST or None,
        initial={"seen_version": timetable.version, "reviewed_on": timezone.localdate()},
    )
    shown: forms.BaseForm = form
    changed: list[str] = []
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.review_timetable(
                timetable=timetable,
                reviewed_on=data["reviewed_on"],
                outcome=data["outcome"],
                new_planned_end_on=data["new_planned_end_on"],
                by=acting_user(request),
                seen_version=data["seen_version"],
            )
        except services.CaseRuleBroken as refusal:
            shown, changed = _after_refusal(request, timetable, form, refusal)
        else:
            new_end = data["new_planned_end_on"]
            extra = f" The planned end date is now {new_end:%d/%m/%Y}." if new_end else ""
            messages.success(request, f"The review was recorded.{extra}")
            return redirect(timetable)
    return _form_page(
        request,
        {
            "form": shown,
            "title": "Record a review of the reduced timetable",
            "pupil": timetable.pupil,
            "timetable": timetable,
            "back_url": timetable.get_absolute_url(),
            "changed": changed,
            "stale_help": STALE_HELP,
        },
    )


@require_perm("cases.view_timetables")
def timetable_end(request: HttpRequest, pk: int) -> HttpResponse:
    timetable = _timetable_in_scope(request, pk, "cases.record_timetable")
    if timetable.ended_on is not None:
        return _ended(request, timetable)
    form = EndTimetableForm(request.POST or None, initial={"seen_version": timetable.version})
    shown: forms.BaseForm = form
    changed: list[str] = []
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.end_timetable(
                timetable=timetable,
                ended_on=data["ended_on"],
                returned_full_time=data["returned_full_time"],
                by=acting_user(request),
                seen_version=data["seen_version"],
            )
        except services.CaseRuleBroken as refusal:
            shown, changed = _after_refusal(request, timetable, form, refusal)
        else:
            messages.success(request, "The reduced timetable was ended.")
            return redirect(timetable)
    return _form_page(
        request,
        {
            "form": shown,
            "title": "End the reduced timetable",
            "pupil": timetable.pupil,
            "timetable": timetable,
            "back_url": timetable.get_absolute_url(),
            "changed": changed,
            "stale_help": STALE_HELP,
        },
    )
