"""Link calls: each link co-ordinator's fortnightly call with each of their schools."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from attendance_tracker.access import acting_user, require_perm
from attendance_tracker.paging import paginate
from cases import services
from cases.link_call_forms import LinkCallForm
from cases.link_call_selectors import (
    chronically_absent_pupils,
    link_call_schools,
    visible_link_calls,
)
from cases.models import LinkCallDiscussion
from schools.models import Pupil, School

RECENT_CALLS = 20


@require_perm("cases.view_link_calls")
def link_call_list(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    today = timezone.localdate()
    recent = visible_link_calls(user).select_related("school", "link_coordinator")
    return render(
        request,
        "cases/link_calls/link_call_list.html",
        {
            "page": paginate(request, link_call_schools(user, today)),
            "recent_calls": recent.order_by("-held_on", "-pk")[:RECENT_CALLS],
            "can_record": request.user.has_perm("cases.record_link_call"),
        },
    )


@require_perm("cases.view_link_calls")
def link_call_create(request: HttpRequest, school_pk: int) -> HttpResponse:
    user = acting_user(request)
    school = get_object_or_404(School.objects.visible_to(user), pk=school_pk)
    if not request.user.has_perm("cases.record_link_call", school):
        raise PermissionDenied
    pupils = chronically_absent_pupils(school, timezone.localdate()).filter(
        pk__in=Pupil.objects.visible_to(user).values("pk")
    )
    form = LinkCallForm(request.POST or None, pupils=pupils)
    if form.is_valid():
        discussions = form.discussions()
        try:
            call = services.record_link_call(
                school=school,
                held_on=form.cleaned_data["held_on"],
                attendees=form.cleaned_data["attendees"],
                discussions=discussions,
                by=user,
            )
        except services.CaseRuleBroken as refusal:
            form.add_error("held_on", str(refusal))
        else:
            count = len(discussions)
            messages.success(
                request,
                f"The link call with {school} was saved: {count} pupil{'s' if count != 1 else ''} "
                "discussed.",
            )
            return redirect(call)
    return render(
        request,
        "cases/link_calls/link_call_form.html",
        {"form": form, "school": school, "title": f"Record a link call with {school}"},
    )


@require_perm("cases.view_link_calls")
def link_call_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = acting_user(request)
    discussions = (
        LinkCallDiscussion.objects.filter(pupil__in=Pupil.objects.visible_to(user))
        .select_related("pupil")
        .order_by("pupil__family_name", "pupil__given_name", "pk")
    )
    call = get_object_or_404(
        visible_link_calls(user)
        .select_related("school", "link_coordinator")
        .prefetch_related(Prefetch("discussions", discussions, to_attr="visible_discussions")),
        pk=pk,
    )
    return render(
        request,
        "cases/link_calls/link_call_detail.html",
        {"call": call, "can_record": request.user.has_perm("cases.record_link_call")},
    )
