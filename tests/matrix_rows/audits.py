"""Authorization matrix rows: quality audits of Family Early Help Plans.

An audit belongs to no school, so there is nothing for an outsider to be kept from knowing: every
role but manager and administrator gets 403. The sample audit holds one agreed plan at school A,
consent to share given, drawn by a manager.
"""

from early_help_plans.models import AuditedPlan, EarlyHelpPlan, PlanChild, QualityAudit
from tests.factories import LeadProfessionalFactory, PupilFactory, UserFactory
from tests.matrix_rows import *  # noqa: F403 - the matrix's vocabulary

AUDITORS = row(administrator=OK, manager=OK)  # noqa: F405

# url name -> (method, sample object name in SAMPLES or None, outcome by role)
ROWS: dict[str, tuple[str, str | None, dict[str, str]]] = {
    "early_help_plans:audit-list": ("get", None, AUDITORS),
    "early_help_plans:audit-detail": ("get", "audit", AUDITORS),
    "early_help_plans:audit-grade": ("get", "audited_plan", AUDITORS),
}


def _audited_plan(school):
    plan = EarlyHelpPlan.objects.create(
        family_name="the Specimen family",
        created_by=UserFactory(),
        status=EarlyHelpPlan.Status.ACTIVE,
        consent_to_share=True,
        consent_recorded_on="2025-09-01",
        lead_professional=LeadProfessionalFactory(),
        agreed_on="2025-09-01",
    )
    PlanChild.objects.create(
        plan=plan, pupil=PupilFactory(current_school=school), plan_is_active=True
    )
    audit = QualityAudit.objects.create(
        title="Autumn audit", sample_size=1, drawn_by=UserFactory(is_manager=True)
    )
    return AuditedPlan.objects.create(audit=audit, plan=plan)


# Sample objects by the name a row gives them, merged into the matrix's SAMPLES.
SAMPLES = {
    "audit": lambda school: [_audited_plan(school).audit_id],
    "audited_plan": lambda school: [(item := _audited_plan(school)).audit_id, item.pk],
}
