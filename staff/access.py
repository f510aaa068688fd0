"""What ends when a person leaves a role: each app that grants access through a role says so.

staff sits below records (pyproject.toml [tool.importlinter]), so it cannot call records'
services itself. Instead records registers, from its AppConfig.ready(), the function that
ends a caseworker's per-child access (their open allocations and object permissions), and
staff.services calls every function registered for a role inside the transaction that takes
the role away: either both happen or neither does. staff.checks fails `manage.py check` when
nothing is registered for the Caseworker role, so the seam cannot silently come undone.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from virtualschool.roles import Role

# (actor, user) -> a short description of what ended, for the audit trail, or "" if nothing.
AccessEnd = Callable[..., str]

_ON_LEAVING: dict[Role, dict[str, AccessEnd]] = {}


def on_leaving_role_register(role: Role, app_label: str, end: AccessEnd) -> None:
    """Have `end(actor=, user=)` called whenever a person leaves `role` (or, on a second
    ready(), replace the function the app registered)."""
    _ON_LEAVING.setdefault(role, {})[app_label] = end


def on_leaving_role(role: Role) -> list[AccessEnd]:
    return list(_ON_LEAVING.get(role, {}).values())


def access_end(*, role: Role, actor: Any, user: Any) -> list[str]:
    """Run every registered end of `role`'s access for `user`; what each reports."""
    return [text for end in on_leaving_role(role) if (text := end(actor=actor, user=user))]
