"""`python -m bench import [--children N]` (`make bench-import`): how fast the attendance
import is, against the fastest this database can take the same rows in (docs/performance.md).

It makes N synthetic children (valid UPNs from records.demo.synthetic_upn) and a file of one
academic year of their sessions (190 school days, AM and PM: 380 sessions a child, so 2,000
children make 760,000 sessions), then times, in one run on one database:
- the whole import, through import_copy_file and import_execute as a user's file goes (store,
  parse, validate, match, upsert, summaries);
- a raw COPY of the same rows, as stored (child_id, school_id, date, session, code), into a
  fresh table of the same shape as records_attendancesession: its columns, identity, indexes
  and foreign keys, with no checks of ours: the physical limit on this machine for storing
  these sessions (`copy_sessions_per_s`);
- a raw COPY of the file as it is into a bare table of the file's columns (no index, no key):
  what PostgreSQL can take in at all (`bare_copy_sessions_per_s`).
Deferred foreign-key checks are forced (SET CONSTRAINTS ALL IMMEDIATE) inside each timing, as
a commit would run them.
It prints `name: value` lines. Everything it writes is rolled back at the end (the whole run is
one transaction), and its temporary directory is removed, so it leaves the database as it was.

Memory: `import_peak_rss_mb` is the process's peak resident set size during the import (all
memory, not only Python's): on Linux the peak (VmHWM) is reset just before the import
(/proc/self/clear_refs) and read just after it; elsewhere it is resource.getrusage's ru_maxrss,
the peak of the whole run. `rss_before_import_mb` is the resident size when the import starts
(after the set-up's garbage and DEBUG's query log are cleared), `import_rss_growth_mb` how far
the import took the process above it.
"""

from __future__ import annotations

import csv
import gc
import random
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from django.core.management.base import BaseCommand
from django.db import connection, reset_queries
from django.utils import timezone

from bench.common import peak_mb, reset_peak, rolled_back, status_mb
from records.calendar import academic_year_of
from records.codes import Gender
from records.demo import synthetic_upn
from records.models import AttendanceSession, Child, ImportKind, ImportRun, School
from records.services.imports import import_copy_file, import_execute

SCHOOL_DAYS = 190
BATCH = 2_000
# Mostly present, with the absence codes schools use most (attendance-codes.csv), so that the
# summaries have every category to count.
CODE_WEIGHTS = {
    "present": 900,
    "L": 15,
    "I": 35,
    "M": 8,
    "C": 5,
    "N": 8,
    "O": 10,
    "G": 5,
    "U": 4,
    "B": 4,
    "#": 6,
}


def school_days(academic_year: int) -> list[date]:
    """190 weekdays of an academic year from the first Monday of September, skipping a week
    at the end of October, two at Christmas, one in February, two at Easter and one at the
    end of May: close enough to a real calendar for a benchmark."""
    start = date(academic_year, 9, 1)
    start += timedelta(days=(7 - start.weekday()) % 7)
    skipped_weeks = {8, 16, 17, 24, 30, 31, 38}
    days: list[date] = []
    day = start
    while len(days) < SCHOOL_DAYS:
        if day.weekday() < 5 and (day - start).days // 7 not in skipped_weeks:
            days.append(day)
        day += timedelta(days=1)
    return days


