"""Reviews every 6 weeks, closing a plan and its impact, consent withdrawn, reopening."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.core import mail

from attendance.models import AttendanceRecord
from cases.models import LeadProfessional, Tier, TimelineEntry
from cases.services import LeadDetails
from early_help_plans import reviews, services
from early_help_plans.models import (
    Aspect,
    AspectScore,
    EarlyHelpPlan,
    MaintainingOurFamilyPlan,
    Notification,
    Perspective,
    PlanChild,
    Review,
    SupportingFamiliesRecord,
)
from early_help_plans.overdue import flag_overdue_reviews
from tests.factories import CaseFactory, PupilFactory, UserFactory

pytestmark = pytest.mark.django_db

AGREED = datetime.date(2025, 9, 15)
TODAY = datetime.date(2026, 3, 2)
TEN = datetime.time(10, 0)


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(datetime.datetime(2026, 3, 2, 12, 0, tzinfo=datetime.UTC), tick=False):
        yield


def _active_plan(by, pupils, *, supporting_families=False):
    plan = services.start_plan(family_name="the Specimen family", children=pupils, by=by)
    services.record_consent(
        plan=plan,
        consent_to_share=True,
        supporting_families_consent=supporting_families,
        signatories=[services.Signatory("parent", "Sam Specimen", AGREED)],
        recorded_on=AGREED,
        by=by,
    )
    services.set_lead_professional(
        plan=plan,
        lead=LeadDetails(kind=LeadProfessional.Kind.SCHOOL_STAFF, user=by),
        agreed_on=AGREED,
        by=by,
    )
    for aspect, parent, child in [(Aspect.EDUCATION, 3, 2), (Aspect.HEALTH, 6, 5)]:
        for perspective, score in [(Perspective.PARENT, parent), (Perspective.CHILD, child)]:
            services.save_first_scores(
                plan=plan, aspect=aspect, perspective=perspective, score=score, by=by
            )
    services.set_next_review(plan=plan, time=TEN, venue="The school", by=by)
    plan.refresh_from_db()
    services.agree_plan(plan=plan, agreed_on=AGREED, by=by, seen_version=plan.version)
    plan.refresh_from_db()
    return plan


def _review(plan, by, held_on, next_step="continue", **details):
    plan.refresh_from_db()
    if next_step == "continue":
        details.setdefault("next_review_time", TEN)
        details.setdefault("next_review_venue", "The school")
    return reviews.record_review(
        plan=plan,
        by=by,
        held_on=held_on,
        next_step=next_step,
        seen_version=plan.version,
        **details,
    )


def _weeks(pupil, first_end, weeks, attended):
    """Weekly records of 10 possible sessions ending on first_end and each week after."""
    for week in range(weeks):
        end = first_end + datetime.timedelta(weeks=week)
        AttendanceRecord.objects.create(
            pupil=pupil,
            school=pupil.current_school,
            period_start=end - datetime.timedelta(days=4),
            period_end=end,
            possible_sessions=10,
            attended_sessions=attended,
            authorised_absence=0,
            unauthorised_absence=10 - attended,
        )


def test_a_continuing_review_rescores_and_sets_the_next_review(school_a, pastoral_lead):
    plan = _active_plan(pastoral_lead, [PupilFactory(current_school=school_a)])
    held_on = datetime.date(2025, 10, 27)  # day 42

    review = _review(
        plan,
        pastoral_lead,
        held_on,
        invitees=[
            reviews.Invitee("Sam Specimen", "Parent", attended=True),
            reviews.Invitee("School nurse", "Health", sent_update=True),
        ],
        rescores=[
            reviews.Rescore(Aspect.EDUCATION, Perspective.PARENT, 5, whats_changed="Goes in"),
            reviews.Rescore(Aspect.EDUCATION, Perspective.CHILD, 4),
        ],
        family_summary="Mornings are easier",
        actions=[reviews.NewAction(Aspect.EDUCATION, action="Walk to school", who="Mum")],
    )

    plan.refresh_from_db()
    assert plan.last_reviewed_on == held_on
    assert plan.next_review_due == datetime.date(2025, 12, 8)
    assert plan.next_review_on == datetime.date(2025, 12, 8)  # default: 42 days later
    assert [(i.name, i.attended, i.sent_update) for i in review.invitees.all()] == [
        ("Sam Specimen", True, False),
        ("School nurse", False, True),
    ]
    assert review.scores.get(aspect=Aspect.EDUCATION, perspective=Perspective.PARENT).score == 5
    assert review.actions.get().action == "Walk to school"
    assert plan.status == EarlyHelpPlan.Status.ACTIVE


def test_a_later_next_review_needs_a_reason(school_a, pastoral_lead):
    plan = _active_plan(pastoral_lead, [PupilFactory(current_school=school_a)])
    later = datetime.date(2025, 12, 22)  # 56 days after

    with pytest.raises(services.PlanRuleBroken, match="Give a reason for a later date"):
        _review(plan, pastoral_lead, datetime.date(2025, 10, 27), next_review_on=later)

    _review(
        plan,
        pastoral_lead,
        datetime.date(2025, 10, 27),
        next_review_on=later,
        later_review_reason="Christmas holidays",
    )
    plan.refresh_from_db()
    assert plan.next_review_on == later
    assert plan.next_review_reason == "Christmas holidays"
    # Due is still derived from the review, never typed: the plan is overdue after 8 December.
    assert plan.next_review_due == datetime.date(2025, 12, 8)


@pytest.mark.parametrize(
    ("held_on", "message"),
    [
        (datetime.date(2025, 9, 14), "before the plan was agreed"),
        (datetime.date(2026, 3, 3), "cannot be in the future"),
    ],
)
def test_a_review_cannot_predate_the_plan_nor_be_in_the_future(
    school_a, pastoral_lead, held_on, message
):
    plan = _active_plan(pastoral_lead, [PupilFactory(current_school=school_a)])

    with pytest.raises(services.PlanRuleBroken, match=message):
        _review(plan, pastoral_lead, held_on)

    assert not Review.objects.exists()


def test_a_review_cannot_predate_the_previous_review(school_a, pastoral_lead):
    plan = _active_plan(pastoral_lead, [PupilFactory(current_school=school_a)])
    _review(plan, pastoral_lead, datetime.date(2025, 10, 27))

    with pytest.raises(services.PlanRuleBroken, match="before the previous review"):
        _review(plan, pastoral_lead, datetime.date(2025, 10, 20))


def test_a_stale_review_is_refused(school_a, pastoral_lead):
    plan = _active_plan(pastoral_lead, [PupilFactory(current_school=school_a)])
    seen = plan.version
    _review(plan, pastoral_lead, datetime.date(2025, 10, 27))

    with pytest.raises(services.PlanRuleBroken, match="changed by someone else"):
        reviews.record_review(
            plan=plan,
            by=pastoral_lead,
            held_on=datetime.date(2025, 10, 28),
            next_step="continue",
            seen_version=seen,
            next_review_time=TEN,
            next_review_venue="Home",
        )
    assert Review.objects.count() == 1


def test_a_review_ends_the_overdue_period_and_the_next_one_notifies_again(
    school_a, pastoral_lead, link_coordinator
):
    plan = _active_plan(pastoral_lead, [PupilFactory(current_school=school_a)])
    assert flag_overdue_reviews(today=datetime.date(2025, 10, 28)).flagged == 1
    _review(plan, pastoral_lead, datetime.date(2025, 10, 29))

    assert flag_overdue_reviews(today=datetime.date(2025, 12, 10)).flagged == 0  # day 42
    assert flag_overdue_reviews(today=datetime.date(2025, 12, 11)).flagged == 1  # day 43


def test_closing_because_universal_services_meet_needs_needs_the_maintaining_plan(
    school_a, pastoral_lead
):
    plan = _active_plan(pastoral_lead, [PupilFactory(current_school=school_a)])
    held_on = datetime.date(2025, 10, 27)

    with pytest.raises(services.PlanRuleBroken, match="Maintaining Our Family Plan"):
        _review(plan, pastoral_lead, held_on, "close", closure_reason="universal")

    MaintainingOurFamilyPlan.objects.create(
        plan=plan,
        what_we_learnt="Routines help",
        most_useful="The walking bus",
        keep_progress_going="Keep the alarm",
        difficult_situations="Winter mornings",
        if_things_get_hard="Call the school",
        who_we_can_contact="Pastoral team",
        agreed_on=held_on,
        final_review_on=held_on,
    )
    _review(plan, pastoral_lead, held_on, "close", closure_reason="universal")

    plan.refresh_from_db()
    assert plan.status == EarlyHelpPlan.Status.CLOSED
    assert plan.closed_on == held_on
    assert plan.closure_reason == "universal"
    assert not PlanChild.objects.filter(plan=plan, plan_is_active=True).exists()


def test_closing_stores_the_measured_impact(school_a, pastoral_lead):
    pupil = PupilFactory(current_school=school_a)
    plan = _active_plan(pastoral_lead, [pupil])
    # Six weeks before agreement at 4 of 10 sessions; after it, 8 of 10.
    _weeks(pupil, datetime.date(2025, 8, 8), 6, attended=4)
    _weeks(pupil, datetime.date(2025, 9, 19), 10, attended=8)
    _review(
        plan,
        pastoral_lead,
        datetime.date(2025, 10, 27),
        rescores=[reviews.Rescore(Aspect.EDUCATION, Perspective.PARENT, 6)],
    )
    _review(
        plan,
        pastoral_lead,
        datetime.date(2025, 11, 24),
        "close",
        closure_reason="moved_out",
        rescores=[
            reviews.Rescore(Aspect.EDUCATION, Perspective.PARENT, 8),
            reviews.Rescore(Aspect.EDUCATION, Perspective.CHILD, 7),
        ],
    )

    plan.refresh_from_db()
    assert plan.attendance_before == Decimal("40.00")
    assert plan.attendance_at_close == Decimal("80.00")
    changes = {(c["aspect"], c["perspective"]): c for c in plan.score_changes}
    assert changes[("education", "parent")] | {} == {
        "aspect": "education",
        "label": "Education",
        "perspective": "parent",
        "first": 3,
        "last": 8,
        "change": 5,
    }
    assert changes[("education", "child")]["change"] == 5  # 2 → 7
    assert changes[("health", "parent")]["change"] is None  # never re-scored
    review = plan.reviews.last()
    assert review.attendance_now == Decimal("80.00")
    assert review.attendance_at_start == Decimal("40.00")
    assert review.children_attendance == [
        {"pupil_id": pupil.pk, "name": pupil.full_name, "now": "80.00", "at_start": "40.00"}
    ]


def test_closing_notifies_everyone_working_with_the_family(
    school_a, pastoral_lead, link_coordinator, early_help_worker, django_capture_on_commit_callbacks
):
    plan = _active_plan(early_help_worker, [PupilFactory(current_school=school_a)])
    services.add_agency(
        plan=plan,
        service="Young carers",
        email="young.carers@example.org",
        by=early_help_worker,
    )

    with django_capture_on_commit_callbacks(execute=True):
        _review(
            plan,
            early_help_worker,
            datetime.date(2025, 10, 27),
            "close",
            closure_reason="moved_out",
        )

    notified = set(
        Notification.objects.filter(kind=Notification.Kind.PLAN_CLOSED).values_list(
            "user__email", flat=True
        )
    )
    assert notified == {early_help_worker.email, link_coordinator.email}
    addressed = sorted(address for message in mail.outbox for address in message.to)
    assert "young.carers@example.org" in addressed
    assert link_coordinator.email in addressed
    assert all("Specimen" not in message.subject for message in mail.outbox)


def test_stepping_up_moves_the_childrens_cases_to_tier_4(school_a, pastoral_lead):
    pupil = PupilFactory(current_school=school_a)
    case = CaseFactory(pupil=pupil, tier=Tier.TARGETED)
    plan = _active_plan(pastoral_lead, [pupil])

    with pytest.raises(services.PlanRuleBroken, match="MASH"):
        _review(plan, pastoral_lead, datetime.date(2025, 10, 27), "step_up")

    _review(
        plan,
        pastoral_lead,
        datetime.date(2025, 10, 27),
        "step_up",
        mash_assessment_by="Duty social worker",
        mash_contact_form_by="Designated safeguarding lead",
    )

    case.refresh_from_db()
    plan.refresh_from_db()
    assert case.tier == Tier.SPECIALIST
    kinds = set(case.timeline.values_list("kind", flat=True))
    assert {TimelineEntry.Kind.STEPPED_UP, TimelineEntry.Kind.TIER} <= kinds
    assert plan.status == EarlyHelpPlan.Status.CLOSED
    assert plan.closure_reason == EarlyHelpPlan.ClosureReason.STEPPED_UP


def test_a_change_of_lead_professional_is_dated_and_the_case_follows(school_a, pastoral_lead):
    pupil = PupilFactory(current_school=school_a)
    case = CaseFactory(pupil=pupil)
    plan = _active_plan(pastoral_lead, [pupil])
    worker = UserFactory(is_early_help_worker=True)
    changed_on = datetime.date(2025, 10, 20)

    review = _review(
        plan,
        pastoral_lead,
        datetime.date(2025, 10, 27),
        new_lead=LeadDetails(kind=LeadProfessional.Kind.EARLY_HELP_WORKER, user=worker),
        lead_changed_on=changed_on,
    )

    plan.refresh_from_db()
    case.refresh_from_db()
    assert plan.lead_professional.user == worker
    assert review.new_lead_professional == plan.lead_professional
    assert review.lead_changed_on == changed_on
    assert case.lead_professional == plan.lead_professional
    assert case.lead_professional_since == changed_on


def test_a_closed_plan_is_read_only_until_reopened_with_a_reason(school_a, pastoral_lead):
    pupil = PupilFactory(current_school=school_a)
    plan = _active_plan(pastoral_lead, [pupil])
    _review(plan, pastoral_lead, datetime.date(2025, 10, 27), "close", closure_reason="moved_out")
    plan.refresh_from_db()

    with pytest.raises(services.PlanRuleBroken, match="closed"):
        services.add_agency(plan=plan, service="Food bank", by=pastoral_lead)
    with pytest.raises(services.PlanRuleBroken, match="closed"):
        _review(plan, pastoral_lead, datetime.date(2025, 11, 3))
    with pytest.raises(services.PlanRuleBroken, match="why"):
        reviews.reopen_plan(plan=plan, reason=" ", by=pastoral_lead, seen_version=plan.version)

    reviews.reopen_plan(
        plan=plan, reason="Closed by mistake", by=pastoral_lead, seen_version=plan.version
    )

    plan.refresh_from_db()
    assert plan.status == EarlyHelpPlan.Status.ACTIVE
    assert plan.closed_on is None
    assert plan.reopenings.get().reason == "Closed by mistake"
    assert PlanChild.objects.get(plan=plan).plan_is_active is True


def test_reopening_is_refused_when_the_child_is_in_another_active_plan(school_a, pastoral_lead):
    pupil = PupilFactory(current_school=school_a)
    plan = _active_plan(pastoral_lead, [pupil])
    _review(plan, pastoral_lead, datetime.date(2025, 10, 27), "close", closure_reason="moved_out")
    _active_plan(pastoral_lead, [pupil])
    plan.refresh_from_db()

    with pytest.raises(services.PlanRuleBroken, match="another active plan"):
        reviews.reopen_plan(
            plan=plan, reason="Mistake", by=pastoral_lead, seen_version=plan.version
        )

    plan.refresh_from_db()
    assert plan.status == EarlyHelpPlan.Status.CLOSED


def test_withdrawing_consent_closes_the_plan_and_prompts_a_safeguarding_decision(
    school_a, pastoral_lead
):
    plan = _active_plan(pastoral_lead, [PupilFactory(current_school=school_a)])

    reviews.withdraw_consent(
        plan=plan,
        on=datetime.date(2025, 11, 1),
        reason="Family no longer wish to engage",
        by=pastoral_lead,
        seen_version=plan.version,
    )

    plan.refresh_from_db()
    assert plan.status == EarlyHelpPlan.Status.CLOSED
    assert plan.closure_reason == "consent_withdrawn"
    assert plan.consent_withdrawn_on == datetime.date(2025, 11, 1)
    assert reviews.needs_safeguarding_decision(plan)
    prompt = Notification.objects.get(kind=Notification.Kind.CONSENT_WITHDRAWN)
    assert prompt.user == pastoral_lead
    assert "safeguarding concern" in prompt.message

    reviews.record_safeguarding_decision(
        plan=plan, concern=False, note="Discussed with DSL; no concern", by=pastoral_lead
    )
    plan.refresh_from_db()
    assert not reviews.needs_safeguarding_decision(plan)
    assert plan.safeguarding_concern is False


def test_supporting_families_records_need_consent_and_are_deleted_on_closure(
    school_a, pastoral_lead
):
    without = _active_plan(pastoral_lead, [PupilFactory(current_school=school_a)])
    with pytest.raises(services.PlanRuleBroken, match="Supporting Families"):
        reviews.add_supporting_families_record(
            plan=without, outcome="education", evidence="Attending", by=pastoral_lead
        )

    plan = _active_plan(
        pastoral_lead, [PupilFactory(current_school=school_a)], supporting_families=True
    )
    reviews.add_supporting_families_record(
        plan=plan, outcome="education", evidence="Attending 90%", by=pastoral_lead
    )
    assert SupportingFamiliesRecord.objects.count() == 1

    _review(plan, pastoral_lead, datetime.date(2025, 10, 27), "close", closure_reason="moved_out")

    plan.refresh_from_db()
    assert not SupportingFamiliesRecord.objects.exists()
    assert plan.supporting_families_deleted_on == datetime.date(2025, 10, 27)


def test_the_progress_timeline_lines_up_scores_by_review(school_a, pastoral_lead):
    plan = _active_plan(pastoral_lead, [PupilFactory(current_school=school_a)])
    _review(
        plan,
        pastoral_lead,
        datetime.date(2025, 10, 27),
        rescores=[reviews.Rescore(Aspect.EDUCATION, Perspective.CHILD, 4)],
    )

    progress = reviews.timeline(plan)

    assert [label for label, _ in progress["points"]] == ["Agreed", "Review 1"]
    education = next(row for row in progress["rows"] if row["aspect"] == "education")
    assert education["parent"] == [3, None]
    assert education["child"] == [2, 4]
    assert AspectScore.objects.filter(review__isnull=False).count() == 1
