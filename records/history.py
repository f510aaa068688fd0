"""Turn a page of audit entries into "who changed what, from what to what".

django-auditlog's own `changes_display_dict` looks up each foreign key with a query per
entry; this resolves every related row on the page in one query per related model, so the
history page costs the same however long the history is.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from auditlog.models import LogEntry
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.formats import date_format

# The link from a row to its child is how the history was found; showing it adds nothing.
HIDDEN_FIELDS = frozenset({"child"})
NONE = "None"
EMPTY = "(none)"


@dataclass(frozen=True)
class Change:
    field: str
    before: str
    after: str


@dataclass(frozen=True)
class HistoryRow:
    entry: LogEntry
    what: str
    changes: list[Change]


def history_rows(entries: Iterable[LogEntry]) -> list[HistoryRow]:
    entries = list(entries)
    related = _related_labels(entries)
    rows = []
    for entry in entries:
        model = entry.content_type.model_class()
        changes = [
            change
            for name, values in (entry.changes or {}).items()
            if name not in HIDDEN_FIELDS
            and not _both_empty(change := _change(model, name, values, related))
        ]
        what = f"{entry.get_action_display()} {entry.content_type.name}"
        rows.append(HistoryRow(entry=entry, what=what, changes=changes))
    return rows


def _both_empty(change: Change) -> bool:
    # A new row lists every tracked field; blank ones say nothing. Redacted values are kept:
    # "[redacted] -> [redacted]" still records that a name changed.
    return change.before == change.after == EMPTY


def _field(model: type[models.Model] | None, name: str) -> models.Field | None:
    if model is None:
        return None
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    return field if getattr(field, "concrete", False) else None


def _related_labels(entries: list[LogEntry]) -> dict[tuple[type, str], str]:
    wanted: dict[type[models.Model], set[str]] = defaultdict(set)
    for entry in entries:
        model = entry.content_type.model_class()
        for name, values in (entry.changes or {}).items():
            field = _field(model, name)
            if field is not None and field.many_to_one and name not in HIDDEN_FIELDS:
                wanted[field.related_model].update(v for v in values if v not in (None, NONE))
    labels: dict[tuple[type, str], str] = {}
    for related_model, pks in wanted.items():
        for pk, obj in related_model._default_manager.in_bulk(list(pks)).items():
            labels[(related_model, str(pk))] = _label(obj)
    return labels


def _label(obj: models.Model) -> str:
    full_name = getattr(obj, "get_full_name", None)
    if callable(full_name) and full_name():
        return full_name()
    return str(obj)


def _change(
    model: type[models.Model] | None,
    name: str,
    values: list[str],
    related: dict[tuple[type, str], str],
) -> Change:
    field = _field(model, name)
    label = str(field.verbose_name) if field is not None else name
    before, after = (_display(field, value, related) for value in values)
    return Change(field=label[:1].upper() + label[1:], before=before, after=after)


def _display(field: models.Field | None, value: str | None, related) -> str:
    if value in (None, NONE, ""):
        return EMPTY
    if field is None:
        return value
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if field.many_to_one:
        return related.get((field.related_model, value), "(removed)")
    if isinstance(field, models.DateField) and not isinstance(field, models.DateTimeField):
        try:
            return date_format(date.fromisoformat(value), "j F Y")
        except ValueError:
            return value
    return value
