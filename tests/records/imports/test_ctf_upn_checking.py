"""A CTF that gives a child a valid UPN through a former UPN clears "UPN needs checking", as a
UPN entered by hand does (issue 12): the rule lives in one place,
records/services/child_update.py upn_checked_changes, which child_update and
records/services/ctf.py child_upn_change both call."""

from __future__ import annotations

import datetime

import pytest

from records.models import Child, ImportKind, ImportRun
from records.services.ctf import child_upn_change
from records.services.imports import import_copy_file, import_execute
from tests.factories import ChildFactory
from tests.records.imports.ctf_files import PupilSpec, upn, write_ctf

pytestmark = pytest.mark.django_db

DOB = datetime.date(2013, 10, 10)
NEW_UPN = upn("873200124001")
TEMP_UPN = upn("87320012401A")  # a temporary UPN: 11 digits and a letter


def test_a_ctf_changing_the_upn_through_a_former_upn_clears_upn_needs_checking(tmp_path):
    child = ChildFactory(upn=TEMP_UPN, date_of_birth=DOB)
    Child.objects.filter(pk=child.pk).update(upn_needs_checking=True)

    run = import_copy_file(
        source=write_ctf(
            tmp_path / "ctf.xml", [PupilSpec(upn=NEW_UPN, former_upns=[TEMP_UPN], results=[])]
        ),
        actor=None,
        kind=ImportKind.CTF,
    )
    run = import_execute(run_id=run.pk)

    assert run.status == ImportRun.Status.SUCCEEDED, list(run.rejections.values())
    child.refresh_from_db()
    assert (child.upn, child.former_upns, child.upn_needs_checking) == (
        NEW_UPN,
        [TEMP_UPN],
        False,
    )


def test_child_upn_change_clears_the_flag_even_when_the_upn_is_the_one_held():
    """A valid UPN confirmed by a school is a checked UPN, as child_update treats one given
    unchanged; the UPN is not added to its own former UPNs."""
    child = ChildFactory(upn=NEW_UPN, date_of_birth=DOB)
    Child.objects.filter(pk=child.pk).update(upn_needs_checking=True)
    child.refresh_from_db()

    changed = child_upn_change(actor=None, child=child, upn=NEW_UPN)

    stored = Child.objects.get(pk=child.pk)
    assert (stored.upn, stored.former_upns, stored.upn_needs_checking) == (NEW_UPN, [], False)
    assert changed.upn_needs_checking is False


def test_child_upn_change_leaves_a_child_without_the_flag_untouched():
    child = ChildFactory(upn=NEW_UPN, date_of_birth=DOB)
    version = child.version

    child_upn_change(actor=None, child=child, upn=NEW_UPN)

    assert Child.objects.get(pk=child.pk).version == version
