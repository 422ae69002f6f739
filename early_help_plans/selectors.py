"""Reads for Family Early Help Plans: the list a user sees and a plan's task list."""

import dataclasses

from django.db.models import QuerySet

from accounts.models import User
from early_help_plans.models import Aspect, EarlyHelpPlan, Perspective

COMPLETED, IN_PROGRESS, NOT_STARTED = "Completed", "In progress", "Not yet started"


@dataclasses.dataclass(frozen=True)
class Section:
    """One row of the GOV.UK task list: a section of the plan and how far it has got."""

    key: str
    name: str
    url_name: str
    status: str
    hint: str = ""

    @property
    def is_completed(self) -> bool:
        return self.status == COMPLETED


def _status(done: bool, started: bool) -> str:
    return COMPLETED if done else IN_PROGRESS if started else NOT_STARTED


def task_list(plan: EarlyHelpPlan) -> list[Section]:
    members = list(plan.members.all())
    scores = list(plan.scores.filter(review__isnull=True))
    actions = list(plan.actions.filter(review__isnull=True))
    has_agency = plan.agencies.exists()
    parent_scored = {s.aspect for s in scores if s.perspective == Perspective.PARENT}
    relevant = {s.aspect for s in scores if not s.not_relevant}
    with_actions = {a.aspect for a in actions}
    contact = bool(plan.address or plan.phone or plan.email)
    return [
        Section(
            "consent",
            "Consent to share information",
            "early_help_plans:plan-consent",
            _status(
                plan.consent_to_share is not None and plan.consent_recorded_on is not None,
                plan.supporting_families_consent is not None or plan.signatories.exists(),
            ),
        ),
        Section(
            "lead",
            "Lead professional agreement",
            "early_help_plans:plan-lead",
            _status(
                plan.lead_professional_id is not None and plan.lead_agreed_on is not None,
                plan.lead_professional_id is not None,
            ),
        ),
        Section(
            "family",
            "Who’s in our family",
            "early_help_plans:plan-family",
            _status(bool(members) and contact, bool(members) or contact),
        ),
        Section(
            "agencies",
            "Who else is working with us",
            "early_help_plans:plan-agencies",
            _status(has_agency, False),
        ),
        Section(
            "aspects",
            "Aspects of family life",
            "early_help_plans:plan-aspects",
            _status(len(parent_scored) == len(Aspect.values), bool(scores)),
            hint=f"{len(parent_scored)} of {len(Aspect.values)} scored by the parent or carer",
        ),
        Section(
            "actions",
            "Our action plan",
            "early_help_plans:plan-actions",
            _status(bool(relevant) and relevant <= with_actions, bool(actions)),
        ),
        Section(
            "review",
            "Next review",
            "early_help_plans:plan-review",
            _status(
                plan.next_review_time is not None and bool(plan.next_review_venue),
                plan.next_review_time is not None or bool(plan.next_review_venue),
            ),
        ),
    ]


def plans_for(user: User) -> QuerySet[EarlyHelpPlan]:
    """The plans the user may open, with what the list shows, in a fixed number of queries."""
    return (
        EarlyHelpPlan.objects.visible_to(user)
        .select_related("lead_professional", "created_by")
        .prefetch_related("children__pupil")
    )
