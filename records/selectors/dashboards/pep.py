"""The PEP dashboard and the home page's PEP items: which looked-after children in view have
an in-date plan, which completed this term's, how the term's plans were rated, and whose next
plan is due soon.

The due date is `records.codes.pep.pep_due`'s, the one place the timeliness rules are applied
(`selectors.pep.pep_next_due` for one child). Applying it per child in Python would read every
child's episodes and plans; instead `due_thresholds` asks `pep_due` itself, for a day, the
latest care entry (by the 10 and the 20 working-day rules) and the latest completed meeting
(by the termly rule) whose due date is on or before that day: every rule's due date only grows
with the date it counts from, so "due by the day" is one comparison of dates, written in SQL
by `due_by_sql`. A test holds the SQL equal to `pep_next_due` on many generated children
(tests/records/test_pep_dashboard.py), as records/spans.py's test does for "open on a day".

Counted (one SQL statement, like the other dashboards): the children in view (scope.py) who
are looked after on the period's as-at day (the end of the period, or today), their care period
entered as `selectors.pep.care_entered` reads it (touching looked-after episodes are one).
- In date: their next PEP is not due before the as-at day.
- Completed this term: a plan of the term (the period's term; for a year or dates, the term of
  the as-at day) is complete.
- QA ratings: the rating of the term's latest plan once submitted (submitted, returned,
  QA-rated or complete), or "not rated".
- The PP+ position: `records.selectors.ppplus.ppplus_totals_sql` (the SQL of `ppplus_position`)
  over the same children in view, for the financial year of the as-at day, in the same
  statement: it reads the statement's `scope` CTE, so the view is computed once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import connection
from django.http import Http404

from records.attendance import percent
from records.calendar import TERM_ORDER, academic_year_of, term_bounds, term_label, term_of
from records.codes import Cohort
from records.codes.pep import pep_due
from records.codes.ppplus import financial_year_label, financial_year_of
from records.models import Child, LegalStatusEpisode, Pep, School
from records.models.pep import PepStatus, QaRating
from records.permissions import UserLike
from records.selectors.dashboards.options import names_for
from records.selectors.dashboards.scope import (
    Breakdown,
    BreakdownRow,
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
from records.selectors.ppplus import ppplus_figures_of, ppplus_totals_sql

# Which children a figure stands for, for drill-down links (?show=).
SHOW_ALL = "all"
SHOW_IN_DATE = "in_date"
SHOW_OVERDUE = "overdue"
SHOW_DUE_SOON = "due_soon"  # overdue or due within DUE_SOON_DAYS of the as-at day
SHOW_COMPLETED = "completed"
SHOW_NOT_COMPLETED = "not_completed"
SHOW_AWAITING_QA = "awaiting_qa"  # a plan (of any term) submitted, not yet rated or returned
SHOW_QA = {rating.value: f"qa_{rating.value}" for rating in QaRating}
SHOW_NOT_RATED = "qa_none"
SHOWS = (
    SHOW_ALL,
    SHOW_IN_DATE,
    SHOW_OVERDUE,
    SHOW_DUE_SOON,
    SHOW_COMPLETED,
    SHOW_NOT_COMPLETED,
    SHOW_AWAITING_QA,
    *SHOW_QA.values(),
    SHOW_NOT_RATED,
)
# The home page's "due in the next 14 days" (issue 15).
DUE_SOON_DAYS = 14
# Plans that have reached QA: a rating, or its absence, is counted for these.
QA_STATUSES = (PepStatus.SUBMITTED, PepStatus.RETURNED, PepStatus.QA_RATED, PepStatus.COMPLETE)


@dataclass(frozen=True)
class DueThresholds:
    """For a day: a child's next PEP is due on or before it when, with a completed plan in this
    care period, its latest meeting is on or before `termly`; else, with a plan started, they
    entered care on or before `first_review`; else on or before `initiated`."""

    day: date
    initiated: date
    first_review: date
    termly: date


def _latest_entry(day: date, *, started: bool) -> date:
    entered = day - timedelta(days=10)
    while pep_due(entered_care=entered, started=started, latest_meeting=None).due > day:
        entered -= timedelta(days=1)
    return entered


def _latest_meeting(day: date) -> date:
    year, term = academic_year_of(day), term_of(day)
    while True:
        start, end = term_bounds(year, term)
        if pep_due(entered_care=start, started=True, latest_meeting=start).due <= day:
            return end
        index = TERM_ORDER.index(term)
        year, term = (year - 1, TERM_ORDER[-1]) if index == 0 else (year, TERM_ORDER[index - 1])


def due_thresholds(day: date) -> DueThresholds:
    """The latest dates that make a next PEP due on or before `day`, found by `pep_due`."""
    return DueThresholds(
        day=day,
        initiated=_latest_entry(day, started=False),
        first_review=_latest_entry(day, started=True),
        termly=_latest_meeting(day),
    )


def due_by_sql(thresholds: DueThresholds, alias: str = "p") -> tuple[str, list[Any]]:
    """SQL true when a `per_child` row's next PEP is due on or before `thresholds.day`."""
    return (
        f"CASE WHEN {alias}.latest_meeting IS NOT NULL THEN {alias}.latest_meeting <= %s"
        f" WHEN {alias}.started THEN {alias}.entered <= %s ELSE {alias}.entered <= %s END",
        [thresholds.termly, thresholds.first_review, thresholds.initiated],
    )


