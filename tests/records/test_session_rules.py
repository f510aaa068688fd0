"""The session rules (records/services/session_rules.py) are one set of rules for the session
form and the attendance import: the same bad mark gets the same message from both, the age rule
the import judges in SQL agrees with the Python rule on any date of birth and date, and both
paths refuse exactly the same marks on random input."""

from __future__ import annotations

import csv
import datetime
from datetime import date, timedelta
from pathlib import Path

import pytest
import time_machine
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from records.attendance import allowed_codes_text
from records.codes.attendance import CODES
from records.models import AttendanceSession, ImportKind, ImportRun
from records.services.attendance import attendance_record
from records.services.imports import import_copy_file, import_execute
from records.services.session_rules import (
    age_error,
    education_window,
    within_window,
    within_window_sql,
)
from tests.factories import ChildFactory
from virtualschool.errors import DomainError

pytestmark = pytest.mark.django_db
D = date
TODAY = datetime.datetime(2025, 3, 5, 12, tzinfo=datetime.UTC)  # a Wednesday
BORN = D(2012, 5, 1)
HEADER = ["upn", "date", "session", "code", "school_urn"]
CODES_TEXT = allowed_codes_text()


def _write(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


def _import(path: Path, **options) -> ImportRun:
    run = import_copy_file(source=path, actor=None, kind=ImportKind.ATTENDANCE, **options)
    return import_execute(run_id=run.pk)


def _form_errors(child, day: date, session: str, code: str) -> dict[str, list[str]]:
    try:
        attendance_record(actor=None, child=child, sessions=[(day, session, code)])
    except DomainError as error:
        return error.message_dict
    return {}


def _import_errors(path: Path, child, day: date, session: str, code: str) -> dict[str, str]:
    run = _import(_write(path, [[child.upn, day.isoformat(), session, code, ""]]))
    return {rejection.field: rejection.reason for rejection in run.rejections.all()}


# The same mark (date, code and, if not BORN, the child's date of birth) through the form and
# through a file. Expected messages are written out: the form's, then the import report's where
# it differs (None: the same).
AGE_HEAD = "is outside the ages a virtual school records education for this child"
SAME_MARK = {
    "a Saturday": (
        (D(2025, 1, 4), "/"),
        {
            "date": (
                "Saturday 4 January 2025 is a Saturday: registers are taken on school days, "
                "Monday to Friday",
                None,
            )
        },
    ),
    "a Sunday with a code withdrawn on that date: the date only": (
        (D(2025, 1, 5), "H"),
        {
            "date": (
                "Sunday 5 January 2025 is a Sunday: registers are taken on school days, "
                "Monday to Friday",
                None,
            )
        },
    ),
    "tomorrow": (
        (D(2025, 3, 6), "/"),
        {"date": ("The date Thursday 6 March 2025 must be today or in the past", None)},
    ),
    "the day before the child's 2nd birthday": (
        (D(2014, 4, 30), "/"),
        {
            "date": (
                f"The date Wednesday 30 April 2014 {AGE_HEAD}: it must be while the child is "
                "between 2 and 25 (1 May 2014 to 1 May 2037)",
                f"The date Wednesday 30 April 2014 {AGE_HEAD} (from the age of 2 to 25)",
            )
        },
    ),
    "before the child was born, with a code not yet in use: the date only": (
        (D(2012, 4, 30), "K"),
        {
            "date": (
                f"The date Monday 30 April 2012 {AGE_HEAD}: it must be on or after the child's "
                "date of birth, 1 May 2012",
                f"The date Monday 30 April 2012 {AGE_HEAD} (from the age of 2 to 25)",
            )
        },
    ),
    "a code withdrawn before the date": (
        (D(2024, 9, 2), "H"),
        {
            "code": (
                "Code H was withdrawn on 19 August 2024, so it cannot be recorded for "
                "2 September 2024; use C instead",
                None,
            )
        },
    ),
    "a code not yet in use on the date": (
        (D(2024, 5, 13), "K"),
        {
            "code": (
                "Code K came into use on 19 August 2024, so it cannot be recorded for 13 May 2024",
                None,
            )
        },
    ),
    "F after September 2013, for a child old enough then": (
        (D(2013, 9, 2), "F", D(2005, 3, 1)),
        {
            "code": (
                "Code F was withdrawn on 1 September 2013, so it cannot be recorded for "
                "2 September 2013; use C instead",
                None,
            )
        },
    ),
    "no such code, on a Saturday: both": (
        (D(2025, 1, 4), "ZZ"),
        {
            "date": (
                "Saturday 4 January 2025 is a Saturday: registers are taken on school days, "
                "Monday to Friday",
                None,
            ),
            "code": (
                f"“ZZ” is not an attendance code. Use one of: {CODES_TEXT}",
                f"Not a DfE attendance code. Use one of: {CODES_TEXT}",
            ),
        },
    ),
}


@time_machine.travel(TODAY)
@pytest.mark.parametrize("case", list(SAME_MARK), ids=list(SAME_MARK))
def test_the_form_and_the_import_refuse_a_mark_with_the_same_message(tmp_path, case):
    (day, code, *born), expected = SAME_MARK[case]
    child = ChildFactory(date_of_birth=born[0] if born else BORN)
    form = _form_errors(child, day, "AM", code)
    from_file = _import_errors(tmp_path / "one.csv", child, day, "AM", code)
    assert form == {field: [message] for field, (message, _) in expected.items()}
    assert from_file == {field: file or message for field, (message, file) in expected.items()}
    assert not AttendanceSession.objects.exists()


@time_machine.travel(TODAY)
def test_a_mark_both_accept_is_stored_by_both(tmp_path):
    child = ChildFactory(date_of_birth=BORN)
    birthday = D(2014, 5, 1)  # a Thursday: the first day the age rule allows
    assert _form_errors(child, birthday, "AM", "/") == {}
    assert _import_errors(tmp_path / "ok.csv", child, birthday, "PM", "\\") == {}
    assert sorted(AttendanceSession.objects.values_list("session", "code")) == [
        ("AM", "/"),
        ("PM", "\\"),
    ]


def test_a_session_neither_am_nor_pm_is_refused_by_both(tmp_path):
    child = ChildFactory(date_of_birth=BORN)
    form = _form_errors(child, D(2025, 1, 6), "EVE", "/")
    from_file = _import_errors(tmp_path / "eve.csv", child, D(2025, 1, 6), "EVE", "/")
    assert form == {"session": ["Session must be AM (morning) or PM (afternoon), not “EVE”"]}
    assert from_file == {"session": "Session must be AM (morning) or PM (afternoon)"}


# --- The age rule in SQL is the age rule in Python ------------------------------------------

LEAP_BIRTHDAYS = st.sampled_from([D(2000, 2, 29), D(2004, 2, 29), D(2012, 2, 29), D(2016, 2, 29)])
BIRTHS = st.one_of(st.dates(min_value=D(1990, 1, 1), max_value=D(2024, 12, 31)), LEAP_BIRTHDAYS)
# A date for a child: anywhere in a lifetime, or a few days either side of the 2nd or 25th
# birthday, where the rule changes its verdict (a 29 February birthday anchored on 28 February).
AROUND_A_BIRTHDAY = st.tuples(st.sampled_from([2, 25]), st.integers(min_value=-3, max_value=3))
OFFSETS = st.one_of(st.integers(min_value=-400, max_value=27 * 366), AROUND_A_BIRTHDAY)


def _day(born: date, offset: int | tuple[int, int]) -> date:
    if isinstance(offset, int):
        return born + timedelta(days=offset)
    years, days = offset
    anchor = D(born.year + years, born.month, min(born.day, 28) if born.month == 2 else born.day)
    return anchor + timedelta(days=days)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(cases=st.lists(st.tuples(BIRTHS, OFFSETS), min_size=1, max_size=40))
def test_the_age_rule_in_sql_agrees_with_the_rule_in_python(cases):
    born = [birth for birth, _ in cases]
    days = [_day(birth, offset) for birth, offset in cases]
    windows = [education_window(birth) for birth in born]
    condition = within_window_sql("t.day", "t.first_day", "t.end_day")
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {condition} FROM unnest(%s::date[], %s::date[], %s::date[]) "  # noqa: S608 - our own condition
            "WITH ORDINALITY AS t(day, first_day, end_day, n) ORDER BY n",
            [days, [first for first, _ in windows], [end for _, end in windows]],
        )
        in_sql = [within for (within,) in cursor.fetchall()]
    in_python = [within_window(day, window) for day, window in zip(days, windows, strict=True)]
    by_rule = [age_error(day, born=birth) is None for day, birth in zip(days, born, strict=True)]
    assert in_sql == in_python == by_rule


