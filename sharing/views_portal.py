"""The designated teachers' portal (/portal/, issue 13): pages for recipient users of a
school, under the school's agreement active today (sharing.portal). The list and the child's
page are read-only; on the PEP page (issue 15) the designated teacher writes their sections
of the current plan and submits it, through records.services.pep, which checks again that
they own what they write.

Every view is @recipient_route, so virtualschool.middleware lets recipients reach them; to
anyone who is not a designated teacher (staff, another type of recipient) they are a 404.
A child the agreement does not cover today is a 404 too, recorded in the child's access log
as a refusal. Every page that shows children is a disclosure: logged through
sharing.services.disclosure_record with the children, the fields and the SHA-256 of the page
sent, as well as in the children's access log.
"""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_http_methods

from records import forms_pep as pep_forms
from records import services as records_services
from records.models.pep import PepStatus
from records.services import pep as pep_services
from sharing import forms_portal
from sharing import portal as portal_reads
from sharing.services import disclosure_record
from virtualschool.errors import DomainError
from virtualschool.middleware import recipient_route

PAGE_FORMAT = "html"


def _disclosed(
    user: Any,
    portal: portal_reads.Portal,
    content: bytes,
    *,
    started_at: Any,
    fields: list[str],
    rows: int,
    child_ids: list[uuid.UUID],
) -> None:
    """Log what was sent (a page, or the home page's part) as a disclosure."""
    disclosure_record(
        agreement=portal.agreement,
        recipient=user,
        started_at=started_at,
        disclosure_date=portal.on,
        fmt=PAGE_FORMAT,
        fields=fields,
        row_count=rows,
        child_ids=child_ids,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        complete=True,
    )


@recipient_route
@require_GET
def children(request: HttpRequest) -> HttpResponse:
    """The school's children that its agreement covers today, or that there is no active
    agreement (and no child)."""
    portal = portal_reads.portal_for(request.user)
    if portal is None:
        raise Http404("No page here")
    if portal.agreement is None:
        return render(request, "sharing/portal.html", {"portal": portal, "listing": None})
    started_at = timezone.now()
    listing = portal_reads.portal_children(portal)
    ids = [child.pk for child in listing.children]
    records_services.access_log_record_many(user=request.user, child_ids=ids, page="portal")
    response = render(request, "sharing/portal.html", {"portal": portal, "listing": listing})
    _disclosed(
        request.user,
        portal,
        response.content,
        started_at=started_at,
        fields=listing.fields,
        rows=len(ids),
        child_ids=ids,
    )
    return response


