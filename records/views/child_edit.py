"""The page that changes a child's identity and current address.

Permission: seeing the child and can_change_child (a manager, or the allocated caseworker);
anything refused is a logged 404 (records/access.py). The version the page was read at
is posted back, so a save over someone else's change is refused with a message
(records/services/locking.py); an address that changes is kept as a previous address by the
service.
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from records.access import child_for_request
from records.forms import ChildForm, VersionForm
from records.models import Child
from records.permissions import can_change_child
from records.services.child_update import child_update
from records.views.sections import record_context
from virtualschool.errors import DomainError


def _initial(child: Child) -> dict[str, object]:
    return {name: getattr(child, name) for name in ChildForm.base_fields}


@require_http_methods(["GET", "POST"])
def child_edit(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    child = child_for_request(request, pk, page="child-edit", require=can_change_child)
    if request.method == "POST":
        form = ChildForm(request.POST)
        version = VersionForm(request.POST)
    else:
        form = ChildForm(initial=_initial(child))
        version = VersionForm(initial={"expected_version": child.version})
    if request.method == "POST" and form.is_valid() and version.is_valid():
        try:
            updated = child_update(
                actor=request.user,
                child=child,
                expected_version=version.cleaned_data["expected_version"],
                **form.cleaned_data,
            )
        except DomainError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"{updated.full_name}'s details have been updated")
            return redirect("records:child-detail", pk=child.pk)
    return render(
        request,
        "records/child_edit.html",
        {**record_context(request, child, None), "form": form, "version_form": version},
    )
