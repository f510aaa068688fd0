"""Schools' attendance extracts (CSV): one session per row, or one pupil-day per row.

Two layouts, told apart by the header (docs/imports/attendance.md):
- long: `upn,date,session,code,school_urn`, one row per session (AM or PM);
- wide: `upn,date,am,pm,school_urn`, one row per pupil per day, a code for each session.
Columns may come in any order and extra columns are ignored; dates are ISO 8601
(2025-01-06) or dd/mm/yyyy (06/01/2025).

How it stays fast on files of any size (DESIGN.md "Data at scale"): the file is streamed into
a temporary table of raw text, never held in memory: its bytes straight into psycopg's COPY
when PostgreSQL can parse it as it is, otherwise row by row through the csv module (the wide
layout, or a file with a malformed row, which is then rejected by its number). Each distinct
value (a year's file names a few hundred dates, a few dozen codes, one UPN a child) is judged
once, in Python, by the session rules the attendance page applies
(records/services/session_rules.py, with the same messages) and validate_upn; the verdicts are
joined to the rows in SQL, where the one rule that depends on the child, their age on the
date, is judged row by row by the condition session_rules renders for SQL. Valid rows go
through attendance_sessions_write, the one write of attendance the page makes too: the
children locked, one BatchEvent, the upsert that keeps the history of changed codes, and the
summaries of exactly the children and terms the file names recomputed in SQL.

Nothing here commits: records/services/imports.py runs it inside the file's transaction.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from itertools import islice
from pathlib import Path
from typing import Any

import psycopg
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction

from records.imports.base import FileUnreadableError, ImportReport
from records.imports.progress import Progress
from records.models import BatchEvent, ImportKind, ImportRun, School
from records.selectors.identifiers import NOT_IN_REACH, children_for_upns
from records.selectors.imports import import_reach
from records.services.attendance import SessionsWritten, attendance_sessions_write
from records.services.session_rules import (
    age_message,
    code_dates_error,
    code_unknown_error,
    day_error,
    education_window,
    session_error,
    within_window_sql,
)
from records.upn import normalise_upn, validate_upn
from virtualschool import dates

LONG_COLUMNS = ("upn", "date", "session", "code", "school_urn")
WIDE_COLUMNS = ("upn", "date", "am", "pm", "school_urn")
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
WORK_MEM = "64MB"
TEMP_BUFFERS = "256MB"
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
UK_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
URN = re.compile(r"^\d{1,9}$")

RAW = "att_import_raw"  # the file's rows as text, with their row numbers
RAW_COLUMNS = ("upn", "day", "session", "code", "urn")  # LONG_COLUMNS as RAW names them
SESSIONS = "att_import_sessions"
DISTINCT = "att_import_distinct"  # each column's distinct values (GROUPING SETS)
CHILDREN_BATCH = 5_000
# GROUPING() of (upn, day, code, session, urn): a bit is set for each column not grouped by.
GROUPED_BY_UPN = 0b01111
GROUPED_BY_DAY_AND_CODE = 0b10011
GROUPED_BY_SESSION = 0b11101
CHUNK_BYTES = 1024 * 1024
ROWS = "att_import_rows"  # each row with its child, school, date and verdicts
DAYS, CODES_TABLE, SCHOOLS, CHILDREN = (
    "att_import_days",
    "att_import_codes",
    "att_import_schools",
    "att_import_children",
)


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


def upn_reason(upn: str, *, limited: bool = False) -> str:
    """Why no child was found for a UPN: its shape (records/upn.py), or that nobody has it
    (for an importer who sees only their caseload, NOT_IN_REACH: nobody in their reach)."""
    if not upn:
        return "UPN is blank"
    try:
        validate_upn(upn)
    except ValidationError as error:
        return error.messages[0]
    if limited:
        return NOT_IN_REACH
    return "No child on the system has this UPN (as their UPN or a former UPN)"


SCHOOL_UNKNOWN = "No school on the system has this URN: import the schools register first"
SCHOOL_SHAPE = "School URN must be a number of up to 9 digits, or blank"
UPN_AMBIGUOUS = "More than one child has this UPN as a former UPN: correct the records first"


class AttendanceImporter:
    """Reads an attendance extract (module docstring); rows read, sessions created, updated
    and unchanged, codes changed and summaries refreshed are in the report's counts."""

    kind = ImportKind.ATTENDANCE

    def run(self, *, run: ImportRun, path: Path, progress: Progress) -> ImportReport:
        report = ImportReport()
        self.reach = import_reach(user=run.created_by)
        self.limited = self.reach is not None
        _check_whole_file(path)
        lines = _count_lines(path)
        progress.set_total(max(lines - 1, 0))
        layout = _read_header(path)
        with connection.cursor() as cursor:
            _tune(cursor)
            _drop_tables(cursor)
            if layout.wide or not self._load_direct(cursor, path, layout, lines, report, progress):
                self._load(cursor, path, layout, report, progress)
            _analyse(cursor, RAW)
            self._check(cursor, layout, report)
            if report.rejected and not run.import_valid_rows:
                return _sorted(report)  # the executor rolls the file back: nothing to write
            self._write(cursor, run, report)
            _drop_tables(cursor)
        return _sorted(report)

    # --- 1. The file into a temporary table ------------------------------------------------

    def _load_direct(
        self,
        cursor: Any,
        path: Path,
        layout: Layout,
        lines: int,
        report: ImportReport,
        progress: Progress,
    ) -> bool:
        """The file's bytes straight into COPY, PostgreSQL parsing the CSV and numbering the
        rows in file order (an identity column): the fast path for a well-formed file in the
        long layout. False, with nothing left behind, when PostgreSQL refuses the file or
        counts other rows than the file has lines (a quoted line break, a blank line, the
        end-of-data marker); the caller then reads it in Python, which names the bad row."""
        names = {
            position: column for column, position in zip(RAW_COLUMNS, layout.positions, strict=True)
        }
        columns = [names.get(index, f"extra_{index}") for index in range(layout.width)]
        extras = [column for column in columns if column.startswith("extra_")]
        listed = ", ".join(columns)
        try:
            with transaction.atomic():
                _create_raw(cursor, extras)
                with (
                    cursor.copy(
                        f"COPY {RAW} ({listed}) FROM STDIN WITH (FORMAT csv, HEADER true, "
                        f"ENCODING 'UTF8', FORCE_NOT_NULL ({listed}))"
                    ) as copy,
                    path.open("rb") as file,
                ):
                    while chunk := file.read(CHUNK_BYTES):
                        copy.write(chunk)
                        progress.advance(chunk.count(b"\n"))
                cursor.execute(f"SELECT count(*) FROM {RAW}")  # noqa: S608 - our own table
                (copied,) = cursor.fetchone()
                if copied != lines - 1:
                    raise _NotDirectError
        except (DatabaseError, psycopg.Error, _NotDirectError):
            progress.done = 0
            return False
        report.counts["rows_read"] = copied
        return True

    def _load(
        self, cursor: Any, path: Path, layout: Layout, report: ImportReport, progress: Progress
    ) -> None:
        """The file through Python's csv module into COPY, row by row: the wide layout, and any
        file the direct path could not take; a malformed row is rejected by its number."""
        _create_raw(cursor, [])
        row_number = 0
        with path.open("rb") as binary:
            text = io.TextIOWrapper(binary, encoding="utf-8-sig", newline="")
            reader = csv.reader(text, strict=True)
            try:
                next(reader)
                with cursor.copy(
                    f"COPY {RAW} (n, upn, day, session, code, urn) FROM STDIN"
                ) as copy:
                    for batch in _batches(reader):
                        for row in batch:
                            row_number += 1
                            self._copy_row(copy, layout, row_number, row, report)
                        progress.advance(len(batch))
            except UnicodeDecodeError as error:
                raise FileUnreadableError(
                    f"The file is not text in UTF-8 (it may be a spreadsheet or another binary "
                    f"file): unreadable bytes after row {row_number}"
                ) from error
            except csv.Error as error:
                raise FileUnreadableError(
                    f"The file is not well-formed CSV at row {row_number + 1}: {error}"
                ) from error
        report.counts["rows_read"] = row_number

    @staticmethod
    def _copy_row(copy: Any, layout: Layout, n: int, row: list[str], report: ImportReport) -> None:
        if len(row) != layout.width:
            if not row:  # a blank line
                return
            report.reject(
                n,
                "row",
                f"Row has {len(row)} fields but the header has {layout.width}: check for a "
                "missing or extra comma",
            )
            return
        first, second, third, fourth, fifth = layout.positions
        if not layout.wide:
            copy.write_row((n, row[first], row[second], row[third], row[fourth], row[fifth]))
            return
        upn, day, urn = row[first], row[second], row[fifth]
        am, pm = row[third].strip(), row[fourth].strip()
        if not am and not pm:
            report.reject(n, "am", "Both sessions are blank: give a code for AM, PM or both")
            return
        if am:
            copy.write_row((n, upn, day, "AM", am, urn))
        if pm:
            copy.write_row((n, upn, day, "PM", pm, urn))

    # --- 2. The rules, once per distinct value, then joined to the rows -------------------

    def _check(self, cursor: Any, layout: Layout, report: ImportReport) -> None:
        """Each distinct value of each column is judged once, in Python, by the record's own
        rules; the verdicts go into small lookup tables keyed by the text as the file has it,
        and one join gives every row its child, school, date and reasons."""
        cursor.execute(
            f"CREATE TEMPORARY TABLE {DISTINCT} ON COMMIT DROP AS "  # noqa: S608 - our own tables
            "SELECT upn, day, code, session, urn, GROUPING(upn, day, code, session, urn) AS g "
            f"FROM {RAW} GROUP BY GROUPING SETS ((upn), (day, code), (session), (urn))"
        )
        # All but the UPNs: a few hundred values whatever the file's size.
        cursor.execute(
            f"SELECT day, code, session, urn, g FROM {DISTINCT} WHERE g <> %s",  # noqa: S608
            [GROUPED_BY_UPN],
        )
        pairs: list[tuple[str, str]] = []
        sessions: list[str] = []
        urns: list[str] = []
        for day, code, session, urn, grouping in cursor.fetchall():
            if grouping == GROUPED_BY_DAY_AND_CODE:
                pairs.append((day, code))
            elif grouping == GROUPED_BY_SESSION:
                sessions.append(session)
            else:
                urns.append(urn)
        self._days_and_codes(cursor, pairs)
        _lookup(
            cursor,
            f"{SESSIONS} (text text PRIMARY KEY, session text, code_field text, reason text)",
            [_session_verdict(text, wide=layout.wide) for text in sessions],
        )
        self._schools(cursor, urns)
        self._children(cursor)
        self._rows(cursor)
        self._rejections(cursor, report)

    def _days_and_codes(self, cursor: Any, pairs: list[tuple[str, str]]) -> None:
        """Each distinct date by the date's own rules (session_rules.day_error), with the age
        rule's message for it should a child be too young or too old; each distinct (date,
        code) by the code's rules, the dates it is in use kept apart since they are said only
        for a date that passed the date and age rules (as session_mark_errors does)."""
        days = {text: parse_date(text) for text in {text for text, _ in pairs}}
        _lookup(
            cursor,
            f"{DAYS} (text text PRIMARY KEY, day date, reason text, age_reason text)",
            [
                (
                    text,
                    day,
                    day_error(day) if day else DATE_UNREADABLE,
                    age_message(day) if day else None,
                )
                for text, day in days.items()
            ],
        )
        verdicts = []
        for day_text, text in pairs:
            code, day = text.strip().upper(), days[day_text]
            unknown = code_unknown_error(code, report=True)
            in_use = code_dates_error(code, day) if day and not unknown else None
            verdicts.append((day_text, text, code, unknown, in_use))
        _lookup(
            cursor,
            f"{CODES_TABLE} (day text, text text, code text, reason text, in_use_reason text, "
            "PRIMARY KEY (day, text))",
            verdicts,
        )

    def _schools(self, cursor: Any, texts: list[str]) -> None:
        numbers = {text: int(text.strip()) for text in texts if URN.match(text.strip())}
        ids = dict(School.objects.filter(urn__in=set(numbers.values())).values_list("urn", "pk"))
        verdicts = []
        for text in texts:
            if not text.strip():
                verdicts.append((text, None, None))
            elif text not in numbers:
                verdicts.append((text, None, SCHOOL_SHAPE))
            else:
                school_id = ids.get(numbers[text])
                verdicts.append((text, school_id, None if school_id else SCHOOL_UNKNOWN))
        _lookup(
            cursor, f"{SCHOOLS} (text text PRIMARY KEY, school_id bigint, reason text)", verdicts
        )

    def _children(self, cursor: Any) -> None:
        """Each distinct UPN to one child: their current UPN first, else a former UPN held by
        exactly one child; with the dates their education is recorded between. In batches, so
        that a file naming many children never brings them all into memory at once."""
        cursor.execute(
            f"CREATE TEMPORARY TABLE {CHILDREN} (text text PRIMARY KEY, child_id uuid, "
            "first_day date, end_day date, reason text) ON COMMIT DROP"
        )
        last = None
        while True:
            cursor.execute(
                f"SELECT upn FROM {DISTINCT} WHERE g = %s AND (%s::text IS NULL OR upn > %s) "  # noqa: S608
                "ORDER BY upn LIMIT %s",
                [GROUPED_BY_UPN, last, last, CHILDREN_BATCH],
            )
            texts = [text for (text,) in cursor.fetchall()]
            if not texts:
                break
            self._children_batch(cursor, texts)
            last = texts[-1]
        _analyse(cursor, CHILDREN)

    def _children_batch(self, cursor: Any, texts: list[str]) -> None:
        """A batch of distinct UPNs to children by records/selectors/identifiers.py's
        children_for_upns (one query), inside the importer's reach: a UPN no child in reach
        has is told NOT_IN_REACH for an importer whose reach is limited, whoever has it."""
        normal = {text: normalise_upn(text) for text in texts}
        found = children_for_upns(upns=normal.values(), within=self.reach)
        verdicts = []
        for text, upn in normal.items():
            match = found.get(upn)
            if match is not None and match.ambiguous:
                verdicts.append((text, None, None, None, UPN_AMBIGUOUS))
            elif match is None:
                verdicts.append((text, None, None, None, upn_reason(upn, limited=self.limited)))
            else:
                verdicts.append(
                    (text, match.child_id, *education_window(match.date_of_birth), None)
                )
        with cursor.copy(f"COPY {CHILDREN} FROM STDIN") as copy:
            for verdict in verdicts:
                copy.write_row(verdict)

    def _rows(self, cursor: Any) -> None:
        """Each row with its verdicts: the child's age on the date judged here (rule 2 of
        session_rules, by its SQL condition) for a known child and a date that passed its
        own rules, and the code's dates only for a date that passed both."""
        within = within_window_sql("d.day", "ch.first_day", "ch.end_day")
        cursor.execute(
            f"""
            CREATE TEMPORARY TABLE {ROWS} ON COMMIT DROP AS
            SELECT *, (upn_reason IS NULL AND date_reason IS NULL AND code_reason IS NULL
                AND school_reason IS NULL AND session_reason IS NULL AND age_reason IS NULL) AS ok
            FROM (SELECT n, child_id, school_id, day, session, code, code_field, upn_reason,
                date_reason, age_reason, school_reason, session_reason,
                coalesce(unknown_reason, CASE WHEN date_reason IS NULL AND age_reason IS NULL
                    THEN in_use_reason END) AS code_reason
            FROM (SELECT r.n, ch.child_id, s.school_id, d.day, se.session, c.code,
                se.code_field, ch.reason AS upn_reason, d.reason AS date_reason,
                c.reason AS unknown_reason, c.in_use_reason, s.reason AS school_reason,
                se.reason AS session_reason,
                CASE WHEN ch.child_id IS NOT NULL AND d.reason IS NULL AND NOT {within}
                    THEN d.age_reason END AS age_reason
            FROM {RAW} r
            JOIN {CHILDREN} ch ON ch.text = r.upn
            JOIN {DAYS} d ON d.text = r.day
            JOIN {CODES_TABLE} c ON c.day = r.day AND c.text = r.code
            JOIN {SESSIONS} se ON se.text = r.session
            JOIN {SCHOOLS} s ON s.text = r.urn) AS joined) AS checked
            """  # noqa: S608 - our own tables
        )
        _analyse(cursor, ROWS)

    def _rejections(self, cursor: Any, report: ImportReport) -> None:
        """Every row that broke a rule, by row number and field; then sessions named twice."""
        cursor.execute(
            f"""
            SELECT r.n, v.field, v.reason
            FROM {ROWS} r, LATERAL (VALUES
                ('upn', r.upn_reason), ('date', r.date_reason), ('date', r.age_reason),
                ('session', r.session_reason), (r.code_field, r.code_reason),
                ('school_urn', r.school_reason)
            ) AS v(field, reason)
            WHERE NOT r.ok AND v.reason IS NOT NULL
            ORDER BY r.n
            """  # noqa: S608 - our own tables
        )
        while chunk := cursor.fetchmany(10_000):
            for n, field_name, reason in chunk:
                report.reject(n, field_name, reason)
        cursor.execute(
            f"""
            WITH twice AS (
                SELECT child_id, day, session, min(n) AS first_row FROM {ROWS} WHERE ok
                GROUP BY child_id, day, session HAVING count(*) > 1
            )
            SELECT r.n, t.first_row FROM {ROWS} r
            JOIN twice t ON t.child_id = r.child_id AND t.day = r.day AND t.session = r.session
            WHERE r.ok AND r.n > t.first_row ORDER BY r.n
            """  # noqa: S608 - our own tables
        )
        duplicates = cursor.fetchall()
        for n, first_row in duplicates:
            report.reject(
                n, "session", f"The same child's session is also at row {first_row}: give it once"
            )
        if duplicates:
            cursor.execute(
                f"UPDATE {ROWS} SET ok = false WHERE n = ANY(%s)",  # noqa: S608
                [[n for n, _ in duplicates]],
            )

    # --- 3. Valid rows into the record ------------------------------------------------------

    def _write(self, cursor: Any, run: ImportRun, report: ImportReport) -> None:
        """The valid rows through attendance_sessions_write, the one write of attendance
        (lock, BatchEvent, upsert, summaries), its BatchEvent naming the file and the run."""

        def details(written: SessionsWritten) -> dict[str, object]:
            _count(report, written)
            return {
                "file_sha256": run.sha256,
                "run_id": str(run.pk),
                "counts": {**report.counts, "rows_rejected": report.rejected},
            }

        written = attendance_sessions_write(
            actor=run.created_by,
            kind=BatchEvent.Kind.IMPORT,
            child=None,
            source_sql=(
                f"SELECT child_id, school_id, day AS date, session, code FROM {ROWS} WHERE ok"  # noqa: S608
            ),
            params=[],
            details=details,
        )
        _count(report, written)
        # Every child the file named (for the access log) with their sessions added or
        # changed (for their history): records/services/imports.py; one row per child.
        cursor.execute(f"SELECT DISTINCT child_id FROM {ROWS} WHERE ok")  # noqa: S608 - our table
        for (child_id,) in cursor.fetchall():
            report.touch(child_id, sessions=written.per_child.get(child_id, 0))


