"""Who may export a child's record for a subject access request (issue 14): an Admin
(information governance, whose duty answering it is) or a Manager."""

from __future__ import annotations

from typing import Any

from virtualschool.roles import Role, user_has_role


def can_export_subject_access(user: Any) -> bool:
    return user_has_role(user, Role.ADMIN) or user_has_role(user, Role.MANAGER)
