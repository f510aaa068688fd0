"""Print the data map: one line per field of every table that holds or mentions a child.

The authority's record of processing for the system (DESIGN.md, "One map of a child's data"),
read from `records.datamap.field_rows()`, the same rows the Admin's "What we hold" page shows.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from records.datamap import FieldRow, field_rows

FORMATS = ("table", "csv", "json")
COLUMNS = (
    "app",
    "model",
    "table",
    "reach",
    "child_lookup",
    "field",
    "category",
    "sensitive",
    "destruction",
    "cleared_on_redaction",
)
# A copy's sensitivity is that of the field it copies.
AS_COPIED = "as copied"


def _values(row: FieldRow) -> dict[str, Any]:
    """The row as JSON gives it: booleans stay booleans, "not applicable" is null."""
    return {
        "app": row.app,
        "model": row.model,
        "table": row.table,
        "reach": row.reach.value,
        "child_lookup": row.child_lookup,
        "field": row.field,
        "category": row.category,
        "sensitive": row.sensitive,
        "destruction": row.destruction.value,
        "cleared_on_redaction": row.cleared,
    }


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _cells(row: FieldRow) -> list[str]:
    values = _values(row)
    if row.sensitive is None:
        values["sensitive"] = AS_COPIED
    return [_text(values[column]) for column in COLUMNS]


class Command(BaseCommand):
    help = (
        "Print the data map, one line per field: app, model, table, how a row reaches its "
        "child, field, category, whether it is sensitive and what destroying the child does."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        # Checked in handle(), so a wrong value is a CommandError that names the allowed ones.
        parser.add_argument(
            "--format",
            default="table",
            help=f"Output format: {', '.join(FORMATS)} (default: table).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        output_format = options["format"]
        if output_format not in FORMATS:
            raise CommandError(
                f"Unknown format {output_format!r}: use one of {', '.join(FORMATS)}."
            )
        rows = field_rows()
        if output_format == "json":
            self.stdout.write(json.dumps([_values(row) for row in rows], indent=2))
        elif output_format == "csv":
            buffer = io.StringIO()
            writer = csv.writer(buffer, lineterminator="\n")
            writer.writerow(COLUMNS)
            writer.writerows(_cells(row) for row in rows)
            self.stdout.write(buffer.getvalue(), ending="")
        else:
            self._table([list(COLUMNS), *(_cells(row) for row in rows)])

    def _table(self, lines: list[list[str]]) -> None:
        widths = [max(len(line[i]) for line in lines) for i in range(len(COLUMNS))]
        for line in lines:
            self.stdout.write(
                "  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip()
            )
