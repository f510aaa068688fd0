"""The page that changes a child's identity and current address.

Permission: seeing the child and can_change_child (a manager, or the allocated caseworker);
anything refused is a logged 404 (records/access.py). The version the page was read at
is posted back, so a save over someone else's change is refused with a message
(records/services/locking.py); an address that changes is kept as a previous address by the
service.

The form follows the data map: a field the user may not see (permissions.can_see_field) is
not in the form, and the service is given its current value, so a POST cannot change it.
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from records.access import child_for_request
from records.forms import ChildEditForm, VersionForm
from records.models import Child
from records.permissions import can_change_child, can_see_field
from records.selectors import child_name_for
from records.services.child_update import child_update
from records.views.sections import record_context, show_refusal
from virtualschool.forms import submit


def _hidden(user, child: Child) -> list[str]:
    """The form's fields of the child this user may not see (why the address changed is
    asked only of someone who sees the address)."""
    hidden = [name for name in STORED if not can_see_field(user, Child, name)]
    if "address_line_1" in hidden:
        hidden.append("address_change")
    return hidden


# The form's fields that are the child's own (the rest, why the address changed, is not kept).
STORED = [name for name in ChildEditForm.base_fields if name != "address_change"]


def _initial(child: Child, shown: list[str]) -> dict[str, object]:
    return {name: getattr(child, name) for name in shown}


@require_http_methods(["GET", "POST"])
def child_edit(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    child = child_for_request(request, pk, page="child-edit", require=can_change_child)
    hidden = _hidden(request.user, child)
    shown = [name for name in STORED if name not in hidden]
    if request.method == "POST":
        form = ChildEditForm(request.POST)
        version = VersionForm(request.POST)
    else:
        form = ChildEditForm(initial=_initial(child, shown))
        version = VersionForm(initial={"expected_version": child.version})
    for name in hidden:
        del form.fields[name]
    if request.method == "POST" and version.is_valid():
        # What the user may not see is kept as it is, whatever was posted for it.
        kept = {name: getattr(child, name) for name in hidden if name in STORED}
        updated = submit(
            form,
            child_update,
            show=show_refusal,
            actor=request.user,
            child=child,
            expected_version=version.cleaned_data["expected_version"],
            **kept,
        )
        if updated is not None:
            messages.success(
                request,
                f"{child_name_for(user=request.user, child=updated)}'s details have been updated",
            )
            return redirect("records:child-detail", pk=child.pk)
    return render(
        request,
        "records/child_edit.html",
        {**record_context(request, child, None), "form": form, "version_form": version},
    )
