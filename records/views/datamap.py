"""The Admin's "What we hold" page: the data map grouped by category.

It shows the rows `manage.py datamap` prints (records.datamap.field_rows), so the page, the
command and the code cannot disagree. It reads no table: the map is declared in code.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from records.datamap import field_rows, holdings
from records.permissions import can_read_data_map


@require_GET
def what_we_hold(request: HttpRequest) -> HttpResponse:
    if not can_read_data_map(request.user):
        raise Http404("No page here")
    return render(request, "records/what_we_hold.html", {"holdings": holdings(field_rows())})
