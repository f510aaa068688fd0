"""Reads of the child record, one module per area. Every query a page or API needs is here."""

from records.selectors.children import (
    caseworkers_for_allocation,
    child_batch_events,
    child_get_for_user,
    child_history,
    child_history_visible_to,
    child_list_visible_to,
    child_name_for,
    child_summary,
    children_visible_to,
    fields_shown,
)
from records.selectors.identifiers import (
    AmbiguousIdentifierError,
    ChildMatch,
    UpnMatch,
    child_for_identifiers,
    children_for_upns,
)

__all__ = [
    "AmbiguousIdentifierError",
    "ChildMatch",
    "UpnMatch",
    "caseworkers_for_allocation",
    "child_batch_events",
    "child_for_identifiers",
    "child_get_for_user",
    "child_history",
    "child_history_visible_to",
    "child_list_visible_to",
    "child_name_for",
    "child_summary",
    "children_for_upns",
    "children_visible_to",
    "fields_shown",
]
