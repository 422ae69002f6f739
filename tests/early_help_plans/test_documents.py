"""The plan, each review and the Maintaining Our Family Plan as PDFs like the LA's forms."""

import datetime
import os
import re
import shutil
import subprocess
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.models import AccessLogEntry
from cases.models import LeadProfessional
from cases.services import LeadDetails
from early_help_plans import services
from early_help_plans.models import (
    ActionItem,
    Aspect,
    AspectScore,
    EarlyHelpPlan,
    MaintainingOurFamilyPlan,
    Perspective,
    Review,
    ReviewInvitee,
)
from tests.factories import LeadProfessionalFactory, PupilFactory, SchoolStaffFactory

pytestmark = pytest.mark.django_db

PDFTOTEXT = "pdftotext"  # poppler-utils: make test installs it
AGREED_ON = datetime.date(2025, 9, 15)
REVIEWED_ON = datetime.date(2025, 10, 20)


def _pdf_text(content, tmp_path):
    """The PDF's text in the order it was written, page by page (each ends with a form feed)."""
    pdf = tmp_path / "document.pdf"
    pdf.write_bytes(content)
    if os.environ.get("KEEP_TEST_PDFS"):  # a folder; to look at the pages: pdftoppm -png FILE out
        shutil.copy(pdf, os.path.join(os.environ["KEEP_TEST_PDFS"], f"{tmp_path.name}.pdf"))
    text = subprocess.run(  # noqa: S603 - a fixed program on a file the test wrote
        [PDFTOTEXT, "-raw", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    return [page for page in text.split("\f") if page.strip()]


def _words(pages):
    return " ".join(" ".join(pages).split())  # a long line wraps in the PDF


def _agreed_plan(school, author, *, children=1, scored=(Aspect.EDUCATION, Aspect.HEALTH)):
    """An agreed plan with every section of the form filled in."""
    pupils = [
        PupilFactory(current_school=school, given_name=name, family_name="Specimen")
        for name in ("Amira", "Ben", "Chloe", "Dev", "Ella", "Finn", "Grace", "Hari")[:children]
    ]
    plan = services.start_plan(family_name="the Specimen family", children=pupils, by=author)
    services.record_consent(
        plan=plan,
        consent_to_share=True,
        supporting_families_consent=False,
        signatories=[
            services.Signatory(role="parent", name="Sam Specimen", signed_on=AGREED_ON),
            services.Signatory(role="young_person", name="Amira Specimen", signed_on=AGREED_ON),
        ],
        recorded_on=AGREED_ON,
        by=author,
    )
    services.set_lead_professional(
        plan=plan,
        lead=LeadDetails(
            kind=LeadProfessional.Kind.EARLY_HELP_WORKER,
            name="Lee Leadworker",
            agency="Family Support Service",
            phone="01632 960123",
            email="lee.leadworker@council.example",
        ),
        agreed_on=AGREED_ON,
        by=author,
    )
    services.save_family(
        plan=plan,
        address="1 Example Street\nTestwood",
        phone="01632 960001",
        email="specimen.family@example.com",
        useful_information="Mum prefers a text message before a visit",
        by=author,
    )
    services.add_member(
        plan=plan, name="Sam Specimen", relationship="Mum", by=author, gender="Female"
    )
    services.add_agency(
        plan=plan,
        service="School nurse",
        contact="Nia Nurse",
        supports_whom="Amira",
        how="Weekly check-in about sleep",
        by=author,
    )
    for n, aspect in enumerate(scored):
        for perspective, score in ((Perspective.PARENT, 3 + n % 7), (Perspective.CHILD, 4)):
            services.save_first_scores(
                plan=plan,
                aspect=aspect,
                perspective=perspective,
                score=score,
                working_well=f"Working well {aspect} {perspective}",
                could_be_better=f"Could be better {aspect} {perspective}",
                practitioner_agrees=perspective == Perspective.PARENT,
                practitioner_reason=f"Reason {aspect} {perspective}",
                by=author,
            )
        services.add_action(
            plan=plan,
            aspect=aspect,
            action=f"Walk to school together ({aspect})",
            who="Mum and the school nurse",
            by_when=datetime.date(2025, 10, 10),
            by=author,
        )
    services.save_first_scores(
        plan=plan,
        aspect=Aspect.OFFENDING,
        perspective=Perspective.PARENT,
        not_relevant=True,
        not_relevant_reason="No one in the family has been in trouble",
        by=author,
    )
    ActionItem.objects.filter(plan=plan).update(difference="Amira gets to school on time")
    ActionItem.objects.filter(plan=plan, aspect=Aspect.EDUCATION).update(readiness=3)
    services.set_next_review(
        plan=plan, time=datetime.time(15, 30), venue="Amberfield Primary School", by=author
    )
    plan.refresh_from_db()
    services.agree_plan(plan=plan, agreed_on=AGREED_ON, by=author, seen_version=plan.version)
    EarlyHelpPlan.objects.filter(pk=plan.pk).update(
        next_review_on=datetime.date(2025, 10, 27), tier=3, tier_reasons="Several agencies needed"
    )
    plan.refresh_from_db()
    return plan


def _review(plan, by, **fields):
    review = Review.objects.create(
        plan=plan,
        held_on=REVIEWED_ON,
        changed_contact_details="New mobile for Mum: 07700 900123",
        family_summary="Mornings are calmer",
        child_summary="I like my new class",
        team_summary="Good progress; keep going",
        attendance_at_start=Decimal("42.5"),
        attendance_now=Decimal("71.0"),
        recorded_by=by,
        **{"next_step": "continue", "next_review_on": datetime.date(2025, 12, 1), **fields},
    )
    ReviewInvitee.objects.create(
        review=review, name="Nia Nurse", role="School nurse", attended=False, sent_update=True
    )
    AspectScore.objects.create(
        plan=plan,
        review=review,
        aspect=Aspect.EDUCATION,
        perspective=Perspective.PARENT,
        score=7,
        whats_changed="Amira walks to school with her friend",
    )
    ActionItem.objects.create(
        plan=plan,
        review=review,
        aspect=Aspect.HEALTH,
        action="Book a sleep clinic appointment",
        who="Mum",
        readiness=4,
    )
    return review


@pytest.fixture
def author(school_a):
    return SchoolStaffFactory(school=school_a, user__full_name="Avery Author").user


@pytest.fixture
def plan(school_a, author):
    return _agreed_plan(school_a, author)


def _url(name, plan, *more):
    return reverse(f"early_help_plans:{name}", args=[plan.pk, *more])


# The plan --------------------------------------------------------------------------------------


def test_the_plan_pdf_holds_every_section_of_the_form(client, plan, pastoral_lead, tmp_path):
    client.force_login(pastoral_lead)

    pages = _pdf_text(client.get(_url("plan-pdf", plan)).content, tmp_path)

    words = _words(pages)
    assert "Family Early Help Plan" in words
    assert "the Specimen family" in words
    for section in (
        "1. Consent to share information",
        "2. Lead professional agreement",
        "3. Who’s in our family",
        "4. Who else is working with our family",
        "5. Aspects of family life",
        "6. Our action plan",
        "7. Next review",
    ):
        assert section in words
    # Consent and signatories; the lead professional.
    assert "Sam Specimen Parent or carer 15 September 2025" in words
    assert "Amira Specimen Young person (12 or over)" in words
    assert "Lee Leadworker" in words
    assert "01632 960123" in words
    # Who's in our family, and who else works with them.
    assert "Mum" in words
    assert "Mum prefers a text message before a visit" in words
    assert "School nurse" in words
    assert "Weekly check-in about sleep" in words
    # All ten aspects, the scores of both views, and the detail of a scored one.
    for label in Aspect.labels:
        assert label in words
    assert "Education 3 4" in words
    assert "Health & wellbeing 4 4" in words
    assert "Offending behaviour Not relevant" in words
    assert "is not relevant to this family: No one in the family has been in trouble" in words
    assert "Working well education parent" in words
    assert "Could be better health child" in words
    assert "Agrees: Reason education parent" in words
    assert "Disagrees: Reason education child" in words
    # The action plan with readiness to change; the next review.
    assert "Walk to school together (education)" in words
    assert "3: taking first steps" in words
    assert "Amira gets to school on time" in words
    assert "Monday 27 October 2025" in words
    assert "15:30" in words
    assert "Amberfield Primary School" in words


def test_every_page_of_the_plan_pdf_is_marked_official_sensitive_and_numbered(
    client, plan, pastoral_lead, tmp_path
):
    client.force_login(pastoral_lead)

    pages = _pdf_text(client.get(_url("plan-pdf", plan)).content, tmp_path)

    assert len(pages) > 1
    for number, page in enumerate(pages, 1):
        assert page.count("OFFICIAL-SENSITIVE") == 2, f"page {number}"
        assert re.search(rf"Page {number} of {len(pages)}\b", page), f"page {number}"


def test_the_plan_pdf_is_a_download_named_for_no_child_that_no_cache_keeps(
    client, plan, pastoral_lead
):
    client.force_login(pastoral_lead)

    response = client.get(_url("plan-pdf", plan))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'attachment; filename="family-early-help-plan-{plan.pk}.pdf"'
    )
    assert "no-store" in response["Cache-Control"]
    assert response.content.startswith(b"%PDF")


def test_each_download_is_in_the_access_log_with_every_child_of_the_plan(
    client, school_a, author, link_coordinator
):
    plan = _agreed_plan(school_a, author, children=2)
    client.force_login(link_coordinator)

    client.get(_url("plan-pdf", plan))
    client.get(_url("plan-pdf", plan))

    entries = AccessLogEntry.objects.order_by("pk")
    assert entries.count() == 2
    children = sorted(plan.children.values_list("pupil_id", flat=True))
    for entry in entries:
        assert entry.action == AccessLogEntry.Action.DOWNLOAD
        assert entry.user == link_coordinator
        assert sorted(entry.pupil_ids) == children
        assert entry.description == "Downloaded a Family Early Help Plan (PDF)"


def _queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_plan_pdf_runs_as_many_queries_for_a_big_family_as_for_a_small_one(
    client, school_a, author, pastoral_lead, django_assert_max_num_queries
):
    small = _agreed_plan(school_a, author, children=1, scored=[Aspect.EDUCATION])
    big = _agreed_plan(school_a, author, children=8, scored=Aspect.values)
    client.force_login(pastoral_lead)
    _queries(client, _url("plan-pdf", small))  # sessions and permissions warm up

    with django_assert_max_num_queries(14):
        for_small = _queries(client, _url("plan-pdf", small))
    with django_assert_max_num_queries(14):
        for_big = _queries(client, _url("plan-pdf", big))

    assert for_big == for_small


# Who may download -------------------------------------------------------------------------------


@pytest.fixture
def review(plan, author):
    return _review(plan, author)


@pytest.fixture
def maintaining(plan):
    return MaintainingOurFamilyPlan.objects.create(
        plan=plan,
        what_we_learnt="Routines help",
        most_useful="The walking bus",
        keep_progress_going="Keep the morning checklist on the fridge",
        difficult_situations="The start of a new term",
        if_things_get_hard="Talk to Ms Pastoral at school",
        who_we_can_contact="The school office",
        key_contacts="School office: 01632 960999",
        agreed_on=datetime.date(2025, 12, 1),
        final_review_on=datetime.date(2025, 12, 1),
    )


def _document_urls(plan, review):
    return [
        _url("plan-pdf", plan),
        _url("review-pdf", plan, review.pk),
        _url("maintaining-pdf", plan),
    ]


def test_a_pastoral_lead_at_another_school_cannot_tell_the_documents_exist(
    client, plan, review, maintaining, other_school_pastoral_lead
):
    client.force_login(other_school_pastoral_lead)

    for url in _document_urls(plan, review):
        assert client.get(url).status_code == 404, url
    assert not AccessLogEntry.objects.exists()


def test_without_consent_a_link_coordinator_neither_author_nor_lead_gets_not_found(
    client, plan, review, maintaining, link_coordinator, author
):
    EarlyHelpPlan.objects.filter(pk=plan.pk).update(consent_to_share=False)
    client.force_login(link_coordinator)

    for url in _document_urls(plan, review):
        assert client.get(url).status_code == 404, url
    client.force_login(author)
    for url in _document_urls(plan, review):
        assert client.get(url).status_code == 200, url


def test_a_review_is_not_found_through_another_plan(client, school_a, plan, author, manager):
    other_review = _review(_agreed_plan(school_a, author), author)
    client.force_login(manager)

    assert client.get(_url("review-pdf", plan, other_review.pk)).status_code == 404


# Reviews ---------------------------------------------------------------------------------------


def test_the_review_pdf_holds_invitees_rescores_progress_attendance_and_next_step(
    client, plan, review, manager, tmp_path
):
    client.force_login(manager)

    response = client.get(_url("review-pdf", plan, review.pk))

    assert response["Content-Disposition"] == (
        f'attachment; filename="family-early-help-plan-{plan.pk}-review-2025-10-20.pdf"'
    )
    pages = _pdf_text(response.content, tmp_path)
    words = _words(pages)
    assert all(page.count("OFFICIAL-SENSITIVE") == 2 for page in pages)
    assert "the Specimen family: review on 20 October 2025" in words
    assert "Last review None before this one" in words
    assert "Nia Nurse School nurse No Yes" in words
    assert "New mobile for Mum: 07700 900123" in words
    # Re-scored against the plan as agreed, with what changed.
    assert "Education Parent or carer 3 7 Amira walks to school with her friend" in words
    assert "Mornings are calmer" in words
    assert "I like my new class" in words
    assert "Good progress; keep going" in words
    assert "42.5%" in words
    assert "71.0%" in words
    assert "Continue the plan" in words
    assert "Monday 1 December 2025" in words
    assert "Book a sleep clinic appointment" in words
    assert "4: making good things happen" in words
    assert AccessLogEntry.objects.get().description == (
        "Downloaded a review of a Family Early Help Plan (PDF)"
    )


def test_a_second_review_compares_with_the_first(client, plan, review, author, manager, tmp_path):
    later = Review.objects.create(
        plan=plan,
        held_on=datetime.date(2025, 12, 1),
        next_step="close",
        closure_reason="universal",
        recorded_by=author,
    )
    AspectScore.objects.create(
        plan=plan,
        review=later,
        aspect=Aspect.EDUCATION,
        perspective=Perspective.PARENT,
        score=9,
        whats_changed="Full weeks since November",
    )
    client.force_login(manager)

    words = _words(_pdf_text(client.get(_url("review-pdf", plan, later.pk)).content, tmp_path))

    assert "Last review 20 October 2025" in words
    assert "Education Parent or carer 7 9 Full weeks since November" in words
    assert "Close the plan" in words
    assert "Needs met by universal services" in words


def test_a_step_up_review_names_who_updates_the_assessment_and_the_new_lead(
    client, plan, author, manager, tmp_path
):
    new_lead = LeadProfessionalFactory(name="Sol Socialworker", agency="Children’s social care")
    review = _review(
        plan,
        author,
        next_step="step_up",
        next_review_on=None,
        mash_assessment_by="Lee Leadworker",
        mash_contact_form_by="Pat Pastoral",
        new_lead_professional=new_lead,
        lead_changed_on=REVIEWED_ON,
    )
    client.force_login(manager)

    words = _words(_pdf_text(client.get(_url("review-pdf", plan, review.pk)).content, tmp_path))

    assert "Step up to children’s social care through the MASH" in words
    assert "Who updates the assessment Lee Leadworker" in words
    assert "Who sends the inter-agency contact form Pat Pastoral" in words
    assert "Changed to Sol Socialworker (Children’s social care) from 20 October 2025" in words


def test_the_review_pdf_runs_as_many_queries_for_many_scores_as_for_one(
    client, plan, review, author, manager, django_assert_max_num_queries
):
    client.force_login(manager)
    url = _url("review-pdf", plan, review.pk)
    _queries(client, url)
    with django_assert_max_num_queries(14):
        for_one = _queries(client, url)
    for aspect in Aspect.values[1:]:
        for perspective in Perspective.values:
            AspectScore.objects.create(
                plan=plan, review=review, aspect=aspect, perspective=perspective, score=5
            )
        ReviewInvitee.objects.create(review=review, name=f"Invitee {aspect}")
        ActionItem.objects.create(plan=plan, review=review, aspect=aspect, action="Something")

    with django_assert_max_num_queries(14):
        for_many = _queries(client, url)

    assert for_many == for_one


# The Maintaining Our Family Plan ---------------------------------------------------------------


def test_the_maintaining_our_family_plan_pdf_holds_each_of_its_sections(
    client, plan, maintaining, pastoral_lead, tmp_path
):
    client.force_login(pastoral_lead)

    response = client.get(_url("maintaining-pdf", plan))

    assert response["Content-Disposition"] == (
        f'attachment; filename="maintaining-our-family-plan-{plan.pk}.pdf"'
    )
    pages = _pdf_text(response.content, tmp_path)
    words = _words(pages)
    assert all(page.count("OFFICIAL-SENSITIVE") == 2 for page in pages)
    assert "Maintaining Our Family Plan: the Specimen family" in words
    for heading, answer in (
        ("What we learnt", "Routines help"),
        ("What was most useful", "The walking bus"),
        ("Actions to keep progress going", "Keep the morning checklist on the fridge"),
        ("Situations we may find difficult", "The start of a new term"),
        ("What we can do if things get hard", "Talk to Ms Pastoral at school"),
        ("Who we can contact", "The school office"),
        ("Key contacts", "School office: 01632 960999"),
    ):
        assert f"{heading} {answer}" in words
    assert "Final review date 1 December 2025" in words
    assert (
        AccessLogEntry.objects.get().description == "Downloaded a Maintaining Our Family Plan (PDF)"
    )


def test_a_plan_without_a_maintaining_plan_has_no_such_document(client, plan, manager):
    client.force_login(manager)

    assert client.get(_url("maintaining-pdf", plan)).status_code == 404
    assert not AccessLogEntry.objects.exists()


# Links from the plan's page ---------------------------------------------------------------------


def test_the_plan_page_links_to_its_documents_and_attachments(client, plan, maintaining, manager):
    client.force_login(manager)

    page = client.get(plan.get_absolute_url()).text

    assert f'href="{_url("plan-pdf", plan)}">Download the plan (PDF)' in page
    assert f'href="{_url("maintaining-pdf", plan)}">Download the Maintaining Our' in page
    assert f'href="{_url("plan-attachments", plan)}">Attachments' in page


def test_the_plan_page_offers_no_maintaining_plan_that_does_not_exist(client, plan, manager):
    client.force_login(manager)

    page = client.get(plan.get_absolute_url()).text

    assert _url("maintaining-pdf", plan) not in page
