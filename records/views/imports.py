"""The Imports pages: upload a file, watch it being read, read its report, list past imports.

Caseworkers and managers import files about children, each matching only the children they
may see (records/selectors/imports.py import_reach); the schools register is Managers' and
Admins' (permissions.can_import_kind: the form offers a user only the kinds they may import,
and the service refuses any other). A caseworker or admin sees only the runs they started; a
manager sees every run; anyone else gets a 404, as for anything absent.
The pages hold no rules: records.services.imports stores, queues and runs the file.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from records.forms import ImportForm
from records.imports.guide import format_of, format_text, table_of, template_csv
from records.imports.progress import progress_of
from records.models import ImportKind, ImportRejection, ImportRun
from records.permissions import can_add_child, can_import, can_import_kind, can_see_all_imports
from records.selectors.imports import import_run_get_for_user, import_runs_visible_to
from records.services.imports import import_again_with_valid_rows, import_create
from virtualschool.errors import DomainError
from virtualschool.spreadsheets import csv_response

logger = logging.getLogger("virtualschool.access")

RUNS_PAGE_SIZE = 25
REJECTIONS_SHOWN = 100
# Readable labels for the report's counts; a count not named here is shown by its key.
COUNT_LABELS = {
    "rows_read": "Rows read",
    "children_matched": "Children matched",
    "children_created": "Children created",
    "children_updated": "Children updated",
    "children_unchanged": "Children unchanged",
    "sessions_created": "Sessions created",
    "sessions_updated": "Sessions updated",
    "sessions_unchanged": "Sessions unchanged",
    "schools_created": "Schools created",
    "schools_updated": "Schools updated",
    "schools_unchanged": "Schools unchanged",
    "created": "Created",
    "updated": "Updated",
    "unchanged": "Unchanged",
    "rows_rejected": "Rows rejected",
    "rows_warned": "Rows imported with a warning",
}
CHILDREN_IMPORTED = ("children_created", "children_updated", "children_unchanged")
HIDDEN_COUNTS = {"more_rejections"}
# Formats that can add a child the file names who is not on the record (--create-missing).
STATUS_TAG_CLASSES = {
    ImportRun.Status.QUEUED: "govuk-tag--grey",
    ImportRun.Status.RUNNING: "govuk-tag--blue",
    ImportRun.Status.SUCCEEDED: "govuk-tag--green",
    ImportRun.Status.REJECTED: "govuk-tag--orange",
    ImportRun.Status.FAILED: "govuk-tag--red",
}


# Views


def _require_importer(request: HttpRequest) -> None:
    if not can_import(request.user):
        raise Http404("No page here")


def progress_text(done: int, total: int | None, status: str) -> str:
    """ "12,345 of 760,000 rows", as the page shows it (import-progress.js writes the same)."""
    if status == ImportRun.Status.QUEUED and not done:
        return "Waiting to start"
    if total:
        return f"{done:,} of {total:,} rows"
    return f"{done:,} rows"


def _counts(run: ImportRun) -> list[tuple[str, str]]:
    """The report's counts with readable labels: rows read first, rows rejected last."""
    counts = {key: value for key, value in run.counts.items() if key not in HIDDEN_COUNTS}
    last = ["rows_warned", "rows_rejected"]
    order = ["rows_read", *(k for k in counts if k not in {"rows_read", *last}), *last]
    return [
        (COUNT_LABELS.get(key, key.replace("_", " ").capitalize()), f"{counts[key]:,}")
        for key in order
        if key in counts
    ]


def _progress(run: ImportRun) -> dict[str, Any]:
    """Rows done and total: from the cache while the run is open, from the run once finished."""
    if run.finished:
        done = run.processed_rows
        total = run.total_rows or run.processed_rows
    else:
        done, total = progress_of(run.pk) or (0, None)
    return {
        "status": run.status,
        "status_label": run.get_status_display(),
        "done": done,
        "total": total,
        "finished": run.finished,
    }