@recipient_route
@require_GET
def child(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    """What the school's agreement releases about the child today, read-only."""
    portal = portal_reads.portal_for(request.user)
    started_at = timezone.now()
    shown = portal_reads.portal_child(portal, pk) if portal is not None else None
    if shown is None:
        records_services.access_log_record(
            user=request.user, child_id=pk, page="portal-child", allowed=False
        )
        raise Http404("No child found")
    records_services.access_log_record(
        user=request.user, child_id=pk, page="portal-child", allowed=True
    )
    response = render(request, "sharing/portal_child.html", {"portal": portal, "child": shown})
    _disclosed(
        request.user,
        portal,
        response.content,
        started_at=started_at,
        fields=shown.fields,
        rows=shown.rows,
        child_ids=[pk],
    )
    return response


# The plan's states in which its author writes it (records.services.pep.EDITABLE).
WRITABLE = pep_services.EDITABLE
SUBMITTABLE = frozenset({PepStatus.IN_PROGRESS, PepStatus.RETURNED})


def _pep_forms(plan, data=None, posted: str = "") -> dict[str, forms.Form]:
    """Every form of the PEP page; the one posted is bound to the request's data."""
    return pep_forms.plan_forms(
        plan,
        {
            "target": (pep_forms.TargetForm, {}),
            "review": (pep_forms.ReviewForm, {}),
            "submit": (pep_forms.SubmitForm, {"expected_version": plan.version}),
        },
        sections=forms_portal.SECTION_FORMS,
        data=data,
        posted=posted,
    )


def _refused(form: forms.Form, error: DomainError) -> None:
    """The service's refusal on the form: each message beside its field, the rest on top."""
    for name, texts in error.message_dict.items():
        form.add_error(name if name in form.fields else None, texts)


def _pep_act(request: HttpRequest, shown: portal_reads.PortalPep, posted: str, form) -> str:
    """Call the service for the posted form; returns the success message."""
    plan, data, user = shown.plan, form.cleaned_data, request.user
    if posted.startswith("section-"):
        pep_services.pep_section_update(
            actor=user,
            plan=plan,
            section=posted.removeprefix("section-"),
            expected_version=pep_forms.posted_version(request.POST),
            **data,
        )
        return "Section saved"
    if posted == "target":
        pep_services.pep_target_add(actor=user, plan=plan, **data)
        return "Target added"
    if posted == "review":
        target = next((t for t in shown.page.to_review if t.pk == data["target"]), None)
        if target is None:
            raise Http404("No such target")
        pep_services.pep_target_review(actor=user, plan=plan, target=target, review=data["review"])
        return "Target reviewed"
    pep_services.pep_submit(actor=user, plan=plan, expected_version=data["expected_version"])
    return "Plan submitted to the virtual school"


@recipient_route
@require_http_methods(["GET", "POST"])
def pep(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    """The child's current personal education plan: every section the agreement releases,
    read-only but the designated teacher's own (pupil voice, education, targets), which they
    write, and the plan's submission; the reason the virtual school gave when it returned."""
    portal = portal_reads.portal_for(request.user)
    started_at = timezone.now()
    shown = portal_reads.portal_pep(portal, pk)
    if shown is None:
        records_services.access_log_record(
            user=request.user, child_id=pk, page="portal-pep", allowed=False
        )
        raise Http404("No child found")
    plan = shown.plan
    post = request.method == "POST"
    if post and plan is None:
        raise Http404("No plan")
    posted = request.POST.get("form", "") if post else ""
    built = _pep_forms(plan, request.POST if post else None, posted) if plan else {}
    if post and posted not in built:
        raise Http404("No such form")
    errored = None
    if post:
        form = built[posted]
        if form.is_valid():
            try:
                done = _pep_act(request, shown, posted, form)
            except DomainError as error:
                _refused(form, error)
            else:
                messages.success(request, done)
                return redirect("portal:pep", pk=pk)
        errored = form
    records_services.access_log_record(
        user=request.user, child_id=pk, page="portal-pep", allowed=True
    )
    writable = plan is not None and plan.status in WRITABLE
    for entry in shown.sections:
        owned = entry.owned and writable
        entry.form = built.get(f"section-{entry.section.slug}") if owned else None
    response = render(
        request,
        "sharing/portal_pep.html",
        {
            "portal": portal,
            "shown": shown,
            "plan": plan,
            "forms": built,
            "form": errored,
            "writable": writable,
            "can_submit": plan is not None and plan.status in SUBMITTABLE,
            "review_choices": pep_forms.REVIEW_CHOICES,
        },
    )
    _disclosed(
        request.user,
        portal,
        response.content,
        started_at=started_at,
        fields=shown.fields,
        rows=shown.rows,
        child_ids=[pk],
    )
    return response


def portal_home_part(user: Any) -> dict[str, Any]:
    """The designated teacher's part of the home page (virtualschool.home, registered from
    sharing's ready()): the plans waiting for them, with the reason a returned one came back.
    It names children, so showing it is a disclosure like the portal's pages: logged with
    the children, the fields and the SHA-256 of the part sent."""
    portal = portal_reads.portal_for(user)
    if portal is None:
        return {}
    started_at = timezone.now()
    waiting = portal_reads.portal_plans_waiting(portal)
    if waiting is None:
        return {}
    part = render_to_string("sharing/portal_home.html", {"waiting": waiting})
    if waiting.plans:
        ids = [plan.pk for plan in waiting.plans]
        records_services.access_log_record_many(user=user, child_ids=ids, page="portal-home")
        _disclosed(
            user,
            portal,
            part.encode(),
            started_at=started_at,
            fields=waiting.fields,
            rows=len(ids),
            child_ids=ids,
        )
    return {"portal_plans_waiting": mark_safe(part)}  # noqa: S308 - our template, escaped
