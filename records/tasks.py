"""Celery tasks of the child record. Each takes ids, re-reads state and calls a service."""

from __future__ import annotations

from celery import shared_task

from records.services.imports import import_execute, imports_purge_files


@shared_task(
    name="records.import_run",
    acks_late=True,
    time_limit=50 * 60,
    soft_time_limit=45 * 60,
    max_retries=0,
)
def import_run(run_id: str) -> str:
    """Run one queued import (queue "imports"). Idempotent: a run already finished, or held by
    another worker, is left alone (records.services.imports.import_execute)."""
    return import_execute(run_id=run_id).status


@shared_task(name="records.purge_import_files", acks_late=True, time_limit=10 * 60)
def purge_import_files() -> int:
    """Daily: delete stored upload files of imports finished more than 7 days ago (a rejected
    file is kept that long so it can be imported again with its valid rows)."""
    return imports_purge_files(older_than_days=7)
