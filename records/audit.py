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

from records.categories import DataCategory, declared_models

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


def redact(value: object) -> str:
    """auditlog mask callable: replace the whole value, but show that an empty one was empty."""
    if value in (None, "", "None"):
        return "None"
    return REDACTED


def _masked_fields(model: type[models.Model]) -> list[str]:
    declared = model.data_categories
    tracked = [*declared.fields, *declared.by_row]
    return [
        name
        for name in tracked
        if declared.category_of(name) in REDACTED_CATEGORIES
        or isinstance(model._meta.get_field(name), models.TextField)
    ]


def register_models() -> None:
    for model in declared_models():
        if model._meta.app_label != "records" or model.__name__ in BULK_MODELS:
            continue
        declared = model.data_categories
        # Track exactly the declared personal-data fields: keys, timestamps and reverse
        # relations are not changes anyone needs to read.
        auditlog.register(
            model,
            include_fields=[*declared.fields, *declared.by_row],
            mask_fields=_masked_fields(model),
            mask_callable="records.audit.redact",
        )
