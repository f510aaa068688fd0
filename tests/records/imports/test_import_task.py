"""The Celery path for real: an uploaded file's run is queued on the "imports" queue of a Redis
broker, a real worker (in a thread) picks it up, and the data is committed; a second delivery
of the same run does nothing.

The broker is the suite's own Redis database (REDIS_URL), with every key the broker and the
result backend write under a prefix of their own (TASK_KEY_PREFIX, unique to each run), so these
tests stay out of the way of everything else using that database, and of another suite running at
the same time on the same database. The test is transactional so the worker's own database
connection sees what the request committed.
"""

from __future__ import annotations

import time
import uuid

import pytest
import redis
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connections
from django.urls import reverse

from records.models import ImportRun, School
from records.tasks import import_run
from tests.celery_broker import sending_to
from tests.records.imports import fake_importer
from virtualschool.celery import app

# kombu's Redis transport and Celery's Redis result backend put this before every key they write
# (the global_keyprefix transport option).
TASK_KEY_PREFIX = f"test-tasks-{uuid.uuid4().hex}:"
WAIT_SECONDS = 30

# Every test here deletes the keys under TASK_KEY_PREFIX and reads its queues: under pytest-xdist
# they share one worker (make test passes --dist loadgroup), so none empties another's queue.
pytestmark = pytest.mark.xdist_group("task-redis-db")


def _redis() -> redis.Redis:
    return redis.Redis.from_url(django_settings.REDIS_URL or "redis://127.0.0.1:6379/0")


def _delete_task_keys() -> None:
    client = _redis()
    for key in client.scan_iter(match=f"{TASK_KEY_PREFIX}*"):
        client.delete(key)


def _close_worker_connections(**_kwargs) -> None:
    """The worker thread's database connections, closed after each task (as Celery's Django
    fixup does in a real worker) so the test database can be dropped at the end."""
    connections.close_all()


@pytest.fixture
def broker(settings, tmp_path):
    """The project's Celery app sending to, and reading results from, the suite's Redis database,
    under TASK_KEY_PREFIX."""
    settings.IMPORTS_DIR = tmp_path / "imports"
    url = django_settings.REDIS_URL or "redis://127.0.0.1:6379/0"
    _delete_task_keys()
    with sending_to(url, prefix=TASK_KEY_PREFIX):
        task_postrun.connect(_close_worker_connections)
        with fake_importer.use_fake_importer() as kind:
            yield kind
        task_postrun.disconnect(_close_worker_connections)
    _delete_task_keys()


def _wait_until_finished(run_id) -> ImportRun:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        run = ImportRun.objects.get(pk=run_id)
        if run.finished:
            return run
        time.sleep(0.1)
    raise AssertionError(f"the run was still {run.status} after {WAIT_SECONDS} seconds")


@pytest.mark.django_db(transaction=True)
def test_an_uploaded_file_is_imported_by_a_worker_once(broker, client_for, caseworker):
    client = client_for(caseworker)
    data = fake_importer.schools_csv([("100001", "Ashford Primary School"), ("100002", "Beacon")])
    response = client.post(
        reverse("records:import-new"),
        {"kind": broker, "file": SimpleUploadedFile("schools.csv", data, content_type="text/csv")},
    )
    run = ImportRun.objects.get()
    assert response.status_code == 302
    # No worker yet: the task waits on the broker's "imports" queue, nothing is written.
    assert run.status == ImportRun.Status.QUEUED
    assert _redis().llen(f"{TASK_KEY_PREFIX}imports") == 1
    assert "Waiting to start" in client.get(response.url).content.decode()
    assert not School.objects.exists()

    with start_worker(app, perform_ping_check=False, queues=["imports"], shutdown_timeout=30):
        run = _wait_until_finished(run.pk)
        assert run.status == ImportRun.Status.SUCCEEDED
        assert sorted(School.objects.values_list("urn", flat=True)) == [100001, 100002]
        assert fake_importer.calls == [str(run.pk)]

        # The broker delivers the same run again (a redelivery after a lost acknowledgement,
        # or a duplicate send): the worker leaves the finished run alone.
        again = import_run.apply_async(args=[str(run.pk)])
        assert again.get(timeout=WAIT_SECONDS) == ImportRun.Status.SUCCEEDED

    assert fake_importer.calls == [str(run.pk)]
    after = ImportRun.objects.get(pk=run.pk)
    assert (after.status, after.finished_at, after.counts) == (
        run.status,
        run.finished_at,
        run.counts,
    )
    assert School.objects.count() == 2
    page = client.get(response.url).content.decode()
    assert "Every row was imported" in page
