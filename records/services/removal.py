"""Removing a mistaken entry from any area of a child's record (issue 15).

One way in for every section's remove button (records/views/sections.py) and anything else
that removes a row: `entry_remove`. The row goes as destroying the child would take it (the
data map's `Destruction`: deleted, or its personal fields cleared), the values its audit
entries copied are redacted, so the history keeps that it was there but not what it said, and
an `EntryRemoval` says who removed it, when and why; the history page shows it on the
row's last entry ("Removed by X: reason").
"""

from __future__ import annotations

from auditlog.context import set_actor
from auditlog.models import LogEntry
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import NON_FIELD_ERRORS
from django.db import transaction

from records.audit import redact
from records.categories import SENSITIVE_CATEGORIES, DataCategory
from records.datamap import DATA_MAP, Destruction, Entry, cleared_value
from records.models import ChildRecord, EntryRemoval
from records.permissions import can_change_child, can_see_area, can_see_field
from virtualschool.errors import DomainError

REASON_REQUIRED = "Enter why this entry is being removed"
REASON_MAX_LENGTH = 2000
REASON_TOO_LONG = f"Reason for removing the entry must be {REASON_MAX_LENGTH} characters or fewer"
NOT_YOURS = "You cannot remove this entry"
GONE = "This entry has already been removed"


def _entry_of(row: ChildRecord) -> Entry:
    entry = DATA_MAP.entry_for(type(row))
    if entry is None or not isinstance(row, ChildRecord):
        raise DomainError({NON_FIELD_ERRORS: [NOT_YOURS]})
    return entry


def removal_category(entry: Entry, row: ChildRecord) -> DataCategory:
    """The category the removal's reason is filed under: the row's own (a note's), or, for a
    row holding several, a sensitive one if it holds any, so the reason is never seen by
    someone who could not have seen the entry."""
    held = [
        category
        for name in entry.personal_fields
        if name not in entry.copies and (category := entry.category_of(name, row)) is not None
    ]
    ordered = sorted(set(held), key=list(DataCategory).index)
    sensitive = [category for category in ordered if category in SENSITIVE_CATEGORIES]
    return (sensitive or ordered)[0]


def _may_remove(actor: AbstractBaseUser, entry: Entry, row: ChildRecord) -> bool:
    """The same as changing the row: changing the child, sight of the area, and of every
    personal field of the row (a caseworker without sensitive access removes no health row)."""
    return (
        can_change_child(actor, row.child)
        and can_see_area(actor, entry.area)
        and all(
            can_see_field(actor, entry.model, name, row=row)
            for name in entry.personal_fields
            if name not in entry.copies
        )
    )


def _redact_history(entry: Entry, pk: object) -> None:
    """Replace the values the row's audit entries copied, keeping which fields changed. A
    by-row category (a note's) is kept: it decides who may see that the entry existed."""
    kept = set(entry.declaration.by_row.values())
    personal = set(entry.personal_fields)
    entries = LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(entry.model), object_pk=str(pk)
    )
    for logged in entries:
        changes = {
            name: values
            if name in kept or name not in personal or not isinstance(values, list)
            else [redact(value) for value in values]
            for name, values in (logged.changes or {}).items()
        }
        LogEntry.objects.filter(pk=logged.pk).update(
            changes=changes, changes_text="", serialized_data=None
        )


def entry_remove(*, actor: AbstractBaseUser, row: ChildRecord, reason: str) -> EntryRemoval:
    """Remove a mistaken row of a child's record, saying why.

    Rules: a reason is required (at most REASON_MAX_LENGTH characters); only someone who may
    change the row may remove it (`_may_remove`); the row must still be there. The row is
    deleted or redacted as the data map says for destruction, the values in its audit entries
    are redacted, and the removal is recorded, all in one transaction: refused, nothing changes.
    """
    entry = _entry_of(row)
    text = (reason or "").strip()
    errors: dict[str, list[str]] = {}
    if not _may_remove(actor, entry, row):
        errors[NON_FIELD_ERRORS] = [NOT_YOURS]
    if not text:
        errors["reason"] = [REASON_REQUIRED]
    elif len(text) > REASON_MAX_LENGTH:
        errors["reason"] = [REASON_TOO_LONG]
    if errors:
        raise DomainError(errors)
    with transaction.atomic(), set_actor(actor):
        current = entry.model.objects.select_for_update().filter(pk=row.pk).first()
        if current is None:
            raise DomainError({NON_FIELD_ERRORS: [GONE]})
        removal = EntryRemoval.objects.create(
            child_id=current.child_id,
            area=str(entry.area),
            item_name=str(entry.model._meta.verbose_name),
            category=removal_category(entry, current),
            reason=text,
            removed_by=actor,
        )
        current.removal_id = removal.pk
        pk = current.pk
        if entry.destruction is Destruction.DELETE:
            current.delete()
        else:
            for name in entry.cleared_on_redaction:
                setattr(current, name, cleared_value(entry.model, name))
            current.save()
        _redact_history(entry, pk)
    return removal
