"""Case pages: open, the case page and its timeline, every change to a case, the caseload."""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from attendance import selectors as attendance_selectors
from attendance_tracker.access import acting_user, require_perm
from attendance_tracker.csv_export import csv_response
from attendance_tracker.paging import paginate
from audit.models import AccessLogEntry
from audit.services import record_access
from cases import forms, selectors, services
from cases.models import Case, CaseAction, OtherPlan, ReducedTimetable
from schools.models import Pupil, School


def _case_in_scope(request: HttpRequest, pk: int, permission: str | None = None) -> Case:
    """Out of scope: 404. In scope without the permission for this case: 403."""
    case = get_object_or_404(
        Case.objects.visible_to(acting_user(request)).select_related(
            "pupil", "pupil__current_school", "link_coordinator", "lead_professional"
        ),
        pk=pk,
    )
    if permission and not request.user.has_perm(permission, case):
        raise PermissionDenied
    return case


@require_perm("schools.view_pupils")
def open_case(request: HttpRequest, pupil_pk: int) -> HttpResponse:
    pupil = get_object_or_404(
        Pupil.objects.visible_to(acting_user(request)).select_related("current_school"),
        pk=pupil_pk,
    )
    if not request.user.has_perm("cases.open_case"):
        raise PermissionDenied
    existing = Case.objects.filter(pupil=pupil, status=Case.Status.OPEN).first()
    if existing is not None:
        messages.info(request, f"{pupil} already has an open case.")
        return redirect(existing)
    figures = attendance_selectors.pupil_attendance_year(
        pupil, attendance_selectors.current_start_year()
    )
    form = forms.OpenCaseForm(request.POST or None)
    if form.is_valid():
        data = form.cleaned_data
        try:
            case = services.open_case(
                pupil=pupil,
                by=acting_user(request),
                reason=data["reason"],
                rag=data["rag"],
                tier=data["tier"],
                link_coordinator=data["link_coordinator"],
                lead=form.lead_details(),
            )
        except services.CaseRuleBroken as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(request, f"A case was opened for {pupil}.")
            return redirect(case)
    return render(
        request,
        "cases/open_case.html",
        {
            "form": form,
            "pupil": pupil,
            "figures": figures,
            "below_threshold": not (figures and figures.is_severely_absent),
        },
    )


@require_perm("cases.view_cases")
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case_in_scope(request, pk)
    record_access(
        request=request,
        action=AccessLogEntry.Action.VIEW_PUPIL,
        pupil_ids=[case.pupil_id],
        description="Viewed the pupil’s case",
    )
    today = timezone.localdate()
    other_plans = list(case.other_plans.all())
    context = {
        "case": case,
        "pupil": case.pupil,
        "today": today,
        "timeline": case.timeline.select_related("by"),
        "actions": case.actions.all(),
        "contacts": case.contacts.select_related("by")[:5],
        "other_plans": other_plans,
        "has_plan": selectors.case_has_plan(case, today),
        "timetables": ReducedTimetable.objects.filter(pupil=case.pupil),
        "can_work": request.user.has_perm("cases.work_on_case", case) and case.is_open,
        "can_manage": request.user.has_perm("cases.manage_case", case),
        "other_cases": Case.objects.filter(pupil=case.pupil).exclude(pk=case.pk),
    }
    return render(request, "cases/case_detail.html", context)


def _case_form_view(
    *,
    permission: str,
    form_class: type[Any],
    title: str,
    act: Callable[[Case, dict[str, Any], HttpRequest], str],
    versioned: bool = False,
    initial: Callable[[Case], dict[str, Any]] | None = None,
) -> Callable[..., HttpResponseBase]:
    """A page with one form that changes one case, then goes back to the case."""

    @require_perm("cases.view_cases")
    def view(request: HttpRequest, pk: int) -> HttpResponse:
        case = _case_in_scope(request, pk, permission)
        start = dict(initial(case) if initial else {})
        if versioned:
            start["seen_version"] = case.version
        form = form_class(request.POST or None, initial=start)
        if form.is_valid():
            try:
                done = act(case, form.cleaned_data, request)
            except services.CaseRuleBroken as refusal:
                form.add_error(None, str(refusal))
            else:
                messages.success(request, done)
                return redirect(case)
        return render(
            request,
            "cases/case_form.html",
            {"form": form, "title": title, "case": case, "pupil": case.pupil},
        )

    return view


def _by(request: HttpRequest) -> User:
    return acting_user(request)


