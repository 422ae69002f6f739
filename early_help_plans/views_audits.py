"""Quality audit pages: the list with "Draw a new sample", an audit's sample and summary, and
grading one plan.

Only managers and administrators reach them (early_help_plans.audit_plans); everyone else gets
403, since an audit belongs to no school. The plans inside still come through
EarlyHelpPlan.visible_to: a plan the auditor may not open is 404 on the grading page.

The two forms live here, beside the only pages that use them.
"""

import datetime
from typing import Any

from crispy_forms_gds.layout import Field, Layout, Size
from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.text import capfirst

from attendance_tracker.access import acting_user, require_perm
from attendance_tracker.forms import GovForm
from attendance_tracker.paging import paginate
from early_help_plans import audits
from early_help_plans.models import Grade, QualityAudit

PERMISSION = "early_help_plans.audit_plans"
YES_NO = [("yes", "Yes"), ("no", "No")]


class DrawSampleForm(GovForm):
    submit_label = "Draw the sample"
    title = forms.CharField(
        label="Name of the audit",
        max_length=150,
        help_text="For example, Autumn term audit",
        error_messages={"required": "Enter a name for the audit"},
    )
    size = forms.IntegerField(
        label="How many plans to sample",
        help_text=f"From 1 to {audits.MAX_SAMPLE}",
        min_value=1,
        max_value=audits.MAX_SAMPLE,
        widget=forms.NumberInput(attrs={"class": "govuk-input govuk-input--width-3"}),
        error_messages={
            "required": "Enter how many plans to sample",
            "invalid": f"Enter a whole number from 1 to {audits.MAX_SAMPLE}",
            "min_value": f"Enter a whole number from 1 to {audits.MAX_SAMPLE}",
            "max_value": f"Enter a whole number from 1 to {audits.MAX_SAMPLE}",
        },
    )
    school = forms.ModelChoiceField(
        label="School (optional)",
        queryset=audits.School.objects.none(),
        required=False,
        empty_label="Any school",
        help_text="Plans with a child at this school now",
    )
    lead_professional = forms.ModelChoiceField(
        label="Lead professional (optional)",
        queryset=audits.LeadProfessional.objects.none(),
        required=False,
        empty_label="Any lead professional",
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = audits.schools_to_sample(user)  # type: ignore[attr-defined]
        self.fields["lead_professional"].queryset = audits.lead_professionals_to_sample(user)  # type: ignore[attr-defined]


# Each criterion (audits.CRITERIA) as the question the auditor answers, and its error.
QUESTIONS = {
    "consent_in_place": ("Is consent in place?", "Choose whether consent is in place"),
    "voices_recorded": (
        "Are the child’s and the family’s voices recorded?",
        "Choose whether the child’s and the family’s voices are recorded",
    ),
    "actions_smart": (
        "Are the actions SMART, each with who will do it and by when?",
        "Choose whether the actions are SMART, owned and dated",
    ),
    "lowest_aspects_addressed": (
        "Do the actions address the lowest-scored aspects?",
        "Choose whether the actions address the lowest-scored aspects",
    ),
    "tier_justified": (
        "Is the tier of need justified?",
        "Choose whether the tier of need is justified",
    ),
    "reviews_on_time": (
        "Were the reviews on time?",
        "Choose whether the reviews were on time",
    ),
}


class GradeForm(GovForm):
    submit_label = "Save the grade"
    seen = forms.CharField(widget=forms.HiddenInput, required=False)
    grade = forms.ChoiceField(
        label="Grade",
        choices=Grade.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose a grade"},
    )
    comments = forms.CharField(
        label="Comments",
        help_text="What is good about the plan, and what would improve it",
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # One yes/no question per criterion, before the grade.
        criteria = {
            field: forms.ChoiceField(
                label=question,
                choices=YES_NO,
                widget=forms.RadioSelect,
                error_messages={"required": error},
            )
            for field, (question, error) in QUESTIONS.items()
        }
        self.fields = {**criteria, **self.fields}
        self.helper.layout = Layout(
            *(Field.radios(field, legend_size=Size.SMALL, inline=True) for field in criteria),
            Field.radios("grade", legend_size=Size.MEDIUM),
            "comments",
            "seen",
        )

    def judgement(self) -> audits.Judgement:
        data = self.cleaned_data
        return audits.Judgement(
            **{field: data[field] == "yes" for field in audits.CRITERIA},
            grade=data["grade"],
            comments=data["comments"],
        )

    def seen_graded_at(self) -> datetime.datetime | None:
        seen = self.cleaned_data["seen"]
        try:
            return datetime.datetime.fromisoformat(seen) if seen else None
        except ValueError:
            return datetime.datetime.min.replace(tzinfo=datetime.UTC)  # never matches: stale


@require_perm(PERMISSION)
def audit_list(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    form = DrawSampleForm(request.POST or None, user=user)
    if form.is_valid():
        data = form.cleaned_data
        try:
            drawn = audits.draw_sample(
                title=data["title"],
                size=data["size"],
                school=data["school"],
                lead_professional=data["lead_professional"],
                by=user,
            )
        except audits.AuditRuleBroken as refusal:
            form.add_error(None, str(refusal))
        else:
            drawn_text = f"{drawn.drawn} plan{'' if drawn.drawn == 1 else 's'}"
            messages.success(request, f"A sample of {drawn_text} was drawn. {drawn.shortfall}")
            return redirect(drawn.audit)
    return render(
        request,
        "early_help_plans/audits/audit_list.html",
        {"form": form, "page": paginate(request, audits.audits_for(user))},
    )


def _audit(pk: int) -> QualityAudit:
    return get_object_or_404(
        QualityAudit.objects.select_related("drawn_by", "school", "lead_professional"), pk=pk
    )


@require_perm(PERMISSION)
def audit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = acting_user(request)
    audit = _audit(pk)
    plans = audits.sampled_plans(audit, user)
    hidden = audits.hidden_from(audit, user)
    context = {
        "audit": audit,
        "plans": plans,
        "hidden": hidden,
        "drawn": len(plans) + hidden,
        "graded": sum(1 for p in plans if p.item.grade),
        "by_school": audits.summary_by_school(audit, user),
        "by_lead": audits.summary_by_lead_professional(audit, user),
        "grades": Grade.choices,
        "criteria": [audits.criterion_label(field) for field in audits.CRITERIA],
    }
    return render(request, "early_help_plans/audits/audit_detail.html", context)


@require_perm(PERMISSION)
def grade_plan(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    user = acting_user(request)
    audit = _audit(pk)
    sampled = audits.sampled_plan(audit, user, item_pk)
    if sampled is None:
        raise Http404
    item = sampled.item
    initial: dict[str, Any] = {"seen": item.graded_at.isoformat() if item.graded_at else ""}
    if item.grade:
        initial |= {field: "yes" if getattr(item, field) else "no" for field in audits.CRITERIA} | {
            "grade": item.grade,
            "comments": item.comments,
        }
    form = GradeForm(request.POST or None, initial=initial)
    if form.is_valid():
        try:
            audits.grade_plan(
                audited=item,
                judgement=form.judgement(),
                by=user,
                seen_graded_at=form.seen_graded_at(),
            )
        except audits.AuditRuleBroken as refusal:
            form.add_error(None, str(refusal))
            # The page now shows the grade as it is; saving again deliberately replaces it.
            fresh = request.POST.copy()
            fresh["seen"] = initial["seen"]
            form.data = fresh
        else:
            grade = Grade(form.cleaned_data["grade"]).label.lower()
            messages.success(request, f"{capfirst(item.plan.family_name)} was graded {grade}.")
            return redirect(audit)
    return render(
        request,
        "early_help_plans/audits/grade.html",
        {
            "form": form,
            "audit": audit,
            "sampled": sampled,
            "title": f"Grade the plan for {item.plan.family_name}",
        },
    )
