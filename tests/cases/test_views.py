import csv
import datetime
import io

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.models import AccessLogEntry
from cases.models import Case
from early_help_plans.models import EarlyHelpPlan, PlanChild
from tests.factories import (
    CaseFactory,
    LeadProfessionalFactory,
    OtherPlanFactory,
    PupilFactory,
    ReducedTimetableFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _on_1_october_2025():
    with time_machine.travel("2025-10-01 10:00 +01:00", tick=False):
        yield


@pytest.fixture
def pupil(school_a):
    return PupilFactory(current_school=school_a, given_name="Chloe", family_name="Specimen")


def test_a_link_coordinator_opens_a_case_with_an_external_lead_professional(
    client, link_coordinator, pupil
):
    client.force_login(link_coordinator)

    response = client.post(
        reverse("cases:case-open", args=[pupil.pk]),
        {
            "reason": "Severely absent since September",
            "rag": "red",
            "tier": "3",
            "lead_choice": "external",
            "lead_name": "Sam Senco",
            "lead_agency": "Amberfield Primary",
            "lead_kind": "school_staff",
        },
        follow=True,
    )

    case = Case.objects.get()
    assert response.redirect_chain[-1][0] == case.get_absolute_url()
    page = response.content.decode()
    assert "A case was opened for Chloe Specimen." in page
    assert "Sam Senco (Amberfield Primary), school staff" in page
    assert "No plan" in page  # lead professional named, no plan yet


def test_opening_a_case_with_missing_answers_names_each_one(client, link_coordinator, pupil):
    client.force_login(link_coordinator)

    response = client.post(reverse("cases:case-open", args=[pupil.pk]), {"lead_choice": "external"})

    page = response.content.decode()
    for message in (
        "Enter why you are opening a case",
        "Choose a RAG rating",
        "Choose the tier of need",
        "Enter the lead professional’s name",
        "Choose the type of lead professional",
    ):
        assert message in page
    assert not Case.objects.exists()


def test_a_stale_rag_change_is_refused_and_says_what_changed(client, link_coordinator, pupil):
    case = CaseFactory(pupil=pupil, link_coordinator=link_coordinator, opened_on="2025-09-15")
    client.force_login(link_coordinator)
    form = {"seen_version": case.version, "reason": "Improving"}
    client.post(reverse("cases:case-rag", args=[case.pk]), {**form, "rag": "amber"})

    response = client.post(reverse("cases:case-rag", args=[case.pk]), {**form, "rag": "green"})

    page = response.content.decode()
    assert "changed by someone else" in page
    assert "RAG rating changed from Red to Amber" in page
    case.refresh_from_db()
    assert case.rag == "amber"


def test_a_closed_case_offers_only_reopening(client, link_coordinator, pupil):
    case = CaseFactory(
        pupil=pupil, status="closed", closed_on="2025-09-30", closure_reason="outcomes_achieved"
    )
    client.force_login(link_coordinator)

    page = client.get(case.get_absolute_url()).content.decode()
    refused = client.post(
        reverse("cases:case-contact", args=[case.pk]),
        {"kind": "phone", "contacted_on": "01/10/2025", "with_whom": "Mother", "note": "Hi"},
    )

    assert "It is read-only" in page
    assert "Reopen the case" in page
    assert "Record a contact" not in page
    assert "This case is closed" in refused.content.decode()


def test_the_case_page_is_in_the_access_log(client, manager, pupil):
    case = CaseFactory(pupil=pupil)
    client.force_login(manager)

    client.get(case.get_absolute_url())

    entry = AccessLogEntry.objects.get()
    assert (entry.user, entry.pupil_ids) == (manager, [pupil.pk])


@pytest.fixture
def caseload_at_a(school_a, link_coordinator):
    CaseFactory(pupil=PupilFactory(current_school=school_a), link_coordinator=link_coordinator)
    with_plan = CaseFactory(
        pupil=PupilFactory(current_school=school_a),
        link_coordinator=link_coordinator,
        rag="green",
        last_contact_on=datetime.date(2025, 9, 29),
    )
    OtherPlanFactory(case=with_plan)
    old = CaseFactory(
        pupil=PupilFactory(current_school=school_a),
        opened_on="2024-09-02",
        rag="amber",
        last_contact_on=datetime.date(2025, 8, 1),
    )
    ReducedTimetableFactory(pupil=old.pupil, started_on=datetime.date(2025, 8, 20))
    return old


def test_the_caseload_counts_each_filter_and_filters_by_it(client, link_coordinator, caseload_at_a):
    old = caseload_at_a
    client.force_login(link_coordinator)

    response = client.get(reverse("cases:caseload"), {"flags": ["no_plan", "open_over_a_year"]})

    counts = response.context["counts"]
    assert (counts["total"], counts["no_lead"], counts["no_plan"]) == (3, 3, 2)
    assert (
        counts["no_contact_4_weeks"],
        counts["open_over_a_year"],
        counts["rtt_over_6_weeks"],
    ) == (2, 1, 1)
    assert [c.pk for c in response.context["page"].rows] == [old.pk]


def test_the_caseload_never_shows_another_schools_cases(
    client, other_school_pastoral_lead, link_coordinator, school_b, caseload_at_a
):
    CaseFactory(pupil=PupilFactory(current_school=school_b, family_name="Elsewhere"))
    client.force_login(link_coordinator)

    page = client.get(reverse("cases:caseload")).content.decode()

    assert "Elsewhere" not in page


def _queries(client, url, params=None):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, params or {}).status_code == 200
    return len(captured)


