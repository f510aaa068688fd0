"""Writes to attendance: session marks, and the per-term summaries kept from them.

Every session mark is written by attendance_sessions_write, in bulk, whether it comes from the
session form (attendance_record) or an attendance file (records/services/attendance_import.py): the
children locked, one BatchEvent as the audit record (session rows are not tracked row by row by
auditlog; STYLE.md 10), the sessions upserted, and in the same transaction the summaries of
exactly the terms touched recomputed in SQL (AttendanceWeek per week, AttendanceSummary per term
as the sum of its weeks, AttendanceYear), so dashboards that read only the summaries are never
behind the sessions. Both check marks by the same session rules
(records/services/session_rules.py) first.

Who may call these is decided by the caller (records/permissions.py: can_change_child).
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import NON_FIELD_ERRORS
from django.db import connection, transaction

from records.attendance import (
    SUMMARY_COLUMNS,
    WEEK_COLUMNS,
    YEAR_COLUMNS,
    SummaryKey,
    keys_sql,
    summary_counts_from_sql,
    term_totals_from_weeks_sql,
    year_totals_sql,
)
from records.calendar import TERM_ORDER, academic_year_of, term_bounds, term_of
from records.models import (
    AttendanceCodeChange,
    AttendanceSession,
    AttendanceSummary,
    AttendanceWeek,
    AttendanceYear,
    BatchEvent,
    Child,
    School,
    Session,
    Term,
)
from records.services.rules import date_errors, period_errors, raise_if
from records.services.session_rules import (
    code_unknown_error,
    long_date,
    mark_text,
    session_error,
    session_mark_errors,
)
from virtualschool.errors import DomainError

# One hand-entered batch covers at most a year of sessions (2 a day, 5 days a week); files
# of any size go through the import.
MAX_SESSIONS = 2 * 5 * 53
MAX_RANGE_DAYS = 366
# A long batch with one mistake repeated would otherwise list it hundreds of times.
MAX_MESSAGES_PER_FIELD = 5
BOTH_SESSIONS = "both"
SESSION_WORDS = {Session.AM: "morning", Session.PM: "afternoon"}
PRESENT_MARKS = {Session.AM: "/", Session.PM: "\\"}


@dataclass(frozen=True)
class SessionMark:
    """One register mark to record: a date, AM or PM, a DfE code, and the school (if known)."""

    date: date
    session: str
    code: str
    school: School | None = None


class _Errors:
    """Messages per field, each said once, with long lists cut short."""

    def __init__(self) -> None:
        self.by_field: dict[str, list[str]] = {}

    def add(self, field: str, message: str) -> None:
        messages = self.by_field.setdefault(field, [])
        if message not in messages:
            messages.append(message)

    def result(self) -> dict[str, list[str]]:
        result = {}
        for field, messages in self.by_field.items():
            extra = len(messages) - MAX_MESSAGES_PER_FIELD
            result[field] = messages[:MAX_MESSAGES_PER_FIELD] + (
                [f"…and {extra} more like these"] if extra > 0 else []
            )
        return result


def _as_mark(row: SessionMark | Sequence) -> SessionMark:
    return row if isinstance(row, SessionMark) else SessionMark(*row)


def _normalised(mark: SessionMark) -> SessionMark:
    code = mark_text(mark.code) if isinstance(mark.code, str) else mark.code
    session = mark_text(mark.session) if isinstance(mark.session, str) else mark.session
    return SessionMark(date=mark.date, session=session, code=code, school=mark.school)


def _mark_errors(errors: _Errors, *, child: Child, mark: SessionMark) -> bool:
    """One mark against the session rules (records/services/session_rules.py, which the
    import applies too) and its school; whether its date was accepted."""
    day, session, code = mark.date, str(mark.session), str(mark.code)
    if not isinstance(day, date) or isinstance(day, datetime):
        found = {"date": f"Date must be a calendar date, not {day!r}"}
        for field, reason in (
            ("code", code_unknown_error(code)),
            ("session", session_error(session)),
        ):
            if reason:
                found[field] = reason
    else:
        found = session_mark_errors(born=child.date_of_birth, day=day, session=session, code=code)
    for field, message in found.items():
        errors.add(field, message)
    if mark.school is not None and (not isinstance(mark.school, School) or mark.school.pk is None):
        errors.add("school", "School must be a school on the system, or left blank")
    return "date" not in found


def _marks_errors(*, child: Child, marks: list[SessionMark]) -> dict[str, list[str]]:
    errors = _Errors()
    if not marks:
        errors.add(NON_FIELD_ERRORS, "Enter at least one session to record")
    if len(marks) > MAX_SESSIONS:
        errors.add(
            NON_FIELD_ERRORS,
            f"Record at most {MAX_SESSIONS} sessions at a time (you entered {len(marks)}); "
            "import a file for more",
        )
    seen: set[tuple[object, object]] = set()
    for mark in marks:
        day_ok = _mark_errors(errors, child=child, mark=mark)
        slot = (mark.date, mark.session)
        if slot in seen and day_ok:
            errors.add(
                NON_FIELD_ERRORS,
                f"The {SESSION_WORDS.get(mark.session, mark.session)} of {long_date(mark.date)} "
                "is listed more than once: record each session once",
            )
        seen.add(slot)
    return errors.result()


def attendance_record(
    *,
    actor: AbstractBaseUser | None,
    child: Child,
    sessions: Iterable[SessionMark | Sequence],
) -> BatchEvent:
    """Record register marks for one child, replacing any mark already held for the same
    date and session, and bring the child's term summaries up to date.

    Rules: the session rules (records/services/session_rules.py, which the attendance import
    applies too): each date a weekday, not in the future, and between the child's 2nd and 25th
    birthdays; the code a DfE register code in use on that date; the session AM or PM. Then
    the school is a School or blank, each session appears once, and at most MAX_SESSIONS at a
    time. All or nothing: a refusal saves nothing. The write is attendance_sessions_write's,
    the one the import makes: the child locked, one BatchEvent for the batch (who recorded
    how many sessions for which dates; no personal data), a replaced code's history kept,
    and the summaries of the terms touched recomputed.
    """
    marks = [_normalised(_as_mark(row)) for row in sessions]
    raise_if(_marks_errors(child=child, marks=marks))
    written = attendance_sessions_write(
        actor=actor,
        kind=BatchEvent.Kind.ATTENDANCE,
        child=child,
        source_sql=(
            "SELECT * FROM unnest(%s::uuid[], %s::bigint[], %s::date[], %s::text[], %s::text[]) "
            "AS src(child_id, school_id, date, session, code)"
        ),
        params=[
            [child.pk] * len(marks),
            [mark.school.pk if mark.school is not None else None for mark in marks],
            [mark.date for mark in marks],
            [mark.session for mark in marks],
            [mark.code for mark in marks],
        ],
    )
    if written.batch is None:  # marks were checked to be there: nothing else leaves none
        raise DomainError({NON_FIELD_ERRORS: ["Enter at least one session to record"]})
    return written.batch


@dataclass(frozen=True)
class SessionsWritten:
    """What attendance_sessions_write did: its BatchEvent (None when the source had no
    sessions, and then nothing was written), the sessions and children the source named, and
    the sessions created, updated (code or school replaced), codes changed and summaries
    (child and term) recomputed."""

    batch: BatchEvent | None
    sessions: int
    children: int
    created: int = 0
    updated: int = 0
    codes_changed: int = 0
    summaries: int = 0
    # Each child's sessions created or replaced (a child the source names with none: absent).
    per_child: dict[uuid.UUID, int] = dataclasses.field(default_factory=dict)

    @property
    def unchanged(self) -> int:
        return self.sessions - self.created - self.updated


WRITE_KEYS = "att_write_keys"  # the (child, academic year, term) keys a write touches


def attendance_sessions_write(
    *,
    actor: AbstractBaseUser | None,
    kind: str,
    child: Child | None,
    source_sql: str,
    params: Sequence[object],
    details: Callable[[SessionsWritten], Mapping[str, object]] | None = None,
) -> SessionsWritten:
    """Write session marks, already checked against the session rules, for any number of
    children: the one write of attendance, which the session form (attendance_record) and
    the attendance import both make.

    `source_sql` is a SELECT of child_id, school_id, date, session, code, one row per session
    (an unnest of a form's marks, or an import's temporary table of millions of rows: it is
    read in SQL and never comes into Python). In one transaction, in this order:
    - every child the source names is locked (FOR NO KEY UPDATE, in id order, so two writers
      of overlapping children cannot deadlock): writers of one child's attendance queue here,
      so a session and its summary never race;
    - one BatchEvent of `kind` is the audit record (STYLE.md 10: session rows are not audited
      row by row): who (`actor`), which child (`child`, or none for a file of many), how many
      sessions, the first and last date, and in `details` what was added, changed and left
      unchanged and which terms, with what `details(written)` adds (an import: its file);
    - sessions_upsert writes the sessions and keeps the history of changed codes;
    - the summaries (AttendanceWeek, AttendanceSummary, AttendanceYear) of exactly the
      children and terms written are recomputed in SQL from a table of those keys.
    A source with no sessions writes nothing, not even a BatchEvent.
    """
    quote = connection.ops.quote_name
    child_table, child_pk = quote(Child._meta.db_table), quote(Child._meta.pk.column)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"SELECT date, count(*) FROM ({source_sql}) AS src GROUP BY date ORDER BY date",  # noqa: S608 - the source from our own callers
            params,
        )
        per_day = cursor.fetchall()
        sessions = sum(count for _, count in per_day)
        if not sessions:
            return SessionsWritten(batch=None, sessions=0, children=0)
        cursor.execute(
            f"SELECT 1 FROM {child_table} WHERE {child_pk} IN "  # noqa: S608 - names from model metadata
            f"(SELECT child_id FROM ({source_sql}) AS src) ORDER BY {child_pk} FOR NO KEY UPDATE",
            params,
        )
        children = cursor.rowcount
        days = [day for day, _ in per_day]
        batch = BatchEvent.objects.create(
            kind=kind,
            actor=actor,
            child_id=child.pk if child is not None else None,
            rows=sessions,
            date_from=days[0],
            date_to=days[-1],
        )
        upserted = sessions_upsert(source_sql=source_sql, params=params, batch_id=batch.pk)
        terms = _keys_table(cursor, source_sql, params, days)
        written = SessionsWritten(
            batch=batch,
            sessions=sessions,
            children=children,
            created=upserted.created,
            updated=upserted.updated,
            codes_changed=upserted.codes_changed,
            per_child=upserted.per_child,
            summaries=attendance_summaries_refresh_from(keys_table=WRITE_KEYS),
        )
        cursor.execute(f"DROP TABLE {WRITE_KEYS}")
        batch.details = {
            "added": written.created,
            "changed": written.updated,
            "unchanged": written.unchanged,
            "terms": [[year, str(term)] for year, term in terms],
            **(details(written) if details is not None else {}),
        }
        batch.save(update_fields=["details"])
        return written


def _keys_table(
    cursor: Any, source_sql: str, params: Sequence[object], days: list[date]
) -> list[tuple[int, Term]]:
    """WRITE_KEYS, a temporary table of the (child, academic year, term) keys of the source's
    sessions with each term's dates (the columns attendance_summaries_refresh_from reads),
    from each distinct date's term in Python (records.attendance.term_of, a few hundred dates
    whatever the source's size) joined to the source in SQL; returns the terms, in order."""
    by_day = [(day, academic_year_of(day), term_of(day)) for day in days]
    terms = sorted({(year, term) for _, year, term in by_day}, key=_term_order)
    bounds = {key: term_bounds(*key) for key in terms}
    cursor.execute(f"DROP TABLE IF EXISTS {WRITE_KEYS}")
    cursor.execute(
        f"CREATE TEMPORARY TABLE {WRITE_KEYS} ON COMMIT DROP AS "  # noqa: S608 - our own table, the source from our callers
        "SELECT DISTINCT src.child_id, t.academic_year, t.term, t.first_day, t.last_day "
        f"FROM ({source_sql}) AS src JOIN unnest(%s::date[], %s::integer[], %s::text[], "
        "%s::date[], %s::date[]) AS t(date, academic_year, term, first_day, last_day) "
        "ON t.date = src.date",
        [
            *params,
            [day for day, _, _ in by_day],
            [year for _, year, _ in by_day],
            [str(term) for _, _, term in by_day],
            [bounds[(year, term)][0] for _, year, term in by_day],
            [bounds[(year, term)][1] for _, year, term in by_day],
        ],
    )
    cursor.execute(f"ANALYZE {WRITE_KEYS}")
    return terms


