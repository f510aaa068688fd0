"""Attendance arithmetic: the DfE figures from register codes (terms: records/calendar.py).

Pure rules, written once. `attendance_figures` turns session codes into the DfE figures in
Python; `summary_counts_sql` computes the same counts in PostgreSQL for a set of (child,
academic year, term) keys, from the same code classification (records/codes/attendance.py), so
the page that records one session and the import that loads a million agree. A test holds the
two equal on random data (tests/records/test_attendance_figures.py).

Sources: DfE method in ../shared/reference/DOMAIN.md section (c) and attendance-codes.csv;
term dates from the DfE "Pupil absence in schools in England" methodology, section 4.1, table 6
(explore-education-statistics.service.gov.uk/methodology/pupil-absence-in-schools-in-england),
the page DOMAIN.md (c) cites for sessions.
"""

from __future__ import annotations

import json
import uuid
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any, NamedTuple

from django.db import connection
from django.db.models import BooleanField, ExpressionWrapper, Q
from django.db.models.expressions import Combinable
from django.db.models.lookups import GreaterThan, GreaterThanOrEqual

from records.calendar import (
    Term,
    academic_year_of,
    term_bounds,
    term_of,
    year_first_monday_sql,
)
from records.codes.attendance import CODES, CURRENT_CODES, LEGACY_CODES, Category
from records.models.attendance import (
    YEAR_WEEKS,
    AttendanceSession,
    AttendanceSummary,
    AttendanceWeek,
)


class SummaryKey(NamedTuple):
    """One row of AttendanceSummary: a child's term of one academic year."""

    child_id: uuid.UUID
    academic_year: int
    term: str


def summary_key(child_id: uuid.UUID, day: date) -> SummaryKey:
    """The summary a session on `day` counts in."""
    return SummaryKey(child_id, academic_year_of(day), str(term_of(day)))


# --- Which codes may be recorded when --------------------------------------------------------

# The School Attendance (Pupil Registration) (England) Regulations 2024 took effect on
# 19 August 2024: they withdrew H, J and Y and brought in K, C1, C2, J1, Q and Y1-Y7
# (attendance-codes.csv "New Aug 2024"; attendance-codes-legacy.csv "withdrawn 19 Aug 2024").
# F was withdrawn from September 2013 (attendance-codes-legacy.csv).
REGULATIONS_2024 = date(2024, 8, 19)
INTRODUCED_ON: dict[str, date] = dict.fromkeys(
    ("K", "C1", "C2", "J1", "Q", "Y1", "Y2", "Y3", "Y4", "Y5", "Y6", "Y7"), REGULATIONS_2024
)
WITHDRAWN_ON: dict[str, date] = {
    "H": REGULATIONS_2024,
    "J": REGULATIONS_2024,
    "Y": REGULATIONS_2024,
    "F": date(2013, 9, 1),
}


