"""What a dashboard counts: the period, the children in view, and what each child is in it.

Every dashboard (attendance, exclusions, attainment) starts from the same scope:

- a **period**: an academic year (1 August to 31 July, records/calendar.py), one of its terms,
  or a date range inside it;
- the **children in view**: children the user may see (`children_visible_to`, so a caseworker's
  dashboard counts only their caseload), who were in a cohort (an open legal status episode)
  at some point in the period;
- each child's **dimensions**, as they stood at the end of the period (or today, for a period
  not yet over): cohort, school, NC year group, placed in or out of borough, SEN provision and
  caseworker. Every breakdown and every filter reads these, so a child is in exactly one row of
  each breakdown and the rows add up to the whole.

`scope_children_sql` writes this once as SQL for the dashboards' aggregates to join; the
drill-down lists use the same SQL, so a number and the list behind it cannot disagree. It
reads only the dimensions a query needs (`Scope.dimensions`): the cohort, the breakdowns asked
for and the filters in use. A page shows one breakdown at a time, so its statement does not
read the schools, characteristics and allocations of every child when it breaks down by cohort.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any, Generic, TypeVar
from urllib.parse import urlencode

from django.conf import settings
from django.db import connection
from django.utils import timezone

from records.calendar import academic_year_label, academic_year_of, term_bounds, term_label
from records.codes import Cohort
from records.codes.census import NcYear, SenProvision
from records.models import (
    Allocation,
    Characteristics,
    Child,
    Enrolment,
    LegalStatusEpisode,
    Term,
)
from records.permissions import UserLike, can_see_field, can_view_all_children
from records.selectors.children import children_visible_to
from records.spans import open_sql, open_sql_params

# One cohort per child in a breakdown, the DfE's order for children's social care groups
# (CLA, then CPPO: on a plan but not looked after, then CINO), with PLAC last: a child looked
# after for part of the period and in need for the rest counts as looked after.
RowT = TypeVar("RowT")
COHORT_PRECEDENCE: tuple[str, ...] = (Cohort.CLA, Cohort.CPP, Cohort.CIN, Cohort.PLAC)
UNKNOWN = "unknown"


class Borough:
    IN = "in"
    OUT = "out"
    CHOICES = ((IN, "Placed in borough"), (OUT, "Placed out of borough"), (UNKNOWN, "Not recorded"))


@dataclass(frozen=True)
class Dimension:
    """One way to break a dashboard down: the URL parameter, the label, the SQL column of
    scope_children_sql that holds each child's value, and the mapped fields that value comes
    from (records/datamap.py): a user who may not see one of them is offered neither the
    breakdown nor its filter (`visible_to`)."""

    key: str
    label: str
    column: str
    fields: tuple[tuple[type, str], ...] = ()

    def visible_to(self, user: UserLike) -> bool:
        return all(can_see_field(user, model, name) for model, name in self.fields)


DIMENSIONS: tuple[Dimension, ...] = (
    Dimension("cohort", "Cohort", "cohort", ((LegalStatusEpisode, "cohort"),)),
    Dimension("school", "School", "school_id", ((Enrolment, "school"),)),
    Dimension(
        "year_group", "Year group", "year_group", ((Enrolment, "nc_year"), (Child, "date_of_birth"))
    ),
    Dimension(
        "borough", "In or out of borough", "borough", ((Characteristics, "placed_in_borough"),)
    ),
    Dimension("sen", "SEN provision", "sen", ((Characteristics, "sen_provision"),)),
    Dimension("caseworker", "Caseworker", "caseworker_id", ((Allocation, "caseworker"),)),
)


def dimensions_visible_to(user: UserLike) -> tuple[Dimension, ...]:
    """The breakdowns and filters a user is offered: those whose fields they may see."""
    return tuple(dimension for dimension in DIMENSIONS if dimension.visible_to(user))


DIMENSION_BY_KEY = {dimension.key: dimension for dimension in DIMENSIONS}
ALL_BREAKDOWNS: tuple[str, ...] = tuple(dimension.key for dimension in DIMENSIONS)
# The breakdown a dashboard page opens on (?by=): the one a corporate parenting board asks for.
DEFAULT_BREAKDOWN = "cohort"


def dimension_columns(dimensions: tuple[Dimension, ...], alias: str = "scope") -> str:
    """The columns of scope_children_sql that carry a child and these dimensions through a
    GROUP BY over their rows: "scope.child_id, scope.cohort, ..."."""
    return ", ".join(
        f"{alias}.{column}" for column in ("child_id", *(d.column for d in dimensions))
    )


def grouping_sql(dimensions: tuple[Dimension, ...]) -> tuple[str, str]:
    """The two leading columns and the GROUP BY of a breakdown query over rows carrying these
    dimensions: `dimension` ('all', or the key of the dimension the row breaks down by) and
    `value` (its value, as text), grouped by GROUPING SETS of the whole and each dimension."""
    if not dimensions:
        return "'all' AS dimension, NULL::text AS value", "GROUP BY ()"
    which = " ".join(f"WHEN GROUPING({d.column}) = 0 THEN '{d.key}'" for d in dimensions)
    value = " ".join(f"WHEN GROUPING({d.column}) = 0 THEN {d.column}::text" for d in dimensions)
    sets = ", ".join(["()", *(f"({d.column})" for d in dimensions)])
    return (
        f"CASE {which} ELSE 'all' END AS dimension, CASE {value} END AS value",
        f"GROUP BY GROUPING SETS ({sets})",
    )


@dataclass(frozen=True)
class Period:
    """The dates a dashboard covers. `term` is set for a whole term; `by_week` for a date
    range, which is counted in whole weeks, Monday to Sunday (the finest summary kept)."""

    academic_year: int
    start: date
    end: date
    term: str = ""
    by_week: bool = False

    @classmethod
    def year(cls, academic_year: int) -> Period:
        first, _ = term_bounds(academic_year, Term.AUTUMN)
        _, last = term_bounds(academic_year, Term.SUMMER)
        return cls(academic_year, first, last)

    @classmethod
    def of_term(cls, academic_year: int, term: str) -> Period:
        first, last = term_bounds(academic_year, term)
        return cls(academic_year, first, last, term=str(Term(term)))

    @classmethod
    def weeks(cls, start: date, end: date) -> Period:
        """From the Monday of `start`'s week to the Sunday of `end`'s week, kept inside the
        academic year of `start` (the caller checks both dates are in it)."""
        year = cls.year(academic_year_of(start))
        monday = start - timedelta(days=start.weekday())
        sunday = end + timedelta(days=6 - end.weekday())
        return cls(year.academic_year, max(monday, year.start), min(sunday, year.end), by_week=True)

    @property
    def terms(self) -> list[str]:
        """The terms whose summaries make up the period (all three for a year)."""
        return [self.term] if self.term else [str(term) for term in Term]

    @property
    def as_at(self) -> date:
        """The day each child's dimensions are read on: the period's end, or today."""
        return max(self.start, min(self.end, timezone.localdate()))

    @property
    def label(self) -> str:
        if self.term:
            return f"{term_label(self.academic_year, self.term)} term"
        if self.by_week:
            return f"{_long(self.start)} to {_long(self.end)}"
        return f"Academic year {academic_year_label(self.academic_year)}"


def _long(day: date) -> str:
    return f"{day:%A} {day.day} {day:%B %Y}"


@dataclass(frozen=True)
class Scope:
    """A dashboard's period and filters, as the URL gives them (see records/forms.py
    DashboardFilterForm). Empty filters select everything."""

    period: Period
    filters: dict[str, str] = field(default_factory=dict)
    # The URL parameters that chose the period, kept for links.
    period_params: dict[str, str] = field(default_factory=dict)
    # The dimensions the dashboard breaks down by (Dimension keys): a page shows one (?by=),
    # a CSV download and the selectors' callers by default every one.
    breakdowns: tuple[str, ...] = ALL_BREAKDOWNS

    @property
    def breakdown_dimensions(self) -> tuple[Dimension, ...]:
        return tuple(dimension for dimension in DIMENSIONS if dimension.key in self.breakdowns)

    def dimensions(self, *also: str) -> tuple[Dimension, ...]:
        """The dimensions scope_children_sql reads for this scope: the cohort (which puts a
        child in view), the breakdowns, the filters in use, and `also` (what a query shows,
        such as the school of each child in a drill-down list), in DIMENSIONS order."""
        wanted = {"cohort", *self.breakdowns, *also}
        wanted.update(key for key, value in self.filters.items() if value)
        return tuple(dimension for dimension in DIMENSIONS if dimension.key in wanted)

    def params(self, **changes: str) -> dict[str, str]:
        by = self.breakdowns[0] if len(self.breakdowns) == 1 else ""
        view = {"by": by} if by and by != DEFAULT_BREAKDOWN else {}
        params = {**self.period_params, **self.filters, **view, **changes}
        return {key: value for key, value in params.items() if value not in ("", None)}

    def querystring(self, **changes: str) -> str:
        """This scope's URL query, with some parameters changed (for links and downloads)."""
        return urlencode(self.params(**changes))

    def narrowed(self, dimension: str, value: str) -> Scope:
        return replace(self, filters={**self.filters, dimension: value})


