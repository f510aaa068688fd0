"""The sharing pages (/sharing/): Admins manage recipient organisations, their users and
sharing agreements.

Every page answers 404 to anyone but an Admin (sharing.permissions.can_manage_sharing),
recipients included, as for anything absent. Views bind a form, call sharing.services and
redirect; every refusal, the form's and the rules', is shown at once in the GOV.UK error
summary, and nothing is changed.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sharing import extracts, selectors, services
from sharing.api import CONTENT_TYPES
from sharing.forms import (
    ActionForm,
    AgreementForm,
    DisclosureSearchForm,
    ExtractForm,
    MemberAddForm,
    OrganisationForm,
    SuspendForm,
    TokenForm,
)
from sharing.models import AgreementState, SharingAgreement
from sharing.permissions import can_generate_extracts, can_manage_sharing
from virtualschool.errors import DomainError
from virtualschool.middleware import recipient_route


def _admin_only(request: HttpRequest) -> None:
    if not can_manage_sharing(request.user):
        raise Http404("No page here")


def _submit(
    form: forms.Form,
    check: Callable[[dict[str, Any]], dict[str, list[str]]],
    write: Callable[..., Any],
) -> tuple[bool, Any]:
    """Validate the form and the service's rules together, so the page shows every error at
    once; then write. (done, what the write returned)."""
    if not form.is_valid():
        for name, problems in check(form.cleaned_data).items():
            if name in form.fields and name not in form.errors:
                form.add_error(name, problems)
        return False, None
    try:
        return True, write(**form.cleaned_data)
    except DomainError as error:
        form.add_error(None, error)
        return False, None


# --- Organisations --------------------------------------------------------------------------


@require_GET
def organisations(request: HttpRequest) -> HttpResponse:
    _admin_only(request)
    return render(
        request, "sharing/organisations.html", {"organisations": selectors.organisations_list()}
    )


@never_cache
@require_http_methods(["GET", "POST"])
def organisation_add(request: HttpRequest) -> HttpResponse:
    _admin_only(request)
    form = OrganisationForm(request.POST or None)
    if request.method == "POST":
        done, organisation = _submit(
            form,
            lambda values: services.organisation_check(values=values),
            lambda **values: services.organisation_add(actor=request.user, **values),
        )
        if done:
            messages.success(request, f"{organisation.name} is added")
            return redirect("sharing:organisation-detail", pk=organisation.pk)
    return render(request, "sharing/organisation_form.html", {"form": form, "organisation": None})


@require_GET
def organisation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _admin_only(request)
    organisation = selectors.organisation_get(pk=pk)
    return render(
        request,
        "sharing/organisation_detail.html",
        {
            "organisation": organisation,
            "members": selectors.organisation_members(organisation=organisation),
            "agreements": organisation.agreements.order_by("name", "pk"),
            "changes": selectors.organisation_changes(organisation=organisation),
        },
    )


@never_cache
@require_http_methods(["GET", "POST"])
def organisation_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _admin_only(request)
    organisation = selectors.organisation_get(pk=pk)
    initial = {name: getattr(organisation, name) for name in services.ORGANISATION_FIELDS}
    form = OrganisationForm(request.POST or None, initial=initial)
    if request.method == "POST":
        done, changed = _submit(
            form,
            lambda values: services.organisation_check(values=values, organisation=organisation),
            lambda **values: services.organisation_edit(
                actor=request.user, organisation=organisation, **values
            ),
        )
        if done:
            if changed:
                messages.success(request, f"{organisation.name}'s details are saved")
            return redirect("sharing:organisation-detail", pk=organisation.pk)
    return render(
        request, "sharing/organisation_form.html", {"form": form, "organisation": organisation}
    )


@never_cache
@require_http_methods(["GET", "POST"])
def member_add(request: HttpRequest, pk: int) -> HttpResponse:
    _admin_only(request)
    organisation = selectors.organisation_get(pk=pk)
    form = MemberAddForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            added = services.recipient_user_add(
                actor=request.user, organisation=organisation, **form.cleaned_data
            )
        except DomainError as error:
            form.add_error(None, error)
        else:
            response = render(
                request,
                "sharing/member_added.html",
                {
                    "person": added.user,
                    "organisation": organisation,
                    "link": request.build_absolute_uri(added.set_password_path),
                },
            )
            response["Cache-Control"] = "no-store"
            return response
    return render(request, "sharing/member_add.html", {"form": form, "organisation": organisation})


# --- Agreements -----------------------------------------------------------------------------


@require_GET
def agreements(request: HttpRequest) -> HttpResponse:
    _admin_only(request)
    today = services.today()
    rows = [(agreement, agreement.status_on(today)) for agreement in selectors.agreements_list()]
    return render(
        request,
        "sharing/agreements.html",
        {
            "rows": rows,
            "due": selectors.agreements_due_for_review(on=today),
            "today": today,
        },
    )


def _agreement_form(request: HttpRequest, initial: dict | None = None) -> AgreementForm:
    return AgreementForm(
        request.POST or None, initial=initial, organisations=selectors.organisation_choices()
    )


@never_cache
@require_http_methods(["GET", "POST"])
def agreement_add(request: HttpRequest) -> HttpResponse:
    _admin_only(request)
    form = _agreement_form(request)
    if request.method == "POST":
        done, agreement = _submit(
            form,
            lambda values: services.agreement_check(values=values),
            lambda **values: services.agreement_draft(actor=request.user, **values),
        )
        if done:
            messages.success(request, "The draft is saved: another administrator approves it")
            return redirect("sharing:agreement-detail", pk=agreement.pk)
    return render(request, "sharing/agreement_form.html", {"form": form, "agreement": None})


def _detail(
    request: HttpRequest, pk: int, form: forms.Form | None = None, status: int = 200
) -> HttpResponse:
    agreement = selectors.agreement_get(pk=pk)
    today = services.today()
    return render(
        request,
        "sharing/agreement_detail.html",
        {
            "agreement": agreement,
            "status": agreement.status_on(today),
            "preview": selectors.agreement_preview(agreement=agreement, on=today),
            "changes": selectors.agreement_changes(agreement=agreement),
            "is_author": agreement.created_by_id == request.user.pk,
            "tokens": selectors.agreement_tokens(agreement=agreement),
            "now": timezone.now(),
            "form": form or ActionForm(),
        },
        status=status,
    )


@require_GET
def agreement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _admin_only(request)
    return _detail(request, pk)


@never_cache
@require_http_methods(["GET", "POST"])
def agreement_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _admin_only(request)
    agreement = selectors.agreement_get(pk=pk)
    if agreement.state != AgreementState.DRAFT:
        messages.error(request, "Only a draft can be changed")
        return redirect("sharing:agreement-detail", pk=agreement.pk)
    form = _agreement_form(request, initial=_initial(agreement))
    if request.method == "POST":
        done, changed = _submit(
            form,
            lambda values: services.agreement_check(values=values),
            lambda **values: services.agreement_edit(
                actor=request.user, agreement=agreement, **values
            ),
        )
        if done:
            if changed:
                messages.success(request, "The draft is saved")
            return redirect("sharing:agreement-detail", pk=agreement.pk)
    return render(request, "sharing/agreement_form.html", {"form": form, "agreement": agreement})


def _initial(agreement: SharingAgreement) -> dict[str, Any]:
    return {name: getattr(agreement, name) for name in services.AGREEMENT_FIELDS}


@require_POST
def agreement_approve(request: HttpRequest, pk: int) -> HttpResponse:
    _admin_only(request)
    agreement = selectors.agreement_get(pk=pk)
    try:
        services.agreement_approve(actor=request.user, agreement=agreement)
    except DomainError as error:
        form = ActionForm({})
        form.is_valid()
        form.add_error(None, error)
        return _detail(request, pk, form, status=400)
    messages.success(request, f"{agreement.name} is approved")
    return redirect("sharing:agreement-detail", pk=agreement.pk)


@never_cache
@require_http_methods(["GET", "POST"])
def agreement_suspend(request: HttpRequest, pk: int) -> HttpResponse:
    _admin_only(request)
    agreement = selectors.agreement_get(pk=pk)
    form = SuspendForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.agreement_suspend(actor=request.user, agreement=agreement, **form.cleaned_data)
        except DomainError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"{agreement.name} is suspended: it releases nothing now")
            return redirect("sharing:agreement-detail", pk=agreement.pk)
    return render(request, "sharing/agreement_suspend.html", {"form": form, "agreement": agreement})


# --- The disclosure log ---------------------------------------------------------------------


@require_GET
def disclosures(request: HttpRequest) -> HttpResponse:
    """Search the disclosure log: by agreement, day of release and child."""
    _admin_only(request)
    form = DisclosureSearchForm(request.GET or None, agreements=selectors.agreements_list())
    if not form.is_bound:
        entries = selectors.disclosures_search(selectors.DisclosureFilters())
    elif form.is_valid():
        entries = selectors.disclosures_search(form.filters())
    else:  # the error summary says what to put right; no list it did not ask for
        entries = selectors.disclosures_search(selectors.DisclosureFilters()).none()
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    return render(request, "sharing/disclosures.html", {"form": form, "page": page})


# --- API tokens -----------------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
def token_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Issue a token for the agreement's machine client. The secret is on the page that
    answers the POST, never stored and never shown again."""
    _admin_only(request)
    agreement = selectors.agreement_get(pk=pk)
    suggested = services.today() + datetime.timedelta(days=services.TOKEN_DAYS_DEFAULT)
    form = TokenForm(request.POST or None, initial={"expires_on": suggested})
    if request.method == "POST":
        done, issued = _submit(
            form,
            lambda values: services.token_check(**values),
            lambda **values: services.token_issue(
                actor=request.user, agreement=agreement, days=None, **values
            ),
        )
        if done:
            token, secret = issued
            response = render(
                request,
                "sharing/token_issued.html",
                {"agreement": agreement, "token": token, "secret": secret},
            )
            response["Cache-Control"] = "no-store"
            return response
    return render(request, "sharing/token_add.html", {"form": form, "agreement": agreement})


