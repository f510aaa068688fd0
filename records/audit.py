"""Which models django-auditlog tracks, and how personal data is kept out of the audit log.

The audit log is itself personal data (STYLE.md 11): identity and contact values and free
text are redacted in full, model `__str__` names no one, and every entry carries the child's
id in `additional_data` (indexed by migration records/0002) so retention can remove a child's
entries. Bulk writes (attendance sessions and their summaries, imports) bypass auditlog and
write their own batch events.
"""

from __future__ import annotations

from auditlog.registry import auditlog
from django.db import models

from records.categories import DataCategory
from records.datamap import DATA_MAP, Entry

REDACTED = "[redacted]"
# Categories whose values never appear in the audit log: that a field changed is recorded,
# not what it said. Free text (TextField) is redacted whatever its category.
REDACTED_CATEGORIES = frozenset({DataCategory.IDENTITY, DataCategory.CONTACT})
# Written in bulk by their own service, which records a batch event instead.
BULK_MODELS = frozenset(
    {
        "AttendanceSession",
        "AttendanceSummary",
        "AttendanceWeek",
        "AttendanceYear",
        "AttendanceCodeChange",
    }
)

# The removal of a mistaken entry is itself history: the history page shows it on the removed
# row's entry (records.history), so an audit entry of its own would only say it twice.
NOT_AUDITED = frozenset({"EntryRemoval"})


def redact(value: object) -> str:
    """auditlog mask callable: replace the whole value, but show that an empty one was empty."""
    if value in (None, "", "None"):
        return "None"
    return REDACTED


def _masked_fields(entry: Entry) -> list[str]:
    return [
        name
        for name in entry.personal_fields
        if entry.possible_categories(name) & REDACTED_CATEGORIES
        or isinstance(entry.model._meta.get_field(name), models.TextField)
    ]


def audited_entries() -> list[Entry]:
    """The data map's entries whose changes django-auditlog records: the record's own rows
    (those declaring their categories on the model), less the ones written in bulk."""
    return [
        entry
        for entry in DATA_MAP
        if entry.app_label == "records"
        and entry.given is None
        and entry.model.__name__ not in BULK_MODELS | NOT_AUDITED
    ]


def register_models() -> None:
    for entry in audited_entries():
        # Track exactly the mapped personal-data fields: keys, timestamps and reverse
        # relations are not changes anyone needs to read.
        auditlog.register(
            entry.model,
            include_fields=entry.personal_fields,
            mask_fields=_masked_fields(entry),
            mask_callable="records.audit.redact",
        )
