"""A plan's documents: the plan, each review and the Maintaining Our Family Plan as PDFs, and the
files attached for the child's voice.

Every one is reached through the plan, fetched from EarlyHelpPlan.visible_to like every plan page:
out of scope, or withheld for want of consent, is 404. Every download is written to the access
log with the pupil ids of the plan's children, and no download's file name names a child.
"""

import dataclasses
import datetime
from collections.abc import Iterable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from attendance_tracker.access import acting_user, require_perm
from attendance_tracker.forms import GovForm
from audit.models import AccessLogEntry
from audit.services import record_access
from cases.pdf import pdf_response, render_pdf
from early_help_plans import attachments
from early_help_plans.models import (
    ActionItem,
    Aspect,
    AspectScore,
    Attachment,
    EarlyHelpPlan,
    FamilyMember,
    Perspective,
    PlanChild,
    Readiness,
    Review,
)


def _plan_in_scope(request: HttpRequest, pk: int, *prefetch: Any) -> EarlyHelpPlan:
    """As every plan page fetches it: out of scope (or withheld for want of consent) is 404."""
    return get_object_or_404(
        EarlyHelpPlan.objects.visible_to(acting_user(request))
        .select_related("lead_professional", "created_by")
        .prefetch_related(
            Prefetch("children", queryset=PlanChild.objects.only("pk", "plan_id", "pupil_id")),
            *prefetch,
        ),
        pk=pk,
    )


def _log_download(request: HttpRequest, plan: EarlyHelpPlan, description: str) -> None:
    record_access(
        request=request,
        action=AccessLogEntry.Action.DOWNLOAD,
        pupil_ids=plan.pupil_ids(),
        description=description,
    )


# The PDFs ---------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class AspectRow:
    """One aspect of family life as the plan records it: the parent's or carer's view and the
    child's, side by side."""

    label: str
    parent: AspectScore | None
    child: AspectScore | None

    @property
    def is_scored(self) -> bool:
        """Scored from either view, rather than only marked not relevant (or not at all)."""
        return any(s is not None and not s.not_relevant for s in (self.parent, self.child))

    @property
    def not_relevant_reason(self) -> str | None:
        """Why the aspect is not relevant, when it is scored from neither view."""
        if self.is_scored:
            return None
        marked = [s for s in (self.parent, self.child) if s is not None and s.not_relevant]
        return marked[0].not_relevant_reason if marked else None


@dataclasses.dataclass(frozen=True)
class ActionGroup:
    label: str
    actions: list[ActionItem]


def _aspect_rows(scores: Iterable[AspectScore]) -> list[AspectRow]:
    by_key = {(score.aspect, score.perspective): score for score in scores}
    return [
        AspectRow(
            label=label,
            parent=by_key.get((aspect, Perspective.PARENT)),
            child=by_key.get((aspect, Perspective.CHILD)),
        )
        for aspect, label in Aspect.choices
    ]


def _action_groups(actions: Iterable[ActionItem]) -> list[ActionGroup]:
    """The action plan in the form's order of aspects, leaving out aspects with no rows."""
    by_aspect: dict[str, list[ActionItem]] = {}
    for action in actions:
        by_aspect.setdefault(action.aspect, []).append(action)
    return [
        ActionGroup(label=label, actions=by_aspect[aspect])
        for aspect, label in Aspect.choices
        if aspect in by_aspect
    ]


_MEMBERS = Prefetch("members", queryset=FamilyMember.objects.order_by("pk"))
_FIRST_SCORES = Prefetch(
    "scores", queryset=AspectScore.objects.filter(review__isnull=True), to_attr="first_scores"
)
_FIRST_ACTIONS = Prefetch(
    "actions", queryset=ActionItem.objects.filter(review__isnull=True), to_attr="first_actions"
)


def _document_context(request: HttpRequest, plan: EarlyHelpPlan, **extra: Any) -> dict[str, Any]:
    return {
        "plan": plan,
        "produced_by": acting_user(request),
        "readiness_scale": Readiness.choices,
        **extra,
    }


