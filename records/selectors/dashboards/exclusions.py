"""The exclusions dashboard: suspensions and permanent exclusions of the children in view in a
period, by each dimension, by reason and by the school that excluded.

One SQL statement computes everything the page shows, whatever the number of children: the
children in view (scope.scope_children_sql) are read once; the exclusions counted are theirs
that started in the period, except those overturned with the pupil reinstated (outcome
"reinstated": the exclusion no longer stands); each child's counts are summed from them; the
dimension breakdowns are GROUPING SETS over those per-child rows, and the reason and
excluding-school breakdowns group the exclusions themselves.

The figures follow the DfE's definitions (../shared/reference/DOMAIN.md, "Exclusions"):
fixed-period (FIXD) and lunchtime (LNCH) suspensions are both suspensions; the suspension rate
is suspensions per 100 pupils, the pupils being every child in view, excluded or not; "one or
more suspension" and "permanently excluded" are children, as a share of the children in view;
sessions lost are the sessions recorded on suspensions (a lunchtime suspension as recorded).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection
from django.http import Http404

from records.attendance import percent
from records.codes.benchmarks import Benchmark, benchmarks_for
from records.codes.exclusions import REASON_CHOICES, ExclusionCategory
from records.models import Child, Exclusion, School
from records.permissions import UserLike
from records.selectors.dashboards.options import names_for
from records.selectors.dashboards.scope import (
    Breakdown,
    BreakdownRow,
    Dimension,
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

# Which children a figure stands for, for drill-down links (?show=).
SHOW_ALL = "all"
SHOW_SUSPENDED = "suspended"
SHOW_PERMANENT = "permanent"
SHOWS = (SHOW_ALL, SHOW_SUSPENDED, SHOW_PERMANENT)

# The national figures shown beside ours (records/codes/national_benchmarks.csv).
BENCHMARK_MEASURES = ("suspension_rate", "one_plus_suspension_pct", "permanent_exclusion_pct")

REASON_LABELS = dict(REASON_CHOICES)


@dataclass(frozen=True)
class GroupFigures(BreakdownRow):
    """Exclusions of a group of children in view (the whole view, or one row of a breakdown).

    `children` is every child of the group in view, excluded or not: the denominator of
    every rate."""

    dimension: str  # "all" or a Dimension key
    value: Any  # the dimension's value for this row (None for "all" or "not recorded")
    label: str
    children: int
    suspensions: int
    suspended: int  # children with one or more suspension
    permanent: int  # permanent exclusions
    permanently_excluded: int  # children with one or more permanent exclusion
    sessions_lost: int  # sessions of suspensions

    @property
    def exclusions(self) -> int:
        return self.suspensions + self.permanent

    @property
    def suspension_rate(self) -> Decimal | None:
        """Suspensions per 100 children in view (DfE suspension rate), one decimal place."""
        return percent(self.suspensions, self.children)

    @property
    def suspended_pct(self) -> Decimal | None:
        """Children with one or more suspension, as a percentage of the children in view."""
        return percent(self.suspended, self.children)

    @property
    def permanent_pct(self) -> Decimal | None:
        """Children permanently excluded, as a percentage of the children in view."""
        return percent(self.permanently_excluded, self.children)


@dataclass(frozen=True)
class ExclusionGroup(BreakdownRow):
    """The counted exclusions of one reason, or made by one school, of the children in view.

    `children` here is the children with at least one such exclusion (there is no denominator
    of children in view for a reason or an excluding school). An exclusion with several
    reasons is in each reason's row, so reason rows add up to more than the exclusions."""

    kind: str  # "reason" or "exclusion_school"
    value: Any  # the reason code, or the excluding school's id
    label: str
    children: int
    exclusions: int
    suspensions: int
    suspended: int
    permanent: int
    permanently_excluded: int
    sessions_lost: int


# The exclusions' own groupings, the reason table and the excluding-school table, as
# Dimensions: the mapped fields each reads (records/datamap.py). Like the dashboards' other
# breakdowns, a user who may not see a field is shown neither its table nor its CSV section
# nor the drill-down behind it (`Dimension.visible_to`, records.permissions.can_see_field).
BY_REASON = Dimension("reason", "Reason", "reasons", ((Exclusion, "reasons"),))
BY_EXCLUDING_SCHOOL = Dimension(
    "exclusion_school", "Excluding school", "school_id", ((Exclusion, "school"),)
)


