"""The range of dates the service accepts, wherever a date comes in: forms and the API
(virtualschool.forms.GovukDateField), API cursors (records.api.pagination) and import files.

Nothing the service records happens before 1900 or after 2100: a date outside is a typing
slip (0024 for 2024) or a probe, and dates near year 1 or 9999 overflow date arithmetic
(`date.max + timedelta(days=1)` raises OverflowError), so they are refused where they enter.
"""

from __future__ import annotations

import datetime

EARLIEST = datetime.date(1900, 1, 1)
LATEST = datetime.date(2100, 12, 31)
OUT_OF_RANGE = f"must be between {EARLIEST.year} and {LATEST.year}"


def in_range(value: datetime.date) -> bool:
    """Whether a date (or a datetime's date) lies within EARLIEST..LATEST."""
    if isinstance(value, datetime.datetime):
        value = value.date()
    return EARLIEST <= value <= LATEST
