"""Sharing restrictions on a child's record (/children/<id>/sharing-restrictions/): whoever
may change the child records one, with its reason, or removes one, with the reason for
removing it (sharing.services.restriction_add, restriction_remove, which check who is
acting themselves). The child is reached through records.access.child_for_request, so a
view is in the child's access log and a refusal is a logged 404."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from records import selectors as records_selectors
from records.access import child_for_request
from sharing import selectors, services
from sharing.forms import RestrictionForm, RestrictionRemoveForm
from sharing.permissions import can_restrict_sharing
from sharing.views import _submit


def _check(child):
    def check(values):
        return services.restriction_errors(
            child=child,
            kind=values.get("kind") or "",
            recipient_type=values.get("recipient_type") or "",
            requested_by=values.get("requested_by") or "",
            reason=values.get("reason") or "",
        )

    return check


@require_http_methods(["GET", "POST"])
def restrictions(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    """The child's restrictions in force and removed, and the form to record one."""
    child = child_for_request(
        request, pk, page="sharing-restrictions", require=can_restrict_sharing
    )
    form = RestrictionForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        done, _ = _submit(
            form,
            _check(child),
            lambda **values: services.restriction_add(actor=request.user, child=child, **values),
        )
        if done:
            messages.success(request, "The restriction is recorded")
            return redirect("restrictions:list", pk=child.pk)
    current = selectors.child_restrictions(child=child)
    return render(
        request,
        "sharing/restrictions.html",
        {
            "child": child,
            "child_name": records_selectors.child_name_for(user=request.user, child=child),
            "form": form,
            "current": [
                (restriction, row)
                for restriction, row in zip(
                    current, selectors.restriction_rows(current), strict=True
                )
            ],
            "headers": selectors.RESTRICTION_HEADERS,
            "removed": selectors.child_removed_restrictions(child=child),
        },
    )


@require_http_methods(["GET", "POST"])
def restriction_remove(request: HttpRequest, pk: uuid.UUID, restriction_id: int) -> HttpResponse:
    """Remove one of the child's restrictions, with the reason."""
    child = child_for_request(
        request, pk, page="sharing-restriction-remove", require=can_restrict_sharing
    )
    restriction = selectors.restriction_get(child=child, pk=restriction_id)
    form = RestrictionRemoveForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        done, _ = _submit(
            form,
            lambda values: (
                {}
                if (values.get("reason") or "").strip()
                else {"reason": ["Enter why the restriction is removed"]}
            ),
            lambda **values: services.restriction_remove(
                actor=request.user, restriction=restriction, **values
            ),
        )
        if done:
            messages.success(request, "The restriction is removed")
            return redirect("restrictions:list", pk=child.pk)
    return render(
        request,
        "sharing/restriction_remove.html",
        {
            "child": child,
            "child_name": records_selectors.child_name_for(user=request.user, child=child),
            "restriction": restriction,
            "words": selectors.restriction_words(restriction),
            "form": form,
        },
    )
