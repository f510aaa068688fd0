"""Who may manage recipient organisations and sharing agreements."""

from __future__ import annotations

from typing import Any

from records.permissions import can_change_child
from virtualschool.roles import Role, user_has_role


def can_manage_sharing(user: Any) -> bool:
    """Admins (information governance), and only they, configure sharing; everyone else,
    recipients included, gets a 404. The role is asked for, never a permission."""
    return bool(user.is_active and user_has_role(user, Role.ADMIN))


def can_restrict_sharing(user: Any, child: Any) -> bool:
    """Who records or removes a restriction on what is shared about a child: whoever may
    change the child (a Manager, or the Caseworker the child is allocated to), and Admins
    (information governance, to whom a parent's or young person's objection may come). The
    services ask it, whoever calls them; the pages are on the child's record."""
    return bool(
        user.is_active and (can_change_child(user, child) or user_has_role(user, Role.ADMIN))
    )


def can_generate_extracts(user: Any) -> bool:
    """Admins and Managers generate extract files for a recipient (issue 13); Caseworkers
    and recipients do not (a 404)."""
    return bool(
        user.is_active and (user_has_role(user, Role.ADMIN) or user_has_role(user, Role.MANAGER))
    )
