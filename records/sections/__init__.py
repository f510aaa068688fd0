"""The tabs of a child's record, in the order the pages show them.

Each area describes its tab in records/sections/<area>.py (see records/sections/base.py).
"""

from __future__ import annotations

from typing import Any

from records.permissions import can_see_area
from records.sections import (
    attainment,
    attendance,
    behaviour,
    characteristics,
    contacts,
    health,
    notes,
    pep,
    safeguarding,
    schools,
)
from records.sections.base import Column, Section, Tab, attr

TABS: tuple[Tab, ...] = (
    characteristics.TAB,
    schools.TAB,
    attendance.TAB,
    attainment.TAB,
    behaviour.TAB,
    pep.TAB,
    safeguarding.TAB,
    health.TAB,
    notes.TAB,
    contacts.TAB,
)

__all__ = ["TABS", "Column", "Section", "Tab", "attr", "tab_by_slug", "tabs_for"]


def tab_by_slug(slug: str) -> Tab | None:
    return next((tab for tab in TABS if tab.slug == slug), None)


def tabs_for(user: Any) -> list[Tab]:
    """The tabs this user may open on a child they can see (sensitive ones need the permission)."""
    return [tab for tab in TABS if can_see_area(user, tab.slug)]
