"""Family Early Help Plan pages: the list, starting a plan, its task list and question pages."""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from attendance_tracker.access import acting_user, require_perm
from audit.models import AccessLogEntry
from audit.services import record_access
from cases import forms as cases_forms
from cases.models import Case
from early_help_plans import forms, reviews, selectors, services
from early_help_plans.charts import aspect_chart
from early_help_plans.models import Aspect, EarlyHelpPlan, Perspective
from schools.models import Pupil


def _plan_in_scope(request: HttpRequest, pk: int, *, edit: bool = False) -> EarlyHelpPlan:
    """Out of scope (or withheld for want of consent): 404. Seen but not theirs to edit: 403."""
    plan = get_object_or_404(
        EarlyHelpPlan.objects.visible_to(acting_user(request)).select_related(
            "lead_professional", "created_by"
        ),
        pk=pk,
    )
    if edit and not request.user.has_perm("early_help_plans.edit_plan", plan):
        raise PermissionDenied
    return plan


@require_perm("early_help_plans.view_plans")
def plan_list(request: HttpRequest) -> HttpResponse:
    plans = selectors.plans_for(acting_user(request))
    return render(request, "early_help_plans/plan_list.html", {"plans": plans})


@require_perm("early_help_plans.view_plans")
def start_plan(request: HttpRequest, pupil_pk: int) -> HttpResponse:
    user = acting_user(request)
    pupil = get_object_or_404(Pupil.objects.visible_to(user), pk=pupil_pk)
    if not request.user.has_perm("early_help_plans.create_plan"):
        raise PermissionDenied
    form = forms.StartPlanForm(
        request.POST or None, initial={"family_name": f"the {pupil.family_name} family"}
    )
    if form.is_valid():
        case = Case.objects.filter(pupil=pupil, status=Case.Status.OPEN).first()
        try:
            plan = services.start_plan(
                family_name=form.cleaned_data["family_name"], children=[pupil], by=user, case=case
            )
        except services.PlanRuleBroken as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(request, "The plan was started. It saves as you go.")
            return redirect(plan)
    return render(
        request,
        "early_help_plans/plan_form.html",
        {"form": form, "title": f"Start a Family Early Help Plan for {pupil.full_name}"},
    )


@require_perm("early_help_plans.view_plans")
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan_in_scope(request, pk)
    members = list(plan.members.select_related("child__pupil"))
    may_edit = request.user.has_perm("early_help_plans.edit_plan", plan)
    progress = reviews.timeline(plan)
    labels = [label for label, _ in progress["points"]]
    for row in progress["rows"]:
        row["chart"] = aspect_chart(row["label"], labels, row["parent"], row["child"])
        row["cells"] = list(zip(row["parent"], row["child"], strict=True))
    context = {
        "plan": plan,
        "sections": selectors.task_list(plan),
        "members": members,
        "can_edit": may_edit and plan.status != EarlyHelpPlan.Status.CLOSED,
        "may_edit": may_edit,
        "reviews": progress["reviews"],
        "progress": progress,
        "needs_safeguarding": reviews.needs_safeguarding_decision(plan),
        "has_maintaining_plan": hasattr(plan, "maintaining_plan"),
    }
    record_access(
        request=request,
        action=AccessLogEntry.Action.VIEW_PUPIL,
        pupil_ids=[m.child.pupil_id for m in members if m.child and m.child.pupil_id],
        description=f"Viewed Family Early Help Plan {plan.pk}",
    )
    return render(request, "early_help_plans/plan_detail.html", context)


Act = Callable[[EarlyHelpPlan, dict[str, Any], HttpRequest], str]


def _plan_form_view(
    *,
    form_class: type[forms.PlanForm],
    title: str,
    act: Act,
    initial: Callable[[EarlyHelpPlan], dict[str, Any]] | None = None,
    template: str = "early_help_plans/plan_form.html",
    extra: Callable[[EarlyHelpPlan], dict[str, Any]] | None = None,
) -> Callable[..., HttpResponseBase]:
    """A question page that saves one section of one plan, then goes back to the task list."""

    @require_perm("early_help_plans.view_plans")
    def view(request: HttpRequest, pk: int) -> HttpResponse:
        plan = _plan_in_scope(request, pk, edit=True)
        start = {**(initial(plan) if initial else {}), "seen_version": plan.version}
        form = form_class(request.POST or None, initial=start)
        if form.is_valid():
            try:
                done = act(plan, form.cleaned_data, request)
            except services.PlanRuleBroken as refusal:
                form.add_error(None, str(refusal))
            else:
                messages.success(request, done)
                return redirect(plan)
        context = {"form": form, "title": title, "plan": plan, **(extra(plan) if extra else {})}
        return render(request, template, context)

    return view


def _by(request: HttpRequest) -> Any:
    return acting_user(request)


def _yes_no(value: bool | None) -> str | None:
    return None if value is None else "yes" if value else "no"


