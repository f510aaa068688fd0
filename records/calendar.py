"""The academic year: one definition for every part of the record.

An academic year is named by the calendar year it starts in (2024 for 2024/25) and runs from
1 August to 31 July, the boundaries the DfE's census and absence statistics use (autumn term
from 1 August; DfE "Pupil absence in schools in England" methodology, section 4.1, table 6),
so our figures compare with national ones. Year groups are a different rule: children born
from 1 September to 31 August are one cohort (records/codes/assessment.py reception_year).
"""

from __future__ import annotations

from datetime import date

ACADEMIC_YEAR_START_MONTH = 8


def academic_year_of(day: date) -> int:
    """The academic year `day` falls in, by the calendar year it starts in."""
    return day.year if day.month >= ACADEMIC_YEAR_START_MONTH else day.year - 1


def academic_year_label(academic_year: int) -> str:
    """2024 -> "2024/25", as the DfE writes academic years."""
    return f"{academic_year}/{(academic_year + 1) % 100:02d}"
