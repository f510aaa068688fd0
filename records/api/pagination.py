"""Cursor pagination for the API's large lists (STYLE.md: never PageNumberPagination).

A cursor is the position of the last row shown, base64 in the query string, so it must follow
a column that names no one: the time a child was added (never their name or UPN, which a
cursor would carry into URLs and logs). Ties fall back to an offset within the same instant.

A cursor is read strictly: DRF's CursorPagination skips characters that are not base64 (so
"%%%" reads as no cursor, the first page) and hands the position to the database unread (so a
position that is not a time, or one in year 1, is a 500). Anything but a cursor of the shape
DRF itself writes is answered 404 "Invalid cursor", as DRF answers the malformed ones it
notices.
"""

from __future__ import annotations

import binascii
import datetime
from base64 import b64decode
from typing import Any
from urllib import parse

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import connection, models
from rest_framework.exceptions import NotFound
from rest_framework.pagination import Cursor, CursorPagination

from virtualschool import dates

# The parameters of a cursor as CursorPagination.encode_cursor writes them: offset, reverse,
# position.
CURSOR_KEYS = frozenset({"o", "r", "p"})


class StrictCursorPagination(CursorPagination):
    """CursorPagination that refuses, as an invalid cursor, anything it did not write."""

    page_size_query_param = None

    def paginate_queryset(self, queryset: Any, request: Any, view: Any = None) -> Any:
        self._model = queryset.model
        return super().paginate_queryset(queryset, request, view)

    def decode_cursor(self, request: Any) -> Cursor | None:
        encoded = request.query_params.get(self.cursor_query_param)
        if encoded is None:
            return None
        cursor = self._read(encoded)
        if cursor is None:
            raise NotFound(self.invalid_cursor_message)
        return cursor

    def _read(self, encoded: str) -> Cursor | None:
        try:
            text = b64decode(encoded.encode("ascii"), validate=True).decode("ascii")
            tokens = parse.parse_qs(text, keep_blank_values=True, strict_parsing=True)
        except (binascii.Error, UnicodeError, ValueError):
            return None
        if not tokens or set(tokens) - CURSOR_KEYS or any(len(v) != 1 for v in tokens.values()):
            return None
        offset = tokens.get("o", ["0"])[0]
        reverse = tokens.get("r", ["0"])[0]
        position = tokens.get("p", [None])[0]
        if not (offset.isascii() and offset.isdigit()) or int(offset) > self.offset_cutoff:
            return None
        if reverse not in ("0", "1"):
            return None
        if position is not None and not self._position_ok(position):
            return None
        return Cursor(offset=int(offset), reverse=reverse == "1", position=position)

    def _position_ok(self, position: str) -> bool:
        """Whether `position` is a value of the ordering column that the database can compare:
        one its field reads, within the service's dates for a date or time, within the
        column's range for a number, and without the NUL that PostgreSQL refuses in text."""
        if "\x00" in position:
            return False
        try:
            field = self._model._meta.get_field(self.ordering[0].lstrip("-"))
            value = field.to_python(position)
        except (FieldDoesNotExist, ValidationError, ValueError, TypeError, OverflowError):
            return False
        if isinstance(value, datetime.date):
            return dates.in_range(value)
        if isinstance(field, models.IntegerField):
            low, high = connection.ops.integer_field_range(field.get_internal_type())
            return (low is None or value >= low) and (high is None or value <= high)
        return value is not None


class ChildCursorPagination(StrictCursorPagination):
    """Children in the order they were added to the record, 50 to a page."""

    ordering = ("created_at", "id")
    page_size = 50


class SchoolCursorPagination(StrictCursorPagination):
    """Schools by their DfE URN, 100 to a page."""

    ordering = ("urn",)
    page_size = 100
