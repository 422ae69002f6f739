"""A pastoral lead takes a family from a case to an agreed Family Early Help Plan, through three
reviews with the scores changing, to closure with a Maintaining Our Family Plan."""

import datetime

from django.urls import reverse
from playwright.sync_api import Page, expect

from tests.factories import CaseFactory, PupilFactory
from tests.journeys.conftest import check_accessibility, sign_in


def _date(day: datetime.date) -> str:
    return f"{day:%d/%m/%Y}"


def _back_to_plan(page: Page) -> None:
    page.get_by_role("link", name="Back to the plan").click()


def _review(page: Page, held_on: datetime.date, parent: str, child: str, changed: str) -> None:
    page.get_by_role("link", name="Record a review").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Record a review")
    page.get_by_label("Date of the review").fill(_date(held_on))
    page.get_by_label("Education: the parent or carer’s score now").select_option(parent)
    page.get_by_label("Education: the child’s score now").select_option(child)
    page.get_by_label("Education: what’s changed").fill(changed)
    page.get_by_label("The family’s view of progress", exact=True).fill(changed)


def test_a_family_goes_from_a_case_to_a_closed_plan(
    page: Page, live_server, pastoral_lead, school_a
):
    today = datetime.date.today()  # noqa: DTZ011 - the live server runs on today's date
    agreed = today - datetime.timedelta(days=130)
    pupil = PupilFactory(current_school=school_a, given_name="Amira", family_name="Example")
    case = CaseFactory(pupil=pupil)
    sign_in(page, live_server, pastoral_lead.email)

    # From the case to a draft plan.
    page.goto(live_server.url + reverse("cases:case-detail", args=[case.pk]))
    page.get_by_role("link", name="Start a Family Early Help Plan").click()
    expect(page.get_by_label("What is the plan called?")).to_have_value("the Example family")
    page.get_by_role("button", name="Start the plan").click()
    expect(page.get_by_role("alert")).to_contain_text("The plan was started")
    expect(page.get_by_test_id("task-list")).to_contain_text("Not yet started")
    check_accessibility(page)

    # Consent.
    page.get_by_role("link", name="Consent to share information").click()
    page.get_by_role(
        "group", name="Does the family agree their information may be shared"
    ).get_by_label("Yes").check()
    page.get_by_label("Date consent was recorded").fill(_date(agreed))
    page.get_by_label("Parent or carer 1 who signed").fill("Sam Example")
    check_accessibility(page)
    page.get_by_role("button", name="Save and continue").click()

    # Lead professional agreement: the pastoral lead leads.
    page.get_by_role("link", name="Lead professional agreement").click()
    page.get_by_label("Someone who uses this service").check()
    page.get_by_label("Who (a user of this service)").select_option(label=pastoral_lead.full_name)
    page.get_by_label("Type of lead professional").select_option(label="School staff")
    page.get_by_label("Date the lead professional agreed").fill(_date(agreed))
    page.get_by_role("button", name="Save and continue").click()

    # The first scores: education is where things are hardest.
    page.get_by_role("link", name="Aspects of family life").click()
    page.get_by_role("link", name="Education").click()
    page.get_by_role("group", name="Parent or carer’s score").get_by_label("3", exact=True).check()
    page.get_by_role("group", name="Child’s score").get_by_label("2", exact=True).check()
    page.get_by_label("The parent or carer’s words: what could be better, and why").fill(
        "Mornings are a battle"
    )
    page.get_by_label("The child’s words: what could be better, and why").fill("I feel sick")
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_test_id("aspects")).to_contain_text("Parent or carer: 3; child: 2")
    _back_to_plan(page)

    # The next review, then agreement.
    page.get_by_role("link", name="Next review").click()
    page.get_by_label("Time of the review").fill("10:00")
    page.get_by_label("Where the review will be held").fill("The school")
    page.get_by_role("button", name="Save and continue").click()
    page.get_by_role("link", name="Agree the plan").click()
    page.get_by_label("Date the plan was agreed with the family").fill(_date(agreed))
    check_accessibility(page)
    page.get_by_role("button", name="Agree the plan").click()
    expect(page.get_by_role("alert")).to_contain_text("The plan was agreed and is now active.")
    expect(page.get_by_test_id("plan-summary")).to_contain_text(
        f"{(agreed + datetime.timedelta(days=42)):%-d %B %Y}"
    )

    # Review 1 and 2: the plan continues, scores improving.
    _review(page, agreed + datetime.timedelta(days=42), "5", "4", "Goes in most days")
    check_accessibility(page)
    page.get_by_label("Continue the plan").check()
    page.get_by_label("Action 1: aspect of family life").select_option(label="Education")
    page.get_by_label("Action 1: what, for whom").fill("Walk to school together")
    page.get_by_label("Action 1: who will do it").fill("Mum")
    page.get_by_role("button", name="Record the review").click()
    expect(page.get_by_role("alert")).to_contain_text("The review was recorded.")

    _review(page, agreed + datetime.timedelta(days=84), "7", "6", "A full week in")
    page.get_by_label("Continue the plan").check()
    page.get_by_role("button", name="Record the review").click()
    expect(page.get_by_test_id("reviews")).to_contain_text("Review 2")

    # The Maintaining Our Family Plan, then the final review closes the plan.
    page.get_by_role("link", name="Write the Maintaining Our Family Plan").click()
    page.get_by_label("What we learnt").fill("A calm morning routine works")
    page.get_by_label("What was most useful").fill("The walking bus")
    page.get_by_label("Actions to keep progress going").fill("Keep the alarm and the bus")
    page.get_by_label("Situations we may find difficult").fill("Winter mornings")
    page.get_by_label("What we can do if things get hard").fill("Call the pastoral team")
    page.get_by_label("Who we can contact").fill("The school's pastoral lead")
    page.get_by_label("Final review date").fill(_date(agreed + datetime.timedelta(days=126)))
    check_accessibility(page)
    page.get_by_role("button", name="Save the Maintaining Our Family Plan").click()

    _review(page, agreed + datetime.timedelta(days=126), "8", "8", "Settled")
    page.get_by_label("Close the plan").check()
    page.get_by_label("Needs met by universal services").check()
    page.get_by_role("button", name="Record the review").click()

    expect(page.get_by_role("alert")).to_contain_text("the plan closed")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Closed")
    changes = page.get_by_test_id("score-changes")
    expect(changes).to_contain_text("Education")
    expect(changes).to_contain_text("+5")  # parent or carer: 3 → 8
    expect(changes).to_contain_text("+6")  # child: 2 → 8
    expect(page.get_by_test_id("aspect-progress").first).to_contain_text("Review 3")
    expect(page.get_by_role("link", name="Record a review")).to_have_count(0)
    check_accessibility(page)
    page.get_by_role("link", name="Maintaining Our Family Plan", exact=True).click()
    expect(page.get_by_test_id("maintaining-plan")).to_contain_text("The walking bus")
