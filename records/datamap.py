"""The data map: the one declaration of everything the service holds about a child.

DESIGN.md ("One map of a child's data"): for every model of any app that holds or mentions a
child, one `Entry` says

- its table;
- how a row reaches its child (`Reach`, and the ORM lookup from the row to the child's id);
- each field's data category, or that it is not personal (the model's own `data_categories`,
  records/categories.py, or a declaration given at registration for a model we do not own);
- whether destroying the child deletes the row or redacts it, and which fields redaction clears;
- which area of the record it belongs to (a tab of the child's record, or "logs", "access"...).

Apps register their own models from `AppConfig.ready()` (records in `records/datamap_entries.py`),
so `records` never imports the apps built on it. Everything that needs to know what is held reads
this map: who may see a field (`records.permissions`), audit masking (`records.audit`), the API's
field projection, the tabs' categories, the history page, the `datamap` command and the Admin's
"What we hold" page; later sharing's dataset builder, the subject-access export and retention's
destruction cascade. `tests/records/test_datamap_complete.py` reads PostgreSQL's catalogue and
fails for any table or field that mentions a child and is not here.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from django.db import models

from records.categories import SENSITIVE_CATEGORIES, DataCategories, DataCategory


class Reach(StrEnum):
    """How a row of a mapped table reaches the child it is about."""

    SELF = "the child's own row"
    FOREIGN_KEY = "foreign key"
    CHILD_ID = "child_id column"
    AUDIT_LOG = "audit entry's indexed child id"
    MATCHED_CHILD = "import rejection's matched child"
    NONE = "names no child"


class Destruction(StrEnum):
    """What destroying a child does to a row that reaches them."""

    DELETE = "delete"
    REDACT = "redact"
    # Rows that reach no child (Reach.NONE) hold nothing of any one child's to destroy.
    KEEP = "keep"


class Area(StrEnum):
    """The areas of the record a mapped table belongs to: the record's tabs (records.sections),
    plus the parts of the service that are not a tab."""

    IDENTITY = "identity"
    LEGAL_STATUS = "legal_status"
    CHARACTERISTICS = "characteristics"
    SCHOOLS = "schools"
    ATTENDANCE = "attendance"
    ATTAINMENT = "attainment"
    BEHAVIOUR = "behaviour"
    SAFEGUARDING = "safeguarding"
    HEALTH = "health"
    NOTES = "notes"
    CONTACTS = "contacts"
    PEP = "pep"  # personal education plans
    ACCESS = "access"  # allocations and per-child grants
    LOGS = "logs"  # the audit and access logs, batch events
    IMPORTS = "imports"


# The field of a copy (an audit entry's values) takes the category of the field it copies.
AS_COPIED = "as the field it copies"
NOT_PERSONAL = "not personal"


@dataclass(frozen=True)
class Entry:
    """One mapped model: how its rows reach their child, what each field is, what destruction
    does. `declaration` is read from the model at each use (`model.data_categories`) unless it
    was given at registration, so the map and the model cannot disagree."""

    model: type[models.Model]
    reach: Reach
    # ORM lookup from a row to its child's id ("id", "child_id", "run__child_id", ...); empty
    # for Reach.NONE.
    child_lookup: str
    area: Area
    destruction: Destruction
    given: DataCategories | None = None
    # Fields holding copies of other mapped fields (an audit entry's changes).
    copies: frozenset[str] = frozenset()
    # For Destruction.REDACT: the fields cleared; by default every personal field.
    redact_fields: frozenset[str] | None = None
    note: str = ""

    @property
    def declaration(self) -> DataCategories:
        if self.given is not None:
            return self.given
        return self.model.data_categories

    @property
    def table(self) -> str:
        return self.model._meta.db_table

    @property
    def app_label(self) -> str:
        return self.model._meta.app_label

    @property
    def name(self) -> str:
        return self.model.__name__

    def category_of(self, field_name: str, row: Any = None) -> DataCategory | None:
        """The field's category; for a field whose category is set row by row (a note's text),
        the row's, or None when no row is given."""
        declaration = self.declaration
        if field_name in declaration.by_row:
            if row is None:
                return None
            return DataCategory(getattr(row, declaration.by_row[field_name]))
        return declaration.category_of(field_name)

    def possible_categories(self, field_name: str) -> frozenset[DataCategory]:
        """Every category the field's values can be in: one, or for a by-row field each
        category its row may be filed under."""
        declaration = self.declaration
        if field_name in declaration.by_row:
            source = self.model._meta.get_field(declaration.by_row[field_name])
            return frozenset(DataCategory(value) for value, _ in source.flatchoices)
        category = declaration.category_of(field_name)
        return frozenset({category}) if category is not None else frozenset()

    @property
    def personal_fields(self) -> list[str]:
        declaration = self.declaration
        return [*declaration.fields, *declaration.by_row, *sorted(self.copies)]

    @property
    def categories(self) -> frozenset[DataCategory]:
        return frozenset(
            category
            for name in self.personal_fields
            if name not in self.copies
            for category in self.possible_categories(name)
        )

    @property
    def cleared_on_redaction(self) -> frozenset[str]:
        if self.destruction is not Destruction.REDACT:
            return frozenset()
        if self.redact_fields is not None:
            return self.redact_fields
        direct = (
            {self.child_lookup} if self.child_lookup and "__" not in self.child_lookup else set()
        )
        return frozenset(self.personal_fields) | direct

    def describe(self, field_name: str) -> str:
        """What the map says of one field, in words: its category, "not personal", or how its
        category is found."""
        declaration = self.declaration
        if field_name in self.copies:
            return AS_COPIED
        if field_name in declaration.by_row:
            return f"by row: the category in {declaration.by_row[field_name]}"
        category = declaration.category_of(field_name)
        if category is not None:
            return category.label
        if field_name in declaration.not_personal:
            return NOT_PERSONAL
        return ""

    def is_sensitive(self, field_name: str) -> bool:
        return bool(self.possible_categories(field_name) & SENSITIVE_CATEGORIES)

    def rows_for_children(self, child_ids: Iterable[Any]) -> models.QuerySet:
        """The rows of this table that reach any of these children."""
        if self.reach is Reach.NONE:
            return self.model._default_manager.none()
        ids = list(child_ids)
        if self.reach is Reach.AUDIT_LOG:
            ids = [str(child_id) for child_id in ids]
        return self.model._default_manager.filter(**{f"{self.child_lookup}__in": ids})


