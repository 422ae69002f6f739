"""Quality audits of Family Early Help Plans: draw a random sample, grade each plan, summarise.

A manager (or administrator) draws a random sample of agreed plans, optionally of one school or
one lead professional, and grades each against the LA's criteria. The page shows, beside each
plan, the facts that help the auditor decide, computed from the plan rather than typed.

Which plans an auditor sees is EarlyHelpPlan.visible_to. On top of that a sample never includes a
plan whose family refused consent to share: an audit is read by every manager and administrator,
and such a plan may be opened only by its lead professional, its author and administrators.
"""

import dataclasses
import datetime
from collections import defaultdict
from collections.abc import Mapping
from typing import Any

import pghistory
from django.db import models, transaction
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone

from accounts.models import User
from cases.models import LeadProfessional
from early_help_plans.models import (
    REVIEW_INTERVAL,
    ActionItem,
    Aspect,
    AspectScore,
    AuditedPlan,
    EarlyHelpPlan,
    Grade,
    Perspective,
    PlanChild,
    QualityAudit,
    Review,
)
from schools.models import School

MAX_SAMPLE = 100

# The criteria each plan is graded against: AuditedPlan's boolean fields, in the form's order.
CRITERIA = (
    "consent_in_place",
    "voices_recorded",
    "actions_smart",
    "lowest_aspects_addressed",
    "tier_justified",
    "reviews_on_time",
)


def criterion_label(field: str) -> str:
    model_field = AuditedPlan._meta.get_field(field)
    assert isinstance(model_field, models.Field)  # noqa: S101 - CRITERIA names model fields
    return str(model_field.verbose_name)


class AuditRuleBroken(Exception):
    """A rule refused the change; the message is shown to the user."""


# Drawing a sample ------------------------------------------------------------------------------


def plans_to_sample(
    user: User,
    *,
    school: School | None = None,
    lead_professional: LeadProfessional | None = None,
) -> QuerySet[EarlyHelpPlan]:
    """Agreed plans (active or closed, never drafts) the user may open, and may audit."""
    plans = (
        EarlyHelpPlan.objects.visible_to(user)
        .filter(status__in=[EarlyHelpPlan.Status.ACTIVE, EarlyHelpPlan.Status.CLOSED])
        .exclude(consent_to_share=False)
    )
    if school is not None:
        # A plan belongs to each school one of its children attends now.
        plans = plans.filter(
            Exists(PlanChild.objects.filter(plan=OuterRef("pk"), pupil__current_school=school))
        )
    if lead_professional is not None:
        plans = plans.filter(lead_professional=lead_professional)
    return plans


def schools_to_sample(user: User) -> QuerySet[School]:
    """Schools with a child on a plan the user could sample, for the filter: not every school."""
    in_a_plan = PlanChild.objects.filter(
        pupil__current_school=OuterRef("pk"), plan__in=plans_to_sample(user).values("pk")
    )
    return School.objects.visible_to(user).filter(Exists(in_a_plan)).order_by("name", "pk")


def lead_professionals_to_sample(user: User) -> QuerySet[LeadProfessional]:
    """Lead professionals of at least one plan the user could sample, for the filter."""
    return LeadProfessional.objects.filter(
        Exists(plans_to_sample(user).filter(lead_professional=OuterRef("pk")))
    ).order_by("name", "agency", "pk")


@dataclasses.dataclass(frozen=True)
class DrawnSample:
    audit: QualityAudit
    drawn: int

    @property
    def shortfall(self) -> str:
        """Said plainly when fewer plans matched than were asked for; empty otherwise."""
        asked = self.audit.sample_size
        if self.drawn >= asked:
            return ""
        return (
            f"You asked for {asked} plans, but only {self.drawn} "
            f"{'matches' if self.drawn == 1 else 'match'}, "
            f"so the sample has {'that plan' if self.drawn == 1 else f'all {self.drawn}'}."
        )


def _nothing_matches(school: School | None, lead: LeadProfessional | None) -> str:
    of = " and ".join(
        part
        for part in (
            f"at {school}" if school else "",
            f"led by {lead}" if lead else "",
        )
        if part
    )
    where = f" {of}" if of else ""
    return (
        f"There are no agreed or closed plans{where} that can be audited, so no sample was "
        "drawn. Choose another school or lead professional, or leave them blank."
    )


