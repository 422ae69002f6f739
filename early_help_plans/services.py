"""Every write to a Family Early Help Plan: one function per user action, in one transaction.

A draft is written with the family over several sittings and saves section by section. Agreeing
the plan makes it active; from then on each save bumps its version and a save made from a stale
page is refused (rule 7). Every change is recorded with the acting user (rule 6).
"""

import dataclasses
import datetime
from collections.abc import Iterable
from typing import Any

import pghistory
from django.db import IntegrityError, transaction

from accounts.models import User
from cases.models import Case
from cases.services import LeadDetails, _lead_record
from early_help_plans.models import (
    REVIEW_INTERVAL,
    ActionItem,
    Agency,
    Aspect,
    AspectScore,
    ConsentSignatory,
    EarlyHelpPlan,
    FamilyMember,
    Perspective,
    PlanChild,
)
from schools.models import Pupil


class PlanRuleBroken(Exception):
    """A rule refused the change; the message is shown to the user."""


STALE = (
    "This plan was changed by someone else after you opened it. "
    "Check the plan as it is now and make your change again."
)


@dataclasses.dataclass(frozen=True)
class Signatory:
    role: str
    name: str
    signed_on: datetime.date


def _lock(plan: EarlyHelpPlan, seen_version: int | None) -> EarlyHelpPlan:
    locked = EarlyHelpPlan.objects.select_for_update().get(pk=plan.pk)
    if locked.status == EarlyHelpPlan.Status.CLOSED:
        raise PlanRuleBroken("This plan is closed and can no longer be changed.")
    if (
        locked.status == EarlyHelpPlan.Status.ACTIVE
        and seen_version is not None
        and locked.version != seen_version
    ):
        raise PlanRuleBroken(STALE)
    return locked


def _save(plan: EarlyHelpPlan, *fields: str) -> None:
    """Save the plan's fields; an active plan's version goes up with every save."""
    if plan.status == EarlyHelpPlan.Status.ACTIVE:
        plan.version += 1
        fields = (*fields, "version")
    if fields:
        plan.save(update_fields=list(fields))


def _child_name(child: PlanChild) -> str:
    return str(child.pupil) if child.pupil_id else "A child"


def _place_child(plan: EarlyHelpPlan, pupil: Pupil) -> PlanChild:
    if PlanChild.objects.filter(plan=plan, pupil=pupil).exists():
        raise PlanRuleBroken(f"{pupil} is already on this plan.")
    try:
        with transaction.atomic():
            return PlanChild.objects.create(
                plan=plan, pupil=pupil, plan_is_active=plan.status == EarlyHelpPlan.Status.ACTIVE
            )
    except IntegrityError as clash:
        raise PlanRuleBroken(f"{pupil} is already in another active plan.") from clash


@transaction.atomic
def start_plan(
    *, family_name: str, children: Iterable[Pupil], by: User, case: Case | None = None
) -> EarlyHelpPlan:
    """A draft plan for a family, with each of its children who is a pupil in the service."""
    with pghistory.context(user=by.pk):
        plan = EarlyHelpPlan.objects.create(family_name=family_name, case=case, created_by=by)
        for pupil in children:
            child = _place_child(plan, pupil)
            FamilyMember.objects.create(
                plan=plan,
                name=pupil.full_name,
                date_of_birth=pupil.date_of_birth,
                relationship="Child",
                child=child,
            )
        return plan


@transaction.atomic
def record_consent(
    *,
    plan: EarlyHelpPlan,
    consent_to_share: bool,
    supporting_families_consent: bool | None,
    signatories: Iterable[Signatory],
    recorded_on: datetime.date,
    by: User,
    seen_version: int | None = None,
) -> EarlyHelpPlan:
    signatories = list(signatories)
    parents = [s for s in signatories if s.role == ConsentSignatory.Role.PARENT]
    if len(parents) > 2 or len(signatories) - len(parents) > 2:
        raise PlanRuleBroken("Up to two parents or carers and two young people may sign.")
    with pghistory.context(user=by.pk):
        plan = _lock(plan, seen_version)
        plan.consent_to_share = consent_to_share
        plan.supporting_families_consent = supporting_families_consent
        plan.consent_recorded_on = recorded_on
        _save(plan, "consent_to_share", "supporting_families_consent", "consent_recorded_on")
        plan.signatories.all().delete()
        ConsentSignatory.objects.bulk_create(
            ConsentSignatory(plan=plan, role=s.role, name=s.name, signed_on=s.signed_on)
            for s in signatories
        )
        return plan


