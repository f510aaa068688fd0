"""Cursor pagination for the API's large lists (STYLE.md: never PageNumberPagination).

A cursor is the position of the last row shown, base64 in the query string, so it must follow
a column that names no one: the time a child was added (never their name or UPN, which a
cursor would carry into URLs and logs). Ties fall back to an offset within the same instant.
"""

from __future__ import annotations

from rest_framework.pagination import CursorPagination


class ChildCursorPagination(CursorPagination):
    """Children in the order they were added to the record, 50 to a page."""

    ordering = ("created_at", "id")
    page_size = 50
    page_size_query_param = None


class SchoolCursorPagination(CursorPagination):
    """Schools by their DfE URN, 100 to a page."""

    ordering = ("urn",)
    page_size = 100
    page_size_query_param = None
