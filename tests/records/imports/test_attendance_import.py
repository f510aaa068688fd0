"""The attendance import (records/imports/attendance.py), through the real executor and
command, on real PostgreSQL: both layouts, every kind of bad input, idempotency, corrected
codes and their history, summaries against a recomputation, and a killed import."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from records.attendance import attendance_figures, summary_key
from records.imports.progress import progress_of
from records.models import (
    AttendanceCodeChange,
    AttendanceSession,
    AttendanceSummary,
    BatchEvent,
    ImportKind,
    ImportRun,
)
from records.services.attendance import attendance_record
from records.services.imports import import_copy_file, import_execute
from tests.factories import ChildFactory, SchoolFactory, _upn
from tests.subprocesses import subprocess_database_url

pytestmark = pytest.mark.django_db

HEADER = ["upn", "date", "session", "code", "school_urn"]
WIDE_HEADER = ["upn", "date", "am", "pm", "school_urn"]
MONDAY = date(2025, 1, 6)  # spring term 2024/25: the current (August 2024) codes apply
WEEK = [MONDAY + timedelta(days=offset) for offset in range(5)]


@pytest.fixture
def school():
    return SchoolFactory(urn=141234)


@pytest.fixture
def pupils():
    return [ChildFactory() for _ in range(3)]


def write(path: Path, rows: list[list[str]], header: list[str] = HEADER) -> Path:
    with path.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def week_rows(children, school, *, codes=("/", "\\")) -> list[list[str]]:
    return [
        [child.upn, day.isoformat(), session, code, str(school.urn)]
        for child in children
        for day in WEEK
        for session, code in zip(("AM", "PM"), codes, strict=True)
    ]


def run_import(path: Path, **options) -> ImportRun:
    run = import_copy_file(source=path, actor=None, kind=ImportKind.ATTENDANCE, **options)
    return import_execute(run_id=run.pk)


def state() -> tuple:
    """Everything an attendance import may change, in a comparable form."""
    return (
        sorted(
            AttendanceSession.objects.values_list("child_id", "date", "session", "code", "school")
        ),
        sorted(
            AttendanceSummary.objects.values_list(
                "child_id",
                "academic_year",
                "term",
                "possible",
                "attended",
                "authorised",
                "unauthorised",
                "not_possible",
            )
        ),
        sorted(
            AttendanceCodeChange.objects.values_list(
                "child_id", "date", "session", "old_code", "new_code"
            )
        ),
    )


def assert_summaries_match_sessions() -> None:
    """Every stored summary equals the DfE figures recomputed in Python from its sessions."""
    by_key: dict = {}
    for child_id, day, code in AttendanceSession.objects.values_list("child_id", "date", "code"):
        by_key.setdefault(summary_key(child_id, day), []).append(code)
    stored = {(s.child_id, s.academic_year, s.term): s for s in AttendanceSummary.objects.all()}
    assert set(stored) == {tuple(key) for key in by_key}
    for key, codes in by_key.items():
        figures = attendance_figures(codes)
        summary = stored[tuple(key)]
        assert (
            summary.possible,
            summary.attended,
            summary.authorised,
            summary.unauthorised,
            summary.not_possible,
            summary.absence_by_code,
        ) == (
            figures.possible,
            figures.attended,
            figures.authorised,
            figures.unauthorised,
            figures.not_possible,
            dict(figures.absence_by_code),
        )


# --- Files that import ------------------------------------------------------------------


def test_a_long_file_stores_sessions_summaries_and_one_batch_event(tmp_path, pupils, school):
    rows = week_rows(pupils, school, codes=("/", "I"))
    run = run_import(write(tmp_path / "week.csv", rows))
    assert run.status == ImportRun.Status.SUCCEEDED
    assert run.counts["rows_read"] == 30
    assert run.counts["sessions_created"] == 30
    assert run.counts["children_matched"] == 3
    assert run.counts["summaries_refreshed"] == 3
    assert AttendanceSession.objects.count() == 30
    assert set(AttendanceSession.objects.values_list("school_id", flat=True)) == {school.pk}
    summary = AttendanceSummary.objects.get(child=pupils[0], academic_year=2024, term="spring")
    assert (summary.possible, summary.attended, summary.authorised) == (10, 5, 5)
    assert summary.absence_by_code == {"I": 5}
    assert_summaries_match_sessions()
    event = BatchEvent.objects.get(kind=BatchEvent.Kind.IMPORT)
    assert event.child_id is None
    assert (event.rows, event.date_from, event.date_to) == (30, WEEK[0], WEEK[-1])
    assert event.details["file_sha256"] == run.sha256
    assert event.details["run_id"] == str(run.pk)
    assert event.details["counts"]["sessions_created"] == 30


def test_the_wide_layout_and_uk_dates_store_the_same_sessions(tmp_path, pupils, school):
    long_run = run_import(write(tmp_path / "long.csv", week_rows(pupils[:1], school)))
    assert long_run.status == ImportRun.Status.SUCCEEDED
    expected = state()
    AttendanceSession.objects.all().delete()
    AttendanceSummary.objects.all().delete()
    wide = [[pupils[0].upn, f"{day:%d/%m/%Y}", "/", "\\", str(school.urn)] for day in WEEK]
    run = run_import(write(tmp_path / "wide.csv", wide, header=WIDE_HEADER))
    assert run.status == ImportRun.Status.SUCCEEDED
    assert run.counts["rows_read"] == 5
    assert state() == expected


def test_wide_rows_may_leave_one_session_blank(tmp_path, pupils, school):
    rows = [[pupils[0].upn, MONDAY.isoformat(), "/", "", str(school.urn)]]
    run = run_import(write(tmp_path / "wide.csv", rows, header=WIDE_HEADER))
    assert run.status == ImportRun.Status.SUCCEEDED
    assert list(AttendanceSession.objects.values_list("session", "code")) == [("AM", "/")]


def test_columns_in_another_order_with_extra_columns_and_a_bom(tmp_path, pupils, school):
    path = tmp_path / "mis.csv"
    with path.open("w", newline="", encoding="utf-8-sig") as out:
        writer = csv.writer(out)
        writer.writerow(["Date", "UPN", "Pupil name", "Session", "URN", "Code"])
        writer.writerow([MONDAY.isoformat(), pupils[0].upn, "ignored", "am", school.urn, " l "])
    run = run_import(path)
    assert run.status == ImportRun.Status.SUCCEEDED, run.rejections.all()
    session = AttendanceSession.objects.get()
    assert (session.session, session.code, session.school_id) == ("AM", "L", school.pk)


@pytest.mark.parametrize("header", [HEADER, WIDE_HEADER], ids=["long", "wide"])
def test_a_windows_1252_file_is_read(tmp_path, pupils, school, header):
    """Excel on Windows saves CSV in Windows-1252: a pupil's name with an accent (ë is 0xEB,
    not UTF-8) must not refuse the file. The wide layout is read in Python, the long by COPY
    first (which refuses the bytes) and then in Python."""
    path = tmp_path / "excel.csv"
    row = (
        [pupils[0].upn, MONDAY.isoformat(), "AM", "/", str(school.urn)]
        if header == HEADER
        else [pupils[0].upn, MONDAY.isoformat(), "/", "", str(school.urn)]
    )
    with path.open("w", newline="", encoding="cp1252") as out:
        writer = csv.writer(out)
        writer.writerow([*header, "Pupil name"])
        writer.writerow([*row, "Zoë Brontë"])
    assert "ë".encode("cp1252") in path.read_bytes()
    run = run_import(path)
    assert run.status == ImportRun.Status.SUCCEEDED, (run.error, list(run.rejections.all()))
    session = AttendanceSession.objects.get()
    assert (session.child_id, session.session, session.code) == (pupils[0].pk, "AM", "/")


@pytest.mark.parametrize("header", [HEADER, WIDE_HEADER], ids=["long", "wide"])
@pytest.mark.parametrize("import_valid_rows", [False, True], ids=["whole", "valid rows"])
def test_a_blank_upn_is_an_error_and_matches_no_child_without_a_upn(
    tmp_path, pupils, school, header, import_valid_rows
):
    """Children without a UPN are common after 903 and CIN imports (issue 12): a blank or
    whitespace-only UPN in a file must be that row's error, never a match for one of them."""
    without = [ChildFactory(upn=""), ChildFactory(upn="")]
    assert all(child.upn == "" for child in without)
    long = header == HEADER
    rows = [
        [pupils[0].upn, MONDAY.isoformat(), "AM", "/", str(school.urn)]
        if long
        else [pupils[0].upn, MONDAY.isoformat(), "/", "", str(school.urn)],
    ]
    for upn in ("", "   "):
        rows.append(
            [upn, WEEK[1].isoformat(), "AM", "/", str(school.urn)]
            if long
            else [upn, WEEK[1].isoformat(), "/", "/", str(school.urn)]
        )
    run = run_import(
        write(tmp_path / "blank.csv", rows, header=header), import_valid_rows=import_valid_rows
    )
    # (each session of a wide row is judged, so a wide row is refused once for each)
    rejections = sorted(set(run.rejections.values_list("row_number", "field", "reason")))
    assert rejections == [(2, "upn", "UPN is blank"), (3, "upn", "UPN is blank")]
    assert not AttendanceSession.objects.filter(child__in=without).exists()
    if import_valid_rows:
        assert run.status == ImportRun.Status.SUCCEEDED
        assert list(AttendanceSession.objects.values_list("child_id", flat=True)) == [pupils[0].pk]
    else:
        assert run.status == ImportRun.Status.REJECTED
        assert not AttendanceSession.objects.exists()


