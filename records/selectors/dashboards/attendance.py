"""The attendance dashboard: the cohort's attendance in a period, its breakdowns, its weekly
trend and its absence reasons, from the stored summaries only.

One SQL statement computes everything the page shows, whatever the number of children:
the children in view (scope.scope_children_sql) are read once; each child's counts for the
period are read from AttendanceYear (a year: one row a child, with its week arrays),
AttendanceSummary (a term) or, for a date range, summed from the range's slots of the
year's week arrays, one AttendanceYear row a child too (range_weeks); the breakdowns are
GROUPING SETS over those per-child rows; the trend sums the year's week arrays; the reasons
sum the stored per-code counts (a range: the difference of two running totals). Rates
follow the DfE method of records/attendance.py: rates of possible sessions summed over the
children; persistent and severe absence are children whose own absence reaches 10% or 50%
of their own possible sessions, as a share of children. Session rows are never read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db import connection

from records.attendance import (
    ABSENCE_CODES,
    BAND_LABELS,
    BAND_THRESHOLDS,
    PERSISTENT_ABSENCE,
    SEVERE_ABSENCE,
    AttendanceFigures,
    at_least_sql,
    percent,
)
from records.calendar import TERM_ORDER, term_bounds, year_first_monday, year_week_index
from records.codes.attendance import CODES, Category
from records.codes.benchmarks import Benchmark, benchmarks_for
from records.models import AttendanceSummary, AttendanceYear, Child, School
from records.permissions import UserLike
from records.selectors.dashboards.options import names_for
from records.selectors.dashboards.scope import (
    Breakdown,
    BreakdownRow,
    Dimension,
    Period,
    Scope,
    breakdowns_of,
    decoded_json,
    dimension_columns,
    dimension_value,
    dimension_value_label,
    grouping_sql,
    min_children,
    scope_children_sql,
    table_name,
)

# The national figures shown beside the dashboard's (records/codes/national_benchmarks.csv).
BENCHMARK_MEASURES = (
    "attendance_pct",
    "authorised_pct",
    "unauthorised_pct",
    "persistent_pct",
    "severe_pct",
)
# Which children a drill-down list shows (?show=).
SHOW_ALL = "all"
SHOW_PERSISTENT = "persistent"
SHOW_SEVERE = "severe"


@dataclass(frozen=True)
class GroupFigures(BreakdownRow):
    """Attendance of a group of children (the whole view, or one row of a breakdown)."""

    dimension: str  # "all" or a Dimension key
    value: Any  # the dimension's value for this row (None for "all" or "not recorded")
    label: str
    children: int
    figures: AttendanceFigures
    persistent: int
    severe: int
    bands: tuple[int, ...]

    @property
    def persistent_pct(self) -> Decimal | None:
        return percent(self.persistent, self.children)

    @property
    def severe_pct(self) -> Decimal | None:
        return percent(self.severe, self.children)

    def band_rows(self) -> list[tuple[int, str, int, Decimal | None]]:
        return [
            (index, label, count, percent(count, self.children))
            for index, (label, count) in enumerate(zip(BAND_LABELS, self.bands, strict=True))
        ]


@dataclass(frozen=True)
class Week:
    week_start: date
    figures: AttendanceFigures

    @property
    def week_end(self) -> date:
        return self.week_start + timedelta(days=6)


@dataclass(frozen=True)
class Reason:
    code: str
    meaning: str
    authorised: bool
    sessions: int
    pct_of_possible: Decimal | None


@dataclass(frozen=True)
class AttendanceDashboard:
    scope: Scope
    overall: GroupFigures
    breakdowns: list[Breakdown[GroupFigures]]
    trend: list[Week]
    reasons: list[Reason]
    benchmarks: dict[str, tuple[Benchmark, ...]]

    @property
    def min_children(self) -> int:
        return min_children()


def period_rows_sql(period: Period, alias: str = "s") -> tuple[str, str, list[Any]]:
    """The summary table a whole year or term is read from and the condition that selects
    its rows: one AttendanceYear row per child for a whole year, AttendanceSummary for a term.
    (A date range is read from the year's week arrays: _range_counts_sql.)"""
    if period.term:
        return (
            table_name(AttendanceSummary),
            f"{alias}.academic_year = %s AND {alias}.term = %s",
            [period.academic_year, period.term],
        )
    return table_name(AttendanceYear), f"{alias}.academic_year = %s", [period.academic_year]


@dataclass(frozen=True)
class Piece:
    """Part of a date range: rows of one summary table, added (sign 1) or taken away (-1).

    `weeks` is None for whole summaries (a year, or terms), else the term and the first and
    last Monday of its weeks in the piece; `outside` takes that term's weeks outside those
    Mondays instead (a term mostly in the range is its summary less its few weeks outside).
    """

    table: str  # "year", "term" or "week"
    terms: tuple[str, ...] = ()
    weeks: tuple[str, date, date] | None = None
    outside: bool = False

    @property
    def sign(self) -> int:
        return -1 if self.outside else 1


def range_pieces(period: Period) -> list[Piece]:
    """A date range as whole precomputed periods plus at most its partial edges (issue 16:
    ranges summed every week row of the range, 0.8 to 1.4 s at 20,000 children).

    A range counts the week rows of its academic year whose Monday falls from the Monday of
    its first day to its last day. A term's week rows have Mondays from the Monday of the
    term's first day to the Monday of its last (a week that straddles two terms is a row in
    each, records/models/attendance.py), and a term's summary is the sum of its weeks. So a
    term is whole when all its Mondays are in the range (its AttendanceSummary row; all
    three: the year's AttendanceYear row); a term partly in it is the weeks inside, or, when
    fewer weeks lie outside, its summary less the weeks outside. The figures equal the sum
    of the range's week rows (a test compares the two on random ranges).

    The dashboard no longer reads ranges this way: since migration 0018 a range is one
    AttendanceYear row a child (_range_counts_sql; docs/performance.md). Kept, with its
    test, as the record of how a range decomposes into the stored periods, until the lead
    retires both."""
    year = period.academic_year
    first_monday = period.start - timedelta(days=period.start.weekday())
    last_monday = period.end - timedelta(days=period.end.weekday())
    whole: list[str] = []
    edges: list[Piece] = []
    for term in TERM_ORDER:
        term_start, term_end = term_bounds(year, term)
        term_first = term_start - timedelta(days=term_start.weekday())
        term_last = term_end - timedelta(days=term_end.weekday())
        inside_first, inside_last = max(term_first, first_monday), min(term_last, last_monday)
        if inside_first > inside_last:
            continue
        weeks = (term_last - term_first).days // 7 + 1
        inside = (inside_last - inside_first).days // 7 + 1
        if inside == weeks:
            whole.append(str(term))
        elif inside <= weeks - inside:
            edges.append(Piece("week", weeks=(str(term), inside_first, inside_last)))
        else:
            edges.append(Piece("term", terms=(str(term),)))
            edges.append(Piece("week", weeks=(str(term), inside_first, inside_last), outside=True))
    if len(whole) == len(TERM_ORDER):
        return [Piece("year")]
    return ([Piece("term", terms=tuple(whole))] if whole else []) + edges


def range_weeks(period: Period) -> tuple[int, int]:
    """The first and last slot (SQL arrays count from 1) of AttendanceYear's week arrays
    that a date range counts: the weeks of its academic year whose Monday falls from the
    Monday of its first day to its last day, as the range's week rows were counted."""
    return year_week_index(period.start) + 1, year_week_index(period.end) + 1


def _range_counts_sql(period: Period, columns: str) -> tuple[str, list[Any]]:
    """CTE `counts` for a date range (issue 16): each child's counts, the sums of the
    range's slots of their AttendanceYear week arrays (one row a child, as for a whole year;
    equal to the sum of the range's week rows, a test compares them on random ranges), with
    the week arrays for the trend and the two rows of running totals per absence code that
    bound the range (`codes_to`, `codes_before`: the reasons are their difference).

    The sums are taken in a subquery the planner may not flatten (OFFSET 0), so the join to
    the scope carries them, not the 2 kB rows they come from: joined first, the rows were
    hashed whole and spilled to disk (1.3 s against 0.3 s at 20,000 children, under load;
    docs/performance.md). The subquery reads the whole year's rows, also for a caseworker's
    few children."""
    first, last = range_weeks(period)

    def total(column: str) -> str:
        slots = " + ".join(f"y.{column}[{week}]" for week in range(first, last + 1))
        return f"({slots})::integer"

    sql = f"""
        counts AS (
            SELECT {columns}, y.possible, y.attended, y.authorised, y.unauthorised,
                NULL::jsonb AS absence_by_code, y.week_possible, y.week_attended,
                y.codes_to, y.codes_before
            FROM scope JOIN (
                SELECT y.child_id, {total("week_possible")} AS possible,
                    {total("week_attended")} AS attended,
                    {total("week_authorised")} AS authorised,
                    {total("week_unauthorised")} AS unauthorised,
                    y.week_possible, y.week_attended,
                    y.week_absence_to[{last}:{last}] AS codes_to,
                    y.week_absence_to[{first - 1}:{first - 1}] AS codes_before
                FROM {table_name(AttendanceYear)} y
                WHERE y.academic_year = %s
                OFFSET 0
            ) AS y ON y.child_id = scope.child_id
            WHERE y.possible > 0
        )
    """  # noqa: S608 - identifiers from model metadata, slots computed; values are parameters
    return sql, [period.academic_year]


def _range_reason_sql(code: str, alias: str) -> str:
    """A child's sessions of absence `code` in a date range, from the running totals
    _range_counts_sql carries (0 for a code not in ABSENCE_CODES: nothing counts it)."""
    if code not in ABSENCE_CODES:
        return "0"
    slot = ABSENCE_CODES.index(code) + 1
    return f"({alias}.codes_to[1][{slot}] - coalesce({alias}.codes_before[1][{slot}], 0))"


def _counts_sql(period: Period, table: str, condition: str, columns: str) -> str:
    """CTE body `counts` for a year or a term: each child in view with possible sessions in
    the period, with their dimensions (one join of the scope: a second join of a filtered
    scope is planned as a nested loop over both sides). A year or a term is one summary row a
    child, so it is read as it is, with its reason counts and the year's week arrays for the
    trend and reasons to be summed from per_child without reading the summaries again."""
    year_join = (
        f"JOIN {table_name(AttendanceYear)} y "
        "ON y.child_id = s.child_id AND y.academic_year = s.academic_year"
        if period.term
        else ""
    )
    arrays = (
        "y.week_possible, y.week_attended" if period.term else ("s.week_possible, s.week_attended")
    )
    return f"""
        SELECT {columns}, s.possible, s.attended, s.authorised, s.unauthorised,
            s.absence_by_code, {arrays}
        FROM scope JOIN {table} s ON s.child_id = scope.child_id {year_join}
        WHERE {condition} AND s.possible > 0
    """  # noqa: S608 - identifiers from model metadata


def per_child_sql(
    *, user: UserLike, scope: Scope, also: tuple[str, ...] = ()
) -> tuple[str, list[Any]]:
    """CTEs `scope` (the children in view with the dimensions of scope.dimensions(*also)),
    `counts` and `per_child` (each child's counts for the period, children with possible
    sessions only, with their flags and band)."""
    scope_sql, scope_params = scope_children_sql(user=user, scope=scope, also=also)
    columns = dimension_columns(scope.dimensions(*also))
    if scope.period.by_week:
        counts, period_params = _range_counts_sql(scope.period, columns)
    else:
        table, condition, period_params = period_rows_sql(scope.period)
        counts = f"counts AS ({_counts_sql(scope.period, table, condition, columns)})"
    absent = "(p.authorised + p.unauthorised)"
    band = " + ".join(f"{at_least_sql(absent, 'p.possible', t)}::integer" for t in BAND_THRESHOLDS)
    sql = f"""
        scope AS MATERIALIZED ({scope_sql}),
        {counts},
        per_child AS MATERIALIZED (
            SELECT p.*,
                {at_least_sql(absent, "p.possible", PERSISTENT_ABSENCE)} AS persistent,
                {at_least_sql(absent, "p.possible", SEVERE_ABSENCE)} AS severe,
                ({band}) AS band
            FROM counts p
        )
    """  # noqa: S608 - identifiers from model metadata; every value is a parameter
    return sql, [*scope_params, *period_params]


def _grouping_sql(dimensions: tuple[Dimension, ...]) -> str:
    """CTE body `groups`: the whole view and a row for each value of each of `dimensions`."""
    leading, group_by = grouping_sql(dimensions)
    bands = ", ".join(
        f"count(*) FILTER (WHERE band = {index})" for index in range(len(BAND_LABELS))
    )
    return f"""
        SELECT {leading},
            count(*) AS children, sum(possible) AS possible, sum(attended) AS attended,
            sum(authorised) AS authorised, sum(unauthorised) AS unauthorised,
            count(*) FILTER (WHERE persistent) AS persistent,
            count(*) FILTER (WHERE severe) AS severe, ARRAY[{bands}] AS bands
        FROM per_child {group_by}
    """  # noqa: S608 - column names from DIMENSIONS, not input


def _trend_sql(period: Period) -> tuple[str, list[Any]]:
    """CTE body `trend`: the weekly possible and attended sessions of the children of
    per_child, summed from the week arrays per_child carries from AttendanceYear over the
    weeks that overlap the period (a year, a term or a date range), as one row of sums: one
    pass over the children, not over their weeks."""
    first, last = year_week_index(period.start), year_week_index(period.end)
    weeks = range(first + 1, last + 2)  # SQL arrays count from 1
    sums = ", ".join(
        f"sum(y.{column}[{week}])"
        for column in ("week_possible", "week_attended")
        for week in weeks
    )
    return (
        f"SELECT json_build_object('first', %s::date, 'sums', ARRAY[{sums}]) FROM per_child y",  # noqa: S608 - column names, not input
        [year_first_monday(period.academic_year) + timedelta(weeks=first)],
    )


def _reasons_sql(period: Period) -> tuple[str, list[Any]]:
    """CTE body `reasons`: the sessions of each absence code (ABSENCE_CODES order) summed over
    the children of per_child, as one array: a lookup per code per row, rather than unpacking
    every row's counts into rows. A year or a term sums the counts per_child carries; a date
    range sums the difference of the running totals per_child carries."""
    if not period.by_week:
        sums = ", ".join(
            "coalesce(sum((s.absence_by_code ->> %s)::integer), 0)" for _ in ABSENCE_CODES
        )
        return f"SELECT ARRAY[{sums}] FROM per_child s", list(ABSENCE_CODES)  # noqa: S608 - no input
    sums = ", ".join(f"coalesce(sum({_range_reason_sql(code, 's')}), 0)" for code in ABSENCE_CODES)
    return f"SELECT ARRAY[{sums}] FROM per_child s", []  # noqa: S608 - no input


def attendance_dashboard_sql(*, user: UserLike, scope: Scope) -> tuple[str, list[Any]]:
    """The one statement behind the dashboard: a row of the groups (a JSON array), the trend
    and the reasons. Exposed for the benchmark and the query-count tests."""
    per_child, params = per_child_sql(user=user, scope=scope)
    trend, trend_params = _trend_sql(scope.period)
    reasons, reasons_params = _reasons_sql(scope.period)
    sql = f"""
        WITH {per_child},
        groups AS ({_grouping_sql(scope.breakdown_dimensions)})
        SELECT
            (SELECT coalesce(json_agg(groups), '[]') FROM groups),
            ({trend}),
            ({reasons})
    """  # noqa: S608 - identifiers from model metadata; every value is a parameter
    return sql, [*params, *trend_params, *reasons_params]


def _weeks(trend: Any) -> list[Week]:
    """The trend as weeks, from the sums _trend_sql returns; weeks with no possible session
    are left out."""
    if trend is None:
        return []
    first = date.fromisoformat(trend["first"])
    sums = [value or 0 for value in trend["sums"]]
    half = len(sums) // 2
    rows = [
        (first + timedelta(weeks=index), possible, attended)
        for index, (possible, attended) in enumerate(zip(sums[:half], sums[half:], strict=True))
    ]
    return [
        Week(week_start, AttendanceFigures(possible=possible, attended=attended))
        for week_start, possible, attended in rows
        if possible
    ]


def _figures(row: dict[str, Any]) -> AttendanceFigures:
    return AttendanceFigures(
        possible=row["possible"] or 0,
        attended=row["attended"] or 0,
        authorised=row["authorised"] or 0,
        unauthorised=row["unauthorised"] or 0,
    )


EMPTY_GROUP_BANDS = (0,) * len(BAND_LABELS)


def attendance_dashboard(*, user: UserLike, scope: Scope) -> AttendanceDashboard:
    """Everything the attendance dashboard shows for `scope`, as `user` may see it, in three
    queries (the statement, then school and caseworker names), whatever the cohort's size."""
    sql, params = attendance_dashboard_sql(user=user, scope=scope)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        groups_json, trend_json, reason_sums = cursor.fetchone()
    groups, trend = decoded_json(groups_json), decoded_json(trend_json)
    reasons = [
        {"code": code, "sessions": sessions}
        for code, sessions in zip(ABSENCE_CODES, reason_sums or [], strict=False)
        if sessions
    ]
    for row in groups:
        row["value"] = dimension_value(row["dimension"], row["value"])
    names = names_for(
        school_ids=[row["value"] for row in groups if row["dimension"] == "school"],
        caseworker_ids=[row["value"] for row in groups if row["dimension"] == "caseworker"],
    )

    def group(row: dict[str, Any]) -> GroupFigures:
        return GroupFigures(
            dimension=row["dimension"],
            value=row["value"],
            label=(
                "All children in view"
                if row["dimension"] == "all"
                else dimension_value_label(row["dimension"], row["value"], names)
            ),
            children=row["children"],
            figures=_figures(row),
            persistent=row["persistent"],
            severe=row["severe"],
            bands=tuple(row["bands"]),
        )

    rows = [group(row) for row in groups]
    overall = next((row for row in rows if row.dimension == "all"), None)
    if overall is None:  # no child in view had a possible session
        overall = GroupFigures(
            "all", None, "All children in view", 0, AttendanceFigures(), 0, 0, EMPTY_GROUP_BANDS
        )
    breakdowns = breakdowns_of(rows, scope.breakdown_dimensions)
    possible = overall.figures.possible
    reason_rows = sorted(
        (
            Reason(
                code=row["code"],
                meaning=CODES[row["code"]].meaning if row["code"] in CODES else row["code"],
                authorised=row["code"] in CODES
                and CODES[row["code"]].category == Category.AUTHORISED,
                sessions=row["sessions"],
                pct_of_possible=percent(row["sessions"], possible),
            )
            for row in reasons
        ),
        key=lambda reason: (-reason.sessions, reason.code),
    )
    return AttendanceDashboard(
        scope=scope,
        overall=overall,
        breakdowns=breakdowns,
        trend=_weeks(trend),
        reasons=reason_rows,
        benchmarks={measure: benchmarks_for(measure) for measure in BENCHMARK_MEASURES},
    )


@dataclass(frozen=True)
class ChildAttendance:
    """One child behind a figure: who, where, and their figures for the period."""

    child_id: Any
    name: str
    cohort: str
    school: str
    figures: AttendanceFigures


DRILL_DOWN_LIMIT = 500


def attendance_children(
    *,
    user: UserLike,
    scope: Scope,
    show: str = SHOW_ALL,
    band: int | None = None,
    reason: str = "",
    limit: int = DRILL_DOWN_LIMIT,
) -> tuple[int, list[ChildAttendance]]:
    """The children behind a figure of the dashboard for `scope` (the breakdown row's filter
    is part of the scope): all of them, the persistently or severely absent, one band, or
    those with sessions of one absence reason. Returns how many there are and the first
    `limit`, lowest attendance first, in one query. Visibility is the dashboard's own."""
    per_child, params = per_child_sql(user=user, scope=scope, also=("school",))
    conditions = []
    if show == SHOW_PERSISTENT:
        conditions.append("p.persistent")
    elif show == SHOW_SEVERE:
        conditions.append("p.severe")
    if band is not None:
        conditions.append("p.band = %s")
        params.append(band)
    if reason and not scope.period.by_week:
        conditions.append("p.absence_by_code ? %s")  # the period's counts, carried per child
        params.append(reason)
    elif reason:  # a date range: the code's sessions from the running totals
        conditions.append(f"{_range_reason_sql(reason, 'p')} > 0")
    where = f"WHERE {' AND '.join(conditions)}" if conditions else ""
    sql = f"""
        WITH {per_child}
        SELECT count(*) OVER () AS total, p.child_id, c.first_name, c.last_name, p.cohort,
            coalesce(sc.name, ''), p.possible, p.attended, p.authorised, p.unauthorised
        FROM per_child p JOIN {table_name(Child)} c ON c.id = p.child_id
        LEFT JOIN {table_name(School)} sc ON sc.id = p.school_id
        {where}
        ORDER BY p.attended::numeric / p.possible, c.last_name, c.first_name, c.id
        LIMIT %s
    """  # noqa: S608 - identifiers from model metadata; every value is a parameter
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, limit])
        rows = cursor.fetchall()
    total = rows[0][0] if rows else 0
    return total, [
        ChildAttendance(
            child_id=child_id,
            name=f"{first} {last}",
            cohort=cohort,
            school=school,
            figures=AttendanceFigures(
                possible=possible, attended=attended, authorised=auth, unauthorised=unauth
            ),
        )
        for _, child_id, first, last, cohort, school, possible, attended, auth, unauth in rows
    ]