def draw_sample(
    *,
    title: str,
    size: int,
    by: User,
    school: School | None = None,
    lead_professional: LeadProfessional | None = None,
) -> DrawnSample:
    """A random sample of up to `size` plans; all of them when fewer match."""
    title = title.strip()
    if not title:
        raise AuditRuleBroken("Enter a name for the audit.")
    if not 1 <= size <= MAX_SAMPLE:
        raise AuditRuleBroken(f"Choose a sample of 1 to {MAX_SAMPLE} plans.")
    # ORDER BY random() LIMIT n: an exact size and an even chance for every plan. TABLESAMPLE
    # would be quicker on millions of rows but samples pages before the filters apply, so it
    # can return fewer plans than exist.
    plan_ids = list(
        plans_to_sample(by, school=school, lead_professional=lead_professional)
        .order_by("?")
        .values_list("pk", flat=True)[:size]
    )
    if not plan_ids:
        raise AuditRuleBroken(_nothing_matches(school, lead_professional))
    with transaction.atomic(), pghistory.context(user=by.pk):
        audit = QualityAudit.objects.create(
            title=title,
            sample_size=size,
            drawn_by=by,
            school=school,
            lead_professional=lead_professional,
        )
        AuditedPlan.objects.bulk_create(AuditedPlan(audit=audit, plan_id=pk) for pk in plan_ids)
    return DrawnSample(audit=audit, drawn=len(plan_ids))


# Grading ---------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Judgement:
    """The auditor's answer to each criterion, the grade and why."""

    consent_in_place: bool
    voices_recorded: bool
    actions_smart: bool
    lowest_aspects_addressed: bool
    tier_justified: bool
    reviews_on_time: bool
    grade: str
    comments: str = ""


STALE_GRADE = (
    "Someone else graded this plan after you opened it. "
    "Check their grade and comments, then grade it again if you need to."
)


@transaction.atomic
def grade_plan(
    *,
    audited: AuditedPlan,
    judgement: Judgement,
    by: User,
    seen_graded_at: datetime.datetime | None,
) -> AuditedPlan:
    """Record the grade with who gave it and when; a regrade replaces it (history keeps both).

    The time of the grade the auditor saw guards against two auditors overwriting each other.
    """
    if judgement.grade not in Grade.values:
        raise AuditRuleBroken("Choose a grade.")
    with pghistory.context(user=by.pk):
        locked = AuditedPlan.objects.select_for_update().get(pk=audited.pk)
        if locked.graded_at != seen_graded_at:
            raise AuditRuleBroken(STALE_GRADE)
        if not EarlyHelpPlan.objects.visible_to(by).filter(pk=locked.plan_id).exists():
            raise AuditRuleBroken("You cannot open this plan, so you cannot grade it.")
        for field in CRITERIA:
            setattr(locked, field, getattr(judgement, field))
        locked.grade = judgement.grade
        locked.comments = judgement.comments.strip()
        locked.graded_by = by
        locked.graded_at = timezone.now()
        locked.full_clean()
        locked.save()
        return locked


# Reading an audit ------------------------------------------------------------------------------


def audits_for(user: User) -> QuerySet[QualityAudit]:
    """Every audit (an audit has no school scope: only auditors reach it), newest first."""
    return QualityAudit.objects.select_related("drawn_by", "school", "lead_professional").annotate(
        drawn=Count("plans"), graded=Count("plans", filter=~Q(plans__grade=""))
    )


def _visible_items(audit: QualityAudit, user: User) -> QuerySet[AuditedPlan]:
    return AuditedPlan.objects.filter(
        audit=audit, plan__in=EarlyHelpPlan.objects.visible_to(user).values("pk")
    )


def hidden_from(audit: QualityAudit, user: User) -> int:
    """Plans in the sample the user may no longer open (consent withdrawn since the draw)."""
    return (
        AuditedPlan.objects.filter(audit=audit)
        .exclude(plan__in=EarlyHelpPlan.objects.visible_to(user).values("pk"))
        .count()
    )