def test_a_former_upn_finds_the_child(tmp_path, pupils, school):
    pupil = pupils[0]
    old = _upn(9_999)
    pupil.former_upns = [old]
    pupil.save()
    run = run_import(write(tmp_path / "old.csv", [[old, MONDAY.isoformat(), "AM", "/", ""]]))
    assert run.status == ImportRun.Status.SUCCEEDED
    session = AttendanceSession.objects.get()
    assert (session.child_id, session.school_id) == (pupil.pk, None)


def test_importing_the_same_file_twice_changes_nothing_the_second_time(tmp_path, pupils, school):
    path = write(tmp_path / "week.csv", week_rows(pupils, school, codes=("/", "N")))
    first = run_import(path)
    assert first.status == ImportRun.Status.SUCCEEDED
    before = state()
    ids = sorted(AttendanceSession.objects.values_list("id", flat=True))
    second = run_import(path)
    assert second.status == ImportRun.Status.SUCCEEDED
    assert second.counts["sessions_created"] == 0
    assert second.counts.get("sessions_updated", 0) == 0
    assert second.counts["sessions_unchanged"] == 30
    assert state() == before
    assert sorted(AttendanceSession.objects.values_list("id", flat=True)) == ids
    assert not AttendanceCodeChange.objects.exists()