@transaction.atomic
def set_lead_professional(
    *,
    plan: EarlyHelpPlan,
    lead: LeadDetails,
    agreed_on: datetime.date,
    by: User,
    seen_version: int | None = None,
) -> EarlyHelpPlan:
    with pghistory.context(user=by.pk):
        plan = _lock(plan, seen_version)
        plan.lead_professional = _lead_record(lead)
        plan.lead_agreed_on = agreed_on
        _save(plan, "lead_professional", "lead_agreed_on")
        return plan


@transaction.atomic
def save_family(
    *,
    plan: EarlyHelpPlan,
    address: str,
    phone: str,
    email: str,
    useful_information: str,
    by: User,
    seen_version: int | None = None,
) -> EarlyHelpPlan:
    with pghistory.context(user=by.pk):
        plan = _lock(plan, seen_version)
        plan.address, plan.phone, plan.email = address, phone, email
        plan.useful_information = useful_information
        _save(plan, "address", "phone", "email", "useful_information")
        return plan


@transaction.atomic
def add_member(
    *,
    plan: EarlyHelpPlan,
    name: str,
    relationship: str,
    by: User,
    pupil: Pupil | None = None,
    seen_version: int | None = None,
    **details: Any,
) -> FamilyMember:
    """A member of the household; a child who is a pupil the user may see joins the plan."""
    with pghistory.context(user=by.pk):
        plan = _lock(plan, seen_version)
        child = None
        if pupil is not None:
            if not Pupil.objects.visible_to(by).filter(pk=pupil.pk).exists():
                raise PlanRuleBroken("You cannot link that pupil.")
            child = _place_child(plan, pupil)
        member = FamilyMember(plan=plan, name=name, relationship=relationship, child=child)
        for field, value in details.items():
            setattr(member, field, value)
        member.full_clean()
        member.save()
        _save(plan)
        return member


@transaction.atomic
def remove_member(
    *, member: FamilyMember, by: User, seen_version: int | None = None
) -> EarlyHelpPlan:
    with pghistory.context(user=by.pk):
        plan = _lock(member.plan, seen_version)
        child = member.child
        member.delete()
        if child is not None:
            child.delete()
        _save(plan)
        return plan


@transaction.atomic
def add_agency(
    *, plan: EarlyHelpPlan, service: str, by: User, seen_version: int | None = None, **details: Any
) -> Agency:
    with pghistory.context(user=by.pk):
        plan = _lock(plan, seen_version)
        agency = Agency(plan=plan, service=service, **details)
        agency.full_clean()
        agency.save()
        _save(plan)
        return agency


@transaction.atomic
def remove_agency(*, agency: Agency, by: User, seen_version: int | None = None) -> EarlyHelpPlan:
    with pghistory.context(user=by.pk):
        plan = _lock(agency.plan, seen_version)
        agency.delete()
        _save(plan)
        return plan


@transaction.atomic
def save_first_scores(
    *,
    plan: EarlyHelpPlan,
    aspect: str,
    perspective: str,
    by: User,
    score: int | None = None,
    not_relevant: bool = False,
    not_relevant_reason: str = "",
    working_well: str = "",
    could_be_better: str = "",
    practitioner_agrees: bool | None = None,
    practitioner_reason: str = "",
    seen_version: int | None = None,
) -> AspectScore:
    """The plan's first score of one aspect from one perspective (replacing an earlier one)."""
    if aspect not in Aspect.values or perspective not in Perspective.values:
        raise PlanRuleBroken("Choose an aspect of family life and whose view it is.")
    if not_relevant and not not_relevant_reason.strip():
        raise PlanRuleBroken("Say why this aspect is not relevant to the family.")
    if not not_relevant and (score is None or not 0 <= score <= 10):
        raise PlanRuleBroken("Enter a score from 0 to 10, or mark the aspect not relevant.")
    with pghistory.context(user=by.pk):
        plan = _lock(plan, seen_version)
        record, _ = AspectScore.objects.update_or_create(
            plan=plan,
            review=None,
            aspect=aspect,
            perspective=perspective,
            defaults={
                "score": None if not_relevant else score,
                "not_relevant": not_relevant,
                "not_relevant_reason": not_relevant_reason if not_relevant else "",
                "working_well": working_well,
                "could_be_better": could_be_better,
                "practitioner_agrees": practitioner_agrees,
                "practitioner_reason": practitioner_reason,
            },
        )
        _save(plan)
        return record


