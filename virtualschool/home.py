"""What the home page shows beyond the user's roles: each app adds its own part.

The project package imports no app (pyproject.toml [tool.importlinter]), so an app that has
something to say on the home page registers a part from its AppConfig.ready(): a function of
the signed-in user returning the context its part of templates/home.html reads.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

HomePart = Callable[[Any], dict[str, Any]]

_PARTS: dict[str, HomePart] = {}


def home_part_register(app_label: str, part: HomePart) -> None:
    """Add (or, on a second ready(), replace) an app's part of the home page."""
    _PARTS[app_label] = part


def home_context(user: Any) -> dict[str, Any]:
    """Every registered part's context for `user`, merged; two parts may not set one name,
    since one would silently hide the other."""
    context: dict[str, Any] = {}
    for app_label, part in _PARTS.items():
        values = part(user)
        clash = context.keys() & values.keys()
        if clash:
            raise ValueError(f"{app_label}'s home page part sets {sorted(clash)} again")
        context.update(values)
    return context
