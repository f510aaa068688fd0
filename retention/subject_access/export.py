"""Building the subject-access export: a ZIP of one CSV and one JSON file per area of the data
map, and a readable summary page.

Each mapped table that reaches a child (every `Entry` whose reach is not Reach.NONE: the record's
own rows by foreign key, the access log and batch events by child_id, django-auditlog's entries
by their indexed child id, import rejections by their matched child, and whatever other apps
register, sharing's disclosures included) is read with `Entry.rows_for_children`, the same lookup
destruction uses: one query per entry, whatever the number of rows, streamed from a server-side
cursor into the ZIP, which is written to a temporary file, so memory stays bounded.

Every concrete field of each row is written, by its column (`attname`: a foreign key's id), with
the category the map gives it.
"""

from __future__ import annotations

import csv
import datetime
import decimal
import io
import json
import tempfile
import uuid
import zipfile
from dataclasses import dataclass, field
from typing import IO, Any

from django.db import models
from django.template.loader import render_to_string
from django.utils import timezone

from records.categories import DataCategory
from records.datamap import DATA_MAP, Area, DataMap, Entry, Reach
from records.models import Child

# Rows are fetched from the cursor this many at a time.
CHUNK = 2000
SUMMARY_FILE = "summary.html"
CSV_HEADER = ("table", "kind_of_record", "row", "field", "field_label", "category", "value")


def exported_entries(data_map: DataMap = DATA_MAP) -> list[Entry]:
    """Every map entry whose rows reach a child: what the export walks, in the map's order."""
    return [entry for entry in data_map if entry.reach is not Reach.NONE]


def _columns(entry: Entry) -> list[models.Field]:
    return list(entry.model._meta.concrete_fields)


def _plain(value: Any) -> Any:
    """A value as JSON can hold it."""
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, uuid.UUID | decimal.Decimal):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return bytes(value).hex()
    return value


def _text(value: Any) -> str:
    """A value as a CSV cell: empty for none, JSON for a structure."""
    value = _plain(value)
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    return str(value)


@dataclass
class TableSummary:
    entry: Entry
    rows: int = 0
    fields: list[tuple[str, str, str]] = field(default_factory=list)  # name, label, category

    @property
    def label(self) -> str:
        return str(self.entry.model._meta.verbose_name)


@dataclass
class AreaSummary:
    area: Area
    csv_file: str
    json_file: str
    tables: list[TableSummary] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return sum(table.rows for table in self.tables)


def _category(entry: Entry, model_field: models.Field, row: dict[str, Any] | None) -> str:
    """The field's category in words; for a field filed row by row, the row's own."""
    source = entry.declaration.by_row.get(model_field.name)
    if source is not None and row is not None:
        value = row.get(entry.model._meta.get_field(source).attname)
        if value:
            return DataCategory(value).label
    return entry.describe(model_field.name)


def _write_entry(
    entry: Entry, child: Child, csv_out: csv.writer, json_out: IO[str], first_table: bool
) -> TableSummary:
    columns = _columns(entry)
    names = [column.attname for column in columns]
    summary = TableSummary(
        entry=entry,
        fields=[(c.attname, str(c.verbose_name), entry.describe(c.name)) for c in columns],
    )
    if not first_table:
        json_out.write(",\n")
    json_out.write(f"{json.dumps(entry.table)}: {{")
    json_out.write(f'"kind_of_record": {json.dumps(summary.label)}, "rows": [')
    rows = entry.rows_for_children([child.pk]).order_by("pk").values_list(*names).iterator(CHUNK)
    for values in rows:
        row = dict(zip(names, values, strict=True))
        if summary.rows:
            json_out.write(", ")
        json_out.write(json.dumps({k: _plain(v) for k, v in row.items()}, ensure_ascii=False))
        summary.rows += 1
        row_id = _text(row.get(entry.model._meta.pk.attname))
        for column in columns:
            csv_out.writerow(
                [
                    entry.table,
                    summary.label,
                    row_id,
                    column.attname,
                    str(column.verbose_name),
                    _category(entry, column, row),
                    _text(row[column.attname]),
                ]
            )
    json_out.write("]}")
    return summary


def _area_order(entries: list[Entry]) -> list[Area]:
    present = {entry.area for entry in entries}
    return [area for area in Area if area in present]


def export_write(
    *, child: Child, out: IO[bytes], data_map: DataMap = DATA_MAP
) -> list[AreaSummary]:
    """Write the child's export as a ZIP to `out`; return what each area's files hold."""
    entries = exported_entries(data_map)
    areas: list[AreaSummary] = []
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for area in _area_order(entries):
            summary = AreaSummary(area=area, csv_file=f"{area}.csv", json_file=f"{area}.json")
            with tempfile.TemporaryFile("w+", encoding="utf-8") as json_out:
                # The area's CSV goes straight into the archive; its JSON into a temporary
                # file, copied in once the CSV's entry is closed (one entry open at a time).
                with archive.open(summary.csv_file, "w") as csv_bytes:
                    csv_text = io.TextIOWrapper(csv_bytes, encoding="utf-8", newline="")
                    csv_out = csv.writer(csv_text)
                    csv_out.writerow(CSV_HEADER)
                    json_out.write(f'{{"area": {json.dumps(str(area))}, "tables": {{\n')
                    for entry in (e for e in entries if e.area == area):
                        summary.tables.append(
                            _write_entry(entry, child, csv_out, json_out, not summary.tables)
                        )
                    json_out.write("}}\n")
                    csv_text.flush()
                    csv_text.detach()
                json_out.seek(0)
                with archive.open(summary.json_file, "w") as json_bytes:
                    while chunk := json_out.read(64 * 1024):
                        json_bytes.write(chunk.encode("utf-8"))
            areas.append(summary)
        archive.writestr(
            SUMMARY_FILE,
            render_to_string(
                "retention/subject_access_summary.html",
                {
                    "child": child,
                    "areas": areas,
                    "made_at": timezone.now(),
                    "total": sum(area.rows for area in areas),
                },
            ),
        )
    return areas


def export_file(*, child: Child) -> IO[bytes]:
    """The export in a temporary file, read from its start; the caller closes it."""
    out = tempfile.TemporaryFile()  # noqa: SIM115 - the response that streams it closes it
    try:
        export_write(child=child, out=out)
    except BaseException:
        out.close()
        raise
    out.seek(0)
    return out
