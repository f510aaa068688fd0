"""SSDA903 and CIN census imports stay within the importer's reach (issue 11, door 2).

Caseworkers and Managers may import both returns (permissions.can_import_kind); an Admin may
not. A caseworker's return naming a child on another caseload, by LA child id or by UPN, is
refused with the one neutral message, the same as for identifiers nobody has; it changes
nothing of that child, leaves nothing in its history or access log, and no message quotes
that child's data. A Manager's same return reaches the whole cohort.
"""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from auditlog.models import LogEntry
from django.db.models.fields.json import KT

from records.codes import Cohort, Gender
from records.models import (
    AccessLogEntry,
    BatchEvent,
    Characteristics,
    Child,
    ImportKind,
    ImportRun,
    LegalStatusEpisode,
)
from records.selectors.identifiers import NOT_IN_REACH
from records.services.imports import import_copy_file, import_create, import_execute
from tests.factories import ChildFactory
from tests.records.imports.socialcare_files import (
    CinCase,
    CinChild,
    cin_xml,
    episode_row,
    header_row,
    upn,
    write_903_zip,
)
from virtualschool.errors import DomainError

pytestmark = pytest.mark.django_db

D = datetime.date
DOB = D(2013, 10, 10)
THEIRS = upn(401)  # the other caseworker's child's UPN
NOBODY = upn(409)  # no child has it
THEIR_ID, NOBODY_ID, MY_ID = "LAC-THEIRS", "LAC-NOBODY", "LAC-MINE"
# Their data, which no message may quote.
THEIR_NAME = ("Zephyrine", "Quillfeather")


@pytest.fixture
def theirs(other_caseworker, allocate):
    child = ChildFactory(
        upn=THEIRS,
        la_child_id=THEIR_ID,
        date_of_birth=DOB,
        gender=Gender.MALE,
        first_name=THEIR_NAME[0],
        last_name=THEIR_NAME[1],
    )
    allocate(child, other_caseworker)
    child.refresh_from_db()
    return child


@pytest.fixture
def mine(caseworker, allocate):
    child = ChildFactory(la_child_id=MY_ID, date_of_birth=D(2014, 2, 2), gender=Gender.FEMALE)
    allocate(child, caseworker)
    child.refresh_from_db()
    return child


def _state(child: Child) -> dict:
    """Everything of one child a return could change, and every trace it could leave."""
    child.refresh_from_db()
    return {
        "child": Child.objects.filter(pk=child.pk).values().get(),
        "characteristics": list(Characteristics.objects.filter(child=child).values()),
        "episodes": list(LegalStatusEpisode.objects.filter(child=child).order_by("pk").values()),
        "batches": list(BatchEvent.objects.filter(child_id=child.pk).values_list("pk")),
        "history": LogEntry.objects.alias(child=KT("additional_data__child_id"))
        .filter(child=str(child.pk))
        .count(),
        "access": AccessLogEntry.objects.filter(child_id=child.pk).count(),
    }


def _run(path: Path, *, actor, kind: str) -> ImportRun:
    run = import_copy_file(source=path, actor=actor, kind=kind)
    return import_execute(run_id=run.pk)


def _rejections(run: ImportRun) -> list[tuple]:
    return list(
        run.rejections.order_by("row_number", "field").values_list(
            "row_number", "field", "reason", "child_id"
        )
    )


def _refused_by(run: ImportRun, user) -> list:
    """The children a run logged a refused attempt at (services/identifier_clash.py)."""
    return list(
        AccessLogEntry.objects.filter(
            user=user, page=f"import {run.pk}", outcome=AccessLogEntry.Outcome.DENIED
        ).values_list("child_id", flat=True)
    )


def _quotes_nobody(run: ImportRun, child: Child) -> None:
    text = " ".join(reason for _, _, reason, _ in _rejections(run)) + (run.error or "")
    for leak in (*THEIR_NAME, child.date_of_birth.isoformat(), "10 October 2013", "10/10/2013"):
        assert leak not in text


def _903(path: Path, child_id: str, *, upn_value: str = "", dob: datetime.date = DOB) -> Path:
    return write_903_zip(
        path,
        # A 903 header gives a UPN or a UN code for why it is unknown.
        [header_row(child_id, dob, sex="1", upn_value=upn_value or "UN1")],
        [episode_row(child_id, D(2024, 5, 1), ls="C2")],
    )


