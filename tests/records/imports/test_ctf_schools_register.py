"""A caseworker's CTF never writes the shared schools register (issue 11, door 3).

The register is shared by every child's record, so only Managers and Admins add or change a
school in it (permissions.can_change_schools_register). A caseworker's CTF naming a school the
register lacks gets an error on that pupil naming the URN, and the register is left as it
was; the file's source school is left out and counted. A manager's same file adds the school.
"""

from __future__ import annotations

import datetime

import pytest

from records.models import BatchEvent, Enrolment, ImportKind, ImportRun, School
from records.services.imports import import_copy_file, import_execute
from records.services.schools import school_save
from tests.factories import ChildFactory, SchoolFactory
from tests.records.imports.ctf_files import HistorySpec, PupilSpec, SchoolSpec, upn, write_ctf
from virtualschool.errors import DomainError

pytestmark = pytest.mark.django_db
D = datetime.date
DOB = D(2013, 10, 10)
CHILD_UPN = upn("873200124201")
NEW_SCHOOL = SchoolSpec(urn="873555", name="Marshland New Academy")
SOURCE = SchoolSpec(urn="873556", name="Fen Source School")


@pytest.fixture
def mine(caseworker, allocate):
    child = ChildFactory(upn=CHILD_UPN, date_of_birth=DOB)
    allocate(child, caseworker)
    return child


def _register() -> list[tuple]:
    return list(School.objects.order_by("urn").values_list("urn", "name", "la_code"))


def _run(tmp_path, user, **kwargs) -> ImportRun:
    pupil = PupilSpec(
        upn=CHILD_UPN,
        dob=DOB.isoformat(),
        history=[HistorySpec(school=NEW_SCHOOL, entry="2021-09-01")],
    )
    path = write_ctf(tmp_path / f"{user.username}.xml", [pupil], **kwargs)
    run = import_copy_file(source=path, actor=user, kind=ImportKind.CTF)
    return import_execute(run_id=run.pk)


def test_a_caseworkers_ctf_naming_a_school_not_in_the_register_is_an_error_naming_the_urn(
    tmp_path, caseworker, mine
):
    SchoolFactory(urn=int(SOURCE.urn), name=SOURCE.name)
    before = _register()

    run = _run(tmp_path, caseworker, source=SOURCE)

    assert run.status == ImportRun.Status.REJECTED
    assert list(run.rejections.values_list("row_number", "field", "reason")) == [
        (
            1,
            "SchoolHistory/School[1]/URN",
            "School URN 873555 is not in the schools register, and only a manager or an admin "
            "may add a school to it: ask one to add it, then import this file again",
        )
    ]
    assert _register() == before
    assert not Enrolment.objects.filter(child=mine).exists()


def test_a_caseworkers_ctf_from_a_source_school_not_in_the_register_leaves_it_out(
    tmp_path, caseworker, mine
):
    SchoolFactory(urn=int(NEW_SCHOOL.urn), name=NEW_SCHOOL.name)
    before = _register()

    run = _run(tmp_path, caseworker, source=SOURCE)

    assert run.status == ImportRun.Status.SUCCEEDED, list(run.rejections.values("reason"))
    assert run.counts["ctf_source_school_not_recorded"] == 1
    assert _register() == before
    assert Enrolment.objects.filter(child=mine, school__urn=int(NEW_SCHOOL.urn)).exists()


def test_a_managers_same_ctf_adds_the_schools(tmp_path, manager, mine):
    run = _run(tmp_path, manager, source=SOURCE)

    assert run.status == ImportRun.Status.SUCCEEDED, list(run.rejections.values("reason"))
    assert [urn for urn, *_ in _register()] == [int(NEW_SCHOOL.urn), int(SOURCE.urn)]
    assert Enrolment.objects.filter(child=mine, school__urn=int(NEW_SCHOOL.urn)).exists()
    # Each school added to the shared register is audited, as the register's import does.
    events = BatchEvent.objects.filter(kind=BatchEvent.Kind.SCHOOLS).order_by("details__urn")
    assert [(e.actor, e.details["urn"], e.details["action"]) for e in events] == [
        (manager, int(NEW_SCHOOL.urn), "created"),
        (manager, int(SOURCE.urn), "created"),
    ]
    assert events[0].details["changes"]["name"] == [None, NEW_SCHOOL.name]


@pytest.mark.parametrize("role", ["manager", "admin_user"])
def test_managers_and_admins_may_change_the_register_and_caseworkers_may_not(
    request, role, caseworker
):
    with pytest.raises(DomainError) as refused:
        school_save(actor=caseworker, urn=873557, name="Sneaky School")
    assert "only a manager or an admin" in refused.value.message_dict["urn"][0]
    assert not School.objects.exists()

    user = request.getfixturevalue(role)
    school = school_save(actor=user, urn=873557, name="Real School")
    assert school.name == "Real School"
    school_save(actor=user, urn=873557, name="Real School")  # unchanged: no second event
    school_save(actor=user, urn=873557, name="Renamed School")
    events = BatchEvent.objects.filter(kind=BatchEvent.Kind.SCHOOLS).order_by("pk")
    assert [(e.actor, e.details["action"]) for e in events] == [
        (user, "created"),
        (user, "updated"),
    ]
    assert events[1].details["changes"] == {"name": ["Real School", "Renamed School"]}
