"""The SSDA903 return's tables as a file holds them: one table's CSV, a zip of the tables' CSVs
(see docs/imports/ssda903.md), or the return's XML form (records/imports/ssda903_xml.py). Each
table is recognised by its header row; records/imports/ssda903.py reads their rows.

Field names are the DfE's (../shared/reference/DOMAIN.md section (i); SocialFinanceDigitalLabs/
liia-tools liiatools/spec/s903/SSDA903_schema_2024.yml).
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from records.imports.base import FileUnreadableError
from records.imports.csvfile import CsvStream, stream_csv_data
from records.imports.ssda903_xml import looks_like_xml, read_903_xml

HEADER, EPISODES = "Header", "Episodes"
HEADER_COLUMNS = ("CHILD", "SEX", "DOB", "ETHNIC", "UPN")
EPISODE_COLUMNS = ("CHILD", "DECOM", "LS", "DEC", "REC")
# A table is recognised by these columns: only the Header has UPN with SEX and DOB, only the
# Episodes table has DECOM with LS (the UASC, Reviews and other tables have neither set).
_HEADER_SIGNATURE = frozenset({"CHILD", "SEX", "DOB", "UPN"})
_EPISODES_SIGNATURE = frozenset({"CHILD", "DECOM", "LS"})


@dataclass
class Table:
    kind: str  # HEADER or EPISODES
    source: str
    # (row number, values by column, why the row's shape is wrong or ""), read as they are
    # used: a CSV's rows are not all held at once
    rows: Iterable[tuple[int, dict[str, str], str]]
    size: int  # about how many rows, for the progress bar


def table_kind(columns: list[str]) -> str | None:
    """HEADER, EPISODES or None for a CSV header row (column names upper-cased)."""
    names = set(columns)
    if names >= _EPISODES_SIGNATURE:
        return EPISODES
    if names >= _HEADER_SIGNATURE:
        return HEADER
    return None


def read_table(data: bytes, source: str) -> Table | None:
    """The table in one CSV, or None when it is a 903 table this import does not read. The
    file is read by records/imports/csvfile.py: UTF-8 or Windows-1252, commas only, quotes
    closed; a row with more or fewer fields than the header is kept with its problem, for the
    importer to reject (issue 12: short rows were padded before)."""
    stream = stream_csv_data(data, source)
    columns = stream.columns
    kind = table_kind(columns)
    if kind is None:
        for _ in stream.rows:  # read through, so that a broken quote is still named
            pass
        return None
    required = HEADER_COLUMNS if kind == HEADER else EPISODE_COLUMNS
    missing = [name for name in required if name not in columns]
    if missing:
        raise FileUnreadableError(
            f"{source} looks like the 903 {kind} table but has no {', '.join(missing)} column"
        )
    return Table(kind=kind, source=source, rows=_values(stream, columns), size=data.count(b"\n"))


def _values(stream: CsvStream, columns: list[str]) -> Iterator[tuple[int, dict[str, str], str]]:
    for row in stream.rows:
        cells = row.cells[: len(columns)] + [""] * (len(columns) - len(row.cells))
        yield row.number, dict(zip(columns, cells, strict=True)), row.problem


def _zip_sources(path: Path) -> list[tuple[str, bytes]]:
    """The CSV files in a zip of a return's tables, by name."""
    try:
        with zipfile.ZipFile(path) as bundle:
            members = [
                info
                for info in bundle.infolist()
                if not info.is_dir()
                and info.filename.lower().endswith(".csv")
                and not info.filename.startswith("__MACOSX/")
            ]
            if sum(info.file_size for info in members) > settings.IMPORT_MAX_BYTES:
                raise FileUnreadableError("The zip's files are larger than an import can take")
            sources = [(Path(info.filename).name, bundle.read(info)) for info in members]
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError) as error:
        raise FileUnreadableError("The zip file cannot be read") from error
    if not sources:
        raise FileUnreadableError("The zip file holds no CSV files")
    return sources


def read_tables(path: Path, file_name: str) -> dict[str, Table]:
    """The Header and Episodes tables in a stored file: one CSV, a zip of CSVs, or the XML
    return (records/imports/ssda903_xml.py), read under the same rules."""
    if zipfile.is_zipfile(path):
        sources = _zip_sources(path)
    else:
        with path.open("rb") as stream:
            start = stream.read(4096)
        if start.startswith(b"PK\x03\x04") or file_name.lower().endswith(".zip"):
            raise FileUnreadableError("The zip file cannot be read: it is damaged or incomplete")
        if b"\x00" not in start and looks_like_xml(start):
            headers, episodes = read_903_xml(path)
            return {
                HEADER: Table(kind=HEADER, source=file_name, rows=headers, size=len(headers)),
                EPISODES: Table(kind=EPISODES, source=file_name, rows=episodes, size=len(episodes)),
            }
        sources = [(file_name, path.read_bytes())]
    tables: dict[str, Table] = {}
    for source, data in sources:
        table = read_table(data, source)
        if table is None:
            continue
        if table.kind in tables:
            raise FileUnreadableError(
                f"Both {tables[table.kind].source} and {source} are 903 {table.kind} tables: "
                "import one return at a time"
            )
        tables[table.kind] = table
    if not tables:
        raise FileUnreadableError(
            "No SSDA903 Header or Episodes table found: the Header's first row names CHILD, SEX, "
            "DOB, ETHNIC and UPN; the Episodes' first row names CHILD, DECOM, LS, DEC and REC"
        )
    return tables
