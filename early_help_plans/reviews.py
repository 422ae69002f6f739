"""A plan's later life: reviews every 6 weeks, closure and its impact, consent withdrawn, reopening.

A review re-scores the aspects and decides exactly one next step: continue (a new action plan
and the next review, by default 42 days later; a later date needs a reason), close (consent
withdrawn, moved out of the city, or needs met by universal services, which needs the family's
Maintaining Our Family Plan), or step up to children's social care through the MASH (the
children's open cases move to tier 4, on their timelines). Closing stores the plan's measured
impact, deletes the records kept only for the Supporting Families programme and tells everyone
working with the family. A closed plan is read-only until it is reopened with a reason.
"""

import dataclasses
import datetime
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

import pghistory
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.dateformat import format as format_date

from accounts.models import User
from attendance.models import AttendanceRecord
from cases.models import Case, Tier, TimelineEntry
from cases.services import LeadDetails, _assign_lead, _lead_record, _log
from early_help_plans.models import (
    REVIEW_INTERVAL,
    ActionItem,
    Aspect,
    AspectScore,
    EarlyHelpPlan,
    MaintainingOurFamilyPlan,
    Notification,
    Perspective,
    PlanChild,
    PlanReopening,
    Review,
    ReviewInvitee,
    SupportingFamiliesRecord,
)
from early_help_plans.overdue import Email, Recipient, _add, _recipients, _send
from early_help_plans.services import STALE, PlanRuleBroken

WINDOW = datetime.timedelta(days=42)  # "the 6 weeks before"
CLOSING_REASONS = (
    EarlyHelpPlan.ClosureReason.CONSENT_WITHDRAWN,
    EarlyHelpPlan.ClosureReason.MOVED_OUT,
    EarlyHelpPlan.ClosureReason.UNIVERSAL,
)


@dataclasses.dataclass(frozen=True)
class Invitee:
    name: str
    role: str = ""
    contact: str = ""
    attended: bool = False
    sent_update: bool = False


@dataclasses.dataclass(frozen=True)
class Rescore:
    aspect: str
    perspective: str
    score: int | None = None
    not_relevant: bool = False
    whats_changed: str = ""


@dataclasses.dataclass(frozen=True)
class NewAction:
    aspect: str
    action: str = ""
    who: str = ""
    by_when: datetime.date | None = None
    difference: str = ""
    readiness: int | None = None
    no_action_needed: bool = False


def _today() -> datetime.date:
    return timezone.localdate()


def _lock_active(plan: EarlyHelpPlan, seen_version: int) -> EarlyHelpPlan:
    locked = EarlyHelpPlan.objects.select_for_update().get(pk=plan.pk)
    if locked.status == EarlyHelpPlan.Status.CLOSED:
        raise PlanRuleBroken("This plan is closed and can no longer be changed.")
    if locked.status != EarlyHelpPlan.Status.ACTIVE:
        raise PlanRuleBroken("Agree the plan with the family before recording a review.")
    if locked.version != seen_version:
        raise PlanRuleBroken(STALE)
    return locked


def attendance_rate(
    pupil_ids: Iterable[int], *, ending: datetime.date, window: datetime.timedelta = WINDOW
) -> Decimal | None:
    """Attendance (%) over the records whose periods end in the window ending on `ending`."""
    totals = AttendanceRecord.objects.filter(
        pupil_id__in=list(pupil_ids),
        period_end__gt=ending - window,
        period_end__lte=ending,
    ).aggregate(possible=Sum("possible_sessions"), attended=Sum("attended_sessions"))
    if not totals["possible"]:
        return None
    return (Decimal(100) * totals["attended"] / totals["possible"]).quantize(Decimal("0.01"))


def _children(plan: EarlyHelpPlan) -> list[PlanChild]:
    return list(plan.children.select_related("pupil").filter(pupil__isnull=False))


