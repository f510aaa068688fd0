"""The attainment dashboard: one academic year's results of the children in view, as the DfE's
headline measures, overall and broken down by every dimension of scope.py.

Figures, each with the children it rests on (its denominator):

- phonics: children with a year 1 phonics check result that year; met the expected standard;
- KS2 reading, writing, maths and RWM: children with a KS2 reading, writing or maths result
  that year (the KS2 cohort, one denominator for all four); met the expected standard in the
  subject (RWM: in all three). A missing subject, or a result that judges nothing (absent,
  left, unable to access ...), counts as not met, as in the DfE's headline measures
  (records.codes.assessment.meets_expected_standard);
- KS4 Attainment 8: the average score, to one decimal place, of children with a score;
- KS4 English and maths 4+ and 5+: children with any GCSE result that year; met when they have
  the grade in an English and in a maths GCSE (records.codes.assessment.gcse_english_and_maths).

Every standard is judged by records/codes/assessment.py, where each rule is written once: one
query reads the year's results of the children in view (scope.scope_children_sql, joined to
AssessmentResult), with the number of children in view without a result counted in SQL, and
Python judges each child's results and counts them per group. The drill-down reads
the same rows and judges them with the same function, so a figure and the list behind it
cannot disagree. Results belong to an academic year, so the scope's period is always the whole
year (`attainment_scope`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import connection
from django.db.models import Max

from records.attendance import percent
from records.codes.assessment import (
    GCSE_STANDARD_PASS,
    GCSE_STRONG_PASS,
    RWM_MEASURES,
    Measure,
    gcse_english_and_maths,
    is_english_subject,
    is_maths_subject,
    meets_expected_standard,
    numeric_result,
    result_label,
)
from records.codes.benchmarks import Benchmark, benchmarks_for
from records.models import AssessmentResult, Child, School
from records.permissions import UserLike
from records.selectors.children import children_visible_to
from records.selectors.dashboards.options import names_for
from records.selectors.dashboards.scope import (
    Breakdown,
    BreakdownRow,
    Dimension,
    Period,
    Scope,
    breakdowns_of,
    dimension_value_label,
    min_children,
    scope_children_sql,
    table_name,
)

PHONICS = "phonics"
KS2_RWM = "ks2_rwm"
KS2_READING = "ks2_reading"
KS2_WRITING = "ks2_writing"
KS2_MATHS = "ks2_maths"
KS4_A8 = "ks4_a8"
KS4_EM4 = "ks4_em4"
KS4_EM5 = "ks4_em5"


@dataclass(frozen=True)
class FigureSpec:
    """One figure of the dashboard: its key (for drill-down links), how it is named, the
    national benchmark measure beside it (records/codes/national_benchmarks.csv; "" for none),
    the measures it is counted from, and whether it is an average score rather than a
    percentage of children."""

    key: str
    label: str
    short_label: str
    stage: str
    measures: tuple[Measure, ...]
    benchmark: str = ""
    average: bool = False


FIGURES: tuple[FigureSpec, ...] = (
    FigureSpec(
        PHONICS,
        "Year 1 phonics screening check: met the expected standard",
        "Phonics",
        "Phonics screening check",
        (Measure.PHONICS_Y1,),
    ),
    FigureSpec(
        KS2_RWM,
        "Key stage 2: expected standard in reading, writing and maths",
        "Reading, writing and maths",
        "Key stage 2",
        RWM_MEASURES,
        "ks2_rwm_pct",
    ),
    FigureSpec(
        KS2_READING,
        "Key stage 2 reading: expected standard",
        "Reading",
        "Key stage 2",
        RWM_MEASURES,
        "ks2_reading_pct",
    ),
    FigureSpec(
        KS2_WRITING,
        "Key stage 2 writing: expected standard",
        "Writing",
        "Key stage 2",
        RWM_MEASURES,
        "ks2_writing_pct",
    ),
    FigureSpec(
        KS2_MATHS,
        "Key stage 2 maths: expected standard",
        "Maths",
        "Key stage 2",
        RWM_MEASURES,
        "ks2_maths_pct",
    ),
    FigureSpec(
        KS4_A8,
        "Key stage 4: average Attainment 8 score",
        "Attainment 8",
        "Key stage 4",
        (Measure.KS4_ATTAINMENT_8,),
        "ks4_attainment8",
        average=True,
    ),
    FigureSpec(
        KS4_EM4,
        "Key stage 4: grade 4 or above in English and maths",
        "English and maths 4+",
        "Key stage 4",
        (Measure.KS4_GCSE,),
        "ks4_english_maths_4_pct",
    ),
    FigureSpec(
        KS4_EM5,
        "Key stage 4: grade 5 or above in English and maths",
        "English and maths 5+",
        "Key stage 4",
        (Measure.KS4_GCSE,),
    ),
)
FIGURE_BY_KEY = {spec.key: spec for spec in FIGURES}
BENCHMARK_MEASURES: tuple[str, ...] = tuple(spec.benchmark for spec in FIGURES if spec.benchmark)
MEASURES_READ: tuple[Measure, ...] = (
    Measure.PHONICS_Y1,
    *RWM_MEASURES,
    Measure.KS4_ATTAINMENT_8,
    Measure.KS4_GCSE,
)
KS2_SUBJECTS = {
    KS2_READING: Measure.KS2_READING,
    KS2_WRITING: Measure.KS2_WRITING,
    KS2_MATHS: Measure.KS2_MATHS,
}
KS2_SUBJECT_NAMES = {
    Measure.KS2_READING: "Reading",
    Measure.KS2_WRITING: "Writing",
    Measure.KS2_MATHS: "Maths",
}
ONE_DECIMAL = Decimal("0.1")


# --- One child's results and what they count for ---------------------------------------------


@dataclass
class ChildResults:
    """One child's results of the year, for the measures the dashboard reads."""

    phonics: str | None = None
    ks2: dict[str, str] = field(default_factory=dict)
    attainment_8: str | None = None
    gcses: list[tuple[str, str]] = field(default_factory=list)

    def add(self, measure: str, subject: str, result: str) -> None:
        if measure == Measure.PHONICS_Y1:
            self.phonics = result
        elif measure in RWM_MEASURES:
            self.ks2[measure] = result
        elif measure == Measure.KS4_ATTAINMENT_8:
            self.attainment_8 = result
        elif measure == Measure.KS4_GCSE:
            self.gcses.append((subject, result))


