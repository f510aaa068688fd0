"""How an area of the child record is described once and served by generic pages and API.

A `Tab` is one page of a child's record (Safeguarding, Health, ...); it holds `Section`s, each
one kind of row (court orders, professionals involved). A section names its model, the form
that checks input shape, the service functions that create and update rows (where the rules
are), and the columns its list shows. records/views/sections.py and records/api/ serve every
section from this description, with the same permission checks.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet

from records.categories import DataCategory
from records.datamap import DATA_MAP
from records.models import Child, ChildRecord
from records.permissions import can_see_field, needs_sensitive_permission

# create(actor=, child=, **cleaned_data) -> row; update(actor=, instance=, expected_version=,
# **cleaned_data) -> row. Both raise DomainError with per-field messages.
CreateService = Callable[..., ChildRecord]
UpdateService = Callable[..., ChildRecord]


@dataclass(frozen=True)
class Column:
    """One column of a section's list: a heading, how to show a row's value, and the fields of
    the section's model it shows. A user sees the column only if they may see every one of
    those fields (records.permissions.can_see_field, which reads the data map); a column that
    names no field is shown to nobody. `attr(name)` names its field itself."""

    heading: str
    value: Callable[[Any], object]
    numeric: bool = False
    fields: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.fields:
            object.__setattr__(self, "fields", tuple(getattr(self.value, "fields", ())))


def attr(name: str) -> Callable[[Any], object]:
    """A column value read from an attribute, using get_FOO_display for fields with choices."""

    def read(row: Model) -> object:
        display = getattr(row, f"get_{name}_display", None)
        return display() if callable(display) else getattr(row, name)

    read.fields = (name,)  # type: ignore[attr-defined]
    return read


@dataclass(frozen=True)
class Section:
    slug: str
    title: str  # the heading over the list, e.g. "Court orders"
    item_name: str  # one row, lower case, e.g. "court order"
    model: type[ChildRecord]
    form_class: type[forms.Form]
    create: CreateService
    update: UpdateService
    columns: tuple[Column, ...]
    # Rows of this section for a child, as the user may see them; default: all the child's rows.
    rows: Callable[[Child, Any], QuerySet] | None = None
    # Extra keyword arguments for the form (e.g. which note categories the user may choose).
    form_kwargs: Callable[[Any], dict[str, Any]] = field(default=lambda user: {})
    # A section with at most one row per child (characteristics): edited, never listed.
    single: bool = False
    # A warning to show once a row is saved, from the section's services ("" for none): a row
    # that is allowed but unusual (a suspension from a school the child has no enrolment at).
    notice: Callable[[Any], str] | None = None
    # Form fields and columns that show a field of another mapped model, by name: (model,
    # field). Seen only by a user who may see that field (the characteristics page shows and
    # sets the child's responsible LA code, issue 13). The section's model reads it as an
    # attribute of the same name, so its page and list read the row as for its own fields.
    # The form takes the child (`child=`) on the record's pages, to put the child's own
    # choices first (the school pickers, records/sections/schools.py ChildSchoolsForm).
    form_takes_child: bool = False
    borrowed: Mapping[str, tuple[type[Model], str]] = field(default_factory=dict, hash=False)

    def notice_for(self, row: Any) -> str:
        return self.notice(row) if self.notice is not None else ""

    def queryset(self, child: Child, user: Any) -> QuerySet:
        if self.rows is not None:
            return self.rows(child, user)
        return self.model.objects.filter(child=child)

    def row(self, child: Child, user: Any, item: str) -> Model | None:
        """One of the child's rows that the user may see, by the id in a URL (the page's and the
        API's); None when there is none, or when `item` is not an id of this section's rows at
        all ("abc", "1.5" or a NUL for a number; "abc" for a child's id), which a lookup
        refuses with ValueError or ValidationError. Out-of-range numbers find no row."""
        try:
            return self.queryset(child, user).get(pk=item)
        except (self.model.DoesNotExist, ValueError, ValidationError):
            return None

    def _by_row(self) -> dict[str, str]:
        entry = DATA_MAP.entry_for(self.model)
        return entry.declaration.by_row if entry is not None else {}

    def columns_for(self, user: Any) -> tuple[Column, ...]:
        """The columns this user may see. A field filed row by row (a note's text) does not
        hide its column: the rows listed are those the user may see, and `cells` judges each."""
        by_row = self._by_row()
        return tuple(
            column
            for column in self.columns
            if column.fields
            and all(name in by_row or self._may_see(user, name) for name in column.fields)
        )

    def _may_see(self, user: Any, name: str, row: Model | None = None) -> bool:
        if name in self.borrowed:
            model, field_name = self.borrowed[name]
            return can_see_field(user, model, field_name)
        return can_see_field(user, self.model, name, row=row)

    def cells(self, row: Model, user: Any, columns: tuple[Column, ...]) -> list[object]:
        """A row's values in `columns`; a by-row field the user may not see on this row is
        left blank."""
        by_row = self._by_row()
        return [
            None
            if any(
                name in by_row and not can_see_field(user, self.model, name, row=row)
                for name in column.fields
            )
            else column.value(row)
            for column in columns
        ]

    def hidden_form_fields(self, user: Any, instance: Model | None = None) -> list[str]:
        """The form's fields holding data the user may not see (of this row, when changing
        one): left out of the form, and kept as they are. A by-row field of a new row is not
        hidden; the form offers only the categories the user may file under."""
        entry = DATA_MAP.entry_for(self.model)
        if entry is None:
            return []
        declared = entry.declaration.declared
        by_row = entry.declaration.by_row
        return [
            name
            for name in self.form_class.base_fields
            if (name in declared or name in self.borrowed)
            and not (name in by_row and instance is None)
            and not self._may_see(user, name, row=instance)
        ]

    def kept_values(self, user: Any, instance: Model | None = None) -> dict[str, object]:
        """What the service gets for the form fields left out for this user: the row's own
        values when changing it, so nothing they may not see is changed or cleared; the
        model's defaults for a new row; a borrowed field gets None, which its services read
        as "leave it as it is"."""
        return {
            name: None
            if name in self.borrowed
            else getattr(instance, name)
            if instance is not None
            else self.model._meta.get_field(name).get_default()
            for name in self.hidden_form_fields(user, instance)
        }


@dataclass(frozen=True)
class Tab:
    """One page of the record. Its slug is an area of the data map (records.datamap.Area): the
    categories the tab shows are the map's for that area, never declared here a second time."""

    slug: str
    title: str
    sections: tuple[Section, ...] = ()
    # A tab with a page of its own (attendance) names its template and the read that fills it
    # (context(child=..., user=...), a selector); otherwise its sections are listed. Sections
    # name no view, so records.sections never imports records.views.
    template: str = ""
    context: Callable[..., dict[str, Any]] | None = None
    description: str = ""

    @property
    def categories(self) -> frozenset[DataCategory]:
        return DATA_MAP.area_categories(self.slug)

    @property
    def category(self) -> DataCategory | None:
        """The tab's one category, where its area holds only one."""
        categories = self.categories
        return next(iter(categories)) if len(categories) == 1 else None

    @property
    def sensitive(self) -> bool:
        """Every category the tab holds is sensitive: without the permission it is not shown."""
        categories = self.categories
        return bool(categories) and all(needs_sensitive_permission(c) for c in categories)

    def section(self, slug: str) -> Section | None:
        return next((section for section in self.sections if section.slug == slug), None)
