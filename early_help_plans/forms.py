from typing import Any

from django import forms

from attendance_tracker.forms import GovDateField, GovForm
from cases.forms import LeadProfessionalFields
from early_help_plans.models import Aspect, ConsentSignatory, FamilyMember
from schools.models import Pupil

YES_NO = [("yes", "Yes"), ("no", "No")]


def _yes_no(value: str | None) -> bool | None:
    return {"yes": True, "no": False}.get(value or "")


class PlanForm(GovForm):
    """A section of the plan; the version seen guards a stale save of an active plan."""

    submit_label = "Save and continue"
    seen_version = forms.IntegerField(widget=forms.HiddenInput)


class StartPlanForm(GovForm):
    submit_label = "Start the plan"
    family_name = forms.CharField(
        label="What is the plan called?",
        max_length=150,
        help_text="How the family is known, for example the Specimen family",
        error_messages={"required": "Enter what the plan is called"},
    )


class ConsentForm(PlanForm):
    consent_to_share = forms.ChoiceField(
        label="Does the family agree their information may be shared with those supporting "
        "the plan?",
        choices=YES_NO,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose whether the family agrees to share"},
    )
    supporting_families_consent = forms.ChoiceField(
        label="Does the family agree to share with the Supporting Families programme?",
        choices=YES_NO,
        widget=forms.RadioSelect,
        required=False,
    )
    recorded_on = GovDateField(
        label="Date consent was recorded",
        error_messages={"required": "Enter the date consent was recorded"},
    )
    parent_1 = forms.CharField(label="Parent or carer 1 who signed", required=False)
    parent_2 = forms.CharField(label="Parent or carer 2 who signed", required=False)
    young_person_1 = forms.CharField(label="Young person (12 or over) 1 who signed", required=False)
    young_person_2 = forms.CharField(label="Young person (12 or over) 2 who signed", required=False)

    @staticmethod
    def answers(data: dict[str, Any]) -> dict[str, Any]:
        return {
            "consent_to_share": _yes_no(data["consent_to_share"]),
            "supporting_families_consent": _yes_no(data.get("supporting_families_consent")),
            "recorded_on": data["recorded_on"],
            "signatories": [
                (role, name)
                for role, key in (
                    (ConsentSignatory.Role.PARENT, "parent_1"),
                    (ConsentSignatory.Role.PARENT, "parent_2"),
                    (ConsentSignatory.Role.YOUNG_PERSON, "young_person_1"),
                    (ConsentSignatory.Role.YOUNG_PERSON, "young_person_2"),
                )
                if (name := data.get(key, "").strip())
            ],
        }


