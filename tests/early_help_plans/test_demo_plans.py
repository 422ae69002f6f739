"""`seed_demo` adds Family Early Help Plans in every state, as the services would have left them."""

import datetime as dt
import io
import itertools
from collections import Counter

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.db.models import Count, Q

from accounts.models import User
from cases.models import Case, CaseEvent, Tier, TimelineEntry
from early_help_plans import demo as plans_demo
from early_help_plans.models import (
    REVIEW_INTERVAL,
    AspectScore,
    AuditedPlan,
    EarlyHelpPlan,
    EarlyHelpPlanEvent,
    MaintainingOurFamilyPlan,
    Notification,
    OverdueNotice,
    PlanChild,
    QualityAudit,
    Review,
)
from early_help_plans.overdue import flag_overdue_reviews
from early_help_plans.reviews import attendance_rate, children_attendance, score_changes
from early_help_plans.selectors import task_list
from early_help_plans.services import missing_for_agreement
from schools import demo
from schools.models import Pupil, PupilEvent, SchoolStaff

pytestmark = pytest.mark.django_db

# A Wednesday in the autumn term of 2025/26, which began on Wednesday 3 September.
TODAY = dt.date(2025, 11, 26)
LAST_SCHOOL_DAY = dt.date(2025, 11, 25)
PLAN_TABLES = [model._meta.db_table for model in plans_demo.MODELS]
Status = EarlyHelpPlan.Status
Reason = EarlyHelpPlan.ClosureReason


@pytest.fixture(autouse=True)
def _empty_database() -> None:
    demo.truncate()