def children_attendance(plan: EarlyHelpPlan, *, on: datetime.date) -> list[dict[str, Any]]:
    """Each child's attendance in the 6 weeks before `on` against the 6 weeks before agreement."""
    start = plan.agreed_on or on
    rows = []
    for child in _children(plan):
        pupil = child.pupil
        if pupil is None:  # _children keeps only pupils; for the type checker
            continue
        now = attendance_rate([pupil.pk], ending=on)
        at_start = attendance_rate([pupil.pk], ending=start)
        rows.append(
            {
                "pupil_id": pupil.pk,
                "name": pupil.full_name,
                "now": str(now) if now is not None else None,
                "at_start": str(at_start) if at_start is not None else None,
            }
        )
    return rows


def _check_review_date(plan: EarlyHelpPlan, held_on: datetime.date) -> None:
    if held_on > _today():
        raise PlanRuleBroken("The date of the review cannot be in the future.")
    if plan.agreed_on and held_on < plan.agreed_on:
        raise PlanRuleBroken(
            f"The review cannot be before the plan was agreed ({plan.agreed_on:%d/%m/%Y})."
        )
    if plan.last_reviewed_on and held_on < plan.last_reviewed_on:
        raise PlanRuleBroken(
            f"The review cannot be before the previous review ({plan.last_reviewed_on:%d/%m/%Y})."
        )


def _check_scores(rescores: Sequence[Rescore]) -> None:
    seen = set()
    for rescore in rescores:
        if rescore.aspect not in Aspect.values or rescore.perspective not in Perspective.values:
            raise PlanRuleBroken("Choose an aspect of family life and whose view it is.")
        key = (rescore.aspect, rescore.perspective)
        if key in seen:
            raise PlanRuleBroken(f"{Aspect(rescore.aspect).label} is scored twice.")
        seen.add(key)
        if not rescore.not_relevant and (rescore.score is None or not 0 <= rescore.score <= 10):
            raise PlanRuleBroken(f"Score {Aspect(rescore.aspect).label} from 0 to 10.")


