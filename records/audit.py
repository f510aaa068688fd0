"""Which models django-auditlog tracks, and how personal data is kept out of the audit log.

The audit log is itself personal data (STYLE.md 11): identity and contact values are
redacted in full, model `__str__` names no one, and every entry carries the child's id in
`additional_data` (indexed by migration records/0002) so retention can remove a child's
entries. Bulk writes (imports) bypass auditlog and write their own batch events.
"""

from __future__ import annotations

from auditlog.registry import auditlog

from records.categories import DataCategory

REDACTED = "[redacted]"
# Categories whose values never appear in the audit log: that a field changed is recorded,
# not what it said.
REDACTED_CATEGORIES = frozenset({DataCategory.IDENTITY, DataCategory.CONTACT})


def redact(value: object) -> str:
    """auditlog mask callable: replace the whole value, but show that an empty one was empty."""
    if value in (None, "", "None"):
        return "None"
    return REDACTED


def register_models() -> None:
    from records.models import Allocation, Child, Enrolment, LegalStatusEpisode

    for model in (Child, LegalStatusEpisode, Enrolment, Allocation):
        declared = model.data_categories
        masked = [name for category in REDACTED_CATEGORIES for name in declared.fields_in(category)]
        # Track exactly the declared personal-data fields: keys, timestamps and reverse
        # relations are not changes anyone needs to read.
        auditlog.register(
            model,
            include_fields=list(declared.fields),
            mask_fields=masked,
            mask_callable="records.audit.redact",
        )
