"""Writes to attendance: session marks, and the per-term summaries kept from them.

Every session mark is written here, in bulk, with one BatchEvent as its audit record (session
rows are not tracked row by row by auditlog; STYLE.md 10). The same transaction recomputes the
summaries of exactly the terms touched, in SQL (AttendanceWeek per week, AttendanceSummary per
term as the sum of its weeks), so dashboards that read only the summaries are never behind the
sessions. Imports call attendance_summaries_refresh with the
keys they loaded.

Who may call these is decided by the caller (records/permissions.py: can_change_child).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import NON_FIELD_ERRORS
from django.db import connection, transaction

from records.attendance import (
    SUMMARY_COLUMNS,
    WEEK_COLUMNS,
    YEAR_COLUMNS,
    SummaryKey,
    allowed_codes_text,
    code_not_in_use,
    keys_sql,
    summary_counts_from_sql,
    summary_key,
    term_totals_from_weeks_sql,
    year_totals_sql,
)
from records.codes.attendance import CODES
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
)
from records.services.rules import date_errors, period_errors, raise_if
from virtualschool.errors import DomainError

# One hand-entered batch covers at most a year of sessions (2 a day, 5 days a week); files
# of any size go through the import, which calls attendance_summaries_refresh itself.
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


def _long(day: date) -> str:
    return f"{day:%A} {day.day} {day:%B %Y}"


class _Errors:
    """Messages per field, each said once, with long lists cut short."""

    def __init__(self) -> None:
        self.by_field: dict[str, list[str]] = {}

    def add(self, field: str, message: str) -> None:
        messages = self.by_field.setdefault(field, [])
        if message not in messages:
            messages.append(message)

    def merge(self, errors: dict[str, list[str]]) -> None:
        for field, messages in errors.items():
            for message in messages:
                self.add(field, message)

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
    code = mark.code.strip().upper() if isinstance(mark.code, str) else mark.code
    session = mark.session.strip().upper() if isinstance(mark.session, str) else mark.session
    return SessionMark(date=mark.date, session=session, code=code, school=mark.school)


def _day_errors(errors: _Errors, *, child: Child, day: object) -> bool:
    """A session's date: a real calendar date, a weekday, not in the future, and while the
    virtual school follows the child's education (rules.date_errors, education=True)."""
    if not isinstance(day, date) or isinstance(day, datetime):
        errors.add("date", f"Date must be a calendar date, not {day!r}")
        return False
    if day.weekday() >= 5:
        errors.add(
            "date",
            f"{_long(day)} is a {day:%A}: registers are taken on school days, Monday to Friday",
        )
        return False
    found: dict[str, list[str]] = {}
    date_errors(
        found, child=child, field="date", label=f"The date {_long(day)}", value=day, education=True
    )
    errors.merge(found)
    return not found


