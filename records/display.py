"""How a recorded value reads, on the record's pages and in its history alike (issue 16): one
formatter, so that "Placed in borough" says "Yes" on the characteristics page and in the
history, and an academic year reads "2025/26" wherever it is shown.

The generic rules (choices by label, Yes/No, GOV.UK dates, lists joined, a logged text read
back through its field) are `virtualschool.display`'s, shared with the staff and sharing
pages' changes tables; this adds only what the record has of its own, the academic year.
"""

from __future__ import annotations

from django.db import models

from records.calendar import academic_year_label
from virtualschool import display
from virtualschool.display import from_logged

__all__ = ["ACADEMIC_YEAR_FIELDS", "display_value", "from_logged"]

# Fields holding the year an academic year starts (2025 for 2025/26): records/models/attainment.py
# and records/models/attendance.py.
ACADEMIC_YEAR_FIELDS = frozenset({"academic_year"})


def display_value(
    value: object, *, field: models.Field | None = None, short_dates: bool = False
) -> str:
    """`value` as the pages show it (virtualschool.display.display_value), an academic year
    as "2025/26"; "" when nothing is recorded."""
    if (
        field is not None
        and not field.choices
        and field.name in ACADEMIC_YEAR_FIELDS
        and type(value) is int
    ):
        return academic_year_label(value)
    return display.display_value(value, field=field, short_dates=short_dates)
