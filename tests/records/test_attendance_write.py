"""One write of attendance (records/services/attendance.py attendance_sessions_write) behind
the session form and the attendance import: the same sessions leave the same record and the
same kind of batch event whichever way they come, the summaries of the terms written are
recomputed, and a writer of a child's attendance waits for another writer of that child
(and only of that child), whichever of the two paths each takes."""

from __future__ import annotations

import csv
import threading
import time
from collections import defaultdict
from datetime import date
from pathlib import Path

import pytest
from django.db import connection, transaction

from records.attendance import attendance_figures, summary_key
from records.models import (
    AttendanceCodeChange,
    AttendanceSession,
    AttendanceSummary,
    AttendanceWeek,
    AttendanceYear,
    BatchEvent,
    ImportKind,
    ImportRun,
)
from records.services.attendance import attendance_record
from records.services.imports import import_copy_file, import_execute
from tests.factories import ChildFactory, SchoolFactory

pytestmark = pytest.mark.django_db
D = date
HEADER = ["upn", "date", "session", "code", "school_urn"]
# Two terms of 2024/25 and one of 2023/24, so that weeks, terms and years are all written.
MARKS = [
    (D(2023, 10, 2), "AM", "/"),
    (D(2023, 10, 2), "PM", "I"),
    (D(2024, 12, 16), "AM", "O"),
    (D(2025, 1, 6), "AM", "/"),
    (D(2025, 1, 6), "PM", "M"),
    (D(2025, 1, 7), "AM", "#"),
]


def _file(path: Path, child, marks, school=None) -> Path:
    with path.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(HEADER)
        for day, session, code in marks:
            writer.writerow(
                [child.upn, day.isoformat(), session, code, school.urn if school else ""]
            )
    return path


def _import(path: Path, actor=None) -> ImportRun:
    run = import_copy_file(source=path, actor=actor, kind=ImportKind.ATTENDANCE)
    return import_execute(run_id=run.pk)


def _record(child):
    """Everything a write of attendance leaves for a child, comparable across two writes."""
    return (
        sorted(
            AttendanceSession.objects.filter(child=child).values_list(
                "date", "session", "code", "school_id"
            )
        ),
        sorted(
            AttendanceWeek.objects.filter(child=child).values_list(
                "academic_year", "term", "week_start", "possible", "attended", "absence_by_code"
            )
        ),
        sorted(
            AttendanceSummary.objects.filter(child=child).values_list(
                "academic_year",
                "term",
                "possible",
                "attended",
                "authorised",
                "unauthorised",
                "not_possible",
                "absence_by_code",
            )
        ),
        sorted(
            AttendanceYear.objects.filter(child=child).values_list(
                "academic_year", "possible", "attended", "week_possible", "week_attended"
            )
        ),
    )


def _forget_attendance(child) -> None:
    for model in (AttendanceCodeChange, AttendanceSession, AttendanceWeek, AttendanceSummary):
        model.objects.filter(child=child).delete()
    AttendanceYear.objects.filter(child=child).delete()


def _summaries_recomputed(child) -> dict:
    codes = defaultdict(list)
    for day, code in AttendanceSession.objects.filter(child=child).values_list("date", "code"):
        codes[summary_key(child.pk, day)].append(code)
    return {
        (key.academic_year, key.term): (figures.possible, figures.attended, figures.authorised)
        for key, figures in ((key, attendance_figures(found)) for key, found in codes.items())
    }


def _summaries_stored(child) -> dict:
    return {
        (row.academic_year, row.term): (row.possible, row.attended, row.authorised)
        for row in AttendanceSummary.objects.filter(child=child)
    }


BATCH_TOTALS = {
    "added": 6,
    "changed": 0,
    "unchanged": 0,
    "terms": [[2023, "autumn"], [2024, "autumn"], [2024, "spring"]],
}


