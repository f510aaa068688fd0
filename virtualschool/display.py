"""How a stored value reads, wherever it is shown (issue 16): on a page, in the child's
history and in every changes table, one formatter, so that "Lawful basis" says "Article
6(1)(e): public task" on the agreement's page and in its changes, a date reads "31 January
2027" and a flag "Yes".

The generic part lives here, below every app, so that staff (which records builds on) and
sharing read values alike; `records.display` adds what only the record has (academic years).

`display_value` takes a Python value and returns the text shown, or "" for nothing recorded;
each caller says how it shows nothing ("–" on a page, "(none)" in the history). A change's
stored text is read back through its field first: `from_logged` for django-auditlog's
text, `change_rows` for the changes tables (staff.StaffChange, sharing.SharingChange), whose
text `change_text` writes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.utils.formats import date_format
from django.utils.text import capfirst

# How a changes table stores a list (agreement.categories: "identity, contact"): codes hold no
# comma, so the text splits back into them.
LIST_SEPARATOR = ", "


def display_value(
    value: object, *, field: models.Field | None = None, short_dates: bool = False
) -> str:
    """`value` as the pages show it: choices by label, True/False as Yes/No, dates as GOV.UK
    dates ("4 December 2026"; "4 Dec 2026" in a list's table, where the GOV.UK style guide
    allows shortened months), a list as its items shown and joined (by "; " when an item
    has a comma of its own, as statutes' names do); "" when nothing is recorded."""
    if value is None or value == "":
        return ""
    if isinstance(value, list | tuple):
        return _joined(value, field=field, short_dates=short_dates)
    if field is not None and field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if value is True:
        return "Yes"
    if value is False:
        return "No"
    if isinstance(value, datetime):
        return date_format(value, "j M Y, H:i" if short_dates else "j F Y, H:i")
    if isinstance(value, date):
        return date_format(value, "j M Y" if short_dates else "j F Y")
    return str(value)


def _joined(values: list | tuple, *, field: models.Field | None, short_dates: bool) -> str:
    item_field = getattr(field, "base_field", None)  # an ArrayField's items
    shown = [display_value(v, field=item_field, short_dates=short_dates) for v in values]
    shown = [text for text in shown if text]
    return ("; " if any("," in text for text in shown) else ", ").join(shown)


def from_logged(field: models.Field, text: str) -> object:
    """The Python value of `field` that django-auditlog logged as `text` ("True", "2025",
    "2026-01-05"); the text itself when the field cannot read it back."""
    if field.choices:
        return text  # choices are looked up by their stored text
    try:
        return field.to_python(text)
    except (ValidationError, TypeError, ValueError):
        return text


def field_label(field: models.Field) -> str:
    """A model field as the pages name it: its verbose name, capitalised ("Review date")."""
    return capfirst(str(field.verbose_name))


def change_text(value: Any) -> str:
    """What a changes table stores of a value: its code or its text, a date in ISO form, a
    list's codes joined by LIST_SEPARATOR; `change_rows` reads it back through the field."""
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return LIST_SEPARATOR.join(str(item) for item in value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


@dataclass(frozen=True)
class ChangeRow:
    """One row of a changes table (templates/includes/changes.html) as the page reads it."""

    at: datetime
    actor: Any
    field: str
    before: str
    after: str


def change_rows(
    changes: Iterable[Any], *, model: type[models.Model] | None = None
) -> list[ChangeRow]:
    """An audit trail's changes (each with `at`, `actor`, `field`, `before`, `after`) as a
    changes table shows them, newest first as given: a field of `model` by its verbose name,
    its values read back through it and shown as its page shows them (display_value: choices
    by label, Yes/No, GOV.UK dates, lists of labels); a change about something `model` has
    no field for (an agreement's token, an organisation's member) by the change's own label
    for it (a `field` with choices) or its name, its values as recorded. Reads nothing more
    from the database than `changes` did."""
    rows = []
    for change in changes:
        field = model_field(model, change.field)
        rows.append(
            ChangeRow(
                at=change.at,
                actor=change.actor,
                field=field_label(field) if field is not None else _own_label(change),
                before=_change_shown(field, change.before),
                after=_change_shown(field, change.after),
            )
        )
    return rows


def model_field(model: type[models.Model] | None, name: str) -> models.Field | None:
    """`model`'s own field called `name` (a column, not a reverse relation), or None: an
    audit trail names fields by these names, and some it names are not fields."""
    if model is None:
        return None
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    return field if getattr(field, "concrete", False) else None


def _own_label(change: Any) -> str:
    shown = getattr(change, "get_field_display", None)
    return str(shown()) if callable(shown) else capfirst(change.field.replace("_", " "))


def _change_shown(field: models.Field | None, text: str) -> str:
    if field is None or not text:
        return text
    if field.is_relation:
        return text  # recorded by the related row's name
    item_field = getattr(field, "base_field", None)
    if item_field is not None:
        items = [from_logged(item_field, item) for item in text.split(LIST_SEPARATOR)]
        return display_value(items, field=field)
    return display_value(from_logged(field, text), field=field)
