"""How an area of the child record is described once and served by generic pages and API.

A `Tab` is one page of a child's record (Safeguarding, Health, ...); it holds `Section`s, each
one kind of row (court orders, professionals involved). A section names its model, the form
that checks input shape, the service functions that create and update rows (where the rules
are), and the columns its list shows. records/views/sections.py and records/api/ serve every
section from this description, with the same permission checks.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.db.models import Model, QuerySet

from records.categories import SENSITIVE_CATEGORIES, DataCategory
from records.datamap import DATA_MAP
from records.models import Child, ChildRecord

# create(actor=, child=, **cleaned_data) -> row; update(actor=, instance=, expected_version=,
# **cleaned_data) -> row. Both raise DomainError with per-field messages.
CreateService = Callable[..., ChildRecord]
UpdateService = Callable[..., ChildRecord]


@dataclass(frozen=True)
class Column:
    """One column of a section's list: a heading and how to show a row's value."""

    heading: str
    value: Callable[[Any], object]
    numeric: bool = False


def attr(name: str) -> Callable[[Any], object]:
    """A column value read from an attribute, using get_FOO_display for fields with choices."""

    def read(row: Model) -> object:
        display = getattr(row, f"get_{name}_display", None)
        return display() if callable(display) else getattr(row, name)

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

    def queryset(self, child: Child, user: Any) -> QuerySet:
        if self.rows is not None:
            return self.rows(child, user)
        return self.model.objects.filter(child=child)


@dataclass(frozen=True)
class Tab:
    """One page of the record. Its slug is an area of the data map (records.datamap.Area): the
    categories the tab shows are the map's for that area, never declared here a second time."""

    slug: str
    title: str
    sections: tuple[Section, ...] = ()
    # A tab with a page of its own (attendance) names its view; otherwise sections are listed.
    view: Callable[..., Any] | None = None
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
        return bool(self.categories) and self.categories <= SENSITIVE_CATEGORIES

    def section(self, slug: str) -> Section | None:
        return next((section for section in self.sections if section.slug == slug), None)
