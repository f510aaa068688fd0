"""The attendance dashboard and the children behind its figures."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from records.attendance import BAND_LABELS
from records.calendar import academic_year_of
from records.charts import bar_chart, line_chart
from records.selectors.dashboards import attendance as attendance_selectors
from records.views.dashboards.common import (
    CsvTable,
    ListColumn,
    check_access,
    children_page,
    csv_groups,
    csv_pct,
    dashboard_page,
    figures_of,
    filter_form,
    percent_text,
)


def _attendance_csv_rows(
    dashboard: attendance_selectors.AttendanceDashboard,
) -> Iterator[list[object]]:
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
    groups = csv_groups(dashboard)
    for breakdown, row in groups:
        figures = row.figures
        yield [
            breakdown,
            row.label,
            row.children,
            figures.possible,
            csv_pct(figures.attendance_pct),
            csv_pct(figures.authorised_pct),
            csv_pct(figures.unauthorised_pct),
            row.persistent,
            csv_pct(row.persistent_pct),
            row.severe,
            csv_pct(row.severe_pct),
            *row.bands,
            "yes" if row.small else "no",
        ]


def _weeks_csv_rows(dashboard: attendance_selectors.AttendanceDashboard) -> Iterator[list[object]]:
    yield ["Week beginning", "Possible sessions", "Attended sessions", "Attendance %"]
    for week in dashboard.trend:
        figures = week.figures
        yield [
            week.week_start.isoformat(),
            figures.possible,
            figures.attended,
            csv_pct(figures.attendance_pct),
        ]


def _reasons_csv_rows(
    dashboard: attendance_selectors.AttendanceDashboard,
) -> Iterator[list[object]]:
    yield ["Absence reason", "Meaning", "Sessions", "% of possible sessions"]
    for reason in dashboard.reasons:
        yield [reason.code, reason.meaning, reason.sessions, csv_pct(reason.pct_of_possible)]


@require_GET
def attendance_page(request: HttpRequest) -> HttpResponse:
    """The attendance dashboard for the period and filters in the URL."""
    check_access(request)

    def charts(dashboard: attendance_selectors.AttendanceDashboard) -> dict[str, Any]:
        return {
            "trend_chart": line_chart(
                [
                    (week.week_start, f"{week.week_start:%-d %b}", week.figures.attendance_pct)
                    for week in dashboard.trend
                ],
                low=50,
                high=100,
                step=10,
            ),
            "band_chart": bar_chart(
                list(zip(BAND_LABELS, dashboard.overall.bands, strict=True)),
                title="Children by the share of their possible sessions they missed",
            ),
        }

    return dashboard_page(
        request,
        name="attendance",
        form=filter_form(request, default_year=academic_year_of(timezone.localdate())),
        build=attendance_selectors.attendance_dashboard,
        csv_rows=_attendance_csv_rows,
        filename=lambda scope: f"attendance-{scope.period.start}-{scope.period.end}.csv",
        measures=attendance_selectors.BENCHMARK_MEASURES,
        extra=charts,
        csv_tables=(
            CsvTable("weeks", "Attendance by week", _weeks_csv_rows),
            CsvTable("reasons", "Absence by reason", _reasons_csv_rows),
        ),
    )


SHOW_TITLES = {
    attendance_selectors.SHOW_ALL: "Children counted",
    attendance_selectors.SHOW_PERSISTENT: "Persistently absent children",
    attendance_selectors.SHOW_SEVERE: "Severely absent children",
}
REASON_CODE = re.compile(r"^[A-Z0-9#]{1,3}$")


@require_GET
def attendance_children_page(request: HttpRequest) -> HttpResponse:
    """The children behind an attendance figure: the dashboard's scope and filters, plus
    which figure (`show`, `band` or `reason`)."""
    check_access(request)
    form = filter_form(request, default_year=academic_year_of(timezone.localdate()))
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
    listing = " ".join(
        part
        for part in (show, band_text and f"band {band_text}", reason and f"reason {reason}")
        if part
    )
    return children_page(
        request,
        dashboard="attendance",
        listing=listing,
        form=form,
        scope=scope,
        title=title,
        total=total,
        columns=[
            ListColumn("Possible sessions", figures_of("possible")),
            ListColumn("Attendance", figures_of("possible", "attended")),
            ListColumn("Absence", figures_of("possible", "authorised", "unauthorised")),
        ],
        rows=[
            (
                child.child_id,
                child.name,
                child.cohort,
                child.school,
                [
                    child.figures.possible,
                    percent_text(child.figures.attendance_pct),
                    percent_text(child.figures.absence_pct),
                ],
            )
            for child in children
        ],
        extra={"show": show, "band": band_text, "reason": reason},
        record_tab="attendance",
    )
