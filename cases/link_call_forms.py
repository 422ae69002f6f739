"""Forms for link calls and the tracking meeting: input shape only, rules live in the services."""

import datetime
from collections.abc import Iterable
from typing import Any

from crispy_forms_gds.layout import HTML, Field, Fieldset, Layout, Size
from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.html import format_html

from attendance_tracker.forms import GovDateField, GovForm
from cases.services import Discussion
from schools.models import Pupil, School

# crispy-forms-gds styles text inputs only; a date input needs the GOV.UK classes given to it.
DATE_INPUT = "govuk-input govuk-input--width-10"


def _pupil_hint(pupil: Pupil) -> str:
    """Attendance and the last discussion, from the chronically_absent_pupils annotations."""
    rate = getattr(pupil, "attendance_rate", None)
    attendance = f"Attendance this year {rate:.1f}%." if rate is not None else ""
    last = getattr(pupil, "last_discussed_on", None)
    discussed = f"Last discussed on {last:%-d %B %Y}." if last else "Not discussed before."
    case = " Open case." if getattr(pupil, "open_case_id", None) else ""
    return format_html("{} {}{}", attendance, discussed, case).strip()


class LinkCallForm(GovForm):
    """The call's date and attendees, then a note and an action for each pupil on the list.

    Only the pupils given a note were discussed; the others are left for the next call.
    """

    submit_label = "Save the link call"

    held_on = GovDateField(
        label="Date of the call", error_messages={"required": "Enter the date of the call"}
    )
    attendees = forms.CharField(
        label="Who took part",
        max_length=500,
        help_text="Names and roles, for example Sam Senco (SENCo), Ali Attend (attendance lead)",
        error_messages={"required": "Enter who took part in the call"},
    )

    def __init__(self, *args: Any, pupils: Iterable[Pupil], **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("held_on", timezone.localdate())
        super().__init__(*args, **kwargs)
        self.pupils = list(pupils)
        pupil_fieldsets = []
        for pupil in self.pupils:
            note, action = f"note_{pupil.pk}", f"action_{pupil.pk}"
            self.fields[note] = forms.CharField(
                label=format_html("Note<span class='govuk-visually-hidden'> on {}</span>", pupil),
                required=False,
                max_length=5000,
                widget=forms.Textarea(attrs={"rows": 3}),
                help_text=_pupil_hint(pupil),
            )
            self.fields[action] = forms.CharField(
                label=format_html(
                    "Action<span class='govuk-visually-hidden'> for {}</span>", pupil
                ),
                required=False,
                max_length=500,
            )
            pupil_fieldsets.append(
                Fieldset(
                    Field.textarea(note, rows=3),
                    Field.text(action),
                    legend=format_html("{} (year {})", pupil, pupil.year_group or "not known"),
                    legend_size=Size.SMALL,
                    css_id=f"pupil-{pupil.pk}",
                )
            )
        intro = (
            "For each pupil discussed, write a note and the action agreed. Pupils without a "
            "note are not counted as discussed."
            if self.pupils
            else "No pupils at this school are severely absent this year or have an open case."
        )
        self.helper.layout = Layout(
            Field("held_on", css_class=DATE_INPUT),
            Field.text("attendees"),
            HTML(
                format_html(
                    "<h2 class='govuk-heading-m'>Pupils</h2><p class='govuk-body'>{}</p>", intro
                )
            ),
            *pupil_fieldsets,
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for pupil in self.pupils:
            note = cleaned.get(f"note_{pupil.pk}", "").strip()
            if cleaned.get(f"action_{pupil.pk}", "").strip() and not note:
                self.add_error(
                    f"note_{pupil.pk}", f"Enter a note on {pupil}, or clear the action for them"
                )
        return cleaned

    def discussions(self) -> list[Discussion]:
        return [
            Discussion(
                pupil=pupil,
                note=self.cleaned_data[f"note_{pupil.pk}"].strip(),
                action=self.cleaned_data[f"action_{pupil.pk}"].strip(),
            )
            for pupil in self.pupils
            if self.cleaned_data[f"note_{pupil.pk}"].strip()
        ]


class MeetingForm(GovForm):
    submit_label = "Start the meeting"

    held_on = GovDateField(
        label="Date of the meeting", error_messages={"required": "Enter the date of the meeting"}
    )
    since = GovDateField(
        label="Changes since",
        help_text="Usually the date of the previous meeting. For example, 14/03/2026",
        error_messages={"required": "Enter the date to show changes since"},
    )
    schools = forms.ModelMultipleChoiceField(
        label="Schools",
        queryset=School.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text="The meeting looks at the cases of pupils at these schools.",
        error_messages={"required": "Choose at least one school"},
    )

    def __init__(
        self,
        *args: Any,
        schools: QuerySet[School],
        since: datetime.date,
        **kwargs: Any,
    ) -> None:
        initial = kwargs.setdefault("initial", {})
        initial.setdefault("held_on", timezone.localdate())
        initial.setdefault("since", since)
        initial.setdefault("schools", [school.pk for school in schools])
        super().__init__(*args, **kwargs)
        self.fields["schools"].queryset = schools  # type: ignore[attr-defined]
        self.helper.layout = Layout(
            Field("held_on", css_class=DATE_INPUT),
            Field("since", css_class=DATE_INPUT),
            Field.checkboxes("schools", legend_size=Size.SMALL, small=True),
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        held_on, since = cleaned.get("held_on"), cleaned.get("since")
        if held_on and since and since > held_on:
            self.add_error("since", "“Changes since” must be on or before the meeting date")
        return cleaned


class DecisionForm(forms.Form):
    """One row's decision: rendered by hand in the meeting's table (see _decision_form.html)."""

    decision = forms.CharField(
        label="Decision",
        max_length=5000,
        error_messages={"required": "Enter the decision"},
    )
    action = forms.CharField(label="Action", max_length=500, required=False)
