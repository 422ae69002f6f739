import django_otp
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accounts import services, two_factor
from accounts.forms import GovPasswordChangeForm, NewUserForm, SignInForm, TokenForm, UserForm
from accounts.middleware import NEEDS_SECOND_FACTOR, is_verified
from accounts.models import User
from attendance_tracker.access import acting_user, public, require_perm
from attendance_tracker.paging import paginate

NEW_RECOVERY_CODES = "new_recovery_codes"


class SignInView(auth_views.LoginView):
    form_class = SignInForm
    template_name = "accounts/sign_in.html"
    redirect_authenticated_user = True

    def form_valid(self, form: SignInForm) -> HttpResponse:  # type: ignore[override]
        response = super().form_valid(form)
        if two_factor.has_authenticator(acting_user(self.request)):
            self.request.session[NEEDS_SECOND_FACTOR] = True
        return response


sign_in = public(SignInView.as_view())


class SignOutView(auth_views.LogoutView):
    http_method_names = ["post", "options"]


sign_out = public(SignOutView.as_view())


@login_required
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    if two_factor.has_authenticator(user) and not is_verified(user):
        return redirect("accounts:two-factor-verify")
    device = two_factor.pending_authenticator(user)
    form = TokenForm(request.POST or None)
    if form.is_valid():
        if device.verify_token(form.cleaned_data["token"]):
            request.session[NEW_RECOVERY_CODES] = two_factor.confirm_authenticator(device=device)
            django_otp.login(request, device)
            return redirect("accounts:recovery-codes")
        form.add_error("token", "The code is not right. Enter the 6-digit code your app shows now.")
    return render(
        request,
        "accounts/two_factor_setup.html",
        {"form": form, "qr_code": two_factor.qr_code_svg(device), "secret": device.bin_key.hex()},
    )


@login_required
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    form = TokenForm(request.POST or None)
    if form.is_valid():
        device = django_otp.match_token(request.user, form.cleaned_data["token"])
        if device is not None:
            django_otp.login(request, device)
            return redirect(request.GET.get("next") or "home")
        form.add_error("token", "The code is not right. Enter the code your app shows now.")
    return render(request, "accounts/two_factor_verify.html", {"form": form})


@login_required
def recovery_codes(request: HttpRequest) -> HttpResponse:
    """POST issues new codes; either way they are shown once, after a redirect (no resubmission)."""
    if request.method == "POST":
        request.session[NEW_RECOVERY_CODES] = two_factor.issue_recovery_codes(
            user=acting_user(request)
        )
        return redirect("accounts:recovery-codes")
    codes = request.session.pop(NEW_RECOVERY_CODES, None)
    if not codes:
        return redirect("accounts:account")
    return render(request, "accounts/recovery_codes.html", {"codes": codes})


@login_required
def account(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    return render(
        request,
        "accounts/account.html",
        {
            "account": user,
            "has_authenticator": two_factor.has_authenticator(user),
            "memberships": user.school_memberships.select_related("school"),
            "assignments": user.link_assignments.select_related("school"),
        },
    )


@login_required
def password_change(request: HttpRequest) -> HttpResponse:
    form = GovPasswordChangeForm(acting_user(request), request.POST or None)
    if form.is_valid():
        form.save()
        update_session_auth_hash(request, form.user)
        messages.success(request, "Your password was changed.")
        return redirect("accounts:account")
    return render(request, "form_page.html", {"form": form, "title": "Change your password"})


@require_perm("accounts.manage_users")
def user_list(request: HttpRequest) -> HttpResponse:
    users = User.objects.prefetch_related("school_memberships__school", "link_assignments__school")
    query = request.GET.get("q", "").strip()
    if query:
        users = users.filter(full_name__icontains=query) | users.filter(email__icontains=query)
    return render(
        request, "accounts/user_list.html", {"page": paginate(request, users), "query": query}
    )


@require_perm("accounts.manage_users")
def user_create(request: HttpRequest) -> HttpResponse:
    form = NewUserForm(request.POST or None)
    if form.is_valid():
        user = services.create_user(by=acting_user(request), **form.cleaned_data)
        messages.success(request, f"{user} can now sign in with {user.email}.")
        return redirect("accounts:user-list")
    return render(request, "form_page.html", {"form": form, "title": "Add a user"})


@require_perm("accounts.manage_users")
def user_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = get_object_or_404(User, pk=pk)
    form = UserForm(request.POST or None, instance=user)
    if form.is_valid():
        services.update_user(user=user, by=acting_user(request), **form.cleaned_data)
        messages.success(request, f"{user}’s details were saved.")
        return redirect("accounts:user-list")
    return render(
        request,
        "accounts/user_edit.html",
        {"form": form, "title": f"Change {user}", "edited": user},
    )


@require_POST
@require_perm("accounts.manage_users")
def user_reset_two_factor(request: HttpRequest, pk: int) -> HttpResponse:
    user = get_object_or_404(User, pk=pk)
    two_factor.reset_two_factor(user=user)
    messages.success(request, f"{user} will set up an authenticator app when they next sign in.")
    return redirect("accounts:user-edit", pk=user.pk)
