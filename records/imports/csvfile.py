"""Reading a CSV file strictly, the same way for every importer that adopts it.

Issue 12 asks every CSV import to treat a file's shape alike:
- UTF-8 (with or without a byte order mark) and Windows-1252 are both read (Excel on Windows
  saves the second); a file with NUL bytes is not text;
- a file whose fields are separated by something other than commas (semicolons, tabs, pipes:
  a spreadsheet saved with another locale's list separator) is refused, naming the delimiter;
- a quote that is opened and never closed is refused, naming the line it opens on, rather
  than swallowing the rest of the file into one field;
- a row with more or fewer fields than the header row is an error for that row (the importer
  reports it: `Row.problem`), never padded or cut.

The SSDA903 import reads each table held in memory with stream_csv_data (records/imports/
ssda903_tables.py); the attendance and schools-register imports use stream_csv, the same rules
on a file read from disk as a stream (end of this module).
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from records.imports.base import FileUnreadableError

# Delimiters a CSV may have been saved with instead of commas, as a person would name them.
OTHER_DELIMITERS = {";": "semicolons (;)", "\t": "tabs", "|": "vertical bars (|)"}


@dataclass(frozen=True)
class Row:
    number: int  # 1 = the first row after the header row, counting blank rows
    cells: list[str]
    problem: str = ""  # why the row cannot be read as the header says (wrong field count)


@dataclass
class CsvTable:
    source: str  # the file's name, for messages
    columns: list[str]  # the header row's names, stripped and upper-cased
    rows: list[Row]

    def values(self, row: Row) -> dict[str, str]:
        """A well-shaped row's cells by column name."""
        return dict(zip(self.columns, row.cells, strict=True))


def decode(data: bytes, source: str) -> tuple[str, str]:
    """The file's text and the encoding it was read in: UTF-8 (with or without a byte order
    mark), else Windows-1252."""
    if b"\x00" in data:
        raise FileUnreadableError(f"{source} is not a CSV file: it contains binary data")
    try:
        return data.decode("utf-8-sig"), "utf-8-sig"
    except UnicodeDecodeError:
        # The five bytes Windows-1252 leaves undefined become U+FFFD rather than failing.
        return data.decode("cp1252", errors="replace"), "cp1252"


def _records(text: str, source: str) -> Iterator[tuple[int, list[str]]]:
    """(line the record starts on, its cells), naming an unclosed or stray quote."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    while True:
        starts = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            if "unexpected end of data" in str(error):
                raise FileUnreadableError(
                    f'{source} has a quote (") on line {starts} that is never closed: the rest '
                    "of the file would be read as one field. Close the quote, or remove it"
                ) from error
            raise FileUnreadableError(
                f'{source} has a misplaced quote (") on line {starts}: a quoted field must '
                "end with a quote followed by a comma or the end of the line"
            ) from error
        yield starts, cells


def stream_csv_data(data: bytes, source: str) -> CsvStream:
    """The file held in `data`: its header row now, its rows one at a time as the caller
    iterates (the SSDA903 tables: one Row at a time rather than a list of them). Raises
    FileUnreadableError for a file that is not comma-separated text (see the module's rules):
    for its header row at once, for a quote while its rows are read. Rows of the wrong length
    come with `problem` set, for the importer to reject."""
    text, encoding = decode(data, source)
    records = _records(text, source)
    first = next(records, None)
    header = checked_header(None if first is None else first[1], source)
    return CsvStream(
        source=source,
        header=header,
        columns=[cell.strip().upper() for cell in header],
        encoding=encoding,
        rows=_data_rows(records, len(header)),
    )


def _data_rows(records: Iterator[tuple[int, list[str]]], width: int) -> Iterator[Row]:
    for number, (_, cells) in enumerate(records, start=1):
        if not any(cell.strip() for cell in cells):
            continue
        yield Row(number, cells, row_length_problem(cells, width) if len(cells) != width else "")


def read_csv(data: bytes, source: str) -> CsvTable:
    """The file's header row and rows, all read (stream_csv_data's rules and errors)."""
    stream = stream_csv_data(data, source)
    return CsvTable(source=source, columns=stream.columns, rows=list(stream.rows))


# --- The same rules for a file read as a stream (added for the attendance and schools
# imports, whose files may be far larger than memory should hold: DESIGN.md "Data at scale") --

STREAM_CHUNK_BYTES = 1024 * 1024


def encoding_of(path: Path, source: str) -> str:
    """How decode() would read the file at `path`, found without holding it: "utf-8-sig"
    when every byte is UTF-8, else "cp1252"; FileUnreadableError, as decode() says it, for a
    file with NUL bytes. One pass over the file in chunks."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    utf8 = True
    with path.open("rb") as stream:
        while chunk := stream.read(STREAM_CHUNK_BYTES):
            if b"\x00" in chunk:
                raise FileUnreadableError(f"{source} is not a CSV file: it contains binary data")
            if utf8:
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError:
                    utf8 = False
    if utf8:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            utf8 = False
    return "utf-8-sig" if utf8 else "cp1252"