@dataclasses.dataclass(frozen=True)
class LowAspect:
    label: str
    score: int
    has_action: bool


@dataclasses.dataclass(frozen=True)
class ReviewGap:
    held_on: datetime.date
    days: int  # since the review before it, or since the plan was agreed

    @property
    def on_time(self) -> bool:
        return self.days <= REVIEW_INTERVAL.days


@dataclasses.dataclass(frozen=True)
class PlanFacts:
    """What the auditor needs to judge one plan, each worked out from the plan itself."""

    schools: list[str]
    consent_recorded: bool
    parent_voices: int
    parent_scored: int
    child_voices: int
    child_scored: int
    actions: int
    actions_owned_and_dated: int
    lowest_score: int | None
    lowest: list[LowAspect]
    reviews: list[ReviewGap]
    overdue_now: bool

    @property
    def reviews_on_time(self) -> int:
        return sum(gap.on_time for gap in self.reviews)

    @property
    def lowest_with_actions(self) -> int:
        return sum(aspect.has_action for aspect in self.lowest)


def _has_words(score: dict[str, Any]) -> bool:
    return bool(score["working_well"].strip() or score["could_be_better"].strip())


def _lowest(scores: list[dict[str, Any]], with_actions: set[str]) -> tuple[int | None, list[Any]]:
    """The aspects at the lowest score (parent's or child's) in the plan's latest scoring."""
    if not scores:
        return None, []
    latest = max(scores, key=lambda s: (s["review__held_on"] is not None, s["review__held_on"]))
    round_ = [s for s in scores if s["review_id"] == latest["review_id"] and s["score"] is not None]
    by_aspect: dict[str, int] = {}
    for score in round_:
        by_aspect[score["aspect"]] = min(score["score"], by_aspect.get(score["aspect"], 10))
    if not by_aspect:
        return None, []
    bottom = min(by_aspect.values())
    return bottom, [
        LowAspect(label=Aspect(aspect).label, score=bottom, has_action=aspect in with_actions)
        for aspect in Aspect.values
        if by_aspect.get(aspect) == bottom
    ]


def plan_facts(plans: list[EarlyHelpPlan]) -> dict[int, PlanFacts]:
    """Each plan's facts, in four queries whatever the number of plans."""
    ids = [plan.pk for plan in plans]
    schools: dict[int, list[str]] = defaultdict(list)
    for school_row in (
        PlanChild.objects.filter(plan_id__in=ids, pupil__current_school__isnull=False)
        .values("plan_id", "pupil__current_school__name")
        .distinct()
        .order_by("plan_id", "pupil__current_school__name")
    ):
        schools[school_row["plan_id"]].append(school_row["pupil__current_school__name"])

    scores: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for score_row in AspectScore.objects.filter(plan_id__in=ids).values(
        "plan_id",
        "review_id",
        "review__held_on",
        "aspect",
        "perspective",
        "score",
        "not_relevant",
        "working_well",
        "could_be_better",
    ):
        scores[score_row["plan_id"]].append(dict(score_row))

    actions: dict[int, dict[str, tuple[int, int]]] = defaultdict(dict)
    for action_row in (
        ActionItem.objects.filter(plan_id__in=ids, no_action_needed=False)
        .values("plan_id", "aspect")
        .annotate(
            n=Count("pk"),
            owned_and_dated=Count("pk", filter=~Q(who="") & Q(by_when__isnull=False)),
        )
        .order_by()
    ):
        actions[action_row["plan_id"]][action_row["aspect"]] = (
            action_row["n"],
            action_row["owned_and_dated"],
        )

    held: dict[int, list[datetime.date]] = defaultdict(list)
    for plan_id, held_on in (
        Review.objects.filter(plan_id__in=ids)
        .order_by("plan_id", "held_on", "pk")
        .values_list("plan_id", "held_on")
    ):
        held[plan_id].append(held_on)

    facts = {}
    for plan in plans:
        first = [s for s in scores[plan.pk] if s["review_id"] is None and not s["not_relevant"]]
        parent = [s for s in first if s["perspective"] == Perspective.PARENT]
        child = [s for s in first if s["perspective"] == Perspective.CHILD]
        by_aspect = actions[plan.pk]
        lowest_score, lowest = _lowest(scores[plan.pk], set(by_aspect))
        gaps = []
        previous = plan.agreed_on
        for held_on in held[plan.pk]:
            if previous is not None:
                gaps.append(ReviewGap(held_on=held_on, days=(held_on - previous).days))
            previous = held_on
        facts[plan.pk] = PlanFacts(
            schools=schools[plan.pk],
            consent_recorded=plan.consent_to_share is not None
            and plan.consent_recorded_on is not None,
            parent_voices=sum(map(_has_words, parent)),
            parent_scored=len(parent),
            child_voices=sum(map(_has_words, child)),
            child_scored=len(child),
            actions=sum(n for n, _ in by_aspect.values()),
            actions_owned_and_dated=sum(done for _, done in by_aspect.values()),
            lowest_score=lowest_score,
            lowest=lowest,
            reviews=gaps,
            overdue_now=plan.is_overdue(),
        )
    return facts


