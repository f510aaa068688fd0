"""The attainment dashboard and the children behind its figures."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from records.calendar import academic_year_of
from records.charts import bar_chart
from records.forms import DashboardFilterForm
from records.models import AssessmentResult
from records.selectors.dashboards import attainment as attainment_selectors
from records.views.dashboards.common import (
    ListColumn,
    check_access,
    children_page,
    csv_groups,
    csv_pct,
    dashboard_page,
    filter_form,
)


def _attainment_form(request: HttpRequest) -> DashboardFilterForm:
    latest = attainment_selectors.latest_results_year(user=request.user)
    return filter_form(
        request,
        default_year=latest if latest is not None else academic_year_of(timezone.localdate()),
        periods=False,
    )


def _attainment_csv_rows(dashboard: attainment_selectors.AttainmentDashboard):
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
    groups = csv_groups(dashboard)
    for breakdown, row in groups:
        yield [
            breakdown,
            row.label,
            *(
                cell
                for spec in specs
                for cell in (csv_pct(row.figures[spec.key].value), row.figures[spec.key].children)
            ),
        ]


@require_GET
def attainment_page(request: HttpRequest) -> HttpResponse:
    """The attainment dashboard for the academic year in the URL (the latest results by
    default)."""
    check_access(request)

    def charts(dashboard: attainment_selectors.AttainmentDashboard) -> dict[str, Any]:
        shares = [figure for figure in dashboard.overall.figure_list if not figure.average]
        return {
            "figure_chart": bar_chart(
                [(figure.short_label, figure.value) for figure in shares],
                title="Share of children counted meeting each standard",
                unit="%",
                scale=100,
            ),
            "specs": {spec.key: spec for spec in attainment_selectors.FIGURES},
        }

    return dashboard_page(
        request,
        name="attainment",
        form=_attainment_form(request),
        build=attainment_selectors.attainment_dashboard,
        csv_rows=_attainment_csv_rows,
        filename=lambda scope: f"attainment-{scope.period.academic_year}.csv",
        measures=attainment_selectors.BENCHMARK_MEASURES,
        extra=charts,
    )


@require_GET
def attainment_children_page(request: HttpRequest) -> HttpResponse:
    """The children counted in an attainment figure (`figure`, and `met` yes or no)."""
    check_access(request)
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

    return children_page(
        request,
        dashboard="attainment",
        listing=" ".join(part for part in (figure, met_text and f"met {met_text}") if part),
        form=form,
        scope=attainment_selectors.attainment_scope(scope),
        title=title,
        total=len(children),
        columns=[
            ListColumn("Outcome", ((AssessmentResult, "measure"), (AssessmentResult, "result"))),
            ListColumn(
                "Results",
                (
                    (AssessmentResult, "measure"),
                    (AssessmentResult, "subject"),
                    (AssessmentResult, "result"),
                ),
            ),
        ],
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
