"""A CIN census row whose UPN is blank or only whitespace never matches a child by UPN (issue
12): the many children recorded without a UPN are not "the child with UPN ''". The row is
matched by its LA child id, or is a new child, on the per-child path and on the bulk one (more
than AUDITLOG_ROWS_MAX new children). Two children without a UPN are held: a lookup by the
empty UPN would reach both and be refused as ambiguous, or match one of them."""

from __future__ import annotations

import datetime

import pytest

from records.models import Child, ImportKind, ImportRun
from records.selectors.identifiers import child_for_identifiers
from records.services.children_bulk import AUDITLOG_ROWS_MAX
from records.services.imports import import_copy_file, import_execute
from tests.factories import ChildFactory
from tests.records.imports.socialcare_files import CinCase, CinChild, Plan, cin_xml, upn

pytestmark = pytest.mark.django_db
D = datetime.date
BLANK_UPNS = {"CINW1": "   ", "CINW2": "\t", "CINW3": "EMPTY"}  # EMPTY: <UPN></UPN>


def _child(la_child_id: str, value: str) -> CinChild:
    case = CinCase(referral=D(2024, 5, 1), plans=[Plan(start=D(2024, 5, 20))])
    return CinChild(la_child_id=la_child_id, dob=D(2013, 2, 3), upn=value, cases=[case])


@pytest.mark.parametrize("others", [0, AUDITLOG_ROWS_MAX + 10])
def test_a_blank_or_whitespace_upn_never_matches(tmp_path, others):
    no_upn = [ChildFactory(upn="", la_child_id="") for _ in range(2)]
    held = ChildFactory(upn="", la_child_id="CINW4", date_of_birth=D(2013, 2, 3))
    rows = [_child(la_id, value) for la_id, value in BLANK_UPNS.items()]
    rows.append(_child("CINW4", " "))
    rows += [_child(f"CINX{n:04d}", upn(n, establishment="3201")) for n in range(others)]
    path = tmp_path / "cin.xml"
    path.write_bytes(cin_xml(rows).replace(b"<UPN>EMPTY</UPN>", b"<UPN></UPN>"))
    before = {c.pk: (c.version, c.la_child_id, c.upn) for c in no_upn}

    run = import_copy_file(
        source=path, actor=None, kind=ImportKind.CIN, options={"create_missing": True}
    )
    run = import_execute(run_id=run.pk)

    assert run.status == ImportRun.Status.SUCCEEDED, list(run.rejections.values())
    for la_id in BLANK_UPNS:
        child = Child.objects.get(la_child_id=la_id)
        assert child.pk not in before
        assert (child.upn, child.upn_needs_checking) == ("", False)
    assert Child.objects.get(la_child_id="CINW4").pk == held.pk
    assert held.episodes.exists()
    for child in no_upn:
        child.refresh_from_db()
        assert (child.version, child.la_child_id, child.upn) == before[child.pk]
        assert not child.episodes.exists()
    assert run.counts["children_created"] == len(BLANK_UPNS) + others


def test_the_selector_never_looks_a_child_up_by_a_blank_upn():
    ChildFactory(upn="", la_child_id="")
    ChildFactory(upn="", la_child_id="", former_upns=[])
    for value in ("", "   ", "\t", " \u00a0 "):
        assert child_for_identifiers(upn=value, former_upns=[value]) is None