def pep_term(scope: Scope) -> tuple[int, str]:
    """The term whose plans "completed this term" and the QA ratings count."""
    period = scope.period
    if period.term:
        return period.academic_year, period.term
    return academic_year_of(period.as_at), str(term_of(period.as_at))


def per_child_sql(
    *, user: UserLike, scope: Scope, also: tuple[str, ...] = ()
) -> tuple[str, list[Any]]:
    """CTEs `scope` and `per_child`: each child in view looked after on the as-at day, with
    their dimensions, `entered` (the day their care period began), `started` (a plan created
    in it), `latest_meeting` (of its latest completed plan), `awaiting_qa` (a plan submitted and
    not yet rated or returned), `overdue` (next PEP due before the
    as-at day), `due_soon` (due within DUE_SOON_DAYS of it), and the term's latest plan's
    `status` and `qa_rating` (NULL when none)."""
    as_at = scope.period.as_at
    scope_sql, params = scope_children_sql(user=user, scope=scope, also=also)
    columns = dimension_columns(scope.dimensions(*also))
    year, term = pep_term(scope)
    overdue, overdue_params = due_by_sql(due_thresholds(as_at - timedelta(days=1)), "c")
    soon, soon_params = due_by_sql(due_thresholds(as_at + timedelta(days=DUE_SOON_DAYS)), "c")
    params = [
        *params,
        # care
        Cohort.CLA.value,
        as_at,
        as_at,
        # plans
        as_at,
        PepStatus.COMPLETE.value,
        as_at,
        PepStatus.SUBMITTED.value,
        as_at,
        settings.TIME_ZONE,
        # term_plans
        settings.TIME_ZONE,
        as_at,
        year,
        term,
        # per_child
        *overdue_params,
        *soon_params,
    ]
    sql = f"""
        scope AS MATERIALIZED ({scope_sql}),
        care AS MATERIALIZED (
            -- selectors.pep.care_entered in SQL: the latest looked-after episode started by
            -- the as-at day must be open on it; earlier episodes ending at most a day before
            -- the next begins are the same care period, so the period was entered at the
            -- latest start that follows a break. A child's looked-after episodes never overlap
            -- (the episode_no_overlap_in_cohort constraint), so the latest is open on the day
            -- exactly when one of them is: one sort of the episodes, then one group a child.
            SELECT child_id, max(start_date) FILTER (WHERE breaks) AS entered
            FROM (
                SELECT e.child_id, e.start_date, e.end_date,
                    coalesce(
                        e.start_date - lag(e.end_date) OVER (
                            PARTITION BY e.child_id ORDER BY e.start_date
                        ) > 1,
                        true
                    ) AS breaks
                FROM {table_name(LegalStatusEpisode)} e
                JOIN scope ON scope.child_id = e.child_id
                WHERE e.cohort = %s AND e.start_date <= %s
            ) episodes
            GROUP BY child_id
            HAVING bool_or(end_date IS NULL OR end_date >= %s)
        ),
        plans AS MATERIALIZED (
            -- Each child's plans read once, together (not a lookup per child per figure):
            -- a plan created in this care period by the as-at day (`started`), the latest
            -- completed meeting of one created in it, and a plan submitted by the as-at day
            -- and not yet rated or returned.
            SELECT pl.child_id,
                bool_or(d.created BETWEEN care.entered AND %s) AS started,
                max(pl.meeting_date) FILTER (
                    WHERE d.created >= care.entered AND pl.status = %s
                    AND pl.meeting_date BETWEEN care.entered AND %s
                ) AS latest_meeting,
                bool_or(pl.status = %s AND d.created <= %s) AS awaiting_qa
            FROM care JOIN {table_name(Pep)} pl ON pl.child_id = care.child_id
            CROSS JOIN LATERAL (
                SELECT (pl.created_at AT TIME ZONE %s)::date AS created
            ) d
            GROUP BY pl.child_id
        ),
        term_plans AS MATERIALIZED (
            -- The term's latest plan created by the as-at day, a child.
            SELECT DISTINCT ON (pl.child_id) pl.child_id, pl.status, pl.qa_rating
            FROM {table_name(Pep)} pl JOIN care ON care.child_id = pl.child_id
            WHERE (pl.created_at AT TIME ZONE %s)::date <= %s
                AND pl.academic_year = %s AND pl.term = %s
            ORDER BY pl.child_id, pl.created_at DESC, pl.id DESC
        ),
        per_child_care AS MATERIALIZED (
            SELECT {columns}, care.entered, coalesce(plans.started, false) AS started,
                plans.latest_meeting, coalesce(plans.awaiting_qa, false) AS awaiting_qa,
                term_plans.status, nullif(term_plans.qa_rating, '') AS qa_rating
            FROM scope JOIN care ON care.child_id = scope.child_id
            LEFT JOIN plans ON plans.child_id = scope.child_id
            LEFT JOIN term_plans ON term_plans.child_id = scope.child_id
        ),
        per_child AS MATERIALIZED (
            SELECT c.*, ({overdue}) AS overdue, ({soon}) AS due_soon FROM per_child_care c
        )
    """  # noqa: S608 - identifiers from model metadata; every value is a parameter
    return sql, params


