"""Every write to cases, reduced timetables, link calls and tracking meetings.

One function per user action, in one transaction, with the acting user as `by=`. Writes to a case
lock it first and check the version the user saw, so a stale form is refused (rule 7); a closed
case is read-only until reopened with a reason (rule 5). Every change lands in the case timeline.
"""

import dataclasses
import datetime
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

import pghistory
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import User
from attendance.models import PupilAttendance
from attendance.selectors import current_start_year
from cases.models import (
    Case,
    CaseAction,
    Contact,
    LeadProfessional,
    LinkCall,
    LinkCallDiscussion,
    MeetingDecision,
    OtherPlan,
    Rag,
    ReducedTimetable,
    Tier,
    TimelineEntry,
    TimetableReview,
    TrackingMeeting,
)
from schools.models import LinkAssignment, Pupil, School


class CaseRuleBroken(Exception):
    """A rule refused the change; the message is shown to the user."""


STALE = (
    "This {thing} was changed by someone else after you opened it: {changes}. "
    "Check it and try again."
)


@dataclasses.dataclass(frozen=True)
class LeadDetails:
    """A lead professional as entered: a user of the service, or an external professional."""

    kind: str
    user: User | None = None
    name: str = ""
    agency: str = ""
    phone: str = ""
    email: str = ""


def _today() -> datetime.date:
    return timezone.localdate()


def _lock(case: Case, seen_version: int | None, *, allow_closed: bool = False) -> Case:
    locked = Case.objects.select_for_update().get(pk=case.pk)
    if seen_version is not None and locked.version != seen_version:
        raise CaseRuleBroken(
            STALE.format(thing="case", changes=_changes_since(locked, seen_version))
        )
    if not allow_closed and not locked.is_open:
        raise CaseRuleBroken("This case is closed. Reopen it, with a reason, to change it.")
    return locked


def _changes_since(case: Case, seen_version: int) -> str:
    entries = case.timeline.order_by("-recorded_at", "-pk")[: max(1, case.version - seen_version)]
    described = [
        f"{e.summary} ({e.by}, {timezone.localtime(e.recorded_at):%H:%M})" for e in entries
    ]
    return "; ".join(described) or "its details changed"


def _bump(case: Case, *fields: str) -> None:
    case.version += 1
    case.save(update_fields=[*fields, "version"])


def _log(
    case: Case,
    kind: str,
    summary: str,
    *,
    by: User,
    on: datetime.date | None = None,
    detail: str = "",
) -> TimelineEntry:
    return TimelineEntry.objects.create(
        case=case,
        kind=kind,
        summary=summary[:300],
        detail=detail,
        by=by,
        occurred_on=on or _today(),
    )


def current_rate(pupil: Pupil) -> Decimal | None:
    figures = PupilAttendance.objects.filter(pupil=pupil, start_year=current_start_year()).first()
    return figures.attendance_rate if figures else None


def default_link_coordinator(pupil: Pupil) -> User | None:
    if pupil.current_school_id is None:
        return None
    assignment = (
        LinkAssignment.objects.filter(school_id=pupil.current_school_id)
        .select_related("user")
        .order_by("assigned_on", "pk")
        .first()
    )
    return assignment.user if assignment else None


def _lead_record(details: LeadDetails) -> LeadProfessional:
    if details.user is not None:
        record, _ = LeadProfessional.objects.get_or_create(
            user=details.user,
            kind=details.kind,
            defaults={
                "name": details.user.full_name,
                "agency": details.agency or details.user.job_title,
                "phone": details.phone or details.user.phone,
                "email": details.user.email,
            },
        )
        return record
    record = LeadProfessional(
        name=details.name,
        agency=details.agency,
        phone=details.phone,
        email=details.email,
        kind=details.kind,
    )
    record.full_clean()
    record.save()
    return record


