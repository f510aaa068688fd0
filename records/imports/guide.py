"""What a kind of file must hold, declared once beside its importer (issue 16: the upload page
gave no column guidance, template or link to the formats).

An importer module declares its columns as `Column`s in a `FileFormat` (its `FORMAT`, the
importer class's `file_format`), and its own checks read them: the columns a file must have
are the declared required ones (records/imports/attendance.py's layouts, schools.py's
REQUIRED, ssda903_tables.py's Header and Episodes columns). The upload page lists the same
declarations and `template_csv` writes a CSV template from them: the header and one row of
the declared examples, which passes the importer's checks
(tests/records/imports/test_import_guide.py imports each template). An XML format declares
no columns here: its page in docs/imports/ describes its elements.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils.module_loading import import_string

from records.imports.registry import IMPORTERS


@dataclass(frozen=True)
class Column:
    """A column a CSV file of this kind has: its header, what it holds (for a person), whether
    a file must have it, and a value that passes the importer's checks (the template's)."""

    name: str
    holds: str
    required: bool = True
    example: str = ""


@dataclass(frozen=True)
class FileTable:
    """One table of a file: `name` is "" for a file of one table (the 903 has Header and
    Episodes); `slug` names its template (`<slug>.csv`)."""

    slug: str
    columns: tuple[Column, ...]
    name: str = ""

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns if column.required)


@dataclass(frozen=True)
class FileFormat:
    """A kind of file: what it is, in a sentence, its CSV tables (none for XML), and its page
    in docs/imports/."""

    summary: str
    docs: str
    tables: tuple[FileTable, ...] = ()


def format_of(kind: str) -> FileFormat | None:
    """The FileFormat the importer of `kind` declares, or None if it declares none."""
    importer = import_string(IMPORTERS[kind])
    return getattr(importer, "file_format", None)


def table_of(kind: str, slug: str) -> FileTable | None:
    """The table of `kind` whose template is `slug`, or None."""
    found = format_of(kind)
    return next((table for table in found.tables if table.slug == slug), None) if found else None


def template_csv(table: FileTable) -> str:
    """The table's header and one row of its columns' examples, as CSV (CRLF, RFC 4180)."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([column.name for column in table.columns])
    writer.writerow([column.example for column in table.columns])
    return out.getvalue()


def format_text(kind: str) -> str | None:
    """The kind's page of docs/imports/ (settings.IMPORT_FORMATS_DIR) as it is written, in
    Markdown; None when the kind declares none or the page is not there."""
    found = format_of(kind)
    if found is None:
        return None
    page = Path(settings.IMPORT_FORMATS_DIR) / found.docs
    return page.read_text(encoding="utf-8") if page.is_file() else None
