"""records/calendar.py: the one home of academic years, terms, weeks and birthdays."""

from __future__ import annotations

import ast
import datetime
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from records import attendance, calendar, models
from records.calendar import age_on, birthday, years_after
from records.models import Child
from records.services.rules import birthday_at
from records.services.schools import nc_year_on

D = datetime.date
ROOT = Path(__file__).resolve().parents[2]
days = st.dates(min_value=D(1990, 1, 1), max_value=D(2060, 12, 31))


def test_a_29_february_birthday_is_1_march_in_a_year_without_one():
    born = D(2012, 2, 29)
    assert birthday(born, 1) == D(2013, 3, 1)
    assert birthday(born, 4) == D(2016, 2, 29)
    assert birthday(born, 18) == D(2030, 3, 1)
    assert age_on(born, D(2030, 2, 28)) == 17
    assert age_on(born, D(2030, 3, 1)) == 18
    assert age_on(born, D(2016, 2, 28)) == 3
    assert age_on(born, D(2016, 2, 29)) == 4


def test_whole_years_after_29_february_end_on_1_march_in_a_year_without_one():
    assert years_after(D(2024, 2, 29), 10) == D(2034, 3, 1)
    assert years_after(D(2024, 2, 29), 4) == D(2028, 2, 29)
    assert years_after(D(2024, 2, 29), -1) == D(2023, 3, 1)
    assert years_after(D(2024, 2, 28), 1) == D(2025, 2, 28)


def test_an_ordinary_birthday():
    born = D(2011, 3, 1)
    assert birthday(born, 13) == D(2024, 3, 1)
    assert age_on(born, D(2024, 2, 29)) == 12
    assert age_on(born, D(2024, 3, 1)) == 13
    assert age_on(born, born) == 0


@given(born=days, day=days)
def test_age_on_counts_the_birthdays_passed(born, day):
    if day < born:
        return
    age = age_on(born, day)
    assert birthday(born, age) <= day < birthday(born, age + 1)


@given(born=days, day=days, age=st.integers(min_value=0, max_value=30))
def test_every_age_and_birthday_of_the_record_is_the_calendars(born, day, age):
    child = Child(date_of_birth=born)
    assert birthday_at(child, age) == birthday(born, age)
    if day >= born:
        assert child.age_on(day) == age_on(born, day)
    school_year = day.year if day.month >= 9 else day.year - 1
    at_cutoff = age_on(born, D(school_year, 8, 31))
    expected = {2: "N1", 3: "N2", 4: "R"}.get(at_cutoff, str(at_cutoff - 4))
    if not 2 <= at_cutoff <= 18:
        expected = ""
    assert nc_year_on(date_of_birth=born, on=day) == expected


def test_the_record_uses_the_calendars_terms():
    assert models.Term is calendar.Term
    assert attendance.term_of is calendar.term_of
    assert attendance.term_bounds is calendar.term_bounds
    assert attendance.academic_year_of is calendar.academic_year_of


# Functions that are the calendar's alone, and the one way of moving a date by whole years.
CALENDAR_ONLY = {
    "academic_year_of",
    "term_of",
    "term_bounds",
    "_term_bounds",
    "term_label",
    "easter_sunday",
    "year_first_monday",
    "year_week_index",
    "years_after",
    "birthday",
    "birthday_on",
    "age_on",
}


def _offences(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []
    for node in ast.walk(tree):
        is_function = isinstance(node, ast.FunctionDef)
        if is_function and node.name in CALENDAR_ONLY and not _is_method(tree, node):
            found.append(f"{path.relative_to(ROOT)}:{node.lineno} defines {node.name}")
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "replace"
            and any(keyword.arg == "year" for keyword in node.keywords)
        ):
            found.append(
                f"{path.relative_to(ROOT)}:{node.lineno} moves a date by years: "
                "use records.calendar.years_after (29 February)"
            )
    return found


def _is_method(tree: ast.Module, function: ast.FunctionDef) -> bool:
    return any(isinstance(node, ast.ClassDef) and function in node.body for node in ast.walk(tree))


def test_no_other_module_writes_a_calendar_rule_again():
    offences = []
    for app in ("virtualschool", "records", "sharing", "retention"):
        for path in sorted((ROOT / app).rglob("*.py")):
            if path != ROOT / "records" / "calendar.py":
                offences += _offences(path)
    assert offences == []