@require_perm("early_help_plans.view_plans")
def plan_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan_in_scope(
        request, pk, _MEMBERS, "signatories", "agencies", _FIRST_SCORES, _FIRST_ACTIONS
    )
    pdf = render_pdf(
        "pdf/family_early_help_plan.html",
        _document_context(
            request,
            plan,
            aspects=_aspect_rows(plan.first_scores),  # type: ignore[attr-defined]
            action_groups=_action_groups(plan.first_actions),  # type: ignore[attr-defined]
        ),
    )
    _log_download(request, plan, "Downloaded a Family Early Help Plan (PDF)")
    return pdf_response(pdf, filename=f"family-early-help-plan-{plan.pk}.pdf")


@dataclasses.dataclass(frozen=True)
class Rescore:
    """An aspect re-scored at a review, with the score it had before (at the last review that
    scored it from that view, or in the plan as agreed)."""

    label: str
    perspective: str
    before: AspectScore | None
    now: AspectScore


def _order(score: AspectScore) -> tuple[datetime.date, int]:
    review = score.review
    return (review.held_on, review.pk) if review is not None else (datetime.date.min, 0)


def _rescores(review: Review, scores: Iterable[AspectScore]) -> list[Rescore]:
    """This review's scores, each beside the one before it, from every score the plan holds."""
    latest: dict[tuple[str, str], AspectScore] = {}
    before: dict[tuple[str, str], AspectScore | None] = {}
    now: dict[tuple[str, str], AspectScore] = {}
    for score in sorted(scores, key=_order):
        key = (score.aspect, score.perspective)
        if score.review_id == review.pk:
            before[key], now[key] = latest.get(key), score
        elif _order(score) < (review.held_on, review.pk):
            latest[key] = score
    labels = dict(Aspect.choices)
    perspectives = dict(Perspective.choices)
    return [
        Rescore(labels[aspect], perspectives[view], before[aspect, view], now[aspect, view])
        for aspect in Aspect.values
        for view in Perspective.values
        if (aspect, view) in now
    ]


@require_perm("early_help_plans.view_plans")
def review_pdf(request: HttpRequest, pk: int, review_pk: int) -> HttpResponse:
    plan = _plan_in_scope(
        request,
        pk,
        _MEMBERS,
        Prefetch("scores", queryset=AspectScore.objects.select_related("review")),
    )
    review = get_object_or_404(
        plan.reviews.select_related("new_lead_professional", "recorded_by").prefetch_related(
            "invitees", "actions"
        ),
        pk=review_pk,
    )
    previous = (
        plan.reviews.filter(
            Q(held_on__lt=review.held_on) | Q(held_on=review.held_on, pk__lt=review.pk)
        )
        .order_by("-held_on", "-pk")
        .values_list("held_on", flat=True)
        .first()
    )
    pdf = render_pdf(
        "pdf/plan_review.html",
        _document_context(
            request,
            plan,
            review=review,
            previous_review_on=previous,
            rescores=_rescores(review, plan.scores.all()),
            action_groups=_action_groups(review.actions.all()),
        ),
    )
    _log_download(request, plan, "Downloaded a review of a Family Early Help Plan (PDF)")
    return pdf_response(
        pdf, filename=f"family-early-help-plan-{plan.pk}-review-{review.held_on:%Y-%m-%d}.pdf"
    )


@require_perm("early_help_plans.view_plans")
def maintaining_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan_in_scope(request, pk, _MEMBERS, "agencies")
    try:
        maintaining = plan.maintaining_plan
    except EarlyHelpPlan.maintaining_plan.RelatedObjectDoesNotExist as missing:
        raise Http404("This plan has no Maintaining Our Family Plan") from missing
    pdf = render_pdf(
        "pdf/maintaining_our_family_plan.html",
        _document_context(request, plan, maintaining=maintaining),
    )
    _log_download(request, plan, "Downloaded a Maintaining Our Family Plan (PDF)")
    return pdf_response(pdf, filename=f"maintaining-our-family-plan-{plan.pk}.pdf")


