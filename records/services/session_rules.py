"""The rules a register session keeps, written once: the session form's service
(records/services/attendance.py attendance_record) and the attendance import's service
(records/services/attendance_import.py, which records/imports/attendance.py calls) both judge
by these functions, in the same order and with the same messages.

For a session on a date, with a code, for a child born on a date:
1. the date's own rules, whoever the child is: a weekday (registers are taken Monday to
   Friday), and not after today (rules.date_errors);
2. the child's age on the date: from their 2nd birthday to the day before their 25th, the ages
   a virtual school records education for (rules.date_errors with education=True, its
   birthdays from rules.birthday_at);
3. the code: a DfE register code (records/codes/attendance.py), and, for a date that passed 1
   and 2, one in use on that date (records.attendance.code_not_in_use: the 2024 codes from
   19 August 2024, H, J and Y before it, F before September 2013);
4. the session: AM or PM.

Where the two readers differ, the messages differ in one way, for a reason. The form's user
typed the value and may see the child, so the form quotes the code or session typed and names
the child's own dates. An import report may be read by someone who may not see the child (a
caseworker imports a school's whole extract) and never repeats a file's text, so it says the
same sentence without the value and with the ages instead of the child's birthdays
(`report=True`).

The import (records/services/attendance_import.py) judges the date and code rules once per
distinct value, in Python, by these functions (day_reasons, code_reasons, session_error), and
joins the verdicts to its rows in the order mark_reasons_sql renders, session_mark_errors'
order. The age rule depends on the child, so a file of a million rows judges it in SQL,
row by row: `education_window` gives a child's bounds and `within_window_sql` compares a date
with them, the same half-open comparison `within_window` makes in Python.
tests/records/test_session_rules.py holds the SQL, the Python and rules.date_errors equal.
"""

from __future__ import annotations

from datetime import date

from records.attendance import allowed_codes_text, code_not_in_use
from records.codes.attendance import CODES
from records.models import Child, Session
from records.services.rules import (
    EDUCATION_FROM_AGE,
    EDUCATION_TO_AGE,
    birthday_at,
    date_errors,
)

SESSION_VALUES: tuple[str, ...] = tuple(Session.values)
# Born on the first day of the calendar: no rule about a child's own dates can refuse a date,
# so only the date's own rules (rules.date_errors' "not after today") speak.
_ANY_CHILD_BORN = date.min


def long_date(day: date) -> str:
    """Monday 6 January 2025: how every session message names a date."""
    return f"{day:%A} {day.day} {day:%B %Y}"


def _holder(born: date) -> Child:
    return Child(date_of_birth=born)


def day_error(day: date) -> str | None:
    """Why no session can be recorded on `day` whoever the child is (rule 1), or None."""
    if day.weekday() >= 5:
        return (
            f"{long_date(day)} is a {day:%A}: registers are taken on school days, Monday to Friday"
        )
    found: dict[str, list[str]] = {}
    date_errors(
        found,
        child=_holder(_ANY_CHILD_BORN),
        field="date",
        label=f"The date {long_date(day)}",
        value=day,
    )
    return found["date"][0] if found else None


def age_message(day: date, *, detail: str | None = None) -> str:
    """The age rule's message for `day`; `detail`, for a reader who may see the child, says
    the child's own dates in place of the ages."""
    head = (
        f"The date {long_date(day)} is outside the ages a virtual school records education "
        "for this child"
    )
    if detail:
        return f"{head}: {detail}"
    return f"{head} (from the age of {EDUCATION_FROM_AGE} to {EDUCATION_TO_AGE})"


def age_error(day: date, *, born: date, report: bool = False) -> str | None:
    """Why a child born on `born` can have no session on `day` (rule 2), or None."""
    found: dict[str, list[str]] = {}
    date_errors(
        found,
        child=_holder(born),
        field="date",
        label="it",
        value=day,
        allow_future=True,
        education=True,
    )
    if not found:
        return None
    return age_message(day, detail=None if report else found["date"][0])


def education_window(born: date) -> tuple[date, date]:
    """The first day a session may be recorded for a child born on `born`, and the first day
    it no longer may: their 2nd and 25th birthdays (rules.birthday_at)."""
    holder = _holder(born)
    return birthday_at(holder, EDUCATION_FROM_AGE), birthday_at(holder, EDUCATION_TO_AGE)


