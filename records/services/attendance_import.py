"""The attendance import's writes: a file's sessions staged, checked and written in SQL.

records/imports/attendance.py reads a school's extract (its layouts, its header, its dates) and
hands the rows to an AttendanceStage (attendance_stage()); everything that touches the
database is here, so the importer parses and calls services like every other importer
(STYLE.md 6a). How it stays fast on files of any size (DESIGN.md "Data at scale"):

1. load: the rows go into a temporary table of raw text, never held in memory: the file's
   bytes straight into psycopg's COPY when PostgreSQL can parse it as it is (load_file),
   otherwise row by row as the importer's csv reader gives them (load_rows);
2. check: each distinct value (a year's file names a few hundred dates, a few dozen codes, one
   UPN a child) is judged once, in Python, by the session rules the attendance page applies
   (records/services/session_rules.py: day_reasons, code_reasons, session_error, with the same
   messages), validate_upn and the one selector of children by UPN; the verdicts are joined to
   the rows in SQL in session_mark_errors' order (session_rules.mark_reasons_sql), where the one
   rule that depends on the child, their age on the date, is judged row by row;
3. write: the valid rows go through attendance_sessions_write, the one write of attendance the
   page makes too: the children locked, one BatchEvent, the upsert that keeps the history of
   changed codes, and the summaries of exactly the children and terms the file names.

Nothing here commits: records/services/imports.py runs the import inside the file's
transaction, and the temporary tables drop at its end (ON COMMIT DROP) if not before.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import Any

import psycopg
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.db.models import QuerySet

from records.models import BatchEvent, Child, School
from records.selectors.identifiers import NOT_IN_REACH, children_for_upns
from records.services.attendance import SessionsWritten, attendance_sessions_write
from records.services.session_rules import (
    code_reasons,
    day_reasons,
    education_window,
    mark_reasons_sql,
    mark_text,
    session_error,
    within_window_sql,
)
from records.upn import normalise_upn, validate_upn

WORK_MEM = "64MB"
TEMP_BUFFERS = "256MB"
RAW = "att_import_raw"  # the file's rows as text, with their row numbers
# The columns of RAW, in the order load_rows takes them; a file's other columns are extra_<n>.
RAW_COLUMNS = ("upn", "day", "session", "code", "urn")
SESSIONS = "att_import_sessions"
DISTINCT = "att_import_distinct"  # each column's distinct values (GROUPING SETS)
CHILDREN_BATCH = 5_000
# GROUPING() of (upn, day, code, session, urn): a bit is set for each column not grouped by.
GROUPED_BY_UPN = 0b01111
GROUPED_BY_DAY_AND_CODE = 0b10011
GROUPED_BY_SESSION = 0b11101
ROWS = "att_import_rows"  # each row with its child, school, date and verdicts
DAYS, CODES_TABLE, SCHOOLS, CHILDREN = (
    "att_import_days",
    "att_import_codes",
    "att_import_schools",
    "att_import_children",
)
TABLES = (RAW, ROWS, DAYS, CODES_TABLE, SESSIONS, SCHOOLS, CHILDREN, DISTINCT)
URN = re.compile(r"^\d{1,9}$")  # as SCHOOL_SHAPE says
# The encodings the shared CSV reader reads (records/imports/csvfile.py), as COPY names them.
COPY_ENCODINGS = {"UTF8": "UTF8", "WIN1252": "WIN1252"}

SCHOOL_UNKNOWN = "No school on the system has this URN: import the schools register first"
SCHOOL_SHAPE = "School URN must be a number of up to 9 digits, or blank"
UPN_AMBIGUOUS = "More than one child has this UPN as a former UPN: correct the records first"

Reject = Callable[[int, str, str], None]


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


@dataclass(frozen=True)
class StagedWrite:
    """What AttendanceStage.write did: attendance_sessions_write's outcome, and every child the
    file named in a valid row with the sessions added or changed for them (0 for none)."""

    written: SessionsWritten
    touched: list[tuple[Any, int]]


class AttendanceStage:
    """A file's sessions in temporary tables, for one import inside its transaction: load
    them (load_file, else load_rows), check them (check), write the valid ones (write). Made
    by attendance_stage(), which owns the tables and the session's settings."""

    def __init__(self, cursor: Any) -> None:
        self._cursor = cursor

    # --- 1. The file into a temporary table ------------------------------------------------

    def load_file(
        self,
        chunks: Iterable[bytes],
        *,
        columns: Sequence[str | None],
        rows: int,
        encoding: str = "UTF8",
    ) -> int | None:
        """A CSV file's bytes (`chunks`, its header first) straight into COPY, PostgreSQL
        parsing it and numbering the rows in file order (an identity column): the fast path.
        `columns` names each of the file's columns in RAW_COLUMNS' terms (None: a column the
        import does not read); `encoding` is the file's, as COPY names it (COPY_ENCODINGS).
        Returns the rows copied; None, with nothing left behind, when PostgreSQL refuses the
        file or counts other than `rows` rows (a quoted line break, a blank line, the
        end-of-data marker), or a quote sits in the middle of a field (_MISPLACED_QUOTE): then
        load_rows takes it from the shared strict reader, which names the bad row."""
        cursor = self._cursor
        names = [name or f"extra_{index}" for index, name in enumerate(columns)]
        extras = [name for name in names if name.startswith("extra_")]
        listed = ", ".join(names)
        try:
            with transaction.atomic():
                _create_raw(cursor, extras)
                with cursor.copy(
                    f"COPY {RAW} ({listed}) FROM STDIN WITH (FORMAT csv, HEADER true, "
                    f"ENCODING '{COPY_ENCODINGS[encoding]}', FORCE_NOT_NULL ({listed}))"
                ) as copy:
                    tail = b""
                    for chunk in chunks:
                        if _MISPLACED_QUOTE.search(tail + chunk[:2]) or (
                            b'"' in chunk and _MISPLACED_QUOTE.search(chunk)
                        ):
                            raise _NotDirectError
                        copy.write(chunk)
                        tail = chunk[-2:]
                cursor.execute(f"SELECT count(*) FROM {RAW}")  # noqa: S608 - our own table
                (copied,) = cursor.fetchone()
                if copied != rows:
                    raise _NotDirectError
        except (DatabaseError, psycopg.Error, _NotDirectError):
            return None
        return copied

    def load_rows(self, rows: Iterable[tuple[int, str, str, str, str, str]]) -> None:
        """Rows the importer read, each (row number, upn, date, session, code, school URN) as
        the file has them, into COPY as they come (never all in memory)."""
        _create_raw(self._cursor, [])
        with self._cursor.copy(f"COPY {RAW} (n, upn, day, session, code, urn) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)

    # --- 2. The rules, once per distinct value, then joined to the rows -------------------

    def check(
        self,
        *,
        wide: bool,
        read_date: Callable[[str], date | None],
        date_unreadable: str,
        reach: QuerySet[Child] | None,
        reject: Reject,
    ) -> None:
        """Judge every loaded row, telling `reject` (row number, field, reason) each rule a row
        breaks, in row order, then each session a row names a second time. `wide`: the file
        gave the sessions as am and pm columns (a code's rejection names that column);
        `read_date` reads a date's text (None: unreadable, said as `date_unreadable`); `reach`:
        the children the importer may match (records.selectors.imports.import_reach; None:
        all), a UPN outside it told NOT_IN_REACH whoever has it."""
        cursor = self._cursor
        _analyse(cursor, RAW)
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
        self._days_and_codes(pairs, read_date, date_unreadable)
        _lookup(
            cursor,
            f"{SESSIONS} (text text PRIMARY KEY, session text, code_field text, reason text)",
            [_session_verdict(text, wide=wide) for text in sessions],
        )
        self._schools(urns)
        self._children(reach)
        self._rows()
        self._rejections(reject)

    def _days_and_codes(
        self,
        pairs: list[tuple[str, str]],
        read_date: Callable[[str], date | None],
        date_unreadable: str,
    ) -> None:
        """Each distinct date by the date's own rules, with the age rule's message for it
        should a child be too young or too old (session_rules.day_reasons); each distinct
        (date, code) by the code's (session_rules.code_reasons)."""
        days = {text: read_date(text) for text in {text for text, _ in pairs}}
        day_rows = []
        for text, day in days.items():
            reason, age_reason = day_reasons(day) if day else (date_unreadable, None)
            day_rows.append((text, day, reason, age_reason))
        _lookup(
            self._cursor,
            f"{DAYS} (text text PRIMARY KEY, day date, reason text, age_reason text)",
            day_rows,
        )
        verdicts = []
        for day_text, text in pairs:
            code = mark_text(text)
            verdicts.append((day_text, text, code, *code_reasons(code, days[day_text])))
        _lookup(
            self._cursor,
            f"{CODES_TABLE} (day text, text text, code text, reason text, in_use_reason text, "
            "PRIMARY KEY (day, text))",
            verdicts,
        )

    def _schools(self, texts: list[str]) -> None:
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
            self._cursor,
            f"{SCHOOLS} (text text PRIMARY KEY, school_id bigint, reason text)",
            verdicts,
        )

    def _children(self, reach: QuerySet[Child] | None) -> None:
        """Each distinct UPN to one child: their current UPN first, else a former UPN held by
        exactly one child; with the dates their education is recorded between. In batches, so
        that a file naming many children never brings them all into memory at once."""
        cursor = self._cursor
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
            self._children_batch(texts, reach)
            last = texts[-1]
        _analyse(cursor, CHILDREN)

    def _children_batch(self, texts: list[str], reach: QuerySet[Child] | None) -> None:
        """A batch of distinct UPNs to children by records/selectors/identifiers.py's
        children_for_upns (one query), inside the importer's reach."""
        normal = {text: normalise_upn(text) for text in texts}
        found = children_for_upns(upns=normal.values(), within=reach)
        verdicts = []
        for text, upn in normal.items():
            match = found.get(upn)
            if match is not None and match.ambiguous:
                verdicts.append((text, None, None, None, UPN_AMBIGUOUS))
            elif match is None:
                limited = reach is not None
                verdicts.append((text, None, None, None, upn_reason(upn, limited=limited)))
            else:
                verdicts.append(
                    (text, match.child_id, *education_window(match.date_of_birth), None)
                )
        with self._cursor.copy(f"COPY {CHILDREN} FROM STDIN") as copy:
            for verdict in verdicts:
                copy.write_row(verdict)

    def _rows(self) -> None:
        """Each row with its verdicts, in session_mark_errors' order (mark_reasons_sql): the
        child's age on the date judged here, by within_window_sql, for a known child and a
        date that passed its own rules, and the code's dates only for a date that passed
        both."""
        age_reason, code_reason = mark_reasons_sql(
            day_reason="d.reason",
            in_window=within_window_sql("d.day", "ch.first_day", "ch.end_day"),
            age_reason="d.age_reason",
            unknown_reason="c.reason",
            in_use_reason="c.in_use_reason",
        )
        self._cursor.execute(
            f"""
            CREATE TEMPORARY TABLE {ROWS} ON COMMIT DROP AS
            SELECT *, (upn_reason IS NULL AND date_reason IS NULL AND code_reason IS NULL
                AND school_reason IS NULL AND session_reason IS NULL AND age_reason IS NULL) AS ok
            FROM (SELECT r.n, ch.child_id, s.school_id, d.day, se.session, c.code,
                se.code_field, ch.reason AS upn_reason, d.reason AS date_reason,
                s.reason AS school_reason, se.reason AS session_reason,
                {age_reason} AS age_reason, {code_reason} AS code_reason
            FROM {RAW} r
            JOIN {CHILDREN} ch ON ch.text = r.upn
            JOIN {DAYS} d ON d.text = r.day
            JOIN {CODES_TABLE} c ON c.day = r.day AND c.text = r.code
            JOIN {SESSIONS} se ON se.text = r.session
            JOIN {SCHOOLS} s ON s.text = r.urn) AS checked
            """  # noqa: S608 - our own tables
        )
        _analyse(self._cursor, ROWS)

    def _rejections(self, reject: Reject) -> None:
        """Every row that broke a rule, by row number and field; then sessions named twice."""
        cursor = self._cursor
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
                reject(n, field_name, reason)
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
            reject(
                n, "session", f"The same child's session is also at row {first_row}: give it once"
            )
        if duplicates:
            cursor.execute(
                f"UPDATE {ROWS} SET ok = false WHERE n = ANY(%s)",  # noqa: S608
                [[n for n, _ in duplicates]],
            )

    # --- 3. Valid rows into the record ------------------------------------------------------

    def write(
        self,
        *,
        actor: AbstractBaseUser | None,
        details: Callable[[SessionsWritten], Mapping[str, object]],
    ) -> StagedWrite:
        """The valid rows through attendance_sessions_write, the one write of attendance
        (lock, BatchEvent, upsert, summaries); `details` adds to its BatchEvent what names the
        file and the run. Returns that, and the children named, for the access log and each
        child's history (records/services/imports.py; one row per child)."""
        written = attendance_sessions_write(
            actor=actor,
            kind=BatchEvent.Kind.IMPORT,
            child=None,
            source_sql=(
                f"SELECT child_id, school_id, day AS date, session, code FROM {ROWS} WHERE ok"  # noqa: S608
            ),
            params=[],
            details=details,
        )
        self._cursor.execute(f"SELECT DISTINCT child_id FROM {ROWS} WHERE ok")  # noqa: S608
        touched = [
            (child_id, written.per_child.get(child_id, 0))
            for (child_id,) in self._cursor.fetchall()
        ]
        return StagedWrite(written=written, touched=touched)


