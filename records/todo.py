"""What needs doing: the items of the home page, each a count that links to the child (when
there is one) or to the list of the children behind it.

Items are a registry, like the home page's parts (virtualschool/home.py): records registers its
own (records/selectors/todo.py) from RecordsConfig.ready(), and a later area (PEPs overdue or due
soon, plans waiting for QA) registers its items the same way, without this module or the home
page changing. A source takes the signed-in user and returns its `TodoItem`, or None when it
does not apply to them (they may not see what it counts), or a tuple of the items it counts
together (the PEP items: one statement for both); it counts over the children the user sees
(`children_visible_to`: a caseworker's caseload, a manager's cohort) and costs a fixed number
of queries however many children there are.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class TodoItem:
    """One line of "What needs doing": `count` children (or rows), described by `label` (for
    one, `label_one`), linking to `url`: the child's page when there is exactly one child."""

    key: str
    count: int
    label: str
    label_one: str
    url: str

    @property
    def text(self) -> str:
        return self.label_one if self.count == 1 else self.label


TodoSource = Callable[[Any], TodoItem | tuple[TodoItem, ...] | None]

_SOURCES: dict[str, TodoSource] = {}


def todo_register(key: str, source: TodoSource) -> None:
    """Add (or, on a second ready(), replace) one item of the home page's "What needs doing",
    shown in the order registered."""
    _SOURCES[key] = source


def todo_sources() -> dict[str, TodoSource]:
    """The registered sources by key, in order (the benchmark times each one)."""
    return dict(_SOURCES)


def todo_items(user: Any) -> list[TodoItem]:
    """Every registered item that applies to `user`, in order, including those at nought (the
    page says there is nothing to do for them)."""
    items: list[TodoItem] = []
    for source in _SOURCES.values():
        found = source(user)
        if isinstance(found, TodoItem):
            items.append(found)
        elif found is not None:
            items.extend(found)
    return items
