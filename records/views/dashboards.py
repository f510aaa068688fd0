"""The dashboards: attendance, exclusions and attainment across the children a user may see.

Managers see the whole cohort; caseworkers the same pages over their own caseload (the
selectors scope every figure through children_visible_to). Filters are GET parameters, so a
view can be bookmarked and shared; `?download=csv` gives the same view as a CSV file. Every
number links to the list of children behind it, which applies the same scope. The views bind
the filter form, call a selector and render: the figures and their rules are in
records/selectors/dashboards/.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from records.attendance import BAND_LABELS
from records.calendar import academic_year_of
from records.charts import BAR_HEIGHT, bar_chart, line_chart
from records.codes.benchmarks import national_table, sources_of
from records.forms import DashboardFilterForm
from records.permissions import can_view_all_children, can_view_dashboards
from records.selectors.dashboards import attendance as attendance_selectors
from records.selectors.dashboards.options import (
    caseworker_options,
    dashboard_years,
    school_options,
)
from virtualschool.spreadsheets import csv_response

DASHBOARDS = (("attendance", "Attendance"),)


def _allowed(request: HttpRequest) -> None:
    if not can_view_dashboards(request.user):
        raise Http404("No such page")


def _filter_form(
    request: HttpRequest, *, default_year: int, periods: bool = True
) -> DashboardFilterForm:
    years = dashboard_years()
    if default_year not in years:
        years = sorted({*years, default_year}, reverse=True)
    return DashboardFilterForm(
        request.GET,
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
    return {
        "applied_filters": _applied_filters(form),
        "dashboards": DASHBOARDS,
        "current_dashboard": current,
        "form": form,
        "whole_cohort": can_view_all_children(request.user),
        **extra,
    }


def _wants_csv(request: HttpRequest) -> bool:
    return request.GET.get("download") == "csv"


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
    groups = [("All", dashboard.overall)] + [
        (breakdown.dimension.label, row)
        for breakdown in dashboard.breakdowns
        for row in breakdown.rows
    ]
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
        or (reason and (len(reason) > 3 or not reason.replace("#", "").isalnum()))
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
    extra = {"show": show, "band": band_text, "reason": reason}
    if _wants_csv(request):
        rows: list[list[object]] = [
            ["Name", "Cohort", "School", "Possible sessions", "Attendance %", "Absence %"]
        ]
        rows += [
            [
                child.name,
                child.cohort,
                child.school,
                child.figures.possible,
                _pct(child.figures.attendance_pct),
                _pct(child.figures.absence_pct),
            ]
            for child in children
        ]
        return csv_response(filename="attendance-children.csv", rows=rows)
    return render(
        request,
        "records/dashboards/attendance_children.html",
        _context(
            request,
            "attendance",
            form,
            scope=scope,
            title=title,
            total=total,
            children=children,
            dashboard_query=scope.querystring(),
            csv_query=scope.querystring(download="csv", **extra),
        ),
    )