# Attachments ------------------------------------------------------------------------------------


class AttachmentForm(GovForm):
    submit_label = "Upload the file"
    file = forms.FileField(
        label="Upload a file",
        error_messages={
            "required": "Select a file to upload",
            "empty": "The selected file is empty",
        },
    )
    description = forms.CharField(
        label="What it is (optional)",
        help_text="For example, Amira’s drawing of her morning routine",
        max_length=200,
        required=False,
        error_messages={"max_length": "What it is must be 200 characters or fewer"},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit = attachments.size_text(attachments.max_bytes())
        self.fields[
            "file"
        ].help_text = (
            f"A drawing, worksheet or photo of one: a PNG, JPEG or PDF, smaller than {limit}"
        )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        try:
            attachments.check_upload(upload)
        except attachments.AttachmentRefused as refusal:
            raise forms.ValidationError(str(refusal)) from refusal
        return upload


def _can_change(request: HttpRequest, plan: EarlyHelpPlan) -> bool:
    return request.user.has_perm("early_help_plans.edit_plan", plan)


def _attachment_of(plan: EarlyHelpPlan, attachment_pk: int) -> Attachment:
    return get_object_or_404(plan.attachments.select_related("uploaded_by"), pk=attachment_pk)


@require_perm("early_help_plans.view_plans")
def plan_attachments(request: HttpRequest, pk: int) -> HttpResponse:
    """The plan's files, and (for those who may change the plan) the form to add one."""
    plan = _plan_in_scope(request, pk)
    can_change = _can_change(request, plan)
    if request.method == "POST" and not can_change:
        raise PermissionDenied
    is_closed = plan.status == EarlyHelpPlan.Status.CLOSED
    form = AttachmentForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            added = attachments.add_attachment(
                plan=plan,
                upload=form.cleaned_data["file"],
                description=form.cleaned_data["description"],
                by=acting_user(request),
            )
        except attachments.AttachmentRefused as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(request, f"{added.original_name} was added to the plan.")
            return redirect("early_help_plans:plan-attachments", plan.pk)
    return render(
        request,
        "early_help_plans/attachments.html",
        {
            "plan": plan,
            "form": form,
            "files": plan.attachments.select_related("uploaded_by"),
            "can_change": can_change and not is_closed,
            "is_closed": is_closed,
        },
    )


@require_perm("early_help_plans.view_plans")
def attachment_download(request: HttpRequest, pk: int, attachment_pk: int) -> FileResponse:
    plan = _plan_in_scope(request, pk)
    attachment = _attachment_of(plan, attachment_pk)
    try:
        stored = attachment.file.open("rb")
    except FileNotFoundError as missing:
        raise Http404("The stored file is missing") from missing
    extension = attachments.EXTENSIONS.get(attachment.content_type, "bin")
    response = FileResponse(
        stored,
        as_attachment=True,
        filename=f"family-early-help-plan-{plan.pk}-file-{attachment.pk}.{extension}",
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    _log_download(request, plan, "Downloaded a file attached to a Family Early Help Plan")
    return response


@require_perm("early_help_plans.view_plans")
def attachment_delete(request: HttpRequest, pk: int, attachment_pk: int) -> HttpResponse:
    """A page asking to confirm, then the deletion (POST)."""
    plan = _plan_in_scope(request, pk)
    if not _can_change(request, plan):
        raise PermissionDenied
    attachment = _attachment_of(plan, attachment_pk)
    back = redirect("early_help_plans:plan-attachments", plan.pk)
    if plan.status == EarlyHelpPlan.Status.CLOSED:
        messages.error(request, attachments.CLOSED)
        return back
    if request.method == "POST":
        try:
            attachments.delete_attachment(attachment=attachment, by=acting_user(request))
        except attachments.AttachmentRefused as refusal:
            messages.error(request, str(refusal))
        else:
            messages.success(request, f"{attachment.original_name} was deleted.")
        return back
    return render(
        request,
        "early_help_plans/attachments_delete.html",
        {"plan": plan, "attachment": attachment},
    )
