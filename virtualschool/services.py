"""Writes to staff accounts and their roles."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.db.models import Q

from virtualschool.roles import ADMIN_PERMISSIONS, ROLE_PERMISSIONS, Perm, Role

User = get_user_model()


def staff_user_ensure(
    *,
    username: str,
    first_name: str,
    last_name: str,
    role: Role,
    password: str,
    permissions: Iterable[Perm] = (),
) -> User:
    """Create or update a staff account holding exactly one role, with the given password and
    exactly the given individual permissions (e.g. Perm.VIEW_SENSITIVE for a caseworker).

    Admins get Django admin-site access (is_staff) for user management; nobody is a superuser,
    so no account sees children's records except through its role's permissions.
    """
    with transaction.atomic():
        user, _ = User.objects.get_or_create(username=username)
        user.first_name = first_name
        user.last_name = last_name
        user.email = f"{username}@example.invalid"
        user.is_active = True
        user.is_staff = role is Role.ADMIN
        user.is_superuser = False
        user.set_password(password)
        user.save()
        user.groups.set([Group.objects.get(name=role.value)])
        wanted = Q(pk__in=[])
        for permission in permissions:
            wanted |= Q(content_type__app_label=permission.app_label, codename=permission.value)
        user.user_permissions.set(Permission.objects.filter(wanted))
    return user


def roles_sync() -> None:
    """Make the role groups hold exactly the permissions virtualschool.roles gives them.

    Migrations create the groups on a new database (virtualschool/migrations); this restores
    them where something emptied the tables (a test database flushed between transactional
    tests) and is safe to run at any time.
    """
    wanted: dict[Role, set[str]] = {
        role: {perm.full for perm in perms} for role, perms in ROLE_PERMISSIONS.items()
    }
    wanted[Role.ADMIN] |= set(ADMIN_PERMISSIONS)
    with transaction.atomic():
        for role, names in wanted.items():
            group, _ = Group.objects.get_or_create(name=role.value)
            permissions = [
                Permission.objects.get(content_type__app_label=app, codename=codename)
                for app, codename in (name.split(".") for name in sorted(names))
            ]
            group.permissions.set(permissions)
