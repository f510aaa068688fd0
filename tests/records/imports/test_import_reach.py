"""Imports stay within the importer's reach (issue 11, doors 2, 3 and the import part of 6).

- A caseworker's file naming another caseworker's child is refused with one neutral message,
  the same as for a UPN nobody has, and changes nothing of that child (no UPN change through
  FormerUPN, no attendance overwritten, no enrolment, nothing in its history or access log).
  A manager's same file matches the child.
- Only Managers and Admins import the schools register, which is audited school by school.
- Every child an import touches gets one access-log entry and one line in its history, in a
  number of queries that does not grow with the children.
"""

from __future__ import annotations

import csv
import datetime
import logging
from pathlib import Path

import pytest
from auditlog.models import LogEntry
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.db.models.fields.json import KT
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from records.models import (
    AccessLogEntry,
    AttendanceSession,
    BatchEvent,
    Child,
    Enrolment,
    ImportKind,
    ImportRun,
    School,
)
from records.selectors import children_visible_to
from records.selectors.identifiers import (
    NOT_IN_REACH,
    AmbiguousIdentifierError,
    child_for_identifiers,
    children_for_upns,
)
from records.services.attendance import attendance_record
from records.services.imports import import_copy_file, import_create, import_execute
from records.services.schools import enrolment_sync
from tests.factories import ChildFactory, SchoolFactory
from tests.records.imports.ctf_files import (
    HistorySpec,
    PupilSpec,
    SchoolSpec,
    YearSpec,
    upn,
    write_ctf,
)
from tests.records.imports.socialcare_files import gias_csv, gias_row
from virtualschool.errors import DomainError

pytestmark = pytest.mark.django_db

D = datetime.date
DOB = D(2013, 10, 10)
THEIRS = upn("873200124001")  # the other caseworker's child
NOBODY = upn("873200124009")  # no child has it
NEW_UPN = upn("873200124005")
MONDAY = D(2025, 1, 6)
# The other child's school: a rejection quoting it (or its dates) would leak it.
THEIR_SCHOOL = "Fenland Secret Academy"


@pytest.fixture
def theirs(other_caseworker, allocate):
    """Another caseworker's child, with an enrolment, a former UPN and a register mark."""
    child = ChildFactory(upn=THEIRS, date_of_birth=DOB, former_upns=[upn("87320012402A")])
    allocate(child, other_caseworker)
    school = SchoolFactory(urn=873999, name=THEIR_SCHOOL)
    enrolment_sync(actor=None, child=child, school=school, start_date=D(2020, 9, 1), end_date=None)
    attendance_record(actor=None, child=child, sessions=[(MONDAY, "AM", "/")])
    child.refresh_from_db()
    return child


def _state(child: Child) -> dict:
    """Everything of one child an import could change, and every trace it could leave."""
    child.refresh_from_db()
    return {
        "identity": (child.upn, list(child.former_upns), child.date_of_birth, child.version),
        "enrolments": sorted(
            Enrolment.objects.filter(child=child).values_list("school__urn", "start_date")
        ),
        "sessions": sorted(
            AttendanceSession.objects.filter(child=child).values_list("date", "session", "code")
        ),
        "batches": sorted(BatchEvent.objects.filter(child_id=child.pk).values_list("pk")),
        "history": LogEntry.objects.alias(child=KT("additional_data__child_id"))
        .filter(child=str(child.pk))
        .count(),
        "access": AccessLogEntry.objects.filter(child_id=child.pk).count(),
    }


def _run(path: Path, *, actor, kind: str, valid_rows: bool = True) -> ImportRun:
    run = import_copy_file(source=path, actor=actor, kind=kind, import_valid_rows=valid_rows)
    return import_execute(run_id=run.pk)


def _rejections(run: ImportRun) -> list[tuple]:
    return list(run.rejections.values_list("row_number", "field", "reason", "child_id"))


def _ctf_pupil(identifier: str, **kwargs) -> PupilSpec:
    """A pupil whose school history overlaps the other child's enrolment (today's rejection
    quoted that school and date) and whose marks would overwrite their register."""
    defaults = {
        "upn": identifier,
        "dob": DOB.isoformat(),
        "history": [HistorySpec(school=SchoolSpec(), entry="2021-09-01")],
        "years": [YearSpec(start=MONDAY.isoformat(), marks="NN")],
    }
    return PupilSpec(**{**defaults, **kwargs})