def year_group_sql(date_of_birth: str, academic_year: int) -> str:
    """SQL for the NC year group code a child of this age is normally in during
    `academic_year` (NcYear values, '' outside N1 to 14): records.codes.assessment.year_group_in,
    as SQL. Children born from 1 September to 31 August start Reception together; a test holds
    the two equal. The year is written into the SQL as a number (it is an int, never text)."""
    born_cohort = (
        f"(extract(year FROM {date_of_birth})::integer"
        f" - (extract(month FROM {date_of_birth}) < 9)::integer)"
    )
    group = f"({int(academic_year)} - ({born_cohort} + 5))"
    return (
        f"CASE WHEN {group} = -2 THEN 'N1' WHEN {group} = -1 THEN 'N2' WHEN {group} = 0 THEN 'R'"
        f" WHEN {group} BETWEEN 1 AND 14 THEN {group}::text ELSE '' END"
    )


def table_name(model: type) -> str:
    """A model's table, quoted, for the dashboards' SQL."""
    return connection.ops.quote_name(model._meta.db_table)


def decoded_json(value: Any) -> Any:
    """A json value from a raw cursor (Django leaves some undecoded)."""
    return json.loads(value) if isinstance(value, str) else value


def dimension_value(dimension: str, text: str | None) -> Any:
    """A breakdown row's value as the SQL returned it as text: ids for school and caseworker."""
    if text is None:
        return None
    return int(text) if dimension in ("school", "caseworker") else text