def test_a_corrected_code_replaces_the_session_and_keeps_its_history(tmp_path, pupils, school):
    run_import(write(tmp_path / "first.csv", week_rows(pupils[:1], school, codes=("/", "N"))))
    corrected = week_rows(pupils[:1], school, codes=("/", "N"))
    corrected[1][3] = "M"  # Monday afternoon: unexplained absence, later a medical appointment
    run = run_import(write(tmp_path / "second.csv", corrected))
    assert run.status == ImportRun.Status.SUCCEEDED
    assert (run.counts["sessions_updated"], run.counts["codes_changed"]) == (1, 1)
    assert run.counts["sessions_unchanged"] == 9
    pupil = pupils[0]
    assert AttendanceSession.objects.get(child=pupil, date=MONDAY, session="PM").code == "M"
    change = AttendanceCodeChange.objects.get()
    assert (change.child_id, change.date, change.session) == (pupil.pk, MONDAY, "PM")
    assert (change.old_code, change.new_code) == ("N", "M")
    assert change.batch == BatchEvent.objects.filter(kind=BatchEvent.Kind.IMPORT).first()
    summary = AttendanceSummary.objects.get(child=pupil)
    assert (summary.authorised, summary.unauthorised) == (1, 4)
    assert_summaries_match_sessions()


def test_only_the_children_and_terms_in_the_file_are_summarised(tmp_path, pupils, school):
    other = pupils[2]
    attendance_record(actor=None, child=other, sessions=[(MONDAY, "AM", "/")])
    # A summary the import must not touch, made visibly different from a recomputation.
    AttendanceSummary.objects.filter(child=other).update(possible=99)
    autumn = date(2024, 11, 4)
    attendance_record(actor=None, child=pupils[0], sessions=[(autumn, "AM", "N")])
    AttendanceSummary.objects.filter(child=pupils[0], term="autumn").update(possible=77)
    run = run_import(write(tmp_path / "two.csv", week_rows(pupils[:2], school)))
    assert run.counts["summaries_refreshed"] == 2
    assert AttendanceSummary.objects.get(child=other).possible == 99
    assert AttendanceSummary.objects.get(child=pupils[0], term="autumn").possible == 77
    assert AttendanceSummary.objects.get(child=pupils[0], term="spring").possible == 10