@require_GET
def import_list(request: HttpRequest) -> HttpResponse:
    """Past imports, newest first, with who ran them."""
    _require_importer(request)
    runs = import_runs_visible_to(user=request.user)
    page = Paginator(runs, RUNS_PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    for run in page.object_list:
        run.tag_class = STATUS_TAG_CLASSES.get(run.status, "")
        run.rows_display = f"{run.counts.get('rows_read', 0):,}" if run.finished else "–"
        run.rejected_display = f"{run.counts.get('rows_rejected', 0):,}" if run.finished else "–"
    return render(
        request,
        "records/imports/list.html",
        {"page": page, "sees_all": can_see_all_imports(request.user)},
    )


@require_http_methods(["GET", "POST"])
def import_new(request: HttpRequest) -> HttpResponse:
    """Upload a file; it is stored and queued, and the user goes to its run's page."""
    _require_importer(request)
    kinds = [kind for kind in ImportKind.values if can_import_kind(request.user, kind)]
    if request.method == "POST" and request.POST.get("kind") not in kinds:
        logger.warning(
            "import refused: user %s may not import %r files",
            request.user.pk,
            request.POST.get("kind", "")[:20],
        )
    form = ImportForm(
        request.POST or None,
        request.FILES or None,
        may_add_children=can_add_child(request.user),
        kinds=kinds,
    )
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            run = import_create(
                actor=request.user,
                kind=form.cleaned_data["kind"],
                file=upload,
                file_name=upload.name,
                import_valid_rows=form.cleaned_data["import_valid_rows"],
                options=form.options(),
            )
        except DomainError as error:
            form.add_error(None, error)
        else:
            return redirect("records:import-detail", pk=run.pk)
    return render(request, "records/imports/new.html", {"form": form, "guides": _guides(kinds)})


def _guides(kinds: list[str]) -> list[dict[str, Any]]:
    """For each kind the user may import: what the file is, its tables' columns as the
    importer declares them (records/imports/guide.py), each table's template and the page
    of the format."""
    labels = dict(ImportKind.choices)
    guides = []
    for kind in kinds:
        found = format_of(kind)
        if found is None:
            continue
        guides.append(
            {
                "kind": kind,
                "label": labels[kind],
                "summary": found.summary,
                "tables": found.tables,
                "docs": found.docs,
            }
        )
    return guides


@require_GET
def import_template(request: HttpRequest, template: str) -> HttpResponse:
    """A CSV template of one table of a kind the user may import: its header and a row of
    example values that pass the importer's checks."""
    _require_importer(request)
    for kind in ImportKind.values:
        table = table_of(kind, template)
        if table is not None and can_import_kind(request.user, kind):
            response = HttpResponse(template_csv(table), content_type="text/csv; charset=utf-8")
            response["Content-Disposition"] = f'attachment; filename="{table.slug}-template.csv"'
            return response
    raise Http404("No template here")


@require_GET
def import_format(request: HttpRequest, kind: str) -> HttpResponse:
    """The format of a kind the user may import, as docs/imports/ writes it (Markdown text)."""
    _require_importer(request)
    text = format_text(kind) if kind in ImportKind.values else None
    if text is None or not can_import_kind(request.user, kind):
        raise Http404("No format here")
    response = HttpResponse(text, content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{format_of(kind).docs}"'
    return response


@require_GET
def import_detail(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    """A run's progress while it is read, then its report and first rejections."""
    run = import_run_get_for_user(user=request.user, pk=pk)
    progress = _progress(run)
    context: dict[str, Any] = {
        "run": run,
        "progress": progress,
        "progress_text": progress_text(progress["done"], progress["total"], run.status),
        "tag_class": STATUS_TAG_CLASSES.get(run.status, ""),
    }
    if run.finished:
        rejections = list(run.rejections.all()[:REJECTIONS_SHOWN])
        kept = run.rejections.count() if len(rejections) == REJECTIONS_SHOWN else len(rejections)
        more = run.counts.get("more_rejections", 0)
        context["counts"] = _counts(run)
        context["counts_rejected"] = run.counts.get("rows_rejected", 0)
        context["rejections"] = rejections
        context["rejections_kept"] = kept
        context["rejections_kept_text"] = f"{kept:,}"
        context["more_rejections"] = more
        context["more_rejections_text"] = f"{more:,}"
        context["can_import_again"] = run.status == ImportRun.Status.REJECTED and bool(
            run.stored_path
        )
        context.update(_problems_summary(run))
    return render(request, "records/imports/detail.html", context)


@require_GET
def import_progress(request: HttpRequest, pk: uuid.UUID) -> JsonResponse:
    """{status, status_label, done, total, finished} for the progress page's script."""
    run = import_run_get_for_user(user=request.user, pk=pk)
    response = JsonResponse(_progress(run))
    response["Cache-Control"] = "no-store"
    return response


def _plural(count: int, one: str, many: str) -> str:
    return f"{count:,} {one if count == 1 else many}"


def _problems_summary(run: ImportRun) -> dict[str, Any]:
    """The headline ("2,675 children imported; 1,413 warnings; 12 rows not imported"), the
    counts per table with their totals (the sums of the tables), and the counts by reason,
    for an importer that counts per table (records/imports/base.py ImportReport)."""
    if not run.table_counts:
        return {}
    names = ("read", "imported", "warned", "rejected")
    tables = [
        {"name": name, **{key: f"{counts.get(key, 0):,}" for key in names}}
        for name, counts in run.table_counts.items()
    ]
    totals = {key: sum(c.get(key, 0) for c in run.table_counts.values()) for key in names}
    warnings = sum(r["count"] for r in run.reason_counts if r["severity"] == "warning")
    children = sum(run.counts.get(key, 0) for key in CHILDREN_IMPORTED)
    verb = "imported" if run.status == ImportRun.Status.SUCCEEDED else "read"
    headline = "; ".join(
        [
            f"{_plural(children, 'child', 'children')} {verb}",
            _plural(warnings, "warning", "warnings"),
            f"{_plural(totals['rejected'], 'row', 'rows')} not imported",
        ]
    )
    reasons = [
        {
            **reason,
            "outcome": ImportRejection.Severity(reason["severity"]).label,
            "count_text": f"{reason['count']:,}",
        }
        for reason in run.reason_counts
    ]
    return {
        "headline": headline,
        "table_counts": tables,
        "table_totals": {key: f"{value:,}" for key, value in totals.items()},
        "reasons": reasons,
        "has_warnings": bool(warnings),
    }


def _rejection_rows(run: ImportRun) -> Iterator[tuple[object, ...]]:
    yield ("Row", "Field", "Reason", "Outcome")
    labels = dict(ImportRejection.Severity.choices)
    rejections = ImportRejection.objects.filter(run=run).order_by("row_number", "id")
    for row, name, reason, severity in rejections.values_list(
        "row_number", "field", "reason", "severity"
    ).iterator(chunk_size=2000):
        yield (row, name, reason, labels[severity])


@require_GET
def import_rejections_csv(request: HttpRequest, pk: uuid.UUID) -> StreamingHttpResponse:
    """Every kept rejection of a run as CSV; the file name names the run, never a person."""
    run = import_run_get_for_user(user=request.user, pk=pk)
    return csv_response(filename=f"import-{run.pk}-rejections.csv", rows=_rejection_rows(run))


@require_POST
def import_again(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    """Import the valid rows of a rejected file, as a new run of the same kept file."""
    run = import_run_get_for_user(user=request.user, pk=pk)
    try:
        again = import_again_with_valid_rows(actor=request.user, run=run)
    except DomainError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect("records:import-detail", pk=run.pk)
    return redirect("records:import-detail", pk=again.pk)
