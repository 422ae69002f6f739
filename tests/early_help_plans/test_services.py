"""Writing a plan with the family, agreeing it, and keeping one active plan per child."""

import datetime

import pytest

from cases.models import LeadProfessional
from cases.services import LeadDetails
from early_help_plans import selectors, services
from early_help_plans.models import Aspect, EarlyHelpPlan, Perspective, PlanChild
from tests.factories import CaseFactory, PupilFactory, UserFactory

pytestmark = pytest.mark.django_db

AGREED = datetime.date(2025, 9, 15)


def _complete(plan, by):
    services.record_consent(
        plan=plan,
        consent_to_share=True,
        supporting_families_consent=False,
        signatories=[services.Signatory("parent", "Sam Specimen", AGREED)],
        recorded_on=AGREED,
        by=by,
    )
    services.set_lead_professional(
        plan=plan,
        lead=LeadDetails(kind=LeadProfessional.Kind.EARLY_HELP_WORKER, user=by),
        agreed_on=AGREED,
        by=by,
    )
    services.save_first_scores(
        plan=plan, aspect=Aspect.EDUCATION, perspective=Perspective.PARENT, score=4, by=by
    )
    services.set_next_review(plan=plan, time=datetime.time(10, 0), venue="The school", by=by)
    plan.refresh_from_db()
    return plan


def test_a_plan_starts_from_a_cases_pupil(school_a, pastoral_lead):
    case = CaseFactory(pupil=PupilFactory(current_school=school_a))

    plan = services.start_plan(
        family_name="the Specimen family", children=[case.pupil], by=pastoral_lead, case=case
    )

    assert plan.status == EarlyHelpPlan.Status.DRAFT
    assert plan.case == case
    child = plan.children.get()
    assert child.pupil == case.pupil
    assert child.plan_is_active is False
    assert plan.members.get().child == child


def test_agreeing_is_refused_listing_what_is_missing(school_a, pastoral_lead):
    plan = services.start_plan(
        family_name="the Specimen family",
        children=[PupilFactory(current_school=school_a)],
        by=pastoral_lead,
    )

    with pytest.raises(services.PlanRuleBroken) as refusal:
        services.agree_plan(plan=plan, agreed_on=AGREED, by=pastoral_lead, seen_version=1)

    message = str(refusal.value)
    assert "consent to share" in message
    assert "lead professional" in message
    assert "aspect of family life scored" in message
    assert "time and venue of the next review" in message
    plan.refresh_from_db()
    assert plan.status == EarlyHelpPlan.Status.DRAFT


def test_agreeing_a_complete_plan_makes_it_and_its_children_active(school_a, pastoral_lead):
    plan = services.start_plan(
        family_name="the Specimen family",
        children=[PupilFactory(current_school=school_a), PupilFactory(current_school=school_a)],
        by=pastoral_lead,
    )
    plan = _complete(plan, pastoral_lead)

    services.agree_plan(plan=plan, agreed_on=AGREED, by=pastoral_lead, seen_version=plan.version)

    plan.refresh_from_db()
    assert plan.status == EarlyHelpPlan.Status.ACTIVE
    assert plan.agreed_on == AGREED
    assert plan.next_review_due == AGREED + datetime.timedelta(days=42)
    assert set(plan.children.values_list("plan_is_active", flat=True)) == {True}


def test_a_second_active_plan_for_a_child_is_refused_naming_the_child(school_a, pastoral_lead):
    pupil = PupilFactory(current_school=school_a, given_name="Kit", family_name="Specimen")
    first = _complete(
        services.start_plan(family_name="first", children=[pupil], by=pastoral_lead),
        pastoral_lead,
    )
    services.agree_plan(plan=first, agreed_on=AGREED, by=pastoral_lead, seen_version=1)
    second = _complete(
        services.start_plan(family_name="second", children=[pupil], by=pastoral_lead),
        pastoral_lead,
    )

    with pytest.raises(services.PlanRuleBroken, match="Kit Specimen is already in another"):
        services.agree_plan(plan=second, agreed_on=AGREED, by=pastoral_lead, seen_version=1)

    second.refresh_from_db()
    assert second.status == EarlyHelpPlan.Status.DRAFT
    assert PlanChild.objects.filter(pupil=pupil, plan_is_active=True).get().plan == first


def test_a_stale_save_of_an_active_plan_is_refused(school_a, pastoral_lead):
    plan = _complete(
        services.start_plan(
            family_name="f", children=[PupilFactory(current_school=school_a)], by=pastoral_lead
        ),
        pastoral_lead,
    )
    services.agree_plan(plan=plan, agreed_on=AGREED, by=pastoral_lead, seen_version=1)
    plan.refresh_from_db()
    seen = plan.version
    services.save_family(
        plan=plan,
        address="1 High Street",
        phone="",
        email="",
        useful_information="",
        by=pastoral_lead,
        seen_version=seen,
    )

    with pytest.raises(services.PlanRuleBroken, match="changed by someone else"):
        services.save_family(
            plan=plan,
            address="2 Low Street",
            phone="",
            email="",
            useful_information="",
            by=pastoral_lead,
            seen_version=seen,
        )

    plan.refresh_from_db()
    assert plan.address == "1 High Street"
    assert plan.version == seen + 1


def test_a_sibling_is_linked_through_the_family(school_a, school_b, pastoral_lead):
    plan = services.start_plan(
        family_name="f", children=[PupilFactory(current_school=school_a)], by=pastoral_lead
    )
    sibling = PupilFactory(current_school=school_b)

    with pytest.raises(services.PlanRuleBroken, match="cannot link"):
        services.add_member(
            plan=plan, name="Jo", relationship="Brother", pupil=sibling, by=pastoral_lead
        )

    admin = UserFactory(is_administrator=True)
    services.add_member(plan=plan, name="Jo", relationship="Brother", pupil=sibling, by=admin)
    assert plan.children.filter(pupil=sibling).exists()


def test_the_task_list_moves_on_as_sections_are_completed(school_a, pastoral_lead):
    plan = services.start_plan(
        family_name="f", children=[PupilFactory(current_school=school_a)], by=pastoral_lead
    )

    def statuses():
        plan.refresh_from_db()
        return {section.key: section.status for section in selectors.task_list(plan)}

    before = statuses()
    assert before["consent"] == selectors.NOT_STARTED
    assert before["family"] == selectors.IN_PROGRESS  # the child is there, no contact details
    assert before["aspects"] == selectors.NOT_STARTED

    _complete(plan, pastoral_lead)
    after = statuses()
    assert after["consent"] == selectors.COMPLETED
    assert after["lead"] == selectors.COMPLETED
    assert after["aspects"] == selectors.IN_PROGRESS
    assert after["review"] == selectors.COMPLETED

    for aspect in Aspect.values:
        services.save_first_scores(
            plan=plan,
            aspect=aspect,
            perspective=Perspective.PARENT,
            not_relevant=aspect != Aspect.EDUCATION,
            not_relevant_reason="Not for this family",
            score=5,
            by=pastoral_lead,
        )
    assert statuses()["aspects"] == selectors.COMPLETED