@dataclass(frozen=True)
class ExclusionsDashboard:
    """`reasons` and `exclusion_schools` are empty, and `shows_reasons` and
    `shows_exclusion_schools` False, for a user who may not see what they group by."""

    scope: Scope
    overall: GroupFigures
    breakdowns: list[Breakdown[GroupFigures]]
    reasons: list[ExclusionGroup]
    exclusion_schools: list[ExclusionGroup]
    benchmarks: dict[str, tuple[Benchmark, ...]]
    shows_reasons: bool = True
    shows_exclusion_schools: bool = True

    @property
    def min_children(self) -> int:
        return min_children()


def per_child_sql(
    *,
    user: UserLike,
    scope: Scope,
    reason: str = "",
    exclusion_school: int | None = None,
    also: tuple[str, ...] = (),
) -> tuple[str, list[Any]]:
    """CTEs `scope` (the children in view with their dimensions), `counted` (their exclusions
    that count: started in the period, not overturned with the pupil reinstated, and of
    `reason` and made by `exclusion_school` when given) and `per_child` (every child in view,
    with their counted suspensions, permanent exclusions and sessions lost, 0 when none).
    Http404 for a `reason` or `exclusion_school` the user may not see (BY_REASON,
    BY_EXCLUDING_SCHOOL): a list by a field they may not see is no list for them."""
    if (reason and not BY_REASON.visible_to(user)) or (
        exclusion_school is not None and not BY_EXCLUDING_SCHOOL.visible_to(user)
    ):
        raise Http404("No such list")
    scope_sql, scope_params = scope_children_sql(user=user, scope=scope, also=also)
    columns = dimension_columns(scope.dimensions(*also))
    conditions = ["e.start_date BETWEEN %s AND %s", "e.outcome <> %s"]
    params: list[Any] = [
        *scope_params,
        ExclusionCategory.PERMANENT.value,
        scope.period.start,
        scope.period.end,
        Exclusion.Outcome.REINSTATED.value,
    ]
    if reason:
        conditions.append("%s = ANY(e.reasons)")
        params.append(reason)
    if exclusion_school is not None:
        conditions.append("e.school_id = %s")
        params.append(int(exclusion_school))
    permanent = ExclusionCategory.PERMANENT.value
    params += [permanent, permanent, permanent, *params[len(scope_params) + 1 :]]
    sql = f"""
        scope AS MATERIALIZED ({scope_sql}),
        counted AS MATERIALIZED (
            SELECT e.id, e.child_id, e.school_id, e.category <> %s AS suspension,
                e.sessions, e.reasons
            FROM {table_name(Exclusion)} e JOIN scope ON scope.child_id = e.child_id
            WHERE {" AND ".join(conditions)}
        ),
        per_child AS MATERIALIZED (
            -- The exclusions table itself, by its child index, not the `counted` CTE: a
            -- filtered scope is estimated at a row or two, and a join of two CTEs would be
            -- planned as a nested loop over both.
            SELECT {columns},
                count(e.id) FILTER (WHERE e.category <> %s)::integer AS suspensions,
                count(e.id) FILTER (WHERE e.category = %s)::integer AS permanent,
                coalesce(sum(e.sessions) FILTER (WHERE e.category <> %s), 0)::integer
                    AS sessions_lost
            FROM scope LEFT JOIN {table_name(Exclusion)} e
                ON e.child_id = scope.child_id AND {" AND ".join(conditions)}
            GROUP BY {columns}
        )
    """  # noqa: S608 - identifiers from model metadata; every value is a parameter
    return sql, params


def _grouping_sql(dimensions: tuple[Dimension, ...]) -> str:
    """CTE body `groups`: the whole view and a row for each value of each of `dimensions`."""
    leading, group_by = grouping_sql(dimensions)
    return f"""
        SELECT {leading},
            count(*) AS children, sum(suspensions)::integer AS suspensions,
            count(*) FILTER (WHERE suspensions > 0) AS suspended,
            sum(permanent)::integer AS permanent,
            count(*) FILTER (WHERE permanent > 0) AS permanently_excluded,
            sum(sessions_lost)::integer AS sessions_lost
        FROM per_child {group_by}
    """  # noqa: S608 - column names from DIMENSIONS, not input