def _long(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def code_not_in_use(code: str, day: date) -> str | None:
    """Why `code` cannot be recorded for a session on `day`, or None if it can: a code is
    usable from the day the DfE introduced it to the day before it was withdrawn."""
    introduced = INTRODUCED_ON.get(code)
    if introduced is not None and day < introduced:
        return (
            f"Code {code} came into use on {_long(introduced)}, so it cannot be recorded for "
            f"{_long(day)}"
        )
    withdrawn = WITHDRAWN_ON.get(code)
    if withdrawn is not None and day >= withdrawn:
        replacement = CODES[code].replaced_by
        return (
            f"Code {code} was withdrawn on {_long(withdrawn)}, so it cannot be recorded for "
            f"{_long(day)}; use {replacement} instead"
        )
    return None


def allowed_codes_text() -> str:
    """The codes a person or a file may use, for messages that refuse anything else."""
    current = ", ".join(code.code for code in CURRENT_CODES)
    legacy = ", ".join(code.code for code in LEGACY_CODES)
    return f"{current} (and, for older sessions, the withdrawn codes {legacy})"


# --- The figures --------------------------------------------------------------------------

# Persistent absence: absence of 10% or more of the pupil's own possible sessions (DfE, from
# 2015/16; it was 15% from 2010/11 and 20% from 2005/06 — DOMAIN.md (c)). We apply today's
# threshold to every year so that a child's years compare with each other. Severe absence: 50%
# or more (DfE, CLA outcomes from the 2023 reporting year). Fractions keep the comparison exact:
# 38 absences out of 380 possible sessions is persistent, 37 is not.
PERSISTENT_ABSENCE = Fraction(1, 10)
SEVERE_ABSENCE = Fraction(1, 2)
# Dashboards put each child in one band by the share of possible sessions missed: under 5%,
# 5% to under 10%, persistent (10% to under 50%), severe (50% or more). A child's band is the
# number of these thresholds their absence reaches. 5% is the line many virtual schools use
# for "at risk of persistent absence" (95% attendance); it is ours, not a DfE measure.
AT_RISK_ABSENCE = Fraction(1, 20)
BAND_THRESHOLDS: tuple[Fraction, ...] = (AT_RISK_ABSENCE, PERSISTENT_ABSENCE, SEVERE_ABSENCE)
BAND_LABELS: tuple[str, ...] = (
    "Missed under 5%",
    "Missed 5% to under 10%",
    "Persistently absent (10% to under 50%)",
    "Severely absent (50% or more)",
)
ONE_DECIMAL = Decimal("0.1")


def percent(part: int, whole: int) -> Decimal | None:
    """part as a percentage of whole, to one decimal place (half up), None when whole is 0:
    the one rounding every attendance figure and dashboard uses."""
    return _percent(part, whole)


def _percent(part: int, whole: int) -> Decimal | None:
    if whole == 0:
        return None
    return (Decimal(part * 100) / Decimal(whole)).quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)


def _at_least(part: int, whole: int, threshold: Fraction) -> bool:
    return whole > 0 and part * threshold.denominator >= whole * threshold.numerator


@dataclass(frozen=True)
class AttendanceFigures:
    """A child's attendance over some sessions, counted the DfE's way.

    `possible` = attended + authorised + unauthorised; sessions whose code is not a possible
    session (D, X, Q, Y1-Y7, Z, #, legacy Y) are counted only in `not_possible`.
    `absence_by_code` counts each absence code (authorised or unauthorised) that occurs.
    Percentages are of possible sessions, to one decimal place, and None when there are none;
    the flags compare the exact counts, never the rounded percentages.
    """

    possible: int = 0
    attended: int = 0
    authorised: int = 0
    unauthorised: int = 0
    not_possible: int = 0
    absence_by_code: Mapping[str, int] = field(default_factory=dict)

    @property
    def absent(self) -> int:
        return self.authorised + self.unauthorised

    @property
    def attendance_pct(self) -> Decimal | None:
        return _percent(self.attended, self.possible)

    @property
    def absence_pct(self) -> Decimal | None:
        return _percent(self.absent, self.possible)

    @property
    def authorised_pct(self) -> Decimal | None:
        return _percent(self.authorised, self.possible)

    @property
    def unauthorised_pct(self) -> Decimal | None:
        return _percent(self.unauthorised, self.possible)

    @property
    def persistent(self) -> bool:
        """Persistent absence: absent for 10% or more of possible sessions."""
        return _at_least(self.absent, self.possible, PERSISTENT_ABSENCE)

    @property
    def severe(self) -> bool:
        """Severe absence: absent for 50% or more of possible sessions."""
        return _at_least(self.absent, self.possible, SEVERE_ABSENCE)

    @property
    def band(self) -> int | None:
        """The absence band (index into BAND_LABELS), or None with no possible sessions."""
        if self.possible == 0:
            return None
        return sum(_at_least(self.absent, self.possible, t) for t in BAND_THRESHOLDS)

    def reason_pct(self, code: str) -> Decimal | None:
        """One absence code's sessions as a share of possible sessions (the DfE reason rate)."""
        return _percent(self.absence_by_code.get(code, 0), self.possible)

    def __add__(self, other: AttendanceFigures) -> AttendanceFigures:
        """Two periods together (terms into a year): counts add, rates are recomputed."""
        return AttendanceFigures(
            possible=self.possible + other.possible,
            attended=self.attended + other.attended,
            authorised=self.authorised + other.authorised,
            unauthorised=self.unauthorised + other.unauthorised,
            not_possible=self.not_possible + other.not_possible,
            absence_by_code=dict(Counter(self.absence_by_code) + Counter(other.absence_by_code)),
        )

    @classmethod
    def from_summary(cls, summary: Any) -> AttendanceFigures:
        """The figures of a stored AttendanceSummary row."""
        return cls(
            possible=summary.possible,
            attended=summary.attended,
            authorised=summary.authorised,
            unauthorised=summary.unauthorised,
            not_possible=summary.not_possible,
            absence_by_code=dict(summary.absence_by_code or {}),
        )