def _term_order(key: tuple[int, Term]) -> tuple[int, int]:
    year, term = key
    return year, TERM_ORDER.index(term)


@dataclass(frozen=True)
class Upserted:
    """What sessions_upsert did: sessions created, sessions whose code or school was replaced,
    and how many of those replacements changed the code (each kept in AttendanceCodeChange);
    `per_child`: each child's sessions created or replaced (a child with none is absent)."""

    created: int
    updated: int
    codes_changed: int
    per_child: dict[uuid.UUID, int] = dataclasses.field(default_factory=dict)


def sessions_upsert(*, source_sql: str, params: Sequence[object], batch_id: int | None) -> Upserted:
    """Write session marks from `source_sql` (a SELECT of child_id, school_id, date, session,
    code with one row per session, already validated) in one statement, the one way every
    session is written (attendance_record and the attendance import).

    Rules: a mark for a session already held replaces its code and school only when either
    differs, so the same marks written twice rewrite nothing; a replaced code leaves an
    AttendanceCodeChange (old code, new code, the batch that changed it), the history the
    session row no longer holds.

    How: one statement whose parts all see the table as it was before it (PostgreSQL runs a
    data-modifying CTE on one snapshot). The UPDATE joins each session to a second copy of
    itself to return the code it had; the INSERT adds the sessions that were not held. No
    ON CONFLICT: a plain insert is much cheaper per row at the import's volumes, and it is safe
    because every writer of a child's sessions first locks the child (FOR NO KEY UPDATE), as
    the caller must have done, inside its own transaction.
    """
    quote = connection.ops.quote_name
    session = quote(AttendanceSession._meta.db_table)
    change = quote(AttendanceCodeChange._meta.db_table)
    with connection.cursor() as cursor:
        # Nothing held yet for these children over these dates (a new term's first file): a
        # plain insert, without looking up each session first.
        cursor.execute(
            f"""
            SELECT EXISTS (
                SELECT 1 FROM {session} s
                JOIN (SELECT child_id, min(date) AS first, max(date) AS last
                      FROM ({source_sql}) AS src GROUP BY child_id) AS c
                    ON s.child_id = c.child_id AND s.date BETWEEN c.first AND c.last
            )
            """,  # noqa: S608 - identifiers from model metadata, the source from our callers
            params,
        )
        (held,) = cursor.fetchone()
        if not held:
            cursor.execute(
                f"WITH inserted AS (INSERT INTO {session} "  # noqa: S608
                "(child_id, school_id, date, session, code) "
                f"SELECT child_id, school_id, date, session, code FROM ({source_sql}) AS src "
                "RETURNING child_id) SELECT child_id, count(*) FROM inserted GROUP BY child_id",
                params,
            )
            per_child = dict(cursor.fetchall())
            return Upserted(
                created=sum(per_child.values()), updated=0, codes_changed=0, per_child=per_child
            )
    sql = f"""
        WITH src AS MATERIALIZED ({source_sql}),
        updated AS (
            UPDATE {session} AS s SET code = src.code, school_id = src.school_id
            FROM src JOIN {session} AS held
                ON held.child_id = src.child_id AND held.date = src.date
                AND held.session = src.session
            WHERE s.id = held.id
                AND (held.code IS DISTINCT FROM src.code
                    OR held.school_id IS DISTINCT FROM src.school_id)
            RETURNING s.child_id, s.date, s.session, held.code AS old_code, s.code AS new_code
        ),
        inserted AS (
            INSERT INTO {session} (child_id, school_id, date, session, code)
            SELECT child_id, school_id, date, session, code FROM src
            WHERE NOT EXISTS (
                SELECT 1 FROM {session} AS held
                WHERE held.child_id = src.child_id AND held.date = src.date
                    AND held.session = src.session
            )
            RETURNING child_id
        ),
        changed AS (
            INSERT INTO {change} (child_id, date, session, old_code, new_code, batch_id, changed_at)
            SELECT child_id, date, session, old_code, new_code, %s, now()
            FROM updated WHERE old_code <> new_code
            RETURNING 1
        )
        SELECT NULL::uuid, (SELECT count(*) FROM inserted), (SELECT count(*) FROM updated),
            (SELECT count(*) FROM changed)
        UNION ALL
        SELECT child_id, count(*), 0, 0 FROM (
            SELECT child_id FROM inserted UNION ALL SELECT child_id FROM updated
        ) AS written GROUP BY child_id
    """  # noqa: S608 - identifiers from model metadata, the source from our own callers
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, batch_id])
        rows = cursor.fetchall()
    totals = next(row for row in rows if row[0] is None)
    per_child = {row[0]: row[1] for row in rows if row[0] is not None}
    _, created, updated, codes_changed = totals
    return Upserted(
        created=created, updated=updated, codes_changed=codes_changed, per_child=per_child
    )