@dataclass
class CsvStream:
    """A file's header row and, as they are read, its rows (blank rows left out), by
    read_csv's rules: a row of the wrong length comes with `problem` set."""

    source: str
    header: list[str]  # the header row's cells as the file has them
    columns: list[str]  # the same, stripped and upper-cased
    encoding: str
    rows: Iterator[Row]


def quote_refusal(error: csv.Error, source: str, line: int) -> FileUnreadableError:
    """What _records says of a csv.Error raised reading the record that starts on `line`."""
    if "unexpected end of data" in str(error):
        return FileUnreadableError(
            f'{source} has a quote (") on line {line} that is never closed: the rest '
            "of the file would be read as one field. Close the quote, or remove it"
        )
    return FileUnreadableError(
        f'{source} has a misplaced quote (") on line {line}: a quoted field must '
        "end with a quote followed by a comma or the end of the line"
    )


def checked_header(cells: list[str] | None, source: str) -> list[str]:
    """The header row's cells, refused as read_csv refuses them: none or all blank (an empty
    file), or one field holding another delimiter (the file is not comma-separated)."""
    if cells is None or not any(cell.strip() for cell in cells):
        raise FileUnreadableError(f"{source} is empty: it has no header row")
    if len(cells) == 1:
        for delimiter, name in OTHER_DELIMITERS.items():
            if delimiter in cells[0]:
                raise FileUnreadableError(
                    f"{source} separates its fields with {name}, not commas: save it as "
                    "comma-separated values (CSV)"
                )
    return cells


def _stream_rows(reader: Any, width: int, source: str) -> Iterator[Row]:
    """A csv.reader's records after the header as Rows, by read_csv's rules: blank rows left
    out, a row of the wrong length with its problem, a quote fault refused naming the line
    its record starts on. One loop, no per-row generator or try (the wide attendance layout
    and every file COPY refuses are read here, at up to millions of rows)."""
    number, ended = 0, reader.line_num  # the line the last record ended on
    try:
        for cells in reader:
            number += 1
            ended = reader.line_num
            # Blank: every cell empty or spaces (the first cell is tested alone first: cheap).
            if not (cells and cells[0].strip()) and not "".join(cells).strip():
                continue
            if len(cells) == width:
                yield Row(number, cells)
            else:
                yield Row(number, cells, row_length_problem(cells, width))
    except csv.Error as error:
        raise quote_refusal(error, source, ended + 1) from error


@contextmanager
def stream_csv(path: Path, source: str) -> Iterator[CsvStream]:
    """The file at `path` by read_csv's rules (encodings, delimiters, quotes, header, row
    lengths), its rows read as the caller iterates, never all held. FileUnreadableError for
    the header here, and for a quote fault when iteration reaches it."""
    encoding = encoding_of(path, source)
    # The five bytes Windows-1252 leaves undefined become U+FFFD, as in decode().
    with path.open(encoding=encoding, errors="replace", newline="") as text:
        reader = csv.reader(text, strict=True)
        try:
            first = next(reader, None)
        except csv.Error as error:
            raise quote_refusal(error, source, 1) from error
        header = checked_header(first, source)
        yield CsvStream(
            source=source,
            header=header,
            columns=[cell.strip().upper() for cell in header],
            encoding=encoding,
            rows=_stream_rows(reader, len(header), source),
        )


def row_length_problem(cells: list[str], width: int) -> str:
    """read_csv's words for a row of `cells` under a header of `width` fields."""
    return (
        f"The row has {len(cells)} field{'s' if len(cells) != 1 else ''}; the header row "
        f"has {width}: a field is missing, or a comma is not inside quotes"
    )