def cleared_value(model: type[models.Model], name: str) -> Any:
    """What redaction leaves in a field: NULL where the column allows it, otherwise an empty
    value of its type (retention's destruction and the removal of a mistaken entry)."""
    field = model._meta.get_field(name)
    if field.null:
        return None
    if isinstance(field, models.JSONField):
        return {}
    return ""


@dataclass
class DataMap:
    """The registry: model -> Entry. One instance, `DATA_MAP`, filled from apps' ready()."""

    _entries: dict[type[models.Model], Entry] = field(default_factory=dict)

    def register(
        self,
        model: type[models.Model],
        *,
        reach: Reach,
        area: Area,
        destruction: Destruction,
        child_lookup: str = "",
        categories: DataCategories | None = None,
        copies: Iterable[str] = (),
        redact_fields: Iterable[str] | None = None,
        note: str = "",
    ) -> Entry:
        """Map a model. Its fields' categories come from `model.data_categories` unless given;
        every concrete field must be declared exactly once (checked here, at start-up)."""
        if model in self._entries:
            raise ValueError(f"{model.__name__} is already in the data map.")
        if categories is None and not isinstance(
            getattr(model, "data_categories", None), DataCategories
        ):
            raise ValueError(f"{model.__name__} declares no data categories.")
        if (reach is Reach.NONE) != (not child_lookup):
            raise ValueError(f"{model.__name__}: a child lookup goes with every reach but none.")
        if (reach is Reach.NONE) != (destruction is Destruction.KEEP):
            raise ValueError(f"{model.__name__}: only rows that reach no child are kept.")
        entry = Entry(
            model=model,
            reach=reach,
            child_lookup=child_lookup,
            area=area,
            destruction=destruction,
            given=categories,
            copies=frozenset(copies),
            redact_fields=frozenset(redact_fields) if redact_fields is not None else None,
            note=note,
        )
        self._entries[model] = entry
        return entry

    def entries(self) -> list[Entry]:
        return sorted(self._entries.values(), key=lambda e: (e.app_label, e.name))

    def __iter__(self) -> Iterator[Entry]:
        return iter(self.entries())

    def entry_for(self, model: type[models.Model] | None) -> Entry | None:
        if model is None:
            return None
        model = model._meta.concrete_model or model
        return self._entries.get(model)

    def __contains__(self, model: type[models.Model]) -> bool:
        return self.entry_for(model) is not None

    def tables(self) -> frozenset[str]:
        return frozenset(entry.table for entry in self._entries.values())

    def category_of(
        self, model: type[models.Model] | None, field_name: str, row: Any = None
    ) -> DataCategory | None:
        entry = self.entry_for(model)
        return entry.category_of(field_name, row) if entry is not None else None

    def area_categories(self, area: Area | str) -> frozenset[DataCategory]:
        """Every category held in one area of the record."""
        return frozenset(
            category
            for entry in self._entries.values()
            if entry.area == area
            for category in entry.categories
        )

    def fields_in(self, category: DataCategory) -> list[tuple[Entry, str]]:
        """(entry, field) for every field that may hold data of the category."""
        return [
            (entry, name)
            for entry in self.entries()
            for name in entry.personal_fields
            if category in entry.possible_categories(name)
        ]


DATA_MAP = DataMap()
register = DATA_MAP.register


# Reading the map: one row per field, for the `datamap` command and the "What we hold" page.