@contextmanager
def attendance_stage() -> Iterator[AttendanceStage]:
    """An AttendanceStage for one import, inside the caller's transaction: memory for its
    sorts, hashes and temporary tables, and the tables dropped before and after."""
    with connection.cursor() as cursor:
        _tune(cursor)
        _drop_tables(cursor)
        yield AttendanceStage(cursor)
        _drop_tables(cursor)


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
    session = mark_text(text)
    return (text, session, session.lower() if wide else "code", session_error(session, report=True))


def _lookup(cursor: Any, table: str, rows: list[tuple]) -> None:
    """A temporary lookup table (`name (columns)`) filled with `rows` by COPY."""
    cursor.execute(f"CREATE TEMPORARY TABLE {table} ON COMMIT DROP")
    name = table.split(" ", 1)[0]
    with cursor.copy(f"COPY {name} FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
    _analyse(cursor, name)


# A quote with something other than a comma, a line end or (after it) another quote on both
# sides: a quote in the middle of a field ("/"x), which COPY would read as /x where the shared
# strict reader refuses the file naming the line (issue 12: the same shape rules for every CSV
# importer). A file with one goes to that reader; the scan costs a byte search per chunk. A
# quoted field with no quote inside ("x") never matches; one with a doubled quote ("a""b")
# does, and is simply read by that reader.
_MISPLACED_QUOTE = re.compile(rb'[^,\r\n]"[^,\r\n"]')


class _NotDirectError(Exception):
    """The direct COPY could not take the file as it is."""


def _create_raw(cursor: Any, extras: list[str]) -> None:
    extra = "".join(f", {name} text" for name in extras)
    cursor.execute(
        f"CREATE TEMPORARY TABLE {RAW} (n integer GENERATED BY DEFAULT AS IDENTITY, upn text, "
        f"day text, session text, code text, urn text{extra}) ON COMMIT DROP"
    )


def _drop_tables(cursor: Any) -> None:
    for table in TABLES:
        cursor.execute(f"DROP TABLE IF EXISTS {table}")


def _analyse(cursor: Any, table: str) -> None:
    """Temporary tables get no statistics from autovacuum; the planner needs them."""
    cursor.execute(f"ANALYZE {table}")


__all__ = [
    "SCHOOL_SHAPE",
    "SCHOOL_UNKNOWN",
    "UPN_AMBIGUOUS",
    "AttendanceStage",
    "StagedWrite",
    "attendance_stage",
    "upn_reason",
]
