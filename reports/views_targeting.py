"""Targeting support meetings: the list of schools for a term, the pack, and the meeting's record.

Out of the user's scope is not found (404): the school, meeting or action is fetched through
`visible_to`. In scope without permission is forbidden (403): a manager or a pastoral lead may
read but not record. Every page that names pupils writes to the access log.
"""

import datetime
from typing import Any

from crispy_forms_gds.layout import Field, Layout, Size, Submit
from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Model
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from attendance_tracker.access import acting_user, require_perm
from attendance_tracker.forms import GovDateField, GovForm
from attendance_tracker.paging import paginate
from audit.models import AccessLogEntry
from audit.services import record_access
from cases.pdf import pdf_response, render_pdf
from reports import targeting
from reports.models import MeetingAction, TargetingMeeting
from schools.models import Pupil, School, Term

VIEW = "reports.view_targeting_meetings"
HOLD = "reports.hold_targeting_meeting"
DATE_INPUT = "govuk-input govuk-input--width-10"


# Forms: input shape only; the rules are in reports/targeting.py ---------------------------------


class TermChoiceForm(forms.Form):
    term = forms.ModelChoiceField(label="Term", queryset=Term.objects.none(), empty_label=None)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["term"].queryset = (  # type: ignore[attr-defined]
            Term.objects.select_related("academic_year").order_by("-starts_on")
        )


class MeetingForm(GovForm):
    submit_label = "Save the meeting"

    held_on = GovDateField(
        label="Date of the meeting", error_messages={"required": "Enter the date of the meeting"}
    )
    attendees = forms.CharField(
        label="Who attended",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="One per line: name and role, for example Sam Senco (SENCo)",
        error_messages={"required": "Enter who attended the meeting"},
    )
    notes = forms.CharField(
        label="Notes (optional)",
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="What was discussed. The actions agreed are added one by one next.",
    )
    seen_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper.layout = Layout(
            Field("held_on", css_class=DATE_INPUT),
            Field.textarea("attendees", rows=4),
            Field.textarea("notes", rows=6),
            "seen_version",
        )


SCHOOL_CHOICE = "school"