def _cin(
    path: Path,
    child_id: str,
    *,
    upn_value: str = "",
    dob: datetime.date = DOB,
    former_upn: str = "",
) -> Path:
    child = CinChild(
        child_id,
        dob,
        gender="1",
        upn=upn_value,
        former_upn=former_upn,
        cases=[CinCase(D(2024, 6, 1))],
    )
    path.write_bytes(cin_xml([child]))
    return path


WRITERS = {ImportKind.SSDA903: (_903, "zip"), ImportKind.CIN: (_cin, "xml")}
KINDS = [pytest.param(ImportKind.SSDA903, id="903"), pytest.param(ImportKind.CIN, id="cin")]


def _file(tmp_path: Path, kind: str, name: str, child_id: str, **kwargs) -> Path:
    write, extension = WRITERS[kind]
    return write(tmp_path / f"{name}.{extension}", child_id, **kwargs)


@pytest.mark.parametrize("kind", KINDS)
def test_caseworkers_and_managers_may_import_the_returns_and_admins_may_not(
    tmp_path, kind, caseworker, manager, admin_user
):
    path = _file(tmp_path, kind, "r", NOBODY_ID)
    for user in (caseworker, manager):
        assert import_copy_file(source=path, actor=user, kind=kind).created_by == user
    with pytest.raises(DomainError):
        import_copy_file(source=path, actor=admin_user, kind=kind)
    with pytest.raises(DomainError) as refused:
        import_create(
            actor=caseworker,
            kind=kind,
            file=path.open("rb"),
            file_name=path.name,
            options={"create_missing": True},
            enqueue=False,
        )
    assert "create_missing" in refused.value.message_dict


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    "identifiers",
    [
        pytest.param({"child_id": THEIR_ID}, id="by LA child id"),
        pytest.param({"child_id": "LAC-NEW", "upn_value": THEIRS}, id="by UPN"),
        pytest.param({"child_id": THEIR_ID, "dob": D(2015, 1, 1)}, id="date of birth differs"),
    ],
)
def test_a_caseworkers_return_naming_another_caseworkers_child_is_refused_like_nobody(
    tmp_path, kind, identifiers, caseworker, theirs
):
    before = _state(theirs)
    nobody = {
        **identifiers,
        "child_id": NOBODY_ID if identifiers["child_id"] == THEIR_ID else "LAC-NEW",
    }
    nobody["upn_value"] = NOBODY if "upn_value" in identifiers else ""

    elsewhere = _run(_file(tmp_path, kind, "a", **identifiers), actor=caseworker, kind=kind)
    no_one = _run(_file(tmp_path, kind, "b", **nobody), actor=caseworker, kind=kind)

    assert elsewhere.status == ImportRun.Status.REJECTED
    reasons = {reason for _, _, reason, _ in _rejections(elsewhere)}
    assert reasons == {NOT_IN_REACH}
    assert [(row, field, child) for row, field, _, child in _rejections(elsewhere)] == [
        (row, field, child) for row, field, _, child in _rejections(no_one)
    ]
    assert {child for *_, child in _rejections(elsewhere)} == {None}
    assert elsewhere.counts == no_one.counts
    assert _state(theirs) == before
    _quotes_nobody(elsewhere, theirs)


@pytest.mark.parametrize("kind", KINDS)
def test_a_caseworkers_return_giving_their_own_child_another_childs_upn_does_not_confirm_it(
    tmp_path, kind, caseworker, mine, theirs
):
    """The return matches the caseworker's own child by LA child id and gives it the UPN of a
    child on another caseload: refused without saying that another child holds it."""
    before, my_before = _state(theirs), _state(mine)

    run = _run(
        _file(tmp_path, kind, "u", MY_ID, upn_value=THEIRS, dob=mine.date_of_birth),
        actor=caseworker,
        kind=kind,
    )

    assert run.status == ImportRun.Status.REJECTED
    reasons = [reason for _, _, reason, _ in _rejections(run)]
    assert reasons
    assert not any("Another child" in reason for reason in reasons), reasons
    assert _state(theirs)["child"] == before["child"]
    assert _state(theirs)["episodes"] == before["episodes"]
    assert _state(mine)["child"] == my_before["child"]
    _quotes_nobody(run, theirs)
    assert _refused_by(run, caseworker) == [theirs.pk]


