"""Authorization matrix rows: a plan's PDFs and its attachments.

Each sample is a plan at school A, consent to share given, started by a pastoral lead there (as
in plans.py): school B and an early help worker cannot tell it exists (404); a manager reads the
documents and downloads the files but may not delete one (403).
"""

import datetime

from django.core.files.base import ContentFile

from early_help_plans.models import Attachment, EarlyHelpPlan, MaintainingOurFamilyPlan, Review
from early_help_plans.services import start_plan
from tests.factories import PupilFactory, SchoolStaffFactory
from tests.matrix_rows.plans import EDIT_PLAN, READ_PLAN

# url name -> (method, sample object name in SAMPLES or None, outcome by role)
ROWS: dict[str, tuple[str, str | None, dict[str, str]]] = {
    "early_help_plans:plan-pdf": ("get", "plan", READ_PLAN),
    "early_help_plans:review-pdf": ("get", "documents_review", READ_PLAN),
    "early_help_plans:maintaining-pdf": ("get", "documents_maintaining", READ_PLAN),
    "early_help_plans:plan-attachments": ("get", "plan", READ_PLAN),
    # A file, not a page: the accessibility sweep leaves out rows named -download.
    "early_help_plans:attachment-download": ("get", "documents_attachment", READ_PLAN),
    "early_help_plans:attachment-delete": ("get", "documents_attachment", EDIT_PLAN),
}

# The smallest valid PNG: one transparent pixel.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6300010000050001"
    "0d0a2db40000000049454e44ae426082"
)


def _plan_at(school):
    author = SchoolStaffFactory(school=school).user
    plan = start_plan(
        family_name="the Specimen family",
        children=[PupilFactory(current_school=school)],
        by=author,
    )
    EarlyHelpPlan.objects.filter(pk=plan.pk).update(consent_to_share=True)
    return plan, author


def _review(school):
    plan, author = _plan_at(school)
    review = Review.objects.create(
        plan=plan,
        held_on=datetime.date(2025, 10, 27),
        next_step=Review.NextStep.CONTINUE,
        next_review_on=datetime.date(2025, 12, 8),
        recorded_by=author,
    )
    return [plan.pk, review.pk]


def _maintaining(school):
    plan, _ = _plan_at(school)
    MaintainingOurFamilyPlan.objects.create(
        plan=plan,
        what_we_learnt="Routines help",
        most_useful="The walking bus",
        keep_progress_going="The morning checklist",
        difficult_situations="A new term",
        if_things_get_hard="Talk to school",
        who_we_can_contact="The school office",
        agreed_on=datetime.date(2025, 12, 1),
        final_review_on=datetime.date(2025, 12, 1),
    )
    return [plan.pk]


def _attachment(school):
    plan, author = _plan_at(school)
    attachment = Attachment.objects.create(
        plan=plan,
        file=ContentFile(PNG, name="upload"),
        original_name="drawing.png",
        content_type="image/png",
        size=len(PNG),
        uploaded_by=author,
    )
    return [plan.pk, attachment.pk]


# Sample objects by the name a row gives them, merged into the matrix's SAMPLES.
SAMPLES = {
    "documents_review": _review,
    "documents_maintaining": _maintaining,
    "documents_attachment": _attachment,
}
