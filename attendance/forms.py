from typing import Any

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat

from attendance_tracker.forms import GovForm


class UploadForm(GovForm):
    submit_label = "Check file"
    file = forms.FileField(
        label="Attendance file",
        help_text="A CSV file saved as UTF-8, or an Excel workbook (.xlsx). Nothing is stored "
        "until you have checked the file and chosen to import it.",
        error_messages={"required": "Choose a CSV or Excel file to check"},
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        limit = settings.ATTENDANCE_IMPORT_MAX_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                f"The file is {filesizeformat(upload.size)}: the most the service accepts is "
                f"{filesizeformat(limit)}. Split it by school or by term."
            )
        if upload.size == 0:
            raise forms.ValidationError("The file is empty")
        return upload


class DismissForm(GovForm):
    submit_label = "Remove from the queue"
    reason = forms.CharField(
        label="Why does this pupil not need a case?",
        help_text="For example, a known medical reason with a plan already in place. They come "
        "back to the queue if their attendance falls a further 10 percentage points.",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        error_messages={"required": "Enter why this pupil does not need a case"},
    )
