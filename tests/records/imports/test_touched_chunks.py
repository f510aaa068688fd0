"""The history lines and access-log entries of an import (records/services/imports.py
_record_touched) are written TOUCH_CHUNK children at a time (issue 12, memory): every child
still gets exactly one of each, and the INSERTs grow only by one per chunk."""

from __future__ import annotations

import datetime
import gc
import tracemalloc
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from records.imports.base import ImportReport
from records.models import AccessLogEntry, BatchEvent, Child, ImportKind, ImportRun
from records.services import imports
from records.services.imports import import_copy_file, import_execute
from tests.records.imports.socialcare_files import CinCase, CinChild, Plan, cin_xml, upn

pytestmark = pytest.mark.django_db
D = datetime.date
N = 17
CHUNK = 5  # N children make four chunks, the last of two
MEMORY_CHUNK = 400


def _cin(tmp_path):
    children = [
        CinChild(
            la_child_id=f"CHUNK{n:05d}",
            dob=D(2013, 2, 3),
            upn=upn(n, establishment="3101"),
            cases=[CinCase(referral=D(2024, 5, 1), plans=[Plan(start=D(2024, 5, 20))])],
        )
        for n in range(N)
    ]
    path = tmp_path / "cin.xml"
    path.write_bytes(cin_xml(children))
    return path


def test_each_child_gets_one_history_line_and_one_access_entry_in_chunks(
    tmp_path, monkeypatch, manager
):
    monkeypatch.setattr(imports, "TOUCH_CHUNK", CHUNK)
    run = import_copy_file(
        source=_cin(tmp_path), actor=manager, kind=ImportKind.CIN, options={"create_missing": True}
    )
    with CaptureQueriesContext(connection) as queries:
        run = import_execute(run_id=run.pk)
    assert run.status == ImportRun.Status.SUCCEEDED, (run.status, run.counts)

    children = set(Child.objects.values_list("pk", flat=True))
    assert len(children) == N
    lines = list(
        BatchEvent.objects.filter(kind=BatchEvent.Kind.IMPORTED).values_list("child_id", "details")
    )
    assert sorted(child_id for child_id, _ in lines) == sorted(children)
    assert all(details["run_id"] == str(run.pk) and details["summary"] for _, details in lines)
    entries = AccessLogEntry.objects.filter(page=f"import {run.pk}")
    assert sorted(entries.values_list("child_id", flat=True)) == sorted(children)
    sql = [query["sql"] for query in queries.captured_queries]
    chunks = -(-N // CHUNK)
    assert len([s for s in sql if s.startswith('INSERT INTO "records_accesslogentry"')]) == chunks
    # N is under AUDITLOG_ROWS_MAX: no BatchEvent for the batch, only the history lines.
    assert len([s for s in sql if s.startswith('INSERT INTO "records_batchevent"')]) == chunks


def _peak_of_record_touched(manager, children: int) -> int:
    """The Python memory _record_touched allocates at its peak for `children` children (the
    report is built before measuring; DEBUG is off, so no query is kept)."""
    run = ImportRun.objects.create(kind=ImportKind.CIN, file_name="f.xml", created_by=manager)
    report = ImportReport()
    for _ in range(children):
        report.touch(uuid.uuid4(), legal_status_episodes=2)
    gc.collect()
    tracemalloc.start()
    try:
        imports._record_touched(run, report, kept=True)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_the_memory_to_record_the_children_touched_does_not_grow_with_them(manager, monkeypatch):
    """Four times the children, TOUCH_CHUNK at a time: the peak stays within 1.5x (the sorted
    lists of ids grow, the model instances do not); built all at once it was 3.7x."""
    monkeypatch.setattr(imports, "TOUCH_CHUNK", MEMORY_CHUNK)
    small = _peak_of_record_touched(manager, MEMORY_CHUNK)
    large = _peak_of_record_touched(manager, 4 * MEMORY_CHUNK)
    lines = BatchEvent.objects.filter(kind=BatchEvent.Kind.IMPORTED)
    assert lines.count() == 5 * MEMORY_CHUNK
    assert large < 1.5 * small, (small, large)
