"""A plan's documents: the plan, each review and the Maintaining Our Family Plan as PDFs.

Every one is reached through the plan, fetched from EarlyHelpPlan.visible_to like every plan page:
out of scope, or withheld for want of consent, is 404. Every download is written to the access
log with the pupil ids of the plan's children, and no download's file name names a child.
"""

import dataclasses
import datetime
from collections.abc import Iterable
from typing import Any

from django.db.models import Prefetch, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404

from attendance_tracker.access import acting_user, require_perm
from audit.models import AccessLogEntry
from audit.services import record_access
from cases.pdf import pdf_response, render_pdf
from early_help_plans.models import (
    ActionItem,
    Aspect,
    AspectScore,
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


def _pupil_ids(plan: EarlyHelpPlan) -> list[int]:
    return sorted(child.pupil_id for child in plan.children.all() if child.pupil_id is not None)


def _log_download(request: HttpRequest, plan: EarlyHelpPlan, description: str) -> None:
    record_access(
        request=request,
        action=AccessLogEntry.Action.DOWNLOAD,
        pupil_ids=_pupil_ids(plan),
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