@dataclass(frozen=True)
class PepFigures(BreakdownRow):
    """The PEP figures of a group of children in view looked after on the as-at day."""

    dimension: str
    value: Any
    label: str
    children: int
    in_date: int
    overdue: int
    completed: int
    awaiting_qa: int
    red: int
    amber: int
    green: int
    not_rated: int

    @property
    def in_date_pct(self) -> Decimal | None:
        return percent(self.in_date, self.children)

    @property
    def completed_pct(self) -> Decimal | None:
        return percent(self.completed, self.children)

    @property
    def not_completed(self) -> int:
        return self.children - self.completed

    @property
    def ratings(self) -> list[tuple[str, str, int]]:
        """(label, drill-down `show`, count) for red, amber, green and not rated."""
        return [
            *(
                (rating.label, SHOW_QA[rating.value], getattr(self, rating.value))
                for rating in QaRating
            ),
            ("Not rated", SHOW_NOT_RATED, self.not_rated),
        ]


@dataclass(frozen=True)
class PepDashboard:
    scope: Scope
    term: tuple[int, str]
    overall: PepFigures
    breakdowns: list[Breakdown[PepFigures]]
    # The Pupil Premium Plus position of the same children, for `pp_plus_year`'s financial
    # year (records.selectors.ppplus).
    pp_plus: Any = None
    pp_plus_year: str = ""

    @property
    def min_children(self) -> int:
        return min_children()

    @property
    def term_label(self) -> str:
        year, term = self.term
        return f"{term_label(year, term)} term"


