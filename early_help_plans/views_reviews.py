"""Pages for a plan's later life: record and read reviews, the Maintaining Our Family Plan,
consent withdrawn and the safeguarding decision, reopening, Supporting Families records."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from attendance_tracker.access import acting_user, require_perm
from audit.models import AccessLogEntry
from audit.services import record_access
from early_help_plans import forms_reviews, reviews
from early_help_plans.models import (
    REVIEW_INTERVAL,
    Aspect,
    EarlyHelpPlan,
    MaintainingOurFamilyPlan,
    Perspective,
    Review,
)
from early_help_plans.services import PlanRuleBroken
from early_help_plans.views import _plan_in_scope


def _refuse_unless(plan: EarlyHelpPlan, status: str, message: str, request: HttpRequest) -> bool:
    if plan.status != status:
        messages.error(request, message)
        return True
    return False


@require_perm("early_help_plans.view_plans")
def record_review(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan_in_scope(request, pk, edit=True)
    if _refuse_unless(
        plan,
        EarlyHelpPlan.Status.ACTIVE,
        "Only an agreed, open plan can be reviewed.",
        request,
    ):
        return redirect(plan)
    today = timezone.localdate()
    lead = plan.lead_professional
    form = forms_reviews.ReviewForm(
        request.POST or None,
        initial={
            "seen_version": plan.version,
            "held_on": today,
            "next_review_time": plan.next_review_time,
            "next_review_venue": plan.next_review_venue,
            "invitee_1_name": lead.name if lead else "",
            "invitee_1_role": "Lead professional" if lead else "",
        },
    )
    if form.is_valid():
        try:
            review = reviews.record_review(
                plan=plan,
                by=acting_user(request),
                seen_version=form.cleaned_data["seen_version"],
                **form.details(),
            )
        except PlanRuleBroken as refusal:
            form.add_error(None, str(refusal))
        else:
            if review.next_step == Review.NextStep.CONTINUE:
                messages.success(request, "The review was recorded.")
            elif review.next_step == Review.NextStep.STEP_UP:
                messages.success(
                    request,
                    "The review was recorded, the plan closed and the children’s cases moved "
                    "to tier 4.",
                )
            else:
                messages.success(request, "The review was recorded and the plan closed.")
            return redirect(plan)
    record_access(
        request=request,
        action=AccessLogEntry.Action.VIEW_PUPIL,
        pupil_ids=plan.pupil_ids(),
        description=f"Recording a review of Family Early Help Plan {plan.pk}",
    )
    context = {
        "form": form,
        "plan": plan,
        "title": "Record a review",
        "attendance": reviews.children_attendance(plan, on=today),
        "last_review": plan.last_reviewed_on or plan.agreed_on,
        "default_next": today + REVIEW_INTERVAL,
        "latest_scores": _latest_scores(plan),
    }
    return render(request, "early_help_plans/review_form.html", context)


def _latest_scores(plan: EarlyHelpPlan) -> list[dict[str, Any]]:
    """Each aspect's latest score from each perspective, shown beside the review form."""
    progress = reviews.timeline(plan)
    rows = []
    for row in progress["rows"]:
        parent = next((s for s in reversed(row["parent"]) if s is not None), None)
        child = next((s for s in reversed(row["child"]) if s is not None), None)
        rows.append({"label": row["label"], "parent": parent, "child": child})
    return rows


@require_perm("early_help_plans.view_plans")
def review_detail(request: HttpRequest, pk: int, review_pk: int) -> HttpResponse:
    plan = _plan_in_scope(request, pk)
    review = get_object_or_404(
        Review.objects.select_related("recorded_by", "new_lead_professional"),
        pk=review_pk,
        plan=plan,
    )
    scores = {(s.aspect, s.perspective): s for s in review.scores.all()}
    rows = [
        {
            "label": label,
            "parent": scores.get((aspect, Perspective.PARENT)),
            "child": scores.get((aspect, Perspective.CHILD)),
        }
        for aspect, label in Aspect.choices
        if (aspect, Perspective.PARENT) in scores or (aspect, Perspective.CHILD) in scores
    ]
    record_access(
        request=request,
        action=AccessLogEntry.Action.VIEW_PUPIL,
        pupil_ids=plan.pupil_ids(),
        description=f"Viewed a review of Family Early Help Plan {plan.pk}",
    )
    number = plan.reviews.filter(held_on__lte=review.held_on, pk__lte=review.pk).count()
    return render(
        request,
        "early_help_plans/review_detail.html",
        {
            "plan": plan,
            "review": review,
            "number": number,
            "rows": rows,
            "invitees": review.invitees.all(),
            "actions": review.actions.all(),
        },
    )