@transaction.atomic
def record_review(
    *,
    plan: EarlyHelpPlan,
    by: User,
    held_on: datetime.date,
    next_step: str,
    seen_version: int,
    invitees: Sequence[Invitee] = (),
    changed_contact_details: str = "",
    rescores: Sequence[Rescore] = (),
    family_summary: str = "",
    child_summary: str = "",
    team_summary: str = "",
    next_review_on: datetime.date | None = None,
    next_review_time: datetime.time | None = None,
    next_review_venue: str = "",
    later_review_reason: str = "",
    actions: Sequence[NewAction] = (),
    closure_reason: str = "",
    mash_assessment_by: str = "",
    mash_contact_form_by: str = "",
    new_lead: LeadDetails | None = None,
    lead_changed_on: datetime.date | None = None,
) -> Review:
    """Record a review and carry out its one next step."""
    if next_step not in Review.NextStep.values:
        raise PlanRuleBroken("Choose the next step: continue, close or step up.")
    _check_scores(rescores)
    with pghistory.context(user=by.pk):
        plan = _lock_active(plan, seen_version)
        _check_review_date(plan, held_on)
        review = Review(
            plan=plan,
            held_on=held_on,
            changed_contact_details=changed_contact_details,
            family_summary=family_summary,
            child_summary=child_summary,
            team_summary=team_summary,
            next_step=next_step,
            recorded_by=by,
        )
        if next_step == Review.NextStep.CONTINUE:
            due = held_on + REVIEW_INTERVAL  # and, unless another date is given, arranged then
            on = next_review_on or due
            if on <= held_on:
                raise PlanRuleBroken("The next review must be after this one.")
            if on > due and not later_review_reason.strip():
                raise PlanRuleBroken(
                    f"The next review is due by {due:%d/%m/%Y}. Give a reason for a later date."
                )
            if next_review_time is None or not next_review_venue.strip():
                raise PlanRuleBroken("Enter the time and place of the next review.")
            review.next_review_on = on
            review.later_review_reason = later_review_reason.strip() if on > due else ""
        elif next_step == Review.NextStep.CLOSE:
            if closure_reason not in CLOSING_REASONS:
                raise PlanRuleBroken("Choose why the plan is closing.")
            if closure_reason == EarlyHelpPlan.ClosureReason.UNIVERSAL and not hasattr(
                plan, "maintaining_plan"
            ):
                raise PlanRuleBroken(
                    "Write the Maintaining Our Family Plan with the family before closing the "
                    "plan because universal services meet its needs."
                )
            review.closure_reason = closure_reason
        else:
            if not mash_assessment_by.strip() or not mash_contact_form_by.strip():
                raise PlanRuleBroken(
                    "Enter who updates the assessment and who sends the inter-agency contact "
                    "form to the MASH."
                )
            review.mash_assessment_by = mash_assessment_by.strip()
            review.mash_contact_form_by = mash_contact_form_by.strip()
            review.closure_reason = EarlyHelpPlan.ClosureReason.STEPPED_UP
        pupil_ids = plan.pupil_ids()
        review.attendance_now = attendance_rate(pupil_ids, ending=held_on)
        review.attendance_at_start = attendance_rate(pupil_ids, ending=plan.agreed_on or held_on)
        review.children_attendance = children_attendance(plan, on=held_on)
        if new_lead is not None:
            changed_on = lead_changed_on or held_on
            if changed_on > _today() or (plan.agreed_on and changed_on < plan.agreed_on):
                raise PlanRuleBroken(
                    "The date the lead professional changed must be between the plan’s "
                    "agreement and today."
                )
            review.new_lead_professional = _lead_record(new_lead)
            review.lead_changed_on = changed_on
        review.full_clean(exclude=["plan", "recorded_by", "new_lead_professional"])
        review.save()
        ReviewInvitee.objects.bulk_create(
            ReviewInvitee(review=review, **dataclasses.asdict(invitee))
            for invitee in invitees
            if invitee.name.strip()
        )
        AspectScore.objects.bulk_create(
            AspectScore(
                plan=plan,
                review=review,
                aspect=rescore.aspect,
                perspective=rescore.perspective,
                score=None if rescore.not_relevant else rescore.score,
                not_relevant=rescore.not_relevant,
                not_relevant_reason="Marked not relevant at the review"
                if rescore.not_relevant
                else "",
                whats_changed=rescore.whats_changed,
            )
            for rescore in rescores
        )
        for new_action in actions:
            item = ActionItem(plan=plan, review=review, **dataclasses.asdict(new_action))
            if not item.no_action_needed and not item.action.strip():
                raise PlanRuleBroken("Say what each action is, or that none is needed.")
            item.full_clean(exclude=["plan", "review"])
            item.save()

        plan.last_reviewed_on = held_on
        fields = ["last_reviewed_on"]
        if review.new_lead_professional is not None:
            _change_plan_lead(plan, review, by=by)
            fields.append("lead_professional")
        if next_step == Review.NextStep.CONTINUE:
            plan.next_review_on = review.next_review_on
            plan.next_review_time = next_review_time
            plan.next_review_venue = next_review_venue.strip()
            plan.next_review_reason = review.later_review_reason
            fields += ["next_review_on", "next_review_time", "next_review_venue"]
            fields.append("next_review_reason")
        plan.version += 1
        plan.save(update_fields=[*fields, "version"])
        if next_step == Review.NextStep.STEP_UP:
            _step_up_cases(plan, review, by=by)
        if next_step != Review.NextStep.CONTINUE:
            _close(plan, on=held_on, reason=review.closure_reason, by=by)
        return review


def _open_cases(plan: EarlyHelpPlan) -> list[Case]:
    pupil_ids = plan.pupil_ids()
    return list(
        Case.objects.select_for_update(of=("self",))
        .filter(pupil_id__in=pupil_ids, status=Case.Status.OPEN)
        .select_related("lead_professional")
    )


def _change_plan_lead(plan: EarlyHelpPlan, review: Review, *, by: User) -> None:
    """The plan's new lead; a child's open case led by the old lead follows, dated."""
    previous = plan.lead_professional_id
    new = review.new_lead_professional
    changed_on = review.lead_changed_on
    if new is None or changed_on is None:
        return
    plan.lead_professional = new
    for case in _open_cases(plan):
        if case.lead_professional_id in {previous, None}:
            details = LeadDetails(
                kind=new.kind,
                user=new.user,
                name=new.name,
                agency=new.agency,
                phone=new.phone,
                email=new.email,
            )
            _assign_lead(case, details, by=by, since=max(changed_on, case.opened_on))
            case.version += 1
            case.save(update_fields=["lead_professional", "lead_professional_since", "version"])


