"""Turn a page of audit entries into "who changed what, from what to what", as one user may
see it.

A change is shown only to a user who may see its field's category (permissions.can_see_field,
which reads the data map): a caseworker without the sensitive-categories permission sees no
health, safeguarding, family or criminal value or field name, whatever the model. A field filed
row by row (a note's text and category) is judged by every category its row was in: the values
the entry logged and, when the entry does not carry the category, the row's current one. A row
whose changes are all hidden is left out, since its heading alone ("Created court order") would
say the record exists. records.selectors.child_history_visible_to applies the same rule in SQL so
that pages stay full; this is the last word, field by field.

django-auditlog's own `changes_display_dict` looks up each foreign key with a query per
entry; this resolves every related row on the page in one query per related model (and the
current categories of by-row rows in one query per such model), so the history page costs the
same however long the history is.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from types import SimpleNamespace

from auditlog.models import LogEntry
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.db import models

from records.datamap import DATA_MAP
from records.display import display_value, from_logged
from records.models import Child, EntryRemoval
from records.permissions import UserLike, can_see_field
from virtualschool.display import model_field

# The link from a row to its child is how the history was found; showing it adds nothing.
HIDDEN_FIELDS = frozenset({"child"})
NONE = "None"
# Fields since removed whose logged changes the history still shows: (app, model, field) ->
# the label they had, and the mapped field whose category they held, which decides who sees
# them (issue 13: the characteristics' free-text responsible authority became the child's LA
# code, migration records/0017, and the text that was not a code lives on only here).
RETIRED_FIELDS: dict[tuple[str, str, str], tuple[str, type[models.Model], str]] = {
    ("records", "characteristics", "responsible_la"): (
        "Responsible local authority",
        Child,
        "responsible_la_code",
    ),
}
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
    # The row's removal as a mistake (records/services/removal.py), on its last entry; the
    # reason only when the user may see its category (that of the entry removed).
    removal: EntryRemoval | None = None
    removal_reason: str = ""

    @property
    def removed_by(self) -> str:
        person = self.removal.removed_by if self.removal is not None else None
        if person is None:
            return ""
        return person.get_full_name() or person.get_username()


def history_rows(entries: Iterable[LogEntry], *, user: UserLike | None = None) -> list[HistoryRow]:
    """The entries as history rows holding only the changes `user` may see; rows with nothing
    the user may see are left out. Without a user, as for one who may see the child and
    nothing more (no sensitive category)."""
    viewer = user if user is not None else AnonymousUser()
    entries = list(entries)
    current = _current_filing(entries)
    shown: list[tuple[LogEntry, type[models.Model] | None, dict[str, list]]] = []
    for entry in entries:
        model = entry.content_type.model_class()
        recorded = {
            name: values
            for name, values in (entry.changes or {}).items()
            if name not in HIDDEN_FIELDS
        }
        visible = {
            name: values
            for name, values in recorded.items()
            if _may_see(viewer, model, name, entry, current)
        }
        if not visible and (recorded or not _may_see_any(viewer, model)):
            continue
        shown.append((entry, model, visible))
    related = _related_labels(shown)
    removals = _removals(entry for entry, _model, _visible in shown)
    rows = []
    for entry, model, visible in shown:
        changes = [
            change
            for name, values in visible.items()
            if not _both_empty(change := _change(model, name, values, related))
        ]
        what = f"{entry.get_action_display()} {entry.content_type.name}"
        removal = removals.get(str((entry.additional_data or {}).get("removal_id", "")))
        reason = ""
        if removal is not None:
            what = f"Removed {removal.item_name}"
            if can_see_field(viewer, EntryRemoval, "reason", row=removal):
                reason = removal.reason
        rows.append(
            HistoryRow(
                entry=entry, what=what, changes=changes, removal=removal, removal_reason=reason
            )
        )
    return rows


def _removals(entries: Iterable[LogEntry]) -> dict[str, EntryRemoval]:
    """The removals named by entries on the page, in one query whatever the page holds."""
    ids = {
        str(removal_id)
        for entry in entries
        if (removal_id := (entry.additional_data or {}).get("removal_id"))
    }
    if not ids:
        return {}
    found = EntryRemoval.objects.select_related("removed_by").filter(pk__in=ids)
    return {str(removal.pk): removal for removal in found}


def _known(values: Iterable[object]) -> list[str]:
    return [str(value) for value in values if value not in (None, NONE, "")]


def _filing_categories(entry: LogEntry, source: str, current: dict[tuple, str]) -> list[str]:
    """The categories a by-row field's row was filed under, as far as this entry tells: the
    before and after values it logged for `source`, or, if it logged none, the row's current
    value (`current`, keyed by (model, object_pk)). Empty when neither is known."""
    changes = entry.changes or {}
    if source in changes:
        return _known(changes[source] or [])
    model = entry.content_type.model_class()
    return _known([current.get((model, str(entry.object_pk)))])


def _may_see(
    user: UserLike,
    model: type[models.Model] | None,
    name: str,
    entry: LogEntry,
    current: dict[tuple, str],
) -> bool:
    mapped = DATA_MAP.entry_for(model)
    if mapped is None or model is None:
        return False
    if retired := _retired(model, name):
        _label, holder, holder_field = retired
        return can_see_field(user, holder, holder_field)
    source = mapped.declaration.by_row.get(name)
    if source is None:
        return can_see_field(user, model, name)
    categories = _filing_categories(entry, source, current)
    return bool(categories) and all(
        _may_see_filed(user, model, name, source, category) for category in categories
    )


def _may_see_filed(
    user: UserLike, model: type[models.Model], name: str, source: str, category: str
) -> bool:
    try:
        return can_see_field(user, model, name, row=SimpleNamespace(**{source: category}))
    except ValueError:  # not a category at all: nobody can say what it was
        return False


def _may_see_any(user: UserLike, model: type[models.Model] | None) -> bool:
    """An entry that logged no change still names its model: shown only to a user who may see
    some field of it."""
    mapped = DATA_MAP.entry_for(model)
    if mapped is None or model is None:
        return False
    return any(
        can_see_field(user, model, name)
        for name in mapped.personal_fields
        if name not in mapped.copies
    )


def _current_filing(entries: list[LogEntry]) -> dict[tuple[type, str], str]:
    """The current by-row category of each row whose entry on the page has a by-row field but
    did not log the category: one query per such model, whatever the page holds."""
    wanted: dict[tuple[type[models.Model], str], set[str]] = defaultdict(set)
    for entry in entries:
        model = entry.content_type.model_class()
        mapped = DATA_MAP.entry_for(model)
        if mapped is None or model is None:
            continue
        changes = entry.changes or {}
        for name, source in mapped.declaration.by_row.items():
            if name in changes and source not in changes:
                wanted[(model, source)].add(str(entry.object_pk))
    current: dict[tuple[type, str], str] = {}
    for (model, source), pks in wanted.items():
        keys = [key for key in (_key(model, pk) for pk in pks) if key is not None]
        for pk, value in model._default_manager.filter(pk__in=keys).values_list("pk", source):
            current[(model, str(pk))] = value
    return current


def _both_empty(change: Change) -> bool:
    # A new row lists every tracked field; blank ones say nothing. Redacted values are kept:
    # "[redacted] -> [redacted]" still records that a name changed.
    return change.before == change.after == EMPTY


def _retired(
    model: type[models.Model] | None, name: str
) -> tuple[str, type[models.Model], str] | None:
    if model is None:
        return None
    return RETIRED_FIELDS.get((model._meta.app_label, model._meta.model_name, name))


def _key(model: type[models.Model], pk: str) -> object:
    try:
        return model._meta.pk.to_python(pk)
    except ValidationError:  # a malformed key names no row
        return None


def _related_labels(
    shown: list[tuple[LogEntry, type[models.Model] | None, dict[str, list]]],
) -> dict[tuple[type, str], str]:
    wanted: dict[type[models.Model], set[str]] = defaultdict(set)
    for _entry, model, visible in shown:
        for name, values in visible.items():
            field = model_field(model, name)
            if field is not None and field.many_to_one:
                # A removed row's keys are redacted (records/services/removal.py): no row.
                wanted[field.related_model].update(
                    v
                    for v in values
                    if v not in (None, NONE) and _key(field.related_model, v) is not None
                )
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
    field = model_field(model, name)
    retired = _retired(model, name)
    label = str(field.verbose_name) if field is not None else retired[0] if retired else name
    before, after = (_display(field, value, related) for value in values)
    return Change(field=label[:1].upper() + label[1:], before=before, after=after)


def _display(field: models.Field | None, value: str | None, related) -> str:
    if value in (None, NONE, ""):
        return EMPTY
    if field is None:
        return value
    if field.many_to_one:
        return related.get((field.related_model, value), "(removed)")
    # As the pages show it (records/display.py): choices by label, Yes/No, GOV.UK dates, 2025/26.
    return display_value(from_logged(field, value), field=field) or EMPTY