def _rag(case: Case, data: dict[str, Any], request: HttpRequest) -> str:
    services.change_rag(
        case=case,
        rag=data["rag"],
        reason=data["reason"],
        by=_by(request),
        seen_version=data["seen_version"],
    )
    return "The RAG rating was changed."


def _tier(case: Case, data: dict[str, Any], request: HttpRequest) -> str:
    services.change_tier(
        case=case,
        tier=data["tier"],
        reason=data["reason"],
        by=_by(request),
        seen_version=data["seen_version"],
    )
    return "The tier of need was changed."


def _lead(case: Case, data: dict[str, Any], request: HttpRequest) -> str:
    lead = forms.lead_details_from(data)
    if lead is None:  # the form refuses "not named yet"; this keeps the type checker honest
        raise services.CaseRuleBroken("Choose who the new lead professional is.")
    services.change_lead_professional(
        case=case,
        lead=lead,
        since=data["since"],
        by=_by(request),
        seen_version=data["seen_version"],
    )
    return "The lead professional was changed."


def _contact(case: Case, data: dict[str, Any], request: HttpRequest) -> str:
    services.record_contact(case=case, by=_by(request), **data)
    return "The contact was recorded."


def _action(case: Case, data: dict[str, Any], request: HttpRequest) -> str:
    services.add_action(case=case, by=_by(request), **data)
    return "The action was added."


def _other_plan(case: Case, data: dict[str, Any], request: HttpRequest) -> str:
    services.add_other_plan(case=case, by=_by(request), **data)
    return "The plan was recorded."


def _note(case: Case, data: dict[str, Any], request: HttpRequest) -> str:
    services.add_note(case=case, text=data["text"], by=_by(request))
    return "The note was added."


def _close(case: Case, data: dict[str, Any], request: HttpRequest) -> str:
    services.close_case(case=case, by=_by(request), **data)
    return "The case was closed."


def _reopen(case: Case, data: dict[str, Any], request: HttpRequest) -> str:
    services.reopen_case(
        case=case, reason=data["reason"], by=_by(request), seen_version=data["seen_version"]
    )
    return "The case was reopened."


def _today(case: Case) -> dict[str, Any]:
    return {"contacted_on": timezone.localdate(), "closed_on": timezone.localdate()}


change_rag = _case_form_view(
    permission="cases.manage_case",
    form_class=forms.RagForm,
    title="Change the RAG rating",
    act=_rag,
    versioned=True,
    initial=lambda case: {"rag": case.rag},
)
change_tier = _case_form_view(
    permission="cases.manage_case",
    form_class=forms.TierForm,
    title="Change the tier of need",
    act=_tier,
    versioned=True,
    initial=lambda case: {"tier": case.tier},
)
change_lead = _case_form_view(
    permission="cases.manage_case",
    form_class=forms.LeadForm,
    title="Change the lead professional",
    act=_lead,
    versioned=True,
    initial=lambda case: {"since": timezone.localdate(), "lead_choice": "user"},
)
add_contact = _case_form_view(
    permission="cases.work_on_case",
    form_class=forms.ContactForm,
    title="Record a contact",
    act=_contact,
    initial=_today,
)
add_action = _case_form_view(
    permission="cases.work_on_case",
    form_class=forms.ActionForm,
    title="Add an action",
    act=_action,
)
add_other_plan = _case_form_view(
    permission="cases.manage_case",
    form_class=forms.OtherPlanForm,
    title="Record another plan in place",
    act=_other_plan,
)
add_note = _case_form_view(
    permission="cases.work_on_case",
    form_class=forms.NoteForm,
    title="Add a note",
    act=_note,
)
close_case = _case_form_view(
    permission="cases.manage_case",
    form_class=forms.CloseCaseForm,
    title="Close the case",
    act=_close,
    versioned=True,
    initial=_today,
)
reopen_case = _case_form_view(
    permission="cases.manage_case",
    form_class=forms.ReopenCaseForm,
    title="Reopen the case",
    act=_reopen,
    versioned=True,
)


@require_perm("cases.view_cases")
def complete_action(request: HttpRequest, pk: int, action_pk: int) -> HttpResponse:
    case = _case_in_scope(request, pk, "cases.work_on_case")
    action = get_object_or_404(CaseAction, pk=action_pk, case=case)
    form = forms.CompleteActionForm(
        request.POST or None, initial={"completed_on": timezone.localdate()}
    )
    if form.is_valid():
        try:
            services.complete_action(
                action=action, on=form.cleaned_data["completed_on"], by=_by(request)
            )
        except services.CaseRuleBroken as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(request, "The action was marked as done.")
            return redirect(case)
    return render(
        request,
        "cases/case_form.html",
        {"form": form, "title": f"Mark as done: {action}", "case": case, "pupil": case.pupil},
    )


