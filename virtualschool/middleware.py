"""Middleware of our own."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import REDIRECT_FIELD_NAME, SESSION_KEY, logout
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.functional import SimpleLazyObject
from django_otp import DEVICE_ID_SESSION_KEY

from virtualschool.backends import confirmed_device_ids
from virtualschool.roles import Role, user_has_role

HEALTH_PATH = "/healthz"


class HealthCheckMiddleware:
    """Answer /healthz before host validation, HTTPS redirects or sessions.

    Load balancers and container health checks call the service by IP address, which is not in
    ALLOWED_HOSTS, and over plain HTTP; the check reads no host and returns no personal data.
    Placed first in MIDDLEWARE.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path == HEALTH_PATH and request.method in ("GET", "HEAD"):
            from virtualschool.views import healthz

            return healthz(request)
        return self.get_response(request)


class NoStoreMiddleware:
    """Ask browsers and proxies to keep no copy of any page or API answer.

    Nearly every response names a child or a member of staff, and a cached copy outlives
    sign-out: the browser's back button or history on a shared computer, or a proxy, would
    show it to the next person. So every response goes out as Django's never_cache makes it
    (`Cache-Control: max-age=0, no-cache, no-store, must-revalidate, private` and an Expires in
    the past), plus `Pragma: no-cache` for HTTP/1.0 caches (RFC 9111, section 5.4), whatever
    the view set. Static files are not personal and keep WhiteNoise's long caching: this sits
    after WhiteNoiseMiddleware, which answers them before this is reached. So does /healthz
    (HealthCheckMiddleware, first), which is never_cache itself.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        add_never_cache_headers(response)
        response["Pragma"] = "no-cache"
        return response


# When the session's sign-in happened, as a Unix timestamp (SessionLifetimeMiddleware).
SIGNED_IN_AT_SESSION_KEY = "signed_in_at"


@receiver(user_logged_in)
def _stamp_sign_in(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    if getattr(request, "session", None) is not None:
        request.session[SIGNED_IN_AT_SESSION_KEY] = int(timezone.now().timestamp())


class SessionLifetimeMiddleware:
    """End a session settings.SESSION_ABSOLUTE_HOURS after sign-in, however active it is.

    The idle timeout (SESSION_COOKIE_AGE, renewed by every request) ends a session nobody
    uses; this ends one that somebody keeps using, so a stolen session cookie, or a shared
    computer left signed in, works for a bounded time. A signed-in session without a sign-in
    time (made before this existed) is ended too. Placed after AuthenticationMiddleware and
    before LoginRequiredMiddleware, which then sends the person to the sign-in page.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if SESSION_KEY in request.session:
            signed_in_at = request.session.get(SIGNED_IN_AT_SESSION_KEY)
            lifetime = settings.SESSION_ABSOLUTE_HOURS * 60 * 60
            if (
                not isinstance(signed_in_at, int)
                or timezone.now().timestamp() - signed_in_at >= lifetime
            ):
                logout(request)
        return self.get_response(request)


class SecondFactorMiddleware:
    """Give the request's user `is_verified()`: whether this session passed its second factor
    with a device the user still has, confirmed. It stands where django-otp's OTPMiddleware
    would, but reads the devices that virtualschool.backends.StaffBackend loaded with the user
    instead of querying again on every request. A user loaded any other way is not verified.
    django_otp.login() stores the verifying device's persistent id in the session.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None:
            request.user = SimpleLazyObject(functools.partial(_with_verification, request, user))
        return self.get_response(request)


def _with_verification(request: HttpRequest, user: Any) -> Any:
    verified = False
    if user.is_authenticated:
        device_id = request.session.get(DEVICE_ID_SESSION_KEY)
        devices = confirmed_device_ids(user)
        verified = bool(device_id) and devices is not None and device_id in devices
        if device_id and not verified:
            del request.session[DEVICE_ID_SESSION_KEY]
    user.is_verified = lambda: verified
    return user


def second_factor_exempt(view: Callable) -> Callable:
    """Mark a view that a signed-in person may use before their second factor is verified:
    the code and enrolment pages and sign-out."""
    view.second_factor_required = False
    return view


class SecondFactorRequiredMiddleware:
    """Send a signed-in person whose code is not yet verified to the code step, from every
    page except the sign-in steps (second_factor_exempt) and sign-out.

    Placed after LoginRequiredMiddleware (which deals with the signed-out) and
    SecondFactorMiddleware (which says whether the session's device is verified). Views exempt from
    LoginRequiredMiddleware answer for themselves, and the API's do: its authentication
    (virtualschool.api_permissions.VerifiedSessionAuthentication) treats such a session as
    signed out. The admin site's views are exempt from LoginRequiredMiddleware too, but not
    from this: they need the second factor like every page.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Callable, view_args: Any, view_kwargs: Any
    ) -> HttpResponse | None:
        user = request.user
        if not user.is_authenticated or user.is_verified():
            return None
        if not getattr(view_func, "second_factor_required", True):
            return None
        in_admin = getattr(request.resolver_match, "app_name", None) == "admin"
        if not getattr(view_func, "login_required", True) and not in_admin:
            return None
        url = reverse("sign-in-code")
        return redirect(f"{url}?{urlencode({REDIRECT_FIELD_NAME: request.get_full_path()})}")