# --- Door 2: CTF ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "variant",
    [
        pytest.param({}, id="date of birth matches"),
        pytest.param({"dob": "2014-01-01"}, id="date of birth differs"),
    ],
)
def test_a_caseworkers_ctf_naming_another_caseworkers_child_is_refused_like_a_unknown_upn(
    tmp_path, caseworker, theirs, variant
):
    before = _state(theirs)

    elsewhere = _run(
        write_ctf(tmp_path / "a.xml", [_ctf_pupil(THEIRS, **variant)]),
        actor=caseworker,
        kind=ImportKind.CTF,
    )
    nobody = _run(
        write_ctf(tmp_path / "b.xml", [_ctf_pupil(NOBODY, **variant)]),
        actor=caseworker,
        kind=ImportKind.CTF,
    )

    assert _rejections(elsewhere) == [(1, "UPN", NOT_IN_REACH, None)]
    assert _rejections(elsewhere) == _rejections(nobody)
    assert NOT_IN_REACH == "No child on your caseload has this UPN"
    assert elsewhere.counts == nobody.counts
    assert _state(theirs) == before


def test_a_caseworkers_ctf_cannot_change_another_childs_upn_through_former_upn(
    tmp_path, caseworker, theirs
):
    # Today this matched the other child through FormerUPN and gave them NEW_UPN.
    before = _state(theirs)
    pupil = _ctf_pupil(NEW_UPN, former_upns=[THEIRS], history=[], years=[])

    run = _run(write_ctf(tmp_path / "f.xml", [pupil]), actor=caseworker, kind=ImportKind.CTF)

    assert _rejections(run) == [(1, "UPN", NOT_IN_REACH, None)]
    assert _state(theirs) == before
    assert not Child.objects.filter(upn=NEW_UPN).exists()


def test_no_page_or_csv_of_a_caseworkers_import_quotes_the_other_child(
    tmp_path, client_for, caseworker, theirs, django_capture_on_commit_callbacks
):
    client = client_for(caseworker)
    data = write_ctf(tmp_path / "c.xml", [_ctf_pupil(THEIRS)]).read_bytes()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("records:import-new"),
            {"kind": "ctf", "file": SimpleUploadedFile("c.xml", data, content_type="text/xml")},
        )
    run = ImportRun.objects.get()
    page = client.get(response.url).content.decode()
    rejections = client.get(reverse("records:import-rejections-csv", kwargs={"pk": run.pk}))
    text = page + b"".join(rejections.streaming_content).decode()
    assert NOT_IN_REACH in text
    for leak in (THEIR_SCHOOL, "873999", "2020", "1 September", theirs.first_name, THEIRS):
        assert leak not in text


def test_a_managers_same_ctf_matches_the_child(tmp_path, manager, theirs):
    pupil = _ctf_pupil(THEIRS, history=[])

    run = _run(write_ctf(tmp_path / "m.xml", [pupil]), actor=manager, kind=ImportKind.CTF)

    assert run.status == ImportRun.Status.SUCCEEDED, _rejections(run)
    assert run.counts["children_matched"] == 1
    codes = dict(
        AttendanceSession.objects.filter(child=theirs, date=MONDAY).values_list("session", "code")
    )
    assert codes == {"AM": "N", "PM": "N"}
    assert AccessLogEntry.objects.filter(
        child_id=theirs.pk, user=manager, page=f"import {run.pk}"
    ).exists()


# --- Door 2: attendance --------------------------------------------------------------------


def _attendance(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["upn", "date", "session", "code", "school_urn"])
        writer.writerows(rows)
    return path


def test_a_caseworkers_attendance_file_does_not_overwrite_another_caseworkers_child(
    tmp_path, caseworker, theirs, allocate
):
    mine = ChildFactory(date_of_birth=D(2014, 2, 2))
    allocate(mine, caseworker)
    before = _state(theirs)
    path = _attendance(
        tmp_path / "a.csv",
        [
            [THEIRS, MONDAY.isoformat(), "AM", "N", ""],
            [NOBODY, MONDAY.isoformat(), "AM", "N", ""],
            [mine.upn, MONDAY.isoformat(), "AM", "N", ""],
        ],
    )

    run = _run(path, actor=caseworker, kind=ImportKind.ATTENDANCE)

    assert run.status == ImportRun.Status.SUCCEEDED
    assert _rejections(run) == [
        (1, "upn", NOT_IN_REACH, None),
        (2, "upn", NOT_IN_REACH, None),
    ]
    assert _state(theirs) == before  # the mark "/" is kept, nothing logged against them
    assert AttendanceSession.objects.get(child=mine).code == "N"