def _figures_sql() -> str:
    qa = ", ".join(f"'{status}'" for status in QA_STATUSES)
    ratings = ", ".join(
        f"count(*) FILTER (WHERE status IN ({qa}) AND qa_rating = '{rating.value}')"
        f" AS {rating.value}"
        for rating in QaRating
    )
    return f"""
        count(*) AS children,
        count(*) FILTER (WHERE NOT overdue) AS in_date,
        count(*) FILTER (WHERE overdue) AS overdue,
        count(*) FILTER (WHERE status = '{PepStatus.COMPLETE.value}') AS completed,
        count(*) FILTER (WHERE awaiting_qa) AS awaiting_qa,
        {ratings},
        count(*) FILTER (WHERE status IN ({qa}) AND qa_rating IS NULL) AS not_rated
    """  # noqa: S608 - values from this module's choices, not input


def pep_dashboard_sql(*, user: UserLike, scope: Scope) -> tuple[str, list[Any]]:
    """The one statement behind the dashboard: a JSON array of the whole view's figures and
    each breakdown row's, then the PP+ position's columns (`ppplus_totals_sql`) over the
    same children in view, read from the statement's own `scope` CTE: the view is computed
    once for both. Exposed for the query-count tests."""
    per_child, params = per_child_sql(user=user, scope=scope)
    leading, group_by = grouping_sql(scope.breakdown_dimensions)
    pp_plus, pp_plus_params = ppplus_totals_sql(
        children_sql="SELECT child_id FROM scope",
        children_params=[],
        year=financial_year_of(scope.period.as_at),
    )
    sql = f"""
        WITH {per_child},
        groups AS (SELECT {leading}, {_figures_sql()} FROM per_child {group_by}),
        pp_plus AS ({pp_plus})
        SELECT (SELECT coalesce(json_agg(groups), '[]') FROM groups), pp_plus.*
        FROM pp_plus
    """  # noqa: S608 - identifiers from model metadata; every value is a parameter
    return sql, [*params, *pp_plus_params]


_FIGURES = (
    "children",
    "in_date",
    "overdue",
    "completed",
    "awaiting_qa",
    "red",
    "amber",
    "green",
    "not_rated",
)


def pep_dashboard(*, user: UserLike, scope: Scope) -> PepDashboard:
    """Everything the PEP dashboard shows for `scope`, as `user` may see it, in three queries
    (the statement, with the PP+ position, then school and caseworker names), whatever the
    cohort's size."""
    sql, params = pep_dashboard_sql(user=user, scope=scope)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        groups_json, *pp_plus = cursor.fetchone()
    groups = decoded_json(groups_json)
    for row in groups:
        row["value"] = dimension_value(row["dimension"], row["value"])
    names = names_for(
        school_ids=[row["value"] for row in groups if row["dimension"] == "school"],
        caseworker_ids=[row["value"] for row in groups if row["dimension"] == "caseworker"],
    )
    rows = [
        PepFigures(
            dimension=row["dimension"],
            value=row["value"],
            label=(
                "All children in view"
                if row["dimension"] == "all"
                else dimension_value_label(row["dimension"], row["value"], names)
            ),
            **{name: row[name] for name in _FIGURES},
        )
        for row in groups
    ]
    overall = next((row for row in rows if row.dimension == "all"), None)
    if overall is None:
        overall = PepFigures("all", None, "All children in view", *([0] * len(_FIGURES)))
    financial_year = financial_year_of(scope.period.as_at)
    return PepDashboard(
        scope=scope,
        term=pep_term(scope),
        overall=overall,
        breakdowns=breakdowns_of(rows, scope.breakdown_dimensions),
        pp_plus=ppplus_figures_of(pp_plus),
        pp_plus_year=financial_year_label(financial_year),
    )


@dataclass(frozen=True)
class ChildPep:
    """One child behind a figure: who, where, when they entered care, and their plans."""

    child_id: Any
    name: str
    cohort: str
    school: str
    entered: date
    latest_meeting: date | None
    overdue: bool
    status: str  # the term's latest plan's status, '' when none
    qa_rating: str


DRILL_DOWN_LIMIT = 500