class Command(BaseCommand):
    help = "Benchmark the attendance import against a raw COPY of the same rows."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--children",
            type=int,
            default=2_000,
            help="children in the synthetic file (default 2,000: 760,000 sessions)",
        )
        parser.add_argument("--seed", type=int, default=20_240_902)

    def handle(self, *args, children: int, seed: int, **options) -> None:
        rng = random.Random(seed)  # noqa: S311 - synthetic data, not a secret
        figures: dict[str, object] = {}
        with tempfile.TemporaryDirectory(prefix="bench-import-") as directory, rolled_back():
            self._run(rng, children, Path(directory), figures)
        for name, value in figures.items():
            self.stdout.write(f"{name}: {value}")

    def _run(self, rng: random.Random, children: int, directory: Path, figures: dict) -> None:
        year = academic_year_of(timezone.localdate()) - 1  # the last complete academic year
        days = school_days(year)
        schools = self._schools(rng, max(1, children // 100))
        path = directory / "attendance.csv"
        stored = directory / "sessions.csv"
        sessions = self._children_and_file(rng, children, days, schools, path, stored)
        figures["children"] = children
        figures["sessions"] = sessions
        figures["file_mb"] = round(path.stat().st_size / (1024 * 1024), 1)
        # What the set-up leaves behind is not the import's: DEBUG's query log (the bulk
        # inserts of children) and collectable garbage go before the measure starts.
        reset_queries()
        gc.collect()
        before = status_mb("VmRSS") or peak_mb()
        figures["rss_before_import_mb"] = round(before, 1)
        reset_peak()

        started = time.perf_counter()
        run = import_copy_file(source=path, actor=None, kind=ImportKind.ATTENDANCE)
        try:
            run = import_execute(run_id=run.pk)
            _check_constraints()
        finally:
            # The executor removes the stored copy on commit; this run is rolled back.
            Path(run.stored_path).unlink(missing_ok=True)
        import_seconds = time.perf_counter() - started
        if run.status != ImportRun.Status.SUCCEEDED:
            raise RuntimeError(f"The benchmark import did not succeed: {run.status} {run.counts}")
        peak = peak_mb()
        figures["import_peak_rss_mb"] = round(peak, 1)
        figures["import_rss_growth_mb"] = round(peak - before, 1)

        started = time.perf_counter()
        self._same_shape_copy(stored)
        copy_seconds = time.perf_counter() - started
        started = time.perf_counter()
        self._bare_copy(path)
        bare_seconds = time.perf_counter() - started

        import_rate = sessions / import_seconds
        copy_rate = sessions / copy_seconds
        bare_rate = sessions / bare_seconds
        figures["import_seconds"] = round(import_seconds, 2)
        figures["copy_seconds"] = round(copy_seconds, 2)
        figures["bare_copy_seconds"] = round(bare_seconds, 2)
        figures["import_sessions_per_s"] = round(import_rate)
        figures["copy_sessions_per_s"] = round(copy_rate)
        figures["bare_copy_sessions_per_s"] = round(bare_rate)
        figures["import_vs_copy_ratio"] = round(import_rate / copy_rate, 3)
        figures["import_vs_bare_copy_ratio"] = round(import_rate / bare_rate, 3)
        figures["sessions_created"] = run.counts.get("sessions_created", 0)
        figures["summaries_refreshed"] = run.counts.get("summaries_refreshed", 0)

    def _schools(self, rng: random.Random, count: int) -> list[int]:
        taken = set(School.objects.values_list("urn", flat=True))
        urns: list[int] = []
        while len(urns) < count:
            urn = rng.randint(900_000, 999_999)
            if urn not in taken:
                taken.add(urn)
                urns.append(urn)
        made = School.objects.bulk_create(
            School(urn=urn, name=f"Benchmark School {index}") for index, urn in enumerate(urns)
        )
        return [(school.urn, school.pk) for school in made]

    def _children_and_file(
        self,
        rng: random.Random,
        count: int,
        days: list[date],
        schools: list[tuple[int, int]],
        path: Path,
        stored: Path,
    ) -> int:
        """Children created in batches, and their sessions written to the file as they are
        made (and, as they will be stored, to `stored`), so neither is ever all in memory."""
        taken = set(Child.objects.exclude(upn="").values_list("upn", flat=True))
        codes = list(CODE_WEIGHTS)
        weights = list(CODE_WEIGHTS.values())
        first_day = days[0]
        sessions = 0
        with path.open("w", newline="") as out, stored.open("w", newline="") as out_stored:
            writer = csv.writer(out, lineterminator="\n")
            stored_writer = csv.writer(out_stored, lineterminator="\n")
            writer.writerow(["upn", "date", "session", "code", "school_urn"])
            day_texts = [day.isoformat() for day in days]
            for start in range(0, count, BATCH):
                batch: list[tuple[Child, int, int]] = []
                made: list[Child] = []
                for index in range(start, min(start + BATCH, count)):
                    age = rng.randint(5, 15)
                    upn = synthetic_upn(rng, first_day.year - age + 4)
                    while upn in taken:
                        upn = synthetic_upn(rng, first_day.year - age + 4)
                    taken.add(upn)
                    child = Child(
                        first_name="Bench",
                        last_name=f"Pupil {index}",
                        date_of_birth=date(first_day.year - age - 1, rng.randint(1, 12), 15),
                        gender=rng.choice([Gender.FEMALE, Gender.MALE]),
                        upn=upn,
                    )
                    made.append(child)
                    batch.append((child, *rng.choice(schools)))
                Child.objects.bulk_create(made)
                for child, urn, school_id in batch:
                    upn = child.upn
                    drawn = rng.choices(codes, weights, k=2 * len(days))
                    for index, text in enumerate(day_texts):
                        am, pm = drawn[2 * index], drawn[2 * index + 1]
                        am = "/" if am == "present" else am
                        pm = "\\" if pm == "present" else pm
                        writer.writerow((upn, text, "AM", am, urn))
                        writer.writerow((upn, text, "PM", pm, urn))
                        stored_writer.writerow((child.pk, school_id, text, "AM", am))
                        stored_writer.writerow((child.pk, school_id, text, "PM", pm))
                    sessions += 2 * len(days)
        return sessions

    @staticmethod
    def _same_shape_copy(stored: Path) -> None:
        """COPY the rows as stored into a fresh table shaped like the sessions table."""
        session = AttendanceSession._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE TABLE bench_copy_sessions (LIKE {session} INCLUDING ALL)")
            for column, model in (("child_id", Child), ("school_id", School)):
                cursor.execute(
                    f"ALTER TABLE bench_copy_sessions ADD FOREIGN KEY ({column}) "
                    f"REFERENCES {model._meta.db_table} (id) DEFERRABLE INITIALLY DEFERRED"
                )
            _copy_file(
                cursor,
                "COPY bench_copy_sessions (child_id, school_id, date, session, code) "
                "FROM STDIN WITH (FORMAT csv)",
                stored,
            )
        _check_constraints()

    @staticmethod
    def _bare_copy(path: Path) -> None:
        """COPY the file, as it is, into a bare table of its own columns."""
        with connection.cursor() as cursor:
            cursor.execute(
                "CREATE TABLE bench_bare_copy (upn varchar(13), date date, session varchar(2), "
                "code varchar(2), school_urn integer)"
            )
            _copy_file(
                cursor, "COPY bench_bare_copy FROM STDIN WITH (FORMAT csv, HEADER true)", path
            )


def _copy_file(cursor, statement: str, path: Path) -> None:
    with cursor.copy(statement) as copy, path.open("rb") as file:
        while chunk := file.read(1024 * 1024):
            copy.write(chunk)


def _check_constraints() -> None:
    """Run the deferred foreign-key checks now, as the commit would."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
