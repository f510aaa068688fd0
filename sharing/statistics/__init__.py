"""Statistics that identify no child: aggregate tables from the record (`builders`) and
their suppression with the GSS symbols before release (`tables`). Statistics-only sharing
agreements call these; see docs/ARCHITECTURE.md, "Statistics that identify no child"."""

from sharing.statistics.tables import (
    DEFAULT_THRESHOLD,
    MINIMUM_THRESHOLD,
    PublishedTable,
    Symbol,
    Table,
    check_method,
    suppress,
)

__all__ = [
    "DEFAULT_THRESHOLD",
    "MINIMUM_THRESHOLD",
    "PublishedTable",
    "Symbol",
    "Table",
    "check_method",
    "suppress",
]