def test_the_same_sessions_leave_the_same_record_and_batch_by_either_path(tmp_path, manager):
    school = SchoolFactory()
    child = ChildFactory(date_of_birth=D(2012, 5, 1))
    form_batch = attendance_record(
        actor=manager, child=child, sessions=[(*mark, school) for mark in MARKS]
    )
    by_form = _record(child)
    _forget_attendance(child)
    run = _import(_file(tmp_path / "same.csv", child, MARKS, school), actor=manager)
    assert run.status == ImportRun.Status.SUCCEEDED
    assert _record(child) == by_form
    file_batch = BatchEvent.objects.get(kind=BatchEvent.Kind.IMPORT)
    for batch in (form_batch, file_batch):
        batch.refresh_from_db()
        assert (batch.actor, batch.rows, batch.date_from, batch.date_to) == (
            manager,
            6,
            D(2023, 10, 2),
            D(2025, 1, 7),
        )
        assert {key: batch.details[key] for key in BATCH_TOTALS} == BATCH_TOTALS
    assert (form_batch.kind, form_batch.child_id) == (BatchEvent.Kind.ATTENDANCE, child.pk)
    assert file_batch.child_id is None
    assert file_batch.details["run_id"] == str(run.pk)
    assert file_batch.details["file_sha256"] == run.sha256


@pytest.mark.parametrize("path", ["form", "import"])
def test_either_path_recomputes_the_summaries_of_the_terms_it_writes(tmp_path, path):
    child = ChildFactory(date_of_birth=D(2012, 5, 1))
    attendance_record(actor=None, child=child, sessions=MARKS)
    # Made visibly wrong: a write must put right the term and year it touches and leave the
    # others (a year is the sum of its terms, so 2024/25's autumn is left right).
    AttendanceSummary.objects.filter(child=child, academic_year=2023).update(possible=99)
    AttendanceSummary.objects.filter(child=child, term="spring").update(possible=99)
    AttendanceYear.objects.filter(child=child).update(possible=99)
    correction = [(D(2025, 1, 6), "PM", "O")]  # spring 2024/25: M becomes O
    if path == "form":
        batch = attendance_record(actor=None, child=child, sessions=correction)
    else:
        _checked_import(_file(tmp_path / "fix.csv", child, correction))
        batch = BatchEvent.objects.get(kind=BatchEvent.Kind.IMPORT)
    spring = AttendanceSummary.objects.get(child=child, academic_year=2024, term="spring")
    assert (spring.possible, spring.unauthorised, spring.absence_by_code) == (2, 1, {"O": 1})
    assert (
        AttendanceSummary.objects.get(child=child, academic_year=2024, term="autumn").possible == 1
    )
    assert AttendanceSummary.objects.get(child=child, academic_year=2023).possible == 99
    assert AttendanceYear.objects.get(child=child, academic_year=2024).possible == 3
    assert AttendanceYear.objects.get(child=child, academic_year=2023).possible == 99
    change = AttendanceCodeChange.objects.get(child=child)
    assert (change.old_code, change.new_code, change.batch) == ("M", "O", batch)
    assert batch.details["changed"] == 1
    assert batch.details["terms"] == [[2024, "spring"]]
    assert (
        _summaries_stored(child)[(2024, "spring")] == _summaries_recomputed(child)[(2024, "spring")]
    )


# --- The lock: one writer of a child's attendance at a time -----------------------------------


class _Writer(threading.Thread):
    """A write in its own connection and transaction, kept open until `release` is set."""

    def __init__(self, write) -> None:
        super().__init__(daemon=True)
        self.write = write
        self.ready, self.wrote, self.release = (
            threading.Event(),
            threading.Event(),
            threading.Event(),
        )
        self.pid: int | None = None
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                (self.pid,) = cursor.fetchone()
            self.ready.set()
            with transaction.atomic():
                self.write()
                self.wrote.set()
                self.release.wait(30)
        except BaseException as error:  # noqa: BLE001 - reported to the test
            self.error = error
        finally:
            self.ready.set()
            self.wrote.set()
            connection.close()