def within_window(day: date, window: tuple[date, date]) -> bool:
    """Whether `day` is in `window` (education_window), the first day in, the last out."""
    first, end = window
    return first <= day < end


def within_window_sql(day: str, first: str, end: str) -> str:
    """within_window as a SQL condition on three date expressions."""
    return f"({first} <= {day} AND {day} < {end})"


def code_unknown_error(code: str, *, report: bool = False) -> str | None:
    """Why `code` is no register code at all (rule 3, whatever the date), or None."""
    if code in CODES:
        return None
    if report:
        return f"Not a DfE attendance code. Use one of: {allowed_codes_text()}"
    return f"“{code}” is not an attendance code. Use one of: {allowed_codes_text()}"


def code_dates_error(code: str, day: date) -> str | None:
    """Why a DfE code cannot be recorded on `day` (rule 3's dates), or None."""
    return code_not_in_use(code, day)


def code_error(code: str, day: date, *, report: bool = False) -> str | None:
    """Why `code` cannot be recorded on `day`, a date that passed rules 1 and 2, or None."""
    return code_unknown_error(code, report=report) or code_dates_error(code, day)


def session_error(session: str, *, report: bool = False) -> str | None:
    """Why `session` is neither register (rule 4), or None."""
    if session in SESSION_VALUES:
        return None
    message = "Session must be AM (morning) or PM (afternoon)"
    return message if report else f"{message}, not “{session}”"


def mark_text(text: str) -> str:
    """A code or session as it was typed or as a file has it, read the one way both readers
    read it: without the spaces around it, in capitals."""
    return text.strip().upper()


def day_reasons(day: date) -> tuple[str | None, str]:
    """For a date an import names, judged once whoever the child: rule 1's message (or None),
    and the message rule 2 gives in a report should a child be outside the ages on it."""
    return day_error(day), age_message(day)


def code_reasons(code: str, day: date | None) -> tuple[str | None, str | None]:
    """For a code an import names on a date (None: a date it could not read), judged once:
    why it is no register code at all (rule 3, in a report's words), and why it is not in use
    on that date. The second is said only for a mark whose date passes rules 1 and 2 (see
    mark_reasons_sql), as session_mark_errors says it."""
    unknown = code_unknown_error(code, report=True)
    in_use = code_dates_error(code, day) if day is not None and not unknown else None
    return unknown, in_use


def mark_reasons_sql(
    *, day_reason: str, in_window: str, age_reason: str, unknown_reason: str, in_use_reason: str
) -> tuple[str, str]:
    """session_mark_errors' order as two SQL expressions, for an import that judges each mark
    in the database from verdicts worked out once per distinct value (day_reasons,
    code_reasons): the age rule's reason, said only for a date that passed rule 1 and is
    outside the child's window (`in_window`, a within_window_sql condition, NULL for an
    unknown child), and the code's reason: not a code at all, or, only for a date that passed
    rules 1 and 2, not in use on the date. Each argument is a SQL expression."""
    age = f"(CASE WHEN {day_reason} IS NULL AND NOT {in_window} THEN {age_reason} END)"
    code = (
        f"coalesce({unknown_reason}, CASE WHEN {day_reason} IS NULL AND {age} IS NULL "
        f"THEN {in_use_reason} END)"
    )
    return age, code


def session_mark_errors(
    *, born: date, day: date, session: str, code: str, report: bool = False
) -> dict[str, str]:
    """Every rule one session breaks, by field (date, code, session), judged in the order of
    the module docstring: a date refused by rule 1 or 2 is not judged for its code's dates."""
    errors: dict[str, str] = {}
    date_reason = day_error(day) or age_error(day, born=born, report=report)
    if date_reason:
        errors["date"] = date_reason
    code_reason = (
        code_unknown_error(code, report=report)
        if date_reason
        else code_error(code, day, report=report)
    )
    if code_reason:
        errors["code"] = code_reason
    session_reason = session_error(session, report=report)
    if session_reason:
        errors["session"] = session_reason
    return errors