def _step_up_cases(plan: EarlyHelpPlan, review: Review, *, by: User) -> None:
    """The children's open cases go to tier 4, and their timelines say so."""
    for case in _open_cases(plan):
        _log(
            case,
            TimelineEntry.Kind.STEPPED_UP,
            "Stepped up to children’s social care through the MASH at the Family Early Help "
            "Plan review",
            by=by,
            on=review.held_on,
            detail=f"Assessment updated by {review.mash_assessment_by}; inter-agency contact "
            f"form sent by {review.mash_contact_form_by}.",
        )
        if case.tier != Tier.SPECIALIST:
            _log(
                case,
                TimelineEntry.Kind.TIER,
                f"Tier of need changed to {Tier.SPECIALIST.label}",
                by=by,
                on=review.held_on,
            )
            case.tier = Tier.SPECIALIST
            case.version += 1
            case.save(update_fields=["tier", "version"])


def score_changes(plan: EarlyHelpPlan) -> list[dict[str, Any]]:
    """Each aspect's first score against its latest, for the parent or carer and the child."""
    first: dict[tuple[str, str], int | None] = {}
    latest: dict[tuple[str, str], tuple[datetime.date, int, int | None]] = {}
    scores = plan.scores.select_related("review").order_by("pk")
    for score in scores:
        key = (score.aspect, score.perspective)
        if score.review_id is None:
            first[key] = score.score
        else:
            held_on = score.review.held_on if score.review else datetime.date.min
            stamp = (held_on, score.review_id or 0, score.score)
            if key not in latest or stamp[:2] > latest[key][:2]:
                latest[key] = stamp
    changes = []
    for aspect, label in Aspect.choices:
        for perspective in Perspective.values:
            key = (aspect, perspective)
            start = first.get(key)
            end = latest[key][2] if key in latest else None
            if start is None and end is None:
                continue
            changes.append(
                {
                    "aspect": aspect,
                    "label": label,
                    "perspective": perspective,
                    "first": start,
                    "last": end,
                    "change": end - start if start is not None and end is not None else None,
                }
            )
    return changes


def _close(plan: EarlyHelpPlan, *, on: datetime.date, reason: str, by: User) -> None:
    """Close the locked plan: impact stored, Supporting Families records deleted, people told."""
    pupil_ids = plan.pupil_ids()
    plan.status = EarlyHelpPlan.Status.CLOSED
    plan.closed_on = on
    plan.closure_reason = reason
    plan.attendance_before = attendance_rate(pupil_ids, ending=plan.agreed_on or on)
    plan.attendance_at_close = attendance_rate(pupil_ids, ending=on)
    plan.score_changes = score_changes(plan)
    fields = [
        "status",
        "closed_on",
        "closure_reason",
        "attendance_before",
        "attendance_at_close",
        "score_changes",
    ]
    deleted, _ = SupportingFamiliesRecord.objects.filter(plan=plan).delete()
    if deleted:
        plan.supporting_families_deleted_on = on
        fields.append("supporting_families_deleted_on")
    plan.version += 1
    plan.save(update_fields=[*fields, "version"])
    PlanChild.objects.filter(plan=plan).update(plan_is_active=False)
    _notify_closed(plan)


def _closure_recipients(plan: EarlyHelpPlan) -> list[Recipient]:
    """Everyone recorded as working with the family: the lead professional, the link
    co-ordinators of the children's schools, the plan's author and each agency with an email."""
    people: dict[tuple[int | None, str], Recipient] = {}
    for recipient in _recipients([plan.pk]).get(plan.pk, []):
        _add(people, recipient)
    author = plan.created_by
    if author.is_active:
        _add(people, Recipient(user_id=author.pk, email=author.email))
    for email in plan.agencies.exclude(email="").values_list("email", flat=True):
        _add(people, Recipient(user_id=None, email=email))
    return list(people.values())


