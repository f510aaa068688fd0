"""Reads for Pupil Premium Plus: a child's remaining allocation, a plan's requests, the
requests waiting for a decision, and the position (allocated, requested, approved, spent)
by child, by school and in total for a financial year.

The position in total is one set-based SQL statement (`ppplus_totals_sql`) over any SELECT
of children the caller gives: the year's requests, approvals and spend are each aggregated
once per child (GROUP BY) and joined to the children, never looked up child by child. A
dashboard scoping its own children (records/selectors/dashboards/pep.py) puts the same SQL
over the children in view it already computed, so it shows the figures the managers' page
shows without computing the view twice. The per-child rows of the managers' page
(`ppplus_child_rows`) are the same figures as subqueries of one child each; a test holds the
two equal (tests/records/test_selectors_ppplus.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import (
    CharField,
    Count,
    DecimalField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from records.codes import Cohort
from records.codes.ppplus import (
    financial_year_bounds,
    financial_year_label,
    financial_year_of,
    no_allocation_message,
    pp_plus_allocation,
)
from records.models import (
    Child,
    Enrolment,
    LegalStatusEpisode,
    Pep,
    PpPlusRequest,
    PpPlusSpend,
    PpPlusStatus,
    School,
)
from records.spans import open_q

MONEY = DecimalField(max_digits=12, decimal_places=2)
ZERO = Decimal("0.00")
FIGURES = ("allocated", "requested", "approved", "spent")


def allocation_for(year: int) -> Decimal:
    rate = pp_plus_allocation(year)
    return rate.rate if rate is not None else ZERO


def _summed(queryset: QuerySet, field: str) -> Coalesce:
    """The sum of `field` over `queryset` rows of the outer child, as a subquery."""
    total = (
        queryset.filter(child_id=OuterRef("pk"))
        .order_by()
        .values("child_id")
        .annotate(total=Sum(field))
        .values("total")
    )
    return Coalesce(Subquery(total, output_field=MONEY), Value(ZERO), output_field=MONEY)


def _current_school(today: date, child: str = "pk", value: str = "school_id") -> Subquery:
    """A value of the school the outer row's child (`child`) is on roll at today."""
    field = IntegerField() if value != "school__name" else CharField()
    return Subquery(
        Enrolment.objects.filter(open_q(today), child_id=OuterRef(child))
        .order_by("-start_date", "-id")
        .values(value)[:1],
        output_field=field,
    )


def _figure_expressions(year: int) -> dict[str, Coalesce | Value]:
    requests = PpPlusRequest.objects.filter(financial_year=year)
    return {
        "allocated": Value(allocation_for(year), output_field=MONEY),
        "requested": _summed(requests, "amount"),
        "approved": _summed(requests.filter(status=PpPlusStatus.APPROVED), "approved_amount"),
        "spent": _summed(requests.filter(spends__isnull=False), "spends__amount"),
    }


def ppplus_child_rows(
    *, children: QuerySet[Child], year: int, today: date | None = None
) -> QuerySet[Child]:
    """The children given, each with their school today (`school_id`, None for none) and the
    year's allocated, requested (every request made), approved and spent amounts."""
    today = today or timezone.localdate()
    return Child.objects.filter(pk__in=children.values("pk")).annotate(
        school_id=_current_school(today), **_figure_expressions(year)
    )


@dataclass(frozen=True)
class PpPlusFigures:
    children: int
    allocated: Decimal
    requested: Decimal
    approved: Decimal
    spent: Decimal

    @property
    def unallocated(self) -> Decimal:
        """What is left of the allocation once the approved amounts are taken out."""
        return self.allocated - self.approved


def _figures(row: dict) -> PpPlusFigures:
    return PpPlusFigures(
        children=row["children"] or 0,
        **{name: row[name] if row[name] is not None else ZERO for name in FIGURES},
    )


def ppplus_totals_sql(
    *, children_sql: str, children_params: list[Any], year: int
) -> tuple[str, list[Any]]:
    """A SELECT of one row, `children`, `allocated`, `requested`, `approved` and `spent` (the
    columns of PpPlusFigures), over the children of `children_sql` (a SELECT or a CTE's name
    with a `child_id` column, one row per child, and its parameters). The year's
    requests (every request made, and the approved amounts of those approved) and the spend
    from them are each aggregated once, by child, and joined: one pass over each table,
    however many children."""
    requests, spends = _table(PpPlusRequest), _table(PpPlusSpend)
    sql = f"""
        SELECT count(*) AS children, count(*) * %s AS allocated,
            coalesce(sum(r.requested), 0) AS requested,
            coalesce(sum(r.approved), 0) AS approved,
            coalesce(sum(s.spent), 0) AS spent
        FROM ({children_sql}) AS kids
        LEFT JOIN (
            SELECT child_id, sum(amount) AS requested,
                sum(approved_amount) FILTER (WHERE status = %s) AS approved
            FROM {requests} WHERE financial_year = %s GROUP BY child_id
        ) r ON r.child_id = kids.child_id
        LEFT JOIN (
            SELECT rq.child_id, sum(sp.amount) AS spent
            FROM {spends} sp JOIN {requests} rq ON rq.id = sp.request_id
            WHERE rq.financial_year = %s GROUP BY rq.child_id
        ) s ON s.child_id = kids.child_id
    """  # noqa: S608 - identifiers from model metadata; every value is a parameter
    return sql, [
        allocation_for(year),
        *children_params,
        PpPlusStatus.APPROVED.value,
        year,
        year,
    ]


def _table(model: type) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def ppplus_figures_of(row: tuple) -> PpPlusFigures:
    """PpPlusFigures from a row of `ppplus_totals_sql`'s columns, in order."""
    return _figures(dict(zip(("children", *FIGURES), row, strict=True)))


