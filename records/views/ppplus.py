"""The managers' Pupil Premium Plus page, /pupil-premium-plus/: a financial year's position
(allocated, requested, approved, spent) in total, by school and by child, with a CSV, and the
year's requests to decide and spend to record. Admins and Managers; an Admin sees the figures
by school only, as they see no child's record. Every write goes through
records.services.ppplus; a refusal shows in the GOV.UK error summary and beside its field.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.db.models import Exists, OuterRef
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from records.codes.ppplus import (
    financial_year_label,
    financial_year_of,
    latest_rate_year,
    no_allocation_message,
    pp_plus_allocation,
)
from records.models import Enrolment, PpPlusRequest, PpPlusStatus
from records.permissions import (
    can_decide_pp_plus,
    can_see_pp_plus_position,
    can_view_all_children,
)
from records.sections.ppplus import DecisionForm, PositionFilterForm, SpendForm
from records.selectors.ppplus import (
    children_in_care_during,
    ppplus_by_school,
    ppplus_child_rows,
    ppplus_position,
    ppplus_requests,
    ppplus_waiting,
)
from records.services import access_log_record_many
from records.services import ppplus as services
from records.spans import open_q
from records.views.sections import show_refusal
from virtualschool.errors import DomainError
from virtualschool.spreadsheets import csv_response


def _year(request: HttpRequest) -> int:
    """The year asked for if its allocation is held; else this financial year, or the
    latest held (the filter form then says the choice is not one of them)."""
    asked = request.GET.get("year", "")
    if asked.isdigit() and pp_plus_allocation(int(asked)) is not None:
        return int(asked)
    year = financial_year_of(timezone.localdate())
    return year if pp_plus_allocation(year) is not None else latest_rate_year()


def _not_held() -> str:
    """What the page says when this financial year's allocation is not held."""
    year = financial_year_of(timezone.localdate())
    return "" if pp_plus_allocation(year) is not None else no_allocation_message(year)


def _scope(year: int, school_id: int | None):
    children = children_in_care_during(year)
    if school_id:
        today = timezone.localdate()
        children = children.filter(
            Exists(
                Enrolment.objects.filter(
                    open_q(today), child_id=OuterRef("pk"), school_id=school_id
                )
            )
        )
    return children


def _csv(year: int, by_school, child_rows) -> HttpResponse:
    label = financial_year_label(year)
    header = ["Level", "School URN", "School", "Child", "Financial year"]
    header += ["Allocated", "Requested", "Approved", "Spent"]
    rows: list[list[object]] = [header]
    for position in by_school:
        school = position.school
        f = position.figures
        rows.append(
            [
                "School",
                school.urn if school else "",
                school.name if school else "No school",
                "",
                label,
                f.allocated,
                f.requested,
                f.approved,
                f.spent,
            ]
        )
    for child in child_rows:
        rows.append(
            [
                "Child",
                child.school_urn,
                child.school_name or "No school",
                child.full_name,
                label,
                child.allocated,
                child.requested,
                child.approved,
                child.spent,
            ]
        )
    return csv_response(filename=f"pupil-premium-plus-{year}.csv", rows=rows)


FORMS = {"decide": DecisionForm, "spend": SpendForm}


def _act(request: HttpRequest, among, kinds=FORMS) -> tuple[str, forms.Form, str]:
    """Decide a request or record spend (the forms in `kinds`) for one of the requests
    `among` (a queryset); returns (which form, the form, success message)."""
    posted = request.POST.get("form", "")
    form_class = kinds.get(posted)
    if form_class is None:
        raise Http404("No such form")
    form = form_class(
        request.POST, prefix=posted, auto_id=f"r{request.POST.get(f'{posted}-request', '')}-%s"
    )
    if not form.is_valid():
        return posted, form, ""
    data = form.cleaned_data
    pp_request = among.select_related("child", "plan").filter(pk=data["request"]).first()
    if pp_request is None:
        raise Http404("No such request")
    try:
        if posted == "spend":
            services.ppplus_spend_record(
                actor=request.user,
                request=pp_request,
                spent_on=data["spent_on"],
                amount=data["amount"],
                bought=data["bought"],
            )
            return posted, form, "Spend recorded"
        if data["decision"] == "approve":
            services.ppplus_request_approve(
                actor=request.user,
                request=pp_request,
                expected_version=data["expected_version"],
                amount=data["approved_amount"],
            )
            return posted, form, "Request approved"
        services.ppplus_request_refuse(
            actor=request.user,
            request=pp_request,
            expected_version=data["expected_version"],
            reason=data["refused_reason"],
        )
        return posted, form, "Request refused"
    except DomainError as error:
        show_refusal(form, error)
        return posted, form, ""