def test_a_managers_same_attendance_file_overwrites_the_mark(tmp_path, manager, theirs):
    path = _attendance(tmp_path / "m.csv", [[THEIRS, MONDAY.isoformat(), "AM", "N", ""]])

    run = _run(path, actor=manager, kind=ImportKind.ATTENDANCE)

    assert run.status == ImportRun.Status.SUCCEEDED, _rejections(run)
    assert AttendanceSession.objects.get(child=theirs, date=MONDAY, session="AM").code == "N"


# --- The one selector, inside the reach ----------------------------------------------------


def test_the_identifier_selectors_match_only_inside_the_reach(caseworker, theirs, allocate):
    mine = ChildFactory(former_upns=[upn("87320012403A")])
    allocate(mine, caseworker)
    # A former UPN both children hold would be ambiguous across the record, not in reach.
    shared = upn("87320012404A")
    Child.objects.filter(pk__in=[mine.pk, theirs.pk]).update(former_upns=[shared])
    reach = children_visible_to(caseworker)

    assert child_for_identifiers(upn=THEIRS, within=reach) is None
    assert child_for_identifiers(upn=THEIRS).child == theirs
    assert child_for_identifiers(upn=shared, within=reach).child == mine
    with pytest.raises(AmbiguousIdentifierError):
        child_for_identifiers(upn=shared)
    assert children_for_upns(upns=[THEIRS, mine.upn, shared], within=reach) == {
        mine.upn: children_for_upns(upns=[mine.upn])[mine.upn],
        shared: children_for_upns(upns=[shared], within=reach)[shared],
    }
    assert children_for_upns(upns=[shared], within=reach)[shared].child_id == mine.pk
    assert children_for_upns(upns=[shared])[shared].ambiguous


# --- Door 3: the schools register ----------------------------------------------------------


def _gias(tmp_path: Path) -> Path:
    path = tmp_path / "gias.csv"
    path.write_bytes(gias_csv([gias_row(100001, "Fen Primary"), gias_row(100002, "Fen School")]))
    return path