@transaction.atomic
def open_case(
    *,
    pupil: Pupil,
    by: User,
    reason: str,
    rag: str,
    tier: int,
    link_coordinator: User | None = None,
    lead: LeadDetails | None = None,
) -> Case:
    with pghistory.context(user=by.pk):
        Pupil.objects.select_for_update().get(pk=pupil.pk)  # one opening at a time per pupil
        if Case.objects.filter(pupil=pupil, status=Case.Status.OPEN).exists():
            raise CaseRuleBroken(f"{pupil} already has an open case.")
        case = Case(
            pupil=pupil,
            opened_by=by,
            reason_opened=reason,
            rag=rag,
            tier=tier,
            link_coordinator=link_coordinator or default_link_coordinator(pupil),
            attendance_at_opening=current_rate(pupil),
        )
        case.full_clean(exclude=["lead_professional"])
        try:
            with transaction.atomic():
                case.save()
        except IntegrityError as error:  # a second opening that raced ours
            raise CaseRuleBroken(f"{pupil} already has an open case.") from error
        _log(case, TimelineEntry.Kind.OPENED, f"Case opened: {reason}", by=by)
        _log(case, TimelineEntry.Kind.RAG, f"RAG rating set to {Rag(rag).label}", by=by)
        if lead is not None:
            _assign_lead(case, lead, by=by, since=case.opened_on)
            case.save(update_fields=["lead_professional", "lead_professional_since"])
        return case


def _assign_lead(case: Case, lead: LeadDetails, *, by: User, since: datetime.date) -> None:
    record = _lead_record(lead)
    previous = case.lead_professional
    case.lead_professional = record
    case.lead_professional_since = since
    was = f" (was {previous})" if previous else ""
    _log(
        case,
        TimelineEntry.Kind.LEAD,
        f"Lead professional: {record}, {record.get_kind_display().lower()}{was}",
        by=by,
        on=since,
    )


@transaction.atomic
def change_lead_professional(
    *, case: Case, lead: LeadDetails, since: datetime.date, by: User, seen_version: int
) -> Case:
    with pghistory.context(user=by.pk):
        case = _lock(case, seen_version)
        if since < case.opened_on or since > _today():
            raise CaseRuleBroken("The date must be between the case opening and today.")
        _assign_lead(case, lead, by=by, since=since)
        _bump(case, "lead_professional", "lead_professional_since")
        return case


@transaction.atomic
def change_rag(*, case: Case, rag: str, reason: str, by: User, seen_version: int) -> Case:
    with pghistory.context(user=by.pk):
        case = _lock(case, seen_version)
        if case.rag == rag:
            raise CaseRuleBroken(f"The RAG rating is already {Rag(rag).label.lower()}.")
        old = Rag(case.rag).label
        case.rag = rag
        _log(
            case,
            TimelineEntry.Kind.RAG,
            f"RAG rating changed from {old} to {Rag(rag).label}",
            by=by,
            detail=reason,
        )
        _bump(case, "rag")
        return case


@transaction.atomic
def change_tier(*, case: Case, tier: int, reason: str, by: User, seen_version: int) -> Case:
    """Tier 4 is a step up to children's social care; back to tier 1 is a step down."""
    with pghistory.context(user=by.pk):
        case = _lock(case, seen_version)
        if case.tier == tier:
            raise CaseRuleBroken(f"The tier of need is already {tier}.")
        old, case.tier = case.tier, tier
        if tier == Tier.SPECIALIST:
            kind, summary = TimelineEntry.Kind.STEPPED_UP, "Stepped up to children’s social care"
        elif tier < old and tier == Tier.UNIVERSAL:
            kind, summary = TimelineEntry.Kind.STEPPED_DOWN, "Stepped down to universal services"
        else:
            kind, summary = TimelineEntry.Kind.TIER, "Tier of need changed"
        _log(case, kind, f"{summary}: tier {old} to tier {tier}", by=by, detail=reason)
        _bump(case, "tier")
        return case


@transaction.atomic
def record_contact(
    *,
    case: Case,
    kind: str,
    contacted_on: datetime.date,
    with_whom: str,
    note: str,
    by: User,
) -> Contact:
    with pghistory.context(user=by.pk):
        case = _lock(case, None)
        if contacted_on > _today():
            raise CaseRuleBroken("A contact cannot be in the future.")
        contact = Contact(
            case=case, kind=kind, contacted_on=contacted_on, with_whom=with_whom, note=note, by=by
        )
        contact.full_clean()
        contact.save()
        _log(
            case,
            TimelineEntry.Kind.CONTACT,
            f"{contact.get_kind_display()} with {with_whom}",
            by=by,
            on=contacted_on,
            detail=note,
        )
        if case.last_contact_on is None or contacted_on > case.last_contact_on:
            case.last_contact_on = contacted_on
        _bump(case, "last_contact_on")
        return contact


