"""Starting and running imports: the file is stored, then read in one transaction.

import_create stores an uploaded file and, once committed, hands its run to the runner
settings.IMPORTS_RUNNER names (import_dispatch: the Celery task import_run beside it, or a
thread of the web process where there is no broker); import_execute runs it (from either, or
directly from a management command). Rules enforced
here, for every format:
- all or nothing per file: the importer runs inside one transaction, which is rolled back
  when rows were rejected and the user did not choose "import valid rows", and when anything
  fails; a killed worker leaves nothing behind because nothing was committed;
- one run is executed once: the run row is locked, and a run that is no longer queued is
  skipped (a redelivered task does nothing);
- a file that cannot be read at all fails with a reason for a person; nothing is written;
- a user imports only the kinds of file their role may (permissions.can_import_kind: the
  schools register is Managers' and Admins'), checked when the run is created and again when
  it is executed; a refusal is logged;
- reach (issue 11): each importer matches only the children the importer may see
  (selectors.imports.import_reach); every child an import touched gets one access-log entry
  ("import <run id>") and, when the import is kept, one line in its history (a BatchEvent of
  kind IMPORTED per child per run, saying what was imported from which file), both written in
  one INSERT each per 2,000 children (TOUCH_CHUNK: memory stays bounded, issue 12); a row
  refused because it gives a child the UPN or LA child id of a child out of reach adds a
  refused entry against that child.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import BinaryIO

from celery import shared_task
from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from records.imports.base import FileUnreadableError, ImportReport
from records.imports.progress import Progress
from records.imports.registry import importer_for
from records.models import BatchEvent, ImportKind, ImportRejection, ImportRun
from records.permissions import can_add_child, can_import_kind
from records.services import import_thread
from records.services.access_log import access_log_record_many
from records.services.identifier_clash import clash_probes_deferred
from virtualschool.errors import DomainError

CHUNK = 1024 * 1024
logger = logging.getLogger("virtualschool.access")

KIND_REFUSED = "You cannot import this kind of file: only a manager or an admin imports the {kind}"
# What ImportReport.touch counts, as a child's history says it (singular, plural).
TOUCH_NAMES = {
    "sessions": ("attendance session", "attendance sessions"),
    "enrolments": ("school enrolment", "school enrolments"),
    "results": ("assessment result", "assessment results"),
    "episodes": ("legal status episode", "legal status episodes"),
    "identity": ("change to identity details", "changes to identity details"),
    "upn": ("new UPN", "new UPNs"),
}


class _RollBackError(Exception):
    """Raised inside the import's transaction to undo it while keeping the report."""


def import_create(
    *,
    actor: AbstractBaseUser | None,
    kind: str,
    file: BinaryIO,
    file_name: str,
    import_valid_rows: bool = False,
    options: dict | None = None,
    enqueue: bool = True,
) -> ImportRun:
    """Store the file and record the run; queue it for a worker unless `enqueue` is False.

    Refused with a message naming the problem: an unknown kind, an empty file, a file over
    the size limit (settings.IMPORT_MAX_BYTES), creating missing children by someone who may
    not add children (a command run by the operator, `actor=None`, may). Nothing is stored
    when refused.
    """
    if kind not in ImportKind.values:
        raise DomainError({"kind": [f"Choose what the file is: {', '.join(ImportKind.labels)}"]})
    if actor is not None and not can_import_kind(actor, kind):
        logger.warning("import refused: user %s may not import %s files", actor.pk, kind)
        label = ImportKind(kind).label.split(" (")[0].lower()
        raise DomainError({"kind": [KIND_REFUSED.format(kind=label)]})
    if (options or {}).get("create_missing") and actor is not None and not can_add_child(actor):
        # Creating children from a file is adding children: only those who may add them.
        raise DomainError({"create_missing": ["Only a manager can add the children a file names"]})
    run_id = uuid.uuid4()
    directory = Path(settings.IMPORTS_DIR)
    directory.mkdir(parents=True, exist_ok=True)
    stored = directory / f"{run_id}.upload"
    digest, size = hashlib.sha256(), 0
    try:
        with stored.open("wb") as out:
            while chunk := file.read(CHUNK):
                size += len(chunk)
                if size > settings.IMPORT_MAX_BYTES:
                    limit = settings.IMPORT_MAX_BYTES // (1024 * 1024)
                    raise DomainError(
                        {"file": [f"The file is larger than the {limit} MB an import can take"]}
                    )
                digest.update(chunk)
                out.write(chunk)
        if size == 0:
            raise DomainError({"file": ["The file is empty"]})
    except BaseException:
        stored.unlink(missing_ok=True)
        raise
    run = ImportRun.objects.create(
        id=run_id,
        kind=kind,
        file_name=Path(file_name).name[:255],
        stored_path=str(stored),
        sha256=digest.hexdigest(),
        size=size,
        import_valid_rows=import_valid_rows,
        options=options or {},
        created_by=actor,
    )
    if enqueue:
        transaction.on_commit(lambda: import_dispatch(run_id=str(run.pk)))
    return run


