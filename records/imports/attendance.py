"""Schools' attendance extracts (CSV): one session per row, or one pupil-day per row.

Two layouts, told apart by the header (docs/imports/attendance.md):
- long: `upn,date,session,code,school_urn`, one row per session (AM or PM);
- wide: `upn,date,am,pm,school_urn`, one row per pupil per day, a code for each session.
Columns may come in any order and extra columns are ignored; dates are ISO 8601
(2025-01-06) or dd/mm/yyyy (06/01/2025).

How it stays fast on files of any size (DESIGN.md "Data at scale"): the file is streamed, never
held in memory, into records/services/attendance_import.py's AttendanceStage, which owns every
statement: its bytes straight into COPY when PostgreSQL can parse it as it is, otherwise row by
row by the shared strict reader, records/imports/csvfile.py's stream_csv (the wide layout, or a
file COPY refuses: Windows-1252 bytes, a malformed row, which is then rejected by its number, or
a quote fault, which refuses the file naming its line). The header is always read by that
reader's rules (encoding, delimiter, quotes) before COPY. The stage judges each distinct value
once by the session rules the attendance page applies (records/services/session_rules.py,
with the same messages), matches UPNs by the one selector, and writes the valid rows through
attendance_sessions_write, the one write of attendance the page makes too. This module parses
and calls that service; it writes nothing itself (tests/records/imports/test_one_write_path.py).

Nothing here commits: records/services/imports.py runs it inside the file's transaction.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from itertools import islice
from pathlib import Path

from django.conf import settings

from records.imports.base import FileUnreadableError, ImportReport
from records.imports.csvfile import Row, checked_header, encoding_of, quote_refusal, stream_csv
from records.imports.guide import Column, FileFormat, FileTable
from records.imports.progress import Progress
from records.models import ImportKind, ImportRun
from records.selectors.imports import import_reach
from records.services.attendance import SessionsWritten
from records.services.attendance_import import RAW_COLUMNS, AttendanceStage, attendance_stage
from virtualschool import dates

# The two layouts' columns, declared once (records/imports/guide.py): the header must name
# every column of one of them, and the upload page and its templates show the same.
_UPN = Column("upn", "the pupil's UPN (13 characters)", example="T873200015001")
_DATE = Column("date", "the day: 2025-01-06 (ISO 8601) or 06/01/2025", example="2025-01-06")
_URN = Column("school_urn", "the URN of the school that took the register; may be blank",
              example="190003")  # fmt: skip


def _layout(slug: str, name: str, *marks: Column) -> FileTable:
    """A layout: the UPN and date, its columns of marks, and the school's URN."""
    return FileTable(slug=slug, name=name, columns=(_UPN, _DATE, *marks, _URN))


LONG = _layout(
    "attendance",
    "One row per session",
    Column("session", "AM or PM", example="AM"),
    Column("code", "the DfE register code for the session", example="/"),
)
WIDE = _layout(
    "attendance-daily",
    "One row per pupil per day",
    Column("am", "the morning's register code; blank for no mark", example="/"),
    Column("pm", "the afternoon's register code; blank for no mark", example="I"),
)
FORMAT = FileFormat(
    summary=(
        "A school's attendance extract: CSV with a header row, in one of two layouts. Columns "
        "may come in any order; other columns are ignored."
    ),
    docs="attendance.md",
    tables=(LONG, WIDE),
)
LONG_COLUMNS = LONG.required
WIDE_COLUMNS = WIDE.required
# Other spellings of the column names that school systems use.
ALIASES = {
    "urn": "school_urn",
    "schoolurn": "school_urn",
    "amcode": "am",
    "pmcode": "pm",
    "am_code": "am",
    "pm_code": "pm",
    "mark": "code",
    "sessiondate": "date",
    "session_date": "date",
}
SNIFF_BYTES = 64 * 1024
BATCH_ROWS = 20_000
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
UK_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
CHUNK_BYTES = 1024 * 1024
FILE = "The file"  # how the shared reader's messages name it


@dataclass(frozen=True)
class Layout:
    wide: bool
    positions: tuple[int, ...]  # where LONG_COLUMNS / WIDE_COLUMNS are in a row
    width: int


def _column_name(value: str) -> str:
    name = value.strip().lower().replace(" ", "_")
    return ALIASES.get(name, ALIASES.get(name.replace("_", ""), name))


