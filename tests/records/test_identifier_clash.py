"""A UPN another child holds is no oracle (issue 11): someone who may not see that child is
told only that the UPN cannot be used and to ask a manager, and the attempt is logged against
the child who holds it; someone who may see it (a manager) is told precisely. The one rule is
records/services/identifier_clash.py, asked by the edit page, adding a child and a CTF's new
UPN alike; nothing of either child changes on refusal."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from records.models import AccessLogEntry, Child, ImportKind, ImportRun
from records.services.child_update import child_update
from records.services.children import child_create
from records.services.ctf import child_upn_change
from records.services.identifier_clash import HELD, REFUSED
from records.services.imports import import_copy_file, import_execute
from tests.factories import ChildFactory
from tests.records.imports.ctf_files import PupilSpec, upn, write_ctf
from virtualschool.errors import DomainError

pytestmark = pytest.mark.django_db
D = datetime.date

NEUTRAL = "This UPN cannot be used for this child. If it is right, ask a manager to check it."
PRECISE = "Another child already has this UPN"
THEIRS = upn("873200124101")


@pytest.fixture
def theirs(other_caseworker, allocate):
    child = ChildFactory(upn=THEIRS)
    allocate(child, other_caseworker)
    return child


@pytest.fixture
def mine(caseworker, allocate):
    child = ChildFactory(upn=upn("873200124102"), date_of_birth=D(2014, 2, 2))
    allocate(child, caseworker)
    child.refresh_from_db()
    return child


def _values(child: Child, **changes) -> dict:
    names = ("first_name", "last_name", "date_of_birth", "gender", "upn", "town", "postcode")
    return {**{name: getattr(child, name) for name in names}, **changes}


def _row(child: Child) -> dict:
    return Child.objects.filter(pk=child.pk).values().get()


def _refused_entries(child: Child) -> list[tuple]:
    return list(
        AccessLogEntry.objects.filter(child_id=child.pk).values_list("user__username", "page")
    )


def test_the_words_are_the_ones_promised():
    assert REFUSED.format(name="UPN") == NEUTRAL
    assert HELD.format(name="UPN") == PRECISE


def test_a_caseworker_giving_their_child_another_caseworkers_childs_upn_is_told_neutrally(
    caseworker, mine, theirs
):
    before, theirs_before = _row(mine), _row(theirs)
    access_before = _refused_entries(theirs)

    with pytest.raises(DomainError) as refused:
        child_update(
            actor=caseworker,
            child=mine,
            expected_version=mine.version,
            **_values(mine, upn=THEIRS),
        )

    assert refused.value.message_dict["upn"] == [NEUTRAL]
    assert _row(mine) == before
    assert _row(theirs) == theirs_before
    assert _refused_entries(theirs) == [*access_before, ("caseworker_a", "UPN refused")]
    entry = AccessLogEntry.objects.filter(child_id=theirs.pk).order_by("-pk").first()
    assert entry.outcome == AccessLogEntry.Outcome.DENIED
    # A UPN nobody holds is accepted, so the neutral words are for a held UPN only.
    free = upn("873200124103")
    assert (
        child_update(
            actor=caseworker, child=mine, expected_version=mine.version, **_values(mine, upn=free)
        ).upn
        == free
    )


def test_the_edit_page_shows_the_neutral_words(client_for, caseworker, mine, theirs):
    page = client_for(caseworker).post(
        reverse("records:child-edit", kwargs={"pk": mine.pk}),
        {
            **{k: v for k, v in _values(mine, upn=THEIRS).items() if k != "date_of_birth"},
            "date_of_birth_0": mine.date_of_birth.day,
            "date_of_birth_1": mine.date_of_birth.month,
            "date_of_birth_2": mine.date_of_birth.year,
            "expected_version": mine.version,
        },
    )

    html = page.content.decode()
    assert page.status_code == 200
    assert "This UPN cannot be used for this child" in html
    assert "Another child" not in html
    assert _row(mine)["upn"] == mine.upn
    assert ("caseworker_a", "UPN refused") in _refused_entries(theirs)


def test_a_manager_and_a_caseworker_who_sees_both_children_are_told_precisely(
    manager, caseworker, allocate, mine, theirs
):
    with pytest.raises(DomainError) as refused:
        child_update(
            actor=manager, child=mine, expected_version=mine.version, **_values(mine, upn=THEIRS)
        )
    assert refused.value.message_dict["upn"] == [PRECISE]
    with pytest.raises(DomainError) as refused:
        child_create(
            actor=manager,
            first_name="Ada",
            last_name="Fenn",
            date_of_birth=D(2014, 1, 1),
            gender="F",
            upn=THEIRS,
        )
    assert refused.value.message_dict["upn"] == [PRECISE]
    allocate(theirs, caseworker)
    with pytest.raises(DomainError) as refused:
        child_upn_change(actor=caseworker, child=mine, upn=THEIRS)
    assert refused.value.message_dict["upn"] == [PRECISE]
    assert not AccessLogEntry.objects.filter(
        child_id=theirs.pk, outcome=AccessLogEntry.Outcome.DENIED
    ).exists()


def test_the_operators_command_is_told_precisely(mine, theirs):
    with pytest.raises(DomainError) as refused:
        child_upn_change(actor=None, child=mine, upn=THEIRS)
    assert refused.value.message_dict["upn"] == [PRECISE]


def test_a_caseworkers_ctf_giving_their_child_another_childs_upn_is_refused_neutrally(
    tmp_path, caseworker, mine, theirs
):
    """The CTF names the caseworker's child by its old UPN (FormerUPN) and gives it the UPN of
    a child on another caseload: refused neutrally, and logged against that child although
    the file is rolled back."""
    before, theirs_before = _row(mine), _row(theirs)
    pupil = PupilSpec(upn=THEIRS, dob=mine.date_of_birth.isoformat(), former_upns=[mine.upn])

    run = import_copy_file(
        source=write_ctf(tmp_path / "c.xml", [pupil]), actor=caseworker, kind=ImportKind.CTF
    )
    run = import_execute(run_id=run.pk)

    assert run.status == ImportRun.Status.REJECTED
    reasons = list(run.rejections.values_list("field", "reason"))
    assert ("UPN", NEUTRAL) in reasons
    assert not any("Another child" in reason for _, reason in reasons)
    assert _row(mine) == before
    assert _row(theirs) == theirs_before
    refused = AccessLogEntry.objects.get(child_id=theirs.pk, page=f"import {run.pk}")
    assert (refused.user, refused.outcome) == (caseworker, AccessLogEntry.Outcome.DENIED)
