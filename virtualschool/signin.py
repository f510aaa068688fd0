"""The sign-in pages: password, then a code (or, the first time, setting up an app).

1. /sign-in/: username and password (Django's LoginView). Success signs the session in, but
   until step 2 SecondFactorRequiredMiddleware lets it reach only these pages and sign-out.
2. /sign-in/code/: a code from the authenticator app, or a backup code. A person without a
   confirmed app is sent instead to
3. /sign-in/set-up/: a QR code and the secret as text, and a code to confirm the app; then
4. /sign-in/backup-codes/: the ten backup codes, shown this once.

Every wrong password or code counts towards the lockout (virtualschool.lockout); a locked
username or address is refused at every step.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import django_otp
from django.conf import settings
from django.contrib.auth import REDIRECT_FIELD_NAME, logout
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods

from virtualschool import lockout, two_factor
from virtualschool.errors import DomainError
from virtualschool.forms import CodeForm, SignInForm
from virtualschool.middleware import second_factor_exempt

BACKUP_CODES_SESSION_KEY = "backup_codes_to_show"

CODE_HINT = (
    f"The {two_factor.TOTP_DIGITS}-digit code your authenticator app shows now, or one of "
    f"your {two_factor.BACKUP_CODE_DIGITS}-digit backup codes"
)
ENROL_HINT = f"The {two_factor.TOTP_DIGITS}-digit code your authenticator app shows now"


def _next_url(request: HttpRequest) -> str:
    """Where to go once signed in: the page asked for, if it is on this site."""
    candidate = request.POST.get(REDIRECT_FIELD_NAME) or request.GET.get(REDIRECT_FIELD_NAME)
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return ""


def _step_url(name: str, next_url: str) -> str:
    url = reverse(name)
    return f"{url}?{urlencode({REDIRECT_FIELD_NAME: next_url})}" if next_url else url


class SignInView(auth_views.LoginView):
    """Step 1, the password. On success it goes on to the code, carrying `next`."""

    authentication_form = SignInForm
    redirect_authenticated_user = True

    def get_success_url(self) -> str:
        return _step_url("sign-in-code", self.get_redirect_url())


def _locked_out(request: HttpRequest) -> HttpResponse:
    """Sign-in is locked: the half-signed-in session ends and the person is told why."""
    logout(request)
    request.lockout_shown = True
    return render(
        request,
        "registration/locked_out.html",
        {"locked_message": lockout.locked_message(), "has_errors": True},
        status=429,
    )


def _refused(request: HttpRequest, form: CodeForm, error: DomainError) -> HttpResponse | None:
    """Show why a code was refused, count it as a sign-in failure, and end the attempt if
    that locked sign-in."""
    # On the code field, as GOV.UK's error summary pattern has it (not a line above the form).
    form.add_error("code", error.messages)
    if lockout.code_failure_record(request, username=request.user.get_username()):
        return _locked_out(request)
    return None


def _verified(request: HttpRequest, device: Any) -> None:
    """The session has passed its second factor, with `device`; it gets a new key."""
    django_otp.login(request, device)
    request.session.cycle_key()


@second_factor_exempt
@sensitive_post_parameters("code")
@never_cache
@require_http_methods(["GET", "POST"])
def sign_in_code(request: HttpRequest) -> HttpResponse:
    """Step 2: a code from the person's authenticator app, or a backup code."""
    next_url = _next_url(request)
    user = request.user
    if user.is_verified():
        return redirect(next_url or resolve_url(settings.LOGIN_REDIRECT_URL))
    if two_factor.needs_enrolment(user):
        return redirect(_step_url("sign-in-set-up", next_url))
    if lockout.is_locked_out(request, username=user.get_username()):
        return _locked_out(request)
    form = CodeForm(
        request.POST or None,
        help_text=CODE_HINT,
        lengths=(two_factor.TOTP_DIGITS, two_factor.BACKUP_CODE_DIGITS),
        format_message=two_factor.CODE_FORMAT_MESSAGE,
    )
    if request.method == "POST" and form.is_valid():
        try:
            device = two_factor.second_factor_verify(user=user, code=form.cleaned_data["code"])
        except DomainError as error:
            locked = _refused(request, form, error)
            if locked is not None:
                return locked
        else:
            _verified(request, device)
            return redirect(next_url or resolve_url(settings.LOGIN_REDIRECT_URL))
    return render(request, "registration/code.html", {"form": form, "next": next_url})


@second_factor_exempt
@sensitive_post_parameters("code")
@never_cache
@require_http_methods(["GET", "POST"])
def sign_in_set_up(request: HttpRequest) -> HttpResponse:
    """Step 2 the first time: set up an authenticator app, confirmed with a code from it."""
    next_url = _next_url(request)
    user = request.user
    if user.is_verified():
        return redirect(next_url or resolve_url(settings.LOGIN_REDIRECT_URL))
    if not two_factor.needs_enrolment(user):
        return redirect(_step_url("sign-in-code", next_url))
    if lockout.is_locked_out(request, username=user.get_username()):
        return _locked_out(request)
    device = two_factor.enrolment_start(user=user)
    form = CodeForm(
        request.POST or None,
        help_text=ENROL_HINT,
        lengths=(two_factor.TOTP_DIGITS,),
        format_message=two_factor.ENROL_FORMAT_MESSAGE,
    )
    if request.method == "POST" and form.is_valid():
        try:
            device, codes = two_factor.enrolment_confirm(user=user, code=form.cleaned_data["code"])
        except DomainError as error:
            locked = _refused(request, form, error)
            if locked is not None:
                return locked
        else:
            _verified(request, device)
            request.session[BACKUP_CODES_SESSION_KEY] = {"codes": codes, "next": next_url}
            return redirect(reverse("sign-in-backup-codes"))
    return render(
        request,
        "registration/set_up.html",
        {
            "form": form,
            "next": next_url,
            "qr_code": two_factor.qr_code_svg(device),
            "secret": two_factor.secret_base32(device),
        },
    )


@never_cache
@require_GET
def sign_in_backup_codes(request: HttpRequest) -> HttpResponse:
    """The backup codes just issued, shown once: the session forgets them as they are
    shown, and the service keeps only what it needs to check them."""
    shown = request.session.pop(BACKUP_CODES_SESSION_KEY, None)
    if not shown:
        return redirect(settings.LOGIN_REDIRECT_URL)
    return render(
        request,
        "registration/backup_codes.html",
        {
            "codes": shown["codes"],
            "next": shown.get("next") or resolve_url(settings.LOGIN_REDIRECT_URL),
        },
    )


sign_out = second_factor_exempt(auth_views.LogoutView.as_view())