def layout_of(header: list[str]) -> Layout:
    """Which layout the header names; FileUnreadableError naming both if it is neither."""
    names = [_column_name(value) for value in header]
    for wide, columns in ((False, LONG_COLUMNS), (True, WIDE_COLUMNS)):
        if all(column in names for column in columns):
            duplicated = [column for column in columns if names.count(column) > 1]
            if duplicated:
                raise FileUnreadableError(
                    f"The header names the column {duplicated[0]} more than once"
                )
            return Layout(wide, tuple(names.index(column) for column in columns), len(header))
    raise FileUnreadableError(
        "The first row must be a header naming the columns: either "
        f"{','.join(LONG_COLUMNS)} (one row per session) or {','.join(WIDE_COLUMNS)} "
        "(one row per pupil per day). See the attendance import guide."
    )


def parse_date(text: str) -> date | None:
    """A date written as ISO 8601 (2025-01-06) or dd/mm/yyyy (06/01/2025); None otherwise,
    including for days that do not exist (31/02/2025) and dates outside virtualschool.dates'
    range."""
    text = text.strip()
    try:
        if ISO_DATE.match(text):
            parsed = date.fromisoformat(text)
        elif found := UK_DATE.match(text):
            day, month, year = (int(part) for part in found.groups())
            parsed = date(year, month, day)
        else:
            return None
    except ValueError:
        return None
    return parsed if dates.in_range(parsed) else None


DATE_UNREADABLE = "Date must be a real date written as yyyy-mm-dd (ISO 8601) or dd/mm/yyyy"


class AttendanceImporter:
    """Reads an attendance extract (module docstring); rows read, sessions created, updated
    and unchanged, codes changed and summaries refreshed are in the report's counts."""

    kind = ImportKind.ATTENDANCE
    file_format = FORMAT

    def run(self, *, run: ImportRun, path: Path, progress: Progress) -> ImportReport:
        report = ImportReport()
        _check_whole_file(path)
        lines = _count_lines(path)
        progress.set_total(max(lines - 1, 0))
        layout = _read_header(path)
        with attendance_stage() as stage:
            copied = None if layout.wide else _load_direct(stage, path, layout, lines, progress)
            if copied is None:
                progress.done = 0
                copied = self._load(stage, path, layout, report, progress)
            report.counts["rows_read"] = copied
            stage.check(
                wide=layout.wide,
                read_date=parse_date,
                date_unreadable=DATE_UNREADABLE,
                reach=import_reach(user=run.created_by),
                reject=report.reject,
            )
            if report.rejected and not run.import_valid_rows:
                return _sorted(report)  # the executor rolls the file back: nothing to write
            self._write(stage, run, report)
        return _sorted(report)

    # --- The file, read in Python when PostgreSQL cannot take it as it is ------------------

    def _load(
        self,
        stage: AttendanceStage,
        path: Path,
        layout: Layout,
        report: ImportReport,
        progress: Progress,
    ) -> int:
        """The file through Python's csv module into the stage, row by row: the wide layout,
        and any file the direct path could not take; a malformed row is rejected by its
        number. Returns the rows read."""
        read = [0]
        with stream_csv(path, FILE) as stream:

            def rows() -> Iterator[tuple[int, str, str, str, str, str]]:
                for batch in _batches(stream.rows):
                    for row in batch:
                        read[0] += 1
                        yield from _session_rows(layout, row, report)
                    progress.advance(len(batch))

            stage.load_rows(rows())
        return read[0]

    # --- Valid rows into the record, by the service ---------------------------------------

    def _write(self, stage: AttendanceStage, run: ImportRun, report: ImportReport) -> None:
        """The valid rows through the stage's write (attendance_sessions_write: lock,
        BatchEvent, upsert, summaries), its BatchEvent naming the file and the run."""

        def details(written: SessionsWritten) -> dict[str, object]:
            _count(report, written)
            return {
                "file_sha256": run.sha256,
                "run_id": str(run.pk),
                "counts": {**report.counts, "rows_rejected": report.rejected},
            }

        staged = stage.write(actor=run.created_by, details=details)
        _count(report, staged.written)
        # Every child the file named (for the access log) with their sessions added or
        # changed (for their history): records/services/imports.py; one row per child.
        for child_id, sessions in staged.touched:
            report.touch(child_id, sessions=sessions)


def _session_rows(
    layout: Layout, row: Row, report: ImportReport
) -> Iterator[tuple[int, str, str, str, str, str]]:
    """A row of the file as the stage's rows (number, upn, date, session, code, URN): one, or
    in the wide layout one for each session given; none, with a rejection, for a row of the
    wrong shape (the shared reader's words: records/imports/csvfile.py)."""
    if row.problem:
        report.reject(row.number, "row", row.problem)
        return
    n, row = row.number, row.cells
    first, second, third, fourth, fifth = layout.positions
    if not layout.wide:
        yield (n, row[first], row[second], row[third], row[fourth], row[fifth])
        return
    upn, day, urn = row[first], row[second], row[fifth]
    am, pm = row[third].strip(), row[fourth].strip()
    if not am and not pm:
        report.reject(n, "am", "Both sessions are blank: give a code for AM, PM or both")
        return
    if am:
        yield (n, upn, day, "AM", am, urn)
    if pm:
        yield (n, upn, day, "PM", pm, urn)