@dataclasses.dataclass(frozen=True)
class SampledPlan:
    item: AuditedPlan
    facts: PlanFacts


def sampled_plans(audit: QualityAudit, user: User) -> list[SampledPlan]:
    """The plans of the sample the user may open, with their facts, in five queries."""
    items = list(
        _visible_items(audit, user)
        .select_related("plan__lead_professional", "graded_by")
        .order_by("plan__family_name", "pk")
    )
    facts = plan_facts([item.plan for item in items])
    return [SampledPlan(item=item, facts=facts[item.plan_id]) for item in items]


def sampled_plan(audit: QualityAudit, user: User, pk: int) -> SampledPlan | None:
    """One plan of the sample, if the user may open it."""
    item = (
        _visible_items(audit, user)
        .select_related("plan__lead_professional", "graded_by")
        .filter(pk=pk)
        .first()
    )
    if item is None:
        return None
    return SampledPlan(item=item, facts=plan_facts([item.plan])[item.plan_id])


@dataclasses.dataclass(frozen=True)
class SummaryRow:
    """One school's or lead professional's results: how many plans got each grade and met each
    criterion."""

    name: str
    plans: int
    graded: int
    grades: list[int]  # in Grade's order
    criteria: list[int]  # in CRITERIA's order


def _tallies() -> dict[str, Count]:
    # DISTINCT: a family with two children at one school joins to the school twice.
    return {
        "n_plans": Count("pk", distinct=True),
        "n_graded": Count("pk", filter=~Q(grade=""), distinct=True),
        **{f"grade_{g}": Count("pk", filter=Q(grade=g), distinct=True) for g in Grade.values},
        **{f"met_{c}": Count("pk", filter=Q(**{c: True}), distinct=True) for c in CRITERIA},
    }


def _summary_row(name: str, row: Mapping[str, Any]) -> SummaryRow:
    return SummaryRow(
        name=name,
        plans=row["n_plans"],
        graded=row["n_graded"],
        grades=[row[f"grade_{g}"] for g in Grade.values],
        criteria=[row[f"met_{c}"] for c in CRITERIA],
    )


def summary_by_school(audit: QualityAudit, user: User) -> list[SummaryRow]:
    """Per school its children attend now; a family with children at two schools counts at each."""
    rows = (
        _visible_items(audit, user)
        .values(school=F("plan__children__pupil__current_school__name"))
        .annotate(**_tallies())
        .order_by(F("school").asc(nulls_last=True))
    )
    return [_summary_row(row["school"] or "No school recorded", row) for row in rows]


def summary_by_lead_professional(audit: QualityAudit, user: User) -> list[SummaryRow]:
    rows = (
        _visible_items(audit, user)
        .values(
            lead=F("plan__lead_professional"),
            lead_name=F("plan__lead_professional__name"),
            lead_agency=F("plan__lead_professional__agency"),
        )
        .annotate(**_tallies())
        .order_by(F("lead_name").asc(nulls_last=True), "lead_agency", "lead")
    )
    return [
        _summary_row(
            f"{row['lead_name']} ({row['lead_agency']})"
            if row["lead_agency"]
            else row["lead_name"] or "No lead professional",
            row,
        )
        for row in rows
    ]
