"""What other apps do when the dates a child's record is kept by change.

records sits below retention (pyproject.toml [tool.importlinter]), so it cannot call
retention's services. Instead retention registers, from its AppConfig.ready():

- a function called with the child's id inside the transaction that records, changes or
  removes a status episode, a date of birth or a case closure (records.services.episodes,
  records.services.child_update, records.services.children): the destruction date is
  recomputed in that same transaction, so it is never stale and either both happen or
  neither does.

What an app shows on the child's page goes through records/child_blocks.py.

This is the pattern of staff/access.py and virtualschool/home.py.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

# child_id -> None, run inside the caller's transaction.
DatesChanged = Callable[..., None]

# child_ids -> None, for many children at once (a bulk import), in the caller's transaction.
ManyDatesChanged = Callable[..., None]

_ON_DATES_CHANGED: dict[str, DatesChanged] = {}
_ON_MANY_DATES_CHANGED: dict[str, ManyDatesChanged] = {}


def on_dates_changed_register(app_label: str, function: DatesChanged) -> None:
    """Have `function(child_id=)` called whenever what a child's record is kept by changes
    (or, on a second ready(), replace the function the app registered)."""
    _ON_DATES_CHANGED[app_label] = function


def dates_changed(*, child_id: Any) -> None:
    """Tell every registered app that the child's episodes, date of birth or closure changed."""
    for function in _ON_DATES_CHANGED.values():
        function(child_id=child_id)


def on_many_dates_changed_register(app_label: str, function: ManyDatesChanged) -> None:
    """Have `function(child_ids=)` called when a bulk write (the returns' bulk path,
    records/services/children_bulk.py) adds or changes many children's episodes at once, so
    it can recompute them in a fixed number of queries, in the same transaction."""
    _ON_MANY_DATES_CHANGED[app_label] = function


def many_dates_changed(*, child_ids: list[Any]) -> None:
    """Tell every registered app that these children's episodes or dates changed."""
    if not child_ids:
        return
    for function in _ON_MANY_DATES_CHANGED.values():
        function(child_ids=child_ids)
