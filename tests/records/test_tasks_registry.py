"""Celery finds the record's tasks by name, defined beside the services they run."""

from __future__ import annotations

from django.conf import settings

from records.services import imports
from virtualschool.celery import app


def test_the_worker_finds_each_task_by_name_beside_its_service():
    app.autodiscover_tasks(force=True)
    for name, task in (
        ("records.import_run", imports.import_run),
        ("records.purge_import_files", imports.purge_import_files),
    ):
        registered = app.tasks[name]
        assert registered is task._get_current_object()
        assert registered.run.__module__ == "records.services.imports"


def test_the_beat_schedule_and_routes_name_registered_tasks():
    app.autodiscover_tasks(force=True)
    names = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    names |= set(settings.CELERY_TASK_ROUTES)
    assert names == {
        "records.import_run",
        "records.purge_import_files",
        "retention.sweep",
        "sharing.extract_build",
        "sharing.purge_extract_files",
    }
    assert names <= set(app.tasks)
