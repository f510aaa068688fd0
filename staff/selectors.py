"""Reads of staff accounts for the staff pages, each in a fixed number of queries."""

from __future__ import annotations

from typing import Any

from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db.models import Exists, IntegerField, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from staff.models import StaffChange
from virtualschool.display import ChangeRow, change_rows
from virtualschool.roles import Perm, Role

User = get_user_model()


def role_of(user: Any) -> Role | None:
    """The person's role: the one role group they belong to (staff.services keeps it to
    one), or None."""
    names = set(user.groups.values_list("name", flat=True))
    for role in Role:
        if role.value in names:
            return role
    return None


def _failures_in_cool_off(username_ref: Any) -> Subquery:
    """Failures counted against a username within the lockout's cool-off, as axes counts
    them (axes.handlers.database.AxesDatabaseHandler.get_user_attempts: attempts newer than
    now - AXES_COOLOFF_TIME)."""
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    failures = (
        AccessAttempt.objects.filter(username=username_ref, attempt_time__gte=since)
        .order_by()
        .values("username")
        .annotate(total=Sum("failures_since_start"))
        .values("total")
    )
    return Coalesce(Subquery(failures, output_field=IntegerField()), Value(0))


def is_locked_out(user: Any) -> bool:
    """Whether sign-in is locked for the person's username (their own failures; an address
    locked by many usernames' failures is not this person's lock)."""
    failures = (
        AccessAttempt.objects.filter(
            username=user.get_username(),
            attempt_time__gte=timezone.now() - settings.AXES_COOLOFF_TIME,
        ).aggregate(total=Sum("failures_since_start"))["total"]
        or 0
    )
    return failures >= settings.LOCKOUT_USER_FAILURES


def _annotated() -> QuerySet:
    role = Group.objects.filter(user=OuterRef("pk"), name__in=[r.value for r in Role]).order_by(
        "name"
    )
    sensitive = Permission.objects.filter(
        user=OuterRef("pk"),
        content_type__app_label=Perm.VIEW_SENSITIVE.app_label,
        codename=Perm.VIEW_SENSITIVE.value,
    )
    enrolled = TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)
    return User.objects.annotate(
        role_name=Subquery(role.values("name")[:1]),
        sensitive=Exists(sensitive),
        two_factor_enrolled=Exists(enrolled),
        lockout_failures=_failures_in_cool_off(OuterRef("username")),
    )


def _with_lockout(user: Any) -> Any:
    user.locked_out = user.lockout_failures >= settings.LOCKOUT_USER_FAILURES
    return user


def staff_list() -> list[Any]:
    """Every account, with its role, sensitive access, whether it is active, whether two-
    factor sign-in is set up and whether it is locked out: one query however many there are."""
    return [_with_lockout(user) for user in _annotated().order_by("last_name", "first_name", "pk")]


def staff_get(*, pk: int) -> Any:
    """One account with what the list shows of it; 404 if there is none."""
    user = _annotated().filter(pk=pk).first()
    if user is None:
        raise Http404("No such person")
    return _with_lockout(user)


def staff_changes(*, user: Any) -> list[ChangeRow]:
    """The audit trail of one account, newest first, with who made each change, as the
    changes table shows it (virtualschool.display.change_rows): each part of the account by
    its label ("Two-factor sign-in"); one query."""
    changes = StaffChange.objects.filter(subject=user).select_related("actor")
    return change_rows(changes)
