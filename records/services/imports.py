"""Starting and running imports: the file is stored, then read in one transaction.

import_create stores an uploaded file and queues its run; import_execute runs it (from the
Celery task import_run beside it, or directly from a management command). Rules enforced
here, for every format:
- all or nothing per file: the importer runs inside one transaction, which is rolled back
  when rows were rejected and the user did not choose "import valid rows", and when anything
  fails; a killed worker leaves nothing behind because nothing was committed;
- one run is executed once: the run row is locked, and a run that is no longer queued is
  skipped (a redelivered task does nothing);
- a file that cannot be read at all fails with a reason for a person; nothing is written.
"""

from __future__ import annotations

import hashlib
import uuid
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
from records.models import ImportKind, ImportRejection, ImportRun
from records.permissions import can_add_child
from virtualschool.errors import DomainError

CHUNK = 1024 * 1024


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
        transaction.on_commit(lambda: import_run.delay(str(run.pk)))
    return run


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
        report, error = _read(run, progress)
        progress.finish()
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
        )
        for r in report.rejections
    )
    run.status = status
    run.error = error
    run.counts = {**report.as_counts(), "more_rejections": report.more_rejections}
    run.processed_rows = report.counts.get("rows_read", 0)
    run.finished_at = timezone.now()
    run.save()
    if status != ImportRun.Status.REJECTED:
        # A rejected file is kept (for a while) so it can be imported again with "import valid
        # rows"; any other is no longer needed once read.
        transaction.on_commit(lambda: Path(run.stored_path).unlink(missing_ok=True))
    return run


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
