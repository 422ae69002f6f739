from typing import Any

from django import forms

from accounts.models import User
from attendance_tracker.forms import GovDateField, GovForm, GovModelForm
from schools.models import Pupil, School, SchoolStaff, Term
from schools.upn import normalise_upn


class SchoolForm(GovModelForm):
    seen_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = School
        fields = ["name", "urn", "establishment_number", "phase", "is_open"]
        labels = {"is_open": "The school is open"}


class StaffMemberForm(GovForm):
    submit_label = "Add staff member"
    email = forms.EmailField(
        label="Their email address", help_text="They must already have an account."
    )
    job_role = forms.ChoiceField(label="Role at the school", choices=SchoolStaff.JobRole.choices)

    def clean_email(self) -> User:
        email = self.cleaned_data["email"]
        user = User.objects.filter(email__iexact=email, is_active=True).first()
        if user is None:
            raise forms.ValidationError("There is no active account with that email address.")
        return user


class LinkCoordinatorForm(GovForm):
    submit_label = "Assign link co-ordinator"
    user = forms.ModelChoiceField(
        label="Link co-ordinator",
        queryset=User.objects.filter(is_link_coordinator=True, is_active=True),
        empty_label="Choose a link co-ordinator",
    )


class PupilSearchForm(forms.Form):
    q = forms.CharField(
        label="Name, UPN or date of birth",
        required=False,
        max_length=100,
        help_text="For example, Amira Example, C851200119017 or 14/03/2015",
    )
    school = forms.ModelChoiceField(
        label="School", queryset=School.objects.none(), required=False, empty_label="All schools"
    )

    def __init__(self, *args: Any, schools: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = schools  # type: ignore[attr-defined]


CHARACTERISTIC_FIELDS = ["sen_status", *Pupil.CHARACTERISTICS]


class PupilForm(GovModelForm):
    date_of_birth = GovDateField(label="Date of birth")
    seen_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Pupil
        fields = [
            "upn",
            "given_name",
            "family_name",
            "date_of_birth",
            "year_group",
            *CHARACTERISTIC_FIELDS,
        ]
        help_texts = {"upn": "13 characters, for example C851200119017"}

    def clean_upn(self) -> str:
        return normalise_upn(self.cleaned_data["upn"])


class NewPupilForm(PupilForm):
    submit_label = "Add pupil"
    school = forms.ModelChoiceField(
        label="School", queryset=School.objects.none(), empty_label="Choose a school"
    )
    started_on = GovDateField(label="Date they joined the school")

    def __init__(self, *args: Any, schools: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = schools  # type: ignore[attr-defined]
        self.order_fields(["school", "started_on"])

    def validate_unique(self) -> None:
        """The service explains a duplicate UPN in its own words."""


class PupilMoveForm(GovForm):
    submit_label = "Record move"
    to_school = forms.ModelChoiceField(
        label="New school", queryset=School.objects.none(), empty_label="Choose a school"
    )
    moved_on = GovDateField(label="Date they join the new school")
    seen_version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, schools: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to_school"].queryset = schools  # type: ignore[attr-defined]


class AcademicYearForm(GovForm):
    submit_label = "Save term dates"
    autumn_starts_on = GovDateField(label="Autumn term: first day")
    autumn_ends_on = GovDateField(label="Autumn term: last day")
    spring_starts_on = GovDateField(label="Spring term: first day")
    spring_ends_on = GovDateField(label="Spring term: last day")
    summer_starts_on = GovDateField(label="Summer term: first day")
    summer_ends_on = GovDateField(label="Summer term: last day")

    def term_dates(self) -> dict[str, tuple[Any, Any]]:
        data = self.cleaned_data
        return {
            name: (data[f"{name}_starts_on"], data[f"{name}_ends_on"]) for name in Term.Name.values
        }


class NewAcademicYearForm(AcademicYearForm):
    start_year = forms.IntegerField(
        label="Academic year starting in",
        min_value=2000,
        max_value=2100,
        help_text="For example, 2026 for 2026/27",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.order_fields(["start_year"])
