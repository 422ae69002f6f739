"""Reads shared by case pages, the caseload, its export and (later) reports."""

import dataclasses
import datetime
from typing import Any

from django.apps import apps
from django.db.models import (
    Case as When_,
)
from django.db.models import (
    Count,
    DecimalField,
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.utils import timezone

from accounts.models import User
from attendance.models import PupilAttendance
from attendance.selectors import current_start_year
from cases.models import SIX_WEEKS, Case, OtherPlan, ReducedTimetable


def current_other_plan(on: datetime.date) -> Exists:
    """The case has a plan held elsewhere that is current on the day."""
    return Exists(
        OtherPlan.objects.filter(case=OuterRef("pk"), started_on__lte=on).filter(
            Q(ended_on__isnull=True) | Q(ended_on__gte=on)
        )
    )


def _plan_places() -> Any:
    # Family Early Help Plans build on cases (early_help_plans imports this app), so their model
    # is looked up by name here rather than imported.
    return apps.get_model("early_help_plans", "PlanChild").objects


def active_early_help_plan() -> Exists:
    """The case's pupil is a child on an agreed (active) Family Early Help Plan."""
    return Exists(_plan_places().filter(pupil=OuterRef("pupil_id"), plan_is_active=True))


def early_help_review_overdue(on: datetime.date) -> Exists:
    """Rule 3: the pupil's active plan's review fell due (last review or agreement + 42 days)
    before the day: overdue from the day after it was due."""
    cutoff = on - datetime.timedelta(days=42)
    return Exists(
        _plan_places()
        .filter(pupil=OuterRef("pupil_id"), plan_is_active=True)
        .filter(
            Q(plan__last_reviewed_on__lt=cutoff)
            | Q(plan__last_reviewed_on__isnull=True, plan__agreed_on__lt=cutoff)
        )
    )


def has_a_plan(on: datetime.date) -> Q:
    """The LA's coverage measure counts any plan: a Family Early Help Plan or one held elsewhere."""
    return Q(_has_other_plan=True) | Q(_has_early_help_plan=True)


def timetable_over_six_weeks(on: datetime.date) -> Exists:
    return Exists(
        ReducedTimetable.objects.filter(
            pupil=OuterRef("pupil_id"), started_on__lte=on - SIX_WEEKS
        ).filter(Q(ended_on__isnull=True) | Q(ended_on__gt=on))
    )


def annotated_cases(user: User, on: datetime.date | None = None) -> QuerySet[Case]:
    """Cases in the user's scope with what the caseload shows and filters by."""
    on = on or timezone.localdate()
    latest_rate = PupilAttendance.objects.filter(
        pupil=OuterRef("pupil_id"), start_year=current_start_year(on)
    ).values("attendance_rate")[:1]
    return (
        Case.objects.visible_to(user)
        .select_related("pupil", "pupil__current_school", "link_coordinator", "lead_professional")
        .annotate(
            _has_other_plan=current_other_plan(on),
            _has_early_help_plan=active_early_help_plan(),
            _review_overdue=early_help_review_overdue(on),
            _rtt_over_six_weeks=timetable_over_six_weeks(on),
            latest_rate=Subquery(latest_rate, output_field=DecimalField()),
            days_since_contact=Func(
                Value(on),
                F("last_contact_on"),
                arg_joiner=" - ",
                template="(%(expressions)s)",
                output_field=IntegerField(),
            ),
        )
    )


@dataclasses.dataclass(frozen=True)
class Flag:
    key: str
    label: str


FLAGS = (
    Flag("no_lead", "No lead professional"),
    Flag("no_plan", "No plan in place"),
    Flag("review_overdue", "Plan review overdue"),
    Flag("rtt_over_6_weeks", "Reduced timetable over 6 weeks"),
    Flag("no_contact_4_weeks", "No contact in 4 weeks"),
    Flag("open_over_a_year", "Open over a year"),
)


def flag_conditions(on: datetime.date) -> dict[str, Q]:
    return {
        "no_lead": Q(lead_professional__isnull=True),
        "no_plan": ~has_a_plan(on),
        "review_overdue": Q(_review_overdue=True),
        "rtt_over_6_weeks": Q(_rtt_over_six_weeks=True),
        "no_contact_4_weeks": Q(last_contact_on__isnull=True)
        | Q(last_contact_on__lt=on - datetime.timedelta(days=28)),
        "open_over_a_year": Q(opened_on__lte=on - datetime.timedelta(days=365)),
    }


SORTS = {
    "pupil": ("pupil__family_name", "pupil__given_name", "pk"),
    "school": ("pupil__current_school__name", "pupil__family_name", "pk"),
    "rag": ("rag_order", "pupil__family_name", "pk"),
    "tier": ("-tier", "pupil__family_name", "pk"),
    "opened": ("opened_on", "pk"),
    "contact": (F("last_contact_on").asc(nulls_first=True), "pk"),
    "attendance": (F("latest_rate").asc(nulls_last=True), "pk"),
}


def caseload(
    user: User, *, filters: dict[str, Any], sort: str = "rag", on: datetime.date | None = None
) -> tuple[QuerySet[Case], dict[str, int]]:
    """The filtered, sorted caseload and, for the same scope and choices, a count per flag.

    The counts come from one aggregate query, whatever the size of the caseload.
    """
    on = on or timezone.localdate()
    cases = annotated_cases(user, on)
    status = filters.get("status") or "open"
    if status != "all":
        cases = cases.filter(status=status)
    for field in ("rag", "tier"):
        if filters.get(field):
            cases = cases.filter(**{field: filters[field]})
    if filters.get("school"):
        cases = cases.filter(pupil__current_school=filters["school"])
    if filters.get("link_coordinator"):
        cases = cases.filter(link_coordinator=filters["link_coordinator"])
    conditions = flag_conditions(on)
    counts = cases.aggregate(
        total=Count("pk"), **{key: Count("pk", filter=q) for key, q in conditions.items()}
    )
    for key in filters.get("flags") or ():
        cases = cases.filter(conditions[key])
    cases = cases.annotate(
        rag_order=When_(
            When(rag="red", then=Value(0)),
            When(rag="amber", then=Value(1)),
            default=Value(2),
            output_field=IntegerField(),
        )
    ).order_by(*SORTS.get(sort, SORTS["rag"]))
    return cases, counts


def case_has_plan(case: Case, on: datetime.date | None = None) -> bool:
    on = on or timezone.localdate()
    return (
        Case.objects.filter(pk=case.pk)
        .filter(Q(current_other_plan(on)) | Q(active_early_help_plan()))
        .exists()
    )
