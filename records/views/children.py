"""Caseworker and manager pages for the child record.

Views bind a form, call a selector or service, and redirect after a change. Access to a
child always goes through records.access.child_for_request so that every view is logged
and every refusal is a logged 404, indistinguishable from a child that does not exist.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from records import selectors, services
from records.access import child_for_request
from records.child_blocks import child_blocks
from records.forms import AllocationForm, ChildForm, EpisodeForm, SearchForm
from records.history import history_rows
from records.models import Allocation, BatchEvent, Child, Enrolment, LegalStatusEpisode
from records.permissions import (
    can_add_child,
    can_allocate_children,
    can_change_child,
    can_see_field,
    can_view_all_children,
)
from records.views.sections import record_context
from virtualschool.errors import DomainError
from virtualschool.forms import submit

CASELOAD_PAGE_SIZE = 25
# Where the search text was kept until 2026-12 (issue 10): a name or UPN in django_session for
# the session's life, in no entry of the data map. It is no longer written; a session that
# still holds it loses it at its next caseload page.
OLD_SEARCH_SESSION_KEY = "records.caseload_search"
# The filter "Only children whose UPN needs checking" (issue 12) names nobody, so it may go in
# the query string of a list (?upn_check=1) and in the hidden field of a posted search.
UPN_CHECK_PARAMETER = "upn_check"
# "Only children with no school" (the home page's item, selectors.children_without_school).
NO_SCHOOL_PARAMETER = "no_school"
# "Only children not allocated to a caseworker" (issue 16), on the managers' list.
NOT_ALLOCATED_PARAMETER = "not_allocated"


# The caseload's columns and the mapped fields each shows: a column is shown only to a user who
# may see every one of its fields (records.permissions.can_see_field, the data map).
CASELOAD_COLUMNS = {
    "name": ((Child, "first_name"), (Child, "last_name")),
    "age": ((Child, "date_of_birth"),),
    "upn": ((Child, "upn"),),
    "school": ((Enrolment, "school"),),
    "status": ((LegalStatusEpisode, "cohort"),),
    "caseworker": ((Allocation, "caseworker"),),
}
# Columns only the list of every child has: a caseworker's own caseload is theirs.
ALL_CHILDREN_COLUMNS = frozenset({"caseworker"})


def caseload_columns(user: Any) -> dict[str, bool]:
    """Which of the caseload's columns this user is shown."""
    sees_all = can_view_all_children(user)
    return {
        key: (sees_all or key not in ALL_CHILDREN_COLUMNS)
        and all(can_see_field(user, model, name) for model, name in fields)
        for key, fields in CASELOAD_COLUMNS.items()
    }


def _may_allocate(user: Any, child: Child) -> bool:
    return can_allocate_children(user)


@require_http_methods(["GET", "POST"])
def caseload(request: HttpRequest) -> HttpResponse:
    """A caseworker's allocated children, or every child for a manager; searchable, paged.

    A search is posted and its results are the answer to the post: the text (a name or a UPN)
    goes neither in the URL (STYLE.md 12) nor in the session or anywhere else on the server,
    and a page of its results is posted again with it (the hidden field of the search's
    pagination). A GET is the list without a search; "Clear search" redirects to it."""
    request.session.pop(OLD_SEARCH_SESSION_KEY, None)
    search = ""
    page_number = request.GET.get("page")
    form = SearchForm()
    if request.method == "POST":
        if "clear" in request.POST:
            return redirect("records:caseload")
        form = SearchForm(request.POST)
        if form.is_valid():
            search = form.cleaned_data["q"].strip()
            page_number = request.POST.get("page")
    data = request.POST if request.method == "POST" else request.GET
    shows = caseload_columns(request.user)
    upn_check = data.get(UPN_CHECK_PARAMETER) == "1" and shows["upn"]
    no_school = data.get(NO_SCHOOL_PARAMETER) == "1" and shows["school"]
    not_allocated = data.get(NOT_ALLOCATED_PARAMETER) == "1" and shows["caseworker"]
    children = selectors.child_list_visible_to(
        user=request.user,
        search=search,
        upn_needs_checking=upn_check,
        no_school=no_school,
        not_allocated=not_allocated,
        with_caseworkers=shows["caseworker"],
    )
    page = Paginator(children, CASELOAD_PAGE_SIZE).get_page(page_number)
    # The page names each child on it: one access-log entry each, in one INSERT (issue #11).
    page.object_list = list(page.object_list)
    services.access_log_record_many(
        user=request.user, child_ids=[child.pk for child in page.object_list], page="caseload"
    )
    return render(
        request,
        "records/caseload.html",
        {
            "page": page,
            # A refused search (too long) is shown with its message; the list is unsearched.
            "search_form": form if form.errors else SearchForm(initial={"q": search}),
            "has_errors": bool(form.errors),
            "search": search,
            "upn_check": upn_check,
            "no_school": no_school,
            "not_allocated": not_allocated,
            "filter_query": "".join(
                f"{name}=1&"
                for name, on in (
                    (UPN_CHECK_PARAMETER, upn_check),
                    (NO_SCHOOL_PARAMETER, no_school),
                    (NOT_ALLOCATED_PARAMETER, not_allocated),
                )
                if on
            ),
            "shows": shows,
            "sees_all": can_view_all_children(request.user),
            "can_add_child": can_add_child(request.user),
        },
    )


