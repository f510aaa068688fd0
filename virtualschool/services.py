"""Writes to the role groups. Staff accounts themselves are written by staff.services alone."""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from django.db import transaction

from virtualschool.roles import ROLE_PERMISSIONS, Role


def roles_sync() -> None:
    """Make the role groups hold exactly the permissions virtualschool.roles gives them.

    Migrations create the groups on a new database (virtualschool/migrations); this restores
    them where something emptied the tables (a test database flushed between transactional
    tests) and is safe to run at any time.
    """
    wanted: dict[Role, set[str]] = {
        role: {perm.full for perm in perms} for role, perms in ROLE_PERMISSIONS.items()
    }
    with transaction.atomic():
        for role, names in wanted.items():
            group, _ = Group.objects.get_or_create(name=role.value)
            permissions = [
                Permission.objects.get(content_type__app_label=app, codename=codename)
                for app, codename in (name.split(".") for name in sorted(names))
            ]
            group.permissions.set(permissions)