def test_the_window_starts_on_the_2nd_birthday_and_ends_before_the_25th():
    assert education_window(D(2012, 5, 1)) == (D(2014, 5, 1), D(2037, 5, 1))
    assert age_error(D(2014, 5, 1), born=D(2012, 5, 1)) is None
    assert age_error(D(2037, 4, 30), born=D(2012, 5, 1)) is None
    assert age_error(D(2037, 5, 1), born=D(2012, 5, 1), report=True) == (
        f"The date Friday 1 May 2037 {AGE_HEAD} (from the age of 2 to 25)"
    )


# --- Both paths on random marks ------------------------------------------------------------

CODE_TEXTS = st.one_of(st.sampled_from(sorted(CODES)), st.sampled_from(["ZZ", "I01", "Q9", "0"]))
SESSION_DAYS = st.dates(min_value=D(2005, 1, 1), max_value=D(2025, 12, 31))


def _without_childs_dates(field: str, message: str) -> str:
    """The form's message as a report says it: the age rule with the ages, not the child's
    birthdays; an unknown code without the text typed (session_rules module docstring)."""
    if field == "date" and ": it must be " in message:
        return message.split(": it must be ")[0] + " (from the age of 2 to 25)"
    if field == "code" and message.startswith("“"):
        return f"Not a DfE attendance code. Use one of: {CODES_TEXT}"
    return message


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(marks=st.lists(st.tuples(BIRTHS, SESSION_DAYS, CODE_TEXTS), min_size=1, max_size=12))
def test_the_form_and_the_import_refuse_the_same_random_marks_alike(tmp_path_factory, marks):
    with time_machine.travel(TODAY):
        children = [ChildFactory(date_of_birth=born) for born, _, _ in marks]
        rows = [
            [child.upn, day.isoformat(), "AM", code, ""]
            for child, (_, day, code) in zip(children, marks, strict=True)
        ]
        path = _write(tmp_path_factory.mktemp("marks") / "marks.csv", rows)
        run = _import(path, import_valid_rows=True)
        from_file: dict[int, dict[str, str]] = {}
        for rejection in run.rejections.all():
            from_file.setdefault(rejection.row_number, {})[rejection.field] = rejection.reason
        for row, (child, (_, day, code)) in enumerate(zip(children, marks, strict=True), 1):
            form = _form_errors(child, day, "AM", code)
            assert {field: len(messages) for field, messages in form.items()} == dict.fromkeys(
                form, 1
            )
            expected = {
                field: _without_childs_dates(field, messages[0]) for field, messages in form.items()
            }
            assert from_file.get(row, {}) == expected, (child.date_of_birth, day, code)