@transaction.atomic
def add_action(
    *, case: Case, description: str, owner: str, due_on: datetime.date, by: User
) -> CaseAction:
    with pghistory.context(user=by.pk):
        case = _lock(case, None)
        action = CaseAction.objects.create(
            case=case, description=description, owner=owner, due_on=due_on, by=by
        )
        _log(
            case,
            TimelineEntry.Kind.ACTION,
            f"Action for {owner} by {due_on:%d/%m/%Y}: {description}",
            by=by,
        )
        _bump(case)
        return action


@transaction.atomic
def complete_action(*, action: CaseAction, on: datetime.date, by: User) -> CaseAction:
    with pghistory.context(user=by.pk):
        case = _lock(action.case, None)
        action = CaseAction.objects.select_for_update().get(pk=action.pk)
        if action.completed_on:
            raise CaseRuleBroken("This action is already done.")
        action.completed_on = on
        action.save(update_fields=["completed_on"])
        _log(case, TimelineEntry.Kind.ACTION_DONE, f"Done: {action.description}", by=by, on=on)
        _bump(case)
        return action


@transaction.atomic
def add_other_plan(
    *,
    case: Case,
    kind: str,
    started_on: datetime.date,
    ended_on: datetime.date | None = None,
    school_led_kind: str = "",
    by: User,
) -> OtherPlan:
    with pghistory.context(user=by.pk):
        case = _lock(case, None)
        if kind == OtherPlan.Kind.SCHOOL_LED and not school_led_kind.strip():
            raise CaseRuleBroken("Say what kind of school-led plan it is.")
        plan = OtherPlan(
            case=case,
            kind=kind,
            school_led_kind=school_led_kind if kind == OtherPlan.Kind.SCHOOL_LED else "",
            started_on=started_on,
            ended_on=ended_on,
        )
        plan.full_clean()
        plan.save()
        _log(case, TimelineEntry.Kind.OTHER_PLAN, f"{plan} in place", by=by, on=started_on)
        _bump(case)
        return plan


@transaction.atomic
def end_other_plan(*, plan: OtherPlan, ended_on: datetime.date, by: User) -> OtherPlan:
    with pghistory.context(user=by.pk):
        case = _lock(plan.case, None)
        plan = OtherPlan.objects.select_for_update().get(pk=plan.pk)
        if ended_on < plan.started_on:
            raise CaseRuleBroken("A plan cannot end before it starts.")
        plan.ended_on = ended_on
        plan.save(update_fields=["ended_on"])
        _log(case, TimelineEntry.Kind.OTHER_PLAN, f"{plan} ended", by=by, on=ended_on)
        _bump(case)
        return plan


@transaction.atomic
def add_note(*, case: Case, text: str, by: User) -> TimelineEntry:
    with pghistory.context(user=by.pk):
        case = _lock(case, None)
        entry = _log(
            case, TimelineEntry.Kind.NOTE, text.split("\n", 1)[0][:120], by=by, detail=text
        )
        _bump(case)
        return entry


@transaction.atomic
def close_case(
    *,
    case: Case,
    reason: str,
    outcome: str,
    closed_on: datetime.date,
    by: User,
    seen_version: int,
) -> Case:
    with pghistory.context(user=by.pk):
        case = _lock(case, seen_version)
        if closed_on < case.opened_on or closed_on > _today():
            raise CaseRuleBroken("The closing date must be between the opening date and today.")
        case.status = Case.Status.CLOSED
        case.closed_on = closed_on
        case.closure_reason = reason
        case.closure_outcome = outcome
        case.attendance_at_closure = current_rate(case.pupil)
        case.full_clean()
        _log(
            case,
            TimelineEntry.Kind.CLOSED,
            f"Case closed: {Case.ClosureReason(reason).label}",
            by=by,
            on=closed_on,
            detail=outcome,
        )
        _bump(
            case,
            "status",
            "closed_on",
            "closure_reason",
            "closure_outcome",
            "attendance_at_closure",
        )
        return case


