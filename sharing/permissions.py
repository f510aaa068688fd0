"""Who may manage recipient organisations and sharing agreements."""

from __future__ import annotations

from typing import Any

from virtualschool.roles import Role, user_has_role


def can_manage_sharing(user: Any) -> bool:
    """Admins (information governance), and only they, configure sharing; everyone else,
    recipients included, gets a 404. The role is asked for, never a permission."""
    return bool(user.is_active and user_has_role(user, Role.ADMIN))


def can_generate_extracts(user: Any) -> bool:
    """Admins and Managers generate extract files for a recipient (issue 13); Caseworkers
    and recipients do not (a 404)."""
    return bool(
        user.is_active and (user_has_role(user, Role.ADMIN) or user_has_role(user, Role.MANAGER))
    )