def test_a_caseworker_may_not_import_the_schools_register(
    tmp_path, client_for, caseworker, caplog, django_capture_on_commit_callbacks
):
    client = client_for(caseworker)
    form = client.get(reverse("records:import-new")).content.decode()
    assert 'value="schools"' not in form
    assert 'value="attendance"' in form

    upload = SimpleUploadedFile("gias.csv", _gias(tmp_path).read_bytes(), content_type="text/csv")
    with (
        caplog.at_level(logging.WARNING, logger="virtualschool.access"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = client.post(reverse("records:import-new"), {"kind": "schools", "file": upload})
    assert response.status_code == 200
    assert "govuk-error-summary" in response.content.decode()
    assert "import refused" in caplog.text
    with pytest.raises(DomainError) as refused:
        import_create(
            actor=caseworker,
            kind=ImportKind.SCHOOLS,
            file=_gias(tmp_path).open("rb"),
            file_name="gias.csv",
            enqueue=False,
        )
    assert "only a manager or an admin" in refused.value.messages[0]
    assert not ImportRun.objects.exists()
    assert not School.objects.exists()


def test_a_queued_schools_run_of_a_caseworker_is_refused_when_it_runs(tmp_path, caseworker):
    run = ImportRun.objects.create(
        kind=ImportKind.SCHOOLS,
        file_name="gias.csv",
        stored_path=str(_gias(tmp_path)),
        created_by=caseworker,
    )

    run = import_execute(run_id=run.pk)

    assert run.status == ImportRun.Status.FAILED
    assert "only a manager or an admin" in run.error
    assert not School.objects.exists()


@pytest.mark.parametrize("role", ["manager", "admin_user"])
def test_managers_and_admins_import_the_register_with_an_audit_per_school(
    request, tmp_path, client_for, role, django_capture_on_commit_callbacks
):
    user = request.getfixturevalue(role)
    client = client_for(user)
    form = client.get(reverse("records:import-new")).content.decode()
    assert 'value="schools"' in form
    if role == "admin_user":  # an Admin never imports a file about children
        assert 'value="attendance"' not in form
        assert 'value="ctf"' not in form

    upload = SimpleUploadedFile("gias.csv", _gias(tmp_path).read_bytes(), content_type="text/csv")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("records:import-new"), {"kind": "schools", "file": upload})

    assert ImportRun.objects.get().status == ImportRun.Status.SUCCEEDED
    events = BatchEvent.objects.filter(kind=BatchEvent.Kind.SCHOOLS).order_by("pk")
    assert [(e.actor, e.details["urn"], e.details["action"]) for e in events] == [
        (user, 100001, "created"),
        (user, 100002, "created"),
    ]
    assert events[0].details["changes"]["name"] == [None, "Fen Primary"]


def test_an_admin_may_not_import_a_file_about_children(tmp_path, admin_user):
    with pytest.raises(DomainError):
        import_create(
            actor=admin_user,
            kind=ImportKind.ATTENDANCE,
            file=_gias(tmp_path).open("rb"),
            file_name="a.csv",
            enqueue=False,
        )


# --- Door 6: access log and history, in fixed queries --------------------------------------


def _my_children(caseworker, allocate, count: int) -> list[Child]:
    children = [ChildFactory(date_of_birth=D(2014, 2, 2)) for _ in range(count)]
    for child in children:
        allocate(child, caseworker)
    return children


def _week_file(path: Path, children: list[Child]) -> Path:
    days = [MONDAY + datetime.timedelta(days=offset) for offset in range(3)]
    rows = [
        [child.upn, day.isoformat(), session, "/" if session == "AM" else "\\", ""]
        for child in children
        for day in days
        for session in ("AM", "PM")
    ]
    return _attendance(path, rows)


def test_every_child_an_import_touches_gets_an_access_entry_and_a_history_line(
    tmp_path, client_for, caseworker, allocate
):
    children = _my_children(caseworker, allocate, 2)
    caseworker.first_name, caseworker.last_name = "Robin", "Hale"
    caseworker.save()

    run = _run(_week_file(tmp_path / "week.csv", children), actor=caseworker, kind="attendance")

    assert run.status == ImportRun.Status.SUCCEEDED
    for child in children:
        entry = AccessLogEntry.objects.get(child_id=child.pk)
        assert (entry.user, entry.page) == (caseworker, f"import {run.pk}")
        line = BatchEvent.objects.get(kind=BatchEvent.Kind.IMPORTED, child_id=child.pk)
        assert (line.actor, line.details["summary"]) == (caseworker, "6 attendance sessions")
        page = client_for(caseworker).get(reverse("records:child-history", args=[child.pk]))
        assert "6 attendance sessions imported from week.csv by Robin Hale" in page.content.decode()

    # The same file again changes nothing: read again (logged), but no new history line.
    again = _run(_week_file(tmp_path / "week.csv", children), actor=caseworker, kind="attendance")
    assert again.status == ImportRun.Status.SUCCEEDED
    assert AccessLogEntry.objects.filter(page=f"import {again.pk}").count() == 2
    assert BatchEvent.objects.filter(kind=BatchEvent.Kind.IMPORTED).count() == 2


def test_a_ctf_import_gives_the_child_a_history_line(tmp_path, caseworker, allocate):
    child = ChildFactory(upn=THEIRS, date_of_birth=DOB)
    allocate(child, caseworker)
    # The pupil's school is in the register: a caseworker's CTF never adds one (door 3).
    SchoolFactory(urn=int(SchoolSpec().urn))

    run = _run(write_ctf(tmp_path / "c.xml", [_ctf_pupil(THEIRS)]), actor=caseworker, kind="ctf")

    assert run.status == ImportRun.Status.SUCCEEDED, _rejections(run)
    line = BatchEvent.objects.get(kind=BatchEvent.Kind.IMPORTED, child_id=child.pk)
    assert line.details["summary"] == "2 attendance sessions, 1 school enrolment"
    assert line.details["file_name"] == "c.xml"
    assert AccessLogEntry.objects.filter(child_id=child.pk, page=f"import {run.pk}").count() == 1


def _queries_for(tmp_path: Path, caseworker, children: list[Child], name: str) -> int:
    path = _week_file(tmp_path / f"{name}.csv", children)
    run = import_copy_file(source=path, actor=caseworker, kind=ImportKind.ATTENDANCE)
    with CaptureQueriesContext(connection) as queries:
        run = import_execute(run_id=run.pk)
    assert run.status == ImportRun.Status.SUCCEEDED
    assert AccessLogEntry.objects.filter(page=f"import {run.pk}").count() == len(children)
    assert BatchEvent.objects.filter(
        kind=BatchEvent.Kind.IMPORTED, details__run_id=str(run.pk)
    ).count() == len(children)
    return len(queries.captured_queries)


def test_the_access_log_and_history_lines_take_the_same_queries_for_2_or_20_children(
    tmp_path, caseworker, allocate
):
    few = _queries_for(tmp_path, caseworker, _my_children(caseworker, allocate, 2), "few")
    many = _queries_for(tmp_path, caseworker, _my_children(caseworker, allocate, 20), "many")

    assert few == many