class ActionForm(GovForm):
    """One action: for the school, or for one of the pupils the pack names."""

    for_whom = forms.ChoiceField(
        label="Who is the action for?",
        error_messages={"required": "Choose who the action is for"},
    )
    action = forms.CharField(
        label="What will be done",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Enter what will be done"},
    )
    owner = forms.CharField(
        label="Who will do it",
        max_length=200,
        help_text="Name and role, for example Ali Attend (attendance lead)",
        error_messages={"required": "Enter who will do it"},
    )
    due_on = GovDateField(label="By when", error_messages={"required": "Enter when it is due"})

    def __init__(self, *args: Any, pupils: list[Pupil], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.pupils = {str(pupil.pk): pupil for pupil in pupils}
        self.fields["for_whom"].choices = [  # type: ignore[attr-defined]
            ("", "Choose"),
            (SCHOOL_CHOICE, "The school as a whole"),
            *(
                (key, f"{p.family_name}, {p.given_name} (year {p.year_group or 'not known'})")
                for key, p in self.pupils.items()
            ),
        ]
        self.fields["for_whom"].help_text = (
            "The school as a whole, or one of its pupils who are persistently or severely "
            "absent, at risk, or have an open case. A pupil’s action goes on their case timeline."
        )
        self.helper.inputs = []
        self.helper.add_input(Submit("another", "Save and add another action"))
        self.helper.add_input(
            Submit("finish", "Save and finish", css_class="govuk-button--secondary")
        )
        self.helper.layout = Layout(
            Field.select("for_whom"),
            Field.textarea("action", rows=3),
            Field.text("owner"),
            Field("due_on", css_class=DATE_INPUT),
        )

    def pupil(self) -> Pupil | None:
        key = self.cleaned_data["for_whom"]
        return None if key == SCHOOL_CHOICE else self.pupils[key]


class ActionUpdateForm(GovForm):
    submit_label = "Save"

    status = forms.ChoiceField(
        label="What happened to the action?",
        choices=[
            (MeetingAction.Status.DONE, "Done"),
            (MeetingAction.Status.DROPPED, "No longer needed"),
            (MeetingAction.Status.OPEN, "Still open"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose what happened to the action"},
    )
    completed_on = GovDateField(
        label="Date it was done",
        required=False,
        help_text="Only if it is done. For example, 14/03/2026",
    )
    seen_status = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper.layout = Layout(
            Field.radios("status", legend_size=Size.MEDIUM),
            Field("completed_on", css_class=DATE_INPUT),
            "seen_status",
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("status") == MeetingAction.Status.DONE and not cleaned.get("completed_on"):
            self.add_error("completed_on", "Enter the date the action was done")
        return cleaned


# Scope -----------------------------------------------------------------------------------------


def _school_in_scope(request: HttpRequest, school_pk: int) -> School:
    return get_object_or_404(School.objects.visible_to(acting_user(request)), pk=school_pk)


def _term(term_pk: int) -> Term:
    return get_object_or_404(Term.objects.select_related("academic_year"), pk=term_pk)


def _meeting_in_scope(request: HttpRequest, pk: int) -> TargetingMeeting:
    return get_object_or_404(
        targeting.visible_meetings(acting_user(request)).select_related(
            "school", "term__academic_year", "recorded_by"
        ),
        pk=pk,
    )


def _may_hold(request: HttpRequest, thing: Model | None = None) -> None:
    if not request.user.has_perm(HOLD, thing):
        raise PermissionDenied


def _safe_next(request: HttpRequest, fallback: str) -> str:
    target = request.GET.get("next") or request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


# Pages -----------------------------------------------------------------------------------------


@require_perm(VIEW)
def targeting_list(request: HttpRequest) -> HttpResponse:
    """The user's schools and whether each has had the term's meeting (this term by default)."""
    user = acting_user(request)
    form = TermChoiceForm(request.GET or None)
    term = form.cleaned_data["term"] if form.is_valid() else Term.objects.current()
    if term is not None:
        form = TermChoiceForm(initial={"term": term.pk})
    context: dict[str, Any] = {"form": form, "term": term, "can_hold": request.user.has_perm(HOLD)}
    if term is not None:
        context["page"] = paginate(request, targeting.targeting_schools(user, term))
        context["counts"] = targeting.meetings_held_count(user, term)
    return render(request, "reports/targeting/list.html", context)


def _pack(request: HttpRequest, school_pk: int, term_pk: int) -> targeting.Pack:
    school = _school_in_scope(request, school_pk)
    return targeting.targeting_pack(school, _term(term_pk), acting_user(request))


@require_perm(VIEW)
def targeting_pack(request: HttpRequest, school_pk: int, term_pk: int) -> HttpResponse:
    pack = _pack(request, school_pk, term_pk)
    record_access(
        request=request,
        action=AccessLogEntry.Action.VIEW_PUPIL,
        pupil_ids=pack.pupil_ids,
        description=f"Viewed the targeting support meeting pack for {pack.school} ({pack.term})",
    )
    return render(
        request,
        "reports/targeting/pack.html",
        {
            "pack": pack,
            "this_meeting_actions": _this_meeting_actions(request, pack),
            "can_hold": request.user.has_perm(HOLD, pack.school),
            "current_term": Term.objects.current(),
        },
    )


def _this_meeting_actions(
    request: HttpRequest, pack: targeting.Pack
) -> tuple[list[MeetingAction], int]:
    if pack.meeting is None:
        return [], 0
    return targeting.split_shown(
        targeting.meeting_actions(pack.meeting, acting_user(request), in_pack=True)
    )


@require_perm(VIEW)
def targeting_pack_pdf(request: HttpRequest, school_pk: int, term_pk: int) -> HttpResponse:
    user = acting_user(request)
    pack = _pack(request, school_pk, term_pk)
    agreed, agreed_hidden = _this_meeting_actions(request, pack)
    pdf = render_pdf(
        "pdf/targeting_pack.html",
        {
            "pack": pack,
            "agreed": agreed,
            "agreed_hidden": agreed_hidden,
            "produced_by": user,
            "produced_at": timezone.localtime(),
        },
    )
    ids = set(pack.pupil_ids) | {a.pupil_id for a in agreed if a.pupil_id}
    record_access(
        request=request,
        action=AccessLogEntry.Action.DOWNLOAD,
        pupil_ids=sorted(ids),
        description=f"Downloaded the targeting support meeting pack for {pack.school} (PDF)",
    )
    return pdf_response(pdf, filename=f"targeting-pack-{pack.school.urn}-{pack.term.slug}.pdf")


def _stale_panel(meeting: TargetingMeeting) -> dict[str, Any]:
    return {
        "held_on": meeting.held_on,
        "attendees": meeting.attendees,
        "notes": meeting.notes,
    }


@require_perm(VIEW)
def targeting_record(request: HttpRequest, school_pk: int, term_pk: int) -> HttpResponse:
    """Record the school's meeting for the term, or change its details once recorded."""
    user = acting_user(request)
    school = _school_in_scope(request, school_pk)
    _may_hold(request, school)
    term = _term(term_pk)
    meeting = TargetingMeeting.objects.filter(school=school, term=term).first()
    initial: dict[str, Any]
    if meeting is None:
        today = timezone.localdate()
        initial = {"held_on": today if term.starts_on <= today <= term.ends_on else None}
    else:
        initial = {**_stale_panel(meeting), "seen_version": meeting.version}
    form = MeetingForm(request.POST or None, initial=initial)
    saved_now: dict[str, Any] | None = None
    if form.is_valid():
        data = form.cleaned_data
        fields = {k: data[k] for k in ("held_on", "attendees", "notes")}
        try:
            if meeting is None:
                meeting = targeting.record_targeting_meeting(
                    school=school, term=term, by=user, **fields
                )
                messages.success(
                    request, f"The meeting with {school} was recorded. Add the actions agreed."
                )
                return redirect("reports:tsm-action-add", meeting.pk)
            targeting.change_targeting_meeting(
                meeting=meeting, seen_version=data["seen_version"] or 0, by=user, **fields
            )
        except targeting.TargetingRuleBroken as refusal:
            current = TargetingMeeting.objects.filter(school=school, term=term).first()
            if current is not None and current.version != (data["seen_version"] or 0):
                # Someone else saved first (or recorded it first): show what is saved now, and
                # take the new version so that saving again is a choice made knowingly.
                saved_now = _stale_panel(current)
                post = request.POST.copy()
                post["seen_version"] = str(current.version)
                form = MeetingForm(post)
                form.is_valid()
                meeting = current
            form.add_error(None, str(refusal))
        else:
            messages.success(request, "The meeting’s details were saved.")
            return redirect(meeting)
    title = (
        f"Record the targeting support meeting with {school}"
        if meeting is None
        else f"Change the targeting support meeting with {school}"
    )
    return render(
        request,
        "reports/targeting/record.html",
        {
            "form": form,
            "title": title,
            "school": school,
            "term": term,
            "meeting": meeting,
            "saved_now": saved_now,
        },
    )


@require_perm(VIEW)
def targeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting_in_scope(request, pk)
    actions, hidden = targeting.split_shown(
        targeting.meeting_actions(meeting, acting_user(request))
    )
    record_access(
        request=request,
        action=AccessLogEntry.Action.VIEW_PUPIL,
        pupil_ids=sorted({a.pupil_id for a in actions if a.pupil_id}),
        description=f"Viewed the targeting support meeting record for {meeting.school}",
    )
    return render(
        request,
        "reports/targeting/detail.html",
        {
            "meeting": meeting,
            "actions": actions,
            "hidden_actions": hidden,
            "can_hold": request.user.has_perm(HOLD, meeting.school),
            "today": timezone.localdate(),
        },
    )


@require_perm(VIEW)
def targeting_action_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Add one action agreed at the meeting; "Save and add another" comes back here (no script)."""
    user = acting_user(request)
    meeting = _meeting_in_scope(request, pk)
    _may_hold(request, meeting.school)
    pupils = list(
        targeting.pupils_for_actions(meeting.school, user, meeting.term.academic_year.start_year)
    )
    form = ActionForm(
        request.POST or None,
        pupils=pupils,
        initial={"due_on": _default_due(meeting)},
    )
    if form.is_valid():
        try:
            targeting.add_meeting_action(
                meeting=meeting,
                pupil=form.pupil(),
                action=form.cleaned_data["action"],
                owner=form.cleaned_data["owner"],
                due_on=form.cleaned_data["due_on"],
                by=user,
            )
        except targeting.TargetingRuleBroken as refusal:
            form.add_error(None, str(refusal))
        else:
            if "finish" in request.POST:
                messages.success(request, "The action was added.")
                return redirect(meeting)
            messages.success(request, "The action was added. Add the next one.")
            return redirect("reports:tsm-action-add", meeting.pk)
    actions, hidden = targeting.split_shown(targeting.meeting_actions(meeting, user))
    return render(
        request,
        "reports/targeting/action_add.html",
        {
            "form": form,
            "title": "Add an action agreed at the meeting",
            "meeting": meeting,
            "actions": actions,
            "hidden_actions": hidden,
        },
    )


def _default_due(meeting: TargetingMeeting) -> datetime.date:
    """Most actions are reviewed at the next meeting: by the end of the meeting's term."""
    return max(meeting.term.ends_on, meeting.held_on)


@require_perm(VIEW)
def targeting_action_update(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark an action done or no longer needed (or open again)."""
    user = acting_user(request)
    action = get_object_or_404(
        targeting.visible_actions(user).select_related(
            "meeting__school", "meeting__term__academic_year", "pupil"
        ),
        pk=pk,
    )
    _may_hold(request, action.meeting.school)
    back = _safe_next(request, action.meeting.get_absolute_url())
    form = ActionUpdateForm(
        request.POST or None,
        initial={"seen_status": action.status, "completed_on": timezone.localdate()},
    )
    if form.is_valid():
        try:
            targeting.update_meeting_action(
                action=action,
                status=form.cleaned_data["status"],
                completed_on=form.cleaned_data["completed_on"],
                seen_status=form.cleaned_data["seen_status"],
                by=user,
            )
        except targeting.TargetingRuleBroken as refusal:
            action.refresh_from_db()
            if action.status != form.cleaned_data["seen_status"]:
                # Someone else changed it first: the page shows its status now, and saving
                # again starts from that.
                post = request.POST.copy()
                post["seen_status"] = action.status
                form = ActionUpdateForm(post)
                form.is_valid()
            form.add_error(None, str(refusal))
        else:
            messages.success(request, "The action’s progress was saved.")
            return redirect(back)
    return render(
        request,
        "reports/targeting/action_update.html",
        {
            "form": form,
            "title": "Update the action",
            "action": action,
            "back": back,
            "next": request.GET.get("next", ""),
        },
    )
