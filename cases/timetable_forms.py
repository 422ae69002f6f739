"""Forms for reduced timetables: input shape and plain-English messages only.

The rules (dates in order, nothing after an end, stale versions) are the model's constraints and
the services'; these forms name the field at fault where they can, so the error summary links to it.
"""

from typing import Any

from django import forms
from django.utils import timezone

from attendance_tracker.forms import GovDateField, GovForm, GovModelForm
from cases.models import ReducedTimetable
from schools.models import School

DATE_HINT = "For example, 14/03/2025"


def _date(label: str, required_message: str, **kwargs: Any) -> GovDateField:
    return GovDateField(
        label=label,
        help_text=kwargs.pop("help_text", DATE_HINT),
        error_messages={
            "required": required_message,
            "invalid": f"{label} must be a real date, like 14/03/2025",
        },
        **kwargs,
    )


class TimetableForm(GovModelForm):
    """Record or change a reduced timetable."""

    submit_label = "Save reduced timetable"

    started_on = _date("Start date", "Enter the start date")
    planned_end_on = _date(
        "Planned end date",
        "Enter the planned end date",
        help_text="A reduced timetable must be time-limited. For example, 17/10/2025",
    )
    sessions_per_week = forms.IntegerField(
        label="Sessions a week the pupil attends",
        help_text="Out of 10: two a day, morning and afternoon",
        min_value=0,
        max_value=9,
        error_messages={
            "required": "Enter the number of sessions a week the pupil attends",
            "invalid": "Enter the sessions a week as a number, like 5",
            "min_value": "Sessions a week must be 0 or more",
            "max_value": "Sessions a week must be 9 or fewer: 10 is a full timetable",
        },
    )
    reason = forms.CharField(
        label="Reason for the reduced timetable",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=5000,
        error_messages={"required": "Enter the reason for the reduced timetable"},
    )
    parents_agreed_on = _date(
        "Date parents or carers agreed", "Enter the date parents or carers agreed"
    )
    return_plan = forms.CharField(
        label="Plan to return to full time",
        help_text="Leave empty if there is no plan yet. After 6 weeks a timetable with no plan "
        "is flagged red.",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=5000,
        required=False,
    )

    class Meta:
        model = ReducedTimetable
        fields = [
            "started_on",
            "planned_end_on",
            "sessions_per_week",
            "reason",
            "parents_agreed_on",
            "return_plan",
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        started_on, planned_end_on = data.get("started_on"), data.get("planned_end_on")
        if started_on and planned_end_on and planned_end_on < started_on:
            self.add_error("planned_end_on", "The planned end date must be after the start date")
        agreed_on = data.get("parents_agreed_on")
        if agreed_on and agreed_on > timezone.localdate():
            self.add_error(
                "parents_agreed_on", "The date parents or carers agreed must be today or earlier"
            )
        return data


class ChangeTimetableForm(TimetableForm):
    submit_label = "Save changes"
    seen_version = forms.IntegerField(widget=forms.HiddenInput)

    def changes(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k != "seen_version"}


class ReviewTimetableForm(GovForm):
    submit_label = "Save review"

    reviewed_on = _date("Date of review", "Enter the date of the review")
    outcome = forms.CharField(
        label="Outcome",
        help_text="What was agreed, and how the pupil is getting on",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=5000,
        error_messages={"required": "Enter the outcome of the review"},
    )
    new_planned_end_on = _date(
        "New planned end date",
        "",
        required=False,
        help_text="Only if the review changed it. For example, 28/11/2025",
    )
    seen_version = forms.IntegerField(widget=forms.HiddenInput)

    def clean_reviewed_on(self) -> Any:
        reviewed_on = self.cleaned_data["reviewed_on"]
        if reviewed_on > timezone.localdate():
            raise forms.ValidationError("The date of the review must be today or earlier")
        return reviewed_on


class EndTimetableForm(GovForm):
    submit_label = "End reduced timetable"

    ended_on = _date("Actual end date", "Enter the date the reduced timetable ended")
    returned_full_time = forms.TypedChoiceField(
        label="Did the pupil return to full time?",
        choices=[("yes", "Yes"), ("no", "No")],
        coerce=lambda answer: answer == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": "Select yes if the pupil returned to full time"},
    )
    seen_version = forms.IntegerField(widget=forms.HiddenInput)

    def clean_ended_on(self) -> Any:
        ended_on = self.cleaned_data["ended_on"]
        if ended_on > timezone.localdate():
            raise forms.ValidationError("The end date must be today or earlier")
        return ended_on


class TimetableFilterForm(forms.Form):
    """The list's filters; anything not understood falls back to the default."""

    status = forms.ChoiceField(label="Show", required=False)
    school = forms.ModelChoiceField(
        label="School",
        queryset=School.objects.none(),
        required=False,
        empty_label="All your schools",
    )
    flag = forms.ChoiceField(label="Flag", required=False)

    def __init__(
        self,
        *args: Any,
        schools: Any,
        statuses: dict[str, str],
        flags: dict[str, str],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = schools  # type: ignore[attr-defined]
        self.fields["status"].choices = list(statuses.items())  # type: ignore[attr-defined]
        self.fields["flag"].choices = [("", "Any"), *flags.items()]  # type: ignore[attr-defined]

    def value(self, name: str, default: Any = None) -> Any:
        self.is_valid()  # fields that failed fall back to their default
        return self.cleaned_data.get(name) or default
