"""The subject-access export's pages: a confirm page warning that the export must be reviewed,
third parties redacted, before it is released, and the download, a POST from that page's button
(CSRF-protected, like every POST: CsrfViewMiddleware). A GET of the download's address shows the
confirm page, so a link followed, prefetched or bookmarked never exports anything by itself.

Issue 14: "An Admin or Manager exports everything the data map says is held on one child."
Admins see no child's record elsewhere (children_visible_to needs the Caseworker role or the
Manager's view-all); this is the one door through which an Admin reaches a child, because
answering a subject-access request is information governance's duty. Every other person, and
an id no child has, gets a 404, and the refusal is logged.
"""

from __future__ import annotations

import uuid

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from records.models import Child
from retention.subject_access import services
from retention.subject_access.export import export_file, exported_entries
from retention.subject_access.permissions import can_export_subject_access


def _child_or_404(request: HttpRequest, pk: uuid.UUID) -> Child:
    child = Child.objects.filter(pk=pk).first()
    if child is None or not can_export_subject_access(request.user):
        if request.user.is_authenticated:
            services.subject_access_refusal_record(user=request.user, child_id=pk)
        raise Http404("No child found")
    return child


def _confirm_page(request: HttpRequest, child: Child) -> HttpResponse:
    services.subject_access_warning_record(user=request.user, child=child)
    areas = sorted({str(entry.area) for entry in exported_entries()})
    return render(
        request, "retention/subject_access_warning.html", {"child": child, "areas": areas}
    )


@require_GET
def warning(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    return _confirm_page(request, _child_or_404(request, pk))


@require_http_methods(["GET", "POST"])
def download(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    child = _child_or_404(request, pk)
    if request.method != "POST":
        return _confirm_page(request, child)
    services.subject_access_export_record(user=request.user, child=child)
    stamp = timezone.localdate().isoformat()
    return FileResponse(
        export_file(child=child),
        as_attachment=True,
        filename=f"subject-access-{child.pk}-{stamp}.zip",
        content_type="application/zip",
    )