def test_the_caseload_runs_the_same_queries_for_1_and_20_cases(client, link_coordinator, school_a):
    client.force_login(link_coordinator)
    url = reverse("cases:caseload")
    CaseFactory(pupil=PupilFactory(current_school=school_a))
    _queries(client, url)
    with_1 = _queries(client, url)
    for _ in range(19):
        case = CaseFactory(pupil=PupilFactory(current_school=school_a))
        OtherPlanFactory(case=case)

    assert _queries(client, url) == with_1


def test_the_caseload_export_is_scoped_logged_and_formula_safe(
    client, link_coordinator, school_a, school_b
):
    mine = CaseFactory(pupil=PupilFactory(current_school=school_a, family_name="=SUM(1)"))
    CaseFactory(pupil=PupilFactory(current_school=school_b))
    client.force_login(link_coordinator)

    response = client.get(reverse("cases:caseload-export"))

    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [r[0] for r in rows[1:]] == [mine.pupil.upn]
    assert rows[1][2] == "'=SUM(1)"
    assert AccessLogEntry.objects.get().pupil_ids == [mine.pupil_id]


def test_a_manager_reassigns_a_leaving_link_coordinators_open_cases(
    client, manager, link_coordinator, school_a
):
    leaving_cases = [
        CaseFactory(pupil=PupilFactory(current_school=school_a), link_coordinator=link_coordinator)
        for _ in range(3)
    ]
    newcomer = UserFactory(full_name="Nia Newlink", is_link_coordinator=True)
    client.force_login(manager)

    response = client.post(
        reverse("cases:reassign"),
        {"from_user": link_coordinator.pk, "to_user": newcomer.pk},
        follow=True,
    )

    assert "3 open cases moved to Nia Newlink." in response.content.decode()
    assert {
        c.link_coordinator for c in Case.objects.filter(pk__in=[c.pk for c in leaving_cases])
    } == {newcomer}


def test_the_queue_links_to_opening_a_case(client, link_coordinator, pupil):
    client.force_login(link_coordinator)

    page = client.get(pupil.get_absolute_url()).content.decode()

    assert reverse("cases:case-open", args=[pupil.pk]) in page


def _on_an_agreed_plan(pupil, agreed_on):
    plan = EarlyHelpPlan.objects.create(
        family_name=f"the {pupil.family_name} family",
        created_by=UserFactory(),
        status="active",
        consent_to_share=True,
        lead_professional=LeadProfessionalFactory(),
        agreed_on=agreed_on,
    )
    PlanChild.objects.create(plan=plan, pupil=pupil, plan_is_active=True)
    return plan


def test_a_family_early_help_plan_counts_as_a_plan_and_its_overdue_review_is_flagged(
    client, link_coordinator, school_a
):
    overdue = CaseFactory(pupil=PupilFactory(current_school=school_a))
    on_time = CaseFactory(pupil=PupilFactory(current_school=school_a))
    CaseFactory(pupil=PupilFactory(current_school=school_a))  # no plan at all
    _on_an_agreed_plan(overdue.pupil, datetime.date(2025, 8, 19))  # due 30 Sep: overdue 1 Oct
    _on_an_agreed_plan(on_time.pupil, datetime.date(2025, 8, 20))  # due 1 Oct: due today
    client.force_login(link_coordinator)

    response = client.get(reverse("cases:caseload"), {"flags": ["review_overdue"]})

    counts = response.context["counts"]
    assert (counts["total"], counts["no_plan"], counts["review_overdue"]) == (3, 1, 1)
    assert [c.pk for c in response.context["page"].rows] == [overdue.pk]
    page = client.get(on_time.get_absolute_url()).content.decode()
    assert "No plan" in page  # no lead professional named on the case itself