def _for_session(code: str | None, part: str) -> str:
    """Present is / in the morning register and \\ in the afternoon (attendance-codes.csv);
    a range recorded as present gets each session's own mark, whichever of the two was chosen."""
    code = (code or "").strip()
    if code in PRESENT_MARKS.values():
        return PRESENT_MARKS[part]
    return code


def attendance_record_range(
    *,
    actor: AbstractBaseUser | None,
    child: Child,
    date_from: date | None,
    date_to: date | None = None,
    session: str = BOTH_SESSIONS,
    code: str = "",
    school: School | None = None,
) -> BatchEvent:
    """Record the same code for every weekday from `date_from` to `date_to` (or just
    `date_from`), for both sessions or one. Saturdays and Sundays in the range are skipped;
    present (/ or \\) is recorded as / in the morning and \\ in the afternoon.

    Rules, before attendance_record's own: a start date; the end the same as or after it;
    both dates within the child's school-age window and not in the future; at most a year;
    at least one weekday. Messages are keyed by these argument names.
    """
    errors: dict[str, list[str]] = {}
    if date_from is None:
        errors["date_from"] = ["Enter the first date to record"]
    date_errors(
        errors, child=child, field="date_from", label="From date", value=date_from, education=True
    )
    date_errors(
        errors, child=child, field="date_to", label="To date", value=date_to, education=True
    )
    period_errors(
        errors,
        start_field="date_from",
        start=date_from,
        end_field="date_to",
        end=date_to,
        end_label="To date",
        start_label="the from date",
    )
    session = (session or "").strip()
    session = BOTH_SESSIONS if session.lower() == BOTH_SESSIONS else session.upper()
    if session not in (BOTH_SESSIONS, *Session.values):
        errors["session"] = ["Select both sessions, morning (AM) or afternoon (PM)"]
    if (
        date_from is not None
        and date_to is not None
        and (date_to - date_from).days >= MAX_RANGE_DAYS
    ):
        errors.setdefault("date_to", []).append(
            f"To date must be less than {MAX_RANGE_DAYS} days after the from date: record at "
            "most a year at a time"
        )
    raise_if(errors)
    first = date_from
    last = date_to or first
    every_day = (first + timedelta(days=offset) for offset in range((last - first).days + 1))
    days = [day for day in every_day if day.weekday() < 5]
    if not days:
        raise_if({"date_from": ["The dates entered are a weekend: choose at least one weekday"]})
    parts = Session.values if session == BOTH_SESSIONS else [session]
    marks = [
        SessionMark(day, part, _for_session(code, part), school) for day in days for part in parts
    ]
    try:
        return attendance_record(actor=actor, child=child, sessions=marks)
    except DomainError as error:
        if "date" not in error.error_dict:
            raise
        moved = error.message_dict
        moved.setdefault("date_from", []).extend(moved.pop("date"))
        raise DomainError(moved) from error


