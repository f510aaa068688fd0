"""Importers parse and call services; they never write the record themselves (STYLE.md 6a).

Two checks, both able to fail:
- at run time, every INSERT, UPDATE and DELETE on a table of the record (records' and
  django-auditlog's models) made while an import runs is traced to its caller: the nearest
  frame of the project's code must be a service (records/services/), never an importer
  (records/imports/). A probe run as if it were an importer shows the check catches one;
- in the source, no importer module calls a model write (save, create, update, delete, bulk_*,
  *_or_create), opens a cursor, or COPYs: bulk writes (COPY, upserts) belong in services too,
  and a cursor's COPY is invisible to the run-time check.
"""

from __future__ import annotations

import ast
import datetime
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.apps import apps
from django.db import connection

import records
from records.models import ImportKind, ImportRun, School
from records.services.imports import import_copy_file, import_execute
from tests.factories import ChildFactory
from tests.records.imports import ctf_files
from tests.records.imports.socialcare_files import (
    CinCase,
    CinChild,
    Plan,
    cin_xml,
    episode_row,
    gias_csv,
    gias_row,
    header_row,
    upn,
    write_903_zip,
)

pytestmark = pytest.mark.django_db
D = datetime.date

RECORDS = Path(records.__file__).resolve().parent
IMPORTS = RECORDS / "imports"
SERVICES = RECORDS / "services"
WRITE = re.compile(r"\b(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+\"?(\w+)\"?", re.IGNORECASE)


def _record_tables() -> frozenset[str]:
    labels = {"records", "auditlog"}
    return frozenset(
        model._meta.db_table for model in apps.get_models() if model._meta.app_label in labels
    )


@dataclass
class Writes:
    by_services: int = 0
    by_importers: list[str] = field(default_factory=list)


def _writer(frame) -> str | None:
    """'services', 'imports' or None: the nearest project caller of a statement."""
    while frame is not None:
        path = Path(frame.f_code.co_filename).resolve()
        if path.is_relative_to(SERVICES):
            return "services"
        if path.is_relative_to(IMPORTS):
            return f"imports:{path.name}:{frame.f_lineno}"
        frame = frame.f_back
    return None


@contextmanager
def traced_writes() -> Iterator[Writes]:
    tables = _record_tables()
    writes = Writes()

    def trace(execute, sql, params, many, context):
        written = {name for name in WRITE.findall(sql) if name in tables}
        if written:
            writer = _writer(sys._getframe(1))
            if writer == "services":
                writes.by_services += 1
            elif writer is not None:
                writes.by_importers.append(f"{writer} wrote {', '.join(sorted(written))}")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(trace):
        yield writes


def _run(kind: str, path: Path, **options) -> ImportRun:
    run = import_copy_file(
        source=path, actor=None, kind=kind, import_valid_rows=True, options=options
    )
    return import_execute(run_id=run.pk)


def _ctf(tmp_path: Path) -> Path:
    child = ChildFactory(upn=ctf_files.upn("873200124001"), date_of_birth=D(2013, 10, 10))
    history = [ctf_files.HistorySpec(school=ctf_files.SchoolSpec(), entry="2020-09-01")]
    years = [ctf_files.YearSpec(start="2024-09-02", marks="/\\/\\/\\IIN\\")]
    pupils = [
        ctf_files.PupilSpec(
            upn=child.upn,
            former_upns=[ctf_files.upn("87320012401A")],
            history=history,
            years=years,
            results=ctf_files.ks2_results(),
        ),
        ctf_files.PupilSpec(upn=ctf_files.upn("873200124002"), forename="NEW"),
    ]
    return ctf_files.write_ctf(tmp_path / "ctf.xml", pupils)


def _903(tmp_path: Path) -> Path:
    ChildFactory(la_child_id="LAC001", upn=upn(101), date_of_birth=D(2012, 3, 4))
    return write_903_zip(
        tmp_path / "903.zip",
        [
            header_row("LAC001", D(2012, 3, 4), ethnic="WBRI", upn_value=upn(102)),
            header_row("LAC002", D(2016, 11, 20), sex="2", ethnic="BAFR", upn_value="UN2"),
        ],
        [
            episode_row("LAC001", D(2024, 5, 1), ls="C1", dec=D(2024, 6, 10), rec="X1"),
            episode_row("LAC001", D(2024, 6, 10), ls="C2"),
            episode_row("LAC002", D(2023, 1, 10), ls="V2", dec=D(2024, 7, 1), rec="E11"),
        ],
    )