# The counts of a set of counted exclusions `c`, for the reason and excluding-school rows.
_EXCLUSION_COUNTS = """
    count(DISTINCT c.child_id) AS children, count(*) AS exclusions,
    count(*) FILTER (WHERE c.suspension) AS suspensions,
    count(DISTINCT c.child_id) FILTER (WHERE c.suspension) AS suspended,
    count(*) FILTER (WHERE NOT c.suspension) AS permanent,
    count(DISTINCT c.child_id) FILTER (WHERE NOT c.suspension) AS permanently_excluded,
    coalesce(sum(c.sessions) FILTER (WHERE c.suspension), 0)::integer AS sessions_lost
"""


def exclusions_dashboard_sql(*, user: UserLike, scope: Scope) -> tuple[str, list[Any]]:
    """The one statement behind the dashboard: a row of three JSON arrays (groups by
    dimension, reasons, excluding schools; an empty array for a grouping the user may not
    see, which is then not computed). Exposed for the query-count tests."""
    per_child, params = per_child_sql(user=user, scope=scope)
    reasons = (
        "(SELECT coalesce(json_agg(reasons), '[]') FROM reasons)"
        if BY_REASON.visible_to(user)
        else "'[]'::json"
    )
    schools = (
        "(SELECT coalesce(json_agg(schools), '[]') FROM schools)"
        if BY_EXCLUDING_SCHOOL.visible_to(user)
        else "'[]'::json"
    )
    sql = f"""
        WITH {per_child},
        groups AS ({_grouping_sql(scope.breakdown_dimensions)}),
        reasons AS (
            SELECT r.code AS value, {_EXCLUSION_COUNTS}
            FROM counted c CROSS JOIN LATERAL (SELECT DISTINCT unnest(c.reasons) AS code) r
            GROUP BY r.code
        ),
        schools AS (
            SELECT c.school_id AS value, {_EXCLUSION_COUNTS}
            FROM counted c
            GROUP BY c.school_id
        )
        SELECT (SELECT coalesce(json_agg(groups), '[]') FROM groups), {reasons}, {schools}
    """  # noqa: S608 - identifiers from model metadata; every value is a parameter
    return sql, params


def _group(row: dict[str, Any], names: dict) -> GroupFigures:
    dimension = row["dimension"]
    return GroupFigures(
        dimension=dimension,
        value=row["value"],
        label=(
            "All children in view"
            if dimension == "all"
            else dimension_value_label(dimension, row["value"], names)
        ),
        children=row["children"],
        suspensions=row["suspensions"] or 0,
        suspended=row["suspended"],
        permanent=row["permanent"] or 0,
        permanently_excluded=row["permanently_excluded"],
        sessions_lost=row["sessions_lost"] or 0,
    )


def _exclusion_group(kind: str, row: dict[str, Any], label: str) -> ExclusionGroup:
    return ExclusionGroup(
        kind=kind,
        value=row["value"],
        label=label,
        children=row["children"],
        exclusions=row["exclusions"],
        suspensions=row["suspensions"],
        suspended=row["suspended"],
        permanent=row["permanent"],
        permanently_excluded=row["permanently_excluded"],
        sessions_lost=row["sessions_lost"],
    )


