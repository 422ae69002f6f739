"""Form plumbing shared by every app: GOV.UK rendering and date parsing."""

import datetime
from typing import Any

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Submit
from django import forms


class GovForm(forms.Form):
    """A form rendered with GOV.UK classes; server-side validation only."""

    submit_label = "Continue"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.attrs = {"novalidate": ""}
        self.helper.disable_csrf = True  # the page's own <form> carries the token
        self.helper.add_input(Submit("submit", self.submit_label))


class GovModelForm(forms.ModelForm):
    submit_label = "Save"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.attrs = {"novalidate": ""}
        self.helper.disable_csrf = True  # the page's own <form> carries the token
        self.helper.add_input(Submit("submit", self.submit_label))


DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d %m %Y", "%d %B %Y", "%d %b %Y")


def parse_date(text: str) -> datetime.date | None:
    text = " ".join(text.strip().split())
    for fmt in DATE_FORMATS:
        try:
            return datetime.datetime.strptime(text, fmt).date()  # noqa: DTZ007 - a date, no time
        except ValueError:
            continue
    return None


class GovDateField(forms.DateField):
    """A date typed as 14/03/2015 or 2015-03-14, with a plain-English error."""

    input_formats = DATE_FORMATS
    default_error_messages = {
        "invalid": "Enter a real date, like 14/03/2015",
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("help_text", "For example, 14/03/2015")
        super().__init__(*args, **kwargs)
        self.widget.format = "%d/%m/%Y"
        self.widget.attrs.setdefault("class", "govuk-input govuk-input--width-10")
