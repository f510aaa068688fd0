"""The exclusions dashboard and the children behind its figures."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from records.calendar import academic_year_of
from records.charts import bar_chart
from records.models import Exclusion
from records.selectors.dashboards import exclusions as exclusions_selectors
from records.views.dashboards.common import (
    CsvTable,
    ListColumn,
    check_access,
    children_page,
    csv_groups,
    csv_pct,
    dashboard_page,
    filter_form,
)


def _exclusions_csv_rows(dashboard: exclusions_selectors.ExclusionsDashboard):
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
    groups = csv_groups(dashboard)
    for breakdown, row in groups:
        yield [
            breakdown,
            row.label,
            row.children,
            row.suspensions,
            csv_pct(row.suspension_rate),
            row.suspended,
            csv_pct(row.suspended_pct),
            row.permanent,
            csv_pct(row.permanent_pct),
            row.sessions_lost,
            "yes" if row.small else "no",
        ]


def _listed_csv_rows(title: str, rows: list[Any]):
    """The reasons or excluding schools, one table."""
    yield [title, "Children", "Exclusions", "Suspensions", "Permanent exclusions", "Sessions lost"]
    for row in rows:
        yield [
            row.label,
            row.children,
            row.exclusions,
            row.suspensions,
            row.permanent,
            row.sessions_lost,
        ]


def _reasons_csv_rows(dashboard: exclusions_selectors.ExclusionsDashboard):
    return _listed_csv_rows("Reason", dashboard.reasons if dashboard.shows_reasons else [])


def _schools_csv_rows(dashboard: exclusions_selectors.ExclusionsDashboard):
    shown = dashboard.shows_exclusion_schools
    return _listed_csv_rows("Excluding school", dashboard.exclusion_schools if shown else [])


@require_GET
def exclusions_page(request: HttpRequest) -> HttpResponse:
    """The exclusions dashboard for the period and filters in the URL."""
    check_access(request)

    def charts(dashboard: exclusions_selectors.ExclusionsDashboard) -> dict[str, Any]:
        return {
            "reason_chart": bar_chart(
                [(row.label, row.exclusions) for row in dashboard.reasons],
                title="Exclusions by reason",
            )
        }

    return dashboard_page(
        request,
        name="exclusions",
        form=filter_form(request, default_year=academic_year_of(timezone.localdate())),
        build=exclusions_selectors.exclusions_dashboard,
        csv_rows=_exclusions_csv_rows,
        filename=lambda scope: f"exclusions-{scope.period.start}-{scope.period.end}.csv",
        measures=exclusions_selectors.BENCHMARK_MEASURES,
        extra=charts,
        csv_tables=(
            CsvTable("reasons", "Exclusions by reason", _reasons_csv_rows),
            CsvTable("schools", "Exclusions by the school that excluded", _schools_csv_rows),
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
    check_access(request)
    form = filter_form(request, default_year=academic_year_of(timezone.localdate()))
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
    listing = show
    if reason:
        listing = f"{show} reason {reason}"
    elif school_text:
        listing = f"{show} school {school_text}"
    return children_page(
        request,
        dashboard="exclusions",
        listing=listing,
        form=form,
        scope=scope,
        title=title,
        total=total,
        columns=[
            ListColumn("Suspensions", ((Exclusion, "category"),)),
            ListColumn("Permanent exclusions", ((Exclusion, "category"),)),
            ListColumn("Sessions lost", ((Exclusion, "category"), (Exclusion, "sessions"))),
        ],
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
