"""Extract files: an agreement's dataset built into a file for its recipient to download
(issue 13; docs/adr/0013-extract-files.md).

- An Admin or a Manager asks for one (extract_request) while the agreement is active; the
  Celery task extract_build_task beside it (queue "imports"; in-process under `make run`,
  which has no broker) writes exactly what the dataset endpoint streams, through
  sharing.datasets (dataset_for_release, then encode), to settings.EXTRACTS_DIR, with its
  progress (records written) in the cache as an import's is, and records the file's
  children (ExtractChild) in one statement.
- The download is the release (extract_release): only for a user of the agreement's
  recipient organisation (anyone else: 404), only a ready file not yet expired, and only if
  the agreement is active, approved and in date on the day of download (else 403 and
  nothing sent or logged). Each download is a DisclosureLogEntry with the SHA-256 of the
  bytes sent and the file's children, written by sharing.services.disclosure_record when
  the stream ends.
- Files expire settings.EXTRACTS_DAYS after they are built: a download then is refused, and
  the hourly task purge_extract_files_task deletes the file from disk and its ExtractChild
  rows (extracts_purge).
"""

from __future__ import annotations

import datetime
import hashlib
import logging
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from celery import shared_task
from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS
from django.db import transaction
from django.utils import timezone

from records.imports.progress import Progress, progress_of
from sharing import datasets
from sharing.models import (
    ExtractChild,
    ExtractFile,
    ExtractStatus,
    SharingAgreement,
)
from sharing.permissions import can_generate_extracts
from sharing.services import children_insert, disclosure_record, today
from virtualschool.errors import DomainError

logger = logging.getLogger("sharing")

READ_CHUNK = 64 * 1024
NOT_ALLOWED_MESSAGE = "Only an administrator or a manager can generate an extract file"


def _progress(extract_id: Any) -> Progress:
    return Progress(run_id=f"extract:{extract_id}")


def extract_progress(extract: ExtractFile) -> int:
    """How many records a file being built has had written so far."""
    if extract.finished:
        return extract.row_count
    known = progress_of(f"extract:{extract.pk}")
    return known[0] if known else 0


def extract_request(*, actor: Any, agreement: SharingAgreement, fmt: str) -> ExtractFile:
    """Queue an extract file of the agreement's dataset in `fmt` (csv or jsonl). Refused, with
    nothing stored, to anyone but an Admin or a Manager, for an unknown format, and for an
    agreement not active today (it could release nothing)."""
    if not can_generate_extracts(actor):
        raise DomainError(NOT_ALLOWED_MESSAGE)
    errors: dict[str, list[str]] = {}
    if fmt not in datasets.FORMATS:
        errors["format"] = ["Choose CSV or JSON Lines"]
    day = today()
    if not agreement.is_active_on(day):
        errors[NON_FIELD_ERRORS] = [
            f"This agreement releases nothing today: it is {agreement.status_on(day).lower()}"
        ]
    if errors:
        raise DomainError(errors)
    extract = ExtractFile.objects.create(
        id=uuid.uuid4(), agreement=agreement, format=fmt, requested_by=actor
    )
    transaction.on_commit(lambda: extract_build_task.delay(str(extract.pk)))
    logger.info("Extract %s of agreement %s requested by %s", extract.pk, agreement.pk, actor.pk)
    return extract


def _write(dataset: datasets.Dataset, fmt: str, path: Path, progress: Progress) -> tuple[int, str]:
    digest, size, reported = hashlib.sha256(), 0, 0
    with path.open("wb") as out:
        for chunk in datasets.encode(dataset, fmt):
            out.write(chunk)
            digest.update(chunk)
            size += len(chunk)
            progress.advance(dataset.rows - reported)
            reported = dataset.rows
    return size, digest.hexdigest()


def extract_build(*, extract_id: uuid.UUID | str) -> ExtractFile:
    """Build a queued extract file once: the row is locked while it is built, and one that is
    not queued is left alone (a redelivered task does nothing). An agreement no longer
    active today fails the file with the reason; so does any error, leaving no file."""
    try:
        return _build(extract_id)
    except Exception:
        ExtractFile.objects.filter(pk=extract_id, status=ExtractStatus.QUEUED).update(
            status=ExtractStatus.FAILED, error="The file could not be built: try again"
        )
        raise