@require_perm("cases.view_cases")
def end_other_plan(request: HttpRequest, pk: int, plan_pk: int) -> HttpResponse:
    case = _case_in_scope(request, pk, "cases.manage_case")
    plan = get_object_or_404(OtherPlan, pk=plan_pk, case=case)
    form = forms.EndOtherPlanForm(request.POST or None, initial={"ended_on": timezone.localdate()})
    if form.is_valid():
        try:
            services.end_other_plan(
                plan=plan, ended_on=form.cleaned_data["ended_on"], by=_by(request)
            )
        except services.CaseRuleBroken as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(request, "The plan was ended.")
            return redirect(case)
    return render(
        request,
        "cases/case_form.html",
        {"form": form, "title": f"End the {plan}", "case": case, "pupil": case.pupil},
    )


# The caseload ----------------------------------------------------------------------------------


def _caseload(request: HttpRequest) -> tuple[forms.CaseloadFilterForm, Any, dict[str, int], str]:
    user = acting_user(request)
    form = forms.CaseloadFilterForm(request.GET or None, schools=School.objects.visible_to(user))
    filters = form.cleaned_data if form.is_valid() else {}
    sort = request.GET.get("sort", "rag")
    cases, counts = selectors.caseload(user, filters=filters, sort=sort)
    return form, cases, counts, sort


@require_perm("cases.view_caseload")
def caseload(request: HttpRequest) -> HttpResponse:
    form, cases, counts, sort = _caseload(request)
    params = request.GET.copy()
    params.pop("page", None)
    params.pop("sort", None)
    return render(
        request,
        "cases/caseload.html",
        {
            "form": form,
            "page": paginate(request, cases),
            "counts": counts,
            "flag_counts": [(flag, counts[flag.key]) for flag in selectors.FLAGS],
            "sort": sort,
            "sorts": [
                ("rag", "RAG"),
                ("pupil", "Name"),
                ("school", "School"),
                ("tier", "Tier"),
                ("opened", "Longest open"),
                ("contact", "Longest without contact"),
                ("attendance", "Lowest attendance"),
            ],
            "query": params.urlencode(),
            "can_reassign": request.user.has_perm("cases.reassign_cases"),
        },
    )


@require_perm("cases.view_caseload")
def caseload_export(request: HttpRequest) -> HttpResponseBase:
    _, cases, _, _ = _caseload(request)
    rows = list(cases)
    record_access(
        request=request,
        action=AccessLogEntry.Action.EXPORT,
        pupil_ids=[case.pupil_id for case in rows],
        description=f"Exported a caseload of {len(rows)} cases (CSV)",
    )
    return csv_response(
        filename="caseload.csv",
        header=[
            "UPN",
            "Given name",
            "Family name",
            "School",
            "Status",
            "RAG",
            "Tier",
            "Link co-ordinator",
            "Lead professional",
            "Opened",
            "Days since last contact",
            "Attendance this year (%)",
        ],
        rows=(
            [
                case.pupil.upn,
                case.pupil.given_name,
                case.pupil.family_name,
                case.pupil.current_school.name if case.pupil.current_school else "",
                case.get_status_display(),
                case.get_rag_display(),
                case.tier,
                str(case.link_coordinator or ""),
                str(case.lead_professional or ""),
                case.opened_on.isoformat(),
                "" if case.days_since_contact is None else case.days_since_contact,
                "" if case.latest_rate is None else case.latest_rate,
            ]
            for case in rows
        ),
    )


@require_perm("cases.reassign_cases")
def reassign(request: HttpRequest) -> HttpResponse:
    form = forms.ReassignForm(request.POST or None)
    if form.is_valid():
        moved = services.reassign_cases(
            cases=Case.objects.filter(link_coordinator=form.cleaned_data["from_user"]),
            to=form.cleaned_data["to_user"],
            by=_by(request),
        )
        messages.success(
            request,
            f"{moved} open case{'s' if moved != 1 else ''} moved to "
            f"{form.cleaned_data['to_user']}.",
        )
        return redirect(reverse("cases:caseload"))
    return render(
        request, "form_page.html", {"form": form, "title": "Reassign a link co-ordinator’s cases"}
    )