def attendance_summaries_refresh(*, keys: Iterable[SummaryKey]) -> int:
    """Recompute AttendanceSummary for exactly these (child, academic year, term) keys from
    the session rows, in SQL, whatever the number of keys; returns how many keys were given.

    A key whose term has sessions gets its row inserted or replaced with the counts
    records.attendance.summary_counts_sql computes (the DfE method, as attendance_figures
    applies it); a key whose term has none loses its row. The keys' children are locked (FOR
    NO KEY UPDATE, in id order) first, and the counts are read after the lock is granted, so
    two writers of one child's attendance cannot leave a summary missing the other's sessions.
    Call it inside the transaction that wrote the sessions.
    """
    keys = sorted(set(keys))
    if not keys:
        return 0
    _summaries_refresh(*keys_sql(keys))
    return len(keys)


def attendance_summaries_refresh_from(*, keys_table: str) -> int:
    """attendance_summaries_refresh for keys held in a (temporary) table with the columns
    child_id, academic_year, term, first_day, last_day (the term's dates from
    records.calendar.term_bounds): the import's way, so that its keys, one per child and term
    of a file of any size, never come into Python. Same rules; returns the number of keys."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {keys_table}")  # noqa: S608 - the caller's table
        (count,) = cursor.fetchone()
    if count:
        _summaries_refresh(
            f"(SELECT child_id, academic_year, term, first_day, last_day FROM {keys_table}) "  # noqa: S608
            "AS k(child_id, academic_year, term, first_day, last_day)",
            [],
        )
    return count


def _years_upsert(cursor: Any, years_from: str, years_params: list) -> None:
    """Insert or replace the AttendanceYear row of each (child, academic year) of
    `years_from` that has term summaries, from its terms and weeks (year_totals_sql)."""
    years = connection.ops.quote_name(AttendanceYear._meta.db_table)
    years_sql, params = year_totals_sql(years_from, years_params)
    cursor.execute(
        f"INSERT INTO {years} ({', '.join(YEAR_COLUMNS)}) {years_sql} "  # noqa: S608 - names from model metadata
        "ON CONFLICT (academic_year, child_id) DO UPDATE SET "
        + ", ".join(f"{column} = EXCLUDED.{column}" for column in YEAR_COLUMNS[2:]),
        params,
    )


def attendance_years_rebuild() -> int:
    """Rewrite every AttendanceYear row from its summaries and weeks (never the sessions),
    for a new column of the year's arrays or a change to the absence code list (migration
    0018). Returns the number of rows rewritten."""
    years = connection.ops.quote_name(AttendanceYear._meta.db_table)
    with transaction.atomic(), connection.cursor() as cursor:
        _years_upsert(
            cursor,
            f"(SELECT child_id, academic_year FROM {years}) AS y(child_id, academic_year)",  # noqa: S608 - names from model metadata
            [],
        )
        return cursor.rowcount


def _summaries_refresh(keys_from: str, keys_params: list) -> None:
    """Lock the keys' children, rewrite the AttendanceWeek rows of the keys' terms from the
    sessions, then upsert each key's AttendanceSummary as the sum of its weeks and each key's
    AttendanceYear as the sum of its terms, and delete the summaries of keys (and years) left
    without sessions (attendance_summaries_refresh)."""
    quote = connection.ops.quote_name
    summary = quote(AttendanceSummary._meta.db_table)
    weeks = quote(AttendanceWeek._meta.db_table)
    columns = ", ".join(SUMMARY_COLUMNS)
    updates = ", ".join(f"{column} = EXCLUDED.{column}" for column in SUMMARY_COLUMNS[3:])
    week_sql, week_params = summary_counts_from_sql(keys_from, keys_params, by_week=True)
    totals_sql, totals_params = term_totals_from_weeks_sql(keys_from, keys_params)
    years = quote(AttendanceYear._meta.db_table)
    child_table, child_pk = quote(Child._meta.db_table), quote(Child._meta.pk.column)
    in_keys = "t.child_id = k.child_id AND t.academic_year = k.academic_year AND t.term = k.term"
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"SELECT 1 FROM {child_table} WHERE {child_pk} IN (SELECT k.child_id FROM {keys_from}) "  # noqa: S608 - names from model metadata
            f"ORDER BY {child_pk} FOR NO KEY UPDATE",
            keys_params,
        )
        cursor.execute(f"DELETE FROM {weeks} t USING {keys_from} WHERE {in_keys}", keys_params)  # noqa: S608
        cursor.execute(
            f"INSERT INTO {weeks} ({', '.join(WEEK_COLUMNS)}) {week_sql}",  # noqa: S608 - names from model metadata
            week_params,
        )
        cursor.execute(
            f"INSERT INTO {summary} ({columns}) {totals_sql} "  # noqa: S608 - names from model metadata
            f"ON CONFLICT (child_id, academic_year, term) DO UPDATE SET {updates}",
            totals_params,
        )
        cursor.execute(
            f"DELETE FROM {summary} t USING {keys_from} WHERE {in_keys} "  # noqa: S608 - names from model metadata
            f"AND NOT EXISTS (SELECT 1 FROM {weeks} w WHERE w.child_id = k.child_id "
            "AND w.academic_year = k.academic_year AND w.term = k.term)",
            keys_params,
        )
        _years_upsert(cursor, keys_from, keys_params)
        cursor.execute(
            f"DELETE FROM {years} t USING {keys_from} "  # noqa: S608 - names from model metadata
            "WHERE t.child_id = k.child_id AND t.academic_year = k.academic_year "
            f"AND NOT EXISTS (SELECT 1 FROM {summary} s WHERE s.child_id = k.child_id "
            "AND s.academic_year = k.academic_year)",
            keys_params,
        )