def _notify_closed(plan: EarlyHelpPlan) -> None:
    context = {
        "plan": plan,
        "closed_on": format_date(plan.closed_on, "j F Y") if plan.closed_on else "",
        "reason": plan.get_closure_reason_display(),
    }
    message = render_to_string("early_help_plans/email/plan_closed_notification.txt", context)
    subject = render_to_string("early_help_plans/email/plan_closed_subject.txt", context).strip()
    body = render_to_string("early_help_plans/email/plan_closed_body.txt", context)
    emails: list[Email] = []
    notifications = []
    for recipient in _closure_recipients(plan):
        if recipient.user_id is not None:
            notifications.append(
                Notification(
                    user_id=recipient.user_id,
                    plan=plan,
                    kind=Notification.Kind.PLAN_CLOSED,
                    message=message.strip(),
                )
            )
        if recipient.email:
            emails.append((subject, body, settings.DEFAULT_FROM_EMAIL, [recipient.email]))
    Notification.objects.bulk_create(notifications)
    transaction.on_commit(lambda: _send(emails))


@transaction.atomic
def withdraw_consent(
    *, plan: EarlyHelpPlan, on: datetime.date, reason: str, by: User, seen_version: int
) -> EarlyHelpPlan:
    """The family withdraws consent: the plan closes, and its lead professional is asked to
    consider whether that raises a safeguarding concern."""
    if not reason.strip():
        raise PlanRuleBroken("Enter why the family withdrew consent.")
    if on > _today():
        raise PlanRuleBroken("The date consent was withdrawn cannot be in the future.")
    with pghistory.context(user=by.pk):
        locked = EarlyHelpPlan.objects.select_for_update().get(pk=plan.pk)
        if locked.status == EarlyHelpPlan.Status.CLOSED:
            raise PlanRuleBroken("This plan is closed and can no longer be changed.")
        if locked.version != seen_version:
            raise PlanRuleBroken(STALE)
        locked.consent_withdrawn_on = on
        locked.consent_withdrawal_reason = reason.strip()
        locked.save(update_fields=["consent_withdrawn_on", "consent_withdrawal_reason"])
        if locked.agreed_on and on < locked.agreed_on:
            raise PlanRuleBroken(
                f"Consent cannot be withdrawn before the plan was agreed "
                f"({locked.agreed_on:%d/%m/%Y})."
            )
        _close(locked, on=on, reason=EarlyHelpPlan.ClosureReason.CONSENT_WITHDRAWN, by=by)
        lead = locked.lead_professional
        if lead is not None and lead.user_id is not None:
            Notification.objects.create(
                user_id=lead.user_id,
                plan=locked,
                kind=Notification.Kind.CONSENT_WITHDRAWN,
                message=f"The family withdrew consent to the Family Early Help Plan for "
                f"{locked.family_name}, so it has closed. Consider whether this raises a "
                "safeguarding concern, and record your decision on the plan.",
            )
        return locked


def needs_safeguarding_decision(plan: EarlyHelpPlan) -> bool:
    return plan.consent_withdrawn_on is not None and plan.safeguarding_considered_on is None


@transaction.atomic
def record_safeguarding_decision(
    *, plan: EarlyHelpPlan, concern: bool, note: str, by: User
) -> EarlyHelpPlan:
    """The lead professional's decision after consent was withdrawn (allowed on a closed plan)."""
    if not note.strip():
        raise PlanRuleBroken("Enter what was decided, and why.")
    with pghistory.context(user=by.pk):
        locked = EarlyHelpPlan.objects.select_for_update().get(pk=plan.pk)
        if locked.consent_withdrawn_on is None:
            raise PlanRuleBroken("Consent has not been withdrawn from this plan.")
        locked.safeguarding_considered_on = _today()
        locked.safeguarding_concern = concern
        locked.safeguarding_note = note.strip()
        locked.save(
            update_fields=[
                "safeguarding_considered_on",
                "safeguarding_concern",
                "safeguarding_note",
            ]
        )
        return locked