def _consent(plan: EarlyHelpPlan, data: dict[str, Any], request: HttpRequest) -> str:
    form_data = forms.ConsentForm.answers(data)
    services.record_consent(
        plan=plan,
        consent_to_share=form_data["consent_to_share"],
        supporting_families_consent=form_data["supporting_families_consent"],
        signatories=[
            services.Signatory(role=role, name=name, signed_on=form_data["recorded_on"])
            for role, name in form_data["signatories"]
        ],
        recorded_on=form_data["recorded_on"],
        by=_by(request),
        seen_version=data["seen_version"],
    )
    return "Consent was recorded."


def _consent_initial(plan: EarlyHelpPlan) -> dict[str, Any]:
    signatories = list(plan.signatories.all())
    parents = [s.name for s in signatories if s.role == "parent"]
    young = [s.name for s in signatories if s.role == "young_person"]
    return {
        "consent_to_share": _yes_no(plan.consent_to_share),
        "supporting_families_consent": _yes_no(plan.supporting_families_consent),
        "recorded_on": plan.consent_recorded_on or timezone.localdate(),
        **{f"parent_{n}": name for n, name in enumerate(parents[:2], 1)},
        **{f"young_person_{n}": name for n, name in enumerate(young[:2], 1)},
    }


consent = _plan_form_view(
    form_class=forms.ConsentForm,
    title="Consent to share information",
    act=_consent,
    initial=_consent_initial,
)


def _lead(plan: EarlyHelpPlan, data: dict[str, Any], request: HttpRequest) -> str:
    lead = cases_forms.lead_details_from(data)
    if lead is None:
        raise services.PlanRuleBroken("Choose who the lead professional is.")
    services.set_lead_professional(
        plan=plan,
        lead=lead,
        agreed_on=data["agreed_on"],
        by=_by(request),
        seen_version=data["seen_version"],
    )
    return "The lead professional was recorded."


lead_professional = _plan_form_view(
    form_class=forms.LeadForm,
    title="Lead professional agreement",
    act=_lead,
    initial=lambda plan: {"lead_choice": "user", "agreed_on": plan.lead_agreed_on},
)


def _family(plan: EarlyHelpPlan, data: dict[str, Any], request: HttpRequest) -> str:
    services.save_family(
        plan=plan,
        address=data["address"],
        phone=data["phone"],
        email=data["email"],
        useful_information=data["useful_information"],
        by=_by(request),
        seen_version=data["seen_version"],
    )
    return "The family’s details were saved."


family = _plan_form_view(
    form_class=forms.FamilyDetailsForm,
    title="Who’s in our family",
    act=_family,
    initial=lambda plan: {
        "address": plan.address,
        "phone": plan.phone,
        "email": plan.email,
        "useful_information": plan.useful_information,
    },
    template="early_help_plans/family.html",
    extra=lambda plan: {"members": plan.members.select_related("child__pupil")},
)


