"""Every write to a staff account: the one way in (ADR 7).

The staff pages, `add_staff_user` and `seed_demo` all call these functions. Each one checks
who is acting (an Admin, never on their own account), writes inside one transaction, and
records each part of the account it changed as a StaffChange (who, when, what, from what to
what) in that same transaction. A refused change raises DomainError, keyed by field where it
concerns one, and changes nothing. Nobody is ever made a superuser or given Django's admin
site (is_staff): no function here sets either, and staff/migrations/0002 forbids a superuser
in the database.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from staff.access import access_end
from staff.models import StaffChange
from staff.permissions import can_manage_staff
from staff.selectors import is_locked_out, role_of
from staff.sessions import sessions_end
from virtualschool import lockout
from virtualschool.errors import DomainError
from virtualschool.roles import INDIVIDUAL_PERMISSIONS, STAFF_ROLES, Perm, Role

User = get_user_model()
logger = logging.getLogger("staff")

Field = StaffChange.Field

NOT_AN_ADMIN_MESSAGE = "Only an administrator can change staff accounts"
SELF_CHANGE_MESSAGE = (
    "You cannot change your own role, access or account. Ask another administrator to do it"
)
SENSITIVE_ROLE_MESSAGE = (
    "Only a caseworker is given sensitive access individually: managers have it through "
    "their role, and administrators do not see children"
)
RECIPIENT_MESSAGE = (
    "Recipient users are added with their organisation, in the sharing pages: a recipient "
    "user without an organisation is not allowed"
)
NO_ROLE = "No role"
YES, NO = "Yes", "No"


def _yes_no(value: bool) -> str:
    return YES if value else NO


def _role_label(role: Role | None) -> str:
    return role.value if role is not None else NO_ROLE


def _record(actor: Any, subject: Any, field: str, before: str, after: str) -> StaffChange:
    return StaffChange.objects.create(
        actor=actor if actor is not None and actor.pk else None,
        subject=subject,
        field=field,
        before=before,
        after=after,
    )


def _check_actor(*, actor: Any, subject: Any | None) -> None:
    """The actor is an Admin, and not acting on their own account: a refusal is logged,
    since an Admin trying to change their own role is the escalation this stops."""
    if not can_manage_staff(actor):
        logger.warning("Refused a staff change by %r: not an administrator", _name(actor))
        raise DomainError(NOT_AN_ADMIN_MESSAGE)
    if subject is not None and subject.pk == actor.pk:
        logger.warning("Refused a change by %r to their own account", _name(actor))
        raise DomainError(SELF_CHANGE_MESSAGE)


def _name(user: Any) -> str:
    return user.get_username() if getattr(user, "is_authenticated", False) else "anonymous"


def _locked(user: Any) -> Any:
    """The subject's row, locked for the change, so two Admins' changes queue."""
    return User.objects.select_for_update().get(pk=user.pk)


def _permission(perm: Perm) -> Permission:
    return Permission.objects.get(content_type__app_label=perm.app_label, codename=perm.value)


def has_individual(user: Any, perm: Perm) -> bool:
    return user.user_permissions.filter(
        content_type__app_label=perm.app_label, codename=perm.value
    ).exists()


def set_password_path(user: Any) -> str:
    """The one-time link with which `user` sets their own password: Django's password-reset
    token, which stops working once the password changes, after PASSWORD_RESET_TIMEOUT, or
    when another link is issued (each reset makes a new unusable password, part of the
    token's hash)."""
    return reverse(
        "set-password",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )


def _username_error(username: str) -> str | None:
    if not username:
        return "Enter a username"
    try:
        for validator in User._meta.get_field("username").validators:
            validator(username)
    except ValidationError:
        return (
            "Username must be 150 characters or fewer and use only letters, numbers and @ . + - _"
        )
    if User.objects.filter(username__iexact=username).exists():
        return "Choose another username: this one is already taken"
    return None


def _staff_role_error(role: Any, *, recipient: bool = False) -> str | None:
    """Why `role` is not one the staff pages give (or, for `recipient`, not the Recipient
    role), or None."""
    if recipient:
        return None if role is Role.RECIPIENT else "Recipient accounts have the Recipient role"
    if role is Role.RECIPIENT:
        return RECIPIENT_MESSAGE
    if role not in STAFF_ROLES:
        return f"Choose a role: {', '.join(r.value for r in STAFF_ROLES)}"
    return None


def _validate_new(
    *,
    username: str,
    first_name: str,
    last_name: str,
    email: str,
    role: Any,
    sensitive: bool,
    recipient: bool = False,
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    username_error = _username_error(username)
    if username_error:
        errors["username"] = [username_error]
    if not first_name:
        errors["first_name"] = ["Enter their first name"]
    if not last_name:
        errors["last_name"] = ["Enter their last name"]
    if email:
        try:
            validate_email(email)
        except ValidationError:
            errors["email"] = [
                "Enter an email address in the correct format, like name@example.org"
            ]
    role_error = _staff_role_error(role, recipient=recipient)
    if role_error:
        errors["role"] = [role_error]
    elif sensitive and role is not INDIVIDUAL_PERMISSIONS[Perm.VIEW_SENSITIVE]:
        errors["sensitive"] = [SENSITIVE_ROLE_MESSAGE]
    return errors


@dataclass(frozen=True)
class Added:
    user: Any
    set_password_path: str


def staff_add(
    *,
    actor: Any,
    username: str,
    first_name: str,
    last_name: str,
    email: str = "",
    role: Role,
    sensitive: bool = False,
) -> Added:
    """Add a person with one role (and, for a caseworker, sensitive access if chosen).

    They have no password until they set one with the link returned, which the Admin passes
    on (it is shown once); at their first sign-in they then set up two-factor sign-in."""
    return _account_add(
        actor=actor,
        username=username,
        first_name=first_name,
        last_name=last_name,
        email=email,
        role=role,
        sensitive=sensitive,
    )


def recipient_account_add(
    *,
    actor: Any,
    username: str,
    first_name: str,
    last_name: str,
    email: str = "",
    then: Callable[[Any], None],
) -> Added:
    """Add a person with the Recipient role, for sharing.services.recipient_user_add, which
    passes `then`: it makes the person a member of their organisation, inside this
    transaction, so no recipient exists without one. As staff_add otherwise."""
    return _account_add(
        actor=actor,
        username=username,
        first_name=first_name,
        last_name=last_name,
        email=email,
        role=Role.RECIPIENT,
        sensitive=False,
        then=then,
    )


def _account_add(
    *,
    actor: Any,
    username: str,
    first_name: str,
    last_name: str,
    email: str,
    role: Role,
    sensitive: bool,
    then: Callable[[Any], None] | None = None,
) -> Added:
    _check_actor(actor=actor, subject=None)
    username, first_name, last_name = username.strip(), first_name.strip(), last_name.strip()
    email = email.strip()
    errors = _validate_new(
        username=username,
        first_name=first_name,
        last_name=last_name,
        email=email,
        role=role,
        sensitive=sensitive,
        recipient=then is not None,
    )
    if errors:
        raise DomainError(errors)
    with transaction.atomic():
        user = User(username=username, first_name=first_name, last_name=last_name, email=email)
        user.is_active = True
        user.set_unusable_password()
        user.save()
        user.groups.set([Group.objects.get(name=role.value)])
        _record(actor, user, Field.ACCOUNT, "", "Added")
        for field, value in (
            (Field.USERNAME, username),
            (Field.FIRST_NAME, first_name),
            (Field.LAST_NAME, last_name),
            (Field.EMAIL, email),
        ):
            if value:
                _record(actor, user, field, "", value)
        _record(actor, user, Field.ROLE, NO_ROLE, role.value)
        if sensitive:
            user.user_permissions.add(_permission(Perm.VIEW_SENSITIVE))
            _record(actor, user, Field.SENSITIVE, NO, YES)
        _record(actor, user, Field.PASSWORD, "", "Set-password link issued")
        if then is not None:
            then(user)
        path = set_password_path(user)
    logger.info("Staff account %r added by %r as %s", username, _name(actor), role.value)
    return Added(user=user, set_password_path=path)


def _role_write(*, actor: Any, user: Any, role: Role | None, sensitive: bool) -> int:
    """Give `user` exactly `role` and, as an individual permission, sensitive access or not;
    end what leaving a role ends. Inside the caller's transaction. How many changes."""
    changes = 0
    before_role = role_of(user)
    if before_role != role:
        user.groups.set([Group.objects.get(name=role.value)] if role else [])
        user._role_names = None
        _record(actor, user, Field.ROLE, _role_label(before_role), _role_label(role))
        changes += 1
        if before_role is not None:
            for ended in access_end(role=before_role, actor=actor, user=user):
                _record(actor, user, Field.CASELOAD, ended, "Ended")
    had_sensitive = has_individual(user, Perm.VIEW_SENSITIVE)
    if had_sensitive != sensitive:
        if sensitive:
            user.user_permissions.add(_permission(Perm.VIEW_SENSITIVE))
        else:
            user.user_permissions.remove(_permission(Perm.VIEW_SENSITIVE))
        _record(actor, user, Field.SENSITIVE, _yes_no(had_sensitive), _yes_no(sensitive))
        changes += 1
    # Any other individual permission (none is ever granted) goes: a role's access comes
    # from its group alone.
    user.user_permissions.remove(
        *user.user_permissions.exclude(
            content_type__app_label=Perm.VIEW_SENSITIVE.app_label,
            codename=Perm.VIEW_SENSITIVE.value,
        )
    )
    return changes


def staff_role_set(*, actor: Any, user: Any, role: Role, sensitive: bool = False) -> int:
    """Set a person's one role and, for a caseworker, their sensitive access.

    Leaving the Caseworker role ends their open allocations and removes every object
    permission they hold on a child, in this same transaction (staff.access; issue 11, door
    4). Sensitive access belongs to caseworkers only. An Admin cannot change their own role
    or access. Returns how many parts changed (0: it was already so)."""
    _check_actor(actor=actor, subject=user)
    role_error = _staff_role_error(role)
    if role_error:
        raise DomainError({"role": [role_error]})
    if sensitive and role is not INDIVIDUAL_PERMISSIONS[Perm.VIEW_SENSITIVE]:
        raise DomainError({"sensitive": [SENSITIVE_ROLE_MESSAGE]})
    with transaction.atomic():
        user = _locked(user)
        changes = _role_write(actor=actor, user=user, role=role, sensitive=sensitive)
    if changes:
        logger.info("Role of %r set to %s by %r", user.get_username(), role.value, _name(actor))
    return changes


def staff_deactivate(*, actor: Any, user: Any) -> None:
    """Deactivate a person: they cannot sign in, and every session of theirs ends now, on
    every computer (staff.sessions). Their role and allocations are kept for when they come
    back; while inactive they see nothing (visibility needs an active account)."""
    _check_actor(actor=actor, subject=user)
    with transaction.atomic():
        user = _locked(user)
        if not user.is_active:
            raise DomainError("This account is already deactivated")
        user.is_active = False
        user.save(update_fields=["is_active"])
        _record(actor, user, Field.ACTIVE, YES, NO)
        sessions_end(user=user)
    logger.info("Staff account %r deactivated by %r", user.get_username(), _name(actor))


def staff_reactivate(*, actor: Any, user: Any) -> None:
    """Let a deactivated person sign in again, with their password and device as they were."""
    _check_actor(actor=actor, subject=user)
    with transaction.atomic():
        user = _locked(user)
        if user.is_active:
            raise DomainError("This account is already active")
        user.is_active = True
        user.save(update_fields=["is_active"])
        _record(actor, user, Field.ACTIVE, NO, YES)
        # Any session left in a store that could not be listed when they left ends too.
        sessions_end(user=user)
    logger.info("Staff account %r reactivated by %r", user.get_username(), _name(actor))


def staff_password_reset(*, actor: Any, user: Any) -> str:
    """Reset a person's password: the old one stops working at once, their sessions end,
    and they set a new one with the one-time link returned (shown to the Admin once, to pass
    on). The Admin never knows the new password."""
    _check_actor(actor=actor, subject=user)
    with transaction.atomic():
        user = _locked(user)
        before = "Set" if user.has_usable_password() else "Not set"
        user.set_unusable_password()
        user.save(update_fields=["password"])
        _record(actor, user, Field.PASSWORD, before, "Reset: set-password link issued")
        sessions_end(user=user)
        path = set_password_path(user)
    logger.info("Password of %r reset by %r", user.get_username(), _name(actor))
    return path


def staff_password_set(*, user: Any, password: str) -> None:
    """The person sets their own password with a set-password link (the link's view checked
    the token and the password's strength). Recorded with the person as actor."""
    with transaction.atomic():
        user = _locked(user)
        user.set_password(password)
        user.save(update_fields=["password"])
        _record(user, user, Field.PASSWORD, "Reset: set-password link issued", "Set by them")
    logger.info("Password set by %r with a set-password link", user.get_username())


def staff_two_factor_reset(*, actor: Any, user: Any) -> None:
    """Remove a person's authenticator app and backup codes: a session verified with them
    stops being verified at its next request (virtualschool.backends), and at their next
    sign-in they set up an app again (virtualschool.two_factor.needs_enrolment)."""
    _check_actor(actor=actor, subject=user)
    with transaction.atomic():
        user = _locked(user)
        enrolled = TOTPDevice.objects.filter(user=user, confirmed=True).exists()
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
        _record(
            actor,
            user,
            Field.TWO_FACTOR,
            "Set up" if enrolled else "Not set up",
            "Reset: sets up again at next sign-in",
        )
    logger.info("Two-factor sign-in of %r reset by %r", user.get_username(), _name(actor))


def staff_unlock(*, actor: Any, user: Any) -> int:
    """Lift a lockout on a person's username (virtualschool.lockout.user_unlock, which keeps
    axes's failure history); how many failure records went."""
    _check_actor(actor=actor, subject=user)
    with transaction.atomic():
        user = _locked(user)
        was_locked = is_locked_out(user)
        removed = lockout.user_unlock(actor=actor, user=user)
        _record(actor, user, Field.LOCKOUT, _yes_no(was_locked), NO)
    return removed


def staff_user_ensure(
    *,
    username: str,
    first_name: str,
    last_name: str,
    role: Role,
    password: str,
    permissions: Iterable[Perm] = (),
    actor: Any = None,
    then: Callable[[Any], None] | None = None,
) -> Any:
    """Create or update an account from the server's command line (add_staff_user, the
    first Admin of a new service; seed_demo, the demo users): exactly one role, the given
    password, and exactly the given individual permissions, which must be ones an Admin may
    grant to that role (virtualschool.roles.INDIVIDUAL_PERMISSIONS). Each change is in the
    audit trail with no actor; leaving a role ends its access as in staff_role_set. A
    Recipient comes with `then`, which makes them a member of their organisation in this
    transaction (sharing.services.recipient_user_ensure); without it the role is refused."""
    if role is Role.RECIPIENT and then is None:
        raise DomainError({"role": [RECIPIENT_MESSAGE]})
    permissions = set(permissions)
    wrong = [p for p in permissions if INDIVIDUAL_PERMISSIONS.get(p) is not role]
    if wrong:
        raise DomainError(f"{role.value} cannot be given {', '.join(sorted(wrong))} individually")
    with transaction.atomic():
        user, created = User.objects.get_or_create(username=username)
        user = _locked(user)
        if created:
            _record(actor, user, Field.ACCOUNT, "", "Added on the server")
        for field, attribute, value in (
            (Field.FIRST_NAME, "first_name", first_name),
            (Field.LAST_NAME, "last_name", last_name),
            (Field.EMAIL, "email", f"{username}@example.invalid" if not user.email else None),
        ):
            if value is not None and getattr(user, attribute) != value:
                _record(actor, user, field, getattr(user, attribute), value)
                setattr(user, attribute, value)
        if not user.is_active:
            _record(actor, user, Field.ACTIVE, NO, YES)
            user.is_active = True
        if not user.check_password(password):
            _record(actor, user, Field.PASSWORD, "", "Set on the server")
            user.set_password(password)
        user.save()
        _role_write(actor=actor, user=user, role=role, sensitive=Perm.VIEW_SENSITIVE in permissions)
        if then is not None:
            then(user)
    return user