def test_the_attendance_page_keeps_the_history_of_a_changed_code_too(pupils):
    pupil = pupils[0]
    attendance_record(actor=None, child=pupil, sessions=[(MONDAY, "AM", "N")])
    batch = attendance_record(actor=None, child=pupil, sessions=[(MONDAY, "AM", "I")])
    change = AttendanceCodeChange.objects.get()
    assert (change.old_code, change.new_code, change.batch) == ("N", "I", batch)
    attendance_record(actor=None, child=pupil, sessions=[(MONDAY, "AM", "I")])
    assert AttendanceCodeChange.objects.count() == 1


# --- Rows that are rejected ---------------------------------------------------------------


def _next_weekday_after_today() -> date:
    day = timezone.localdate() + timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


BAD_ROWS = {
    "unknown UPN": (
        lambda p, s: [_upn(8_888), MONDAY.isoformat(), "AM", "/", s],
        "upn",
        "No child on the system has this UPN",
    ),
    "malformed UPN": (
        lambda p, s: ["A12345", MONDAY.isoformat(), "AM", "/", s],
        "upn",
        "UPN must be 13 characters",
    ),
    "code outside the DfE lists": (
        lambda p, s: [p, MONDAY.isoformat(), "AM", "I01", s],
        "code",
        "Not a DfE attendance code",
    ),
    "code withdrawn on the date": (
        lambda p, s: [p, MONDAY.isoformat(), "AM", "H", s],
        "code",
        "Code H was withdrawn on 19 August 2024",
    ),
    "code not yet in use on the date": (
        lambda p, s: [p, "2024-03-04", "AM", "K", s],
        "code",
        "Code K came into use on 19 August 2024",
    ),
    "weekend": (
        lambda p, s: [p, "2025-01-04", "AM", "/", s],
        "date",
        "is a Saturday: registers are taken on school days",
    ),
    "future date": (
        lambda p, s: [p, _next_weekday_after_today().isoformat(), "AM", "/", s],
        "date",
        "must be today or in the past",
    ),
    "impossible date": (
        lambda p, s: [p, "31/02/2025", "AM", "/", s],
        "date",
        "Date must be a real date",
    ),
    "date in another format": (
        lambda p, s: [p, "Jan 6 2025", "AM", "/", s],
        "date",
        "Date must be a real date",
    ),
    "before the child's education is recorded": (
        lambda p, s: [p, "2005-01-03", "AM", "F", s],
        "date",
        "outside the ages a virtual school records education",
    ),
    "session neither AM nor PM": (
        lambda p, s: [p, MONDAY.isoformat(), "EVE", "/", s],
        "session",
        "Session must be AM (morning) or PM (afternoon)",
    ),
    "unknown school": (
        lambda p, s: [p, MONDAY.isoformat(), "AM", "/", "999999"],
        "school_urn",
        "No school on the system has this URN",
    ),
    "URN that is not a number": (
        lambda p, s: [p, MONDAY.isoformat(), "AM", "/", "12a"],
        "school_urn",
        "School URN must be a number",
    ),
    "too few fields": (
        lambda p, s: [p, MONDAY.isoformat(), "AM", "/"],
        "row",
        "The row has 4 fields; the header row has 5",
    ),
    "too many fields": (
        lambda p, s: [p, MONDAY.isoformat(), "AM", "/", s, "extra"],
        "row",
        "The row has 6 fields; the header row has 5",
    ),
}


@pytest.mark.parametrize("case", list(BAD_ROWS), ids=list(BAD_ROWS))
def test_a_bad_row_is_reported_and_the_file_changes_nothing(tmp_path, pupils, school, case):
    make, field, reason = BAD_ROWS[case]
    run_import(write(tmp_path / "earlier.csv", week_rows(pupils[1:], school)))
    before = state()
    rows = week_rows(pupils[:1], school)
    bad = make(pupils[0].upn, str(school.urn))
    rows.insert(3, bad)  # row 4 of the file
    run = run_import(write(tmp_path / "bad.csv", rows))
    assert run.status == ImportRun.Status.REJECTED
    assert run.counts["rows_rejected"] == 1
    rejection = run.rejections.get()
    assert (rejection.row_number, rejection.field) == (4, field)
    assert reason in rejection.reason
    for value in bad:  # the report names the rule, never the value
        if len(value) > 2 and value not in {"EVE"}:
            assert value not in rejection.reason
    assert state() == before


