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

The SSDA903 import uses it (records/imports/ssda903.py); other CSV importers can adopt it.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass

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


def decode(data: bytes, source: str) -> str:
    """The file's text: UTF-8 (with or without a byte order mark), else Windows-1252."""
    if b"\x00" in data:
        raise FileUnreadableError(f"{source} is not a CSV file: it contains binary data")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # The five bytes Windows-1252 leaves undefined become U+FFFD rather than failing.
        return data.decode("cp1252", errors="replace")


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


@dataclass
class CsvStream:
    """A file's header row read, and its rows as they are read (memory does not grow with
    the file)."""

    source: str
    columns: list[str]
    rows: Iterator[Row]


def stream_csv(data: bytes, source: str) -> CsvStream:
    """The file's header row now, and its rows one at a time. Raises FileUnreadableError for
    a file that is not comma-separated text (see the module's rules): for its header row at
    once, for a quote while its rows are read. Rows of the wrong length come with `problem`
    set, for the importer to reject."""
    text = decode(data, source)
    records = _records(text, source)
    first = next(records, None)
    if first is None or not any(cell.strip() for cell in first[1]):
        raise FileUnreadableError(f"{source} is empty: it has no header row")
    header = first[1]
    if len(header) == 1:
        for delimiter, name in OTHER_DELIMITERS.items():
            if delimiter in header[0]:
                raise FileUnreadableError(
                    f"{source} separates its fields with {name}, not commas: save it as "
                    "comma-separated values (CSV)"
                )
    columns = [cell.strip().upper() for cell in header]
    return CsvStream(source=source, columns=columns, rows=_rows(records, len(columns)))


def _rows(records: Iterator[tuple[int, list[str]]], width: int) -> Iterator[Row]:
    for number, (_, cells) in enumerate(records, start=1):
        if not any(cell.strip() for cell in cells):
            continue
        problem = ""
        if len(cells) != width:
            problem = (
                f"The row has {len(cells)} field{'s' if len(cells) != 1 else ''}; the header row "
                f"has {width}: a field is missing, or a comma is not inside quotes"
            )
        yield Row(number=number, cells=cells, problem=problem)


def read_csv(data: bytes, source: str) -> CsvTable:
    """The file's header row and rows, all read (stream_csv's rules and errors)."""
    stream = stream_csv(data, source)
    return CsvTable(source=source, columns=stream.columns, rows=list(stream.rows))
