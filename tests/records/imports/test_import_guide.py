"""The upload page's guidance (issue 16): for each kind the user may import, the columns its
importer declares (records/imports/guide.py), a CSV template of each table and the format's
page from docs/imports/; the template and format addresses answer only those who may import
that kind."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.conf import settings
from django.urls import reverse

from records.imports import attendance, schools, ssda903_tables
from records.imports.guide import format_of
from records.models import ImportKind

pytestmark = pytest.mark.django_db


def _guide(page: str, kind: str) -> str:
    found = re.search(rf'<details class="govuk-details" data-import-guide="{kind}">(.*?)</details>',
                      page, re.DOTALL)  # fmt: skip
    assert found, f"no guidance for {kind}"
    return found.group(1)


def test_the_upload_page_shows_each_kind_s_declared_columns_template_and_format(
    client_for, caseworker
):
    page = client_for(caseworker).get(reverse("records:import-new")).content.decode()

    guide = _guide(page, ImportKind.ATTENDANCE)
    for table in attendance.FORMAT.tables:
        assert table.name in guide
        for column in table.columns:
            assert f'govuk-summary-list__key govuk-!-text-break-word">{column.name}</dt>' in guide
        assert reverse("records:import-template", kwargs={"template": table.slug}) in guide
    assert reverse("records:import-format", kwargs={"kind": "attendance"}) in guide
    header = _guide(page, ImportKind.SSDA903)
    for column in ssda903_tables.EPISODES_TABLE.columns:
        assert f">{column.name}</dt>" in header
    assert "(optional column)" in header
    # An XML format: no columns or template, its format page all the same.
    ctf = _guide(page, ImportKind.CTF)
    assert "records/imports/templates/" not in ctf
    assert reverse("records:import-format", kwargs={"kind": "ctf"}) in ctf
    # A caseworker does not import the schools register, so is not told about it.
    assert f'data-import-guide="{ImportKind.SCHOOLS}"' not in page


def test_an_admin_is_shown_the_schools_register_only(client_for, admin_user):
    page = client_for(admin_user).get(reverse("records:import-new")).content.decode()

    assert re.findall(r'data-import-guide="([^"]+)"', page) == [ImportKind.SCHOOLS]
    guide = _guide(page, ImportKind.SCHOOLS)
    for column in schools.REGISTER.columns:
        assert f">{column.name}</dt>" in guide


def test_a_template_is_the_declared_header_and_example_row(client_for, manager):
    response = client_for(manager).get(
        reverse("records:import-template", kwargs={"template": "schools"})
    )

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="schools-template.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows == [
        [column.name for column in schools.REGISTER.columns],
        [column.example for column in schools.REGISTER.columns],
    ]
    assert rows[0][: len(schools.REQUIRED)] != []


def test_the_format_is_the_docs_page_as_written(client_for, caseworker):
    response = client_for(caseworker).get(
        reverse("records:import-format", kwargs={"kind": "attendance"})
    )

    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    page = settings.IMPORT_FORMATS_DIR / format_of(ImportKind.ATTENDANCE).docs
    assert response.content.decode() == page.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("route", "kwargs"),
    [
        ("records:import-template", {"template": "schools"}),
        ("records:import-template", {"template": "no-such-template"}),
        ("records:import-format", {"kind": "schools"}),
        ("records:import-format", {"kind": "no-such-kind"}),
    ],
)
def test_a_kind_the_user_may_not_import_or_that_does_not_exist_is_404(
    client_for, caseworker, route, kwargs
):
    assert client_for(caseworker).get(reverse(route, kwargs=kwargs)).status_code == 404
