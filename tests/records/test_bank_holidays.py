"""The bank holidays that working days leave out (records/codes/bank_holidays_england.csv)
were written from the rules of the Banking and Financial Dealings Act 1971 and GOV.UK's
announcements, not copied from GOV.UK's bank-holidays.json (no internet here). This checks
every year of the CSV against an independent list: the PyPI `holidays` package, United
Kingdom, England subdivision (the dev extra, pinned in constraints.txt)."""

from __future__ import annotations

import holidays

from records.codes.pep import bank_holiday_years, bank_holidays

SATURDAY = 5


def _package_days(first: int, last: int) -> set:
    """The package's England holidays on weekdays. It also lists a holiday on the weekend day
    it falls (Christmas on a Saturday) beside its substitute weekday; GOV.UK, and our CSV, list
    only the substitute, and a weekend day is not a working day either way."""
    england = holidays.country_holidays("GB", subdiv="ENG", years=range(first, last + 1))
    return {day for day in england if day.weekday() < SATURDAY}


def test_the_csv_covers_2018_to_2028():
    assert bank_holiday_years() == (2018, 2028)


def test_every_bank_holiday_matches_the_holidays_package():
    # The package computes the regular holidays by rule for any year, and adds the one-off
    # days (the 2022 jubilee and state funeral, the 2023 coronation) as they are announced.
    # No year of the CSV is beyond what it knows: 2027 and 2028 hold only the regular days
    # in both, so nothing is skipped; a one-off day announced later must be added to both.
    first, last = bank_holiday_years()
    ours = {day for day in bank_holidays() if day.weekday() < SATURDAY}
    theirs = _package_days(first, last)
    assert sorted(ours - theirs) == [], "in our CSV but not a bank holiday in England"
    assert sorted(theirs - ours) == [], "a bank holiday in England missing from our CSV"


def test_no_bank_holiday_in_the_csv_falls_on_a_weekend():
    assert [day for day in bank_holidays() if day.weekday() >= SATURDAY] == []
