"""Each destruction certificate downloads as PDF and as CSV (issue 14), for Admins only: the
certificate's fields and nothing that identifies the child."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from records import services as records
from retention.certificate_files import CSV_COLUMNS
from retention.models import DestructionCertificate
from tests.factories import ChildFactory, UserFactory
from tests.retention.conftest import destroyed_child_certificate
from virtualschool.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def certificate(admin_user, manager) -> tuple[DestructionCertificate, object]:
    """A child destroyed through a list one Admin proposed and another approved, seen by
    someone first (so the access log has a row to destroy); its certificate and the child."""
    child = ChildFactory(first_name="Wilhelmina", last_name="Featherstonehaugh")
    records.access_log_record(user=manager, child_id=child.pk, page="record", allowed=True)
    approver = UserFactory(username="admin_o", role=Role.ADMIN)
    made = destroyed_child_certificate(
        manager=manager, proposer=admin_user, approver=approver, child=child
    )
    return made, child


def _pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_the_pdf_is_a_pdf_of_the_certificates_fields(client_for, admin_user, certificate):
    certificate, child = certificate
    response = client_for(admin_user).get(
        reverse("retention:certificate-pdf", kwargs={"pk": certificate.pk})
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'attachment; filename="destruction-certificate-{certificate.pk}.pdf"'
    )
    assert response.content.startswith(b"%PDF")
    text = _pdf_text(response.content)
    flat = " ".join(text.split())
    assert certificate.reference in flat
    assert certificate.rule in flat
    assert certificate.software_version in flat
    assert "admin_a" in flat and "admin_o" in flat
    assert certificate.row_counts, "the destruction counted rows"
    lines = [" ".join(line.split()) for line in text.splitlines()]
    for table, count in certificate.row_counts.items():
        assert f"{table} {count}" in lines, table
    assert f"Total {sum(certificate.row_counts.values())}" in lines
    for category in certificate.categories:
        assert category in flat
    # Nothing that identifies the child.
    for needle in (child.first_name, child.last_name, child.upn, str(child.pk)):
        assert needle not in flat, needle


def test_one_certificates_csv_is_its_row(client_for, admin_user, certificate):
    certificate, child = certificate
    response = client_for(admin_user).get(
        reverse("retention:certificate-csv", kwargs={"pk": certificate.pk})
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert len(rows) == 1
    (row,) = rows
    assert list(row) == CSV_COLUMNS
    assert row["reference"] == certificate.reference
    assert row["due_date"] == certificate.due_date.isoformat()
    assert row["row_counts"] == "; ".join(f"{t}={n}" for t, n in certificate.row_counts.items())
    assert str(child.pk) not in response.content.decode()


def test_the_list_links_each_certificates_pdf_and_csv(client_for, admin_user, certificate):
    certificate, _ = certificate
    page = client_for(admin_user).get(reverse("retention:certificates")).content.decode()
    for name in ("retention:certificate-pdf", "retention:certificate-csv"):
        assert f'href="{reverse(name, kwargs={"pk": certificate.pk})}"' in page


@pytest.mark.parametrize("who", ["caseworker", "manager"])
def test_anyone_but_an_admin_gets_a_404(request, client_for, certificate, who):
    certificate, _ = certificate
    client = client_for(request.getfixturevalue(who))
    for name in ("retention:certificate-pdf", "retention:certificate-csv"):
        url = reverse(name, kwargs={"pk": certificate.pk})
        assert client.get(url).status_code == 404, name
        signed_out = Client().get(url)
        assert signed_out.status_code == 302
        assert signed_out["Location"].startswith(reverse("sign-in"))


def test_a_certificate_no_one_has_is_a_404(client_for, admin_user):
    client = client_for(admin_user)
    for name in ("retention:certificate-pdf", "retention:certificate-csv"):
        assert client.get(reverse(name, kwargs={"pk": 987654})).status_code == 404


def test_only_get(client_for, admin_user, certificate):
    certificate, _ = certificate
    url = reverse("retention:certificate-pdf", kwargs={"pk": certificate.pk})
    assert client_for(admin_user).post(url).status_code == 405
