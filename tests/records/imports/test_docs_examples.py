"""Every example file in docs/imports/*.md imports as it is, through the real importer's
checks (issue 16: attendance.md's example UPN failed its own check letter, and its URN was not
in the demo data).

The schools the examples name come from the demo's own seeding (records.demo.seed_children
with seed_demo's default seed), never made here, so a URN the demo does not have is rejected
as it would be under `make run`. A UPN in an example is given to a child, since a UPN nobody
holds is rightly refused; the UPN's shape and check letter are the importer's to judge.
"""

from __future__ import annotations

import datetime
import io
import re
from pathlib import Path

import pytest
from django.conf import settings

from records.demo import DemoStaff, seed_children
from records.management.commands.seed_demo import Command as SeedDemo
from records.models import Child, ImportKind, ImportRun
from records.services.imports import import_create, import_execute
from tests.factories import ChildFactory

pytestmark = pytest.mark.django_db

DOCS = Path(settings.BASE_DIR) / "docs" / "imports"
# Which importer reads the examples on each page (None: the page holds only commands).
KIND_OF_PAGE = {
    "README.md": None,
    "attendance.md": ImportKind.ATTENDANCE,
    "schools.md": ImportKind.SCHOOLS,
    "ctf.md": ImportKind.CTF,
    "ssda903.md": ImportKind.SSDA903,
    "cin.md": ImportKind.CIN,
}
FENCE = re.compile(r"^```[^\n]*\n(.*?)^```", re.MULTILINE | re.DOTALL)
UPN_LIKE = re.compile(r"\b[A-Z][0-9]{11}[0-9A-Z]\b")


def _examples() -> list[tuple[str, int, str]]:
    found = []
    for page in sorted(DOCS.glob("*.md")):
        for number, block in enumerate(FENCE.findall(page.read_text(encoding="utf-8")), 1):
            lines = [line for line in block.splitlines() if line.strip()]
            if all(line.startswith("python ") for line in lines):
                continue  # a command line, not a file
            found.append((page.name, number, block))
    return found


EXAMPLES = _examples()


def test_the_pages_have_examples_and_every_page_is_known():
    assert {page.name for page in DOCS.glob("*.md")} == set(KIND_OF_PAGE)
    assert any(page == "attendance.md" for page, _, _ in EXAMPLES)


@pytest.mark.parametrize(
    ("page", "number", "text"), EXAMPLES, ids=[f"{p}-{n}" for p, n, _ in EXAMPLES]
)
def test_every_example_file_imports_without_a_rejection(page, number, text, manager, caseworker):
    kind = KIND_OF_PAGE[page]
    assert kind is not None, f"{page} has an example file but no importer is named for it here"
    seed = SeedDemo().create_parser("manage.py", "seed_demo").get_default("seed")
    seed_children(
        count=1,
        seed=seed,
        staff=DemoStaff(manager=manager, caseworkers=(caseworker,)),
        today=datetime.date(2026, 12, 4),
    )
    for upn in sorted(set(UPN_LIKE.findall(text))):
        if not Child.objects.filter(upn=upn).exists():
            ChildFactory(upn=upn, date_of_birth=datetime.date(2015, 3, 1))

    run = import_create(
        actor=manager,
        kind=kind,
        file=io.BytesIO(text.encode()),
        file_name=f"{page}-example-{number}.csv",
        enqueue=False,
    )
    run = import_execute(run_id=run.pk)

    reasons = list(run.rejections.values_list("row_number", "field", "reason"))
    assert (run.status, run.error, reasons) == (ImportRun.Status.SUCCEEDED, "", [])
    rows = len([line for line in text.splitlines() if line.strip()]) - 1
    assert run.counts["rows_read"] == rows
