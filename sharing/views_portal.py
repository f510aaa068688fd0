"""The designated teachers' portal (/portal/, issue 13): read-only pages for recipient users
of a school, under the school's agreement active today (sharing.portal).

Both views are @recipient_route, so virtualschool.middleware lets recipients reach them; to
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

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from records import services as records_services
from sharing import portal as portal_reads
from sharing.services import disclosure_record
from virtualschool.middleware import recipient_route

PAGE_FORMAT = "html"


def _disclosed(
    request: HttpRequest,
    portal: portal_reads.Portal,
    response: HttpResponse,
    *,
    started_at: Any,
    fields: list[str],
    rows: int,
    child_ids: list[uuid.UUID],
) -> None:
    disclosure_record(
        agreement=portal.agreement,
        recipient=request.user,
        started_at=started_at,
        disclosure_date=portal.on,
        fmt=PAGE_FORMAT,
        fields=fields,
        row_count=rows,
        child_ids=child_ids,
        size=len(response.content),
        sha256=hashlib.sha256(response.content).hexdigest(),
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
        request,
        portal,
        response,
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
        request,
        portal,
        response,
        started_at=started_at,
        fields=shown.fields,
        rows=shown.rows,
        child_ids=[pk],
    )
    return response