# --- Recipients are confined (issue 13) -------------------------------------------------------

# What a person with the Recipient role may reach besides the routes marked recipient_route:
# signing in and out, setting a password, the home page (which says what they can do), the
# public privacy notice. Named by resolved view name; /healthz and static files are answered
# before any view is resolved.
# Everything else is a 404 to them, as if it did not exist (issue 13: "To a recipient,
# anything else is a 404"). Declared here once; nothing else needs to remember it.
RECIPIENT_ROUTES: frozenset[str] = frozenset(
    {
        "home",
        "healthz",
        "sign-in",
        "sign-in-code",
        "sign-in-set-up",
        "sign-in-backup-codes",
        "sign-out",
        "set-password",
        "set-password-done",
        # The privacy notice is public (retention.views.privacy), and so are the footer's
        # other pages and the favicon (virtualschool.views).
        "privacy:notice",
        "accessibility",
        "help",
        "favicon",
    }
)

refusal_logger = logging.getLogger("virtualschool.access")

# Who is told of a refused request, for the record: records registers one that writes the
# child's access log when the address names a child (virtualschool imports no app).
RefusalRecorder = Callable[[HttpRequest, dict[str, Any]], bool]
_REFUSAL_RECORDERS: dict[str, RefusalRecorder] = {}


def refusal_recorder_register(app_label: str, recorder: RefusalRecorder) -> None:
    """An app's way to record a refusal: `recorder(request, view_kwargs)` returns whether it
    recorded it (for example in the child's access log); if none did, it is logged."""
    _REFUSAL_RECORDERS[app_label] = recorder


def recipient_route(view: Any) -> Any:
    """Mark a view (a function, or a class-based view's class, DRF's too) as one a recipient
    may reach. The view still decides what the recipient sees; it must ask for the Recipient
    role itself if staff are not to use it (the sharing API does)."""
    view.recipient_route = True
    return view


def is_recipient_route(view_func: Callable, view_name: str | None) -> bool:
    if view_name in RECIPIENT_ROUTES or getattr(view_func, "recipient_route", False):
        return True
    view_class = getattr(view_func, "view_class", None) or getattr(view_func, "cls", None)
    return bool(getattr(view_class, "recipient_route", False))


class RecipientConfinementMiddleware:
    """Answer 404 to a person with the Recipient role for every view not marked for
    recipients (RECIPIENT_ROUTES, recipient_route): the staff pages, the records API, the
    dashboards, and any route added later unless it says otherwise. Placed after
    SecondFactorRequiredMiddleware, so a recipient still completes their second factor.
    A refusal is recorded like the others: in the child's access log when the address names
    a child, in the virtualschool.access log otherwise.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Callable, view_args: Any, view_kwargs: Any
    ) -> HttpResponse | None:
        user = request.user
        if not user_has_role(user, Role.RECIPIENT):
            return None
        match = request.resolver_match
        if is_recipient_route(view_func, match.view_name if match else None):
            return None
        recorded = False
        for recorder in _REFUSAL_RECORDERS.values():
            recorded = recorder(request, dict(view_kwargs)) or recorded
        if not recorded:
            refusal_logger.warning(
                "recipient refused: user %s, %s %s",
                user.pk,
                request.method,
                match.view_name if match else request.path[:200],
            )
        raise Http404("Not found")