def attendance_figures(marks: Iterable[str] | Mapping[str, int]) -> AttendanceFigures:
    """The DfE figures for a set of sessions, given their codes or a count per code.

    Each code is classified by its category in records/codes/attendance.py: present codes
    (including approved educational activities and legacy J) are attended possible sessions;
    authorised and unauthorised absence codes are possible sessions missed; the rest are not
    possible sessions. An unknown code is a ValueError naming the codes allowed.
    """
    counts = Counter(marks) if not isinstance(marks, Mapping) else Counter(dict(marks))
    by_category: Counter[Category] = Counter()
    absence_by_code: dict[str, int] = {}
    for code, number in counts.items():
        if code not in CODES:
            raise ValueError(
                f"{code!r} is not an attendance code; use one of {allowed_codes_text()}"
            )
        if number < 0:
            raise ValueError(f"The count for code {code} must not be negative")
        if number == 0:
            continue
        meaning = CODES[code]
        by_category[meaning.category] += number
        if meaning.is_absence:
            absence_by_code[code] = number
    attended = by_category[Category.PRESENT]
    authorised = by_category[Category.AUTHORISED]
    unauthorised = by_category[Category.UNAUTHORISED]
    return AttendanceFigures(
        possible=attended + authorised + unauthorised,
        attended=attended,
        authorised=authorised,
        unauthorised=unauthorised,
        not_possible=by_category[Category.NOT_REQUIRED] + by_category[Category.NOT_COUNTED],
        absence_by_code=absence_by_code,
    )


def absence_flag_expressions(
    *, possible: Combinable, absent: Combinable
) -> dict[str, ExpressionWrapper]:
    """The persistent and severe flags as SQL expressions, for dashboards that sum
    AttendanceSummary rows in the database, e.g. ``absence_flag_expressions(possible=
    Sum("possible"), absent=Sum("authorised") + Sum("unauthorised"))``. Same thresholds as
    AttendanceFigures.persistent / .severe."""

    def flag(threshold: Fraction) -> ExpressionWrapper:
        return ExpressionWrapper(
            Q(GreaterThan(possible, 0))
            & Q(GreaterThanOrEqual(absent * threshold.denominator, possible * threshold.numerator)),
            output_field=BooleanField(),
        )

    return {"persistent": flag(PERSISTENT_ABSENCE), "severe": flag(SEVERE_ABSENCE)}


def at_least_sql(absent: str, possible: str, threshold: Fraction) -> str:
    """SQL for "absent is at least `threshold` of possible (and possible > 0)", over two
    integer SQL expressions: the persistent and severe flags, and the bands, for raw-SQL
    aggregates (same exact comparison as AttendanceFigures, never rounded percentages)."""
    return (
        f"({possible} > 0 AND ({absent}) * {threshold.denominator}"
        f" >= ({possible}) * {threshold.numerator})"
    )


# --- The same counts in SQL -----------------------------------------------------------------


def _codes_in(*categories: Category) -> list[str]:
    return sorted(code for code, meaning in CODES.items() if meaning.category in categories)


