"""A tiny importer used only by the Imports pages' and task's tests, so they can run before
(and independently of) the real formats: a CSV of `urn,name` rows written through the real
schools service. It keeps the importer contract (records/imports/base.py): rejections name
the row, field and rule; a file that is not this CSV raises FileUnreadableError.

`use_fake_importer()` plugs it in for one kind by replacing that kind's entry in
records.imports.registry.IMPORTERS; the executor, task, pages and database stay real.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from records.imports.base import FileUnreadableError, ImportReport
from records.imports.progress import Progress
from records.imports.registry import IMPORTERS
from records.models import ImportKind, ImportRun, School
from records.services.schools import school_save
from virtualschool.errors import DomainError

# A kind caseworkers may import (the schools register itself is Managers' and Admins' since
# issue 11), so the pages' tests can upload as a caseworker; no page test reads a real CIN file.
KIND = ImportKind.CIN
HEADER = ["urn", "name"]
# How many times the importer has been run in this process (the worker runs in a thread).
calls: list[str] = []


class FakeSchoolsImporter:
    kind = KIND

    def run(self, *, run: ImportRun, path: Path, progress: Progress) -> ImportReport:
        calls.append(str(run.pk))
        report = ImportReport()
        try:
            text = path.read_bytes().decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise FileUnreadableError("The file is not a CSV file in UTF-8") from error
        rows = list(csv.reader(text.splitlines()))
        if not rows or [cell.strip().lower() for cell in rows[0]] != HEADER:
            raise FileUnreadableError("The first row must be the header: urn,name")
        progress.set_total(len(rows) - 1)
        for number, row in enumerate(rows[1:], start=1):
            report.counts["rows_read"] += 1
            progress.advance()
            self._row(report, number, row)
        return report

    def _row(self, report: ImportReport, number: int, row: list[str]) -> None:
        if len(row) != len(HEADER):
            report.reject(number, "", "The row must have 2 columns: urn,name")
            return
        urn_text, name = (cell.strip() for cell in row)
        if not urn_text.isdigit():
            report.reject(number, "urn", "URN must be a 6-digit number")
            return
        before = School.objects.filter(urn=int(urn_text)).values_list("name", flat=True).first()
        try:
            # As the operator: the register is not a caseworker's to change (permissions.
            # can_change_schools_register); what these tests exercise is the executor, the
            # task and the pages, for which any write through a real service will do.
            school_save(actor=None, urn=int(urn_text), name=name)
        except DomainError as error:
            for field, messages in error.message_dict.items():
                for message in messages:
                    report.reject(number, field, message)
            return
        if before is None:
            report.counts["schools_created"] += 1
        elif before != name:
            report.counts["schools_updated"] += 1
        else:
            report.counts["schools_unchanged"] += 1


@contextmanager
def use_fake_importer() -> Iterator[str]:
    """Read files of KIND with FakeSchoolsImporter while the block runs; yields the kind."""
    original = IMPORTERS[KIND]
    IMPORTERS[KIND] = f"{__name__}.FakeSchoolsImporter"
    calls.clear()
    try:
        yield KIND
    finally:
        IMPORTERS[KIND] = original


def schools_csv(rows: list[tuple[str, str]]) -> bytes:
    lines = ["urn,name", *(f"{urn},{name}" for urn, name in rows)]
    return ("\r\n".join(lines) + "\r\n").encode()


def queued_run_of(username: str) -> ImportRun:
    """A queued run started by the user with this username (for the URL matrix)."""
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.get(username=username)
    return ImportRun.objects.create(kind=KIND, file_name="schools.csv", created_by=user)