def _count(report: ImportReport, written: SessionsWritten) -> None:
    report.counts["sessions_read"] = written.sessions
    report.counts["children_matched"] = written.children
    if written.sessions:
        report.counts["sessions_created"] = written.created
        report.counts["sessions_updated"] = written.updated
        report.counts["sessions_unchanged"] = written.unchanged
        report.counts["codes_changed"] = written.codes_changed
        report.counts["summaries_refreshed"] = written.summaries


def _tune(cursor: Any) -> None:
    """Memory for this transaction's sorts, hashes and temporary tables: the defaults (4 MB,
    8 MB) send a large file's joins to disk. temp_buffers can only be set before the session's
    first temporary table, so a worker that has imported before keeps the size it had."""
    cursor.execute(f"SET LOCAL work_mem = '{WORK_MEM}'")
    # Compiling a large statement costs more (about a second each here) than it saves.
    cursor.execute("SET LOCAL jit = off")
    try:
        with transaction.atomic():
            cursor.execute(f"SET LOCAL temp_buffers = '{TEMP_BUFFERS}'")
    except DatabaseError:
        pass


def _session_verdict(text: str, *, wide: bool) -> tuple[str, str, str, str | None]:
    session = text.strip().upper()
    return (text, session, session.lower() if wide else "code", session_error(session, report=True))


