"""Pupil Premium Plus (PP+) for looked-after children: the yearly allocation per child, as
data, with its source (shared/reference/DOMAIN.md, section (b)).

DfE allocates PP+ to the local authority per looked-after child; the virtual school head
manages it and unspent centrally held funding at 31 March is recovered, so the allocation is
held by financial year (1 April to 31 March), keyed by the calendar year it starts in: 2025
is 2025-26, £2,630 a child (lancashire.gov.uk policy for the allocation of PPG;
knowsleychildcare.proceduresonline.com/p_pupil_prem.html;
traffordvirtualschool.com/Pupil-Premium-Plus/Pupil-Premium-Plus-funding.aspx). 2024-25 is
£2,570; the Knowsley page also quotes £2,530 for it, which DOMAIN.md marks as a conflict,
probably a stale line. Earlier years' rates are not held: their years are not certain. Add a
year to `pp_plus_rates.csv` when DfE publishes it.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path

RATES_CSV = Path(__file__).with_name("pp_plus_rates.csv")


@dataclass(frozen=True)
class PpPlusRate:
    financial_year: int
    rate: Decimal
    source: str


@cache
def pp_plus_rates() -> dict[int, PpPlusRate]:
    with RATES_CSV.open(newline="", encoding="utf-8") as handle:
        return {
            int(row["financial_year"]): PpPlusRate(
                int(row["financial_year"]), Decimal(row["rate"]), row["source"]
            )
            for row in csv.DictReader(handle)
        }


def pp_plus_allocation(financial_year: int) -> PpPlusRate | None:
    """The allocation per looked-after child for the financial year starting in April of
    `financial_year`: the one place it is read. None for a year not held."""
    return pp_plus_rates().get(financial_year)


def latest_rate_year() -> int:
    """The latest financial year whose allocation is held: what the managers' page shows
    when this year's is not."""
    return max(pp_plus_rates())


def no_allocation_message(financial_year: int) -> str:
    """What the pages say when no allocation is held for a year: that nothing can be requested
    for it, and what to do meanwhile. One wording for the plan page and the managers' page.
    No 2026-27 rate is in shared/reference/DOMAIN.md (searched 4 December 2026), so none is
    held rather than one guessed."""
    label = financial_year_label(financial_year)
    return (
        f"No Pupil Premium Plus allocation is held for {label}, so no PP+ can be requested "
        f"for {label} yet. Until the rate is added, note the amount the school asks for as "
        "the PP+ amount of each target, and make the request once the rate is held. Ask the "
        "service's support team to add the rate when DfE publishes it."
    )


def financial_year_of(day: date) -> int:
    """The financial year a day falls in, by the calendar year it starts: 2025 for 1 April
    2025 to 31 March 2026."""
    return day.year if day.month >= 4 else day.year - 1


def financial_year_label(year: int) -> str:
    """ "2025–26"."""
    return f"{year}–{(year + 1) % 100:02d}"


def financial_year_bounds(year: int) -> tuple[date, date]:
    return date(year, 4, 1), date(year + 1, 3, 31)
