"""Forms for a plan's later life: the review, the Maintaining Our Family Plan, consent withdrawn,
the safeguarding decision, reopening and Supporting Families records."""

import datetime
from typing import Any

from crispy_forms_gds.layout import (
    HTML,
    Field,
    Fieldset,
    Layout,
    Size,
    Submit,
)
from django import forms
from django.utils import timezone

from attendance_tracker.forms import GovDateField, GovForm
from cases.forms import LeadProfessionalFields
from early_help_plans import reviews
from early_help_plans.forms import PlanForm
from early_help_plans.models import (
    Aspect,
    EarlyHelpPlan,
    Perspective,
    Readiness,
    Review,
    SupportingFamiliesRecord,
)

INVITEES = 4
NEW_ACTIONS = 3
SCORES = [("", "Not scored at this review"), *[(str(n), str(n)) for n in range(10, -1, -1)]]


def _text(label: str, *, rows: int = 3, required: bool = False, **kwargs: Any) -> forms.CharField:
    return forms.CharField(
        label=label, widget=forms.Textarea(attrs={"rows": rows}), required=required, **kwargs
    )


class ReviewForm(LeadProfessionalFields, PlanForm):
    """The whole review, in the order the meeting goes: who came, scores, views, next step."""

    submit_label = "Record the review"
    held_on = GovDateField(
        label="Date of the review", error_messages={"required": "Enter the date of the review"}
    )
    changed_contact_details = _text("Changed contact details", rows=2)
    family_summary = _text("The family’s view of progress")
    child_summary = _text("The child’s view of progress")
    team_summary = _text("The Team Around the Family’s view of progress")
    next_step = forms.ChoiceField(
        label="What happens next?",
        choices=Review.NextStep.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose what happens next"},
    )
    next_review_on = GovDateField(
        label="Date of the next review",
        required=False,
        help_text="Leave blank for 42 days after this review",
    )
    next_review_time = forms.TimeField(
        label="Time of the next review",
        help_text="For example, 14:30",
        required=False,
        error_messages={"invalid": "Enter a real time, like 14:30"},
    )
    next_review_venue = forms.CharField(
        label="Where the next review will be held", max_length=200, required=False
    )
    later_review_reason = _text(
        "Why the next review is more than 6 weeks away", rows=2, help_text="Only if it is"
    )
    closure_reason = forms.ChoiceField(
        label="Why is the plan closing?",
        choices=[(value, label) for value, label in EarlyHelpPlan.ClosureReason.choices][:3],
        widget=forms.RadioSelect,
        required=False,
    )
    mash_assessment_by = forms.CharField(
        label="Who updates the assessment", max_length=150, required=False
    )
    mash_contact_form_by = forms.CharField(
        label="Who sends the inter-agency contact form to the MASH", max_length=150, required=False
    )
    lead_changed_on = GovDateField(
        label="Date the lead professional changed",
        required=False,
        help_text="Leave blank for the date of the review",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        lead_choice = self.fields["lead_choice"]
        lead_choice.label = "Has the lead professional changed?"
        lead_choice.choices = [  # type: ignore[attr-defined]
            ("none", "No"),
            ("user", "Yes: to someone who uses this service"),
            ("external", "Yes: to someone outside this service"),
        ]
        invitee_names = []
        for n in range(1, INVITEES + 1):
            self.fields[f"invitee_{n}_name"] = forms.CharField(
                label=f"Invitee {n}: name", max_length=150, required=False
            )
            self.fields[f"invitee_{n}_role"] = forms.CharField(
                label=f"Invitee {n}: role", max_length=150, required=False
            )
            self.fields[f"invitee_{n}_contact"] = forms.CharField(
                label=f"Invitee {n}: contact details", max_length=200, required=False
            )
            self.fields[f"invitee_{n}_attended"] = forms.BooleanField(
                label=f"Invitee {n} attended", required=False
            )
            self.fields[f"invitee_{n}_sent_update"] = forms.BooleanField(
                label=f"Invitee {n} sent an update", required=False
            )
            invitee_names += [
                Field(f"invitee_{n}_name", css_class="govuk-input--width-20"),
                Field(f"invitee_{n}_role", css_class="govuk-input--width-20"),
                f"invitee_{n}_contact",
                f"invitee_{n}_attended",
                f"invitee_{n}_sent_update",
            ]
        score_fields = []
        for aspect, label in Aspect.choices:
            for perspective, whose in [
                (Perspective.PARENT, "parent or carer’s"),
                (Perspective.CHILD, "child’s"),
            ]:
                name = f"{aspect}_{perspective}"
                self.fields[name] = forms.TypedChoiceField(
                    label=f"{label}: the {whose} score now",
                    choices=SCORES,
                    coerce=int,
                    empty_value=None,
                    required=False,
                )
                score_fields.append(name)
            self.fields[f"{aspect}_changed"] = _text(f"{label}: what’s changed", rows=2)
            score_fields.append(f"{aspect}_changed")
        action_fields = []
        for n in range(1, NEW_ACTIONS + 1):
            self.fields[f"action_{n}_aspect"] = forms.ChoiceField(
                label=f"Action {n}: aspect of family life",
                choices=[("", "Choose an aspect"), *Aspect.choices],
                required=False,
            )
            self.fields[f"action_{n}_action"] = _text(f"Action {n}: what, for whom", rows=2)
            self.fields[f"action_{n}_who"] = forms.CharField(
                label=f"Action {n}: who will do it", max_length=200, required=False
            )
            self.fields[f"action_{n}_by_when"] = GovDateField(
                label=f"Action {n}: by when", required=False
            )
            self.fields[f"action_{n}_readiness"] = forms.TypedChoiceField(
                label=f"Action {n}: readiness to change",
                choices=[("", "Not recorded"), *Readiness.choices],
                coerce=int,
                empty_value=None,
                required=False,
            )
            action_fields += [
                f"action_{n}_aspect",
                f"action_{n}_action",
                f"action_{n}_who",
                f"action_{n}_by_when",
                f"action_{n}_readiness",
            ]
        self.helper.layout = Layout(
            "seen_version",
            Field("held_on"),
            Fieldset(*invitee_names, legend="Who was invited", legend_size=Size.MEDIUM),
            "changed_contact_details",
            Fieldset(
                HTML(
                    '<p class="govuk-body">Score only the aspects talked about at this review: '
                    "10 means all is well, 0 means really worried.</p>"
                ),
                *score_fields,
                legend="Aspects of family life",
                legend_size=Size.MEDIUM,
            ),
            Fieldset(
                "family_summary",
                "child_summary",
                "team_summary",
                legend="Progress",
                legend_size=Size.MEDIUM,
            ),
            Fieldset(
                "lead_choice",
                "lead_user",
                "lead_name",
                "lead_agency",
                "lead_phone",
                "lead_email",
                "lead_kind",
                "lead_changed_on",
                legend="Lead professional",
                legend_size=Size.MEDIUM,
            ),
            # Plain radios and a fieldset for each next step (a conditional reveal would set
            # aria-expanded on the radios, which ARIA does not allow there).
            "next_step",
            Fieldset(
                "next_review_on",
                "next_review_time",
                "next_review_venue",
                "later_review_reason",
                HTML('<h3 class="govuk-heading-s">The new action plan</h3>'),
                *action_fields,
                legend="If the plan continues",
                legend_size=Size.MEDIUM,
            ),
            Fieldset("closure_reason", legend="If the plan closes", legend_size=Size.MEDIUM),
            Fieldset(
                "mash_assessment_by",
                "mash_contact_form_by",
                legend="If the family is stepped up to children’s social care",
                legend_size=Size.MEDIUM,
            ),
            Submit("submit", self.submit_label),
        )
        self.helper.inputs = []

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        step = data.get("next_step")
        if step == Review.NextStep.CONTINUE:
            if data.get("next_review_time") is None:
                self.add_error("next_review_time", "Enter the time of the next review")
            if not (data.get("next_review_venue") or "").strip():
                self.add_error("next_review_venue", "Enter where the next review will be held")
        if step == Review.NextStep.CLOSE and not data.get("closure_reason"):
            self.add_error("closure_reason", "Choose why the plan is closing")
        if step == Review.NextStep.STEP_UP:
            if not (data.get("mash_assessment_by") or "").strip():
                self.add_error("mash_assessment_by", "Enter who updates the assessment")
            if not (data.get("mash_contact_form_by") or "").strip():
                self.add_error(
                    "mash_contact_form_by", "Enter who sends the inter-agency contact form"
                )
        for n in range(1, NEW_ACTIONS + 1):
            if (data.get(f"action_{n}_action") or "").strip() and not data.get(
                f"action_{n}_aspect"
            ):
                self.add_error(f"action_{n}_aspect", f"Choose the aspect action {n} is for")
        return data

    def invitees(self) -> list[reviews.Invitee]:
        data = self.cleaned_data
        return [
            reviews.Invitee(
                name=data[f"invitee_{n}_name"].strip(),
                role=data[f"invitee_{n}_role"].strip(),
                contact=data[f"invitee_{n}_contact"].strip(),
                attended=data[f"invitee_{n}_attended"],
                sent_update=data[f"invitee_{n}_sent_update"],
            )
            for n in range(1, INVITEES + 1)
            if data[f"invitee_{n}_name"].strip()
        ]

    def rescores(self) -> list[reviews.Rescore]:
        data = self.cleaned_data
        return [
            reviews.Rescore(
                aspect=aspect,
                perspective=perspective,
                score=data[f"{aspect}_{perspective}"],
                whats_changed=data[f"{aspect}_changed"].strip(),
            )
            for aspect in Aspect.values
            for perspective in Perspective.values
            if data[f"{aspect}_{perspective}"] is not None
        ]

    def actions(self) -> list[reviews.NewAction]:
        data = self.cleaned_data
        if data.get("next_step") != Review.NextStep.CONTINUE:
            return []
        return [
            reviews.NewAction(
                aspect=data[f"action_{n}_aspect"],
                action=data[f"action_{n}_action"].strip(),
                who=data[f"action_{n}_who"].strip(),
                by_when=data[f"action_{n}_by_when"],
                readiness=data[f"action_{n}_readiness"],
            )
            for n in range(1, NEW_ACTIONS + 1)
            if data[f"action_{n}_aspect"] and data[f"action_{n}_action"].strip()
        ]

    def details(self) -> dict[str, Any]:
        """Keyword arguments for reviews.record_review (besides plan, by and seen_version)."""
        data = self.cleaned_data
        step = data["next_step"]
        return {
            "held_on": data["held_on"],
            "next_step": step,
            "invitees": self.invitees(),
            "changed_contact_details": data["changed_contact_details"].strip(),
            "rescores": self.rescores(),
            "family_summary": data["family_summary"].strip(),
            "child_summary": data["child_summary"].strip(),
            "team_summary": data["team_summary"].strip(),
            "next_review_on": data["next_review_on"],
            "next_review_time": data["next_review_time"],
            "next_review_venue": data["next_review_venue"],
            "later_review_reason": data["later_review_reason"],
            "actions": self.actions(),
            "closure_reason": data["closure_reason"] if step == Review.NextStep.CLOSE else "",
            "mash_assessment_by": data["mash_assessment_by"],
            "mash_contact_form_by": data["mash_contact_form_by"],
            "new_lead": self.lead_details(),
            "lead_changed_on": data["lead_changed_on"],
        }


class MaintainingPlanForm(PlanForm):
    submit_label = "Save the Maintaining Our Family Plan"
    what_we_learnt = _text("What we learnt", required=True)
    most_useful = _text("What was most useful", required=True)
    keep_progress_going = _text("Actions to keep progress going", required=True)
    difficult_situations = _text("Situations we may find difficult", required=True)
    if_things_get_hard = _text("What we can do if things get hard", required=True)
    who_we_can_contact = _text("Who we can contact", required=True)
    key_contacts = _text("Key contacts", rows=2)
    agreed_on = GovDateField(label="Date the plan was agreed")
    final_review_on = GovDateField(label="Final review date")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if field.required and name != "seen_version":
                field.error_messages["required"] = f"Enter {str(field.label).lower()}"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        agreed, final = data.get("agreed_on"), data.get("final_review_on")
        if agreed and final and final < agreed:
            self.add_error("final_review_on", "The final review cannot be before the plan began")
        return data


class WithdrawConsentForm(PlanForm):
    submit_label = "Withdraw consent and close the plan"
    withdrawn_on = GovDateField(
        label="Date the family withdrew consent",
        error_messages={"required": "Enter the date the family withdrew consent"},
    )
    reason = _text(
        "Why did the family withdraw consent?",
        required=True,
        error_messages={"required": "Enter why the family withdrew consent"},
    )

    def clean_withdrawn_on(self) -> datetime.date:
        on: datetime.date = self.cleaned_data["withdrawn_on"]
        if on > timezone.localdate():
            raise forms.ValidationError("The date cannot be in the future")
        return on


class SafeguardingForm(GovForm):
    submit_label = "Record the decision"
    concern = forms.ChoiceField(
        label="Does the withdrawal of consent raise a safeguarding concern?",
        choices=[("yes", "Yes"), ("no", "No")],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose whether it raises a safeguarding concern"},
    )
    note = _text(
        "What was decided, and why",
        required=True,
        help_text="For example, who you discussed it with and any referral made",
        error_messages={"required": "Enter what was decided, and why"},
    )


class ReopenForm(PlanForm):
    submit_label = "Reopen the plan"
    reason = _text(
        "Why is the plan being reopened?",
        required=True,
        error_messages={"required": "Enter why the plan is being reopened"},
    )


class SupportingFamiliesForm(GovForm):
    submit_label = "Add the record"
    outcome = forms.ChoiceField(
        label="Which outcome does this evidence?",
        choices=SupportingFamiliesRecord.Outcome.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the outcome"},
    )
    evidence = _text(
        "Evidence of the family’s progress",
        required=True,
        error_messages={"required": "Enter the evidence"},
    )