def _waits_for(waiter: _Writer, holder: _Writer, seconds: float = 15) -> bool:
    """Whether PostgreSQL reports `waiter`'s connection waiting on a lock `holder` holds."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute("SELECT %s = ANY(pg_blocking_pids(%s))", [holder.pid, waiter.pid])
            if cursor.fetchone()[0]:
                return True
        if waiter.wrote.is_set():
            return False
        time.sleep(0.05)
    return False


def _holds_a_lock_on_sessions(writer: _Writer) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE pid = %s AND relation = %s::regclass)",
            [writer.pid, AttendanceSession._meta.db_table],
        )
        return cursor.fetchone()[0]


def _finish(*writers: _Writer) -> None:
    for writer in writers:
        writer.release.set()
    for writer in writers:
        writer.join(60)
        assert not writer.is_alive()
        assert writer.error is None, writer.error


# The two writers share no session, week, term or year (2024/25 against 2023/24), so the only
# thing one can wait for is the lock on the child.
SPRING = [(D(2025, 1, 6), "AM", "/"), (D(2025, 1, 6), "PM", "I")]
EARLIER_YEAR = [(D(2023, 10, 2), "AM", "O")]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("first", "second"),
    [("import", "form"), ("form", "import"), ("form", "form"), ("import", "import")],
)
def test_a_second_writer_of_a_child_waits_for_the_first(tmp_path, first, second):
    child = ChildFactory(date_of_birth=D(2012, 5, 1))

    def write(path: str, marks, name: str):
        if path == "form":
            return lambda: attendance_record(actor=None, child=child, sessions=marks)
        file = _file(tmp_path / f"{name}.csv", child, marks)
        return lambda: _checked_import(file)

    holder = _Writer(write(first, SPRING, "first"))
    waiter = _Writer(write(second, EARLIER_YEAR, "second"))
    waiter.release.set()  # it commits as soon as it has written
    holder.start()
    holder.wrote.wait(30)
    assert holder.error is None, holder.error
    waiter.start()
    waiter.ready.wait(30)
    try:
        assert _waits_for(waiter, holder)
        assert not waiter.wrote.is_set()
        # It waits before it writes: it holds no lock of any kind on the sessions table yet.
        assert not _holds_a_lock_on_sessions(waiter)
    finally:
        _finish(holder, waiter)
    assert AttendanceSession.objects.filter(child=child).count() == 3
    assert _summaries_stored(child) == _summaries_recomputed(child)
    # One batch per write; an import also leaves the child a line in its history (issue 11).
    assert BatchEvent.objects.exclude(kind=BatchEvent.Kind.IMPORTED).count() == 2
    imports = [first, second].count("import")
    assert BatchEvent.objects.filter(kind=BatchEvent.Kind.IMPORTED, child_id=child.pk).count() == (
        imports
    )


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("second", ["form", "import"])
def test_a_writer_of_another_child_does_not_wait(tmp_path, second):
    held, other = (
        ChildFactory(date_of_birth=D(2012, 5, 1)),
        ChildFactory(date_of_birth=D(2012, 5, 1)),
    )
    holder = _Writer(lambda: attendance_record(actor=None, child=held, sessions=SPRING))
    if second == "form":
        waiter = _Writer(lambda: attendance_record(actor=None, child=other, sessions=SPRING))
    else:
        file = _file(tmp_path / "other.csv", other, SPRING)
        waiter = _Writer(lambda: _checked_import(file))
    waiter.release.set()
    holder.start()
    holder.wrote.wait(30)
    try:
        waiter.start()
        assert waiter.wrote.wait(30)
        waiter.join(30)
        assert waiter.error is None, waiter.error
        assert AttendanceSession.objects.filter(child=other).count() == 2
        assert not AttendanceSession.objects.filter(child=held).exists()  # not yet committed
    finally:
        _finish(holder, waiter)
    assert AttendanceSession.objects.filter(child=held).count() == 2


def _checked_import(path: Path) -> None:
    run = _import(path)
    if run.status != ImportRun.Status.SUCCEEDED:
        raise AssertionError((run.status, run.error, list(run.rejections.values_list("reason"))))