def test_a_session_given_twice_in_a_file_is_rejected(tmp_path, pupils, school):
    rows = week_rows(pupils[:1], school)
    rows.append([pupils[0].upn, MONDAY.isoformat(), "AM", "L", str(school.urn)])
    run = run_import(write(tmp_path / "twice.csv", rows))
    assert run.status == ImportRun.Status.REJECTED
    rejection = run.rejections.get()
    assert (rejection.row_number, rejection.field) == (11, "session")
    assert "also at row 1" in rejection.reason
    assert not AttendanceSession.objects.exists()


def test_wide_rows_with_both_sessions_blank_are_rejected(tmp_path, pupils, school):
    rows = [[pupils[0].upn, MONDAY.isoformat(), "", "", str(school.urn)]]
    run = run_import(write(tmp_path / "wide.csv", rows, header=WIDE_HEADER))
    assert run.status == ImportRun.Status.REJECTED
    assert run.rejections.get().field == "am"


def test_several_faults_in_one_row_are_each_reported(tmp_path, pupils, school):
    rows = [[_upn(7_777), "2025-01-04", "XX", "Q9", "abc"]]
    run = run_import(write(tmp_path / "bad.csv", rows))
    fields = sorted(run.rejections.values_list("field", flat=True))
    assert fields == ["code", "date", "school_urn", "session", "upn"]
    assert run.counts["rows_rejected"] == 1


def test_import_valid_rows_keeps_the_good_ones(tmp_path, pupils, school):
    rows = week_rows(pupils[:1], school)
    rows.append([pupils[1].upn, MONDAY.isoformat(), "AM", "I01", str(school.urn)])
    run = run_import(write(tmp_path / "mixed.csv", rows), import_valid_rows=True)
    assert run.status == ImportRun.Status.SUCCEEDED
    assert run.counts["rows_rejected"] == 1
    assert run.counts["sessions_created"] == 10
    assert AttendanceSession.objects.count() == 10
    assert_summaries_match_sessions()


# --- Files that cannot be read at all -------------------------------------------------------


def _png() -> bytes:
    return b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4


WHOLE_FILE = {
    "binary file": (_png(), "not a CSV text file"),
    "spreadsheet saved as xlsx": (b"PK\x03\x04" + b"x" * 200, "not a CSV text file"),
    "an unclosed quote": (
        b'upn,date,session,code,school_urn\nA,2025-01-06,AM,"/\n',
        'The file has a quote (") on line 2 that is never closed',
    ),
    "a misplaced quote in the wide layout": (
        b'upn,date,am,pm,school_urn\nA,2025-01-06,"/"x,/,1\n',
        'The file has a misplaced quote (") on line 2',
    ),
    # The long layout goes to COPY first, which would read "/"x as /x: refused the same way
    # (issue 12, "Strict shape, the same for every CSV importer").
    "a misplaced quote in the long layout": (
        b'upn,date,session,code,school_urn\nA,2025-01-06,AM,/,1\nA,2025-01-07,AM,"/"x,1\n',
        'The file has a misplaced quote (") on line 3',
    ),
    "an unclosed quote in the wide layout": (
        b'upn,date,am,pm,school_urn\nA,2025-01-06,/,/,1\nA,"2025-01-07,/,/,1\nB,x,/,/,1\n',
        'The file has a quote (") on line 3 that is never closed',
    ),
    "semicolons": (
        b"upn;date;session;code;school_urn\nA;2025-01-06;AM;/;1\n",
        "The file separates its fields with semicolons (;), not commas",
    ),
    "tabs": (
        b"upn\tdate\tsession\tcode\tschool_urn\nA\t2025-01-06\tAM\t/\t1\n",
        "The file separates its fields with tabs, not commas",
    ),
    # NUL bytes beyond the start the first look reads: found when the file is read in full.
    "binary data after the start": (
        b"upn,date,session,code,school_urn\n"
        + b"A873200015001,2025-01-06,AM,/,1\n" * 3000
        + b"\x00\x01\x02,2025-01-07,AM,/,1\n",
        "contains binary data",
    ),
    "no header": (b"A1234,2025-01-06,AM,/,1\n", "The first row must be a header"),
    "only blank lines": (b"\n\n  \n", "The file is empty"),
}


@pytest.mark.parametrize("case", list(WHOLE_FILE), ids=list(WHOLE_FILE))
def test_a_file_that_cannot_be_read_fails_with_a_reason(tmp_path, pupils, school, case):
    content, reason = WHOLE_FILE[case]
    run_import(write(tmp_path / "earlier.csv", week_rows(pupils, school)))
    before = state()
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    run = run_import(path)
    assert run.status == ImportRun.Status.FAILED
    assert reason in run.error
    assert state() == before
    with pytest.raises(CommandError) as failed:
        call_command("import_attendance", str(path))
    assert failed.value.returncode == 2


