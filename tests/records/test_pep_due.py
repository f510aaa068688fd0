"""The PEP timeliness rules against worked examples: working days without weekends and
English bank holidays (records/codes/bank_holidays_england.csv), and the next due date."""

from __future__ import annotations

from datetime import date

import pytest

from records.codes.pep import (
    RuleKind,
    add_working_days,
    bank_holiday_years,
    bank_holidays,
    is_working_day,
    pep_due,
)


def test_the_bank_holidays_cover_2018_to_2028_with_the_one_off_days():
    first, last = bank_holiday_years()
    assert first <= 2018 and last >= 2028
    held = bank_holidays()
    # One-off days GOV.UK lists: VE day moved, the Platinum Jubilee, the State Funeral, the
    # coronation; and substitute days.
    for day in (
        date(2020, 5, 8),
        date(2022, 6, 3),
        date(2022, 9, 19),
        date(2023, 5, 8),
        date(2021, 12, 28),
        date(2026, 12, 28),
    ):
        assert day in held
    assert date(2020, 5, 4) not in held  # the early May holiday moved to VE day that year
    assert all(len([d for d in held if d.year == year]) >= 8 for year in range(2018, 2029))


def test_working_days_leave_out_weekends_and_bank_holidays():
    assert is_working_day(date(2025, 12, 24))
    assert not is_working_day(date(2025, 12, 25))
    assert not is_working_day(date(2025, 12, 27))  # a Saturday
    # Entering care on Friday 19 December 2025: Christmas Day and Boxing Day, New Year's Day
    # and two weekends fall in the next ten working days.
    assert add_working_days(date(2025, 12, 19), 10) == date(2026, 1, 7)


def test_a_year_not_held_is_refused_not_guessed():
    with pytest.raises(ValueError, match="2031"):
        is_working_day(date(2031, 1, 6))


def test_first_pep_initiated_within_10_working_days_over_easter():
    # Entering care on Wednesday 1 April 2026: Good Friday 3 April and Easter Monday 6 April.
    due = pep_due(entered_care=date(2026, 4, 1), started=False, latest_meeting=None)
    assert due.rule.kind == RuleKind.INITIATED
    assert due.due == date(2026, 4, 17)
    assert "10 working days" in due.rule.text and "2018" in due.rule.source


def test_a_child_entering_care_in_the_summer_holiday():
    # School holidays are working days; the August bank holiday (25 August 2025) is not.
    entered = date(2025, 8, 15)
    initiated = pep_due(entered_care=entered, started=False, latest_meeting=None)
    assert initiated.due == date(2025, 9, 1)
    review = pep_due(entered_care=entered, started=True, latest_meeting=None)
    assert review.rule.kind == RuleKind.FIRST_REVIEW
    assert review.due == date(2025, 9, 15)


def test_after_a_completed_plan_one_a_term_by_the_end_of_the_following_term():
    autumn = pep_due(entered_care=date(2025, 1, 6), started=True, latest_meeting=date(2025, 10, 1))
    assert autumn.rule.kind == RuleKind.TERMLY
    assert autumn.due == date(2026, 4, 5)  # spring 2026 ends on Easter Sunday
    summer = pep_due(entered_care=date(2025, 1, 6), started=True, latest_meeting=date(2026, 6, 1))
    assert summer.due == date(2026, 12, 31)  # the next academic year's autumn term