@never_cache
@require_http_methods(["GET", "POST"])
def token_revoke(request: HttpRequest, pk: int, token: int) -> HttpResponse:
    """Ask to confirm, then revoke the token at once."""
    _admin_only(request)
    agreement = selectors.agreement_get(pk=pk)
    found = selectors.agreement_token_get(agreement=agreement, pk=token)
    if request.method == "POST":
        services.token_revoke(actor=request.user, token=found)
        messages.success(request, f"The token {found.name} is revoked: it no longer works")
        return redirect("sharing:agreement-detail", pk=agreement.pk)
    return render(request, "sharing/token_revoke.html", {"agreement": agreement, "token": found})


# --- Extract files --------------------------------------------------------------------------


def _generators_only(request: HttpRequest) -> None:
    if not can_generate_extracts(request.user):
        raise Http404("No page here")


@require_GET
def extract_agreements(request: HttpRequest) -> HttpResponse:
    """The agreements active today, each leading to its extract files: where a Manager (who
    has no other sharing page) starts."""
    _generators_only(request)
    return render(
        request,
        "sharing/extract_agreements.html",
        {"agreements": selectors.agreements_active().select_related("organisation")},
    )


@never_cache
@require_http_methods(["GET", "POST"])
def agreement_extracts(request: HttpRequest, pk: int) -> HttpResponse:
    """An agreement's extract files with their progress, and asking for a new one: Admins and
    Managers (sharing.extracts.can_generate_extracts); anyone else gets a 404."""
    _generators_only(request)
    agreement = selectors.agreement_get(pk=pk)
    form = ExtractForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            extracts.extract_request(
                actor=request.user, agreement=agreement, fmt=form.cleaned_data["format"]
            )
        except DomainError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "The extract file is being built")
            return redirect("sharing:agreement-extracts", pk=agreement.pk)
    files = list(selectors.agreement_extracts(agreement=agreement)[:50])
    rows = [(extract, extracts.extract_progress(extract)) for extract in files]
    return render(
        request,
        "sharing/agreement_extracts.html",
        {
            "agreement": agreement,
            "status": agreement.status_on(services.today()),
            "form": form,
            "rows": rows,
            "building": any(not extract.finished for extract in files),
            "days": settings.EXTRACTS_DAYS,
        },
    )


