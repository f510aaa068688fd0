"""The SSDA903 return's tables as a file holds them: one table's CSV, a zip of the tables' CSVs
(see docs/imports/ssda903.md), or the return's XML form (records/imports/ssda903_xml.py). Each
table is recognised by its header row; records/imports/ssda903.py reads their rows. Every form
is read as a stream (a zip's CSVs are copied out to a temporary directory first), so memory
does not grow with the file (issue 12).

Field names are the DfE's (../shared/reference/DOMAIN.md section (i); SocialFinanceDigitalLabs/
liia-tools liiatools/spec/s903/SSDA903_schema_2024.yml).
"""

from __future__ import annotations

import shutil
import tempfile
import zipfile
from collections.abc import Iterable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from records.imports.base import FileUnreadableError
from records.imports.csvfile import CsvStream, stream_csv
from records.imports.guide import Column, FileTable
from records.imports.ssda903_xml import count_903_xml_rows, looks_like_xml, read_903_xml

HEADER, EPISODES = "Header", "Episodes"
# The columns each table must have, and the optional ones read, declared once
# (records/imports/guide.py): the upload page and its templates show the same.
_CHILD = Column("CHILD", "the child's LA child id", example="DEMO0001")


def _table(name: str, *columns: Column) -> FileTable:
    """A table of the return: CHILD first, then its own columns."""
    return FileTable(slug=f"ssda903-{name.lower()}", name=name, columns=(_CHILD, *columns))


HEADER_TABLE = _table(
    HEADER,
    Column("SEX", "1 (male) or 2 (female)", example="1"),
    Column("DOB", "date of birth, dd/mm/yyyy", example="01/03/2015"),
    Column("ETHNIC", "a DfE main ethnicity code", example="WBRI"),
    Column("UPN", "the UPN, or UN1 to UN5 when it is not known", example="T873200015001"),
)
_OPTIONAL = {"required": False}
EPISODES_TABLE = _table(
    EPISODES,
    Column("DECOM", "the episode's start, dd/mm/yyyy", example="01/09/2024"),
    Column("RNE", "reason for a new episode (S, L, P, T, U, B)", example="S", **_OPTIONAL),
    Column("LS", "legal status (C2, V2, ...)", example="C2"),
    Column("CIN", "category of need (N1 to N8)", example="N1", **_OPTIONAL),
    Column("PL_LA", "the LA code of the placement's area", example="873", **_OPTIONAL),
    Column("DEC", "the episode's end, dd/mm/yyyy, if it has ended"),
    Column("REC", "reason the episode ended (with DEC)"),
)
HEADER_COLUMNS = HEADER_TABLE.required
EPISODE_COLUMNS = EPISODES_TABLE.required
# A table is recognised by these columns: only the Header has UPN with SEX and DOB, only the
# Episodes table has DECOM with LS (the UASC, Reviews and other tables have neither set).
_HEADER_SIGNATURE = frozenset({"CHILD", "SEX", "DOB", "UPN"})
_EPISODES_SIGNATURE = frozenset({"CHILD", "DECOM", "LS"})


# One row of a return as read: (its table, row number, values by column, why its shape is
# wrong or "").
ReturnRow = tuple[str, int, dict[str, str], str]


@dataclass
class Table:
    kind: str  # HEADER or EPISODES
    source: str
    # (row number, values by column, why the row's shape is wrong or ""), read as they are
    # used: a table's rows are never all held at once
    rows: Iterable[tuple[int, dict[str, str], str]]
    size: int  # about how many rows, for the progress bar


@dataclass
class ReturnRows:
    """A return's rows, Header and Episodes, in the order the file gives them (a CSV's Header
    table, then its Episodes table; the XML's CHILD elements one after the other), read as
    they are used."""

    rows: Iterator[ReturnRow]
    size: int  # about how many rows, for the progress bar


def table_kind(columns: list[str]) -> str | None:
    """HEADER, EPISODES or None for a CSV header row (column names upper-cased)."""
    names = set(columns)
    if names >= _EPISODES_SIGNATURE:
        return EPISODES
    if names >= _HEADER_SIGNATURE:
        return HEADER
    return None


def _open_table(path: Path, source: str, stack: ExitStack) -> Table | None:
    """The table in one CSV on disk, or None when it is a 903 table this import does not
    read. The file is read as a stream by records/imports/csvfile.py: UTF-8 or Windows-1252,
    commas only, quotes closed; a row with more or fewer fields than the header is kept with
    its problem, for the importer to reject (issue 12: short rows were padded before)."""
    stream = stack.enter_context(stream_csv(path, source))
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
    return Table(kind=kind, source=source, rows=_values(stream, columns), size=_lines(path))


def _lines(path: Path) -> int:
    with path.open("rb") as stream:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: stream.read(1024 * 1024), b""))


def _values(stream: CsvStream, columns: list[str]) -> Iterator[tuple[int, dict[str, str], str]]:
    for row in stream.rows:
        cells = row.cells[: len(columns)] + [""] * (len(columns) - len(row.cells))
        yield row.number, dict(zip(columns, cells, strict=True)), row.problem


def _zip_members(path: Path, directory: Path) -> list[tuple[str, Path]]:
    """The CSV files in a zip of a return's tables, by name, each copied to `directory` so
    that it is read as a stream rather than held."""
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
            sources = []
            for number, info in enumerate(members):
                target = directory / f"{number}.csv"
                with bundle.open(info) as member, target.open("wb") as out:
                    shutil.copyfileobj(member, out, 1024 * 1024)
                sources.append((Path(info.filename).name, target))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError) as error:
        raise FileUnreadableError("The zip file cannot be read") from error
    if not sources:
        raise FileUnreadableError("The zip file holds no CSV files")
    return sources


@contextmanager
def open_return(path: Path, file_name: str) -> Iterator[ReturnRows]:
    """The Header and Episodes rows in a stored file: one CSV, a zip of CSVs, or the XML
    return (records/imports/ssda903_xml.py), read under the same rules, as a stream (issue
    12: memory stays flat as the file grows)."""
    with ExitStack() as stack:
        if zipfile.is_zipfile(path):
            directory = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="903-")))
            sources = _zip_members(path, directory)
        else:
            with path.open("rb") as stream:
                start = stream.read(4096)
            if start.startswith(b"PK\x03\x04") or file_name.lower().endswith(".zip"):
                raise FileUnreadableError(
                    "The zip file cannot be read: it is damaged or incomplete"
                )
            if b"\x00" not in start and looks_like_xml(start):
                yield ReturnRows(rows=read_903_xml(path), size=count_903_xml_rows(path))
                return
            sources = [(file_name, path)]
        tables: dict[str, Table] = {}
        for source, member in sources:
            table = _open_table(member, source, stack)
            if table is None:
                continue
            if table.kind in tables:
                raise FileUnreadableError(
                    f"Both {tables[table.kind].source} and {source} are 903 {table.kind} "
                    "tables: import one return at a time"
                )
            tables[table.kind] = table
        if not tables:
            raise FileUnreadableError(
                "No SSDA903 Header or Episodes table found: the Header's first row names CHILD, "
                "SEX, DOB, ETHNIC and UPN; the Episodes' first row names CHILD, DECOM, LS, DEC "
                "and REC"
            )
        ordered = [tables[kind] for kind in (HEADER, EPISODES) if kind in tables]
        yield ReturnRows(
            rows=(
                (table.kind, row, values, problem)
                for table in ordered
                for row, values, problem in table.rows
            ),
            size=sum(table.size for table in ordered),
        )