@require_perm("early_help_plans.view_plans")
def add_member(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan_in_scope(request, pk, edit=True)
    user = acting_user(request)
    pupils = Pupil.objects.visible_to(user).order_by("family_name", "given_name")
    form = forms.MemberForm(
        request.POST or None, pupils=pupils, initial={"seen_version": plan.version}
    )
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.add_member(
                plan=plan,
                name=data["name"],
                relationship=data["relationship"],
                pupil=data["pupil"],
                date_of_birth=data["date_of_birth"],
                lives_at_home=data["lives_at_home"],
                by=user,
                seen_version=data["seen_version"],
            )
        except services.PlanRuleBroken as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(request, f"{data['name']} was added to the family.")
            return redirect("early_help_plans:plan-family", plan.pk)
    return render(
        request,
        "early_help_plans/plan_form.html",
        {"form": form, "title": "Add someone to the family", "plan": plan},
    )


@require_POST
@require_perm("early_help_plans.view_plans")
def remove_member(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan_in_scope(request, pk, edit=True)
    form = forms.RemoveMemberForm(request.POST, plan=plan)
    if form.is_valid():
        try:
            services.remove_member(
                member=form.cleaned_data["member"],
                by=acting_user(request),
                seen_version=form.cleaned_data["seen_version"],
            )
        except services.PlanRuleBroken as refusal:
            messages.error(request, str(refusal))
        else:
            messages.success(request, f"{form.cleaned_data['member'].name} was removed.")
    return redirect("early_help_plans:plan-family", plan.pk)


def _agency(plan: EarlyHelpPlan, data: dict[str, Any], request: HttpRequest) -> str:
    details = {k: data[k] for k in ("contact", "email", "supports_whom", "how")}
    services.add_agency(
        plan=plan,
        service=data["service"],
        by=_by(request),
        seen_version=data["seen_version"],
        **details,
    )
    return f"{data['service']} was added."


agencies = _plan_form_view(
    form_class=forms.AgencyForm,
    title="Who else is working with us",
    act=_agency,
    template="early_help_plans/agencies.html",
    extra=lambda plan: {"agencies": plan.agencies.all()},
)


def _action(plan: EarlyHelpPlan, data: dict[str, Any], request: HttpRequest) -> str:
    details = {k: data[k] for k in ("no_action_needed", "action", "who", "by_when")}
    services.add_action(
        plan=plan,
        aspect=data["aspect"],
        by=_by(request),
        seen_version=data["seen_version"],
        **details,
    )
    return "The action was added."


actions = _plan_form_view(
    form_class=forms.ActionForm,
    title="Our action plan",
    act=_action,
    template="early_help_plans/actions.html",
    extra=lambda plan: {"actions": plan.actions.filter(review__isnull=True)},
)


def _review(plan: EarlyHelpPlan, data: dict[str, Any], request: HttpRequest) -> str:
    services.set_next_review(
        plan=plan,
        time=data["time"],
        venue=data["venue"],
        by=_by(request),
        seen_version=data["seen_version"],
    )
    return "The next review was set."


next_review = _plan_form_view(
    form_class=forms.NextReviewForm,
    title="Next review",
    act=_review,
    initial=lambda plan: {"time": plan.next_review_time, "venue": plan.next_review_venue},
    template="early_help_plans/next_review.html",
)


@require_perm("early_help_plans.view_plans")
def aspects(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan_in_scope(request, pk)
    scores = {(s.aspect, s.perspective): s for s in plan.scores.filter(review__isnull=True)}
    rows = [
        {
            "aspect": aspect,
            "label": label,
            "parent": scores.get((aspect, Perspective.PARENT)),
            "child": scores.get((aspect, Perspective.CHILD)),
        }
        for aspect, label in Aspect.choices
    ]
    can_edit = request.user.has_perm("early_help_plans.edit_plan", plan)
    return render(
        request,
        "early_help_plans/aspects.html",
        {"plan": plan, "rows": rows, "can_edit": can_edit},
    )


@require_perm("early_help_plans.view_plans")
def score_aspect(request: HttpRequest, pk: int) -> HttpResponse:
    """One aspect of family life (?aspect=…): the parent or carer's score and the child's."""
    plan = _plan_in_scope(request, pk, edit=True)
    aspect = request.GET.get("aspect", Aspect.EDUCATION)
    if aspect not in Aspect.values:
        raise Http404
    label = Aspect(aspect).label
    existing = {s.perspective: s for s in plan.scores.filter(review__isnull=True, aspect=aspect)}
    parent = existing.get(Perspective.PARENT)
    child = existing.get(Perspective.CHILD)
    initial: dict[str, Any] = {"seen_version": plan.version}
    if parent is not None:
        initial |= {
            "parent_score": parent.score,
            "not_relevant": parent.not_relevant,
            "not_relevant_reason": parent.not_relevant_reason,
            "working_well": parent.working_well,
            "could_be_better": parent.could_be_better,
            "parent_practitioner_agrees": _yes_no(parent.practitioner_agrees),
            "parent_practitioner_reason": parent.practitioner_reason,
        }
    if child is not None:
        initial |= {
            "child_score": child.score,
            "child_working_well": child.working_well,
            "child_could_be_better": child.could_be_better,
            "child_practitioner_agrees": _yes_no(child.practitioner_agrees),
            "child_practitioner_reason": child.practitioner_reason,
        }
    form = forms.ScoresForm(request.POST or None, initial=initial)
    if form.is_valid():
        data = form.cleaned_data
        shared = {
            "plan": plan,
            "aspect": aspect,
            "by": acting_user(request),
            "not_relevant": data["not_relevant"],
            "not_relevant_reason": data["not_relevant_reason"],
        }
        try:
            services.save_first_scores(
                **shared,
                perspective=Perspective.PARENT,
                score=data["parent_score"],
                working_well=data["working_well"],
                could_be_better=data["could_be_better"],
                **form.practitioner_view("parent"),
                seen_version=data["seen_version"],
            )
            if data["child_score"] is not None or data["not_relevant"]:
                services.save_first_scores(
                    **shared,
                    perspective=Perspective.CHILD,
                    score=data["child_score"],
                    working_well=data["child_working_well"],
                    could_be_better=data["child_could_be_better"],
                    **form.practitioner_view("child"),
                )
        except services.PlanRuleBroken as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(request, f"{label} was scored.")
            return redirect("early_help_plans:plan-aspects", plan.pk)
    return render(
        request,
        "early_help_plans/plan_form.html",
        {"form": form, "title": label, "plan": plan},
    )


@require_perm("early_help_plans.view_plans")
def agree(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan_in_scope(request, pk, edit=True)
    missing = services.missing_for_agreement(plan)
    form = forms.AgreeForm(
        request.POST or None,
        initial={"seen_version": plan.version, "agreed_on": timezone.localdate()},
    )
    if form.is_valid():
        try:
            services.agree_plan(
                plan=plan,
                agreed_on=form.cleaned_data["agreed_on"],
                by=acting_user(request),
                seen_version=form.cleaned_data["seen_version"],
            )
        except services.PlanRuleBroken as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(request, "The plan was agreed and is now active.")
            return redirect(plan)
    return render(
        request,
        "early_help_plans/agree.html",
        {
            "form": form,
            "title": "Agree the plan",
            "plan": plan,
            "missing": missing,
            "back_url": reverse("early_help_plans:plan-detail", args=[plan.pk]),
        },
    )