def _cin(tmp_path: Path) -> Path:
    ChildFactory(la_child_id="CIN001", upn=upn(201), date_of_birth=D(2014, 6, 2))
    children = [
        CinChild(
            "CIN001",
            D(2014, 6, 2),
            upn=upn(201),
            former_upn=upn(202),
            cases=[CinCase(D(2024, 6, 1), D(2025, 3, 1), plans=[Plan(D(2024, 7, 15))])],
        ),
        CinChild("CIN002", D(2015, 1, 2), upn_unknown="UN1", cases=[CinCase(D(2024, 9, 1))]),
    ]
    path = tmp_path / "cin.xml"
    path.write_bytes(cin_xml(children))
    return path


def _attendance(tmp_path: Path) -> Path:
    child = ChildFactory(upn=upn(301), date_of_birth=D(2014, 6, 2))
    School.objects.create(urn=100301, name="Fen Primary")
    path = tmp_path / "attendance.csv"
    path.write_text(
        "upn,date,session,code,school_urn\n"
        f"{child.upn},2025-01-06,AM,/,100301\n"
        f"{child.upn},2025-01-06,PM,N,100301\n"
        f"{upn(302)},2025-01-06,AM,/,\n"  # nobody has this UPN: a rejection, the rest written
    )
    return path


def _gias(tmp_path: Path) -> Path:
    path = tmp_path / "gias.csv"
    path.write_bytes(gias_csv([gias_row(100001, "Fen Primary"), gias_row(100002, "Fen School")]))
    return path


@pytest.mark.parametrize(
    ("kind", "build", "options"),
    [
        (ImportKind.CTF, _ctf, {"create_missing": True}),
        (ImportKind.SSDA903, _903, {"create_missing": True}),
        (ImportKind.CIN, _cin, {"create_missing": True}),
        (ImportKind.SCHOOLS, _gias, {}),
        (ImportKind.ATTENDANCE, _attendance, {}),
    ],
)
def test_an_import_writes_the_record_only_through_services(tmp_path, kind, build, options):
    path = build(tmp_path)

    with traced_writes() as writes:
        run = _run(kind, path, **options)

    assert run.status == ImportRun.Status.SUCCEEDED, run.counts
    assert writes.by_importers == []
    assert writes.by_services > 0  # the import did write, and the trace saw it


def test_the_trace_catches_a_write_made_from_an_importer_module():
    probe = compile(
        "School.objects.create(urn=100009, name='Probe School')",
        str(IMPORTS / "_probe.py"),  # as if an importer in records/imports/ wrote it
        "exec",
    )

    with traced_writes() as writes:
        exec(probe, {"School": School})  # noqa: S102 - a fixed statement, to test the trace

    assert writes.by_services == 0
    assert writes.by_importers == [f"imports:_probe.py:1 wrote {School._meta.db_table}"]


# --- The source ----------------------------------------------------------------------------

MODEL_WRITES = frozenset(
    {
        "save",
        "delete",
        "create",
        "bulk_create",
        "bulk_update",
        "update_or_create",
        "get_or_create",
        "copy",
        "cursor",
        "execute",
        "executemany",
        "raw",
    }
)


def _importer_modules() -> list[Path]:
    return sorted(IMPORTS.glob("*.py"))


def direct_writes(source: str) -> list[str]:
    """Calls in a module's source that write rows without a service (see the module's docs)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module == "django.db":
            names = {alias.name for alias in node.names}
            if names & {"connection", "connections"}:
                found.append(f"line {node.lineno}: imports a database connection")
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        name, receiver = node.func.attr, ast.unparse(node.func.value)
        is_model_update = name == "update" and (".objects" in receiver or "filter(" in receiver)
        if name in MODEL_WRITES or is_model_update:
            found.append(f"line {node.lineno}: {receiver}.{name}(...)")
    return found


@pytest.mark.parametrize("path", _importer_modules(), ids=lambda path: path.name)
def test_no_importer_module_writes_rows_itself(path):
    assert direct_writes(path.read_text()) == []


@pytest.mark.parametrize(
    "source",
    [
        "child.save()",
        "Child.objects.create(first_name='A')",
        "Child.objects.filter(pk=1).update(upn='')",
        "School.objects.bulk_create(rows)",
        "Enrolment.objects.get_or_create(child=child)",
        "from django.db import connection",
        "cursor.copy('COPY t FROM STDIN')",
    ],
)
def test_the_source_check_catches_each_kind_of_write(source):
    assert direct_writes(source)


def test_the_source_check_leaves_counting_alone():
    assert direct_writes("report.counts.update(outcomes)\nseen.add(1)") == []