def seed(*args: str, today: dt.date = TODAY) -> str:
    out = io.StringIO()
    with time_machine.travel(dt.datetime.combine(today, dt.time(9)), tick=False):
        call_command("seed_demo", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def pupils_of(plan: EarlyHelpPlan) -> list[int]:
    return list(plan.children.exclude(pupil=None).values_list("pupil_id", flat=True))


def overdue_on(today: dt.date) -> Q:
    cutoff = today - REVIEW_INTERVAL
    return Q(status=Status.ACTIVE) & (
        Q(last_reviewed_on__lt=cutoff) | Q(last_reviewed_on__isnull=True, agreed_on__lt=cutoff)
    )


def review_gaps(plan: EarlyHelpPlan) -> list[int]:
    days = [plan.agreed_on, *plan.reviews.order_by("held_on").values_list("held_on", flat=True)]
    return [(b - a).days for a, b in itertools.pairwise(days)]


def snapshot() -> list[object]:
    """The plans and what hangs on them, without ids."""
    plans = EarlyHelpPlan.objects.order_by("family_name", "created_at").values_list(
        "family_name",
        "status",
        "created_at",
        "agreed_on",
        "last_reviewed_on",
        "closed_on",
        "closure_reason",
        "attendance_before",
        "attendance_at_close",
        "lead_professional__name",
        "created_by__email",
        "version",
    )
    reviews = Review.objects.order_by("plan__family_name", "held_on").values_list(
        "plan__family_name", "held_on", "next_step", "attendance_now", "family_summary"
    )
    children = PlanChild.objects.order_by("plan__family_name", "pupil__upn").values_list(
        "plan__family_name", "pupil__upn", "pupil__family_name", "plan_is_active"
    )
    scores = Counter(AspectScore.objects.values_list("aspect", "perspective", "score"))
    return [*plans, *reviews, *children, sorted(scores.items(), key=str)]


def test_the_demo_has_plans_in_every_state_and_the_summary_counts_them() -> None:
    output = seed("--scale", "demo")

    plans = EarlyHelpPlan.objects.all()
    assert plans.filter(status=Status.DRAFT).exists()
    active = plans.filter(status=Status.ACTIVE)
    reviewed = [p for p in active if p.reviews.exists()]
    on_time = [p for p in reviewed if not p.is_overdue(TODAY) and max(review_gaps(p)) <= 42]
    assert on_time
    late = [p for p in active if p.reviews.exists() and max(review_gaps(p)) > 42]
    assert late
    assert active.filter(overdue_on(TODAY)).exists()
    closed = plans.filter(status=Status.CLOSED)
    assert set(closed.values_list("closure_reason", flat=True)) == set(Reason.values)
    withdrawn = closed.filter(closure_reason=Reason.CONSENT_WITHDRAWN)
    assert withdrawn.filter(safeguarding_considered_on__isnull=False).exists()
    assert withdrawn.filter(safeguarding_considered_on__isnull=True).exists()
    for plan in withdrawn:
        assert plan.consent_withdrawn_on == plan.closed_on
        assert plan.consent_withdrawal_reason
    for plan in closed:
        assert plan.score_changes
        assert plan.attendance_at_close is not None

    assert (
        f"Early help plans     {active.count()} active "
        f"({active.filter(overdue_on(TODAY)).count()} overdue, {len(late)} with a late review), "
        f"{plans.filter(status=Status.DRAFT).count()} draft" in output
    )
    covered = (
        Case.objects.filter(status=Case.Status.OPEN)
        .filter(pupil__plan_places__plan_is_active=True)
        .distinct()
        .count()
    )
    open_cases = Case.objects.filter(status=Case.Status.OPEN).count()
    assert f"Plan coverage        {covered} of {open_cases} open cases" in output
    assert f"Plan reviews         {Review.objects.count()}; 2 quality audits" in output


def test_a_child_is_on_one_active_plan_and_plan_places_follow_the_status() -> None:
    seed("--scale", "demo")

    places = PlanChild.objects.select_related("plan")
    assert places.exists()
    for place in places:
        assert place.plan_is_active == (place.plan.status == Status.ACTIVE)
    active = places.filter(plan_is_active=True)
    assert not active.values("pupil").annotate(n=Count("pk")).filter(n__gt=1).exists()
    # In the demo each pupil is in one plan, whatever its state.
    assert not places.values("pupil").annotate(n=Count("pk")).filter(n__gt=1).exists()


def test_dates_follow_the_plan_rules_and_are_never_after_the_last_school_day() -> None:
    seed("--scale", "demo")

    for plan in EarlyHelpPlan.objects.exclude(status=Status.DRAFT):
        held = list(plan.reviews.order_by("held_on").values_list("held_on", flat=True))
        assert plan.created_at.date() <= plan.agreed_on <= LAST_SCHOOL_DAY
        assert plan.consent_recorded_on <= plan.agreed_on
        assert plan.lead_agreed_on <= plan.agreed_on
        assert all(plan.agreed_on <= day <= LAST_SCHOOL_DAY for day in held)
        assert plan.last_reviewed_on == (held[-1] if held else None)
        assert plan.next_review_time is not None
        assert plan.next_review_venue
        if plan.status == Status.ACTIVE:
            assert plan.next_review_on > (plan.last_reviewed_on or plan.agreed_on)
            assert plan.closed_on is None
        else:
            assert plan.agreed_on <= plan.closed_on <= LAST_SCHOOL_DAY
            assert plan.last_reviewed_on is None or plan.last_reviewed_on <= plan.closed_on
        if plan.closure_reason in (Reason.MOVED_OUT, Reason.UNIVERSAL, Reason.STEPPED_UP):
            closing = plan.reviews.order_by("held_on").last()
            assert closing.held_on == plan.closed_on
            assert closing.closure_reason == plan.closure_reason
        if plan.safeguarding_considered_on:
            assert plan.consent_withdrawn_on <= plan.safeguarding_considered_on <= LAST_SCHOOL_DAY
            assert plan.safeguarding_note
    for review in Review.objects.all():
        if review.next_step == Review.NextStep.CONTINUE:
            assert review.next_review_on > review.held_on
            later = review.next_review_on - review.held_on > REVIEW_INTERVAL
            assert bool(review.later_review_reason) == later
        assert review.recorded_at.date() == review.held_on
    for draft in EarlyHelpPlan.objects.filter(status=Status.DRAFT):
        assert draft.agreed_on is None
        assert draft.version == 1
        assert not draft.reviews.exists()
        assert draft.created_at.date() <= TODAY


def test_figures_are_those_the_review_and_closure_services_compute() -> None:
    seed("--scale", "demo")

    with time_machine.travel(dt.datetime.combine(TODAY, dt.time(9)), tick=False):
        for plan in EarlyHelpPlan.objects.filter(status=Status.CLOSED):
            pupils = pupils_of(plan)
            assert plan.attendance_before == attendance_rate(pupils, ending=plan.agreed_on)
            assert plan.attendance_at_close == attendance_rate(pupils, ending=plan.closed_on)
            assert plan.score_changes == score_changes(plan)
        for review in Review.objects.select_related("plan"):
            plan = review.plan
            pupils = pupils_of(plan)
            assert review.attendance_now == attendance_rate(pupils, ending=review.held_on)
            assert review.attendance_at_start == attendance_rate(pupils, ending=plan.agreed_on)
            assert review.children_attendance == children_attendance(plan, on=review.held_on)
    # Some plans show a change: the closed ones have attendance before and at closure.
    assert EarlyHelpPlan.objects.filter(
        status=Status.CLOSED, attendance_before__isnull=False, attendance_at_close__isnull=False
    ).exists()
    changed = [
        c for p in EarlyHelpPlan.objects.filter(status=Status.CLOSED) for c in p.score_changes
    ]
    assert {c["perspective"] for c in changed} == {"parent", "child"}
    assert any(c["change"] for c in changed)


def test_each_plan_version_counts_the_writes_the_services_make() -> None:
    seed("--scale", "demo")

    for plan in EarlyHelpPlan.objects.exclude(status=Status.DRAFT):
        expected = (
            2  # agreed
            + plan.reviews.count()
            + (plan.status == Status.CLOSED)
            + MaintainingOurFamilyPlan.objects.filter(plan=plan).exists()
        )
        assert plan.version == expected


def test_agreed_plans_have_every_section_done_and_drafts_do_not() -> None:
    seed("--scale", "demo")

    for plan in EarlyHelpPlan.objects.exclude(status=Status.DRAFT):
        assert missing_for_agreement(plan) == []
        assert all(section.is_completed for section in task_list(plan)), plan
        assert plan.scores.filter(review=None, perspective="parent").count() == 10
        assert plan.actions.filter(review=None, readiness__isnull=False).exists()
        assert plan.agencies.exists()
        assert plan.signatories.exists()
    for plan in EarlyHelpPlan.objects.filter(status=Status.DRAFT):
        assert not all(section.is_completed for section in task_list(plan))
    # Scores move from one review to the next, for the parent and the child.
    moved = {
        (s.aspect, s.perspective)
        for s in AspectScore.objects.filter(review__isnull=False)
        if s.score
        != s.plan.scores.get(review=None, aspect=s.aspect, perspective=s.perspective).score
    }
    assert {perspective for _, perspective in moved} == {"parent", "child"}


def test_universal_closures_have_a_maintaining_plan_and_stepped_up_cases_are_at_tier_4() -> None:
    seed("--scale", "demo")

    universal = EarlyHelpPlan.objects.filter(closure_reason=Reason.UNIVERSAL)
    assert universal.exists()
    for plan in universal:
        maintaining = MaintainingOurFamilyPlan.objects.get(plan=plan)
        assert maintaining.final_review_on == plan.closed_on
        assert plan.agreed_on <= maintaining.agreed_on <= maintaining.final_review_on
    assert not MaintainingOurFamilyPlan.objects.exclude(plan__in=universal).exists()
    stepped_up = EarlyHelpPlan.objects.filter(closure_reason=Reason.STEPPED_UP)
    assert stepped_up.exists()
    for plan in stepped_up:
        review = plan.reviews.get(next_step=Review.NextStep.STEP_UP)
        assert review.mash_assessment_by
        assert review.mash_contact_form_by
        cases = Case.objects.filter(pupil__in=pupils_of(plan), status=Case.Status.OPEN)
        assert cases.exists()
        for case in cases:
            assert case.tier == Tier.SPECIALIST
            entries = case.timeline.filter(occurred_on=review.held_on)
            assert entries.filter(kind=TimelineEntry.Kind.STEPPED_UP).count() == 1
            assert entries.filter(kind=TimelineEntry.Kind.TIER).count() == 1
    # Closing told the people working with the family.
    for plan in EarlyHelpPlan.objects.filter(status=Status.CLOSED):
        told = set(plan.notifications.filter(kind="plan_closed").values_list("user", flat=True))
        assert plan.created_by_id in told
        if plan.lead_professional.user_id:
            assert plan.lead_professional.user_id in told


def test_the_overdue_job_flags_the_overdue_plans_once() -> None:
    seed("--scale", "demo")
    overdue = EarlyHelpPlan.objects.filter(overdue_on(TODAY))
    assert overdue.exists()
    assert not OverdueNotice.objects.exists()

    with time_machine.travel(dt.datetime.combine(TODAY, dt.time(9)), tick=False):
        result = flag_overdue_reviews(today=TODAY)
        again = flag_overdue_reviews(today=TODAY)

    assert result.flagged == overdue.count()
    assert set(OverdueNotice.objects.values_list("plan", flat=True)) == set(
        overdue.values_list("pk", flat=True)
    )
    assert result.notifications > 0
    assert again.flagged == 0


def test_siblings_at_different_schools_share_one_plan() -> None:
    seed("--scale", "demo")

    across = [
        plan
        for plan in EarlyHelpPlan.objects.prefetch_related("children__pupil", "members")
        if len({c.pupil.current_school_id for c in plan.children.all()}) > 1
    ]
    assert across
    assert any(plan.status == Status.ACTIVE for plan in across)
    for plan in across:
        pupils = [c.pupil for c in plan.children.all()]
        assert len({p.family_name for p in pupils}) == 1
        assert plan.family_name == f"the {pupils[0].family_name} family"
        linked = {m.child.pupil_id for m in plan.members.all() if m.child_id}
        assert linked == {p.pk for p in pupils}


def test_the_demo_logins_see_plans_and_a_refusal_to_share_limits_who_does() -> None:
    seed("--scale", "demo")

    eli = User.objects.get(email="early.help@council.example")
    pat = User.objects.get(email="pastoral.lead@council.example")
    lin = User.objects.get(email="link.coordinator@council.example")
    manager = User.objects.get(email="manager@council.example")
    led = EarlyHelpPlan.objects.filter(lead_professional__user=eli).exclude(status=Status.DRAFT)
    assert led.count() >= 3
    assert set(led) <= set(EarlyHelpPlan.objects.visible_to(eli))
    school = SchoolStaff.objects.get(user=pat).school
    written = EarlyHelpPlan.objects.filter(
        created_by=pat, children__pupil__current_school=school
    ).distinct()
    assert written.count() >= 3
    private = written.filter(consent_to_share=False)
    assert private.exists()
    for plan in private:
        assert plan in EarlyHelpPlan.objects.visible_to(pat)
        assert plan not in EarlyHelpPlan.objects.visible_to(lin)
        assert plan not in EarlyHelpPlan.objects.visible_to(manager)
    assert EarlyHelpPlan.objects.visible_to(lin).exists()
    assert Notification.objects.filter(user=eli).exists()


def test_the_manager_drew_quality_audits_and_graded_some_plans() -> None:
    seed("--scale", "demo")

    manager = User.objects.get(email="manager@council.example")
    audits = QualityAudit.objects.all()
    assert audits.count() == 2
    assert set(audits.values_list("drawn_by", flat=True)) == {manager.pk}
    items = AuditedPlan.objects.select_related("audit", "plan")
    graded = items.exclude(grade="")
    assert graded.exists()
    assert items.filter(grade="").exists()
    for item in items:
        assert item.plan.status != Status.DRAFT
        assert item.plan.consent_to_share is True
        assert item.plan.agreed_on <= item.audit.drawn_at.date()
    for item in graded:
        assert item.graded_by == manager
        assert item.audit.drawn_at < item.graded_at
        assert item.graded_at.date() <= LAST_SCHOOL_DAY
        assert item.comments


def test_the_same_seed_gives_the_same_plans_and_another_seed_others() -> None:
    seed("--scale", "demo", "--seed", "7")
    first = snapshot()
    assert first
    seed("--scale", "demo", "--seed", "7", "--reset")
    assert snapshot() == first
    seed("--scale", "demo", "--seed", "8", "--reset")
    assert snapshot() != first


def test_the_load_writes_no_history_and_leaves_the_schema_as_it_was() -> None:
    def schema() -> list[tuple[object, ...]]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT tablename, indexname, indexdef FROM pg_indexes"
                " WHERE tablename = ANY(%s) ORDER BY 1, 2",
                [PLAN_TABLES],
            )
            rows = cursor.fetchall()
            cursor.execute(
                "SELECT tgrelid::regclass::text, tgname, tgenabled FROM pg_trigger"
                " WHERE tgrelid = ANY(%s::regclass[]) AND NOT tgisinternal ORDER BY 1, 2",
                [[*PLAN_TABLES, "schools_pupil", "cases_case", "cases_timelineentry"]],
            )
            return rows + cursor.fetchall()

    before = schema()

    seed("--scale", "demo")

    assert schema() == before
    assert not EarlyHelpPlanEvent.objects.exists()
    assert not PupilEvent.objects.exists()  # siblings renamed without history
    assert not CaseEvent.objects.exists()  # cases stepped up without history
    plan = EarlyHelpPlan.objects.filter(status=Status.ACTIVE).first()
    plan.next_review_venue = "Family hub"
    plan.save()
    assert EarlyHelpPlanEvent.objects.filter(pgh_obj=plan, pgh_label="update").exists()
    assert set(PLAN_TABLES) <= set(demo.reset_tables())


