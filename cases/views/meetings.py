"""The fortnightly Vulnerable Tracking Oversight meeting: its agenda, decisions and record (PDF)."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from attendance_tracker.access import acting_user, require_perm
from attendance_tracker.paging import paginate
from audit.models import AccessLogEntry
from audit.services import record_access
from cases import services
from cases.link_call_forms import DecisionForm, MeetingForm
from cases.link_call_selectors import (
    DISCUSSION_CYCLE,
    OTHER_DECISIONS,
    SECTION_SLUGS,
    meeting_agenda,
    meeting_cases,
    previous_meeting_date,
    visible_meetings,
)
from cases.models import TrackingMeeting
from cases.pdf import pdf_response, render_pdf
from schools.models import School


def _meeting_in_scope(request: HttpRequest, pk: int) -> TrackingMeeting:
    """Out of the user's scope: not found (404), like a meeting that does not exist."""
    return get_object_or_404(
        visible_meetings(acting_user(request)).select_related("chaired_by"), pk=pk
    )


@require_perm("cases.view_meetings")
def meeting_list(request: HttpRequest) -> HttpResponse:
    meetings = (
        visible_meetings(acting_user(request))
        .select_related("chaired_by")
        .annotate(
            school_count=Count("schools", distinct=True),
            decision_count=Count("decisions", distinct=True),
        )
        .order_by("-held_on", "-pk")
    )
    return render(
        request,
        "cases/meetings/meeting_list.html",
        {
            "page": paginate(request, meetings),
            "can_hold": request.user.has_perm("cases.hold_meeting"),
        },
    )


@require_perm("cases.hold_meeting")
def meeting_create(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    today = timezone.localdate()
    # A meeting's schools are its chair's, chosen when it starts.
    schools = School.objects.visible_to(user).filter(is_open=True).order_by("name")
    since = previous_meeting_date(user, today) or today - DISCUSSION_CYCLE
    form = MeetingForm(request.POST or None, schools=schools, since=since)
    if form.is_valid():
        try:
            meeting = services.hold_tracking_meeting(
                held_on=form.cleaned_data["held_on"],
                since=form.cleaned_data["since"],
                schools=form.cleaned_data["schools"],
                by=user,
            )
        except services.CaseRuleBroken as refusal:
            form.add_error(None, str(refusal))
        else:
            return redirect(meeting)
    return render(
        request,
        "cases/meetings/meeting_form.html",
        {"form": form, "title": "Start a tracking meeting"},
    )


def _render_meeting(
    request: HttpRequest, meeting: TrackingMeeting, failed: dict[str, Any] | None = None
) -> HttpResponse:
    return render(
        request,
        "cases/meetings/meeting_detail.html",
        {
            "meeting": meeting,
            "agenda": meeting_agenda(meeting, acting_user(request)),
            "can_decide": request.user.has_perm("cases.hold_meeting"),
            "failed": failed,
            "form": failed["form"] if failed else None,
        },
    )


@require_perm("cases.view_meetings")
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_meeting(request, _meeting_in_scope(request, pk))


@require_POST
@require_perm("cases.view_meetings")
def meeting_decision(request: HttpRequest, pk: int) -> HttpResponse:
    user = acting_user(request)
    meeting = _meeting_in_scope(request, pk)
    if not request.user.has_perm("cases.hold_meeting", meeting):
        raise PermissionDenied
    case_pk = request.POST.get("case", "")
    if not case_pk.isdigit():
        raise Http404("No case was named.")
    case = get_object_or_404(meeting_cases(meeting, user).open(), pk=int(case_pk))
    section = request.POST.get("section", "")
    if section not in (*SECTION_SLUGS, OTHER_DECISIONS):
        section = SECTION_SLUGS[0]
    form = DecisionForm(request.POST, prefix=f"{section}-{case.pk}")
    if form.is_valid():
        try:
            services.record_decision(
                meeting=meeting,
                case=case,
                decision=form.cleaned_data["decision"].strip(),
                action=form.cleaned_data["action"].strip(),
                by=user,
            )
        except services.CaseRuleBroken as refusal:
            messages.error(request, str(refusal))
        else:
            messages.success(request, f"The decision on {case.pupil}’s case was recorded.")
        return redirect(f"{meeting.get_absolute_url()}#{section}")
    return _render_meeting(request, meeting, {"section": section, "case_id": case.pk, "form": form})


@require_perm("cases.view_meetings")
def meeting_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    user = acting_user(request)
    meeting = _meeting_in_scope(request, pk)
    agenda = meeting_agenda(meeting, user)
    pdf = render_pdf(
        "pdf/tracking_meeting.html",
        {"meeting": meeting, "agenda": agenda, "produced_by": user},
    )
    record_access(
        request=request,
        action=AccessLogEntry.Action.DOWNLOAD,
        pupil_ids=agenda.pupil_ids,
        description="Downloaded the tracking meeting record (PDF)",
    )
    return pdf_response(pdf, filename=f"tracking-meeting-{meeting.held_on:%Y-%m-%d}.pdf")
