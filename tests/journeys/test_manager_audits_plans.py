"""A manager's quality audit: draw a random sample of plans, grade one, read the summary."""

import datetime

from playwright.sync_api import Page, expect

from early_help_plans.models import (
    ActionItem,
    Aspect,
    AspectScore,
    AuditedPlan,
    EarlyHelpPlan,
    Perspective,
    PlanChild,
)
from tests.factories import LeadProfessionalFactory, PupilFactory, UserFactory
from tests.journeys.conftest import check_accessibility, sign_in

AGREED_ON = datetime.date(2025, 9, 1)


def _agreed_plan(school, lead):
    plan = EarlyHelpPlan.objects.create(
        family_name="the Specimen family",
        created_by=UserFactory(),
        status=EarlyHelpPlan.Status.ACTIVE,
        consent_to_share=True,
        consent_recorded_on=AGREED_ON,
        lead_professional=lead,
        agreed_on=AGREED_ON,
        tier=3,
        tier_reasons="Health, school and housing all involved",
    )
    PlanChild.objects.create(
        plan=plan, pupil=PupilFactory(current_school=school), plan_is_active=True
    )
    AspectScore.objects.create(
        plan=plan,
        aspect=Aspect.EDUCATION,
        perspective=Perspective.PARENT,
        score=2,
        working_well="He likes his teacher",
    )
    ActionItem.objects.create(
        plan=plan,
        aspect=Aspect.EDUCATION,
        action="A soft start each morning",
        who="SENCo",
        by_when=AGREED_ON + datetime.timedelta(days=14),
    )
    return plan


def test_a_manager_draws_a_sample_grades_a_plan_and_reads_the_summary(
    page: Page, live_server, manager, school_a
):
    plan = _agreed_plan(school_a, LeadProfessionalFactory(name="Ash Able", agency=""))
    sign_in(page, live_server, manager.email)

    # Draw a sample ----------------------------------------------------------------------------
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Quality audits").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Quality audits")
    check_accessibility(page)

    draw = page.get_by_test_id("draw-sample")
    draw.get_by_label("Name of the audit").fill("Autumn term audit")
    draw.get_by_label("How many plans to sample").fill("500")
    draw.get_by_role("button", name="Draw the sample").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter a whole number from 1")
    check_accessibility(page)

    draw = page.get_by_test_id("draw-sample")
    draw.get_by_label("How many plans to sample").fill("5")
    draw.get_by_label("School (optional)").select_option(label="Amberfield Primary School")
    draw.get_by_role("button", name="Draw the sample").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Autumn term audit")
    expect(page.get_by_role("alert")).to_contain_text(
        "You asked for 5 plans, but only 1 matches, so the sample has that plan."
    )
    sampled = page.get_by_test_id("sampled-plan")
    expect(sampled).to_contain_text("Not graded yet")
    expect(sampled).to_contain_text("1 action, 1 with who and by when")
    expect(sampled).to_contain_text("Scored 2: Education (has an action)")
    check_accessibility(page)

    # Grade the plan ---------------------------------------------------------------------------
    sampled.get_by_role("link", name="Grade the plan for the Specimen family").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Grade the plan for the Specimen family"
    )
    check_accessibility(page)
    page.get_by_role("button", name="Save the grade").click()
    errors = page.locator(".govuk-error-summary")
    expect(errors).to_contain_text("Choose whether consent is in place")
    expect(errors).to_contain_text("Choose a grade")
    check_accessibility(page)

    for question in (
        "Is consent in place?",
        "Are the actions SMART, each with who will do it and by when?",
        "Were the reviews on time?",
    ):
        page.get_by_role("group", name=question).get_by_label("Yes").check()
    for question in (
        "Are the child’s and the family’s voices recorded?",
        "Do the actions address the lowest-scored aspects?",
        "Is the tier of need justified?",
    ):
        page.get_by_role("group", name=question).get_by_label("No").check()
    page.get_by_role("group", name="Grade").get_by_label("Requires improvement").check()
    page.get_by_label("Comments").fill("The child's own words are missing.")
    page.get_by_role("button", name="Save the grade").click()

    # The summary ------------------------------------------------------------------------------
    expect(page.get_by_role("alert")).to_contain_text(
        "The Specimen family was graded requires improvement."
    )
    expect(page.get_by_test_id("sampled-plan")).to_contain_text("Requires improvement")
    by_school = page.get_by_test_id("by-school-grades")
    expect(by_school.get_by_role("row", name="Amberfield Primary School")).to_have_text(
        "Amberfield Primary School 1 1 0 0 1 0", use_inner_text=True
    )
    expect(
        page.get_by_test_id("by-lead-criteria").get_by_role("row", name="Ash Able")
    ).to_have_text("Ash Able 1 1 0 1 0 0 1", use_inner_text=True)
    check_accessibility(page)

    item = AuditedPlan.objects.get(plan=plan)
    assert (item.grade, item.graded_by) == ("requires_improvement", manager)