ATTENDED_CODES = _codes_in(Category.PRESENT)
AUTHORISED_CODES = _codes_in(Category.AUTHORISED)
UNAUTHORISED_CODES = _codes_in(Category.UNAUTHORISED)
NOT_POSSIBLE_CODES = _codes_in(Category.NOT_REQUIRED, Category.NOT_COUNTED)
ABSENCE_CODES = _codes_in(Category.AUTHORISED, Category.UNAUTHORISED)

SUMMARY_COLUMNS = (
    "child_id",
    "academic_year",
    "term",
    "possible",
    "attended",
    "authorised",
    "unauthorised",
    "not_possible",
    "absence_by_code",
)
WEEK_COLUMNS = (*SUMMARY_COLUMNS[:3], "week_start", *SUMMARY_COLUMNS[3:])


def _keys_arrays(keys: Iterable[SummaryKey]) -> list[list[Any]]:
    child_ids: list[uuid.UUID] = []
    years: list[int] = []
    terms: list[str] = []
    firsts: list[date] = []
    lasts: list[date] = []
    for key in sorted(set(keys)):
        first, last = term_bounds(key.academic_year, key.term)
        child_ids.append(key.child_id)
        years.append(key.academic_year)
        terms.append(str(Term(key.term)))
        firsts.append(first)
        lasts.append(last)
    return [child_ids, years, terms, firsts, lasts]


def keys_sql(keys: Iterable[SummaryKey]) -> tuple[str, list[Any]]:
    """A FROM-clause item `k(child_id, academic_year, term, first_day, last_day)` listing
    `keys` with each term's dates (term_bounds, so the term rule stays in Python)."""
    sql = (
        "unnest(%s::uuid[], %s::integer[], %s::text[], %s::date[], %s::date[]) "
        "AS k(child_id, academic_year, term, first_day, last_day)"
    )
    return sql, _keys_arrays(keys)


def summary_counts_sql(keys: Iterable[SummaryKey]) -> tuple[str, list[Any]]:
    """A SELECT of SUMMARY_COLUMNS computed from the session table for each key that has at
    least one session; counts as attendance_figures counts them (the code lists come from
    the same classification). Keys without sessions give no row."""
    return summary_counts_from_sql(*keys_sql(keys))


def summary_counts_from_sql(
    keys_from: str, keys_params: list[Any], *, by_week: bool = False
) -> tuple[str, list[Any]]:
    """summary_counts_sql for keys given as a FROM-clause item `k(child_id, academic_year,
    term, first_day, last_day)` (keys_sql, or a table of keys an import has built in SQL).

    With `by_week`, one row per week (Monday to Sunday) of each key's term that has sessions,
    with a `week_start` column after `term` (WEEK_COLUMNS): the rows of AttendanceWeek."""
    session = AttendanceSession._meta
    table = connection.ops.quote_name(session.db_table)
    week = ", week_start" if by_week else ""
    week_of = ", date_trunc('week', s.date)::date AS week_start" if by_week else ""
    sql = f"""
        WITH per_code AS (
            SELECT k.child_id, k.academic_year, k.term{week_of}, s.code, count(*) AS n
            FROM {keys_from}
            JOIN {table} s
              ON s.child_id = k.child_id AND s.date BETWEEN k.first_day AND k.last_day
            GROUP BY 1, 2, 3, 4{", 5" if by_week else ""}
        ), counted AS (
            SELECT
                child_id, academic_year, term{week},
                coalesce(sum(n) FILTER (WHERE code = ANY(%s::text[])), 0)::integer AS attended,
                coalesce(sum(n) FILTER (WHERE code = ANY(%s::text[])), 0)::integer AS authorised,
                coalesce(sum(n) FILTER (WHERE code = ANY(%s::text[])), 0)::integer
                    AS unauthorised,
                coalesce(sum(n) FILTER (WHERE code = ANY(%s::text[])), 0)::integer
                    AS not_possible,
                coalesce(
                    jsonb_object_agg(code, n) FILTER (WHERE code = ANY(%s::text[])),
                    '{{}}'::jsonb
                ) AS absence_by_code
            FROM per_code
            GROUP BY child_id, academic_year, term{week}
        )
        SELECT child_id, academic_year, term{week},
               attended + authorised + unauthorised AS possible,
               attended, authorised, unauthorised, not_possible, absence_by_code
        FROM counted
    """  # noqa: S608 - identifiers come from model metadata; every value is a parameter
    params = [
        *keys_params,
        ATTENDED_CODES,
        AUTHORISED_CODES,
        UNAUTHORISED_CODES,
        NOT_POSSIBLE_CODES,
        ABSENCE_CODES,
    ]
    return sql, params


