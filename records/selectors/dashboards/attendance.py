"""The attendance dashboard: the cohort's attendance in a period, its breakdowns, its weekly
trend and its absence reasons, from the stored summaries only.

One SQL statement computes everything the page shows, whatever the number of children:
the children in view (scope.scope_children_sql) are read once; each child's counts for the
period are read from AttendanceYear (a year: one row a child, with its week arrays),
AttendanceSummary (a term) or summed from AttendanceWeek (a date range); the breakdowns are
GROUPING SETS over those per-child rows; the trend sums the week arrays (or, for a date range,
the weeks); the reasons sum the stored per-code counts. Rates follow the DfE method of
records/attendance.py: rates of possible sessions summed over the children; persistent and
severe absence are children whose own absence reaches 10% or 50% of their own possible
sessions, as a share of children. Session rows are never read.
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
from records.calendar import year_first_monday, year_week_index
from records.codes.attendance import CODES, Category
from records.codes.benchmarks import Benchmark, benchmarks_for
from records.models import AttendanceSummary, AttendanceWeek, AttendanceYear, Child, School
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
    """The summary table a period is read from and the condition that selects its rows: one
    AttendanceYear row per child for a whole year, AttendanceSummary for a term,
    AttendanceWeek (weeks starting in the range) for a date range."""
    if period.by_week:
        first_monday = period.start - timedelta(days=period.start.weekday())
        return (
            table_name(AttendanceWeek),
            f"{alias}.academic_year = %s AND {alias}.week_start BETWEEN %s AND %s",
            [period.academic_year, first_monday, period.end],
        )
    if period.term:
        return (
            table_name(AttendanceSummary),
            f"{alias}.academic_year = %s AND {alias}.term = %s",
            [period.academic_year, period.term],
        )
    return table_name(AttendanceYear), f"{alias}.academic_year = %s", [period.academic_year]


def _counts_sql(period: Period, table: str, condition: str, columns: str) -> str:
    """CTE body `counts`: each child in view with possible sessions in the period, with their
    dimensions (one join of the scope: a second join of a filtered scope is planned as a
    nested loop over both sides). A year or a term is one summary row a child, so it is read
    as it is, with its reason counts and the year's week arrays for the trend and reasons to
    be summed from per_child without reading the summaries again; a date range sums its weeks.
    """
    if period.by_week:
        return f"""
            SELECT {columns},
                sum(s.possible)::integer AS possible, sum(s.attended)::integer AS attended,
                sum(s.authorised)::integer AS authorised,
                sum(s.unauthorised)::integer AS unauthorised,
                NULL::jsonb AS absence_by_code, NULL::smallint[] AS week_possible,
                NULL::smallint[] AS week_attended
            FROM scope JOIN {table} s ON s.child_id = scope.child_id
            WHERE {condition}
            GROUP BY {columns}
            HAVING sum(s.possible) > 0
        """  # noqa: S608 - identifiers from model metadata
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
    """CTEs `scope` (the children in view with the dimensions of scope.dimensions(*also)) and
    `per_child` (each child's counts for the period, children with possible sessions only,
    with their flags and band)."""
    scope_sql, scope_params = scope_children_sql(user=user, scope=scope, also=also)
    columns = dimension_columns(scope.dimensions(*also))
    table, condition, period_params = period_rows_sql(scope.period)
    absent = "(p.authorised + p.unauthorised)"
    band = " + ".join(f"{at_least_sql(absent, 'p.possible', t)}::integer" for t in BAND_THRESHOLDS)
    sql = f"""
        scope AS MATERIALIZED ({scope_sql}),
        counts AS ({_counts_sql(scope.period, table, condition, columns)}),
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
    per_child. A date range sums its AttendanceWeek rows by week (a JSON array); a year or a
    term sums the week arrays per_child carries from AttendanceYear over the weeks that
    overlap it, as one row of sums: one pass over the children, not over their weeks."""
    if period.by_week:
        table, condition, params = period_rows_sql(period, alias="w")
        return (
            f"""
            SELECT coalesce(json_agg(t ORDER BY t.week_start), '[]') FROM (
                SELECT w.week_start, sum(w.possible)::integer AS possible,
                    sum(w.attended)::integer AS attended
                FROM {table} w
                WHERE {condition} AND w.child_id IN (SELECT child_id FROM per_child)
                GROUP BY w.week_start
            ) AS t
            """,  # noqa: S608 - identifiers from model metadata; every value is a parameter
            params,
        )
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
    range reads its weeks again."""
    sums = ", ".join("coalesce(sum((s.absence_by_code ->> %s)::integer), 0)" for _ in ABSENCE_CODES)
    if not period.by_week:
        return f"SELECT ARRAY[{sums}] FROM per_child s", list(ABSENCE_CODES)  # noqa: S608 - no input
    table, condition, params = period_rows_sql(period)
    return (
        f"""
        SELECT ARRAY[{sums}] FROM {table} s
        WHERE {condition} AND s.child_id IN (SELECT child_id FROM per_child)
        """,  # noqa: S608 - identifiers from model metadata; every value is a parameter
        [*ABSENCE_CODES, *params],
    )


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
    """The trend as weeks, from either shape _trend_sql returns; weeks with no possible
    session are left out."""
    if trend is None:
        return []
    if isinstance(trend, list):
        rows = [
            (date.fromisoformat(row["week_start"]), row["possible"], row["attended"])
            for row in trend
        ]
    else:
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
    table, condition, period_params = period_rows_sql(scope.period, alias="r")
    if reason and not scope.period.by_week:
        conditions.append("p.absence_by_code ? %s")  # the period's counts, carried per child
        params.append(reason)
    elif reason:
        conditions.append(
            f"EXISTS (SELECT 1 FROM {table} r WHERE r.child_id = p.child_id AND {condition} "  # noqa: S608
            "AND r.absence_by_code ? %s)"
        )
        params += [*period_params, reason]
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