@transaction.atomic
def add_action(
    *, plan: EarlyHelpPlan, aspect: str, by: User, seen_version: int | None = None, **details: Any
) -> ActionItem:
    with pghistory.context(user=by.pk):
        plan = _lock(plan, seen_version)
        item = ActionItem(plan=plan, aspect=aspect, **details)
        if not item.no_action_needed and not item.action.strip():
            raise PlanRuleBroken("Say what the action is, or that none is needed.")
        item.full_clean()
        item.save()
        _save(plan)
        return item


@transaction.atomic
def set_next_review(
    *,
    plan: EarlyHelpPlan,
    time: datetime.time,
    venue: str,
    by: User,
    on: datetime.date | None = None,
    reason: str = "",
    seen_version: int | None = None,
) -> EarlyHelpPlan:
    """The first review's time and venue; its date is the day agreed + 42 days (rule 3).

    A later date needs a reason. The plan has no field for a first review on another date yet,
    so a different date is refused rather than silently lost.
    """
    if not venue.strip():
        raise PlanRuleBroken("Enter where the review will be held.")
    with pghistory.context(user=by.pk):
        plan = _lock(plan, seen_version)
        if on is not None and plan.agreed_on is not None:
            due = plan.agreed_on + REVIEW_INTERVAL
            if on > due and not reason.strip():
                raise PlanRuleBroken(
                    f"The review is due by {due:%d/%m/%Y}. Give a reason for a later date."
                )
            if on != due:
                raise PlanRuleBroken(
                    f"The first review is on {due:%d/%m/%Y}, 42 days after the plan was agreed."
                )
        plan.next_review_time = time
        plan.next_review_venue = venue.strip()
        _save(plan, "next_review_time", "next_review_venue")
        return plan


def missing_for_agreement(plan: EarlyHelpPlan) -> list[str]:
    """What the plan still needs before it can be agreed, in the words shown to the user."""
    missing = []
    if plan.consent_to_share is None:
        missing.append("the family’s decision about consent to share")
    if plan.lead_professional_id is None or plan.lead_agreed_on is None:
        missing.append("the lead professional’s agreement")
    if not plan.scores.filter(review__isnull=True, score__isnull=False).exists():
        missing.append("at least one aspect of family life scored")
    if plan.next_review_time is None or not plan.next_review_venue:
        missing.append("the time and venue of the next review")
    return missing


@transaction.atomic
def agree_plan(
    *, plan: EarlyHelpPlan, agreed_on: datetime.date, by: User, seen_version: int
) -> EarlyHelpPlan:
    """The plan becomes active; each of its children may be in only one active plan."""
    with pghistory.context(user=by.pk):
        plan = _lock(plan, None)
        if plan.version != seen_version:
            raise PlanRuleBroken(STALE)
        if plan.status != EarlyHelpPlan.Status.DRAFT:
            raise PlanRuleBroken("This plan has already been agreed.")
        missing = missing_for_agreement(plan)
        if missing:
            raise PlanRuleBroken("The plan cannot be agreed yet. Add " + "; ".join(missing) + ".")
        plan.status = EarlyHelpPlan.Status.ACTIVE
        plan.agreed_on = agreed_on
        plan.next_review_on = agreed_on + REVIEW_INTERVAL  # the first review: 6 weeks on
        plan.version += 1
        plan.save(update_fields=["status", "agreed_on", "next_review_on", "version"])
        for child in plan.children.select_related("pupil"):
            try:
                with transaction.atomic():
                    PlanChild.objects.filter(pk=child.pk).update(plan_is_active=True)
            except IntegrityError as clash:
                raise PlanRuleBroken(
                    f"{_child_name(child)} is already in another active plan. "
                    "Close that plan, or remove the child from this one, first."
                ) from clash
        return plan
