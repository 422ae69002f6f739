"""The plan's data rules held by the database and the model (issue 6 builds the pages on them)."""

import datetime

import pytest
from django.db import IntegrityError

from early_help_plans.models import EarlyHelpPlan, PlanChild
from tests.factories import LeadProfessionalFactory, PupilFactory, UserFactory

pytestmark = pytest.mark.django_db


def _plan(**fields):
    defaults = {
        "family_name": "the Specimen family",
        "created_by": UserFactory(),
    }
    return EarlyHelpPlan.objects.create(**{**defaults, **fields})


def _agreed(**fields):
    return _plan(
        status="active",
        consent_to_share=True,
        lead_professional=LeadProfessionalFactory(),
        agreed_on=datetime.date(2025, 9, 1),
        **fields,
    )


def test_a_plan_cannot_be_agreed_without_consent_a_lead_professional_and_a_date():
    with pytest.raises(IntegrityError):
        _plan(status="active", consent_to_share=True, agreed_on=datetime.date(2025, 9, 1))


def test_a_child_is_in_at_most_one_active_plan(school_a):
    child = PupilFactory(current_school=school_a)
    PlanChild.objects.create(plan=_agreed(), pupil=child, plan_is_active=True)

    with pytest.raises(IntegrityError):
        PlanChild.objects.create(plan=_agreed(), pupil=child, plan_is_active=True)


def test_a_child_in_a_draft_plan_may_also_be_in_an_active_one(school_a):
    child = PupilFactory(current_school=school_a)
    PlanChild.objects.create(plan=_plan(), pupil=child, plan_is_active=False)

    PlanChild.objects.create(plan=_agreed(), pupil=child, plan_is_active=True)


@pytest.mark.parametrize(
    ("today", "overdue"),
    [
        (datetime.date(2025, 10, 13), False),  # day 42 after 1 September: due today, on time
        (datetime.date(2025, 10, 14), True),  # day 43: overdue from the day after
    ],
)
def test_a_review_falls_due_42_days_after_the_plan_is_agreed(today, overdue):
    plan = _agreed()

    assert plan.next_review_due == datetime.date(2025, 10, 13)
    assert plan.is_overdue(today) is overdue


def test_the_next_review_counts_from_the_last_review():
    plan = _agreed(last_reviewed_on=datetime.date(2025, 10, 10))

    assert plan.next_review_due == datetime.date(2025, 11, 21)


def test_without_consent_to_share_only_the_author_and_lead_professional_see_the_plan(
    school_a, pastoral_lead, link_coordinator
):
    lead_user = UserFactory(is_early_help_worker=True)
    plan = _agreed()
    plan.consent_to_share = False
    plan.lead_professional = LeadProfessionalFactory(user=lead_user)
    plan.save()
    PlanChild.objects.create(
        plan=plan, pupil=PupilFactory(current_school=school_a), plan_is_active=True
    )

    assert not EarlyHelpPlan.objects.visible_to(pastoral_lead).exists()
    assert not EarlyHelpPlan.objects.visible_to(link_coordinator).exists()
    assert EarlyHelpPlan.objects.visible_to(lead_user).get() == plan
    assert EarlyHelpPlan.objects.visible_to(plan.created_by).get() == plan


def test_with_consent_each_schools_staff_see_the_plan_through_their_own_pupil(
    school_a, school_b, pastoral_lead, other_school_pastoral_lead, user_without_role
):
    plan = _agreed()
    PlanChild.objects.create(plan=plan, pupil=PupilFactory(current_school=school_a))
    PlanChild.objects.create(plan=plan, pupil=PupilFactory(current_school=school_b))

    assert EarlyHelpPlan.objects.visible_to(pastoral_lead).get() == plan
    assert EarlyHelpPlan.objects.visible_to(other_school_pastoral_lead).get() == plan
    assert not EarlyHelpPlan.objects.visible_to(user_without_role).exists()
