from typing import Any

from django import forms

from accounts.models import User
from attendance_tracker.forms import GovDateField, GovForm
from cases.models import Case, Contact, LeadProfessional, OtherPlan, Rag, Tier
from cases.selectors import FLAGS
from cases.services import LeadDetails
from schools.models import School

RAG_HELP = "Red: serious concern. Amber: some concern. Green: improving."


def _active_users() -> Any:
    return User.objects.filter(is_active=True).order_by("full_name")


class LeadProfessionalFields(forms.Form):
    """Who leads: nobody yet, a user of the service, or a professional outside it."""

    lead_choice = forms.ChoiceField(
        label="Lead professional",
        choices=[
            ("none", "Not named yet"),
            ("user", "Someone who uses this service"),
            ("external", "Someone outside this service"),
        ],
        widget=forms.RadioSelect,
        initial="none",
    )
    lead_user = forms.ModelChoiceField(
        label="Who (a user of this service)",
        queryset=User.objects.none(),
        required=False,
        empty_label="Choose a person",
    )
    lead_name = forms.CharField(label="Name (someone outside the service)", required=False)
    lead_agency = forms.CharField(label="Agency or organisation", required=False)
    lead_phone = forms.CharField(label="Phone", required=False)
    lead_email = forms.EmailField(label="Email address", required=False)
    lead_kind = forms.ChoiceField(
        label="Type of lead professional",
        choices=[("", "Choose a type"), *LeadProfessional.Kind.choices],
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["lead_user"].queryset = _active_users()  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        choice = data.get("lead_choice")
        if choice in {"user", "external"} and not data.get("lead_kind"):
            self.add_error("lead_kind", "Choose the type of lead professional")
        if choice == "user" and not data.get("lead_user"):
            self.add_error("lead_user", "Choose the user who is lead professional")
        if choice == "external" and not data.get("lead_name"):
            self.add_error("lead_name", "Enter the lead professional’s name")
        return data

    def lead_details(self) -> LeadDetails | None:
        return lead_details_from(self.cleaned_data)


def lead_details_from(data: dict[str, Any]) -> LeadDetails | None:
    if data.get("lead_choice") == "user":
        return LeadDetails(kind=data["lead_kind"], user=data["lead_user"])
    if data.get("lead_choice") == "external":
        return LeadDetails(
            kind=data["lead_kind"],
            name=data["lead_name"],
            agency=data.get("lead_agency", ""),
            phone=data.get("lead_phone", ""),
            email=data.get("lead_email", ""),
        )
    return None


class OpenCaseForm(LeadProfessionalFields, GovForm):
    submit_label = "Open case"
    reason = forms.CharField(
        label="Why are you opening a case?",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Enter why you are opening a case"},
    )
    rag = forms.ChoiceField(
        label="RAG rating",
        choices=Rag.choices,
        widget=forms.RadioSelect,
        help_text=RAG_HELP,
        error_messages={"required": "Choose a RAG rating"},
    )
    tier = forms.TypedChoiceField(
        label="Tier of need",
        choices=Tier.choices,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the tier of need"},
    )
    link_coordinator = forms.ModelChoiceField(
        label="Link co-ordinator",
        queryset=User.objects.none(),
        required=False,
        empty_label="The school’s link co-ordinator",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["link_coordinator"].queryset = _active_users().filter(  # type: ignore[attr-defined]
            is_link_coordinator=True
        )
        self.order_fields(["reason", "rag", "tier", "link_coordinator"])


class VersionedForm(GovForm):
    seen_version = forms.IntegerField(widget=forms.HiddenInput)


class RagForm(VersionedForm):
    submit_label = "Change RAG rating"
    rag = forms.ChoiceField(
        label="New RAG rating", choices=Rag.choices, widget=forms.RadioSelect, help_text=RAG_HELP
    )
    reason = forms.CharField(
        label="Why?",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Enter why the rating changes"},
    )


class TierForm(VersionedForm):
    submit_label = "Change tier of need"
    tier = forms.TypedChoiceField(
        label="New tier of need",
        choices=Tier.choices,
        coerce=int,
        widget=forms.RadioSelect,
        help_text="Tier 4 steps the case up to children’s social care through the MASH; "
        "tier 1 steps it down to universal services.",
    )
    reason = forms.CharField(
        label="Why?",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Enter why the tier changes"},
    )


class LeadForm(LeadProfessionalFields, VersionedForm):
    submit_label = "Save lead professional"
    since = GovDateField(label="Lead professional from")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("lead_choice") == "none":
            self.add_error("lead_choice", "Choose who the new lead professional is")
        return data


class ContactForm(GovForm):
    submit_label = "Save contact"
    kind = forms.ChoiceField(
        label="Type of contact", choices=Contact.Kind.choices, widget=forms.RadioSelect
    )
    contacted_on = GovDateField(label="Date of the contact")
    with_whom = forms.CharField(label="With whom", help_text="For example, mother, or the SENCo")
    note = forms.CharField(label="What happened", widget=forms.Textarea(attrs={"rows": 4}))


class ActionForm(GovForm):
    submit_label = "Add action"
    description = forms.CharField(label="Action", max_length=500)
    owner = forms.CharField(label="Who will do it", max_length=150)
    due_on = GovDateField(label="Due by")


class CompleteActionForm(GovForm):
    submit_label = "Mark as done"
    completed_on = GovDateField(label="Date done")


class OtherPlanForm(GovForm):
    submit_label = "Save plan"
    kind = forms.ChoiceField(
        label="Type of plan", choices=OtherPlan.Kind.choices, widget=forms.RadioSelect
    )
    school_led_kind = forms.CharField(
        label="Kind of school-led plan",
        required=False,
        help_text="Only for a school-led plan, for example a pastoral support plan",
    )
    started_on = GovDateField(label="Start date")
    ended_on = GovDateField(label="End date", required=False, help_text="If it has ended")


class EndOtherPlanForm(GovForm):
    submit_label = "End plan"
    ended_on = GovDateField(label="End date")


class NoteForm(GovForm):
    submit_label = "Add note"
    text = forms.CharField(label="Note", widget=forms.Textarea(attrs={"rows": 4}))


class CloseCaseForm(VersionedForm):
    submit_label = "Close case"
    reason = forms.ChoiceField(
        label="Why is the case closing?",
        choices=Case.ClosureReason.choices,
        widget=forms.RadioSelect,
    )
    outcome = forms.CharField(
        label="Outcome", widget=forms.Textarea(attrs={"rows": 4}), help_text="What changed"
    )
    closed_on = GovDateField(label="Date closed")


class ReopenCaseForm(VersionedForm):
    submit_label = "Reopen case"
    reason = forms.CharField(
        label="Why reopen the case?",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Enter why the case is reopened"},
    )


class CaseloadFilterForm(forms.Form):
    status = forms.ChoiceField(
        label="Status",
        choices=[("open", "Open"), ("closed", "Closed"), ("all", "All")],
        required=False,
    )
    school = forms.ModelChoiceField(
        label="School", queryset=School.objects.none(), required=False, empty_label="All"
    )
    rag = forms.ChoiceField(label="RAG", choices=[("", "All"), *Rag.choices], required=False)
    tier = forms.ChoiceField(label="Tier", choices=[("", "All"), *Tier.choices], required=False)
    link_coordinator = forms.ModelChoiceField(
        label="Link co-ordinator", queryset=User.objects.none(), required=False, empty_label="All"
    )
    flags = forms.MultipleChoiceField(
        label="Only cases with",
        choices=[(f.key, f.label) for f in FLAGS],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, schools: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = schools  # type: ignore[attr-defined]
        self.fields["link_coordinator"].queryset = _active_users().filter(  # type: ignore[attr-defined]
            is_link_coordinator=True
        )


class ReassignForm(GovForm):
    submit_label = "Reassign cases"
    from_user = forms.ModelChoiceField(
        label="From link co-ordinator",
        queryset=User.objects.filter(is_link_coordinator=True),
        empty_label="Choose who is leaving",
    )
    to_user = forms.ModelChoiceField(
        label="To link co-ordinator",
        queryset=User.objects.filter(is_link_coordinator=True, is_active=True),
        empty_label="Choose who takes them on",
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("from_user") and data.get("from_user") == data.get("to_user"):
            self.add_error("to_user", "Choose a different link co-ordinator")
        return data