@dataclass(frozen=True)
class FieldRow:
    """One field of one mapped table, as the record of processing states it."""

    app: str
    model: str
    model_label: str
    table: str
    reach: Reach
    child_lookup: str
    field: str
    field_label: str
    # What the map says of the field in words (Entry.describe): a category's label, "not
    # personal", "by row: ..." or "as the field it copies".
    category: str
    # Every category the field's values can be in, in the privacy notice's order.
    categories: tuple[DataCategory, ...]
    # Whether the field's category is set row by row (a note's text: its row's category).
    by_row: bool
    copied: bool
    # None for a copy: it is as sensitive as the field it copies.
    sensitive: bool | None
    destruction: Destruction
    # For a redacted row, whether redaction clears this field; None for other destructions.
    cleared: bool | None
    note: str = ""

    @property
    def path(self) -> str:
        """How a row reaches its child, with the lookup that follows it."""
        return f"{self.reach.value}: {self.child_lookup}" if self.child_lookup else self.reach.value

    @property
    def personal(self) -> bool:
        return bool(self.categories) or self.copied

    @property
    def destruction_text(self) -> str:
        """ "delete", "keep", or for a redacted row whether this field is cleared."""
        if self.destruction is Destruction.REDACT:
            return f"redact: {'cleared' if self.cleared else 'kept'}"
        return self.destruction.value

    @property
    def destruction_words(self) -> str:
        """What destroying the child does to this field, in a sentence for the page."""
        if self.destruction is Destruction.DELETE:
            return "Deleted with the row"
        if self.destruction is Destruction.REDACT:
            return "Cleared, the row kept" if self.cleared else "Kept in the redacted row"
        return "Kept: the row names no child"


def _field_row(entry: Entry, model_field: models.Field) -> FieldRow:
    name = model_field.name
    copied = name in entry.copies
    possible = entry.possible_categories(name)
    return FieldRow(
        app=entry.app_label,
        model=entry.name,
        model_label=str(entry.model._meta.verbose_name),
        table=entry.table,
        reach=entry.reach,
        child_lookup=entry.child_lookup,
        field=name,
        field_label=str(model_field.verbose_name),
        category=entry.describe(name),
        categories=tuple(category for category in DataCategory if category in possible),
        by_row=name in entry.declaration.by_row,
        copied=copied,
        sensitive=None if copied else entry.is_sensitive(name),
        destruction=entry.destruction,
        cleared=(
            name in entry.cleared_on_redaction if entry.destruction is Destruction.REDACT else None
        ),
        note=entry.note,
    )


def field_rows(data_map: DataMap = DATA_MAP) -> list[FieldRow]:
    """Every concrete field of every mapped table, tables in the map's order and fields in the
    model's: the rows of `manage.py datamap` and of the Admin's "What we hold" page."""
    return [
        _field_row(entry, model_field)
        for entry in data_map.entries()
        for model_field in entry.model._meta.concrete_fields
    ]


@dataclass(frozen=True)
class TableRow:
    """A mapped table that holds nothing personal of a child's but reaches or names one."""

    app: str
    model: str
    model_label: str
    table: str
    path: str
    destruction: Destruction
    note: str

    @property
    def destruction_words(self) -> str:
        if self.destruction is Destruction.DELETE:
            return "Its rows are deleted"
        if self.destruction is Destruction.REDACT:
            return "Its rows are redacted"
        return "Kept: its rows name no child"


@dataclass(frozen=True)
class CategoryHoldings:
    """One category's fields; a field filed row by row is under each category its rows may
    be filed in."""

    category: DataCategory
    sensitive: bool
    rows: list[FieldRow]


@dataclass(frozen=True)
class Holdings:
    """The map grouped for the "What we hold" page."""

    # In the privacy notice's order, only the categories something is held in.
    by_category: list[CategoryHoldings]
    # Fields holding copies of other fields' values (an audit entry's changes).
    copies: list[FieldRow]
    # Tables none of whose fields is personal (grants, the access log, import runs).
    other_tables: list[TableRow]


def holdings(rows: Iterable[FieldRow]) -> Holdings:
    """Group `field_rows()` by category, the copies apart, and the tables that hold nothing
    personal under their own heading."""
    rows = list(rows)
    by_category = [
        CategoryHoldings(
            category=category,
            sensitive=category in SENSITIVE_CATEGORIES,
            rows=[row for row in rows if category in row.categories],
        )
        for category in DataCategory
    ]
    tables: dict[str, list[FieldRow]] = {}
    for row in rows:
        tables.setdefault(row.table, []).append(row)
    other_tables = [
        TableRow(
            app=first.app,
            model=first.model,
            model_label=first.model_label,
            table=table,
            path=first.path,
            destruction=first.destruction,
            note=first.note,
        )
        for table, (first, *rest) in tables.items()
        if not any(row.personal for row in (first, *rest))
    ]
    return Holdings(
        by_category=[section for section in by_category if section.rows],
        copies=[row for row in rows if row.copied],
        other_tables=other_tables,
    )