@require_perm("early_help_plans.view_plans")
def maintaining_plan(request: HttpRequest, pk: int) -> HttpResponse:
    """Written with the family before the plan closes because universal services meet its
    needs; read-only once the plan has closed."""
    plan = _plan_in_scope(request, pk)
    existing = MaintainingOurFamilyPlan.objects.filter(plan=plan).first()
    can_edit = (
        request.user.has_perm("early_help_plans.edit_plan", plan)
        and plan.status == EarlyHelpPlan.Status.ACTIVE
    )
    if request.method == "POST" and not can_edit:
        raise PermissionDenied
    if not can_edit:
        if existing is None:
            messages.error(request, "This plan has no Maintaining Our Family Plan.")
            return redirect(plan)
        return render(
            request,
            "early_help_plans/maintaining_plan.html",
            {"plan": plan, "maintaining": existing},
        )
    initial: dict[str, Any] = {"seen_version": plan.version}
    if existing is not None:
        initial |= {
            field.name: getattr(existing, field.name)
            for field in MaintainingOurFamilyPlan._meta.get_fields()
            if field.name in forms_reviews.MaintainingPlanForm.base_fields
        }
    else:
        initial |= {"agreed_on": plan.agreed_on, "final_review_on": timezone.localdate()}
    form = forms_reviews.MaintainingPlanForm(request.POST or None, initial=initial)
    if form.is_valid():
        data = dict(form.cleaned_data)
        seen = data.pop("seen_version")
        try:
            reviews.save_maintaining_plan(
                plan=plan, by=acting_user(request), seen_version=seen, **data
            )
        except PlanRuleBroken as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(
                request,
                "The Maintaining Our Family Plan was saved. Record the final review to close "
                "the plan.",
            )
            return redirect(plan)
    return render(
        request,
        "early_help_plans/plan_form.html",
        {"form": form, "plan": plan, "title": "Maintaining Our Family Plan"},
    )


@require_perm("early_help_plans.view_plans")
def withdraw_consent(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan_in_scope(request, pk, edit=True)
    if plan.status == EarlyHelpPlan.Status.CLOSED:
        messages.error(request, "This plan is closed and can no longer be changed.")
        return redirect(plan)
    form = forms_reviews.WithdrawConsentForm(
        request.POST or None,
        initial={"seen_version": plan.version, "withdrawn_on": timezone.localdate()},
    )
    if form.is_valid():
        try:
            reviews.withdraw_consent(
                plan=plan,
                on=form.cleaned_data["withdrawn_on"],
                reason=form.cleaned_data["reason"],
                by=acting_user(request),
                seen_version=form.cleaned_data["seen_version"],
            )
        except PlanRuleBroken as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(
                request,
                "Consent was withdrawn and the plan closed. The lead professional has been "
                "asked to consider whether this raises a safeguarding concern.",
            )
            return redirect(plan)
    return render(
        request,
        "early_help_plans/withdraw_consent.html",
        {"form": form, "plan": plan, "title": "Withdraw consent"},
    )


@require_perm("early_help_plans.view_plans")
def safeguarding(request: HttpRequest, pk: int) -> HttpResponse:
    """The lead professional's decision after consent was withdrawn."""
    plan = _plan_in_scope(request, pk, edit=True)
    if plan.consent_withdrawn_on is None:
        messages.error(request, "Consent has not been withdrawn from this plan.")
        return redirect(plan)
    form = forms_reviews.SafeguardingForm(request.POST or None)
    if form.is_valid():
        try:
            reviews.record_safeguarding_decision(
                plan=plan,
                concern=form.cleaned_data["concern"] == "yes",
                note=form.cleaned_data["note"],
                by=acting_user(request),
            )
        except PlanRuleBroken as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(request, "The safeguarding decision was recorded.")
            return redirect(plan)
    return render(
        request,
        "early_help_plans/plan_form.html",
        {"form": form, "plan": plan, "title": "Consider safeguarding"},
    )


@require_perm("early_help_plans.view_plans")
def reopen(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan_in_scope(request, pk, edit=True)
    if _refuse_unless(
        plan, EarlyHelpPlan.Status.CLOSED, "Only a closed plan can be reopened.", request
    ):
        return redirect(plan)
    form = forms_reviews.ReopenForm(request.POST or None, initial={"seen_version": plan.version})
    if form.is_valid():
        try:
            reviews.reopen_plan(
                plan=plan,
                reason=form.cleaned_data["reason"],
                by=acting_user(request),
                seen_version=form.cleaned_data["seen_version"],
            )
        except PlanRuleBroken as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(request, "The plan was reopened.")
            return redirect(plan)
    return render(
        request,
        "early_help_plans/plan_form.html",
        {"form": form, "plan": plan, "title": "Reopen the plan"},
    )


@require_perm("early_help_plans.view_plans")
def supporting_families(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan_in_scope(request, pk)
    can_add = (
        request.user.has_perm("early_help_plans.edit_plan", plan)
        and plan.status != EarlyHelpPlan.Status.CLOSED
        and plan.supporting_families_consent is True
    )
    if request.method == "POST" and not can_add:
        raise PermissionDenied
    form = forms_reviews.SupportingFamiliesForm(request.POST or None) if can_add else None
    if form is not None and form.is_valid():
        try:
            reviews.add_supporting_families_record(
                plan=plan,
                outcome=form.cleaned_data["outcome"],
                evidence=form.cleaned_data["evidence"],
                by=acting_user(request),
            )
        except PlanRuleBroken as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(request, "The Supporting Families record was added.")
            return redirect("early_help_plans:plan-supporting-families", plan.pk)
    return render(
        request,
        "early_help_plans/supporting_families.html",
        {
            "plan": plan,
            "form": form,
            "records": plan.supporting_families_records.select_related("recorded_by"),
        },
    )