def ppplus_position(*, children: QuerySet[Child], year: int) -> PpPlusFigures:
    """The year's position over the children given, in total: one set-based statement
    (`ppplus_totals_sql`; the children's school is not needed, so not looked up)."""
    try:
        children_sql, params = (
            children.order_by().values(child_id=F("pk")).distinct().query.sql_with_params()
        )
    except EmptyResultSet:  # Child.objects.none(): nothing to read
        return _figures({"children": 0, **dict.fromkeys(FIGURES)})
    sql, params = ppplus_totals_sql(
        children_sql=children_sql, children_params=list(params), year=year
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return ppplus_figures_of(cursor.fetchone())


@dataclass(frozen=True)
class SchoolPosition:
    school: School | None
    figures: PpPlusFigures


def ppplus_by_school(
    *, children: QuerySet[Child], year: int, today: date | None = None
) -> list[SchoolPosition]:
    """The year's position by the school each child is on roll at today (children with no
    school together, last): two statements, the figures and the schools' names."""
    rows = list(
        ppplus_child_rows(children=children, year=year, today=today)
        .values("school_id")
        .annotate(children=Sum(Value(1)), **{name: Sum(name) for name in FIGURES})
        .order_by("school_id")
    )
    schools = School.objects.in_bulk([row["school_id"] for row in rows if row["school_id"]])
    positions = [
        SchoolPosition(school=schools.get(row["school_id"]), figures=_figures(row)) for row in rows
    ]
    return sorted(positions, key=lambda p: (p.school is None, p.school.name if p.school else ""))


def children_in_care_during(year: int) -> QuerySet[Child]:
    """Children looked after on some day of the financial year: those PP+ is allocated for."""
    first, last = financial_year_bounds(year)
    return Child.objects.filter(
        Exists(
            LegalStatusEpisode.objects.filter(
                open_q(first, last), child_id=OuterRef("pk"), cohort=Cohort.CLA
            )
        )
    )


def ppplus_committed(*, child: Child, year: int, exclude_id: int | None = None) -> Decimal:
    """What of the child's allocation for the year is taken: the amounts approved, and the
    amounts asked for by requests not yet decided (refused requests take nothing)."""
    requests = PpPlusRequest.objects.filter(child=child, financial_year=year)
    if exclude_id is not None:
        requests = requests.exclude(pk=exclude_id)
    totals = requests.aggregate(
        approved=Sum("approved_amount", filter=Q(status=PpPlusStatus.APPROVED)),
        asked=Sum("amount", filter=Q(status=PpPlusStatus.REQUESTED)),
    )
    return (totals["approved"] or ZERO) + (totals["asked"] or ZERO)


def ppplus_plan_requests(*, plan: Pep) -> list[PpPlusRequest]:
    """A plan's requests with the targets they are tied to and their spend, in three
    queries whatever their number."""
    return list(
        PpPlusRequest.objects.filter(plan=plan)
        .select_related("requested_by", "decided_by")
        .prefetch_related("links__target", "spends")
        .annotate(spent=Coalesce(Sum("spends__amount"), ZERO, output_field=MONEY))
    )


def ppplus_waiting() -> QuerySet[PpPlusRequest]:
    """Every request waiting for a decision, of any year, oldest first: the queue of the
    Admins and Managers who decide them (issue 15). Each with its plan (the decision writes
    to the plan's history), who asked, the number of targets it is for, and the name and
    URN of the school the child is on roll at today: what an Admin, who sees no child's
    record, decides by. One query whatever the number."""
    today = timezone.localdate()
    return (
        PpPlusRequest.objects.filter(status=PpPlusStatus.REQUESTED)
        .select_related("child", "plan", "requested_by")
        .annotate(
            target_count=Count("links"),
            school_name=_current_school(today, "child_id", "school__name"),
            school_urn=_current_school(today, "child_id", "school__urn"),
        )
        .order_by("created_at", "id")
    )


def ppplus_requests(*, children: QuerySet[Child], year: int) -> QuerySet[PpPlusRequest]:
    """The year's requests for the children given, with their child and plan, undecided
    first, each with what has been spent from it."""
    return (
        PpPlusRequest.objects.filter(child__in=children.values("pk"), financial_year=year)
        .select_related("child", "plan", "requested_by", "decided_by")
        .annotate(spent=Coalesce(Sum("spends__amount"), ZERO, output_field=MONEY))
        .order_by(F("decided_at").asc(nulls_first=True), "-created_at", "-id")
    )


@dataclass(frozen=True)
class ChildPpPlus:
    """A child's PP+ for a year, as the PEP tab and a plan's page show it."""

    year: int
    label: str
    figures: PpPlusFigures
    remaining: Decimal
    source: str
    # Whether the year's allocation is held (records/codes/pp_plus_rates.csv): without it
    # nothing can be requested for the year.
    held: bool

    @property
    def missing(self) -> str:
        """What to tell the user when the allocation is not held; empty when it is."""
        return "" if self.held else no_allocation_message(self.year)


def ppplus_for_child(*, child: Child, year: int | None = None) -> ChildPpPlus:
    """The child's position for the financial year (this one by default) and what is left
    to request: two queries."""
    year = financial_year_of(timezone.localdate()) if year is None else year
    rate = pp_plus_allocation(year)
    figures = ppplus_position(children=Child.objects.filter(pk=child.pk), year=year)
    remaining = (rate.rate if rate else ZERO) - ppplus_committed(child=child, year=year)
    return ChildPpPlus(
        year=year,
        label=financial_year_label(year),
        figures=figures,
        remaining=max(remaining, ZERO),
        source=rate.source if rate else "",
        held=rate is not None,
    )
