"""The aggregate tables a statistics-only agreement releases, computed from the record.

Each builder is one SQL statement over the dashboards' own scope
(records/selectors/dashboards/scope.py: the children in view in a period, each with their
cohort by CLA > CPP > CIN > PLAC and their year group as at the period's end), so a table
and the dashboard for the same period count the same children. GROUPING SETS give the cells,
the row totals, the column totals and the grand total in that one statement. The tables are
raw counts: `sharing.statistics.suppress` makes them safe to release.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from django.db import connection

from records.attendance import BAND_LABELS
from records.codes import Cohort
from records.codes.census import NcYear
from records.permissions import UserLike
from records.selectors.dashboards import attendance as attendance_dashboard
from records.selectors.dashboards import exclusions as exclusions_dashboard
from records.selectors.dashboards.scope import (
    COHORT_PRECEDENCE,
    Scope,
    dimension_value_label,
    scope_children_sql,
)
from sharing.statistics.tables import Table
from virtualschool.errors import DomainError

COHORT_LABELS = tuple(Cohort(cohort).label for cohort in COHORT_PRECEDENCE)
OUTSIDE_SCHOOL_YEARS = ""
SUSPENSIONS = "Suspensions"
PERMANENT_EXCLUSIONS = "Permanent exclusions"
NO_REASON = "Reason not recorded"


def _grouped_sql(source: str, row: str, column: str) -> str:
    """Counts of the rows of `source` by `row` × `column`, by each alone and overall."""
    return f"""
        SELECT GROUPING({row}) AS all_rows, GROUPING({column}) AS all_columns,
            {row} AS row_key, {column} AS column_key, count(*) AS n
        FROM {source}
        GROUP BY GROUPING SETS (({row}, {column}), ({row}), ({column}), ())
    """  # noqa: S608 - column names from this module, not input


def _fetch(sql: str, params: list[Any]) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _table(
    *,
    title: str,
    rows: list[tuple],
    row_keys: Sequence[Any],
    row_labels: Sequence[str],
    column_keys: Sequence[Any],
    column_labels: Sequence[str],
    key_of: Callable[[Any], Any] = lambda value: value,
    notes: Sequence[str] = (),
) -> Table:
    """A Table from GROUPING SETS rows (see _grouped_sql), in the given order of rows and
    columns; `key_of` maps a column value from the SQL to its column (several may share one).
    Totals are the statement's own, so the Table's check that they are the sums of the cells
    holds the SQL to the cells it returned."""
    cells: dict[tuple[Any, Any], int] = defaultdict(int)
    row_totals: dict[Any, int] = defaultdict(int)
    column_totals: dict[Any, int] = defaultdict(int)
    grand_total = 0
    for all_rows, all_columns, row_key, column_key, count in rows:
        if all_rows and all_columns:
            grand_total += count
        elif all_columns:
            row_totals[row_key] += count
        elif all_rows:
            column_totals[key_of(column_key)] += count
        else:
            cells[(row_key, key_of(column_key))] += count
    return Table(
        title=title,
        row_labels=tuple(row_labels),
        column_labels=tuple(column_labels),
        cells=tuple(tuple(cells[(r, c)] for c in column_keys) for r in row_keys),
        row_totals=tuple(row_totals[r] for r in row_keys),
        column_totals=tuple(column_totals[c] for c in column_keys),
        grand_total=grand_total,
        notes=tuple(notes),
    )


def _year_group(value: str | None) -> str:
    """A year group as a column: a census year group, or outside school years."""
    return value if value in NcYear.values else OUTSIDE_SCHOOL_YEARS


def children_by_cohort_and_year_group(*, user: UserLike, scope: Scope) -> Table:
    """Children in view in the period by cohort (rows, every cohort) × NC year group
    (columns, those any child is in, in school order, "Outside school years" last), in one
    query. Visibility, period and filters are the dashboards' (scope_children_sql)."""
    scope = replace(scope, breakdowns=())
    children, params = scope_children_sql(user=user, scope=scope, also=("year_group",))
    rows = _fetch(
        _grouped_sql(f"({children}) AS scope", "cohort", "year_group"),
        params,
    )
    present = {
        _year_group(column_key) for _, all_columns, _, column_key, _ in rows if not all_columns
    }
    order = [*NcYear.values, OUTSIDE_SCHOOL_YEARS]
    columns = [value for value in order if value in present]
    return _table(
        title=f"Children by cohort and year group, {scope.period.label}",
        rows=rows,
        row_keys=COHORT_PRECEDENCE,
        row_labels=COHORT_LABELS,
        column_keys=columns,
        column_labels=[dimension_value_label("year_group", value, {}) for value in columns],
        key_of=_year_group,
        notes=(
            "Each child is counted once, in the first of looked after, on a child protection"
            " plan, in need and previously looked after that they were in during the period,"
            " and in their year group at its end.",
        ),
    )


