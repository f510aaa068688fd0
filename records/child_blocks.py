"""Read-only blocks other apps add to a child's page, without records importing them.

As the data map and staff.access do, an app registers from its AppConfig.ready() a function
of (child, user) returning a `ChildBlock` to show, or None to show nothing (the user may
not see it). records/views/children.py renders each under the child's summary
(templates/records/_child_blocks.html). Each function must read in a fixed number of
queries.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ChildBlock:
    """A table (`headers` and `rows`), or, with no headers, a GOV.UK summary list whose rows
    are (label, value) pairs (retention's destruction date and rule)."""

    heading: str
    headers: Sequence[str]
    rows: Sequence[Sequence[Any]]
    # Shown when there is no row.
    empty: str
    block_id: str
    # A link under the block, (text, address), for who may act on it; or none.
    link: tuple[str, str] | None = None


ChildBlockSource = Callable[[Any, Any], ChildBlock | None]

_SOURCES: dict[str, ChildBlockSource] = {}


def child_block_register(app_label: str, source: ChildBlockSource) -> None:
    """Add (or, on a second ready(), replace) an app's block on the child's page."""
    _SOURCES[app_label] = source


def child_blocks(*, child: Any, user: Any) -> list[ChildBlock]:
    """Every registered block for this child and user, in the order the apps registered."""
    blocks = (source(child, user) for source in _SOURCES.values())
    return [block for block in blocks if block is not None]