@transaction.atomic
def reopen_plan(*, plan: EarlyHelpPlan, reason: str, by: User, seen_version: int) -> EarlyHelpPlan:
    """Rule 5: a closed plan is corrected only after reopening it, with a reason."""
    if not reason.strip():
        raise PlanRuleBroken("Enter why the plan is being reopened.")
    with pghistory.context(user=by.pk):
        locked = EarlyHelpPlan.objects.select_for_update().get(pk=plan.pk)
        if locked.status != EarlyHelpPlan.Status.CLOSED:
            raise PlanRuleBroken("Only a closed plan can be reopened.")
        if locked.version != seen_version:
            raise PlanRuleBroken(STALE)
        PlanReopening.objects.create(
            plan=locked,
            reason=reason.strip(),
            by=by,
            closed_on=locked.closed_on or _today(),
            closure_reason=locked.closure_reason,
        )
        was_agreed = locked.agreed_on is not None
        locked.status = EarlyHelpPlan.Status.ACTIVE if was_agreed else EarlyHelpPlan.Status.DRAFT
        locked.closed_on = None
        locked.closure_reason = ""
        locked.consent_withdrawn_on = None
        locked.consent_withdrawal_reason = ""
        locked.version += 1
        locked.save(
            update_fields=[
                "status",
                "closed_on",
                "closure_reason",
                "consent_withdrawn_on",
                "consent_withdrawal_reason",
                "version",
            ]
        )
        if was_agreed:
            for child in locked.children.select_related("pupil"):
                try:
                    with transaction.atomic():
                        PlanChild.objects.filter(pk=child.pk).update(plan_is_active=True)
                except IntegrityError as clash:
                    raise PlanRuleBroken(
                        f"{child.pupil or 'A child'} is now in another active plan, so this "
                        "one cannot be reopened."
                    ) from clash
        return locked


@transaction.atomic
def save_maintaining_plan(
    *, plan: EarlyHelpPlan, by: User, seen_version: int, **answers: Any
) -> MaintainingOurFamilyPlan:
    """The family's Maintaining Our Family Plan, written before the final review closes the plan."""
    with pghistory.context(user=by.pk):
        locked = _lock_active(plan, seen_version)
        if answers["final_review_on"] < answers["agreed_on"]:
            raise PlanRuleBroken("The final review cannot be before the plan was agreed.")
        record, _ = MaintainingOurFamilyPlan.objects.update_or_create(plan=locked, defaults=answers)
        record.full_clean()
        locked.version += 1
        locked.save(update_fields=["version"])
        return record


@transaction.atomic
def add_supporting_families_record(
    *, plan: EarlyHelpPlan, outcome: str, evidence: str, by: User
) -> SupportingFamiliesRecord:
    """Kept only with the family's Supporting Families consent, and only while the plan is open."""
    with pghistory.context(user=by.pk):
        locked = EarlyHelpPlan.objects.select_for_update().get(pk=plan.pk)
        if locked.status == EarlyHelpPlan.Status.CLOSED:
            raise PlanRuleBroken("This plan is closed and can no longer be changed.")
        if locked.supporting_families_consent is not True:
            raise PlanRuleBroken(
                "The family has not agreed to share with the Supporting Families programme."
            )
        if outcome not in SupportingFamiliesRecord.Outcome.values or not evidence.strip():
            raise PlanRuleBroken("Choose the outcome and describe the evidence.")
        return SupportingFamiliesRecord.objects.create(
            plan=locked, outcome=outcome, evidence=evidence.strip(), recorded_by=by
        )


def timeline(plan: EarlyHelpPlan) -> dict[str, Any]:
    """Each aspect's scores over time (the agreed plan, then each review), per perspective, and
    the reviews themselves in order."""
    reviews = list(plan.reviews.order_by("held_on", "pk"))
    points = [("Agreed", plan.agreed_on)] + [
        (f"Review {n}", review.held_on) for n, review in enumerate(reviews, start=1)
    ]
    index = {None: 0} | {review.pk: n for n, review in enumerate(reviews, start=1)}
    grid: dict[tuple[str, str], list[int | None]] = {}
    for score in plan.scores.all():
        row = grid.setdefault((score.aspect, score.perspective), [None] * len(points))
        row[index[score.review_id]] = score.score
    rows = []
    for aspect, label in Aspect.choices:
        parent = grid.get((aspect, Perspective.PARENT))
        child = grid.get((aspect, Perspective.CHILD))
        if parent is None and child is None:
            continue
        rows.append(
            {
                "aspect": aspect,
                "label": label,
                "parent": parent or [None] * len(points),
                "child": child or [None] * len(points),
            }
        )
    return {"points": points, "rows": rows, "reviews": reviews}
