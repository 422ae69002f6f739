from typing import Any

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Submit
from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.contrib.auth.password_validation import validate_password

from accounts.models import User
from attendance_tracker.forms import GovForm, GovModelForm


def _gov_helper(label: str) -> FormHelper:
    helper = FormHelper()
    helper.form_tag = False
    helper.attrs = {"novalidate": ""}
    helper.disable_csrf = True  # the page's own <form> carries the token
    helper.add_input(Submit("submit", label))
    return helper


class SignInForm(AuthenticationForm):
    error_messages = {
        "invalid_login": "Enter a correct email address and password. Both are case-sensitive.",
        "inactive": "This account is no longer active. Ask your administrator.",
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].label = "Email address"
        self.fields["username"].widget = forms.EmailInput(attrs={"autocomplete": "email"})
        self.fields["password"].label = "Password"
        self.helper = _gov_helper("Sign in")


class TokenForm(GovForm):
    submit_label = "Continue"
    token = forms.CharField(
        label="Code",
        max_length=10,
        min_length=6,
        help_text="The 6-digit code from your authenticator app, or a 10-digit recovery code",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def clean_token(self) -> str:
        return "".join(self.cleaned_data["token"].split())


class GovPasswordChangeForm(PasswordChangeForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = _gov_helper("Change password")


ROLE_FIELDS = ["is_administrator", "is_manager", "is_link_coordinator", "is_early_help_worker"]


class UserForm(GovModelForm):
    class Meta:
        model = User
        fields = ["full_name", "email", "job_title", "phone", *ROLE_FIELDS, "is_active"]
        labels = {"is_active": "Can sign in (untick when someone leaves)"}
        help_texts = {
            "email": "They sign in with this.",
            "is_active": "",
        }


class NewUserForm(UserForm):
    submit_label = "Add user"
    password = forms.CharField(
        label="Temporary password",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="At least 12 characters. Give it to them in person or by phone, never by email.",
    )

    class Meta(UserForm.Meta):
        fields = [f for f in UserForm.Meta.fields if f != "is_active"]

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        validate_password(password)
        return password
