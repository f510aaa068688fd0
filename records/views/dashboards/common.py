"""What the three dashboards' pages share: who may see them, the filter form, the context
every dashboard page renders with, the CSV of national figures, and the drill-down list page
(whose columns follow the data map: one the user may not see is left out of page and CSV).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from itertools import chain
from typing import Any

from django.db import models
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from records import services
from records.codes.benchmarks import national_table, sources_of
from records.forms import DashboardFilterForm
from records.models import (
    AccessLogEntry,
    Allocation,
    AttendanceSummary,
    AttendanceWeek,
    AttendanceYear,
    Child,
    Enrolment,
    LegalStatusEpisode,
)
from records.permissions import can_see_field, can_view_all_children, can_view_dashboards
from records.selectors.dashboards.options import (
    caseworker_options,
    dashboard_years,
    drill_down_identities,
    school_options,
)
from records.selectors.dashboards.scope import (
    DIMENSIONS,
    Dimension,
    Scope,
    dimensions_visible_to,
)
from virtualschool.spreadsheets import csv_response

DASHBOARDS = (
    ("attendance", "Attendance"),
    ("exclusions", "Exclusions"),
    ("attainment", "Attainment"),
    ("pep", "PEPs"),
)
DASHBOARD_LABELS = dict(DASHBOARDS)


def check_access(request: HttpRequest) -> None:
    if not can_view_dashboards(request.user):
        raise Http404("No such page")


def _dates_typed(data) -> bool:
    """Whether any box of the from or to date (GovukDateInput: <name>_0, _1, _2) holds text."""
    return any(
        (data.get(f"{name}_{part}") or "").strip()
        for name in ("date_from", "date_to")
        for part in range(3)
    )


def filter_form(
    request: HttpRequest, *, default_year: int, periods: bool = True
) -> DashboardFilterForm:
    years = dashboard_years()
    if default_year not in years:
        years = sorted({*years, default_year}, reverse=True)
    data = request.GET.copy()
    if not data.get("year"):
        data["year"] = str(default_year)
    if periods and data.get("period") != "range" and _dates_typed(data):
        # Dates typed under "Choose dates" choose the period "Dates" (issue 16): never ignored.
        data["period"] = "range"
    shown = {dimension.key for dimension in dimensions_visible_to(request.user)}
    return DashboardFilterForm(
        data,
        years=years,
        default_year=default_year,
        # The school filter and breakdown follow the data map (Enrolment.school's category).
        schools=school_options(user=request.user) if "school" in shown else [],
        caseworkers=caseworker_options(user=request.user),
        periods=periods,
        hidden=tuple(dimension.key for dimension in DIMENSIONS if dimension.key not in shown),
    )


def _applied_filters(form: DashboardFilterForm) -> list[tuple[str, str]]:
    """The filters in use, in words (the option each select shows), for captions."""
    if not form.is_valid():
        return []
    applied = []
    for name in form.FILTERS:
        value = form.cleaned_data.get(name)
        if name in form.fields and value:
            field = form.fields[name]
            applied.append((str(field.label), str(dict(field.choices).get(value, value))))
    return applied


def csv_preamble(
    request: HttpRequest,
    form: DashboardFilterForm,
    scope: Scope,
    *,
    title: str,
    table: str,
    breakdowns: str,
) -> list[list[object]]:
    """The lines every dashboard CSV starts with (issue 16: CSVs did not record their
    filters), so a file read later says what it counts: the dashboard and period, the dates,
    the children and filters, the breakdown, which table this is and the day it was made;
    then a blank line, and the table."""
    filters = [f"{label}: {value}" for label, value in _applied_filters(form)]
    children = "All children" if can_view_all_children(request.user) else "Your caseload"
    period = scope.period
    return [
        [title, period.label],
        ["Dates", f"{period.start.isoformat()} to {period.end.isoformat()}"],
        ["Children", children],
        ["Filters", "; ".join(filters) if filters else "None"],
        ["Broken down by", breakdowns],
        ["Table", table],
        ["Made on", timezone.localdate().isoformat()],
        [],
    ]


def page_context(
    request: HttpRequest, current: str, form: DashboardFilterForm, **extra: Any
) -> dict:
    dashboard = extra.get("dashboard")
    if dashboard is not None:
        extra["shown_breakdowns"] = _shown(dashboard.breakdowns)
    return {
        "breakdown_dimensions": dimensions_visible_to(request.user),
        "children_url": reverse(f"dashboards:{current}-children"),
        "applied_filters": _applied_filters(form),
        "dashboards": DASHBOARDS,
        "current_dashboard": current,
        "form": form,
        "whole_cohort": can_view_all_children(request.user),
        **extra,
    }


def wants_csv(request: HttpRequest) -> bool:
    return request.GET.get("download") == "csv"


# A breakdown longer than this (a consortium's schools or caseworkers) shows its largest rows on
# the page; the CSV download has them all, and the filters reach any one.
ROWS_SHOWN = 50


@dataclass(frozen=True)
class ShownBreakdown:
    dimension: Dimension
    rows: list[Any]
    hidden: int


def _shown(breakdowns: list[Any]) -> list[ShownBreakdown]:
    """The breakdowns as the page shows them: all rows, or the ROWS_SHOWN with the most
    children (then by name) and how many more there are."""
    shown = []
    for breakdown in breakdowns:
        rows = breakdown.rows
        if len(rows) > ROWS_SHOWN:
            rows = sorted(rows, key=lambda row: (-row.children, row.label.lower()))[:ROWS_SHOWN]
        shown.append(ShownBreakdown(breakdown.dimension, rows, len(breakdown.rows) - len(rows)))
    return shown


def csv_groups(dashboard: Any) -> list[tuple[str, Any]]:
    """A dashboard's rows for its CSV: the whole view, then each breakdown's rows, each with
    the name of its breakdown."""
    return [("All", dashboard.overall)] + [
        (breakdown.dimension.label, row)
        for breakdown in dashboard.breakdowns
        for row in breakdown.rows
    ]


@dataclass(frozen=True)
class CsvTable:
    """One table a dashboard offers as a CSV file (?download=csv&table=<key>): each file is
    one rectangular table under its preamble (issue 16: one CSV stacked several tables)."""

    key: str
    label: str  # "Figures by group": the download link's words and the preamble's "Table"
    rows: Callable[[Any], Iterable[list[object]]]  # the heading row, then a row each


def _national_csv_rows(measures: tuple[str, ...]) -> Iterator[list[object]]:
    """The national figures a dashboard shows, with year and source."""
    yield ["National figure", "Group", "Value", "Year", "Source"]
    for measure, by_group in national_table(measures).items():
        for benchmark in by_group.values():
            yield [
                measure,
                benchmark.group_label,
                benchmark.value,
                benchmark.year,
                benchmark.source,
            ]


def dashboard_page(
    request: HttpRequest,
    *,
    name: str,
    form: DashboardFilterForm,
    build: Callable[..., Any],
    csv_rows: Callable[[Any], Iterable[list[object]]],
    filename: Callable[[Scope], str],
    measures: tuple[str, ...],
    extra: Callable[[Any], dict[str, Any]],
    csv_tables: tuple[CsvTable, ...] = (),
) -> HttpResponse:
    """A dashboard: on bad filters, the page with its error summary; else the selector's
    dashboard for the filters' scope, as CSV (?download=csv: the figures of every breakdown,
    `csv_rows`; with &table=, one of `csv_tables` or the national figures, each file one
    table under csv_preamble) or rendered, with the one breakdown chosen (?by=), with what
    every dashboard shows plus `extra(dashboard)`. An unknown table is a 404."""
    template = f"records/dashboards/{name}.html"
    if not form.is_valid():
        return render(request, template, page_context(request, name, form))
    tables = (
        CsvTable("figures", "Figures by group, every breakdown", csv_rows),
        *csv_tables,
        CsvTable("national", "National figures", lambda _: _national_csv_rows(measures)),
    )
    scope = form.scope()
    if wants_csv(request):
        table = next((t for t in tables if t.key == request.GET.get("table", "figures")), None)
        if table is None:
            raise Http404("No such table")
        scope = replace(
            scope,
            breakdowns=tuple(dimension.key for dimension in dimensions_visible_to(request.user)),
        )
    dashboard = build(user=request.user, scope=scope)
    scope = dashboard.scope
    if wants_csv(request):
        breakdowns = (
            ", ".join(dimension.label for dimension in scope.breakdown_dimensions)
            if table.key == "figures"
            else "Not broken down"
        )
        base = filename(scope).removesuffix(".csv")
        return csv_response(
            filename=f"{base}.csv" if table.key == "figures" else f"{base}-{table.key}.csv",
            rows=chain(
                csv_preamble(
                    request,
                    form,
                    scope,
                    title=f"{DASHBOARD_LABELS[name]} dashboard",
                    table=table.label,
                    breakdowns=breakdowns,
                ),
                table.rows(dashboard),
            ),
        )
    return render(
        request,
        template,
        page_context(
            request,
            name,
            form,
            scope=scope,
            dashboard=dashboard,
            national=national_table(measures),
            sources=sources_of(measures),
            min_children=dashboard.min_children,
            csv_query=scope.querystring(download="csv"),
            csv_tables=[
                (table.label, scope.querystring(download="csv", table=table.key))
                for table in tables[1:]
            ],
            **extra(dashboard),
        ),
    )


def csv_pct(value: object) -> object:
    return "" if value is None else value


@dataclass(frozen=True)
class ListColumn:
    """A column of a drill-down list and its CSV, with the mapped fields its values come from:
    shown only to a user who may see every one of them (records.permissions.can_see_field)."""

    heading: str
    fields: tuple[tuple[type[models.Model], str], ...]
    # How the page shows a value: name, upn, cohort, school, caseworker or number.
    kind: str = "number"
    csv_heading: str = ""

    def visible_to(self, user: Any) -> bool:
        return bool(self.fields) and all(
            can_see_field(user, model, name) for model, name in self.fields
        )


# The columns every drill-down starts with: who the child is, their cohort, their school.
NAME = ListColumn("Name", ((Child, "first_name"), (Child, "last_name")), kind="name")
COHORT = ListColumn(
    "Status", ((LegalStatusEpisode, "cohort"),), kind="cohort", csv_heading="Cohort"
)
SCHOOL = ListColumn("School", ((Enrolment, "school"),), kind="school")
UPN = ListColumn("UPN", ((Child, "upn"),), kind="upn")
CASEWORKER = ListColumn("Caseworker", ((Allocation, "caseworker"),), kind="caseworker")


_PAGE_LENGTH = AccessLogEntry._meta.get_field("page").max_length


def drill_down_log_page(dashboard: str, listing: str, *, csv: bool) -> str:
    """The access log's `page` for a drill-down list ("dashboard drill-down: attendance
    persistent") or its CSV ("CSV: attendance drill-down persistent"), cut to the column's
    length."""
    if csv:
        words = ["CSV:", dashboard, "drill-down", listing]
    else:
        words = ["dashboard drill-down:", dashboard, listing]
    return " ".join(word for word in words if word)[:_PAGE_LENGTH]


def children_page(
    request: HttpRequest,
    *,
    dashboard: str,
    listing: str,
    form: DashboardFilterForm,
    scope: Scope,
    title: str,
    total: int,
    columns: list[ListColumn],
    rows: list[tuple[Any, str, str, str, list[object]]],
    extra: dict[str, str],
    record_tab: str,
) -> HttpResponse:
    """A drill-down list, as a page or (with ?download=csv) a CSV file under csv_preamble.
    `rows` are (child id, name, cohort, school, the cells of `columns`); each child's UPN and
    caseworker are added after the name and the school (issue 16), read for the whole list in
    one query (options.drill_down_identities). A column the user may not see is left out of
    both. Every child listed gets an access-log entry (one INSERT for the whole list), as the
    page or the CSV names them; `listing` says which list it was (issue #11, door 6)."""
    every = [NAME, UPN, COHORT, SCHOOL, CASEWORKER, *columns]
    shown = [index for index, column in enumerate(every) if column.visible_to(request.user)]
    wanted = {index for index in shown if every[index] in (UPN, CASEWORKER)}
    identities = (
        drill_down_identities(child_ids=[row[0] for row in rows], period=scope.period)
        if wanted
        else {}
    )
    table = []
    for child_id, name, cohort, school, cells in rows:
        upn, caseworker = identities.get(child_id, ("", ""))
        values = [name, upn, cohort, school, caseworker, *cells]
        table.append((child_id, [values[index] for index in shown]))
    services.access_log_record_many(
        user=request.user,
        child_ids=[child_id for child_id, *_ in rows],
        page=drill_down_log_page(dashboard, listing, csv=wants_csv(request)),
    )
    if wants_csv(request):
        return csv_response(
            filename=f"{dashboard}-children.csv",
            rows=[
                *csv_preamble(
                    request,
                    form,
                    scope,
                    title=f"{DASHBOARD_LABELS[dashboard]} dashboard",
                    table=title,
                    breakdowns="Not broken down",
                ),
                [every[index].csv_heading or every[index].heading for index in shown],
                *(cells for _, cells in table),
            ],
        )
    return render(
        request,
        "records/dashboards/children.html",
        page_context(
            request,
            dashboard,
            form,
            scope=scope,
            title=title,
            total=total,
            columns=[every[index] for index in shown],
            rows=[
                (child_id, list(zip((every[index] for index in shown), cells, strict=True)))
                for child_id, cells in table
            ],
            names_shown=0 in shown,
            record_tab=record_tab,
            dashboard_label=DASHBOARD_LABELS[dashboard],
            dashboard_query=scope.querystring(),
            csv_query=scope.querystring(download="csv", **extra),
        ),
    )


def figures_of(*names: str) -> tuple[tuple[type[models.Model], str], ...]:
    """An attendance figure's fields, in each summary table a period may be read from."""
    return tuple(
        (model, name)
        for model in (AttendanceYear, AttendanceSummary, AttendanceWeek)
        for name in names
    )


def percent_text(value: object) -> str:
    return "" if value is None else f"{value}%"