def children_by_cohort_and_attendance_band(*, user: UserLike, scope: Scope) -> Table:
    """Children in view with possible sessions in the period by cohort × attendance band
    (records/attendance.py BAND_THRESHOLDS: under 5% of sessions missed, 5% to under 10%,
    persistently absent from 10%, severely absent from 50%: the dashboards' own bands), in
    one query over the attendance dashboard's per-child figures (summaries, never sessions)."""
    scope = replace(scope, breakdowns=())
    per_child, params = attendance_dashboard.per_child_sql(user=user, scope=scope)
    rows = _fetch(f"WITH {per_child} {_grouped_sql('per_child', 'cohort', 'band')}", params)
    return _table(
        title=f"Children by cohort and attendance, {scope.period.label}",
        rows=rows,
        row_keys=COHORT_PRECEDENCE,
        row_labels=COHORT_LABELS,
        column_keys=range(len(BAND_LABELS)),
        column_labels=BAND_LABELS,
        notes=(
            "Bands are the share of a child's possible sessions they missed;"
            " children with no possible sessions in the period are not counted.",
        ),
    )


def exclusions_by_reason(*, user: UserLike, scope: Scope) -> Table:
    """Exclusions of the children in view that started in the period and stand (the
    exclusions dashboard's `counted`), by reason (rows, in the DfE's order of codes) ×
    suspension or permanent exclusion (columns), in one query. An exclusion with several
    reasons is counted under each, so the totals count reasons given. Refused for a user
    who may not see exclusions' reasons (the dashboard's BY_REASON rule)."""
    if not exclusions_dashboard.BY_REASON.visible_to(user):
        raise DomainError({"table": "You may not see the reasons for exclusions."})
    scope = replace(scope, breakdowns=())
    per_child, params = exclusions_dashboard.per_child_sql(user=user, scope=scope)
    source = """counted c CROSS JOIN LATERAL (
            SELECT DISTINCT unnest(
                CASE WHEN cardinality(c.reasons) > 0 THEN c.reasons::text[] ELSE ARRAY['']
                END
            ) AS code
        ) r"""
    rows = _fetch(f"WITH {per_child} {_grouped_sql(source, 'r.code', 'c.suspension')}", params)
    present = {row_key for _, all_columns, row_key, _, _ in rows if all_columns and row_key}
    codes = [code for code in exclusions_dashboard.REASON_LABELS if code in present]
    codes += sorted(present - set(codes) - {""})
    if "" in present:
        codes.append("")
    return _table(
        title=f"Exclusions by reason, {scope.period.label}",
        rows=rows,
        row_keys=codes,
        row_labels=[
            exclusions_dashboard.REASON_LABELS.get(code, code) if code else NO_REASON
            for code in codes
        ],
        column_keys=(True, False),
        column_labels=(SUSPENSIONS, PERMANENT_EXCLUSIONS),
        notes=(
            "Suspensions include lunchtime suspensions; exclusions overturned with the pupil"
            " reinstated are not counted. An exclusion with more than one reason is counted"
            " under each, so totals count reasons given.",
        ),
    )