@pytest.mark.parametrize("kind", KINDS)
def test_a_caseworkers_return_for_their_own_child_imports(tmp_path, kind, caseworker, mine):
    run = _run(
        _file(tmp_path, kind, "o", MY_ID, dob=mine.date_of_birth), actor=caseworker, kind=kind
    )

    assert run.status == ImportRun.Status.SUCCEEDED, _rejections(run)
    assert LegalStatusEpisode.objects.filter(child=mine).exists()
    assert AccessLogEntry.objects.filter(
        child_id=mine.pk, user=caseworker, page=f"import {run.pk}"
    ).exists()


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    "identifiers",
    [
        pytest.param({"child_id": THEIR_ID}, id="by LA child id"),
        pytest.param({"child_id": THEIR_ID, "upn_value": THEIRS}, id="by both"),
    ],
)
def test_a_managers_same_return_reaches_the_whole_cohort(
    tmp_path, kind, identifiers, manager, theirs
):
    run = _run(_file(tmp_path, kind, "m", **identifiers), actor=manager, kind=kind)

    assert run.status == ImportRun.Status.SUCCEEDED, _rejections(run)
    cohort = Cohort.CLA if kind == ImportKind.SSDA903 else Cohort.CIN
    assert LegalStatusEpisode.objects.filter(child=theirs, cohort=cohort).count() == 1
    assert AccessLogEntry.objects.filter(
        child_id=theirs.pk, user=manager, page=f"import {run.pk}"
    ).exists()
    assert BatchEvent.objects.filter(kind=BatchEvent.Kind.IMPORTED, child_id=theirs.pk).exists()


@pytest.mark.parametrize("kind", KINDS)
def test_a_caseworkers_return_giving_their_own_child_another_childs_la_child_id_does_not_confirm_it(
    tmp_path, kind, caseworker, allocate, theirs
):
    """The return matches the caseworker's own child (recorded without an LA child id) by UPN
    and gives it the LA child id of a child on another caseload."""
    own = ChildFactory(la_child_id="", date_of_birth=D(2014, 2, 2), gender=Gender.MALE)
    allocate(own, caseworker)
    before, own_before = _state(theirs), _state(own)

    run = _run(
        _file(tmp_path, kind, "l", THEIR_ID, upn_value=own.upn, dob=own.date_of_birth),
        actor=caseworker,
        kind=kind,
    )

    assert run.status in {ImportRun.Status.REJECTED, ImportRun.Status.FAILED}
    text = " ".join(reason for _, _, reason, _ in _rejections(run)) + (run.error or "")
    for confirms in ("already", "another child", "constraint", "unique", "violated"):
        assert confirms not in text.lower(), text
    assert _state(theirs)["child"] == before["child"]
    assert _state(own)["child"] == own_before["child"]
    _quotes_nobody(run, theirs)
    assert _refused_by(run, caseworker) == [theirs.pk]


def test_a_caseworkers_census_giving_their_own_child_another_childs_upn_as_former_upn(
    tmp_path, caseworker, mine, theirs
):
    """Today this kept the other child's UPN among the caseworker's child's former UPNs, so
    later files naming that UPN matched the caseworker's child; now it is refused in words
    that do not confirm the UPN is held, and logged against the child who holds it."""
    before, my_before = _state(theirs), _state(mine)

    run = _run(
        _cin(tmp_path / "f.xml", MY_ID, dob=mine.date_of_birth, former_upn=THEIRS),
        actor=caseworker,
        kind=ImportKind.CIN,
    )

    assert run.status == ImportRun.Status.REJECTED
    assert [(field, reason) for _, field, reason, _ in _rejections(run)] == [
        (
            "FormerUPN",
            "This former UPN cannot be used for this child. If it is right, ask a manager to "
            "check it.",
        )
    ]
    assert _state(mine)["child"] == my_before["child"]
    assert _state(theirs)["child"] == before["child"]
    assert _refused_by(run, caseworker) == [theirs.pk]


def test_a_managers_census_giving_a_child_another_childs_upn_as_former_upn_is_told_so(
    tmp_path, manager, mine, theirs
):
    run = _run(
        _cin(tmp_path / "f.xml", MY_ID, dob=mine.date_of_birth, former_upn=THEIRS),
        actor=manager,
        kind=ImportKind.CIN,
    )

    assert [(field, reason) for _, field, reason, _ in _rejections(run)] == [
        ("FormerUPN", "A former UPN is another child's current UPN")
    ]
    assert not AccessLogEntry.objects.filter(
        child_id=theirs.pk, outcome=AccessLogEntry.Outcome.DENIED
    ).exists()
