"""The review, closure and reopening pages, as a pastoral lead uses them."""

import datetime

import pytest
import time_machine
from django.urls import reverse

from audit.models import AccessLogEntry
from early_help_plans.models import EarlyHelpPlan, MaintainingOurFamilyPlan, Review
from tests.early_help_plans.test_reviews import _active_plan
from tests.factories import PupilFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(datetime.datetime(2025, 11, 3, 12, 0, tzinfo=datetime.UTC)):
        yield


@pytest.fixture
def plan(school_a, pastoral_lead):
    return _active_plan(pastoral_lead, [PupilFactory(current_school=school_a)])


def _form(plan, **fields):
    plan.refresh_from_db()
    data = {
        "seen_version": plan.version,
        "held_on": "27/10/2025",
        "lead_choice": "none",
        "next_step": "continue",
        "next_review_time": "10:00",
        "next_review_venue": "The school",
        "invitee_1_name": "Sam Specimen",
        "invitee_1_role": "Parent",
        "invitee_1_attended": "on",
        "education_parent": "6",
        "education_child": "5",
        "education_changed": "Goes in most days",
        "family_summary": "Mornings are easier",
        "action_1_aspect": "education",
        "action_1_action": "Walk to school together",
        "action_1_who": "Mum",
    }
    data.update(fields)
    return data


def test_a_pastoral_lead_records_a_review_and_sees_it_on_the_plan(client, pastoral_lead, plan):
    client.force_login(pastoral_lead)
    url = reverse("early_help_plans:review-record", args=[plan.pk])

    assert client.get(url).status_code == 200
    response = client.post(url, _form(plan), follow=True)

    assert "The review was recorded." in response.content.decode()
    review = Review.objects.get()
    assert review.next_review_on == datetime.date(2025, 12, 8)
    assert review.scores.get(aspect="education", perspective="parent").score == 6
    page = client.get(plan.get_absolute_url()).content.decode()
    assert "Review 1: 27 October 2025" in page
    assert "Progress in each aspect of family life" in page
    assert "<svg" in page
    detail = client.get(review.get_absolute_url()).content.decode()
    assert "Walk to school together" in detail
    assert "Goes in most days" in detail


def test_the_form_names_what_is_missing_for_the_chosen_next_step(client, pastoral_lead, plan):
    client.force_login(pastoral_lead)
    url = reverse("early_help_plans:review-record", args=[plan.pk])

    closing = client.post(url, _form(plan, next_step="close")).content.decode()
    stepping_up = client.post(url, _form(plan, next_step="step_up")).content.decode()
    continuing = client.post(url, _form(plan, next_review_venue="")).content.decode()

    assert "Choose why the plan is closing" in closing
    assert "Enter who updates the assessment" in stepping_up
    assert "Enter where the next review will be held" in continuing
    assert not Review.objects.exists()


def test_a_stale_review_form_is_refused_and_nothing_is_lost(client, pastoral_lead, plan):
    client.force_login(pastoral_lead)
    url = reverse("early_help_plans:review-record", args=[plan.pk])
    stale = _form(plan)
    client.post(url, _form(plan))

    response = client.post(url, {**stale, "held_on": "28/10/2025"})

    assert "changed by someone else" in response.content.decode()
    assert Review.objects.count() == 1


def test_closing_with_the_maintaining_plan_makes_the_plan_read_only(client, pastoral_lead, plan):
    client.force_login(pastoral_lead)
    maintaining = reverse("early_help_plans:plan-maintaining", args=[plan.pk])
    plan.refresh_from_db()
    client.post(
        maintaining,
        {
            "seen_version": plan.version,
            "what_we_learnt": "Routines help",
            "most_useful": "The walking bus",
            "keep_progress_going": "Keep the alarm",
            "difficult_situations": "Winter mornings",
            "if_things_get_hard": "Call the school",
            "who_we_can_contact": "Pastoral team",
            "agreed_on": "15/09/2025",
            "final_review_on": "27/10/2025",
        },
    )
    assert MaintainingOurFamilyPlan.objects.filter(plan=plan).exists()

    response = client.post(
        reverse("early_help_plans:review-record", args=[plan.pk]),
        _form(plan, next_step="close", closure_reason="universal"),
        follow=True,
    )

    assert "the plan closed" in response.content.decode()
    plan.refresh_from_db()
    assert plan.status == EarlyHelpPlan.Status.CLOSED
    page = client.get(plan.get_absolute_url()).content.decode()
    assert "Record a review" not in page
    assert "Reopen the plan" in page
    assert "Maintaining Our Family Plan" in page
    again = client.get(reverse("early_help_plans:review-record", args=[plan.pk]), follow=True)
    assert "Only an agreed, open plan can be reviewed." in again.content.decode()
    assert "Routines help" in client.get(maintaining).content.decode()


def test_withdrawing_consent_then_recording_the_safeguarding_decision(client, pastoral_lead, plan):
    client.force_login(pastoral_lead)
    plan.refresh_from_db()

    client.post(
        reverse("early_help_plans:plan-withdraw-consent", args=[plan.pk]),
        {"seen_version": plan.version, "withdrawn_on": "01/11/2025", "reason": "No longer wish"},
    )
    page = client.get(plan.get_absolute_url()).content.decode()
    assert "Consider whether this raises a safeguarding concern" in page

    client.post(
        reverse("early_help_plans:plan-safeguarding", args=[plan.pk]),
        {"concern": "no", "note": "Discussed with the DSL"},
    )
    page = client.get(plan.get_absolute_url()).content.decode()
    assert "Consider whether this raises a safeguarding concern" not in page


def test_reopening_asks_for_a_reason(client, pastoral_lead, plan):
    client.force_login(pastoral_lead)
    client.post(
        reverse("early_help_plans:review-record", args=[plan.pk]),
        _form(plan, next_step="close", closure_reason="moved_out"),
    )
    plan.refresh_from_db()
    url = reverse("early_help_plans:plan-reopen", args=[plan.pk])

    refused = client.post(url, {"seen_version": plan.version, "reason": ""})
    assert "Enter why the plan is being reopened" in refused.content.decode()
    client.post(url, {"seen_version": plan.version, "reason": "Family did not move after all"})

    plan.refresh_from_db()
    assert plan.status == EarlyHelpPlan.Status.ACTIVE


def test_viewing_a_plan_or_a_review_is_in_the_access_log(client, pastoral_lead, plan):
    client.force_login(pastoral_lead)
    client.post(reverse("early_help_plans:review-record", args=[plan.pk]), _form(plan))
    before = AccessLogEntry.objects.count()
    pupil_id = plan.children.get().pupil_id

    client.get(plan.get_absolute_url())
    client.get(Review.objects.get().get_absolute_url())

    entries = AccessLogEntry.objects.order_by("pk")[before:]
    assert [entry.pupil_ids for entry in entries] == [[pupil_id], [pupil_id]]


def test_the_plan_page_makes_the_same_queries_however_many_reviews(
    client, pastoral_lead, plan, django_assert_max_num_queries
):
    client.force_login(pastoral_lead)
    url = reverse("early_help_plans:review-record", args=[plan.pk])
    client.post(url, _form(plan))
    with django_assert_max_num_queries(100) as one_review:
        client.get(plan.get_absolute_url())
    queries = len(one_review)  # read now: the context reads the connection's log lazily
    for day in ("28/10/2025", "29/10/2025", "30/10/2025"):
        client.post(url, _form(plan, held_on=day, education_parent="7"))
    assert Review.objects.count() == 4

    with django_assert_max_num_queries(queries):
        client.get(plan.get_absolute_url())
