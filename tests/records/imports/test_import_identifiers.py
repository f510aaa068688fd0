"""Every import finds its child by records/selectors/identifiers.py: an identifier that matches
two children is refused with a message that names it, and nothing is written for it; a rejected
row that had been matched to a child on the record keeps that child's id (and only then)."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest

from records.codes import Cohort
from records.models import (
    AssessmentResult,
    Child,
    ImportKind,
    ImportRejection,
    ImportRun,
    LegalStatusEpisode,
)
from records.services.imports import import_copy_file, import_execute
from tests.factories import ChildFactory, EpisodeFactory
from tests.records.imports import ctf_files
from tests.records.imports.socialcare_files import (
    CinCase,
    CinChild,
    cin_xml,
    episode_row,
    header_row,
    upn,
    write_903_zip,
)

pytestmark = pytest.mark.django_db
D = datetime.date
MATCHES_TWO = "matches more than one child"
SHARED = upn(601)  # the former UPN of two children in the record


@pytest.fixture
def two_children_who_had_one_upn():
    return [
        ChildFactory(upn=upn(602), former_upns=[SHARED]),
        ChildFactory(upn=upn(603), former_upns=[SHARED]),
    ]


def _run(kind: str, path: Path, **options) -> ImportRun:
    run = import_copy_file(
        source=path,
        actor=None,
        kind=kind,
        import_valid_rows=options.pop("import_valid_rows", False),
        options=options,
    )
    return import_execute(run_id=run.pk)


def _rejections(run: ImportRun) -> list[tuple[int, str, str, object]]:
    return list(
        ImportRejection.objects.filter(run=run)
        .order_by("row_number", "field", "id")
        .values_list("row_number", "field", "reason", "child_id")
    )


def _record() -> tuple[list, list, list]:
    return (
        sorted(Child.objects.values_list("id", "upn", "former_upns", "la_child_id", "version")),
        sorted(LegalStatusEpisode.objects.values_list("child_id", "cohort", "start_date")),
        sorted(AssessmentResult.objects.values_list("child_id", "measure", "result")),
    )


# --- SSDA903 -------------------------------------------------------------------------------


def test_903_refuses_a_upn_that_matches_two_children(tmp_path, two_children_who_had_one_upn):
    before = _record()
    path = write_903_zip(
        tmp_path / "return.zip",
        [header_row("LAC700", D(2012, 3, 4), upn_value=SHARED)],
        [episode_row("LAC700", D(2024, 5, 1), ls="C2")],
    )

    run = _run(ImportKind.SSDA903, path, create_missing=True, import_valid_rows=True)

    header = [r for r in _rejections(run) if r[1].startswith("Header.")]
    assert len(header) == 1
    row, field, reason, child_id = header[0]
    assert (row, field, child_id) == (1, "Header.UPN", None)
    assert reason.startswith("The UPN matches more than one child")
    assert SHARED not in reason
    assert _record() == before  # neither child was chosen, and no child was added


# --- CIN census ----------------------------------------------------------------------------


def _census(tmp_path: Path, child: CinChild) -> Path:
    path = tmp_path / "cin.xml"
    path.write_bytes(cin_xml([child]))
    return path


def test_cin_refuses_a_upn_that_matches_two_children(tmp_path, two_children_who_had_one_upn):
    before = _record()
    child = CinChild("CIN700", D(2014, 6, 2), upn=SHARED, cases=[CinCase(D(2024, 6, 1))])

    run = _run(ImportKind.CIN, _census(tmp_path, child), create_missing=True)

    assert run.status == ImportRun.Status.REJECTED
    [(row, field, reason, child_id)] = _rejections(run)
    assert (row, field, child_id) == (1, "UPN", None)
    assert MATCHES_TWO in reason
    assert _record() == before


def test_cin_refuses_a_former_upn_that_matches_two_children(tmp_path, two_children_who_had_one_upn):
    before = _record()
    child = CinChild(
        "CIN701", D(2014, 6, 2), upn=upn(604), former_upn=SHARED, cases=[CinCase(D(2024, 6, 1))]
    )

    run = _run(ImportKind.CIN, _census(tmp_path, child), create_missing=True)

    [(row, field, reason, child_id)] = _rejections(run)
    assert (row, field, child_id) == (1, "FormerUPN", None)
    assert reason.startswith("The former UPN matches more than one child")
    assert _record() == before


# --- CTF -----------------------------------------------------------------------------------


def test_ctf_refuses_a_upn_that_matches_two_children(tmp_path, two_children_who_had_one_upn):
    before = _record()
    path = ctf_files.write_ctf(tmp_path / "ctf.xml", [ctf_files.PupilSpec(upn=SHARED)])

    run = _run(ImportKind.CTF, path, create_missing=True)

    [(row, field, reason, child_id)] = _rejections(run)
    assert (row, field, child_id) == (1, "UPN", None)
    assert reason.startswith("The UPN matches more than one child")
    assert _record() == before


def test_ctf_refuses_former_upns_that_match_two_children(tmp_path):
    ChildFactory(upn=upn(605))
    ChildFactory(upn=upn(606))
    before = _record()
    pupil = ctf_files.PupilSpec(upn=upn(607), former_upns=[upn(605), upn(606)])
    path = ctf_files.write_ctf(tmp_path / "ctf.xml", [pupil])

    run = _run(ImportKind.CTF, path, create_missing=True)

    [(row, field, reason, child_id)] = _rejections(run)
    assert (row, field, child_id) == (1, "BasicDetails/FormerUPN", None)
    assert reason.startswith("The former UPN matches more than one child")
    assert _record() == before


# --- A rejection keeps the child it had been matched to ------------------------------------


def test_a_ctf_pupil_matched_then_rejected_keeps_the_childs_id(tmp_path):
    child = ChildFactory(upn=ctf_files.upn("873200124001"), date_of_birth=D(2013, 10, 10))
    bad = ctf_files.ResultSpec("KS2", "MAT", "TT", "", "SS", "200", "2024")
    path = ctf_files.write_ctf(
        tmp_path / "ctf.xml", [ctf_files.PupilSpec(upn=child.upn, results=[bad])]
    )

    run = _run(ImportKind.CTF, path)

    rejections = _rejections(run)
    assert rejections
    assert {child_id for *_, child_id in rejections} == {child.pk}


def test_a_ctf_pupil_not_matched_keeps_no_child(tmp_path):
    path = ctf_files.write_ctf(
        tmp_path / "ctf.xml", [ctf_files.PupilSpec(upn=ctf_files.upn("873200124009"))]
    )

    run = _run(ImportKind.CTF, path)

    [(_, field, _, child_id)] = _rejections(run)
    assert (field, child_id) == ("UPN", None)


def test_903_episodes_of_a_matched_child_keep_its_id_and_unmatched_ones_do_not(tmp_path):
    child = ChildFactory(la_child_id="LAC710", date_of_birth=D(2012, 3, 4))
    path = write_903_zip(
        tmp_path / "return.zip",
        [],
        [
            # The first episode has not ceased, yet a later one starts: both refused.
            episode_row("LAC710", D(2024, 5, 1), ls="C2"),
            episode_row("LAC710", D(2024, 9, 1), ls="C2"),
            episode_row("LAC711", D(2024, 5, 1), ls="C2"),
        ],
    )

    run = _run(ImportKind.SSDA903, path)

    by_row = {row: child_id for row, _, _, child_id in _rejections(run)}
    assert by_row == {1: child.pk, 2: child.pk, 3: None}


def test_903_header_refused_for_a_matched_child_keeps_its_id(tmp_path):
    child = ChildFactory(la_child_id="LAC720", date_of_birth=D(2012, 3, 4))
    EpisodeFactory(child=child, cohort=Cohort.CLA, start_date=D(2013, 1, 1))
    path = write_903_zip(
        tmp_path / "return.zip",
        # A later date of birth than the child's first episode: child_update refuses it.
        [header_row("LAC720", D(2014, 3, 4), upn_value="UN1")],
        [],
    )

    run = _run(ImportKind.SSDA903, path)

    rejections = _rejections(run)
    assert [(row, field) for row, field, _, _ in rejections] == [(1, "Header.DOB")]
    assert rejections[0][3] == child.pk


def test_cin_episode_refused_for_a_matched_child_keeps_its_id(tmp_path):
    child = ChildFactory(la_child_id="CIN720", date_of_birth=D(2014, 6, 2), upn=upn(608))
    EpisodeFactory(child=child, cohort=Cohort.CIN, legal_status="", start_date=D(2024, 1, 1))
    census_child = CinChild("CIN720", D(2014, 6, 2), upn=upn(608), cases=[CinCase(D(2024, 6, 1))])

    run = _run(ImportKind.CIN, _census(tmp_path, census_child))

    rejections = _rejections(run)
    assert rejections
    assert {child_id for *_, child_id in rejections} == {child.pk}


def test_a_child_the_file_adds_is_never_a_rejections_child(tmp_path):
    path = write_903_zip(
        tmp_path / "return.zip",
        [header_row("LAC730", D(2012, 3, 4), upn_value="UN1")],
        [
            episode_row("LAC730", D(2024, 5, 1), ls="C2"),
            episode_row("LAC730", D(2024, 9, 1), ls="C2"),
        ],
    )

    run = _run(ImportKind.SSDA903, path, create_missing=True)

    assert run.status == ImportRun.Status.REJECTED
    assert not Child.objects.exists()  # the file was not imported, so the child is gone
    rejections = _rejections(run)
    assert rejections
    assert {child_id for *_, child_id in rejections} == {None}