def year_totals_sql(years_from: str, years_params: list[Any]) -> tuple[str, list[Any]]:
    """A SELECT of AttendanceYear's columns for each (child_id, academic_year) of
    `years_from` (a FROM-clause item `y(child_id, academic_year)`) that has term summaries:
    the sum of its terms (which must be up to date), and from its AttendanceWeek rows its
    weeks as arrays of YEAR_WEEKS counts, indexed by year_week_index (possible, attended,
    authorised, unauthorised), and each week's running total of each of ABSENCE_CODES since
    the year's first week (week_absence_to: a date range's reasons are two of its rows)."""
    slots = range(len(ABSENCE_CODES))
    per_code = ", ".join(
        f"sum(coalesce((w.absence_by_code ->> %s)::integer, 0)) AS code_{i}" for i in slots
    )
    running = ", ".join(f"sum(coalesce(p.code_{i}, 0)) OVER weeks AS code_{i}" for i in slots)
    row = ", ".join(f"r.code_{i}::integer" for i in slots)
    weeks = connection.ops.quote_name(AttendanceWeek._meta.db_table)
    terms = connection.ops.quote_name(AttendanceSummary._meta.db_table)
    sql = f"""
        WITH yk AS MATERIALIZED (SELECT DISTINCT child_id, academic_year FROM {years_from}),
        totals AS (
            SELECT t.child_id, t.academic_year, sum(t.possible)::integer AS possible,
                sum(t.attended)::integer AS attended, sum(t.authorised)::integer AS authorised,
                sum(t.unauthorised)::integer AS unauthorised,
                sum(t.not_possible)::integer AS not_possible
            FROM {terms} t JOIN yk USING (child_id, academic_year)
            GROUP BY t.child_id, t.academic_year
        ), codes AS (
            SELECT child_id, academic_year, jsonb_object_agg(code, n) AS absence_by_code
            FROM (
                SELECT t.child_id, t.academic_year, e.key AS code, sum(e.value::integer) AS n
                FROM {terms} t JOIN yk USING (child_id, academic_year),
                    jsonb_each_text(t.absence_by_code) AS e
                GROUP BY 1, 2, 3
            ) AS per_code
            GROUP BY child_id, academic_year
        ), per_week AS (
            SELECT w.child_id, w.academic_year,
                (w.week_start - {year_first_monday_sql("w.academic_year")}) / 7 AS week,
                sum(w.possible)::integer AS possible, sum(w.attended)::integer AS attended,
                sum(w.authorised)::integer AS authorised,
                sum(w.unauthorised)::integer AS unauthorised,
                {per_code}
            FROM {weeks} w JOIN yk USING (child_id, academic_year)
            GROUP BY 1, 2, 3
        ), running AS (
            SELECT yk.child_id, yk.academic_year, g.week, p.possible, p.attended,
                p.authorised, p.unauthorised, {running}
            FROM yk CROSS JOIN generate_series(0, {YEAR_WEEKS - 1}) AS g(week)
            LEFT JOIN per_week p ON p.child_id = yk.child_id
                AND p.academic_year = yk.academic_year AND p.week = g.week
            WINDOW weeks AS (PARTITION BY yk.child_id, yk.academic_year ORDER BY g.week)
        ), arrays AS (
            SELECT r.child_id, r.academic_year,
                array_agg(coalesce(r.possible, 0) ORDER BY r.week) AS week_possible,
                array_agg(coalesce(r.attended, 0) ORDER BY r.week) AS week_attended,
                array_agg(coalesce(r.authorised, 0) ORDER BY r.week) AS week_authorised,
                array_agg(coalesce(r.unauthorised, 0) ORDER BY r.week) AS week_unauthorised,
                array_agg(ARRAY[{row}] ORDER BY r.week) AS week_absence_to
            FROM running r
            GROUP BY r.child_id, r.academic_year
        )
        SELECT t.child_id, t.academic_year, t.possible, t.attended, t.authorised,
            t.unauthorised, t.not_possible, coalesce(c.absence_by_code, '{{}}'::jsonb),
            a.week_possible, a.week_attended, a.week_authorised, a.week_unauthorised,
            a.week_absence_to
        FROM totals t JOIN arrays a USING (child_id, academic_year)
        LEFT JOIN codes c USING (child_id, academic_year)
    """  # noqa: S608 - identifiers come from model metadata; every value is a parameter
    return sql, [*years_params, *ABSENCE_CODES]