def _mark_errors(errors: _Errors, mark: SessionMark, *, day_ok: bool) -> None:
    if mark.session not in Session.values:
        errors.add(
            "session",
            f"Session must be AM (morning) or PM (afternoon), not “{mark.session}”",
        )
    if mark.code not in CODES:
        errors.add(
            "code",
            f"“{mark.code}” is not an attendance code. Use one of: {allowed_codes_text()}",
        )
    elif day_ok:
        reason = code_not_in_use(mark.code, mark.date)
        if reason:
            errors.add("code", reason)
    if mark.school is not None and (not isinstance(mark.school, School) or mark.school.pk is None):
        errors.add("school", "School must be a school on the system, or left blank")


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
    checked_days: dict[object, bool] = {}
    seen: set[tuple[object, object]] = set()
    for mark in marks:
        if mark.date not in checked_days:
            checked_days[mark.date] = _day_errors(errors, child=child, day=mark.date)
        _mark_errors(errors, mark, day_ok=checked_days[mark.date])
        slot = (mark.date, mark.session)
        if slot in seen and checked_days[mark.date]:
            errors.add(
                NON_FIELD_ERRORS,
                f"The {SESSION_WORDS.get(mark.session, mark.session)} of {_long(mark.date)} "
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

    Rules: each date is a weekday, not in the future, and between the child's 2nd and 25th
    birthdays (rules.date_errors, education=True); the session is AM or PM; the code is a DfE
    register code in use on that date (current codes from 19 August 2024, withdrawn H/J/Y
    before it, F before September 2013; records/attendance.py); the school is a School or
    blank; each session appears once. All or nothing: a refusal saves nothing. A replaced code
    keeps its history (AttendanceCodeChange, through sessions_upsert, the one write path it
    shares with the attendance import). One BatchEvent records who recorded how many sessions
    for which dates (no personal data in it).
    """
    marks = [_normalised(_as_mark(row)) for row in sessions]
    raise_if(_marks_errors(child=child, marks=marks))
    dates = [mark.date for mark in marks]
    keys = sorted({summary_key(child.pk, day) for day in dates})
    with transaction.atomic():
        # Writers of one child's attendance queue here, so a mark and its summary never race.
        Child.objects.select_for_update(no_key=True).filter(pk=child.pk).values_list("pk").get()
        batch = BatchEvent.objects.create(
            kind=BatchEvent.Kind.ATTENDANCE,
            actor=actor,
            child_id=child.pk,
            rows=len(marks),
            date_from=min(dates),
            date_to=max(dates),
        )
        source = (
            "SELECT * FROM unnest(%s::uuid[], %s::bigint[], %s::date[], %s::text[], %s::text[]) "
            "AS src(child_id, school_id, date, session, code)"
        )
        written = sessions_upsert(
            source_sql=source,
            params=[
                [child.pk] * len(marks),
                [mark.school.pk if mark.school is not None else None for mark in marks],
                dates,
                [mark.session for mark in marks],
                [mark.code for mark in marks],
            ],
            batch_id=batch.pk,
        )
        attendance_summaries_refresh(keys=keys)
        batch.details = {
            "added": written.created,
            "changed": written.updated,
            "unchanged": len(marks) - written.created - written.updated,
            "terms": [[key.academic_year, key.term] for key in keys],
        }
        batch.save(update_fields=["details"])
        return batch


@dataclass(frozen=True)
class Upserted:
    """What sessions_upsert did: sessions created, sessions whose code or school was replaced,
    and how many of those replacements changed the code (each kept in AttendanceCodeChange)."""

    created: int
    updated: int
    codes_changed: int


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
                f"INSERT INTO {session} (child_id, school_id, date, session, code) "  # noqa: S608
                f"SELECT child_id, school_id, date, session, code FROM ({source_sql}) AS src",
                params,
            )
            return Upserted(created=cursor.rowcount, updated=0, codes_changed=0)
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
            RETURNING 1
        ),
        changed AS (
            INSERT INTO {change} (child_id, date, session, old_code, new_code, batch_id, changed_at)
            SELECT child_id, date, session, old_code, new_code, %s, now()
            FROM updated WHERE old_code <> new_code
            RETURNING 1
        )
        SELECT (SELECT count(*) FROM inserted), (SELECT count(*) FROM updated),
            (SELECT count(*) FROM changed)
    """  # noqa: S608 - identifiers from model metadata, the source from our own callers
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, batch_id])
        created, updated, codes_changed = cursor.fetchone()
    return Upserted(created=created, updated=updated, codes_changed=codes_changed)


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
    years_sql, years_params = year_totals_sql(keys_from, keys_params)
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
        cursor.execute(
            f"INSERT INTO {years} ({', '.join(YEAR_COLUMNS)}) {years_sql} "  # noqa: S608 - names from model metadata
            "ON CONFLICT (academic_year, child_id) DO UPDATE SET "
            + ", ".join(f"{column} = EXCLUDED.{column}" for column in YEAR_COLUMNS[2:]),
            years_params,
        )
        cursor.execute(
            f"DELETE FROM {years} t USING {keys_from} "  # noqa: S608 - names from model metadata
            "WHERE t.child_id = k.child_id AND t.academic_year = k.academic_year "
            f"AND NOT EXISTS (SELECT 1 FROM {summary} s WHERE s.child_id = k.child_id "
            "AND s.academic_year = k.academic_year)",
            keys_params,
        )