def exclusions_dashboard(*, user: UserLike, scope: Scope) -> ExclusionsDashboard:
    """Everything the exclusions dashboard shows for `scope`, as `user` may see it, in three
    queries (the statement, then school and caseworker names), whatever the cohort's size.

    Counted: exclusions of the children in view (visibility and filters of scope.py) whose
    start date falls in the period, from [period.start, period.end]. Not counted: exclusions
    overturned with the pupil reinstated (outcome "reinstated"), which no longer stand;
    pending reviews and exclusions overturned without reinstatement still count. Breakdowns
    by dimension use the child's dimensions (their current school, not the school that
    excluded them); the excluding-school breakdown uses Exclusion.school; the reason
    breakdown counts each reason of an exclusion once, so its rows add up to more than the
    exclusions. Each of those two is left out for a user who may not see its field
    (BY_REASON, BY_EXCLUDING_SCHOOL)."""
    sql, params = exclusions_dashboard_sql(user=user, scope=scope)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        groups, reasons, schools = (decoded_json(value) for value in cursor.fetchone())
    for row in groups:
        row["value"] = dimension_value(row["dimension"], row["value"])
    names = names_for(
        school_ids=[
            *(row["value"] for row in groups if row["dimension"] == "school"),
            *(row["value"] for row in schools),
        ],
        caseworker_ids=[row["value"] for row in groups if row["dimension"] == "caseworker"],
    )
    rows = [_group(row, names) for row in groups]
    overall = next((row for row in rows if row.dimension == "all"), None)
    if overall is None:  # no child in view
        overall = GroupFigures("all", None, "All children in view", 0, 0, 0, 0, 0, 0)
    breakdowns = breakdowns_of(rows, scope.breakdown_dimensions)
    reason_rows = sorted(
        (
            _exclusion_group("reason", row, REASON_LABELS.get(row["value"], row["value"]))
            for row in reasons
        ),
        key=lambda group: (-group.exclusions, group.value),
    )
    school_names = names["school"]
    school_rows = sorted(
        (
            _exclusion_group(
                "exclusion_school", row, school_names.get(row["value"], str(row["value"]))
            )
            for row in schools
        ),
        key=lambda group: (group.label.lower(), group.value),
    )
    return ExclusionsDashboard(
        scope=scope,
        overall=overall,
        breakdowns=breakdowns,
        reasons=reason_rows,
        exclusion_schools=school_rows,
        benchmarks={measure: benchmarks_for(measure) for measure in BENCHMARK_MEASURES},
        shows_reasons=BY_REASON.visible_to(user),
        shows_exclusion_schools=BY_EXCLUDING_SCHOOL.visible_to(user),
    )


@dataclass(frozen=True)
class ChildExclusions:
    """One child behind a figure: who, where, and their counted exclusions in the period."""

    child_id: Any
    name: str
    cohort: str
    school: str  # the child's school (the school dimension), '' when none recorded
    suspensions: int
    permanent: int
    sessions_lost: int


DRILL_DOWN_LIMIT = 500


def exclusions_children(
    *,
    user: UserLike,
    scope: Scope,
    show: str = SHOW_ALL,
    reason: str = "",
    exclusion_school: int | None = None,
    limit: int = DRILL_DOWN_LIMIT,
) -> tuple[int, list[ChildExclusions]]:
    """The children behind a figure of the dashboard for `scope` (a dimension row's filter is
    part of the scope): every child in view ("all"), those with one or more suspension
    ("suspended"), or those permanently excluded ("permanent"). With `reason` or
    `exclusion_school`, only exclusions of that reason and made by that school are counted,
    and only children with one of them are listed (as the reason and school rows count).
    Exclusions are counted as on the dashboard (in the period, reinstated ones left out).
    Returns how many there are and the first `limit`, most sessions lost first, then by name,
    in one query. Visibility is the dashboard's own."""
    if show not in SHOWS:
        raise ValueError(f"show must be one of {', '.join(SHOWS)}, not {show!r}")
    per_child, params = per_child_sql(
        user=user, scope=scope, reason=reason, exclusion_school=exclusion_school, also=("school",)
    )
    conditions = []
    if show == SHOW_SUSPENDED:
        conditions.append("p.suspensions > 0")
    elif show == SHOW_PERMANENT:
        conditions.append("p.permanent > 0")
    elif reason or exclusion_school is not None:
        conditions.append("p.suspensions + p.permanent > 0")
    where = f"WHERE {' AND '.join(conditions)}" if conditions else ""
    sql = f"""
        WITH {per_child}
        SELECT count(*) OVER () AS total, p.child_id, c.first_name, c.last_name, p.cohort,
            coalesce(sc.name, ''), p.suspensions, p.permanent, p.sessions_lost
        FROM per_child p JOIN {table_name(Child)} c ON c.id = p.child_id
        LEFT JOIN {table_name(School)} sc ON sc.id = p.school_id
        {where}
        ORDER BY p.sessions_lost DESC, c.last_name, c.first_name, c.id
        LIMIT %s
    """  # noqa: S608 - identifiers from model metadata; every value is a parameter
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, limit])
        rows = cursor.fetchall()
    total = rows[0][0] if rows else 0
    return total, [
        ChildExclusions(
            child_id=child_id,
            name=f"{first} {last}",
            cohort=cohort,
            school=school,
            suspensions=suspensions,
            permanent=permanent,
            sessions_lost=sessions_lost,
        )
        for _, child_id, first, last, cohort, school, suspensions, permanent, sessions_lost in rows
    ]
