"""How a recorded value reads, on the record's pages and in its history alike (issue 16): one
formatter, so that "Placed in borough" says "Yes" on the characteristics page and in the
history, and an academic year reads "2025/26" wherever it is shown.

`display_value` takes a Python value (a history's logged text is first read back through the
field: `from_logged`) and returns the text shown, or "" for nothing recorded; each caller
says how it shows nothing ("–" on a page, "(none)" in the history).
"""

from __future__ import annotations

from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.formats import date_format

from records.calendar import academic_year_label

# Fields holding the year an academic year starts (2025 for 2025/26): records/models/attainment.py
# and records/models/attendance.py.
ACADEMIC_YEAR_FIELDS = frozenset({"academic_year"})


def display_value(
    value: object, *, field: models.Field | None = None, short_dates: bool = False
) -> str:
    """`value` as the pages show it: choices by label, True/False as Yes/No, dates as GOV.UK
    dates ("4 December 2026"; "4 Dec 2026" in a list's table, where the GOV.UK style guide
    allows shortened months), an academic year as "2025/26"; "" when nothing is recorded."""
    if value is None or value == "":
        return ""
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
    if field is not None and field.name in ACADEMIC_YEAR_FIELDS and isinstance(value, int):
        return academic_year_label(value)
    return str(value)


def from_logged(field: models.Field, text: str) -> object:
    """The Python value of `field` that django-auditlog logged as `text` ("True", "2025",
    "2026-01-05"); the text itself when the field cannot read it back."""
    if field.choices:
        return text  # choices are looked up by their stored text
    try:
        return field.to_python(text)
    except (ValidationError, TypeError, ValueError):
        return text