def min_children() -> int:
    """Figures resting on fewer children than this are marked (DASHBOARD_MIN_CHILDREN)."""
    return settings.DASHBOARD_MIN_CHILDREN


class BreakdownRow:
    """What every breakdown row of every dashboard offers its template: whether it rests on
    too few children to read much into, and the value its filter takes in a URL. A row class
    has `children` and `value`."""

    children: int
    value: Any

    @property
    def small(self) -> bool:
        return self.children < min_children()

    @property
    def filter_value(self) -> str:
        return UNKNOWN if self.value is None else str(self.value)


def latest_open_sql(model: type, columns: str, order: str) -> str:
    """Each child's row of `model` open in the period (records.spans: started by the as-at
    day, not ended before the start; parameters: open_sql_params), the first by `order` when
    several."""
    return f"""
        SELECT DISTINCT ON (child_id) child_id, {columns}
        FROM {table_name(model)}
        WHERE {open_sql()}
        ORDER BY child_id, {order}
    """  # noqa: S608 - identifiers from model metadata and this module; dates are parameters


def scope_children_sql(
    *, user: UserLike, scope: Scope, also: tuple[str, ...] = ()
) -> tuple[str, list[Any]]:
    """A SELECT of child_id and the column of each of `scope.dimensions(*also)` (cohort,
    school_id, year_group, borough, sen, caseworker_id), one row per child in view: visible to
    `user`, in a cohort during the period, and matching every filter. Dimensions are read as
    at `period.as_at`:

    - cohort: the first of COHORT_PRECEDENCE among the child's episodes open in the period;
    - school and year group: the latest enrolment open in the period (its NC year when
      recorded, else the year group for the child's age); no enrolment: school NULL;
    - borough and SEN provision: the child's characteristics ('unknown' when not recorded);
    - caseworker: the latest allocation open in the period (NULL when none).

    Only the tables the dimensions asked for come from are joined.
    """
    period = scope.period
    start, as_at = period.start, period.as_at
    wanted = {dimension.key for dimension in scope.dimensions(*also)}
    columns = ["c.id AS child_id", "coh.cohort"]
    cohort = latest_open_sql(
        LegalStatusEpisode, "cohort", "array_position(%s::text[], cohort::text)"
    )
    joins = [f"JOIN ({cohort}) coh ON coh.child_id = c.id"]
    params: list[Any] = [*open_sql_params(start, as_at), list(COHORT_PRECEDENCE)]
    if wanted & {"school", "year_group"}:
        age_year_group = year_group_sql("c.date_of_birth", period.academic_year)
        columns += [
            "enr.school_id",
            f"coalesce(nullif(enr.nc_year, ''), {age_year_group}) AS year_group",
        ]
        enrolment = latest_open_sql(Enrolment, "school_id, nc_year", "start_date DESC, id DESC")
        joins.append(f"LEFT JOIN ({enrolment}) enr ON enr.child_id = c.id")
        params += open_sql_params(start, as_at)
    if wanted & {"borough", "sen"}:
        columns += [
            "CASE ch.placed_in_borough WHEN true THEN 'in' WHEN false THEN 'out'"
            " ELSE 'unknown' END AS borough",
            "coalesce(nullif(ch.sen_provision, ''), 'unknown') AS sen",
        ]
        joins.append(f"LEFT JOIN {table_name(Characteristics)} ch ON ch.child_id = c.id")
    if "caseworker" in wanted:
        columns.append("al.caseworker_id")
        allocation = latest_open_sql(Allocation, "caseworker_id", "start_date DESC, id DESC")
        joins.append(f"LEFT JOIN ({allocation}) al ON al.child_id = c.id")
        params += open_sql_params(start, as_at)
    # Managers see every child: no visibility filter to join (children_visible_to is all).
    visible = ""
    if not can_view_all_children(user):
        visible_sql, visible_params = children_visible_to(user).values("pk").query.sql_with_params()
        visible = f"WHERE c.id IN ({visible_sql})"
        params += visible_params
    sql = f"""
        SELECT {", ".join(columns)}
        FROM {table_name(Child)} c
        {" ".join(joins)}
        {visible}
    """  # noqa: S608 - identifiers from model metadata; every value is a parameter
    conditions = []
    for key, value in scope.filters.items():
        if not value:
            continue
        column = DIMENSION_BY_KEY[key].column
        if key in ("school", "caseworker"):
            conditions.append(f"{column} IS NULL" if value == UNKNOWN else f"{column} = %s")
            if value != UNKNOWN:
                params.append(int(value))
        else:
            conditions.append(f"{column} = %s")
            params.append(value)
    if conditions:
        sql = f"SELECT * FROM ({sql}) AS d WHERE {' AND '.join(conditions)}"  # noqa: S608
    return sql, params