def import_dispatch(*, run_id: str) -> None:
    """Hand a committed run to the runner settings.IMPORTS_RUNNER names: "celery" queues the
    task import_run (a worker, or in-process when Celery is eager); "thread" reads it in a
    background thread of this process (records/services/import_thread.py: `make run` has no
    broker, and the upload must still redirect at once to its progress)."""
    if settings.IMPORTS_RUNNER == "thread":
        import_thread.start(run_id=run_id, execute=import_execute, fail=import_fail)
    else:
        import_run.delay(run_id)


IMPORT_CRASHED = (
    "The import stopped because of an error in the service, so nothing was imported. "
    "Try the file again; if the same happens, tell the team who run the service"
)


def import_fail(*, run_id: uuid.UUID | str) -> ImportRun | None:
    """End a run that stopped on an error its importer did not handle: failed, with
    IMPORT_CRASHED for a person (the error itself is in the log, never on the page), so it is
    never left "running". The import's own transaction was rolled back: nothing was written.
    A run already finished is left as it is."""
    with transaction.atomic():
        run = ImportRun.objects.select_for_update().filter(pk=run_id).first()
        if run is None or run.finished:
            return run
        return _finish(run, ImportReport(), IMPORT_CRASHED)


def import_execute(*, run_id: uuid.UUID | str, progress: Progress | None = None) -> ImportRun:
    """Run an import to the end and record its outcome (see the module's rules).

    The run row stays locked for the whole import, in the same transaction as the data: a
    second delivery of the task skips a run another worker holds, and a worker that dies
    leaves no data and an unlocked run that the next delivery runs again.
    """
    ImportRun.objects.filter(pk=run_id, status=ImportRun.Status.QUEUED).update(
        status=ImportRun.Status.RUNNING, started_at=timezone.now()
    )
    with transaction.atomic():
        run = ImportRun.objects.select_for_update(skip_locked=True).filter(pk=run_id).first()
        if run is None:  # another worker is running it
            return ImportRun.objects.get(pk=run_id)
        if run.finished:
            return run
        progress = progress or Progress(run_id=run.pk)
        if run.created_by is not None and not can_import_kind(run.created_by, run.kind):
            # Refused again here: a run queued by a user who may not import its kind (their
            # role changed, or the run was made some other way) reads nothing.
            logger.warning(
                "import refused: user %s may not import %s files (run %s)",
                run.created_by_id,
                run.kind,
                run.pk,
            )
            label = ImportKind(run.kind).label.split(" (")[0].lower()
            progress.finish()
            return _finish(run, ImportReport(), KIND_REFUSED.format(kind=label))
        with clash_probes_deferred() as probes:
            report, error = _read(run, progress)
        progress.finish()
        if probes and run.created_by is not None:
            # A UPN or LA child id of a child outside the importer's reach, refused in neutral
            # words (services/identifier_clash.py): logged against that child, kept even when
            # the file's rows are rolled back.
            access_log_record_many(
                user=run.created_by,
                child_ids=sorted(probes, key=str),
                page=f"import {run.pk}",
                allowed=False,
            )
        return _finish(run, report, error)


def _read(run: ImportRun, progress: Progress) -> tuple[ImportReport, str]:
    """The importer's report, with its writes kept only if the file may be imported."""
    report = ImportReport()
    try:
        with transaction.atomic():
            report = importer_for(run.kind).run(
                run=run, path=Path(run.stored_path), progress=progress
            )
            if report.rejected and not run.import_valid_rows:
                raise _RollBackError
    except _RollBackError:
        pass
    except FileUnreadableError as unreadable:
        return ImportReport(), str(unreadable)
    return report, ""


def _finish(run: ImportRun, report: ImportReport, error: str) -> ImportRun:
    if error:
        status = ImportRun.Status.FAILED
    elif report.rejected and not run.import_valid_rows:
        status = ImportRun.Status.REJECTED
    else:
        status = ImportRun.Status.SUCCEEDED
    ImportRejection.objects.filter(run=run).delete()
    ImportRejection.objects.bulk_create(
        ImportRejection(
            run=run,
            row_number=r.row,
            field=r.field[:100],
            reason=r.reason[:500],
            child_id=r.child_id,
            severity=r.severity,
        )
        for r in report.rejections
    )
    _record_touched(run, report, kept=status == ImportRun.Status.SUCCEEDED)
    run.status = status
    run.error = error
    run.counts = {**report.as_counts(), "more_rejections": report.more_rejections}
    run.table_counts = report.table_counts()
    run.reason_counts = report.reason_counts()
    run.processed_rows = report.counts.get("rows_read", 0)
    run.finished_at = timezone.now()
    run.save()
    if status != ImportRun.Status.REJECTED:
        # A rejected file is kept (for a while) so it can be imported again with "import valid
        # rows"; any other is no longer needed once read.
        transaction.on_commit(lambda: Path(run.stored_path).unlink(missing_ok=True))
    return run