@transaction.atomic
def reopen_case(*, case: Case, reason: str, by: User, seen_version: int) -> Case:
    """Rule 5: a closed case is corrected only through an explicit reopening with a reason."""
    with pghistory.context(user=by.pk):
        case = _lock(case, seen_version, allow_closed=True)
        if case.is_open:
            raise CaseRuleBroken("This case is already open.")
        if Case.objects.filter(pupil=case.pupil, status=Case.Status.OPEN).exists():
            raise CaseRuleBroken(f"{case.pupil} has another open case: work on that one.")
        case.status = Case.Status.OPEN
        case.closed_on = None
        case.closure_reason = ""
        case.closure_outcome = ""
        case.attendance_at_closure = None
        _log(case, TimelineEntry.Kind.REOPENED, "Case reopened", by=by, detail=reason)
        _bump(
            case,
            "status",
            "closed_on",
            "closure_reason",
            "closure_outcome",
            "attendance_at_closure",
        )
        return case


@transaction.atomic
def reassign_cases(*, cases: QuerySet[Case], to: User, by: User) -> int:
    """When a link co-ordinator leaves: move their open cases to someone else, in one go."""
    if not to.is_link_coordinator or not to.is_active:
        raise CaseRuleBroken(f"{to} is not an active link co-ordinator.")
    with pghistory.context(user=by.pk):
        moved = 0
        for case in cases.select_for_update().filter(status=Case.Status.OPEN):
            if case.link_coordinator_id == to.pk:
                continue
            was = case.link_coordinator
            case.link_coordinator = to
            _log(
                case,
                TimelineEntry.Kind.NOTE,
                f"Link co-ordinator changed from {was} to {to}",
                by=by,
            )
            _bump(case, "link_coordinator")
            moved += 1
        return moved


# Reduced timetables ----------------------------------------------------------------------------


TIMETABLE_FIELDS = (
    "started_on",
    "planned_end_on",
    "sessions_per_week",
    "reason",
    "parents_agreed_on",
    "return_plan",
)


def _lock_timetable(timetable: ReducedTimetable, seen_version: int) -> ReducedTimetable:
    locked = ReducedTimetable.objects.select_for_update().get(pk=timetable.pk)
    if locked.version != seen_version:
        raise CaseRuleBroken(
            "This reduced timetable was changed by someone else after you opened it. Check the "
            "new details and try again."
        )
    return locked


def _note_on_open_case(pupil: Pupil, summary: str, *, by: User, on: datetime.date) -> None:
    case = Case.objects.filter(pupil=pupil, status=Case.Status.OPEN).first()
    if case is not None:
        _log(case, TimelineEntry.Kind.NOTE, summary, by=by, on=on)


@transaction.atomic
def record_timetable(*, pupil: Pupil, by: User, **fields: Any) -> ReducedTimetable:
    with pghistory.context(user=by.pk):
        if pupil.current_school is None:
            raise CaseRuleBroken(f"{pupil} is not at a school.")
        timetable = ReducedTimetable(
            pupil=pupil, school=pupil.current_school, created_by=by, **fields
        )
        timetable.full_clean()
        timetable.save()
        _note_on_open_case(
            pupil,
            f"Reduced timetable from {timetable.started_on:%d/%m/%Y}: "
            f"{timetable.sessions_per_week} sessions a week",
            by=by,
            on=timetable.started_on,
        )
        return timetable


@transaction.atomic
def update_timetable(
    *, timetable: ReducedTimetable, by: User, seen_version: int, **fields: Any
) -> ReducedTimetable:
    with pghistory.context(user=by.pk):
        timetable = _lock_timetable(timetable, seen_version)
        if timetable.ended_on:
            raise CaseRuleBroken("This reduced timetable has ended and can no longer be changed.")
        for name, value in fields.items():
            setattr(timetable, name, value)
        timetable.version += 1
        timetable.full_clean()
        timetable.save()
        return timetable


