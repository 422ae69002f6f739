"""Quality audits: drawing a random sample of plans, grading each, and the summary."""

import datetime
import zoneinfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from early_help_plans import audits
from early_help_plans.models import (
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


def test_the_filters_offer_only_schools_and_leads_with_plans_to_sample(manager, school_a, school_b):
    lead = LeadProfessionalFactory()
    _plan(schools=[school_a], lead=lead)
    _plan(schools=[school_b], status="draft", consent=None)
    _plan(schools=[school_b], consent=False)

    schools = list(audits.schools_to_sample(manager))
    leads = list(audits.lead_professionals_to_sample(manager))

    assert schools == [school_a]
    assert leads == [lead]


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


# Pages ------------------------------------------------------------------------------------------


def _audit_of(plans, by):
    audit = QualityAudit.objects.create(title="Autumn", sample_size=len(plans), drawn_by=by)
    AuditedPlan.objects.bulk_create(AuditedPlan(audit=audit, plan=plan) for plan in plans)
    return audit


@pytest.mark.parametrize(
    "persona",
    ["link_coordinator", "pastoral_lead", "other_school_pastoral_lead", "early_help_worker"],
    indirect=True,
)
def test_only_managers_and_administrators_reach_quality_audits(client, persona, manager, school_a):
    audit = _audit_of([_plan(schools=[school_a])], manager)
    item = audit.plans.get()
    client.force_login(persona)

    answers = {
        client.get(reverse("early_help_plans:audit-list")).status_code,
        client.get(audit.get_absolute_url()).status_code,
        client.get(reverse("early_help_plans:audit-grade", args=[audit.pk, item.pk])).status_code,
    }

    assert answers == {403}


def test_a_manager_draws_a_sample_and_is_told_it_is_smaller_than_asked(client, manager, school_a):
    _plan(schools=[school_a], family="Example")
    client.force_login(manager)

    response = client.post(
        reverse("early_help_plans:audit-list"),
        {"title": "Autumn audit", "size": "5", "school": school_a.pk, "lead_professional": ""},
        follow=True,
    )

    audit = QualityAudit.objects.get()
    assert response.redirect_chain[-1][0] == audit.get_absolute_url()
    assert "A sample of 1 plan was drawn." in response.text
    assert "You asked for 5 plans, but only 1 matches, so the sample has that plan." in (
        response.text
    )
    assert "the Example family" in response.text


def test_a_sample_with_no_plans_shows_why_on_the_form(client, manager, school_a, school_b):
    _plan(schools=[school_a])
    elsewhere = LeadProfessionalFactory(name="Bo Brown", agency="")
    _plan(schools=[school_b], lead=elsewhere)
    client.force_login(manager)

    response = client.post(
        reverse("early_help_plans:audit-list"),
        {
            "title": "Autumn audit",
            "size": "5",
            "school": school_a.pk,
            "lead_professional": elsewhere.pk,
        },
    )

    assert response.status_code == 200
    assert "govuk-error-summary" in response.text
    assert (
        "There are no agreed or closed plans at Amberfield Primary School and led by Bo Brown"
        in response.text
    )
    assert not QualityAudit.objects.exists()


def test_a_manager_grades_a_plan_on_its_question_page(client, manager, school_a):
    audit = _audit_of([_plan(schools=[school_a], family="Sample")], manager)
    item = audit.plans.get()
    client.force_login(manager)
    url = reverse("early_help_plans:audit-grade", args=[audit.pk, item.pk])
    answers = dict.fromkeys(audits.CRITERIA, "yes") | {"reviews_on_time": "no"}

    response = client.post(url, {**answers, "grade": "good", "comments": "Clear", "seen": ""})

    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.grade, item.reviews_on_time, item.graded_by) == ("good", False, manager)
    assert "The Sample family was graded good." in client.get(response["Location"]).text


def test_a_plan_whose_family_withdrew_consent_after_the_draw_is_not_shown(
    client, manager, school_a
):
    plan = _plan(schools=[school_a], family="Placeholder")
    audit = _audit_of([plan, _plan(schools=[school_a])], manager)
    item = audit.plans.get(plan=plan)
    EarlyHelpPlan.objects.filter(pk=plan.pk).update(consent_to_share=False)
    client.force_login(manager)

    page = client.get(audit.get_absolute_url())
    grading = client.get(reverse("early_help_plans:audit-grade", args=[audit.pk, item.pk]))

    assert "the Placeholder family" not in page.text
    assert "1 plan is in this sample but not shown" in page.text
    assert grading.status_code == 404


def _busy_plan(school, by):
    """A plan with something of everything the audit page shows."""
    plan = _plan(schools=[school, school], tier=2, tier_reasons="School-led support")
    _score(plan, Aspect.EDUCATION, Perspective.PARENT, 3, words="Mornings are hard")
    _score(plan, Aspect.EDUCATION, Perspective.CHILD, 4)
    ActionItem.objects.create(plan=plan, aspect=Aspect.EDUCATION, action="Soft start", who="SENCo")
    _review(plan, datetime.date(2025, 10, 10), by)
    return plan


def test_the_audit_page_takes_as_many_queries_for_15_plans_as_for_3(
    client, manager, school_a, django_assert_max_num_queries
):
    audit = _audit_of([_busy_plan(school_a, manager) for _ in range(3)], manager)
    for item in audit.plans.all()[:2]:
        audits.grade_plan(audited=item, judgement=_judgement(), by=manager, seen_graded_at=None)
    client.force_login(manager)
    client.get(audit.get_absolute_url())
    with CaptureQueriesContext(connection) as three:
        client.get(audit.get_absolute_url())
    AuditedPlan.objects.bulk_create(
        AuditedPlan(audit=audit, plan=_busy_plan(school_a, manager)) for _ in range(12)
    )

    with django_assert_max_num_queries(len(three)):
        response = client.get(audit.get_absolute_url())

    assert response.text.count('data-testid="sampled-plan"') == 15
