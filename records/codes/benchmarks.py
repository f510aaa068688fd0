"""National figures a dashboard shows beside ours: for looked-after children and for all pupils.

Data, not code: national_benchmarks.csv beside this module holds each figure with the year it
describes and its source, from ../shared/reference/DOMAIN.md section (h) (DfE "Outcomes for
children in need, including children looked after by local authorities in England", reporting
year 2025; DfE attendance, key stage and exclusion releases). "CLA" is the DfE's looked-after
group (looked after continuously for 12 months or more at 31 March); "all" is all pupils, from
releases whose methods differ (DOMAIN.md warns they are not like-for-like), which is why every
figure is shown with its year and source. Figures not retrieved are not listed: the page says
"no national figure held" rather than guess. Update the CSV when the DfE publishes new years.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path

DATA = Path(__file__).with_name("national_benchmarks.csv")
GROUPS = {"CLA": "Looked-after children, England", "all": "All pupils, England"}


@dataclass(frozen=True)
class Benchmark:
    measure: str
    group: str
    value: Decimal
    year: str
    source: str
    url: str
    note: str = ""

    @property
    def group_label(self) -> str:
        return GROUPS[self.group]


@cache
def _benchmarks() -> dict[str, tuple[Benchmark, ...]]:
    found: dict[str, list[Benchmark]] = {}
    with DATA.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["group"] not in GROUPS:
                raise ValueError(f"{DATA.name}: unknown group {row['group']!r}")
            found.setdefault(row["measure"], []).append(
                Benchmark(
                    measure=row["measure"],
                    group=row["group"],
                    value=Decimal(row["value"]),
                    year=row["year"],
                    source=row["source"],
                    url=row["url"],
                    note=row["note"],
                )
            )
    order = list(GROUPS)
    return {
        measure: tuple(sorted(rows, key=lambda row: order.index(row.group)))
        for measure, rows in found.items()
    }


def benchmarks_for(measure: str) -> tuple[Benchmark, ...]:
    """The national figures held for a measure, looked-after children first."""
    return _benchmarks().get(measure, ())


def benchmark_measures() -> frozenset[str]:
    return frozenset(_benchmarks())


def national_table(measures: list[str] | tuple[str, ...]) -> dict[str, dict[str, Benchmark]]:
    """For a page: each measure's national figures by group ("CLA", "all")."""
    return {
        measure: {benchmark.group: benchmark for benchmark in benchmarks_for(measure)}
        for measure in measures
    }


def sources_of(measures: list[str] | tuple[str, ...]) -> list[Benchmark]:
    """The figures behind `measures`, ordered by source then year, for a list of sources."""
    found = [benchmark for measure in measures for benchmark in benchmarks_for(measure)]
    return sorted(found, key=lambda benchmark: (benchmark.source, benchmark.year))