def _request_row(row: PpPlusRequest, posted: str, errored: forms.Form | None) -> dict:
    """A request with its decision form (undecided) or spend form (approved); the form just
    posted for it comes back bound, with its errors. Ids carry the request's number, so the
    page's many forms never share one."""

    def form(key: str, form_class, initial: dict) -> forms.Form | None:
        if (
            errored is not None
            and posted == key
            and errored.data.get(f"{key}-request") == str(row.pk)
        ):
            return errored
        return form_class(initial=initial, prefix=key, auto_id=f"r{row.pk}-%s")

    return {
        "request": row,
        "decide": form("decide", DecisionForm, {"request": row.pk, "expected_version": row.version})
        if row.status == PpPlusStatus.REQUESTED
        else None,
        "spend": form("spend", SpendForm, {"request": row.pk})
        if row.status == PpPlusStatus.APPROVED
        else None,
    }


@require_http_methods(["GET", "POST"])
def position_page(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not can_see_pp_plus_position(user):
        raise Http404("No such page")
    whole = can_view_all_children(user)
    if request.method == "POST" and not whole:
        raise Http404("No such page")
    year = _year(request)
    by_school = ppplus_by_school(children=children_in_care_during(year), year=year)
    schools = {p.school.pk: p.school for p in by_school if p.school is not None}
    data = request.GET.copy()
    data.setdefault("year", str(year))
    filters = PositionFilterForm(
        data, schools=[(str(pk), school.name) for pk, school in schools.items()]
    )
    school_id = filters.cleaned_data["school"] if filters.is_valid() else None
    scope = _scope(year, school_id)
    posted, errored = "", None
    if request.method == "POST":
        among = PpPlusRequest.objects.filter(child__in=scope.values("pk"))
        posted, errored, done = _act(request, among)
        if done:
            messages.success(request, done)
            return redirect(request.get_full_path())
    if school_id:
        by_school = [p for p in by_school if p.school is not None and p.school.pk == school_id]
    csv = request.GET.get("download") == "csv"
    child_rows = []
    if whole:
        rows_query = ppplus_child_rows(children=scope, year=year)
        if not csv:  # the page lists children with a request; the CSV has every child
            rows_query = rows_query.filter(requested__gt=0)
        child_rows = list(rows_query.order_by("last_name", "first_name", "pk"))
    for child in child_rows:
        school = schools.get(child.school_id)
        child.school_name = school.name if school else ""
        child.school_urn = school.urn if school else ""
    requests = list(ppplus_requests(children=scope, year=year)) if whole and not csv else []
    # Every child the page or the CSV names gets an access-log entry (one INSERT).
    named = {child.pk for child in child_rows} | {row.child_id for row in requests}
    access_log_record_many(
        user=user,
        child_ids=sorted(named),
        page="CSV: Pupil Premium Plus" if csv else "Pupil Premium Plus",
    )
    if csv:
        return _csv(year, by_school, child_rows)
    rows = [_request_row(row, posted, errored) for row in requests]
    return render(
        request,
        "records/ppplus/position.html",
        {
            "filters": filters,
            "year_label": financial_year_label(year),
            "rate": pp_plus_allocation(year),
            "not_held": _not_held(),
            "total": ppplus_position(children=scope, year=year),
            "by_school": by_school,
            "child_rows": child_rows,
            "schools": schools,
            "whole_cohort": whole,
            "requests": rows,
            "form": errored,
            "csv_query": f"year={year}" + (f"&school={school_id}" if school_id else ""),
        },
    )


@require_http_methods(["GET", "POST"])
def queue_page(request: HttpRequest) -> HttpResponse:
    """/pupil-premium-plus/requests/: every request waiting for a decision, oldest first,
    each approved for an amount or refused with a reason through records.services.ppplus,
    which also refuses a decision by the person who made the request. Admins and Managers
    (the virtual school head's role, issue 15). An Admin sees no child's record, so sees the
    request's number, school, year, amount, targets counted and who asked, never the child,
    the purpose or the targets' words; a Manager sees those too, and the child's plan."""
    user = request.user
    if not can_decide_pp_plus(user):
        raise Http404("No such page")
    whole = can_view_all_children(user)
    posted, errored = "", None
    if request.method == "POST":
        posted, errored, done = _act(request, ppplus_waiting(), {"decide": DecisionForm})
        if done:
            messages.success(request, done)
            return redirect("ppplus:queue")
    waiting = list(
        ppplus_waiting().prefetch_related("links__target") if whole else ppplus_waiting()
    )
    if whole:
        access_log_record_many(
            user=user,
            child_ids=sorted({row.child_id for row in waiting}),
            page="PP+ requests to decide",
        )
    return render(
        request,
        "records/ppplus/queue.html",
        {
            "requests": [
                {
                    **_request_row(row, posted, errored),
                    "year_label": financial_year_label(row.financial_year),
                }
                for row in waiting
            ],
            "whole_cohort": whole,
            "form": errored,
        },
    )
