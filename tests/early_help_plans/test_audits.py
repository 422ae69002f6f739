"""Quality audits: drawing a random sample of plans, grading each, and the summary."""

import datetime
import zoneinfo

import pytest
import time_machine

from early_help_plans import audits
from early_help_plans.models import (
    ActionItem,
    Aspect,
    AspectScore,
    EarlyHelpPlan,
    Grade,
    Perspective,
    PlanChild,
    QualityAudit,
    Review,
)
from tests.factories import LeadProfessionalFactory, PupilFactory, UserFactory

pytestmark = pytest.mark.django_db

AGREED_ON = datetime.date(2025, 9, 1)
LONDON = zoneinfo.ZoneInfo("Europe/London")


def _plan(*, schools=(), lead=None, status="active", consent=True, family="Specimen", **fields):
    """An agreed plan (or a draft, or a closed one) with a child at each school given."""
    agreed = status != "draft"
    plan = EarlyHelpPlan.objects.create(
        family_name=f"the {family} family",
        created_by=UserFactory(),
        status=status,
        consent_to_share=consent,
        consent_recorded_on=AGREED_ON if consent is not None else None,
        lead_professional=lead or LeadProfessionalFactory(),
        agreed_on=AGREED_ON if agreed else None,
        closed_on=datetime.date(2025, 12, 1) if status == "closed" else None,
        closure_reason="universal" if status == "closed" else "",
        **fields,
    )
    for school in schools:
        PlanChild.objects.create(
            plan=plan, pupil=PupilFactory(current_school=school), plan_is_active=status == "active"
        )
    return plan


def _judgement(grade=Grade.GOOD, *, met=(), comments=""):
    return audits.Judgement(
        **{field: field in met for field in audits.CRITERIA}, grade=grade, comments=comments
    )


def _sampled(audit):
    return set(audit.plans.values_list("plan_id", flat=True))


# Drawing a sample -------------------------------------------------------------------------------


def test_a_sample_of_a_school_takes_only_its_agreed_and_closed_plans(manager, school_a, school_b):
    at_a = {_plan(schools=[school_a]).pk for _ in range(3)}
    at_a.add(_plan(schools=[school_a], status="closed").pk)
    _plan(schools=[school_a], status="draft", consent=None)
    _plan(schools=[school_b])

    drawn = audits.draw_sample(title="Autumn", size=10, school=school_a, by=manager)

    assert _sampled(drawn.audit) == at_a
    assert drawn.audit.sample_size == 10
    assert drawn.shortfall == "You asked for 10 plans, but only 4 match, so the sample has all 4."


def test_a_sample_of_a_lead_professional_takes_only_the_plans_they_lead(manager, school_a):
    lead = LeadProfessionalFactory()
    theirs = {_plan(schools=[school_a], lead=lead).pk for _ in range(2)}
    _plan(schools=[school_a])

    drawn = audits.draw_sample(title="Lead", size=5, lead_professional=lead, by=manager)

    assert _sampled(drawn.audit) == theirs


def test_a_sample_has_the_size_asked_for_when_more_plans_match(manager, school_a):
    every_plan = {_plan(schools=[school_a]).pk for _ in range(10)}

    drawn = audits.draw_sample(title="Three", size=3, by=manager)

    assert drawn.drawn == 3
    assert len(_sampled(drawn.audit)) == 3
    assert _sampled(drawn.audit) <= every_plan
    assert drawn.shortfall == ""


def test_a_sample_never_includes_a_plan_whose_family_refused_to_share(administrator, school_a):
    shared = _plan(schools=[school_a])
    _plan(schools=[school_a], consent=False)

    drawn = audits.draw_sample(title="Consent", size=5, by=administrator)

    assert _sampled(drawn.audit) == {shared.pk}


def test_a_sample_with_no_matching_plans_is_refused_and_nothing_is_stored(
    manager, school_a, school_b
):
    _plan(schools=[school_b])
    _plan(schools=[school_a], status="draft", consent=None)

    with pytest.raises(audits.AuditRuleBroken) as refusal:
        audits.draw_sample(title="Empty", size=5, school=school_a, by=manager)

    assert str(refusal.value).startswith(
        "There are no agreed or closed plans at Amberfield Primary School that can be audited"
    )
    assert not QualityAudit.objects.exists()


# Grading ----------------------------------------------------------------------------------------


def test_grading_records_the_answers_who_graded_and_when(manager, school_a):
    _plan(schools=[school_a])
    item = audits.draw_sample(title="Autumn", size=1, by=manager).audit.plans.get()
    moment = datetime.datetime(2025, 11, 3, 10, 30, tzinfo=LONDON)

    with time_machine.travel(moment, tick=False):
        audits.grade_plan(
            audited=item,
            judgement=_judgement(
                Grade.REQUIRES_IMPROVEMENT,
                met=("consent_in_place", "tier_justified"),
                comments="  No dates on the actions.  ",
            ),
            by=manager,
            seen_graded_at=None,
        )

    item.refresh_from_db()
    assert item.grade == Grade.REQUIRES_IMPROVEMENT
    assert (item.consent_in_place, item.tier_justified) == (True, True)
    assert item.actions_smart is False
    assert item.comments == "No dates on the actions."
    assert item.graded_by == manager
    assert item.graded_at == moment


def test_a_grade_saved_from_a_page_opened_before_another_grade_is_refused(
    manager, administrator, school_a
):
    _plan(schools=[school_a])
    item = audits.draw_sample(title="Autumn", size=1, by=manager).audit.plans.get()
    audits.grade_plan(audited=item, judgement=_judgement(), by=administrator, seen_graded_at=None)

    with pytest.raises(audits.AuditRuleBroken, match="Someone else graded this plan"):
        audits.grade_plan(
            audited=item,
            judgement=_judgement(Grade.INADEQUATE),
            by=manager,
            seen_graded_at=None,
        )

    item.refresh_from_db()
    assert (item.grade, item.graded_by) == (Grade.GOOD, administrator)