def _recipient_only(request: HttpRequest) -> None:
    if selectors.recipient_organisation_of(request.user) is None:
        raise Http404("No page here")


@recipient_route
@require_GET
def recipient_extracts(request: HttpRequest) -> HttpResponse:
    """The recipient's organisation's extract files ready to download; staff get a 404."""
    _recipient_only(request)
    return render(
        request,
        "sharing/recipient_extracts.html",
        {"extracts": selectors.recipient_extracts(user=request.user)},
    )


@recipient_route
@require_GET
def extract_download(request: HttpRequest, pk: Any) -> HttpResponse:
    """Download one extract file: the release, logged when the stream ends. Another
    organisation's file is a 404; an agreement not active today a 403, with nothing sent."""
    _recipient_only(request)
    extract = selectors.recipient_extract_get(user=request.user, pk=pk)
    try:
        stream = extracts.extract_release(recipient=request.user, extract=extract)
    except FileNotFoundError as gone:  # deleted on expiry a moment ago
        raise Http404("No such extract") from gone
    except extracts.ExtractRefusedError as refusal:
        return render(
            request,
            "sharing/extract_refused.html",
            {"extract": extract, "reason": str(refusal)},
            status=403,
        )
    response = StreamingHttpResponse(stream, content_type=CONTENT_TYPES[extract.format])
    name = f"agreement-{extract.agreement_id}-{extract.built_on.isoformat()}.{extract.format}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Content-Length"] = str(extract.size)
    response["Cache-Control"] = "no-store"
    return response
