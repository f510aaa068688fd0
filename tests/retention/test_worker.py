"""A real Celery worker, started as docker-compose.yml starts the retention worker (queue
`retention`, concurrency 1), against real Redis and the test's PostgreSQL database, runs the
sweep that beat's own scheduler sends from the beat schedule in settings, once.

The broker and the result backend are the suite's Redis database (REDIS_URL) with every key
under a prefix unique to the test (tests/retention/worker_app.py), so other tests using that
database are untouched. The test is transactional so the worker's connection sees its data.
"""

from __future__ import annotations

import contextlib
import datetime
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import redis
from celery.beat import Scheduler
from django.conf import settings
from django.utils import timezone

from records import services as records
from records.codes import Cohort
from records.models import Child
from retention import services
from retention.destruction import child_reference
from retention.models import DestructionCertificate, DestructionList
from tests.celery_broker import sending_to
from tests.factories import UserFactory
from tests.retention.children import due_child
from tests.subprocesses import subprocess_database_url
from virtualschool.celery import app
from virtualschool.roles import Role

ROOT = Path(__file__).resolve().parents[2]
D = datetime.date
WAIT_SECONDS = 120


@pytest.fixture
def redis_prefix():
    """The test's Redis and a key prefix of its own; every key under it is deleted after."""
    url = settings.REDIS_URL or "redis://127.0.0.1:6379/0"
    prefix = f"test-retention-worker-{uuid.uuid4().hex}:"
    yield url, prefix
    client = redis.Redis.from_url(url)
    for key in client.scan_iter(match=f"{prefix}*"):
        client.delete(key)


@pytest.fixture
def sending_app(redis_prefix):
    """The project's app sending to the worker's broker (not eagerly), put back after."""
    url, prefix = redis_prefix
    with sending_to(url, prefix=prefix):
        yield app


@pytest.fixture
def worker(redis_prefix, tmp_path):
    """`celery worker --queues=retention --concurrency=1` in its own process group, on the
    test's database and Redis prefix; always stopped (warm shutdown, then killed)."""
    url, prefix = redis_prefix
    log = tmp_path / "worker.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "virtualschool.settings.test",
        "DATABASE_URL": subprocess_database_url(),
        "TEST_CELERY_REDIS_URL": url,
        "TEST_CELERY_KEY_PREFIX": prefix,
    }
    with log.open("w") as out:
        process = subprocess.Popen(  # noqa: S603 - our own interpreter, arguments we built
            [
                sys.executable,
                "-m",
                "celery",
                "--app=tests.retention.worker_app",
                "worker",
                "--queues=retention",
                "--concurrency=1",
                "--loglevel=INFO",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                f"--hostname=retention-test-{uuid.uuid4().hex[:8]}@%h",
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield process, log
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=30)
        # The worker and its pool's child, whatever state they are in.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_the_beat_scheduled_sweep_once(manager, admin_user, sending_app, worker):
    today = timezone.localdate()  # the task sweeps for today in Europe/London
    approved_on = today - datetime.timedelta(days=settings.RETENTION_LIST_NOTICE_DAYS)
    second_admin = UserFactory(username="admin_w", role=Role.ADMIN)
    doomed, held, due_but_unlisted, open_case = (
        due_child(manager, first=f"Worker{n}x", last="Sweepqw", n=60 + n) for n in range(4)
    )
    # The open case's child was due, but a new case is open now.
    records.episode_add(actor=manager, child=open_case, cohort=Cohort.CIN, start_date=D(2020, 1, 1))
    destruction_list = services.destruction_list_propose(
        child_ids=[doomed.pk, held.pk], actor=admin_user, today=approved_on
    )
    services.destruction_list_approve(
        destruction_list=destruction_list, actor=second_admin, today=approved_on
    )
    services.legal_hold_place(child=held, actor=admin_user, reason="Litigation", today=today)

    # What beat does at 02:30: its scheduler reads the entry from the app's configuration
    # (settings.CELERY_BEAT_SCHEDULE) and sends it with the entry's options (its queue).
    scheduler = Scheduler(app=sending_app)
    entry = scheduler.schedule["retention-sweep"]
    assert entry.options["queue"] == "retention"
    result = scheduler.apply_async(entry)
    process, log = worker
    try:
        outcome = result.get(timeout=WAIT_SECONDS)
    except Exception as error:
        raise AssertionError(f"the worker did not run the sweep:\n{log.read_text()}") from error
    assert process.poll() is None, log.read_text()

    assert outcome["destroyed"] == 1 and outcome["held"] == 1, outcome
    assert not Child.objects.filter(pk=doomed.pk).exists()
    certificate = DestructionCertificate.objects.get()
    assert certificate.reference == child_reference(doomed.pk)
    assert certificate.row_counts["records_child"] == 1
    assert certificate.destruction_list_id == destruction_list.pk
    # Nothing else: the held child, the due child on no list and the open case are whole.
    assert set(Child.objects.values_list("pk", flat=True)) == {
        held.pk,
        due_but_unlisted.pk,
        open_case.pk,
    }
    destruction_list.refresh_from_db()
    assert destruction_list.status == DestructionList.Status.APPROVED  # the held child waits
    # Once: the task was acknowledged, nothing is left on the queue or waiting for an ack.
    client = redis.Redis.from_url(app.conf.broker_url)
    prefix = app.conf.broker_transport_options["global_keyprefix"]
    # The result is stored before the late acknowledgement: wait for the ack, not the result.
    deadline = time.monotonic() + WAIT_SECONDS
    while client.hlen(f"{prefix}unacked") and time.monotonic() < deadline:
        time.sleep(0.05)
    assert client.hlen(f"{prefix}unacked") == 0
    assert client.llen(f"{prefix}retention") == 0
