"""The dashboards: attendance, exclusions and attainment across the children a user may see.

Managers see the whole cohort; caseworkers the same pages over their own caseload (the
selectors scope every figure through children_visible_to). Filters are GET parameters, so a
view can be bookmarked and shared; `?download=csv` gives the same view as a CSV file. Every
number links to the list of children behind it, which applies the same scope. The views bind
the filter form, call a selector and render: the figures and their rules are in
records/selectors/dashboards/.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from records.attendance import BAND_LABELS
from records.calendar import academic_year_of
from records.charts import BAR_HEIGHT, bar_chart, line_chart
from records.codes.benchmarks import national_table, sources_of
from records.forms import DashboardFilterForm
from records.permissions import can_view_all_children, can_view_dashboards
from records.selectors.dashboards import attainment as attainment_selectors
from records.selectors.dashboards import attendance as attendance_selectors
from records.selectors.dashboards import exclusions as exclusions_selectors
from records.selectors.dashboards.options import (
    caseworker_options,
    dashboard_years,
    school_options,
)
from records.selectors.dashboards.scope import Dimension, Scope
from virtualschool.spreadsheets import csv_response

DASHBOARDS = (
    ("attendance", "Attendance"),
    ("exclusions", "Exclusions"),
    ("attainment", "Attainment"),
)
DASHBOARD_LABELS = dict(DASHBOARDS)


def _allowed(request: HttpRequest) -> None:
    if not can_view_dashboards(request.user):
        raise Http404("No such page")


def _filter_form(
    request: HttpRequest, *, default_year: int, periods: bool = True
) -> DashboardFilterForm:
    years = dashboard_years()
    if default_year not in years:
        years = sorted({*years, default_year}, reverse=True)
    data = request.GET.copy()
    if not data.get("year"):
        data["year"] = str(default_year)
    return DashboardFilterForm(
        data,
        years=years,
        default_year=default_year,
        schools=school_options(user=request.user),
        caseworkers=caseworker_options(user=request.user),
        periods=periods,
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


def _context(request: HttpRequest, current: str, form: DashboardFilterForm, **extra: Any) -> dict:
    dashboard = extra.get("dashboard")
    if dashboard is not None:
        extra["shown_breakdowns"] = _shown(dashboard.breakdowns)
    return {
        "children_url": reverse(f"dashboards:{current}-children"),
        "applied_filters": _applied_filters(form),
        "dashboards": DASHBOARDS,
        "current_dashboard": current,
        "form": form,
        "whole_cohort": can_view_all_children(request.user),
        **extra,
    }


def _wants_csv(request: HttpRequest) -> bool:
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


def _csv_groups(dashboard: Any) -> list[tuple[str, Any]]:
    """A dashboard's rows for its CSV: the whole view, then each breakdown's rows, each with
    the name of its breakdown."""
    return [("All", dashboard.overall)] + [
        (breakdown.dimension.label, row)
        for breakdown in dashboard.breakdowns
        for row in breakdown.rows
    ]


def _pct(value: object) -> object:
    return "" if value is None else value


# --- Attendance -----------------------------------------------------------------------------

ATTENDANCE_MEASURES = (
    "attendance_pct",
    "authorised_pct",
    "unauthorised_pct",
    "persistent_pct",
    "severe_pct",
)


def _attendance_csv_rows(
    dashboard: attendance_selectors.AttendanceDashboard,
) -> Iterator[list[object]]:
    scope = dashboard.scope
    yield ["Attendance dashboard", scope.period.label]
    yield [
        "Breakdown",
        "Group",
        "Children",
        "Possible sessions",
        "Attendance %",
        "Authorised absence %",
        "Unauthorised absence %",
        "Persistently absent children",
        "Persistent absence %",
        "Severely absent children",
        "Severe absence %",
        *BAND_LABELS,
        f"Fewer than {dashboard.min_children} children",
    ]
    groups = _csv_groups(dashboard)
    for breakdown, row in groups:
        figures = row.figures
        yield [
            breakdown,
            row.label,
            row.children,
            figures.possible,
            _pct(figures.attendance_pct),
            _pct(figures.authorised_pct),
            _pct(figures.unauthorised_pct),
            row.persistent,
            _pct(row.persistent_pct),
            row.severe,
            _pct(row.severe_pct),
            *row.bands,
            "yes" if row.small else "no",
        ]
    yield []
    yield ["Week beginning", "Possible sessions", "Attended sessions", "Attendance %"]
    for week in dashboard.trend:
        figures = week.figures
        yield [
            week.week_start.isoformat(),
            figures.possible,
            figures.attended,
            _pct(figures.attendance_pct),
        ]
    yield []
    yield ["Absence reason", "Meaning", "Sessions", "% of possible sessions"]
    for reason in dashboard.reasons:
        yield [reason.code, reason.meaning, reason.sessions, _pct(reason.pct_of_possible)]
    yield []
    yield ["National figure", "Group", "Value", "Year", "Source"]
    for measure, benchmarks in dashboard.benchmarks.items():
        for benchmark in benchmarks:
            yield [
                measure,
                benchmark.group_label,
                benchmark.value,
                benchmark.year,
                benchmark.source,
            ]


@require_GET
def attendance_page(request: HttpRequest) -> HttpResponse:
    """The attendance dashboard for the period and filters in the URL."""
    _allowed(request)
    form = _filter_form(request, default_year=academic_year_of(timezone.localdate()))
    if not form.is_valid():
        return render(
            request, "records/dashboards/attendance.html", _context(request, "attendance", form)
        )
    scope = form.scope()
    dashboard = attendance_selectors.attendance_dashboard(user=request.user, scope=scope)
    if _wants_csv(request):
        return csv_response(
            filename=f"attendance-{scope.period.start}-{scope.period.end}.csv",
            rows=_attendance_csv_rows(dashboard),
        )
    trend_chart = line_chart(
        [(f"{week.week_start:%-d %b}", week.figures.attendance_pct) for week in dashboard.trend],
        low=50,
        high=100,
        step=10,
    )
    bands = bar_chart(list(zip(BAND_LABELS, dashboard.overall.bands, strict=True)))
    return render(
        request,
        "records/dashboards/attendance.html",
        _context(
            request,
            "attendance",
            form,
            scope=scope,
            dashboard=dashboard,
            trend_chart=trend_chart,
            band_bars=bands,
            band_bars_height=len(bands) * BAR_HEIGHT,
            national=national_table(ATTENDANCE_MEASURES),
            sources=sources_of(ATTENDANCE_MEASURES),
            min_children=dashboard.min_children,
            csv_query=scope.querystring(download="csv"),
        ),
    )


SHOW_TITLES = {
    attendance_selectors.SHOW_ALL: "Children counted",
    attendance_selectors.SHOW_PERSISTENT: "Persistently absent children",
    attendance_selectors.SHOW_SEVERE: "Severely absent children",
}
REASON_CODE = re.compile(r"^[A-Z0-9#]{1,3}$")


def _children_page(
    request: HttpRequest,
    *,
    dashboard: str,
    form: DashboardFilterForm,
    scope: Scope,
    title: str,
    total: int,
    headers: list[str],
    rows: list[tuple[Any, str, str, str, list[object]]],
    extra: dict[str, str],
    record_tab: str,
) -> HttpResponse:
    """A drill-down list, as a page or (with ?download=csv) a CSV file."""
    if _wants_csv(request):
        return csv_response(
            filename=f"{dashboard}-children.csv",
            rows=[
                ["Name", "Cohort", "School", *headers],
                *([name, cohort, school, *cells] for _, name, cohort, school, cells in rows),
            ],
        )
    return render(
        request,
        "records/dashboards/children.html",
        _context(
            request,
            dashboard,
            form,
            scope=scope,
            title=title,
            total=total,
            headers=headers,
            rows=rows,
            record_tab=record_tab,
            dashboard_label=DASHBOARD_LABELS[dashboard],
            dashboard_query=scope.querystring(),
            csv_query=scope.querystring(download="csv", **extra),
        ),
    )


def _percent_text(value: object) -> str:
    return "" if value is None else f"{value}%"


@require_GET
def attendance_children_page(request: HttpRequest) -> HttpResponse:
    """The children behind an attendance figure: the dashboard's scope and filters, plus
    which figure (`show`, `band` or `reason`)."""
    _allowed(request)
    form = _filter_form(request, default_year=academic_year_of(timezone.localdate()))
    show = request.GET.get("show", attendance_selectors.SHOW_ALL)
    band_text = request.GET.get("band", "")
    reason = request.GET.get("reason", "")
    if (
        show not in SHOW_TITLES
        or (band_text and band_text not in {str(i) for i in range(len(BAND_LABELS))})
        or (reason and not REASON_CODE.match(reason))
        or not form.is_valid()
    ):
        raise Http404("No such list")
    band = int(band_text) if band_text else None
    scope = form.scope()
    total, children = attendance_selectors.attendance_children(
        user=request.user, scope=scope, show=show, band=band, reason=reason
    )
    title = SHOW_TITLES[show]
    if band is not None:
        title = f"Children: {BAND_LABELS[band].lower()}"
    if reason:
        title = f"Children with absence code {reason}"
    return _children_page(
        request,
        dashboard="attendance",
        form=form,
        scope=scope,
        title=title,
        total=total,
        headers=["Possible sessions", "Attendance", "Absence"],
        rows=[
            (
                child.child_id,
                child.name,
                child.cohort,
                child.school,
                [
                    child.figures.possible,
                    _percent_text(child.figures.attendance_pct),
                    _percent_text(child.figures.absence_pct),
                ],
            )
            for child in children
        ],
        extra={"show": show, "band": band_text, "reason": reason},
        record_tab="attendance",
    )


# --- Exclusions -----------------------------------------------------------------------------


def _exclusions_csv_rows(dashboard: exclusions_selectors.ExclusionsDashboard):
    yield ["Exclusions dashboard", dashboard.scope.period.label]
    yield [
        "Breakdown",
        "Group",
        "Children",
        "Suspensions",
        "Suspensions per 100 children",
        "Children with one or more suspension",
        "% with one or more suspension",
        "Permanent exclusions",
        "% permanently excluded",
        "Sessions lost to suspensions",
        f"Fewer than {dashboard.min_children} children",
    ]
    groups = _csv_groups(dashboard)
    for breakdown, row in groups:
        yield [
            breakdown,
            row.label,
            row.children,
            row.suspensions,
            _pct(row.suspension_rate),
            row.suspended,
            _pct(row.suspended_pct),
            row.permanent,
            _pct(row.permanent_pct),
            row.sessions_lost,
            "yes" if row.small else "no",
        ]
    for title, rows in (
        ("Reason", dashboard.reasons),
        ("Excluding school", dashboard.exclusion_schools),
    ):
        yield []
        yield [
            title,
            "Children",
            "Exclusions",
            "Suspensions",
            "Permanent exclusions",
            "Sessions lost",
        ]
        for row in rows:
            yield [
                row.label,
                row.children,
                row.exclusions,
                row.suspensions,
                row.permanent,
                row.sessions_lost,
            ]


@require_GET
def exclusions_page(request: HttpRequest) -> HttpResponse:
    """The exclusions dashboard for the period and filters in the URL."""
    _allowed(request)
    form = _filter_form(request, default_year=academic_year_of(timezone.localdate()))
    if not form.is_valid():
        return render(
            request, "records/dashboards/exclusions.html", _context(request, "exclusions", form)
        )
    scope = form.scope()
    dashboard = exclusions_selectors.exclusions_dashboard(user=request.user, scope=scope)
    if _wants_csv(request):
        return csv_response(
            filename=f"exclusions-{scope.period.start}-{scope.period.end}.csv",
            rows=_exclusions_csv_rows(dashboard),
        )
    reason_bars = bar_chart([(row.label, row.exclusions) for row in dashboard.reasons])
    measures = exclusions_selectors.BENCHMARK_MEASURES
    return render(
        request,
        "records/dashboards/exclusions.html",
        _context(
            request,
            "exclusions",
            form,
            scope=scope,
            dashboard=dashboard,
            reason_bars=reason_bars,
            reason_bars_height=len(reason_bars) * BAR_HEIGHT,
            national=national_table(measures),
            sources=sources_of(measures),
            min_children=dashboard.min_children,
            csv_query=scope.querystring(download="csv"),
        ),
    )


EXCLUSION_TITLES = {
    exclusions_selectors.SHOW_ALL: "Children counted",
    exclusions_selectors.SHOW_SUSPENDED: "Children with one or more suspension",
    exclusions_selectors.SHOW_PERMANENT: "Children permanently excluded",
}


@require_GET
def exclusions_children_page(request: HttpRequest) -> HttpResponse:
    """The children behind an exclusions figure (`show`, optionally one `reason` or one
    excluding school)."""
    _allowed(request)
    form = _filter_form(request, default_year=academic_year_of(timezone.localdate()))
    show = request.GET.get("show", exclusions_selectors.SHOW_ALL)
    reason = request.GET.get("reason", "")
    school_text = request.GET.get("exclusion_school", "")
    if (
        show not in EXCLUSION_TITLES
        or (reason and reason not in exclusions_selectors.REASON_LABELS)
        or (school_text and not (school_text.isascii() and school_text.isdigit()))
        or not form.is_valid()
    ):
        raise Http404("No such list")
    scope = form.scope()
    total, children = exclusions_selectors.exclusions_children(
        user=request.user,
        scope=scope,
        show=show,
        reason=reason,
        exclusion_school=int(school_text) if school_text else None,
    )
    title = EXCLUSION_TITLES[show]
    if reason:
        title = f"Children excluded for {exclusions_selectors.REASON_LABELS[reason]}"
    elif school_text:
        title = "Children excluded by one school"
    return _children_page(
        request,
        dashboard="exclusions",
        form=form,
        scope=scope,
        title=title,
        total=total,
        headers=["Suspensions", "Permanent exclusions", "Sessions lost"],
        rows=[
            (
                child.child_id,
                child.name,
                child.cohort,
                child.school,
                [child.suspensions, child.permanent, child.sessions_lost],
            )
            for child in children
        ],
        extra={"show": show, "reason": reason, "exclusion_school": school_text},
        record_tab="behaviour",
    )


# --- Attainment -----------------------------------------------------------------------------


def _attainment_form(request: HttpRequest) -> DashboardFilterForm:
    latest = attainment_selectors.latest_results_year(user=request.user)
    return _filter_form(
        request,
        default_year=latest if latest is not None else academic_year_of(timezone.localdate()),
        periods=False,
    )


def _attainment_csv_rows(dashboard: attainment_selectors.AttainmentDashboard):
    yield ["Attainment dashboard", dashboard.scope.period.label]
    specs = attainment_selectors.FIGURES
    yield [
        "Breakdown",
        "Group",
        *(
            heading
            for spec in specs
            for heading in (spec.label, f"{spec.short_label}: children counted")
        ),
    ]
    groups = _csv_groups(dashboard)
    for breakdown, row in groups:
        yield [
            breakdown,
            row.label,
            *(
                cell
                for spec in specs
                for cell in (_pct(row.figures[spec.key].value), row.figures[spec.key].children)
            ),
        ]


@require_GET
def attainment_page(request: HttpRequest) -> HttpResponse:
    """The attainment dashboard for the academic year in the URL (the latest results by
    default)."""
    _allowed(request)
    form = _attainment_form(request)
    if not form.is_valid():
        return render(
            request, "records/dashboards/attainment.html", _context(request, "attainment", form)
        )
    scope = form.scope()
    dashboard = attainment_selectors.attainment_dashboard(user=request.user, scope=scope)
    if _wants_csv(request):
        return csv_response(
            filename=f"attainment-{scope.period.academic_year}.csv",
            rows=_attainment_csv_rows(dashboard),
        )
    percentages = [figure for figure in dashboard.overall.figure_list if not figure.average]
    figure_bars = bar_chart(
        [(figure.short_label, figure.value) for figure in percentages], scale=100
    )
    measures = attainment_selectors.BENCHMARK_MEASURES
    return render(
        request,
        "records/dashboards/attainment.html",
        _context(
            request,
            "attainment",
            form,
            scope=dashboard.scope,
            dashboard=dashboard,
            figure_bars=figure_bars,
            figure_bars_height=len(figure_bars) * BAR_HEIGHT,
            specs={spec.key: spec for spec in attainment_selectors.FIGURES},
            national=national_table(measures),
            sources=sources_of(measures),
            min_children=dashboard.min_children,
            csv_query=dashboard.scope.querystring(download="csv"),
        ),
    )


@require_GET
def attainment_children_page(request: HttpRequest) -> HttpResponse:
    """The children counted in an attainment figure (`figure`, and `met` yes or no)."""
    _allowed(request)
    form = _attainment_form(request)
    figure = request.GET.get("figure", "")
    met_text = request.GET.get("met", "")
    spec = attainment_selectors.FIGURE_BY_KEY.get(figure)
    if (
        spec is None
        or met_text not in ("", "yes", "no")
        or (spec.average and met_text)
        or not form.is_valid()
    ):
        raise Http404("No such list")
    met = {"yes": True, "no": False}.get(met_text)
    scope = form.scope()
    children = attainment_selectors.attainment_children(
        user=request.user, scope=scope, figure=figure, met=met
    )
    title = spec.label
    if met is not None:
        title = f"{spec.label}: {'met' if met else 'did not meet'}"

    def outcome(child) -> str:
        if child.score is not None:
            return str(child.score)
        return {True: "Met", False: "Not met"}.get(child.met, "")

    return _children_page(
        request,
        dashboard="attainment",
        form=form,
        scope=attainment_selectors.attainment_scope(scope),
        title=title,
        total=len(children),
        headers=["Outcome", "Results"],
        rows=[
            (
                child.child_id,
                child.name,
                child.cohort,
                child.school,
                [outcome(child), child.summary],
            )
            for child in children
        ],
        extra={"figure": figure, "met": met_text},
        record_tab="attainment",
    )
