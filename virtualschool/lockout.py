"""Lockout after repeated sign-in failures, with django-axes.

A failure is a wrong password (the sign-in page or /admin/login/) or a wrong, replayed or
expired code at the second step. settings.LOCKOUT_USER_FAILURES failures for one username, or
settings.LOCKOUT_ADDRESS_FAILURES from one address, within settings.LOCKOUT_MINUTES lock
sign-in for that username or address for LOCKOUT_MINUTES. axes keeps its own records of every
failure (AccessAttempt while it counts, AccessFailureLog afterwards) and this module logs each
failure and lockout to the "virtualschool.signin" logger.
"""

from __future__ import annotations

import logging
from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from axes.handlers.proxy import AxesProxyHandler
from axes.models import AccessAttempt
from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_login_failed
from django.db import transaction
from django.db.models import Sum
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from virtualschool.errors import DomainError
from virtualschool.roles import Role, user_has_role

logger = logging.getLogger("virtualschool.signin")

LOCKED_MESSAGE = (
    "You cannot sign in at the moment because of too many wrong passwords or codes. "
    "Try again in {minutes} minutes, or ask an administrator to unlock your account"
)


def locked_message() -> str:
    """The message a locked-out person sees, naming how long the lock lasts."""
    return LOCKED_MESSAGE.format(minutes=settings.LOCKOUT_MINUTES)


class LockoutHandler(AxesDatabaseHandler):
    """axes's database handler with one limit for a username and another for an address.

    axes compares one number, the largest failure count over its lockout parameters
    (["username", "ip_address"]), with one limit (AXES_FAILURE_LIMIT, the per-user limit).
    The address count is scaled onto that limit, so that it reaches it exactly when the
    address has LOCKOUT_ADDRESS_FAILURES failures: floor(n * user / address) >= user exactly
    when n >= address.
    """

    def get_failures(self, request: HttpRequest, credentials: dict | None = None) -> int:
        by_username, by_address = (
            attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
            for attempts in self.get_user_attempts(request, credentials)
        )
        user_limit = settings.LOCKOUT_USER_FAILURES
        return max(by_username, by_address * user_limit // settings.LOCKOUT_ADDRESS_FAILURES)


def client_ip_address(request: HttpRequest) -> str | None:
    """The client's address for counting failures: REMOTE_ADDR, or behind
    settings.TRUSTED_PROXY_COUNT proxies the address the outermost of them saw (the entries
    before it in X-Forwarded-For are whatever the client chose to send)."""
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies > 0:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR")


def credentials_for(username: str) -> dict[str, str]:
    return {settings.AXES_USERNAME_FORM_FIELD: username}


def is_locked_out(request: HttpRequest, *, username: str) -> bool:
    """Whether sign-in is locked for this username or for the request's address."""
    return not AxesProxyHandler.is_allowed(request, credentials_for(username))


def code_failure_record(request: HttpRequest, *, username: str) -> bool:
    """Count a wrong second-step code as a sign-in failure for the username and the address,
    as a wrong password is; True when it locked sign-in."""
    user_login_failed.send(sender=__name__, credentials=credentials_for(username), request=request)
    return bool(getattr(request, "axes_locked_out", False))


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None, credentials: Any
) -> HttpResponse:
    """What a locked-out request gets (AXES_LOCKOUT_CALLABLE). The service's own sign-in and
    code pages already say so in their error summary; anywhere else (/admin/login/) gets the
    lockout page."""
    if original_response is not None and getattr(request, "lockout_shown", False):
        original_response.status_code = 429
        return original_response
    return render(
        request,
        "registration/locked_out.html",
        {"locked_message": locked_message(), "has_errors": True},
        status=429,
    )


@receiver(user_login_failed)
def _log_failure(sender: Any, credentials: dict, request: HttpRequest | None = None, **kwargs):
    logger.warning(
        "Sign-in failure for username %r from %s at %s",
        credentials.get(settings.AXES_USERNAME_FORM_FIELD),
        getattr(request, "axes_ip_address", None),
        getattr(request, "path", None),
    )


@receiver(user_locked_out)
def _log_lockout(sender: Any, request: HttpRequest, username: str, ip_address: str, **kwargs):
    logger.warning(
        "Sign-in locked for %d minutes: username %r, address %s",
        settings.LOCKOUT_MINUTES,
        username,
        ip_address,
    )


def user_unlock(*, actor: Any, user: Any) -> int:
    """Lift a lockout on `user`'s username: forget the failures that count towards it.

    Only an Admin may unlock (the staff pages call this), and not themselves, so a locked
    admin needs another admin. Failures under other usernames stay counted against their
    address: an address that tried many accounts stays locked. Returns how many failure
    records were removed; axes's AccessFailureLog keeps the history.
    """
    if not user_has_role(actor, Role.ADMIN):
        raise DomainError("Only an administrator can unlock an account.")
    if actor.pk == user.pk:
        raise DomainError("Ask another administrator to unlock your account.")
    if not isinstance(user, get_user_model()) or user.pk is None:
        raise DomainError("Choose an existing account to unlock.")
    with transaction.atomic():
        removed, _ = AccessAttempt.objects.filter(username=user.get_username()).delete()
    logger.warning(
        "Sign-in unlocked for username %r by %r (%d failure records removed)",
        user.get_username(),
        actor.get_username(),
        removed,
    )
    return removed