YEAR_COLUMNS = (
    "child_id",
    "academic_year",
    "possible",
    "attended",
    "authorised",
    "unauthorised",
    "not_possible",
    "absence_by_code",
    "week_possible",
    "week_attended",
    "week_authorised",
    "week_unauthorised",
    "week_absence_to",
)


def term_totals_from_weeks_sql(keys_from: str, keys_params: list[Any]) -> tuple[str, list[Any]]:
    """A SELECT of SUMMARY_COLUMNS for each key, summed from its AttendanceWeek rows (which
    must be up to date): a term is exactly the sum of its weeks. Keys without weeks give no
    row."""
    weeks = connection.ops.quote_name(AttendanceWeek._meta.db_table)
    sql = f"""
        WITH w AS MATERIALIZED (
            SELECT w.* FROM {keys_from}
            JOIN {weeks} w ON w.child_id = k.child_id AND w.academic_year = k.academic_year
                AND w.term = k.term
        ), totals AS (
            SELECT child_id, academic_year, term,
                sum(possible)::integer AS possible, sum(attended)::integer AS attended,
                sum(authorised)::integer AS authorised,
                sum(unauthorised)::integer AS unauthorised,
                sum(not_possible)::integer AS not_possible
            FROM w GROUP BY child_id, academic_year, term
        ), codes AS (
            SELECT child_id, academic_year, term, jsonb_object_agg(code, n) AS absence_by_code
            FROM (
                SELECT w.child_id, w.academic_year, w.term, e.key AS code,
                    sum(e.value::integer) AS n
                FROM w, jsonb_each_text(w.absence_by_code) AS e
                GROUP BY 1, 2, 3, 4
            ) AS per_code
            GROUP BY child_id, academic_year, term
        )
        SELECT t.child_id, t.academic_year, t.term, t.possible, t.attended, t.authorised,
            t.unauthorised, t.not_possible, coalesce(c.absence_by_code, '{{}}'::jsonb)
        FROM totals t LEFT JOIN codes c USING (child_id, academic_year, term)
    """  # noqa: S608 - identifiers come from model metadata; every value is a parameter
    return sql, list(keys_params)


def figures_for_keys(keys: Sequence[SummaryKey]) -> dict[SummaryKey, AttendanceFigures]:
    """The figures for each key, computed in SQL from the sessions (no summary rows read or
    written). Keys with no sessions are absent from the result."""
    if not keys:
        return {}
    sql, params = summary_counts_sql(keys)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    result = {}
    for child_id, year, term, possible, attended, auth, unauth, not_possible, by_code in rows:
        if isinstance(by_code, str):  # Django leaves jsonb undecoded on raw cursors
            by_code = json.loads(by_code)
        result[SummaryKey(child_id, year, term)] = AttendanceFigures(
            possible=possible,
            attended=attended,
            authorised=auth,
            unauthorised=unauth,
            not_possible=not_possible,
            absence_by_code={code: int(n) for code, n in by_code.items()},
        )
    return result