@dataclass(frozen=True)
class Outcome:
    """How a child counts in one figure: `met` (None for an average), whether their result
    made a judgement (False: counted as not met because it judges nothing or is missing), and
    their score for an average."""

    met: bool | None
    judged: bool = True
    score: Decimal | None = None


def _expected(measure: str, result: str | None) -> Outcome:
    judgement = None if result is None else meets_expected_standard(measure, result)
    return Outcome(met=judgement is True, judged=judgement is not None)


def child_outcomes(results: ChildResults) -> dict[str, Outcome]:
    """The figures a child counts in, and how: the one place the dashboard's denominators are
    decided; each standard is judged by records/codes/assessment.py."""
    outcomes: dict[str, Outcome] = {}
    if results.phonics is not None:
        outcomes[PHONICS] = _expected(Measure.PHONICS_Y1, results.phonics)
    if results.ks2:
        subjects = {
            key: _expected(measure, results.ks2.get(measure))
            for key, measure in KS2_SUBJECTS.items()
        }
        outcomes[KS2_RWM] = Outcome(
            met=all(outcome.met for outcome in subjects.values()),
            judged=all(outcome.judged for outcome in subjects.values()),
        )
        outcomes.update(subjects)
    if results.attainment_8 is not None:
        score = numeric_result(Measure.KS4_ATTAINMENT_8, results.attainment_8)
        if score is not None:
            outcomes[KS4_A8] = Outcome(met=None, score=score)
    if results.gcses:
        outcomes[KS4_EM4] = Outcome(gcse_english_and_maths(results.gcses, GCSE_STANDARD_PASS))
        outcomes[KS4_EM5] = Outcome(gcse_english_and_maths(results.gcses, GCSE_STRONG_PASS))
    return outcomes


def _label(measure: str, result: str | None) -> str:
    return "No result recorded" if result is None else result_label(measure, result)