def test_an_empty_file_is_refused_by_the_command(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    with pytest.raises(CommandError, match="The file is empty") as failed:
        call_command("import_attendance", str(path))
    assert failed.value.returncode == 2
    assert not ImportRun.objects.exists()


def test_a_file_over_the_size_limit_is_refused(tmp_path, pupils, school, settings):
    # The same check refuses a 2 GB file at the default 1 GB limit; a small limit stands in.
    settings.IMPORT_MAX_BYTES = 1024
    path = write(tmp_path / "large.csv", week_rows(pupils, school))
    with pytest.raises(CommandError, match="larger than") as failed:
        call_command("import_attendance", str(path))
    assert failed.value.returncode == 2
    assert not AttendanceSession.objects.exists()


def test_the_command_exits_0_when_imported_and_1_when_rows_were_rejected(
    tmp_path, pupils, school, capsys
):
    call_command("import_attendance", str(write(tmp_path / "ok.csv", week_rows(pupils, school))))
    assert "sessions created: 30" in capsys.readouterr().out
    rows = [[_upn(8_888), MONDAY.isoformat(), "AM", "/", str(school.urn)]]
    with pytest.raises(SystemExit) as exited:
        call_command("import_attendance", str(write(tmp_path / "bad.csv", rows)))
    assert exited.value.code == 1
    assert "row 1: upn:" in capsys.readouterr().out


# --- A killed import -------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_an_import_killed_part_way_leaves_everything_as_it_was(tmp_path):
    school = SchoolFactory(urn=141235)
    children = [ChildFactory(date_of_birth=date(2010, 1, 1)) for _ in range(40)]
    attendance_record(actor=None, child=children[0], sessions=[(MONDAY, "AM", "N")])
    before = state()
    # 40 children, every weekday from September 2013 to July 2025, both sessions: about
    # 250,000 rows, long enough to be killed part-way.
    path = tmp_path / "big.csv"
    with path.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(HEADER)
        for child in children:
            day = date(2013, 9, 2)
            while day < date(2025, 7, 19):
                if day.weekday() < 5 and day != MONDAY:
                    writer.writerow([child.upn, day.isoformat(), "AM", "/", school.urn])
                    writer.writerow([child.upn, day.isoformat(), "PM", "\\", school.urn])
                day += timedelta(days=1)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "virtualschool.settings.test",
        "DATABASE_URL": subprocess_database_url(),
    }
    process = subprocess.Popen(  # noqa: S603 - our own command, arguments we built
        [sys.executable, "manage.py", "import_attendance", str(path)],
        cwd=Path(__file__).resolve().parents[3],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not _rows_read_so_far():
            assert process.poll() is None, "the import ended before it could be killed"
            time.sleep(0.02)
        assert _rows_read_so_far(), "the import showed no progress"
        assert process.poll() is None, "the import ended before it could be killed"
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == -signal.SIGKILL
    assert state() == before
    assert not BatchEvent.objects.filter(kind=BatchEvent.Kind.IMPORT).exists()


def _rows_read_so_far() -> int:
    """Rows the running import has read, from the progress other processes can see."""
    run = ImportRun.objects.filter(status=ImportRun.Status.RUNNING).first()
    progress = progress_of(run.pk) if run else None
    return progress[0] if progress else 0


@pytest.mark.parametrize(
    "name", [b"Zo\xeb Bront\xeb", b"undefined \x81 byte"], ids=["cp1252", "undefined byte"]
)
def test_a_long_windows_1252_file_is_read_by_copy_or_else_by_the_shared_reader(
    tmp_path, pupils, school, name
):
    """A long-layout Windows-1252 file: COPY takes it converting as it reads; with a byte
    Windows-1252 leaves undefined (0x81) COPY refuses it and the shared reader reads it (the
    byte becomes U+FFFD in a column the import does not use). The same sessions either way."""
    rows = week_rows(pupils[:2], school)
    lines = [b"upn,date,session,code,school_urn,pupil name"]
    lines += [",".join(row).encode() + b"," + name for row in rows]
    path = tmp_path / "excel.csv"
    path.write_bytes(b"\r\n".join(lines) + b"\r\n")
    run = run_import(path)
    assert run.status == ImportRun.Status.SUCCEEDED, (run.error, list(run.rejections.all()))
    assert run.counts["rows_read"] == len(rows) == 20
    assert AttendanceSession.objects.count() == 20
    assert_summaries_match_sessions()