@transaction.atomic
def review_timetable(
    *,
    timetable: ReducedTimetable,
    reviewed_on: datetime.date,
    outcome: str,
    new_planned_end_on: datetime.date | None,
    by: User,
    seen_version: int,
) -> TimetableReview:
    with pghistory.context(user=by.pk):
        timetable = _lock_timetable(timetable, seen_version)
        if timetable.ended_on:
            raise CaseRuleBroken("This reduced timetable has ended.")
        if reviewed_on < timetable.started_on or reviewed_on > timezone.localdate():
            raise CaseRuleBroken("A review must be between the start date and today.")
        if new_planned_end_on is not None:
            if new_planned_end_on < timetable.started_on:
                raise CaseRuleBroken("The new planned end date cannot be before the start date.")
            timetable.planned_end_on = new_planned_end_on
        timetable.version += 1
        timetable.save(update_fields=["planned_end_on", "version"])
        review = TimetableReview.objects.create(
            timetable=timetable,
            reviewed_on=reviewed_on,
            outcome=outcome,
            new_planned_end_on=new_planned_end_on,
            by=by,
        )
        _note_on_open_case(timetable.pupil, "Reduced timetable reviewed", by=by, on=reviewed_on)
        return review


@transaction.atomic
def end_timetable(
    *,
    timetable: ReducedTimetable,
    ended_on: datetime.date,
    returned_full_time: bool,
    by: User,
    seen_version: int,
) -> ReducedTimetable:
    with pghistory.context(user=by.pk):
        timetable = _lock_timetable(timetable, seen_version)
        if timetable.ended_on:
            raise CaseRuleBroken("This reduced timetable has already ended.")
        if ended_on < timetable.started_on or ended_on > timezone.localdate():
            raise CaseRuleBroken("The end date must be between the start date and today.")
        timetable.ended_on = ended_on
        timetable.returned_full_time = returned_full_time
        timetable.version += 1
        timetable.save(update_fields=["ended_on", "returned_full_time", "version"])
        back = "back to full time" if returned_full_time else "not back to full time"
        _note_on_open_case(timetable.pupil, f"Reduced timetable ended: {back}", by=by, on=ended_on)
        return timetable


# Link calls and the tracking meeting -----------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Discussion:
    pupil: Pupil
    note: str
    action: str = ""


@transaction.atomic
def record_link_call(
    *,
    school: School,
    held_on: datetime.date,
    attendees: str,
    discussions: Iterable[Discussion],
    by: User,
) -> LinkCall:
    with pghistory.context(user=by.pk):
        if held_on > timezone.localdate():
            raise CaseRuleBroken("A link call cannot be in the future.")
        call = LinkCall.objects.create(
            school=school, held_on=held_on, link_coordinator=by, attendees=attendees
        )
        for item in discussions:
            LinkCallDiscussion.objects.create(
                call=call, pupil=item.pupil, note=item.note, action=item.action
            )
            action = f" Action: {item.action}" if item.action else ""
            _note_on_link_call(item.pupil, f"{item.note}{action}", by=by, on=held_on)
        return call


def _note_on_link_call(pupil: Pupil, text: str, *, by: User, on: datetime.date) -> None:
    case = Case.objects.filter(pupil=pupil, status=Case.Status.OPEN).first()
    if case is not None:
        _log(
            case,
            TimelineEntry.Kind.LINK_CALL,
            "Discussed on the link call",
            by=by,
            on=on,
            detail=text,
        )


@transaction.atomic
def hold_tracking_meeting(
    *, held_on: datetime.date, since: datetime.date, schools: Iterable[School], by: User
) -> TrackingMeeting:
    with pghistory.context(user=by.pk):
        if since > held_on:
            raise CaseRuleBroken("“Changes since” must be on or before the meeting date.")
        meeting = TrackingMeeting.objects.create(held_on=held_on, since=since, chaired_by=by)
        meeting.schools.set(schools)
        return meeting


@transaction.atomic
def record_decision(
    *, meeting: TrackingMeeting, case: Case, decision: str, action: str, by: User
) -> MeetingDecision:
    with pghistory.context(user=by.pk):
        case = _lock(case, None)
        existing = MeetingDecision.objects.filter(meeting=meeting, case=case).first()
        if existing is not None:
            existing.decision, existing.action, existing.by = decision, action, by
            existing.save(update_fields=["decision", "action", "by"])
            made = existing
        else:
            made = MeetingDecision.objects.create(
                meeting=meeting, case=case, decision=decision, action=action, by=by
            )
        detail = f"{decision}\nAction: {action}" if action else decision
        _log(
            case,
            TimelineEntry.Kind.MEETING,
            f"Tracking meeting: {decision.splitlines()[0][:120]}",
            by=by,
            on=meeting.held_on,
            detail=detail,
        )
        _bump(case)
        return made