def result_summary(key: str, results: ChildResults) -> str:
    """The results behind a child's place in a figure, as the drill-down list shows them."""
    if key == PHONICS:
        return _label(Measure.PHONICS_Y1, results.phonics)
    if key in KS2_SUBJECTS:
        measure = KS2_SUBJECTS[key]
        return _label(measure, results.ks2.get(measure))
    if key == KS2_RWM:
        return "; ".join(
            f"{KS2_SUBJECT_NAMES[measure]}: {_label(measure, results.ks2.get(measure))}"
            for measure in RWM_MEASURES
        )
    if key == KS4_A8:
        return _label(Measure.KS4_ATTAINMENT_8, results.attainment_8)
    english = sorted(item for item in results.gcses if is_english_subject(item[0]))
    maths = sorted(item for item in results.gcses if is_maths_subject(item[0]))
    shown = ", ".join(f"{subject}: {result}" for subject, result in (*english, *maths))
    return shown or "No English or maths GCSE recorded"


# --- The dashboard ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    """One figure for one group of children. `children` is its denominator; `value` the
    percentage of them who met it (or, for an average, their average score), to one decimal
    place, None when no child counts. `not_judged`: of those who did not meet it, how many had
    a result that judges nothing (absent, left ...) or no result in the subject."""

    key: str
    label: str
    short_label: str
    average: bool
    children: int
    met: int | None
    not_judged: int
    value: Decimal | None
    benchmarks: tuple[Benchmark, ...] = ()

    @property
    def not_met(self) -> int | None:
        return None if self.met is None else self.children - self.met

    @property
    def small(self) -> bool:
        """Rests on fewer children than DASHBOARD_MIN_CHILDREN: shown, but marked."""
        return self.children < min_children()


@dataclass(frozen=True)
class GroupAttainment(BreakdownRow):
    """The figures of a group of children (the whole view, or one row of a breakdown)."""

    dimension: str  # "all" or a Dimension key
    value: Any  # the dimension's value for this row (None for "all" or "not recorded")
    label: str
    children: int  # children in view in the group, with results or not
    with_results: int  # of those, children counted in at least one figure
    figures: dict[str, Figure]  # by figure key, in FIGURES order

    @property
    def figure_list(self) -> list[Figure]:
        return list(self.figures.values())


@dataclass(frozen=True)
class AttainmentDashboard:
    scope: Scope
    overall: GroupAttainment
    breakdowns: list[Breakdown[GroupAttainment]]
    benchmarks: dict[str, tuple[Benchmark, ...]]  # by benchmark measure (BENCHMARK_MEASURES)

    @property
    def academic_year(self) -> int:
        return self.scope.period.academic_year

    @property
    def by_dimension(self) -> dict[str, Breakdown[GroupAttainment]]:
        return {breakdown.dimension.key: breakdown for breakdown in self.breakdowns}

    @property
    def min_children(self) -> int:
        return min_children()


@dataclass
class _Tally:
    children: int = 0
    met: int = 0
    not_judged: int = 0
    total: Decimal = Decimal(0)

    def add(self, outcome: Outcome) -> None:
        self.children += 1
        if outcome.met:
            self.met += 1
        elif not outcome.judged:
            self.not_judged += 1
        if outcome.score is not None:
            self.total += outcome.score


@dataclass
class _Group:
    children: int = 0
    with_results: int = 0
    tallies: dict[str, _Tally] = field(
        default_factory=lambda: {key: _Tally() for key in FIGURE_BY_KEY}
    )

    def add(self, outcomes: dict[str, Outcome]) -> None:
        self.children += 1
        if outcomes:
            self.with_results += 1
        for key, outcome in outcomes.items():
            self.tallies[key].add(outcome)


def attainment_scope(scope: Scope) -> Scope:
    """The scope attainment is counted in: the whole academic year of the scope's period
    (results belong to a year, not a term), with the scope's filters."""
    year = Period.year(scope.period.academic_year)
    return scope if scope.period == year else replace(scope, period=year)


def _measure_values(measures: tuple[Measure, ...]) -> list[str]:
    return [str(measure.value) for measure in measures]


