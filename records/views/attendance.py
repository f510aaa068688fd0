"""The page that records attendance sessions by hand (the Attendance tab itself is rendered by
records.views.sections.tab_detail, from what records.selectors.attendance.attendance_tab_context
reads).

Permission: the tab needs sight of the child and of its area's categories (records.sections);
each part of the page is shown only to a user who may see the fields it shows (the data map);
recording needs can_change_child. Both reach the child through child_for_request, so every
view and every refusal is logged and a refusal is a 404.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from records.access import child_for_request
from records.models import Child
from records.permissions import can_change_child, can_see_area
from records.sections import tab_by_slug
from records.sections.attendance import AttendanceRecordForm
from records.services.attendance import attendance_record_range
from records.views.sections import record_context
from virtualschool.errors import DomainError

TAB_SLUG = "attendance"


def _may_record(user: Any, child: Child) -> bool:
    tab = tab_by_slug(TAB_SLUG)
    return tab is not None and can_see_area(user, tab.slug) and can_change_child(user, child)


@require_http_methods(["GET", "POST"])
def attendance_record_page(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    """Record one code for every weekday in a date range, morning, afternoon or both."""
    child = child_for_request(request, pk, page="attendance-record", require=_may_record)
    tab = tab_by_slug(TAB_SLUG)
    form = AttendanceRecordForm(request.POST or None, child=child)
    if request.method == "POST" and form.is_valid():
        try:
            event = attendance_record_range(actor=request.user, child=child, **form.cleaned_data)
        except DomainError as error:
            form.add_error(None, error)
        else:
            count = event.rows
            messages.success(request, f"{count} session{'s' if count != 1 else ''} recorded")
            return redirect("records:tab", pk=child.pk, tab=TAB_SLUG)
    return render(
        request,
        "records/attendance_record.html",
        {**record_context(request, child, tab), "form": form},
    )