def _lookup(cursor: Any, table: str, rows: list[tuple]) -> None:
    """A temporary lookup table (`name (columns)`) filled with `rows` by COPY."""
    cursor.execute(f"CREATE TEMPORARY TABLE {table} ON COMMIT DROP")
    name = table.split(" ", 1)[0]
    with cursor.copy(f"COPY {name} FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
    _analyse(cursor, name)


class _NotDirectError(Exception):
    """The direct COPY could not take the file as it is."""


def _read_header(path: Path) -> Layout:
    with path.open("rb") as binary:
        text = io.TextIOWrapper(binary, encoding="utf-8-sig", newline="")
        try:
            header = next(csv.reader(text, strict=True), None)
        except UnicodeDecodeError as error:
            raise FileUnreadableError(
                "The file is not text in UTF-8 (it may be a spreadsheet or another binary file)"
            ) from error
        except csv.Error as error:
            raise FileUnreadableError(
                f"The file is not well-formed CSV in its header row: {error}"
            ) from error
    if header is None or not any(value.strip() for value in header):
        raise FileUnreadableError("The file is empty: it has no header row")
    return layout_of(header)


def _create_raw(cursor: Any, extras: list[str]) -> None:
    extra = "".join(f", {name} text" for name in extras)
    cursor.execute(
        f"CREATE TEMPORARY TABLE {RAW} (n integer GENERATED BY DEFAULT AS IDENTITY, upn text, "
        f"day text, session text, code text, urn text{extra}) ON COMMIT DROP"
    )


def _drop_tables(cursor: Any) -> None:
    for table in (RAW, ROWS, DAYS, CODES_TABLE, SESSIONS, SCHOOLS, CHILDREN, DISTINCT):
        cursor.execute(f"DROP TABLE IF EXISTS {table}")


def _batches(reader: Iterator[list[str]]) -> Iterator[list[list[str]]]:
    while batch := list(islice(reader, BATCH_ROWS)):
        yield batch


def _analyse(cursor: Any, table: str) -> None:
    """Temporary tables get no statistics from autovacuum; the planner needs them."""
    cursor.execute(f"ANALYZE {table}")


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