def _build(extract_id: uuid.UUID | str) -> ExtractFile:
    with transaction.atomic():
        extract = (
            ExtractFile.objects.select_for_update(skip_locked=True)
            .select_related("agreement__organisation")
            .filter(pk=extract_id)
            .first()
        )
        if extract is None or extract.status != ExtractStatus.QUEUED:
            return extract or ExtractFile.objects.get(pk=extract_id)
        progress = _progress(extract.pk)
        directory = Path(settings.EXTRACTS_DIR)
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / f"{extract.pk}.{extract.format}"
        try:
            dataset = datasets.dataset_for_release(agreement=extract.agreement)
            size, sha256 = _write(dataset, extract.format, path, progress)
        except datasets.NotReleasedError as refusal:
            path.unlink(missing_ok=True)
            return _failed(extract, str(refusal))
        except Exception:
            path.unlink(missing_ok=True)
            raise
        finally:
            progress.finish()
        ids = [str(child_id) for child_id in dataset.child_ids]
        children_insert(model=ExtractChild, parent="extract", parent_id=extract.pk, child_ids=ids)
        now = timezone.now()
        extract.status = ExtractStatus.READY
        extract.built_on = dataset.on
        extract.built_at = now
        extract.expires_at = now + datetime.timedelta(days=settings.EXTRACTS_DAYS)
        extract.stored_path = str(path)
        extract.size = size
        extract.sha256 = sha256
        extract.fields = dataset.fields
        extract.row_count = dataset.rows
        extract.child_count = len(ids)
        extract.save()
    logger.info("Extract %s built: %s records, %s bytes", extract.pk, extract.row_count, size)
    return extract


def _failed(extract: ExtractFile, reason: str) -> ExtractFile:
    extract.status = ExtractStatus.FAILED
    extract.error = reason
    extract.save(update_fields=["status", "error"])
    logger.warning("Extract %s not built: %s", extract.pk, reason)
    return extract


class ExtractRefusedError(Exception):
    """The file may not be sent today: the agreement is not active, or the file no longer
    holds what it was built with. The page answers 403 and nothing is sent or logged."""


def extract_release(*, recipient: Any, extract: ExtractFile) -> Iterator[bytes]:
    """The file's bytes for `recipient` (the caller found it through
    sharing.selectors.recipient_extract_get, so it is theirs, ready and in date), logged as a
    disclosure when the stream ends (complete or not), with the SHA-256 of the bytes sent.
    Refused (ExtractRefusedError) before anything is read when the agreement is not active
    on the day, or a child in the file has since been destroyed."""
    agreement = extract.agreement
    day = today()
    if not agreement.is_active_on(day):
        raise ExtractRefusedError(
            f"The agreement is not active on {day:%-d %B %Y}: it is "
            f"{agreement.status_on(day).lower()}. Nothing has been sent."
        )
    if ExtractChild.objects.filter(extract=extract).count() != extract.child_count:
        raise ExtractRefusedError(
            "This file holds a record that has since been destroyed: ask for a new extract."
        )
    handle = Path(extract.stored_path).open("rb")  # noqa: SIM115 - closed by the stream
    return _stream(handle, recipient=recipient, extract=extract, day=day)


def _stream(handle: Any, *, recipient: Any, extract: ExtractFile, day: datetime.date):
    started_at = timezone.now()
    digest, size, complete = hashlib.sha256(), 0, False
    try:
        with handle:
            while chunk := handle.read(READ_CHUNK):
                digest.update(chunk)
                size += len(chunk)
                yield chunk
        complete = True
    finally:
        disclosure_record(
            agreement=extract.agreement,
            recipient=recipient,
            extract=extract,
            started_at=started_at,
            disclosure_date=day,
            fmt=extract.format,
            fields=extract.fields,
            row_count=extract.row_count,
            child_ids=ExtractChild.objects.filter(extract=extract).values_list(
                "child_id", flat=True
            ),
            size=size,
            sha256=digest.hexdigest(),
            complete=complete,
        )


def extracts_purge(*, now: datetime.datetime | None = None) -> int:
    """Delete the files, and their ExtractChild rows, of extracts past their expiry; the
    rows stay as expired. How many files were deleted."""
    now = now or timezone.now()
    removed = 0
    expired = ExtractFile.objects.filter(status=ExtractStatus.READY, expires_at__lte=now)
    for extract in expired:
        with transaction.atomic():
            ExtractChild.objects.filter(extract=extract).delete()
            ExtractFile.objects.filter(pk=extract.pk).update(
                status=ExtractStatus.EXPIRED, stored_path=""
            )
            path = Path(extract.stored_path)
            transaction.on_commit(lambda path=path: path.unlink(missing_ok=True))
        removed += 1
    return removed


# The Celery tasks, named for autodiscovery in sharing/tasks.py. Each takes ids.


@shared_task(
    name="sharing.extract_build",
    acks_late=True,
    time_limit=50 * 60,
    soft_time_limit=45 * 60,
    max_retries=0,
)
def extract_build_task(extract_id: str) -> str:
    """Build one queued extract file (queue "imports"). Idempotent (extract_build)."""
    return extract_build(extract_id=extract_id).status


@shared_task(
    name="sharing.purge_extract_files", acks_late=True, time_limit=10 * 60, soft_time_limit=9 * 60
)
def purge_extract_files_task() -> int:
    """Hourly: delete the files of extracts past their expiry (settings.EXTRACTS_DAYS)."""
    return extracts_purge()