def touch_summary(counts: Counter[str] | dict[str, int]) -> str:
    """What an import wrote for one child, as its history says it: "3 attendance sessions,
    1 school enrolment"."""
    parts = []
    for name, (one, many) in TOUCH_NAMES.items():
        value = counts.get(name, 0)
        if value:
            parts.append(f"{value:,} {one if value == 1 else many}")
    return ", ".join(parts)


# How many history lines or access-log entries _record_touched builds before writing them: the
# objects for 20,000 children at once held ~37 MB (issue 12); 2,000 at a time is a tenth of
# that and still one INSERT for any file of up to 2,000 children.
TOUCH_CHUNK = 2000


def _chunks(items: list):
    for start in range(0, len(items), TOUCH_CHUNK):
        yield items[start : start + TOUCH_CHUNK]


def _record_touched(run: ImportRun, report: ImportReport, *, kept: bool) -> None:
    """One access-log entry for each child the import read or wrote (the rows matched to
    them, kept or rejected), and, when its writes were kept, one BatchEvent per child for
    their history: one INSERT each per TOUCH_CHUNK children (issue 11), so the objects held at
    once are bounded whatever the number of children (issue 12)."""
    rejected = {r.child_id for r in report.rejections if r.child_id is not None}
    written = {
        child_id: counts
        for child_id, counts in report.touched.items()
        if kept or child_id not in report.created
    }
    seen = sorted(set(written) | rejected, key=str)
    if run.created_by is not None and seen:
        for chunk in _chunks(seen):
            access_log_record_many(user=run.created_by, child_ids=chunk, page=f"import {run.pk}")
    changed = sorted((child_id for child_id, counts in report.touched.items() if +counts), key=str)
    if not kept or not changed:
        # A file that changed nothing for a child leaves no line in its history (importing
        # the same file twice leaves no trace the second time); the access log has it.
        return
    for chunk in _chunks(changed):
        BatchEvent.objects.bulk_create(
            [
                BatchEvent(
                    kind=BatchEvent.Kind.IMPORTED,
                    actor=run.created_by,
                    child_id=child_id,
                    rows=sum(report.touched[child_id].values()),
                    details={
                        "run_id": str(run.pk),
                        "import_kind": run.kind,
                        "file_name": run.file_name,
                        "imported": dict(report.touched[child_id]),
                        "summary": touch_summary(report.touched[child_id]),
                    },
                )
                for child_id in chunk
            ]
        )


def import_again_with_valid_rows(*, actor: AbstractBaseUser | None, run: ImportRun) -> ImportRun:
    """A new run of a rejected file that imports its valid rows; the file must still be kept."""
    kept = bool(run.stored_path) and Path(run.stored_path).is_file()
    if run.status != ImportRun.Status.REJECTED or not kept:
        raise DomainError(
            {"run": ["Only a rejected file that is still kept can be imported again"]}
        )
    source = Path(run.stored_path)
    with source.open("rb") as file:
        return import_create(
            actor=actor,
            kind=run.kind,
            file=file,
            file_name=run.file_name,
            import_valid_rows=True,
            options=run.options,
        )


def import_copy_file(*, source: Path, **kwargs) -> ImportRun:
    """import_create for a file on disk (management commands), without queueing."""
    with source.open("rb") as file:
        return import_create(file=file, file_name=source.name, enqueue=False, **kwargs)


def imports_purge_files(*, older_than_days: int = 7) -> int:
    """Delete stored files of finished runs older than the given days; returns how many."""
    cutoff = timezone.now() - timedelta(days=older_than_days)
    removed = 0
    for run in ImportRun.objects.filter(finished_at__lt=cutoff).exclude(stored_path=""):
        Path(run.stored_path).unlink(missing_ok=True)
        removed += 1
    ImportRun.objects.filter(finished_at__lt=cutoff).update(stored_path="")
    return removed


# The Celery tasks live beside the services they run (records/tasks.py names them for Celery's
# autodiscovery). Each takes ids, re-reads state and calls the service.


@shared_task(
    name="records.import_run",
    acks_late=True,
    time_limit=50 * 60,
    soft_time_limit=45 * 60,
    max_retries=0,
)
def import_run(run_id: str) -> str:
    """Run one queued import (queue "imports"). Idempotent: a run already finished, or held by
    another worker, is left alone (import_execute)."""
    return import_execute(run_id=run_id).status


@shared_task(name="records.purge_import_files", acks_late=True, time_limit=10 * 60)
def purge_import_files() -> int:
    """Daily: delete stored upload files of imports finished more than 7 days ago (a rejected
    file is kept that long so it can be imported again with its valid rows)."""
    return imports_purge_files(older_than_days=7)
