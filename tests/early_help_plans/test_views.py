"""The plan's pages: starting from a pupil, the task list, question pages and agreeing."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases.models import LeadProfessional
from cases.services import LeadDetails
from early_help_plans import services
from early_help_plans.models import Aspect, EarlyHelpPlan, Perspective
from tests.factories import CaseFactory, PupilFactory, SchoolStaffFactory

pytestmark = pytest.mark.django_db


def _plan(pupil, by, **fields):
    plan = services.start_plan(family_name="the Specimen family", children=[pupil], by=by)
    if fields:
        EarlyHelpPlan.objects.filter(pk=plan.pk).update(**fields)
        plan.refresh_from_db()
    return plan


def _url(name, plan):
    return reverse(f"early_help_plans:{name}", args=[plan.pk])


def test_a_pastoral_lead_starts_a_plan_from_a_pupil_with_a_case(client, school_a, pastoral_lead):
    case = CaseFactory(pupil=PupilFactory(current_school=school_a, family_name="Specimen"))
    client.force_login(pastoral_lead)
    url = reverse("early_help_plans:plan-start", args=[case.pupil.pk])

    page = client.get(url)
    assert 'value="the Specimen family"' in page.text

    response = client.post(url, {"family_name": "the Specimen family"})

    plan = EarlyHelpPlan.objects.get()
    assert response.status_code == 302
    assert response["Location"] == plan.get_absolute_url()
    assert plan.case == case
    assert plan.created_by == pastoral_lead
    task_list = client.get(plan.get_absolute_url()).text
    assert 'class="govuk-task-list"' in task_list
    assert "Not yet started" in task_list


def test_siblings_at_two_schools_share_a_plan_each_school_sees_it(
    client, school_a, school_b, pastoral_lead, other_school_pastoral_lead
):
    plan = _plan(PupilFactory(current_school=school_a), pastoral_lead, consent_to_share=True)
    client.force_login(pastoral_lead)
    sibling = PupilFactory(current_school=school_b)
    client.force_login(other_school_pastoral_lead)
    assert client.get(plan.get_absolute_url()).status_code == 404

    services.add_member(
        plan=plan,
        name=sibling.full_name,
        relationship="Sister",
        pupil=sibling,
        by=other_school_pastoral_lead,
    )

    for user in (pastoral_lead, other_school_pastoral_lead):
        client.force_login(user)
        assert client.get(plan.get_absolute_url()).status_code == 200
        assert plan.family_name in client.get(reverse("early_help_plans:plan-list")).text


def test_without_consent_only_the_author_and_lead_open_the_plan(
    client, school_a, pastoral_lead, link_coordinator, administrator
):
    author = SchoolStaffFactory(school=school_a).user
    plan = _plan(PupilFactory(current_school=school_a), author)
    services.record_consent(
        plan=plan,
        consent_to_share=False,
        supporting_families_consent=None,
        signatories=[],
        recorded_on=datetime.date(2025, 9, 1),
        by=author,
    )
    services.set_lead_professional(
        plan=plan,
        lead=LeadDetails(kind=LeadProfessional.Kind.SCHOOL_STAFF, user=link_coordinator),
        agreed_on=datetime.date(2025, 9, 1),
        by=author,
    )

    for user, status in (
        (author, 200),
        (link_coordinator, 200),
        (administrator, 200),
        (pastoral_lead, 404),
    ):
        client.force_login(user)
        assert client.get(plan.get_absolute_url()).status_code == status, user
    client.force_login(pastoral_lead)
    assert client.get(_url("plan-consent", plan)).status_code == 404


def test_the_agree_page_lists_what_is_missing_and_agrees_when_complete(
    client, school_a, pastoral_lead
):
    plan = _plan(PupilFactory(current_school=school_a), pastoral_lead)
    client.force_login(pastoral_lead)
    page = client.get(_url("plan-agree", plan)).text
    assert "the lead professional’s agreement" in page

    client.post(
        _url("plan-consent", plan),
        {"consent_to_share": "yes", "recorded_on": "01/09/2025", "seen_version": 1},
    )
    client.post(
        _url("plan-lead", plan),
        {
            "lead_choice": "user",
            "lead_user": pastoral_lead.pk,
            "lead_kind": "school_staff",
            "agreed_on": "01/09/2025",
            "seen_version": 1,
        },
    )
    bad = client.post(
        _url("plan-score", plan) + "?aspect=health", {"parent_score": "11", "seen_version": 1}
    )
    assert "Select a valid choice" in bad.text
    client.post(
        _url("plan-score", plan) + "?aspect=health",
        {"parent_score": "3", "child_score": "5", "seen_version": 1},
    )
    client.post(_url("plan-review", plan), {"time": "10:30", "venue": "School", "seen_version": 1})
    assert plan.scores.get(aspect=Aspect.HEALTH, perspective=Perspective.CHILD).score == 5

    response = client.post(_url("plan-agree", plan), {"agreed_on": "02/09/2025", "seen_version": 1})

    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.status == EarlyHelpPlan.Status.ACTIVE
    assert plan.children.get().plan_is_active
    assert 'data-testid="plan-summary"' in client.get(plan.get_absolute_url()).text


def test_a_stale_save_shows_a_clear_message(client, school_a, pastoral_lead):
    plan = _plan(
        PupilFactory(current_school=school_a),
        pastoral_lead,
        status="active",
        consent_to_share=True,
        lead_professional=LeadProfessional.objects.create(name="L", kind="other"),
        agreed_on=datetime.date(2025, 9, 1),
        version=3,
    )
    client.force_login(pastoral_lead)

    response = client.post(
        _url("plan-review", plan), {"time": "10:30", "venue": "School", "seen_version": 2}
    )

    assert response.status_code == 200
    assert "changed by someone else" in response.text


def test_a_family_member_can_be_added_linking_a_pupil(client, school_a, pastoral_lead):
    plan = _plan(PupilFactory(current_school=school_a), pastoral_lead)
    sibling = PupilFactory(current_school=school_a)
    client.force_login(pastoral_lead)

    client.post(
        _url("plan-member-add", plan),
        {"name": "Jo", "relationship": "Brother", "pupil": sibling.pk, "seen_version": 1},
    )

    assert plan.children.filter(pupil=sibling).exists()
    assert "Jo" in client.get(_url("plan-family", plan)).text


def test_the_plan_list_takes_the_same_queries_for_1_or_10_plans(client, school_a, pastoral_lead):
    client.force_login(pastoral_lead)
    url = reverse("early_help_plans:plan-list")
    _plan(PupilFactory(current_school=school_a), pastoral_lead)
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for _ in range(9):
        _plan(PupilFactory(current_school=school_a), pastoral_lead)
    with CaptureQueriesContext(connection) as ten:
        response = client.get(url)

    assert response.text.count("the Specimen family") == 10
    assert len(ten) == len(one)


def test_the_parent_and_the_child_each_have_their_own_words_and_the_practitioners_view(
    client, school_a, pastoral_lead
):
    plan = _plan(PupilFactory(current_school=school_a), pastoral_lead)
    client.force_login(pastoral_lead)

    client.post(
        _url("plan-score", plan) + "?aspect=education",
        {
            "seen_version": 1,
            "parent_score": "3",
            "working_well": "She gets up",
            "could_be_better": "Mornings are a battle",
            "parent_practitioner_agrees": "yes",
            "child_score": "2",
            "child_working_well": "I like art",
            "child_could_be_better": "I feel sick",
            "child_practitioner_agrees": "no",
            "child_practitioner_reason": "Things are harder than she says",
        },
    )

    parent = plan.scores.get(aspect=Aspect.EDUCATION, perspective=Perspective.PARENT)
    child = plan.scores.get(aspect=Aspect.EDUCATION, perspective=Perspective.CHILD)
    assert (parent.could_be_better, parent.practitioner_agrees) == ("Mornings are a battle", True)
    assert (child.working_well, child.could_be_better) == ("I like art", "I feel sick")
    assert child.practitioner_agrees is False
    assert child.practitioner_reason == "Things are harder than she says"