def _show_condition(show: str) -> str:
    qa = ", ".join(f"'{status}'" for status in QA_STATUSES)
    conditions = {
        SHOW_ALL: "true",
        SHOW_IN_DATE: "NOT p.overdue",
        SHOW_OVERDUE: "p.overdue",
        SHOW_DUE_SOON: "p.due_soon",
        SHOW_COMPLETED: f"p.status = '{PepStatus.COMPLETE.value}'",
        SHOW_NOT_COMPLETED: f"p.status IS DISTINCT FROM '{PepStatus.COMPLETE.value}'",
        SHOW_AWAITING_QA: "p.awaiting_qa",
        SHOW_NOT_RATED: f"p.status IN ({qa}) AND p.qa_rating IS NULL",
        **{
            show: f"p.status IN ({qa}) AND p.qa_rating = '{rating}'"
            for rating, show in SHOW_QA.items()
        },
    }
    return conditions[show]


def pep_children(
    *, user: UserLike, scope: Scope, show: str = SHOW_ALL, limit: int = DRILL_DOWN_LIMIT
) -> tuple[int, list[ChildPep]]:
    """The children behind a figure of the dashboard for `scope` (`show`, one of SHOWS), how
    many there are and the first `limit` (overdue first, then by name), in one query."""
    if show not in SHOWS:
        raise Http404("No such list")
    per_child, params = per_child_sql(user=user, scope=scope, also=("school",))
    sql = f"""
        WITH {per_child}
        SELECT count(*) OVER () AS total, p.child_id, c.first_name, c.last_name, p.cohort,
            coalesce(sc.name, ''), p.entered, p.latest_meeting, p.overdue,
            coalesce(p.status, ''), coalesce(p.qa_rating, '')
        FROM per_child p JOIN {table_name(Child)} c ON c.id = p.child_id
        LEFT JOIN {table_name(School)} sc ON sc.id = p.school_id
        WHERE {_show_condition(show)}
        ORDER BY p.overdue DESC, c.last_name, c.first_name, c.id
        LIMIT %s
    """  # noqa: S608 - identifiers from model metadata; every value is a parameter
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, limit])
        rows = cursor.fetchall()
    total = rows[0][0] if rows else 0
    return total, [
        ChildPep(
            child_id=child_id,
            name=f"{first} {last}",
            cohort=cohort,
            school=school,
            entered=entered,
            latest_meeting=latest,
            overdue=overdue,
            status=status,
            qa_rating=rating,
        )
        for _, child_id, first, last, cohort, school, entered, latest, overdue, status, rating in (
            rows
        )
    ]


@dataclass(frozen=True)
class PepTodo:
    """The home page's PEP items: how many children in view are overdue or due within
    DUE_SOON_DAYS (SHOW_DUE_SOON), and how many have a plan waiting for QA (SHOW_AWAITING_QA),
    each with one of its children (the child itself when there is exactly one)."""

    due_soon: int
    due_soon_child: Any
    awaiting_qa: int
    awaiting_qa_child: Any


def pep_todo(*, user: UserLike, scope: Scope) -> PepTodo:
    """Both PEP counts of the home page in one statement, with the drill-down lists' own
    conditions (`pep_children` with SHOW_DUE_SOON and SHOW_AWAITING_QA lists exactly the
    children counted here), without reading names or schools for a list not shown."""
    per_child, params = per_child_sql(user=user, scope=scope)
    due, qa = _show_condition(SHOW_DUE_SOON), _show_condition(SHOW_AWAITING_QA)
    sql = f"""
        WITH {per_child}
        SELECT count(*) FILTER (WHERE {due}), (array_agg(p.child_id) FILTER (WHERE {due}))[1],
            count(*) FILTER (WHERE {qa}), (array_agg(p.child_id) FILTER (WHERE {qa}))[1]
        FROM per_child p
    """  # noqa: S608 - identifiers from model metadata; every value is a parameter
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        due_soon, due_soon_child, awaiting_qa, awaiting_qa_child = cursor.fetchone()
    return PepTodo(due_soon, due_soon_child, awaiting_qa, awaiting_qa_child)