def dimension_value_label(dimension: str, value: object, names: dict[str, dict]) -> str:
    """How a breakdown row is named: the cohort, school or caseworker's name, the year group."""
    if value is None or value == UNKNOWN:
        return {
            "school": "No school recorded",
            "caseworker": "Not allocated",
            "borough": "Not recorded",
            "sen": "Not recorded",
        }.get(dimension, "Not recorded")
    if dimension == "cohort":
        return Cohort(value).label
    if dimension == "year_group":
        return NcYear(value).label if value in NcYear.values else "Outside school years"
    if dimension == "borough":
        return dict(Borough.CHOICES)[value]
    if dimension == "sen":
        return SenProvision(value).label
    return names.get(dimension, {}).get(value, str(value))


def _row_order(dimension: str, row: Any) -> tuple:
    """A breakdown row's place, in a reader's order: schools and caseworkers by name, cohorts
    by precedence, year groups in school order, the rest by value; 'not recorded' last."""
    value = row.value
    if value is None or value == UNKNOWN or value == "":
        return (1, 0)
    if dimension in ("school", "caseworker"):
        return (0, row.label.lower())
    if dimension == "cohort":
        return (0, COHORT_PRECEDENCE.index(value))
    if dimension == "year_group":
        order = list(NcYear.values)
        return (0, order.index(value)) if value in order else (0, len(order))
    return (0, str(value))


@dataclass(frozen=True)
class Breakdown(Generic[RowT]):
    """One breakdown of a dashboard: its dimension and a row for each value, in order."""

    dimension: Dimension
    rows: list[RowT]


def breakdowns_of(rows: Iterable[RowT], dimensions: tuple[Dimension, ...]) -> list[Breakdown[RowT]]:
    """The breakdowns of `dimensions`, in that order, from a dashboard's group rows (each with
    `dimension`, `value` and `label`; rows of other dimensions, and 'all', are left out), each
    breakdown's rows in a reader's order: the one place that order is decided."""
    by_dimension: dict[str, list[RowT]] = {}
    for row in rows:
        by_dimension.setdefault(row.dimension, []).append(row)
    return [
        Breakdown(
            dimension,
            sorted(
                by_dimension.get(dimension.key, []),
                key=lambda row, key=dimension.key: _row_order(key, row),
            ),
        )
        for dimension in dimensions
    ]
