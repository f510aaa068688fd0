"""Who may manage staff accounts."""

from __future__ import annotations

from typing import Any

from virtualschool.roles import Role, user_has_role


def can_manage_staff(user: Any) -> bool:
    """Admins (and only they) manage staff accounts in the staff pages; others get a 404, as
    for anything absent. The role is asked for, never a permission, so no permission handed
    to someone makes them an Admin."""
    return bool(user.is_active and user_has_role(user, Role.ADMIN))