def attainment_dashboard_sql(*, user: UserLike, scope: Scope) -> tuple[str, list[Any]]:
    """The one statement behind the dashboard: a row per result of the year of a child in
    view, with the child's breakdown values and `children` 1; then, with a NULL child, the
    number of children in view without a result of the year, by breakdown values (they count
    in a group's children and in no figure, so Python need not see them one by one). Exposed
    for the query-count tests."""
    scope = attainment_scope(scope)
    scope_sql, scope_params = scope_children_sql(user=user, scope=scope)
    values = "".join(f"s.{dimension.column}, " for dimension in scope.breakdown_dimensions)
    group_by = f"GROUP BY {values.rstrip(', ')}" if values else ""
    of_the_year = "r.academic_year = %s AND r.measure = ANY(%s::text[])"
    sql = f"""
        WITH scope AS MATERIALIZED ({scope_sql})
        SELECT s.child_id, {values}r.measure, r.subject, r.result, 1 AS children
        FROM scope s
        JOIN {table_name(AssessmentResult)} r ON r.child_id = s.child_id AND {of_the_year}
        UNION ALL
        SELECT NULL, {values}NULL, NULL, NULL, count(*)::integer
        FROM scope s
        WHERE NOT EXISTS (
            SELECT 1 FROM {table_name(AssessmentResult)} r
            WHERE r.child_id = s.child_id AND {of_the_year}
        )
        {group_by}
    """  # noqa: S608 - identifiers from model metadata and DIMENSIONS; values are parameters
    year = [scope.period.academic_year, _measure_values(MEASURES_READ)]
    return sql, [*scope_params, *year, *year]


def _figure(spec: FigureSpec, tally: _Tally, benchmarks: dict[str, tuple]) -> Figure:
    if spec.average:
        value = (
            (tally.total / tally.children).quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)
            if tally.children
            else None
        )
        met = None
    else:
        value, met = percent(tally.met, tally.children), tally.met
    return Figure(
        key=spec.key,
        label=spec.label,
        short_label=spec.short_label,
        average=spec.average,
        children=tally.children,
        met=met,
        not_judged=tally.not_judged,
        value=value,
        benchmarks=benchmarks.get(spec.benchmark, ()),
    )


def _count(rows: list[tuple], dimensions: tuple[Dimension, ...]) -> dict[tuple[str, Any], _Group]:
    """Each group's tallies from the statement's rows: the whole view, and each value of each
    of `dimensions` (the breakdowns, whose values the rows carry in that order)."""
    groups: defaultdict[tuple[str, Any], _Group] = defaultdict(_Group)
    groups[("all", None)] = _Group()

    def groups_of(values: tuple) -> list[_Group]:
        keys = [("all", None), *((d.key, v) for d, v in zip(dimensions, values, strict=True))]
        return [groups[key] for key in keys]

    children: dict[Any, tuple[tuple, ChildResults]] = {}
    for child_id, *rest in rows:
        values = tuple(rest[: len(dimensions)])
        measure, subject, result, count = rest[len(dimensions) :]
        if child_id is None:  # children in view without a result, counted in SQL
            for group in groups_of(values):
                group.children += count
            continue
        if child_id not in children:
            children[child_id] = (values, ChildResults())
        children[child_id][1].add(measure, subject, result)
    for values, results in children.values():
        outcomes = child_outcomes(results)
        for group in groups_of(values):
            group.add(outcomes)
    return groups


