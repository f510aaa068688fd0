"""CSV downloads that a spreadsheet opens safely.

Spreadsheet programs run a cell that starts with = + - @ (or a tab or carriage return) as a
formula (OWASP, "CSV Injection"); every cell we write that starts so is prefixed with a single
quote, which makes the spreadsheet show it as text. Numbers stay numbers: only text is escaped.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator, Sequence

from django.http import StreamingHttpResponse

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    """A CSV cell a spreadsheet will show as text, never run as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(rows: Iterable[Sequence[object]]) -> Iterator[str]:
    """Each row as one CSV line, every text cell made safe."""
    writer = csv.writer(_Echo())
    for row in rows:
        yield writer.writerow([safe_cell(cell) for cell in row])


def csv_response(*, filename: str, rows: Iterable[Sequence[object]]) -> StreamingHttpResponse:
    """A streamed CSV download of `rows` (the first row is the header)."""
    response = StreamingHttpResponse(csv_lines(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response
