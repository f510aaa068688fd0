"""A sweep killed part-way (SIGKILL, in its own process, on real PostgreSQL) leaves every child
either untouched or fully destroyed with its certificate, and the next sweep completes the rest.

The sweep reaches the middle deterministically: this test holds a row lock on one of the
third child's access-log rows, so the sweep destroys the first two children (each committed in
its own transaction), then waits inside the third child's transaction; the test sees it waiting
on its lock (pg_blocking_pids) and kills it there.
"""

from __future__ import annotations

import datetime
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection, transaction

from records.datamap import DATA_MAP, Reach
from records.models import AccessLogEntry, Child
from retention import services
from retention.destruction import child_reference
from retention.models import DestructionCertificate
from tests.factories import UserFactory
from tests.retention.children import TODAY, due_child
from tests.subprocesses import subprocess_database_url
from virtualschool.roles import Role

ROOT = Path(__file__).resolve().parents[2]
D = datetime.date
WAIT_SECONDS = 60


def _rows_of(child_id) -> dict[str, int]:
    """How many rows of each mapped table reach the child."""
    return {
        entry.table: entry.rows_for_children([child_id]).count()
        for entry in DATA_MAP
        if entry.reach is not Reach.NONE
    }


def _waiting_on_me() -> list[int]:
    """The other database sessions waiting for a lock this session holds (afresh: within a
    transaction PostgreSQL otherwise keeps the first look at pg_stat_activity)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT pid FROM pg_stat_activity "
            "WHERE datname = current_database() AND pg_backend_pid() = ANY(pg_blocking_pids(pid))"
        )
        return [pid for (pid,) in cursor.fetchall()]


def _alive(pid: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid])
        return cursor.fetchone() is not None


@pytest.mark.django_db(transaction=True)
def test_a_sweep_killed_part_way_leaves_each_child_whole_or_destroyed_and_the_next_finishes(
    manager, admin_user, tmp_path
):
    children = []
    for n in range(5):
        child = due_child(manager, first=f"Killed{n}x", last="Sweepqz", n=40 + n)
        AccessLogEntry.objects.create(
            user=manager, child_id=child.pk, page="child-detail", outcome="viewed"
        )
        children.append(child.pk)
    children.sort()  # the sweep takes its candidates in this order
    destruction_list = services.destruction_list_propose(
        child_ids=children, actor=admin_user, today=TODAY
    )
    planned = services.destruction_list_approve(
        destruction_list=destruction_list,
        actor=UserFactory(username="admin_k", role=Role.ADMIN),
        today=TODAY,
    ).planned_date
    before = {child_id: _rows_of(child_id) for child_id in children}
    assert all(rows["records_accesslogentry"] == 1 for rows in before.values())

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "virtualschool.settings.test",
        "DATABASE_URL": subprocess_database_url(),
    }
    with transaction.atomic():
        # The third child's access-log row, locked until this block ends.
        AccessLogEntry.objects.select_for_update().get(child_id=children[2])
        log = tmp_path / "sweep.log"
        with log.open("w") as out:
            process = subprocess.Popen(  # noqa: S603 - our own command, arguments we built
                [sys.executable, "manage.py", "enforce_retention", "--as-of", str(planned)],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        try:
            deadline = time.monotonic() + WAIT_SECONDS
            while not (waiting := _waiting_on_me()) and time.monotonic() < deadline:
                assert process.poll() is None, log.read_text()
                time.sleep(0.05)
            assert waiting, f"the sweep never reached the third child:\n{log.read_text()}"
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=30)
        finally:
            if process.poll() is None:
                process.kill()
        assert process.returncode == -signal.SIGKILL
    # The lock is released: the killed sweep's session may go on with its statement, but its
    # client is gone, so it can never commit; wait for PostgreSQL to end it.
    deadline = time.monotonic() + WAIT_SECONDS
    while any(_alive(pid) for pid in waiting) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(_alive(pid) for pid in waiting)

    destroyed, untouched = children[:2], children[2:]
    for child_id in destroyed:
        assert set(_rows_of(child_id).values()) == {0}
    for child_id in untouched:
        assert _rows_of(child_id) == before[child_id]
    references = set(DestructionCertificate.objects.values_list("reference", flat=True))
    assert references == {child_reference(child_id) for child_id in destroyed}

    # The next sweep completes the rest, each with its certificate.
    report = services.retention_sweep(today=planned)
    assert sorted(report.destroyed) == untouched
    assert not Child.objects.filter(pk__in=children).exists()
    for child_id in children:
        assert set(_rows_of(child_id).values()) == {0}
    references = set(DestructionCertificate.objects.values_list("reference", flat=True))
    assert references == {child_reference(child_id) for child_id in children}
    assert DestructionCertificate.objects.count() == len(children)