def _load_direct(
    stage: AttendanceStage, path: Path, layout: Layout, lines: int, progress: Progress
) -> int | None:
    """The file's bytes straight into COPY (stage.load_file): as UTF-8, and if PostgreSQL
    refuses that and the file is Windows-1252 (Excel's), as Windows-1252, which COPY converts
    as it reads. None when neither takes it (a byte Windows-1252 leaves undefined, a malformed
    row...): stream_csv then reads it and names the problem."""
    columns = _file_columns(layout)
    copied = stage.load_file(_chunks(path, progress), columns=columns, rows=lines - 1)
    if copied is None and encoding_of(path, FILE) == "cp1252":
        progress.done = 0
        copied = stage.load_file(
            _chunks(path, progress), columns=columns, rows=lines - 1, encoding="WIN1252"
        )
    return copied


def _file_columns(layout: Layout) -> list[str | None]:
    """Each of the file's columns in the stage's names (RAW_COLUMNS), None for one not read."""
    names = dict(zip(layout.positions, RAW_COLUMNS, strict=True))
    return [names.get(index) for index in range(layout.width)]


def _chunks(path: Path, progress: Progress) -> Iterator[bytes]:
    """The file's bytes in chunks, the progress bar advanced by their lines."""
    with path.open("rb") as file:
        while chunk := file.read(CHUNK_BYTES):
            progress.advance(chunk.count(b"\n"))
            yield chunk


def _count(report: ImportReport, written: SessionsWritten) -> None:
    report.counts["sessions_read"] = written.sessions
    report.counts["children_matched"] = written.children
    if written.sessions:
        report.counts["sessions_created"] = written.created
        report.counts["sessions_updated"] = written.updated
        report.counts["sessions_unchanged"] = written.unchanged
        report.counts["codes_changed"] = written.codes_changed
        report.counts["summaries_refreshed"] = written.summaries


def _read_header(path: Path) -> Layout:
    """The header row, read from the file's start by the shared reader's rules (encoding,
    delimiter, quotes: records/imports/csvfile.py), so the direct path need not read the file
    in Python; a fault after the header is found by stream_csv if COPY refuses the file."""
    with path.open("rb") as file:
        start = file.read(SNIFF_BYTES)
    try:
        # Incremental: a character cut at the end of the sniffed bytes is not an error.
        text = codecs.getincrementaldecoder("utf-8-sig")().decode(start)
    except UnicodeDecodeError:
        text = start.decode("cp1252", errors="replace")
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
    except csv.Error as error:
        raise quote_refusal(error, FILE, 1) from error
    return layout_of(checked_header(header, FILE))


def _batches(reader: Iterator[Row]) -> Iterator[list[Row]]:
    while batch := list(islice(reader, BATCH_ROWS)):
        yield batch


def _sorted(report: ImportReport) -> ImportReport:
    report.rejections.sort(key=lambda rejection: (rejection.row, rejection.field))
    return report


def _check_whole_file(path: Path) -> None:
    """Refuse, with a reason, a file too large, empty, or binary (looked at from its start)."""
    size = path.stat().st_size
    if size > settings.IMPORT_MAX_BYTES:
        limit = settings.IMPORT_MAX_BYTES // (1024 * 1024)
        raise FileUnreadableError(f"The file is larger than the {limit} MB an import can take")
    if size == 0:
        raise FileUnreadableError("The file is empty")
    with path.open("rb") as file:
        start = file.read(SNIFF_BYTES)
    if b"\x00" in start or start.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0", b"%PDF")):
        raise FileUnreadableError(
            "The file is not a CSV text file (it looks like a spreadsheet or another binary "
            "file): save it as CSV and import that"
        )
    if not start.strip():
        raise FileUnreadableError("The file is empty")


def _count_lines(path: Path) -> int:
    """Lines in the file, for the progress bar (read in chunks, never whole)."""
    lines, last = 0, b"\n"
    with path.open("rb") as file:
        while chunk := file.read(1024 * 1024):
            lines += chunk.count(b"\n")
            last = chunk[-1:]
    return lines + (last != b"\n")


__all__ = ["AttendanceImporter", "layout_of", "parse_date"]
