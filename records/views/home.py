"""The record's part of the home page (registered in records/apps.py)."""

from __future__ import annotations

from typing import Any

from records.permissions import can_add_child, can_view_all_children
from records.selectors import children_visible_to


def home_part(user: Any) -> dict[str, Any]:
    """How many children the user sees, and whether they see or may add every child."""
    return {
        "sees_all_children": can_view_all_children(user),
        "can_add_child": can_add_child(user),
        "child_count": children_visible_to(user).count(),
    }