def attainment_dashboard(*, user: UserLike, scope: Scope) -> AttainmentDashboard:
    """Everything the attainment dashboard shows for the academic year of `scope`, as `user`
    may see it, in at most three queries (the statement, then school and caseworker names),
    whatever the number of children. Breakdown rows are the groups with at least one child
    counted in a figure."""
    scope = attainment_scope(scope)
    sql, params = attainment_dashboard_sql(user=user, scope=scope)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        groups = _count(cursor.fetchall(), scope.breakdown_dimensions)
    shown = {key: group for key, group in groups.items() if key[0] != "all" and group.with_results}
    names = names_for(
        school_ids=[value for dimension, value in shown if dimension == "school"],
        caseworker_ids=[value for dimension, value in shown if dimension == "caseworker"],
    )
    benchmarks = {measure: benchmarks_for(measure) for measure in BENCHMARK_MEASURES}

    def group(dimension: str, value: Any, counted: _Group) -> GroupAttainment:
        return GroupAttainment(
            dimension=dimension,
            value=value,
            label=(
                "All children in view"
                if dimension == "all"
                else dimension_value_label(dimension, value, names)
            ),
            children=counted.children,
            with_results=counted.with_results,
            figures={
                spec.key: _figure(spec, counted.tallies[spec.key], benchmarks) for spec in FIGURES
            },
        )

    breakdowns = breakdowns_of(
        (group(key, value, counted) for (key, value), counted in shown.items()),
        scope.breakdown_dimensions,
    )
    return AttainmentDashboard(
        scope=scope,
        overall=group("all", None, groups[("all", None)]),
        breakdowns=breakdowns,
        benchmarks=benchmarks,
    )


def latest_results_year(*, user: UserLike) -> int | None:
    """The newest academic year with a result the dashboard counts (phonics, KS2 reading,
    writing or maths, Attainment 8, a GCSE) for a child `user` may see, in one query; None
    when there is none. The dashboard opens on it: "the latest results"."""
    return AssessmentResult.objects.filter(
        child__in=children_visible_to(user).values("pk"), measure__in=MEASURES_READ
    ).aggregate(year=Max("academic_year"))["year"]


# --- The children behind a figure -------------------------------------------------------------


@dataclass(frozen=True)
class ChildAttainment:
    """One child behind a figure: who, where, whether they met it (None for an average), their
    score (Attainment 8 only) and their results in words."""

    child_id: Any
    name: str
    cohort: str
    school: str
    met: bool | None
    score: Decimal | None
    summary: str


def attainment_children(
    *, user: UserLike, scope: Scope, figure: str, met: bool | None = None
) -> list[ChildAttainment]:
    """The children counted in a figure of the dashboard for `scope` (a breakdown row's
    filter is part of the scope), all of them or only those who met it (`met=True`) or did
    not (`met=False`), by name, in one query. Visibility and the rules are the dashboard's own.

    ValueError for an unknown figure, or `met` given for an average (Attainment 8)."""
    spec = FIGURE_BY_KEY.get(figure)
    if spec is None:
        raise ValueError(f"Unknown attainment figure {figure!r}")
    if spec.average and met is not None:
        raise ValueError(f"{spec.label} is an average: no child meets or misses it")
    scope = attainment_scope(scope)
    scope_sql, scope_params = scope_children_sql(user=user, scope=scope, also=("school",))
    sql = f"""
        WITH scope AS MATERIALIZED ({scope_sql})
        SELECT s.child_id, c.first_name, c.last_name, s.cohort, coalesce(sc.name, ''),
            r.measure, r.subject, r.result
        FROM scope s
        JOIN {table_name(AssessmentResult)} r ON r.child_id = s.child_id
            AND r.academic_year = %s AND r.measure = ANY(%s::text[])
        JOIN {table_name(Child)} c ON c.id = s.child_id
        LEFT JOIN {table_name(School)} sc ON sc.id = s.school_id
        ORDER BY c.last_name, c.first_name, s.child_id
    """  # noqa: S608 - identifiers from model metadata; every value is a parameter
    params = [*scope_params, scope.period.academic_year, _measure_values(spec.measures)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    children: dict[Any, tuple[tuple[str, str, str, str], ChildResults]] = {}
    for child_id, first, last, cohort, school, measure, subject, result in rows:
        _, results = children.setdefault(child_id, ((first, last, cohort, school), ChildResults()))
        results.add(measure, subject, result)
    found = []
    for child_id, ((first, last, cohort, school), results) in children.items():
        outcome = child_outcomes(results).get(figure)
        if outcome is None or (met is not None and outcome.met is not met):
            continue
        found.append(
            ChildAttainment(
                child_id=child_id,
                name=f"{first} {last}",
                cohort=cohort,
                school=school,
                met=outcome.met,
                score=outcome.score,
                summary=result_summary(figure, results),
            )
        )
    return found
