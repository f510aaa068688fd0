"""What `seed_demo` adds beyond the record's users and children: each app adds its own part.

seed_demo lives in records, which imports no app built on it (pyproject.toml
[tool.importlinter]), so an app with demo data of its own (sharing's organisations,
agreements and recipient users) registers a part from its AppConfig.ready(). seed_demo calls
each part, in its transaction, after the children are made.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any


@dataclass(frozen=True)
class DemoContext:
    users: dict[str, Any]  # the demo staff by username (admin, admin2, ...)
    password: str
    today: date
    # The demo API token's secret (DEMO_API_TOKEN), or "" for a part to make one.
    api_token: str = ""
    # What a part has to tell the person seeding (a secret shown once): seed_demo prints it.
    notes: list[str] = field(default_factory=list)


# Returns the accounts the part made or brought up to date, by username, so seed_demo gives
# them the demo authenticator secret as it does the staff.
DemoPart = Callable[[DemoContext], dict[str, Any]]

_PARTS: dict[str, DemoPart] = {}


def demo_part_register(app_label: str, part: DemoPart) -> None:
    """Add (or, on a second ready(), replace) an app's part of the demo data."""
    _PARTS[app_label] = part


def demo_parts() -> list[DemoPart]:
    return list(_PARTS.values())
