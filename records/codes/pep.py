"""When a looked-after child's personal education plan is due: the statutory timeliness
rules as data, with their source, and the working days they are counted in.

Rules (shared/reference/DOMAIN.md, section (b)): DfE statutory guidance "Promoting the
education of looked-after children and previously looked-after children" (February 2018), as
restated in LA procedure manuals (knowsleychildcare.proceduresonline.com/p_child_first_la.html):
the PEP is initiated within 10 working days of entering care, and is available for the first
statutory review of the care plan, within 20 working days; it is then reviewed at least once a
term (warwickshire.gov.uk/school-attendance-exclusions/warwickshire-virtual-school/6;
lincolnshire.gov.uk/school-pupil-support/virtual-school/2).

Working days leave out Saturdays, Sundays and the bank holidays of England and Wales, held in
`bank_holidays_england.csv` (GOV.UK, https://www.gov.uk/bank-holidays, the "england-and-wales"
division of https://www.gov.uk/bank-holidays.json). Years GOV.UK has not yet published are the
usual holidays under the Banking and Financial Dealings Act 1971, substitute days included;
check them against GOV.UK when it publishes the year, and add new years the same way. The
CSV was written from those rules, not copied from GOV.UK's JSON (no internet where it was
written); tests/records/test_bank_holidays.py checks every weekday in it, 2018 to 2028, against
the PyPI `holidays` package (England), which agrees on all of them.
The day the child enters care is day 0: 10 working days after a Friday is the Friday a
fortnight on, when no bank holiday falls between.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from functools import cache
from pathlib import Path

from records.calendar import TERM_ORDER, academic_year_of, term_bounds, term_of

BANK_HOLIDAYS_CSV = Path(__file__).with_name("bank_holidays_england.csv")


@cache
def bank_holidays() -> frozenset[date]:
    """England and Wales bank holidays from the CSV (GOV.UK)."""
    with BANK_HOLIDAYS_CSV.open(newline="", encoding="utf-8") as handle:
        return frozenset(date.fromisoformat(row["date"]) for row in csv.DictReader(handle))


@cache
def bank_holiday_years() -> tuple[int, int]:
    years = {day.year for day in bank_holidays()}
    return min(years), max(years)


def is_working_day(day: date) -> bool:
    """Monday to Friday and not a bank holiday. Outside the years the CSV covers this cannot
    be known, so it is refused rather than guessed."""
    first, last = bank_holiday_years()
    if not first <= day.year <= last:
        raise ValueError(
            f"Bank holidays for {day.year} are not held: add them to {BANK_HOLIDAYS_CSV.name}"
        )
    return day.weekday() < 5 and day not in bank_holidays()


def add_working_days(start: date, days: int) -> date:
    """The `days`-th working day after `start` (start itself is day 0, whatever it is)."""
    day = start
    counted = 0
    while counted < days:
        day += timedelta(days=1)
        if is_working_day(day):
            counted += 1
    return day


class RuleKind(StrEnum):
    INITIATED = "initiated"
    FIRST_REVIEW = "first_review"
    TERMLY = "termly"


@dataclass(frozen=True)
class TimelinessRule:
    kind: RuleKind
    text: str
    working_days: int | None
    source: str


TIMELINESS_RULES: tuple[TimelinessRule, ...] = (
    TimelinessRule(
        RuleKind.INITIATED,
        "The first PEP is initiated within 10 working days of entering care",
        10,
        "DfE, Promoting the education of looked-after children (2018); "
        "knowsleychildcare.proceduresonline.com/p_child_first_la.html",
    ),
    TimelinessRule(
        RuleKind.FIRST_REVIEW,
        "A PEP is available for the first review of the care plan, within 20 working days "
        "of entering care",
        20,
        "DfE, Promoting the education of looked-after children (2018); "
        "knowsleychildcare.proceduresonline.com/p_child_first_la.html",
    ),
    TimelinessRule(
        RuleKind.TERMLY,
        "The PEP is reviewed once a term: the next is due by the end of the following term",
        None,
        "DfE, Promoting the education of looked-after children (2018); "
        "warwickshire.gov.uk/school-attendance-exclusions/warwickshire-virtual-school/6",
    ),
)


def rule(kind: RuleKind) -> TimelinessRule:
    return next(item for item in TIMELINESS_RULES if item.kind == kind)


@dataclass(frozen=True)
class PepDue:
    """When the child's next PEP is due, and the rule that sets the date."""

    due: date
    rule: TimelinessRule


def pep_due(*, entered_care: date, started: bool, latest_meeting: date | None) -> PepDue:
    """The next PEP's due date for a child in care since `entered_care`.

    Before any plan of this care period is started, the first must be initiated within 10
    working days; until one is completed, it must be ready for the first review within 20
    working days; after that, one a term: the next by the end of the term after the latest
    completed plan's meeting (terms as records.calendar defines them).
    """
    if latest_meeting is None:
        kind = RuleKind.FIRST_REVIEW if started else RuleKind.INITIATED
        chosen = rule(kind)
        assert chosen.working_days is not None  # noqa: S101
        return PepDue(add_working_days(entered_care, chosen.working_days), chosen)
    year, term = academic_year_of(latest_meeting), term_of(latest_meeting)
    index = TERM_ORDER.index(term)
    if index == len(TERM_ORDER) - 1:
        year, following = year + 1, TERM_ORDER[0]
    else:
        following = TERM_ORDER[index + 1]
    return PepDue(term_bounds(year, following)[1], rule(RuleKind.TERMLY))