@require_http_methods(["GET", "POST"])
def child_add(request: HttpRequest) -> HttpResponse:
    if not can_add_child(request.user):
        raise Http404("No page here")
    form = ChildForm(request.POST or None)
    if request.method == "POST" and (
        child := submit(form, services.child_create, actor=request.user)
    ):
        messages.success(request, f"{child.full_name} has been added")
        return redirect("records:child-detail", pk=child.pk)
    return render(request, "records/child_add.html", {"form": form})


@require_http_methods(["GET"])
def child_detail(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    child = child_for_request(request, pk, page="child-detail")
    return render(
        request,
        "records/child_detail.html",
        {
            **record_context(request, child, None),
            **selectors.child_summary(child=child, user=request.user),
            "can_allocate": can_allocate_children(request.user),
            "child_blocks": child_blocks(child=child, user=request.user),
        },
    )


@require_http_methods(["GET"])
def child_history(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    """The child's change history, as far as the user may see it (records.history)."""
    child = child_for_request(request, pk, page="child-history")
    entries = selectors.child_history_visible_to(child=child, user=request.user)
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    shows_batches = all(
        can_see_field(request.user, BatchEvent, name) for name in ("date_from", "date_to")
    )
    return render(
        request,
        "records/child_history.html",
        {
            **record_context(request, child, None),
            "on_history": True,
            "page": page,
            "rows": history_rows(page.object_list, user=request.user),
            "shows_batches": shows_batches,
            "batches": selectors.child_batch_events(child=child) if shows_batches else [],
        },
    )


@require_http_methods(["GET", "POST"])
def episode_add(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    child = child_for_request(request, pk, page="episode-add", require=can_change_child)
    form = EpisodeForm(request.POST or None)
    if request.method == "POST" and submit(
        form, services.episode_add, actor=request.user, child=child
    ):
        messages.success(request, "Status added")
        return redirect("records:child-detail", pk=child.pk)
    return render(
        request,
        "records/episode_add.html",
        {
            "child": child,
            "child_name": selectors.child_name_for(user=request.user, child=child),
            "form": form,
        },
    )


@require_http_methods(["GET", "POST"])
def allocation_add(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    child = child_for_request(request, pk, page="allocation-add", require=_may_allocate)
    form = AllocationForm(
        request.POST or None, caseworkers=selectors.caseworkers_for_allocation(child=child)
    )
    if request.method == "POST" and form.is_valid():
        allocate = (
            services.allocation_reallocate
            if form.cleaned_data["reallocate"]
            else services.allocation_create
        )
        try:
            allocate(
                actor=request.user,
                child=child,
                caseworker=form.cleaned_data["caseworker"],
                start_date=form.cleaned_data["start_date"],
            )
        except DomainError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Caseworker allocated")
            return redirect("records:child-detail", pk=child.pk)
    return render(
        request,
        "records/allocation_add.html",
        {
            "child": child,
            "child_name": selectors.child_name_for(user=request.user, child=child),
            "form": form,
        },
    )


@require_POST
def allocation_end(request: HttpRequest, pk: uuid.UUID, allocation_id: int) -> HttpResponse:
    child = child_for_request(request, pk, page="allocation-end", require=_may_allocate)
    allocation = get_object_or_404(Allocation, pk=allocation_id, child=child)
    try:
        services.allocation_end(actor=request.user, allocation=allocation)
    except DomainError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Allocation ended")
    return redirect("records:child-detail", pk=child.pk)
