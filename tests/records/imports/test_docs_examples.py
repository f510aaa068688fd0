"""Every example file in docs/imports/*.md, and every CSV template the upload page offers,
imports as it is, through the real importer's checks (issue 16: attendance.md's example UPN
failed its own check letter, and its URN was not in the demo data).

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
from records.imports.guide import format_of, template_csv
from records.management.commands.seed_demo import Command as SeedDemo
from records.models import ImportKind, ImportRun
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
# The 903 templates' child (records/imports/ssda903_tables.py), and a date of birth that makes
# every example's day one of their school days.
DEMO_CHILD = "DEMO0001"
BORN = datetime.date(2015, 3, 1)


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


def _imports_cleanly(kind: str, text: str, name: str, manager, caseworker) -> None:
    """Import `text` as a manager, with the demo's schools and a child holding the UPN (and
    the LA child id DEMO_CHILD) it names: no rejection, no warning, every row read."""
    seed = SeedDemo().create_parser("manage.py", "seed_demo").get_default("seed")
    seed_children(
        count=1,
        seed=seed,
        staff=DemoStaff(manager=manager, caseworkers=(caseworker,)),
        today=datetime.date(2026, 12, 4),
    )
    upns = sorted(set(UPN_LIKE.findall(text))) or [""]
    if upns != [""] or DEMO_CHILD in text:
        la_child_id = DEMO_CHILD if DEMO_CHILD in text else ""
        for upn in upns:
            ChildFactory(upn=upn, la_child_id=la_child_id, date_of_birth=BORN)

    run = import_create(
        actor=manager, kind=kind, file=io.BytesIO(text.encode()), file_name=name, enqueue=False
    )
    run = import_execute(run_id=run.pk)

    reasons = list(run.rejections.values_list("row_number", "field", "reason"))
    assert (run.status, run.error, reasons) == (ImportRun.Status.SUCCEEDED, "", [])
    rows = len([line for line in text.splitlines() if line.strip()]) - 1
    assert run.counts["rows_read"] == rows


@pytest.mark.parametrize(
    ("page", "number", "text"), EXAMPLES, ids=[f"{p}-{n}" for p, n, _ in EXAMPLES]
)
def test_every_example_file_imports_without_a_rejection(page, number, text, manager, caseworker):
    kind = KIND_OF_PAGE[page]
    assert kind is not None, f"{page} has an example file but no importer is named for it here"
    _imports_cleanly(kind, text, f"{page}-example-{number}.csv", manager, caseworker)


TEMPLATES = [
    (kind, table)
    for kind in ImportKind.values
    for table in (format_of(kind).tables if format_of(kind) else ())
]


def test_every_csv_kind_has_a_template():
    assert {table.slug for _, table in TEMPLATES} == {
        "attendance",
        "attendance-daily",
        "schools",
        "ssda903-header",
        "ssda903-episodes",
    }


@pytest.mark.parametrize(("kind", "table"), TEMPLATES, ids=[t.slug for _, t in TEMPLATES])
def test_every_template_the_upload_page_offers_imports_without_a_rejection(
    kind, table, manager, caseworker
):
    """The template the page serves (test_import_guide.py): header and example row pass."""
    text = template_csv(table)
    assert text.splitlines()[0] == ",".join(column.name for column in table.columns)
    _imports_cleanly(kind, text, f"{table.slug}-template.csv", manager, caseworker)