# What the auditor sees -------------------------------------------------------------------------


def _score(plan, aspect, perspective, score, *, review=None, words=""):
    return AspectScore.objects.create(
        plan=plan,
        review=review,
        aspect=aspect,
        perspective=perspective,
        score=score,
        not_relevant=score is None,
        not_relevant_reason="Not an issue" if score is None else "",
        working_well=words,
    )


def _review(plan, held_on, by):
    return Review.objects.create(
        plan=plan,
        held_on=held_on,
        next_step=Review.NextStep.CONTINUE,
        next_review_on=held_on + datetime.timedelta(days=42),
        recorded_by=by,
    )


def test_the_facts_of_a_plan_are_worked_out_from_it(manager, school_a):
    plan = _plan(schools=[school_a], tier=3, tier_reasons="Several agencies involved")
    _score(plan, Aspect.EDUCATION, Perspective.PARENT, 2, words="He likes his teacher")
    _score(plan, Aspect.HOUSING, Perspective.PARENT, 2)
    _score(plan, Aspect.HEALTH, Perspective.PARENT, 7, words="Sleeping better")
    _score(plan, Aspect.EDUCATION, Perspective.CHILD, 5, words="Art club")
    _score(plan, Aspect.HEALTH, Perspective.CHILD, None)  # not relevant: not counted
    ActionItem.objects.create(
        plan=plan,
        aspect=Aspect.EDUCATION,
        action="Soft start",
        who="School",
        by_when=datetime.date(2025, 9, 30),
    )
    ActionItem.objects.create(plan=plan, aspect=Aspect.HEALTH, action="GP visit")  # no who
    ActionItem.objects.create(plan=plan, aspect=Aspect.HOUSING, no_action_needed=True)
    _review(plan, datetime.date(2025, 10, 10), manager)  # 39 days after agreement
    _review(plan, datetime.date(2025, 11, 25), manager)  # 46 days after the first review

    facts = audits.plan_facts([plan])[plan.pk]

    assert facts.schools == ["Amberfield Primary School"]
    assert facts.consent_recorded is True
    assert (facts.parent_voices, facts.parent_scored) == (2, 3)
    assert (facts.child_voices, facts.child_scored) == (1, 1)
    assert (facts.actions, facts.actions_owned_and_dated) == (2, 1)
    assert facts.lowest_score == 2
    assert facts.lowest == [
        audits.LowAspect(label="Education", score=2, has_action=True),
        audits.LowAspect(label="Housing & home environment", score=2, has_action=False),
    ]
    assert [(gap.days, gap.on_time) for gap in facts.reviews] == [(39, True), (46, False)]
    assert facts.reviews_on_time == 1


def test_the_lowest_scored_aspects_come_from_the_latest_review(manager, school_a):
    plan = _plan(schools=[school_a])
    _score(plan, Aspect.EDUCATION, Perspective.PARENT, 1)
    _score(plan, Aspect.MONEY, Perspective.PARENT, 6)
    review = _review(plan, datetime.date(2025, 10, 10), manager)
    _score(plan, Aspect.EDUCATION, Perspective.PARENT, 8, review=review)
    _score(plan, Aspect.MONEY, Perspective.CHILD, 3, review=review)

    facts = audits.plan_facts([plan])[plan.pk]

    assert facts.lowest == [audits.LowAspect(label="Money & employment", score=3, has_action=False)]


def test_the_summary_counts_grades_and_criteria_per_school_and_lead_professional(
    manager, school_a, school_b
):
    ash = LeadProfessionalFactory(name="Ash Able", agency="")
    bo = LeadProfessionalFactory(name="Bo Brown", agency="Health visiting")
    p1 = _plan(schools=[school_a], lead=ash)
    p2 = _plan(schools=[school_a, school_b], lead=ash)  # siblings at two schools
    p3 = _plan(schools=[school_a, school_a], lead=bo)  # siblings at one school: counted once
    _plan(schools=[school_b], lead=bo)  # never graded
    audit = audits.draw_sample(title="All", size=10, by=manager).audit
    grades = {
        p1: _judgement(Grade.OUTSTANDING, met=audits.CRITERIA),
        p2: _judgement(
            Grade.GOOD,
            met=(
                "consent_in_place",
                "voices_recorded",
                "lowest_aspects_addressed",
                "tier_justified",
            ),
        ),
        p3: _judgement(Grade.INADEQUATE, met=("consent_in_place",)),
    }
    for plan, judgement in grades.items():
        item = audit.plans.get(plan=plan)
        audits.grade_plan(audited=item, judgement=judgement, by=manager, seen_graded_at=None)

    by_school = audits.summary_by_school(audit, manager)
    by_lead = audits.summary_by_lead_professional(audit, manager)

    # Grades in Grade's order (outstanding, good, requires improvement, inadequate); criteria in
    # CRITERIA's (consent, voices, SMART actions, lowest aspects, tier, reviews on time).
    assert by_school == [
        audits.SummaryRow("Amberfield Primary School", 3, 3, [1, 1, 0, 1], [3, 2, 1, 2, 2, 1]),
        audits.SummaryRow("Birchwood Academy", 2, 1, [0, 1, 0, 0], [1, 1, 0, 1, 1, 0]),
    ]
    assert by_lead == [
        audits.SummaryRow("Ash Able", 2, 2, [1, 1, 0, 0], [2, 2, 1, 2, 2, 1]),
        audits.SummaryRow("Bo Brown (Health visiting)", 2, 1, [0, 0, 0, 1], [1, 0, 0, 0, 0, 0]),
    ]
