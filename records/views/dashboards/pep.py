"""The PEP dashboard and the children behind its figures."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from records.calendar import academic_year_of
from records.models import LegalStatusEpisode, Pep
from records.selectors.dashboards import pep as pep_selectors
from records.views.dashboards.common import (
    ListColumn,
    check_access,
    children_page,
    csv_groups,
    csv_pct,
    dashboard_page,
    filter_form,
)


def _pep_csv_rows(dashboard: pep_selectors.PepDashboard):
    yield ["PEP dashboard", dashboard.scope.period.label, dashboard.term_label]
    yield [
        "Breakdown",
        "Group",
        "Looked-after children",
        "With an in-date PEP",
        "% with an in-date PEP",
        "PEP overdue",
        "Completed this term",
        "% completed this term",
        "Waiting for QA",
        "QA red",
        "QA amber",
        "QA green",
        "Not rated",
        f"Fewer than {dashboard.min_children} children",
    ]
    for breakdown, row in csv_groups(dashboard):
        yield [
            breakdown,
            row.label,
            row.children,
            row.in_date,
            csv_pct(row.in_date_pct),
            row.overdue,
            row.completed,
            csv_pct(row.completed_pct),
            row.awaiting_qa,
            row.red,
            row.amber,
            row.green,
            row.not_rated,
            "yes" if row.small else "no",
        ]


@require_GET
def pep_page(request: HttpRequest) -> HttpResponse:
    """The PEP dashboard for the period and filters in the URL."""
    check_access(request)

    def extra(dashboard: pep_selectors.PepDashboard) -> dict[str, Any]:
        figures = dashboard.pp_plus
        return {
            "pp_plus_year": dashboard.pp_plus_year,
            "pp_plus_rows": [
                ("Allocated", figures.allocated),
                ("Requested", figures.requested),
                ("Approved", figures.approved),
                ("Spent", figures.spent),
            ],
        }

    return dashboard_page(
        request,
        name="pep",
        form=filter_form(request, default_year=academic_year_of(timezone.localdate())),
        build=pep_selectors.pep_dashboard,
        csv_rows=_pep_csv_rows,
        filename=lambda scope: f"pep-{scope.period.start}-{scope.period.end}.csv",
        measures=(),
        extra=extra,
    )


PEP_TITLES = {
    pep_selectors.SHOW_ALL: "Looked-after children counted",
    pep_selectors.SHOW_IN_DATE: "Children with an in-date PEP",
    pep_selectors.SHOW_OVERDUE: "Children whose PEP is overdue",
    pep_selectors.SHOW_DUE_SOON: (
        f"Children whose PEP is overdue or due in the next {pep_selectors.DUE_SOON_DAYS} days"
    ),
    pep_selectors.SHOW_COMPLETED: "Children whose PEP for the term is complete",
    pep_selectors.SHOW_NOT_COMPLETED: "Children whose PEP for the term is not complete",
    pep_selectors.SHOW_AWAITING_QA: "Children whose PEP is submitted and waiting for QA",
    **{
        show: f"Children whose PEP for the term is rated {rating}"
        for rating, show in pep_selectors.SHOW_QA.items()
    },
    pep_selectors.SHOW_NOT_RATED: "Children whose PEP for the term is not rated",
}


@require_GET
def pep_children_page(request: HttpRequest) -> HttpResponse:
    """The children behind a PEP figure (`show`)."""
    check_access(request)
    form = filter_form(request, default_year=academic_year_of(timezone.localdate()))
    show = request.GET.get("show", pep_selectors.SHOW_ALL)
    if show not in PEP_TITLES or not form.is_valid():
        raise Http404("No such list")
    scope = form.scope()
    total, children = pep_selectors.pep_children(user=request.user, scope=scope, show=show)
    return children_page(
        request,
        dashboard="pep",
        listing=show,
        form=form,
        scope=scope,
        title=PEP_TITLES[show],
        total=total,
        columns=[
            ListColumn(
                "Entered care", ((LegalStatusEpisode, "start_date"),), csv_heading="Entered care"
            ),
            ListColumn("Latest completed PEP meeting", ((Pep, "meeting_date"),)),
            ListColumn("PEP overdue", ((Pep, "status"), (Pep, "meeting_date"))),
            ListColumn("This term's PEP", ((Pep, "status"),)),
            ListColumn("QA rating", ((Pep, "qa_rating"),)),
        ],
        rows=[
            (
                child.child_id,
                child.name,
                child.cohort,
                child.school,
                [
                    child.entered.isoformat(),
                    child.latest_meeting.isoformat() if child.latest_meeting else "",
                    "yes" if child.overdue else "no",
                    child.status.replace("_", " "),
                    child.qa_rating,
                ],
            )
            for child in children
        ],
        extra={"show": show},
        record_tab="pep",
    )