def test_a_larger_scale_covers_most_open_cases_and_leaves_a_gap() -> None:
    output = seed("--scale", "county", "--schools", "40", "--pupils", "6000", "--seed", "3")

    open_cases = Case.objects.filter(status=Case.Status.OPEN)
    covered = open_cases.filter(pupil__plan_places__plan_is_active=True).distinct().count()
    assert 0.55 * open_cases.count() <= covered <= 0.7 * open_cases.count()
    assert f"{covered} of {open_cases.count()} open cases" in output
    # Plans started from a case are linked to it; a case with no lead has no agreed plan.
    linked = EarlyHelpPlan.objects.filter(case__isnull=False).select_related("case")
    assert linked.exists()
    for plan in linked:
        assert plan.case.pupil_id in pupils_of(plan)
        assert plan.case.opened_on <= plan.created_at.date()
    no_lead = open_cases.filter(lead_professional__isnull=True).values("pupil")
    assert not PlanChild.objects.filter(pupil__in=no_lead, plan_is_active=True).exists()
    assert Pupil.objects.filter(plan_places__isnull=False).distinct().count() > 40


@pytest.mark.parametrize(
    "today",
    [dt.date(2025, 9, 24), dt.date(2026, 1, 7), dt.date(2026, 4, 8), dt.date(2026, 8, 19)],
)
def test_any_day_of_the_year_gives_plans_the_database_accepts(today: dt.date) -> None:
    """Early in the year, in a holiday, after the summer term: the constraints hold."""
    seed("--scale", "demo", today=today)

    for review in Review.objects.all():
        assert review.held_on < today
    assert not EarlyHelpPlan.objects.filter(closed_on__gte=today).exists()


def test_no_school_day_over_yet_means_no_plans() -> None:
    output = seed("--scale", "demo", today=dt.date(2025, 9, 3))

    assert not EarlyHelpPlan.objects.exists()
    assert "Early help plans" not in output