class LeadForm(LeadProfessionalFields, PlanForm):
    agreed_on = GovDateField(
        label="Date the lead professional agreed",
        error_messages={"required": "Enter the date the lead professional agreed"},
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("lead_choice") == "none":
            self.add_error("lead_choice", "Choose who the lead professional is")
        return data


class FamilyDetailsForm(PlanForm):
    submit_label = "Save the family’s details"
    address = forms.CharField(
        label="Family address", widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    phone = forms.CharField(label="Family phone", max_length=40, required=False)
    email = forms.EmailField(label="Family email", required=False)
    useful_information = forms.CharField(
        label="Useful information",
        help_text="Interpreter, carer, preferred contact, significant adults elsewhere",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )


class MemberForm(PlanForm):
    submit_label = "Add to the family"
    name = forms.CharField(
        label="Name", max_length=150, error_messages={"required": "Enter the person’s name"}
    )
    relationship = forms.CharField(
        label="Relationship",
        max_length=100,
        help_text="For example mum, stepdad, son",
        error_messages={"required": "Enter their relationship to the family"},
    )
    date_of_birth = GovDateField(label="Date of birth", required=False)
    lives_at_home = forms.BooleanField(label="Lives at the home address", required=False)
    pupil = forms.ModelChoiceField(
        label="A pupil in the service (for a child of the family)",
        queryset=Pupil.objects.none(),
        required=False,
        empty_label="Not a pupil in the service",
        help_text="Only pupils you can see are listed",
    )

    def __init__(self, *args: Any, pupils: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if pupils is not None:
            self.fields["pupil"].queryset = pupils  # type: ignore[attr-defined]


class RemoveMemberForm(PlanForm):
    member = forms.ModelChoiceField(queryset=FamilyMember.objects.none())

    def __init__(self, *args: Any, plan: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if plan is not None:
            self.fields["member"].queryset = plan.members.all()  # type: ignore[attr-defined]


class AgencyForm(PlanForm):
    submit_label = "Add the service"
    service = forms.CharField(
        label="Service", max_length=150, error_messages={"required": "Enter the service"}
    )
    contact = forms.CharField(label="Contact", max_length=200, required=False)
    email = forms.EmailField(label="Email address", required=False)
    supports_whom = forms.CharField(label="Who they support", max_length=200, required=False)
    how = forms.CharField(
        label="How they help", widget=forms.Textarea(attrs={"rows": 3}), required=False
    )


SCORE_CHOICES = [(str(n), str(n)) for n in range(10, -1, -1)]


class ScoresForm(PlanForm):
    """One aspect: the parent or carer's score and the child's, 0 to 10."""

    parent_score = forms.TypedChoiceField(
        label="Parent or carer’s score (10: all is well, 0: really worried)",
        choices=SCORE_CHOICES,
        coerce=int,
        empty_value=None,
        widget=forms.RadioSelect,
        required=False,
    )
    child_score = forms.TypedChoiceField(
        label="Child’s score (10: all is well, 0: really worried)",
        choices=SCORE_CHOICES,
        coerce=int,
        empty_value=None,
        widget=forms.RadioSelect,
        required=False,
    )
    not_relevant = forms.BooleanField(label="Not relevant to this family", required=False)
    not_relevant_reason = forms.CharField(
        label="Why it is not relevant", widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    working_well = forms.CharField(
        label="What’s working well", widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    could_be_better = forms.CharField(
        label="What could be better, and why",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )
    parent_practitioner_agrees = forms.ChoiceField(
        label="Do you agree with the parent or carer’s score?",
        choices=YES_NO,
        widget=forms.RadioSelect,
        required=False,
    )
    parent_practitioner_reason = forms.CharField(
        label="Your reasons (parent or carer’s score)",
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )
    child_working_well = forms.CharField(
        label="The child’s words: what’s working well",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )
    child_could_be_better = forms.CharField(
        label="The child’s words: what could be better, and why",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )
    child_practitioner_agrees = forms.ChoiceField(
        label="Do you agree with the child’s score?",
        choices=YES_NO,
        widget=forms.RadioSelect,
        required=False,
    )
    child_practitioner_reason = forms.CharField(
        label="Your reasons (child’s score)",
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["working_well"].label = "The parent or carer’s words: what’s working well"
        self.fields[
            "could_be_better"
        ].label = "The parent or carer’s words: what could be better, and why"

    def practitioner_view(self, whose: str) -> dict[str, Any]:
        """The practitioner's agreement with one perspective's score, and the reasons."""
        data = self.cleaned_data
        return {
            "practitioner_agrees": _yes_no(data.get(f"{whose}_practitioner_agrees")),
            "practitioner_reason": (data.get(f"{whose}_practitioner_reason") or "").strip(),
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("not_relevant"):
            if not (data.get("not_relevant_reason") or "").strip():
                self.add_error("not_relevant_reason", "Enter why this aspect is not relevant")
        elif data.get("parent_score") is None:
            self.add_error(
                "parent_score",
                "Choose the parent or carer’s score from 0 to 10, or mark the aspect not relevant",
            )
        return data


class ActionForm(PlanForm):
    submit_label = "Add the action"
    aspect = forms.ChoiceField(label="Aspect of family life", choices=Aspect.choices)
    no_action_needed = forms.BooleanField(label="No action needed at this stage", required=False)
    action = forms.CharField(
        label="What action, for whom", widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    who = forms.CharField(label="Who will do it", max_length=200, required=False)
    by_when = GovDateField(label="By when", required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("no_action_needed") and not (data.get("action") or "").strip():
            self.add_error("action", "Enter the action, or say that none is needed")
        return data


class NextReviewForm(PlanForm):
    time = forms.TimeField(
        label="Time of the review",
        help_text="For example, 14:30",
        error_messages={
            "required": "Enter the time of the review",
            "invalid": "Enter a real time, like 14:30",
        },
    )
    venue = forms.CharField(
        label="Where the review will be held",
        max_length=200,
        error_messages={"required": "Enter where the review will be held"},
    )


class AgreeForm(PlanForm):
    submit_label = "Agree the plan"
    agreed_on = GovDateField(
        label="Date the plan was agreed with the family",
        error_messages={"required": "Enter the date the plan was agreed"},
    )
