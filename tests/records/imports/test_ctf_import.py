"""The Common Transfer File import (records/imports/ctf.py), through the real executor and the
management command, on a real PostgreSQL database."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from records.imports.ctf import MAX_MARKS, measure_for
from records.models import (
    AssessmentResult,
    AttendanceCodeChange,
    AttendanceSession,
    AttendanceSummary,
    BatchEvent,
    Child,
    Enrolment,
    ImportKind,
    ImportRun,
    School,
)
from records.services.imports import import_copy_file, import_execute
from tests.factories import ChildFactory, SchoolFactory
from tests.records.imports.ctf_files import (
    BILLION_LAUGHS,
    EXTERNAL_DTD,
    EXTERNAL_ENTITY,
    HistorySpec,
    PupilSpec,
    ResultSpec,
    SchoolSpec,
    YearSpec,
    gcse_results,
    ks2_results,
    upn,
    write_ctf,
    wrong_check_letter,
)

pytestmark = pytest.mark.django_db

DOB = datetime.date(2013, 10, 10)
UPN_A = upn("873200124001")
UPN_B = upn("873200124002")
TEMP_UPN = upn("87320012401A")  # a temporary UPN: 11 digits and a letter
# Two school weeks from Monday 2 September 2024: AM then PM for each weekday.
MARKS = "/\\/\\/\\IIN\\" + "/\\L\\M\\/\\##"
SCHOOL = SchoolSpec()
INFANT = SchoolSpec(urn="873150", lea="873", estab="2150", name="Meadow Infant School")


def _run(path: Path, *, create_missing: bool = False, import_valid_rows: bool = False):
    run = import_copy_file(
        source=path,
        actor=None,
        kind=ImportKind.CTF,
        import_valid_rows=import_valid_rows,
        options={"create_missing": create_missing},
    )
    return import_execute(run_id=run.pk)


def _snapshot() -> dict[str, list]:
    """Everything a CTF import may write to the record, in a comparable form."""
    return {
        "children": sorted(
            Child.objects.values_list(
                "id", "upn", "former_upns", "version", "first_name", "date_of_birth"
            )
        ),
        "schools": sorted(School.objects.values_list("urn", "name", "la_code", "phase")),
        "enrolments": sorted(
            Enrolment.objects.values_list("child_id", "school__urn", "start_date", "end_date")
        ),
        "sessions": sorted(
            AttendanceSession.objects.values_list("child_id", "date", "session", "code")
        ),
        "summaries": sorted(
            AttendanceSummary.objects.values_list(
                "child_id", "academic_year", "term", "possible", "attended"
            )
        ),
        "results": sorted(
            AssessmentResult.objects.values_list(
                "child_id", "measure", "subject", "academic_year", "result", "version"
            )
        ),
        "changes": sorted(AttendanceCodeChange.objects.values_list("date", "old_code")),
        "batches": sorted(BatchEvent.objects.values_list("id", flat=True)),
    }


def _pupil(**kwargs) -> PupilSpec:
    defaults = {
        "upn": UPN_A,
        "history": [
            HistorySpec(INFANT, "2017-09-04", "2020-07-17", "PM"),
            HistorySpec(SCHOOL, "2020-09-02"),
        ],
        "years": [
            YearSpec(year="2024", possible="20", attended="14", start="2024-09-02", marks=MARKS),
            YearSpec(year="2023", possible="380", authorised="12", attended="361"),
        ],
        "results": ks2_results(),
    }
    return PupilSpec(**{**defaults, **kwargs})


@pytest.fixture
def child():
    return ChildFactory(upn=UPN_A, date_of_birth=DOB)


def test_happy_path_matches_records_school_sessions_and_results(tmp_path, child):
    run = _run(write_ctf(tmp_path / "ctf.xml", [_pupil()]))

    assert run.status == ImportRun.Status.SUCCEEDED, list(run.rejections.values())
    counts = run.counts
    assert counts["rows_read"] == 1
    assert counts["children_matched"] == 1
    assert counts.get("children_created", 0) == 0
    assert counts["sessions_created"] == len(MARKS)
    assert counts["ctf_year_totals_seen"] == 1
    assert counts["results_created"] == 6
    assert counts["ctf_results_not_mapped"] == 1
    assert counts["enrolments_created"] == 2
    # The school the file comes from and the schools in its history are on the system.
    assert School.objects.get(urn=873201).name == "Riverside Primary School"
    assert School.objects.get(urn=873150).establishment_number == "2150"
    assert list(
        Enrolment.objects.filter(child=child).values_list("school__urn", "start_date", "end_date")
    ) == [
        (873201, datetime.date(2020, 9, 2), None),
        (873150, datetime.date(2017, 9, 4), datetime.date(2020, 7, 17)),
    ]
    # Marks become sessions: AM/PM per weekday from the start date, weekends skipped.
    sessions = list(
        AttendanceSession.objects.filter(child=child).values_list("date", "session", "code")
    )
    assert sessions[:2] == [
        (datetime.date(2024, 9, 2), "AM", "/"),
        (datetime.date(2024, 9, 2), "PM", "\\"),
    ]
    assert (datetime.date(2024, 9, 5), "AM", "I") in sessions
    assert (datetime.date(2024, 9, 6), "AM", "N") in sessions
    assert (datetime.date(2024, 9, 9), "PM", "\\") in sessions  # Monday after the weekend
    assert (datetime.date(2024, 9, 13), "PM", "#") in sessions
    assert not any(day.weekday() >= 5 for day, _, _ in sessions)
    assert AttendanceSession.objects.filter(child=child).first().school.urn == 873201
    assert AttendanceSummary.objects.filter(child=child, academic_year=2024).exists()
    results = dict(AssessmentResult.objects.filter(child=child).values_list("measure", "result"))
    assert results == {
        "MTC": "24",
        "KS2_READ": "104",
        "KS2_MAT": "99",
        "KS2_GPS": "112",
        "KS2_WRIT": "EXS",
        "KS2_SCI": "EXS",
    }
    assert AssessmentResult.objects.get(child=child, measure="MTC").academic_year == 2022
    assert AssessmentResult.objects.get(child=child, measure="KS2_READ").academic_year == 2024


def test_gcse_results_by_subject_and_attainment_8(tmp_path):
    older = ChildFactory(upn=UPN_B, date_of_birth=datetime.date(2008, 12, 1))
    pupil = PupilSpec(upn=UPN_B, dob="2008-12-01", results=gcse_results())

    run = _run(write_ctf(tmp_path / "ks4.xml", [pupil]))

    assert run.status == ImportRun.Status.SUCCEEDED, list(run.rejections.values())
    assert sorted(
        AssessmentResult.objects.filter(child=older).values_list("measure", "subject", "result")
    ) == [("KS4_A8", "", "41.5"), ("KS4_GCSE", "ENG", "4"), ("KS4_GCSE", "MAT", "5")]


def test_import_twice_changes_nothing_the_second_time(tmp_path, child):
    path = write_ctf(tmp_path / "ctf.xml", [_pupil()])
    _run(path)
    before = _snapshot()

    second = _run(write_ctf(tmp_path / "again.xml", [_pupil()]))

    assert second.status == ImportRun.Status.SUCCEEDED
    assert _snapshot() == before
    counts = second.counts
    assert counts["sessions_unchanged"] == len(MARKS)
    assert counts["results_unchanged"] == 6
    assert counts["enrolments_unchanged"] == 2
    for changed in (
        "sessions_created",
        "sessions_updated",
        "results_created",
        "results_updated",
        "enrolments_created",
        "children_created",
    ):
        assert counts.get(changed, 0) == 0, changed


def test_a_later_file_corrects_results_and_marks_keeping_the_old_code(tmp_path, child):
    _run(write_ctf(tmp_path / "first.xml", [_pupil()]))
    corrected_marks = "/\\/\\/\\IIO\\" + MARKS[10:]  # N on 6 September becomes O
    results = ks2_results()
    results[1] = ResultSpec("KS2", "ENG", "TT", "RD", "SS", "106", "2025")

    run = _run(
        write_ctf(
            tmp_path / "second.xml",
            [
                _pupil(
                    years=[YearSpec(year="2024", start="2024-09-02", marks=corrected_marks)],
                    results=results,
                )
            ],
        )
    )

    assert run.status == ImportRun.Status.SUCCEEDED
    assert run.counts["sessions_updated"] == 1
    assert run.counts["results_updated"] == 1
    assert AssessmentResult.objects.get(child=child, measure="KS2_READ").result == "106"
    change = AttendanceCodeChange.objects.get(child=child)
    assert (change.date, change.session, change.old_code, change.new_code) == (
        datetime.date(2024, 9, 6),
        "AM",
        "N",
        "O",
    )


def test_pupil_matched_by_former_upn_gets_the_new_upn(tmp_path):
    child = ChildFactory(upn=TEMP_UPN, date_of_birth=DOB)

    run = _run(
        write_ctf(tmp_path / "ctf.xml", [_pupil(upn=UPN_A, former_upns=[TEMP_UPN], results=[])])
    )

    assert run.status == ImportRun.Status.SUCCEEDED, list(run.rejections.values())
    child.refresh_from_db()
    assert child.upn == UPN_A
    assert child.former_upns == [TEMP_UPN]
    assert run.counts["children_matched"] == 1
    assert run.counts["ctf_upns_changed"] == 1


def test_pupil_whose_file_upn_is_a_former_upn_of_the_child_is_matched(tmp_path):
    child = ChildFactory(upn=UPN_B, former_upns=[UPN_A], date_of_birth=DOB)

    run = _run(write_ctf(tmp_path / "ctf.xml", [_pupil(upn=UPN_A, results=[])]))

    assert run.status == ImportRun.Status.SUCCEEDED
    child.refresh_from_db()
    assert child.upn == UPN_B  # the child's current UPN is kept
    assert AttendanceSession.objects.filter(child=child).count() == len(MARKS)


def test_unknown_pupil_is_rejected_and_nothing_is_written(tmp_path):
    before = _snapshot()

    run = _run(write_ctf(tmp_path / "ctf.xml", [_pupil()]))

    assert run.status == ImportRun.Status.REJECTED
    rejection = run.rejections.get()
    assert (rejection.row_number, rejection.field) == (1, "UPN")
    assert "No child with this UPN" in rejection.reason
    assert UPN_A not in rejection.reason
    assert _snapshot() == before


def test_unknown_pupil_is_created_with_create_missing(tmp_path):
    pupil = _pupil(former_upns=[TEMP_UPN], gender="M", gender_element="Sex")

    run = _run(write_ctf(tmp_path / "ctf.xml", [pupil]), create_missing=True)

    assert run.status == ImportRun.Status.SUCCEEDED, list(run.rejections.values())
    child = Child.objects.get(upn=UPN_A)
    assert (child.first_name, child.last_name, child.date_of_birth, child.gender) == (
        "AMELIA",
        "HOLLAND",
        DOB,
        "M",
    )
    assert child.former_upns == [TEMP_UPN]
    assert run.counts["children_created"] == 1
    assert run.counts["sessions_created"] == len(MARKS)


def test_created_pupil_needs_a_valid_date_of_birth(tmp_path):
    run = _run(
        write_ctf(tmp_path / "ctf.xml", [_pupil(dob="2099-01-01", years=[], results=[])]),
        create_missing=True,
    )

    assert run.status == ImportRun.Status.REJECTED
    assert list(run.rejections.values_list("field", flat=True)) == ["DOB"]
    assert not Child.objects.exists()


def test_wrong_check_letter_is_rejected_with_the_rule(tmp_path):
    run = _run(
        write_ctf(tmp_path / "ctf.xml", [_pupil(upn=wrong_check_letter(UPN_A))]),
        create_missing=True,
    )

    assert run.status == ImportRun.Status.REJECTED
    rejection = run.rejections.get()
    assert rejection.field == "UPN"
    assert "check letter" in rejection.reason
    assert not Child.objects.exists()


def test_date_of_birth_that_disagrees_with_the_child_is_rejected(tmp_path, child):
    run = _run(write_ctf(tmp_path / "ctf.xml", [_pupil(dob="2013-10-11")]))

    assert run.status == ImportRun.Status.REJECTED
    assert run.rejections.get().field == "DOB"
    assert not AttendanceSession.objects.exists()


def test_one_bad_pupil_rejects_the_file_and_nothing_is_written(tmp_path, child):
    ChildFactory(upn=UPN_B, date_of_birth=DOB)
    bad_results = [ResultSpec("KS2", "ENG", "TT", "RD", "SS", "130", "2025")]
    path = write_ctf(
        tmp_path / "ctf.xml", [_pupil(), _pupil(upn=UPN_B, results=bad_results, history=[])]
    )
    before = _snapshot()

    run = _run(path)

    assert run.status == ImportRun.Status.REJECTED
    rejection = run.rejections.get()
    assert rejection.row_number == 2
    assert rejection.field == "StageAssessments/KeyStage/StageAssessment[1]/Result"
    assert "scaled score from 80 to 120" in rejection.reason
    assert _snapshot() == before
    # Other engineers' imports share the schools table: not even the header's school stays.
    assert not School.objects.filter(urn=873201).exists()


def test_import_valid_rows_keeps_good_pupils_and_no_part_of_a_bad_one(tmp_path, child):
    second = ChildFactory(upn=UPN_B, date_of_birth=DOB)
    bad_marks = "/\\C1" + "/\\" * 3  # a two-character code cannot be read from the string
    bad = _pupil(
        upn=UPN_B,
        history=[],
        years=[YearSpec(year="2024", start="2024-09-02", marks=bad_marks)],
    )

    run = _run(write_ctf(tmp_path / "ctf.xml", [_pupil(), bad]), import_valid_rows=True)

    assert run.status == ImportRun.Status.SUCCEEDED
    rejection = run.rejections.get()
    assert (rejection.row_number, rejection.field) == (
        2,
        "Attendance/YearData[1]/AttendanceMarks",
    )
    assert "positions 4" in rejection.reason
    assert AttendanceSession.objects.filter(child=child).count() == len(MARKS)
    assert not AttendanceSession.objects.filter(child=second).exists()
    assert not AssessmentResult.objects.filter(child=second).exists()
    assert run.counts["rows_read"] == 2
    assert run.counts["rows_rejected"] == 1


def test_overlong_marks_string_is_rejected(tmp_path, child):
    marks = "/" * (MAX_MARKS + 1)

    run = _run(
        write_ctf(
            tmp_path / "ctf.xml",
            [_pupil(years=[YearSpec(start="2024-09-02", marks=marks)], results=[])],
        )
    )

    assert run.status == ImportRun.Status.REJECTED
    assert "more than 1,000 marks" in run.rejections.get().reason


def test_marks_without_a_start_date_are_rejected(tmp_path, child):
    run = _run(write_ctf(tmp_path / "ctf.xml", [_pupil(years=[YearSpec(marks=MARKS)], results=[])]))

    assert run.rejections.get().field == "Attendance/YearData[1]/AttendanceStartDate"


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (BILLION_LAUGHS, "document type (DTD) or entities"),
        (EXTERNAL_ENTITY, "document type (DTD) or entities"),
        (EXTERNAL_DTD, "document type (DTD) or entities"),
        ("UPN,Surname\nA873200124001,HOLLAND\n", "not XML"),
        ("<CTfile><Header></CTfile>", "not well-formed"),
        ("<ATfile><Header/></ATfile>", "Admissions Transfer File"),
        ("<Message><Header/></Message>", "not a Common Transfer File"),
        ("   \n\n  ", "empty"),
    ],
)
def test_unreadable_files_fail_with_a_reason_and_change_nothing(tmp_path, child, content, reason):
    path = tmp_path / "bad.xml"
    path.write_text(content, encoding="utf-8")
    before = _snapshot()

    run = _run(path)

    assert run.status == ImportRun.Status.FAILED
    assert reason in run.error
    assert not run.rejections.exists()
    assert _snapshot() == before


def test_binary_file_is_refused(tmp_path):
    path = tmp_path / "ctf.xml"
    path.write_bytes(b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + bytes(range(256)))

    run = _run(path)

    assert run.status == ImportRun.Status.FAILED
    assert "binary" in run.error


def test_results_not_mapped_are_counted_not_rejected(tmp_path, child):
    results = [
        ResultSpec("KS2", "FRE", "TT", "", "SS", "100", "2025"),
        ResultSpec("KS3", "MAT", "TA", "", "", "6", "2023"),
    ]

    run = _run(write_ctf(tmp_path / "ctf.xml", [_pupil(results=results, years=[])]))

    assert run.status == ImportRun.Status.SUCCEEDED
    assert run.counts["ctf_results_not_mapped"] == 2
    assert not AssessmentResult.objects.exists()


def test_existing_school_is_not_overwritten_by_the_file(tmp_path, child):
    SchoolFactory(urn=873201, name="Riverside Primary (GIAS name)", phase="primary")

    _run(write_ctf(tmp_path / "ctf.xml", [_pupil()]))

    school = School.objects.get(urn=873201)
    assert (school.name, school.phase) == ("Riverside Primary (GIAS name)", "primary")


def test_measure_mapping():
    assert measure_for(stage="KS2", subject="MAT", method="TT", component="MTC", qualifier="MT")
    assert (
        measure_for(stage="KS2", subject="MAT", method="TT", component="MTC", qualifier="MT")
        == "MTC"
    )
    assert (
        measure_for(stage="KS2", subject="MAT", method="TT", component="", qualifier="SS")
        == "KS2_MAT"
    )
    assert (
        measure_for(stage="KS2", subject="MAT", method="TT", component="", qualifier="RM") is None
    )
    assert measure_for(stage="FSP", subject="GLD", method="", component="", qualifier="") == (
        "EYFS_GLD"
    )


# --- The command ------------------------------------------------------------------------


def test_command_exit_0_when_nothing_rejected(tmp_path, child, capsys):
    path = write_ctf(tmp_path / "ctf.xml", [_pupil()])

    call_command("import_ctf", str(path))

    out = capsys.readouterr().out
    assert "Imported" in out
    assert "children matched: 1" in out


def test_command_exit_1_when_pupils_rejected(tmp_path):
    path = write_ctf(tmp_path / "ctf.xml", [_pupil()])

    with pytest.raises(SystemExit) as exit_info:
        call_command("import_ctf", str(path))

    assert exit_info.value.code == 1
    assert not Child.objects.exists()


def test_command_create_missing_is_stored_on_the_run(tmp_path):
    path = write_ctf(tmp_path / "ctf.xml", [_pupil()])

    call_command("import_ctf", str(path), "--create-missing")

    run = ImportRun.objects.get()
    assert run.options == {"create_missing": True}
    assert Child.objects.filter(upn=UPN_A).exists()


@pytest.mark.parametrize(
    "content", [b"", b"\x00\x01\x02\x03binary", b"not xml at all", BILLION_LAUGHS.encode()]
)
def test_command_exit_2_when_the_file_cannot_be_read(tmp_path, child, content):
    path = tmp_path / "bad.xml"
    path.write_bytes(content)
    before = _snapshot()

    with pytest.raises(CommandError) as error:
        call_command("import_ctf", str(path))

    assert error.value.returncode == 2
    assert _snapshot() == before


def test_header_with_a_malformed_urn_is_rejected_as_row_0(tmp_path, child):
    run = _run(write_ctf(tmp_path / "ctf.xml", [_pupil()], source=SchoolSpec(urn="87A")))

    assert run.status == ImportRun.Status.REJECTED
    rejection = run.rejections.get()
    assert (rejection.row_number, rejection.field) == (0, "Header/SourceSchool/URN")
    assert not AttendanceSession.objects.exists()


def test_unnamed_unknown_school_is_counted_not_rejected(tmp_path, child):
    unnamed = SchoolSpec(urn="873999", estab="2999", name="")
    pupil = _pupil(history=[HistorySpec(unnamed, "2020-09-02")], results=[])

    run = _run(write_ctf(tmp_path / "ctf.xml", [pupil], source=unnamed))

    assert run.status == ImportRun.Status.SUCCEEDED
    assert run.counts["ctf_source_school_not_recorded"] == 1
    assert run.counts["ctf_school_history_not_matched"] == 1
    assert not School.objects.exists()


def test_pupils_are_streamed_and_dropped_one_at_a_time(tmp_path):
    from records.imports.ctf import MAX_ELEMENTS_HELD, _elements

    many = [PupilSpec(upn=upn(f"8732001{n:05d}")) for n in range(3000)]
    path = write_ctf(tmp_path / "many.xml", many)
    seen = 0
    for kind, element in _elements(path):
        if kind == "pupil":
            seen += 1
            assert element.findtext("UPN") == many[seen - 1].upn
    assert seen == 3000
    assert MAX_ELEMENTS_HELD < 3000 * 8  # the file as a whole is over the bound per pupil


def test_a_pupil_with_too_many_elements_is_refused(tmp_path, child):
    from records.imports.ctf import MAX_ELEMENTS_HELD

    results = [ResultSpec("KS3", "MAT", "TA", "", "", "6", "2023")] * (MAX_ELEMENTS_HELD // 4)

    run = _run(write_ctf(tmp_path / "big.xml", [_pupil(results=results)]))

    assert run.status == ImportRun.Status.FAILED
    assert "more than 20,000 elements" in run.error


@pytest.mark.parametrize("blank", ["", "   "], ids=["empty", "spaces"])
@pytest.mark.parametrize("create_missing", [False, True], ids=["match", "create missing"])
def test_a_blank_upn_is_an_error_and_matches_no_child_without_a_upn(
    tmp_path, blank, create_missing
):
    """Children without a UPN are common after 903 and CIN imports (issue 12): a pupil whose
    UPN is blank or spaces is refused, never matched to one of them, nor created."""
    ChildFactory(upn="", date_of_birth=DOB)
    ChildFactory(upn="", date_of_birth=DOB)
    before = _snapshot()

    run = _run(write_ctf(tmp_path / "ctf.xml", [_pupil(upn=blank)]), create_missing=create_missing)

    assert run.status == ImportRun.Status.REJECTED
    rejection = run.rejections.get()
    assert (rejection.field, rejection.reason) == (
        "UPN",
        "The UPN is missing: CTF pupils are matched by UPN",
    )
    assert rejection.child_id is None
    assert _snapshot() == before
