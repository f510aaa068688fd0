"""The calendar of the record: academic years, terms and their weeks, and birthdays.

One definition of each for every part of the record (pages, imports, dashboards, SQL).

An academic year is named by the calendar year it starts in (2024 for 2024/25) and runs from
1 August to 31 July, the boundaries the DfE's census and absence statistics use (autumn term
from 1 August; DfE "Pupil absence in schools in England" methodology, section 4.1, table 6),
so our figures compare with national ones. Year groups are a different rule: children born
from 1 September to 31 August are one cohort (records/codes/assessment.py reception_year).
"""

from __future__ import annotations

from datetime import date, timedelta

from dateutil.easter import EASTER_WESTERN, easter
from django.db import models

ACADEMIC_YEAR_START_MONTH = 8


def academic_year_of(day: date) -> int:
    """The academic year `day` falls in, by the calendar year it starts in."""
    return day.year if day.month >= ACADEMIC_YEAR_START_MONTH else day.year - 1


def academic_year_label(academic_year: int) -> str:
    """2024 -> "2024/25", as the DfE writes academic years."""
    return f"{academic_year}/{(academic_year + 1) % 100:02d}"


# --- Terms ---------------------------------------------------------------------------------

# The DfE's attendance year starts on 1 August, not on the first day of school in September:
# the school census collects autumn-term absence "from 1 August to 31 December", spring "from
# 1 January to Easter Sunday" and summer "from Easter Monday" to 31 July (DfE absence
# methodology, section 4.1, table 6). Using the same boundaries means our termly figures can be
# compared with census returns and national statistics. Schools rarely meet in August, so the
# choice of 1 August over 1 September changes almost nothing in practice.


class Term(models.TextChoices):
    AUTUMN = "autumn", "Autumn"
    SPRING = "spring", "Spring"
    SUMMER = "summer", "Summer"


TERM_ORDER: tuple[Term, ...] = (Term.AUTUMN, Term.SPRING, Term.SUMMER)


def easter_sunday(year: int) -> date:
    """Western (Gregorian) Easter Sunday of a calendar year; it ends the spring term."""
    return easter(year, EASTER_WESTERN)


def term_of(day: date) -> Term:
    """The census term of `day`: autumn 1 August to 31 December, spring 1 January to Easter
    Sunday, summer Easter Monday to 31 July (DfE absence methodology, 4.1, table 6)."""
    if day.month >= ACADEMIC_YEAR_START_MONTH:
        return Term.AUTUMN
    if day <= easter_sunday(day.year):
        return Term.SPRING
    return Term.SUMMER


def term_bounds(academic_year: int, term: Term | str) -> tuple[date, date]:
    """First and last calendar day (inclusive) of a term of an academic year."""
    term = Term(term)
    next_year = academic_year + 1
    if term == Term.AUTUMN:
        return date(academic_year, ACADEMIC_YEAR_START_MONTH, 1), date(academic_year, 12, 31)
    if term == Term.SPRING:
        return date(next_year, 1, 1), easter_sunday(next_year)
    return easter_sunday(next_year) + timedelta(days=1), date(
        next_year, ACADEMIC_YEAR_START_MONTH, 1
    ) - timedelta(days=1)


def term_label(academic_year: int, term: Term | str) -> str:
    """ "Autumn 2024", "Spring 2025": the term with the calendar year its days fall in."""
    term = Term(term)
    return f"{term.label} {term_bounds(academic_year, term)[0].year}"


# --- Weeks of an academic year ---------------------------------------------------------------


def year_first_monday(academic_year: int) -> date:
    """The Monday of the week that holds 1 August: week 0 of an academic year's week arrays
    (AttendanceYear.week_possible / week_attended)."""
    first = date(academic_year, ACADEMIC_YEAR_START_MONTH, 1)
    return first - timedelta(days=first.weekday())


def year_week_index(day: date) -> int:
    """Which week of its academic year `day` falls in (0 for the week holding 1 August)."""
    return (day - year_first_monday(academic_year_of(day))).days // 7


def year_first_monday_sql(academic_year: str) -> str:
    """year_first_monday as SQL, for an integer SQL expression holding the academic year."""
    first = f"make_date({academic_year}, {ACADEMIC_YEAR_START_MONTH}, 1)"
    return f"({first} - (extract(isodow FROM {first})::integer - 1))"


# --- Birthdays and whole years ---------------------------------------------------------------


def years_after(day: date, years: int) -> date:
    """The same day `years` later (earlier when negative).

    29 February becomes 1 March in a year that has no 29 February, so no rule that waits whole
    years (an age, a youth service's 13 and over, retention from the 18th birthday or for 10
    years after a case closed) ends or applies a day early (DESIGN.md, Retention). The one
    place the rule is written: every birthday, age and span of years in the record comes from
    here.
    """
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year that has none: the day after 28 February
        return date(day.year + years, 3, 1)


def years_after_sql(day: str, years: str) -> str:
    """years_after as SQL, for SQL expressions holding a date and a whole number of years.
    PostgreSQL's date + interval moves 29 February to 28 February in a year without one;
    years_after reads it as 1 March (tests/retention/test_due_dates.py checks they agree)."""
    moved = f"(({day}) + make_interval(years => {years}))::date"
    return (
        f"(CASE WHEN extract(month FROM {day}) = 2 AND extract(day FROM {day}) = 29 "
        f"AND extract(day FROM {moved}) = 28 THEN {moved} + 1 ELSE {moved} END)"
    )


def birthday(born: date, age: int) -> date:
    """The day someone born on `born` turns `age` (years_after: 29 February is 1 March in a
    year without one)."""
    return years_after(born, age)


def age_on(born: date, day: date) -> int:
    """Completed years on `day` of someone born on `born`: they are `n` from birthday(born, n)."""
    age = day.year - born.year
    return age if birthday(born, age) <= day else age - 1


def latest_born_for_age(age: int, day: date) -> date:
    """The last date of birth of someone `age` or older on `day`: age_on(born, day) >= age
    exactly when born <= this date, so an age rule can be one SQL bound on the date of birth
    (sharing's cohort rules). On 29 February, someone born on 28 February `age` years before is
    `age`, and someone born on 1 March is not (by birthday's reading of 29 February)."""
    try:
        latest = day.replace(year=day.year - age)
    except ValueError:  # `day` is 29 February and that year has none
        latest = date(day.year - age, 2, 28)
    # The bound must agree with age_on; say so where it could drift.
    assert age_on(latest, day) >= age  # noqa: S101 - an invariant, not input
    return latest
