"""When a dated row is open: the one rule, in Python, as a Django Q and as SQL.

Episodes, enrolments, allocations, characteristics and the record's other dated rows run from
a `start_date` to an `end_date` that is empty while they go on, both days included. Such a row
is open on a day when it started on or before the day and has not ended before it; open during
a period (first to last day) when it started by the last day and had not ended before the
first. The three forms below say the same thing, and a test holds them equal
(tests/records/test_spans.py).
"""

from __future__ import annotations

from datetime import date

from django.db.models import Q


def is_open(start: date, end: date | None, first: date, last: date | None = None) -> bool:
    """Whether a row from `start` to `end` (None: not ended) is open on `first`, or at some
    time from `first` to `last` when `last` is given."""
    return start <= (last or first) and (end is None or end >= first)


def open_q(first: date, last: date | None = None, *, prefix: str = "") -> Q:
    """is_open as a filter on a model's start_date and end_date (`prefix`: a relation's path
    ending in "__", e.g. "enrolments__")."""
    return Q(**{f"{prefix}start_date__lte": last or first}) & (
        Q(**{f"{prefix}end_date__isnull": True}) | Q(**{f"{prefix}end_date__gte": first})
    )


def open_sql(alias: str = "") -> str:
    """is_open as an SQL condition on start_date and end_date (of table `alias`, if given).
    It takes two parameters, in open_sql_params' order."""
    column = f"{alias}." if alias else ""
    return f"{column}start_date <= %s AND ({column}end_date IS NULL OR {column}end_date >= %s)"


def open_sql_params(first: date, last: date | None = None) -> list[date]:
    """The parameters of open_sql for a day, or for a period from `first` to `last`."""
    return [last or first, first]
