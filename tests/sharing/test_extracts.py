"""Extract files: Admins and Managers generate one (built in the background through
sharing.datasets: the same bytes the dataset endpoint streams); the recipient's users
download it from their own page, and the download is the release (one disclosure, the
SHA-256 of the bytes sent); refused (403, nothing logged) once the agreement is not active;
404 to other organisations and to staff; deleted from disk when it expires."""

from __future__ import annotations

import datetime
import hashlib
from pathlib import Path

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from sharing import extracts, services
from sharing.models import (
    DisclosureChild,
    DisclosureLogEntry,
    ExtractChild,
    ExtractFile,
    ExtractStatus,
)
from tests.conftest import signed_in
from tests.sharing.conftest import agreement_values
from tests.sharing.test_api import _child, _clock_and_throttle, active, recipient  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _extracts_dir(settings, tmp_path):
    settings.EXTRACTS_DIR = tmp_path / "extracts"


def _generate(client, agreement, fmt, capture):
    with capture(execute=True):
        response = client.post(
            reverse("sharing:agreement-extracts", kwargs={"pk": agreement.pk}), {"format": fmt}
        )
    return response


def _download(extract):
    return reverse("sharing-extracts:download", kwargs={"pk": extract.pk})


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_a_manager_generates_the_same_bytes_the_dataset_endpoint_streams(
    manager,
    recipient,  # noqa: F811
    active,  # noqa: F811
    fmt,
    django_capture_on_commit_callbacks,
):
    children = {_child().pk, _child().pk}
    response = _generate(signed_in(manager), active, fmt, django_capture_on_commit_callbacks)
    assert response.status_code == 302
    extract = ExtractFile.objects.get()
    assert extract.status == ExtractStatus.READY
    assert extract.requested_by == manager
    assert set(ExtractChild.objects.values_list("child_id", flat=True)) == children
    stored = Path(extract.stored_path).read_bytes()
    assert Path(extract.stored_path).parent == Path(extracts.settings.EXTRACTS_DIR)
    assert extract.sha256 == hashlib.sha256(stored).hexdigest() and extract.size == len(stored)
    assert not DisclosureLogEntry.objects.exists()  # building it released nothing
    streamed = signed_in(recipient).get(
        reverse(f"sharing-api:dataset-{fmt}", kwargs={"pk": active.pk})
    )
    assert b"".join(streamed.streaming_content) == stored
    page = signed_in(manager).get(reverse("sharing:agreement-extracts", kwargs={"pk": active.pk}))
    assert b"Ready to download" in page.content


def test_a_download_is_one_disclosure_with_the_hash_of_the_bytes_sent(
    admin_user,
    recipient,  # noqa: F811
    active,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    child = _child()
    _generate(signed_in(admin_user), active, "csv", django_capture_on_commit_callbacks)
    extract = ExtractFile.objects.get()
    client = signed_in(recipient)
    listed = client.get(reverse("sharing-extracts:list"))
    assert _download(extract).encode() in listed.content
    home = client.get(reverse("home"))
    assert reverse("sharing-extracts:list").encode() in home.content
    response = client.get(_download(extract))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    body = b"".join(response.streaming_content)
    assert str(child.pk).encode() in body
    entry = DisclosureLogEntry.objects.get()
    assert entry.sha256 == hashlib.sha256(body).hexdigest() == extract.sha256
    assert entry.size == len(body) and entry.complete
    assert entry.extract == extract and entry.recipient == recipient and entry.token is None
    assert entry.agreement == active and entry.format == "csv"
    assert list(DisclosureChild.objects.filter(entry=entry).values_list("child_id", flat=True)) == [
        child.pk
    ]


def test_a_suspended_agreements_extract_is_refused_and_logs_nothing(
    admin_user,
    admin2,
    recipient,  # noqa: F811
    active,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    child = _child()
    _generate(signed_in(admin_user), active, "jsonl", django_capture_on_commit_callbacks)
    extract = ExtractFile.objects.get()
    services.agreement_suspend(actor=admin2, agreement=active, reason="A breach")
    response = signed_in(recipient).get(_download(extract))
    assert response.status_code == 403
    assert b"suspended" in response.content
    assert str(child.pk).encode() not in response.content
    assert not DisclosureLogEntry.objects.exists()


def test_an_expired_agreements_extract_is_refused_and_logs_nothing(
    admin_user,
    admin2,
    organisation,
    recipient,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    short = services.agreement_draft(
        actor=admin_user,
        **agreement_values(organisation, valid_to=datetime.date(2026, 6, 2)),
    )
    short = services.agreement_approve(actor=admin2, agreement=short)
    _child()
    _generate(signed_in(admin_user), short, "csv", django_capture_on_commit_callbacks)
    extract = ExtractFile.objects.get()
    assert extract.status == ExtractStatus.READY
    with time_machine.travel(datetime.datetime(2026, 6, 3, 9, tzinfo=datetime.UTC)):
        response = signed_in(recipient).get(_download(extract))
    assert response.status_code == 403
    assert b"expired" in response.content
    assert not DisclosureLogEntry.objects.exists()


def test_another_organisations_recipient_and_staff_get_404(
    admin_user,
    manager,
    recipient,  # noqa: F811
    active,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    _child()
    _generate(signed_in(admin_user), active, "csv", django_capture_on_commit_callbacks)
    extract = ExtractFile.objects.get()
    other = services.organisation_add(
        actor=admin_user,
        name="Other Youth Service",
        type="youth_support",
        identifier_kind="la_code",
        identifier="331",
        contact_name="B",
        contact_email="b@example.invalid",
    )
    outsider = services.recipient_user_ensure(
        organisation=other,
        username="outsider",
        first_name="Oz",
        last_name="Ray",
        password="correct horse battery staple",
    )
    client = signed_in(outsider)
    assert client.get(_download(extract)).status_code == 404
    assert _download(extract).encode() not in client.get(reverse("sharing-extracts:list")).content
    for user in (admin_user, manager):
        assert signed_in(user).get(_download(extract)).status_code == 404
        assert signed_in(user).get(reverse("sharing-extracts:list")).status_code == 404
    assert not DisclosureLogEntry.objects.exists()


def test_a_caseworker_or_a_recipient_cannot_generate_extracts(
    caseworker,
    recipient,  # noqa: F811
    active,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    url = reverse("sharing:agreement-extracts", kwargs={"pk": active.pk})
    for user in (caseworker, recipient):
        client = signed_in(user)
        assert client.get(url).status_code == 404
        assert (
            _generate(client, active, "csv", django_capture_on_commit_callbacks).status_code == 404
        )
    assert not ExtractFile.objects.exists()


def test_a_draft_or_a_bad_format_is_refused_with_nothing_stored(
    admin_user, draft, django_capture_on_commit_callbacks
):
    client = signed_in(admin_user)
    response = _generate(client, draft, "xml", django_capture_on_commit_callbacks)
    assert response.status_code == 200
    assert b"govuk-error-summary" in response.content
    assert b"releases nothing today: it is draft" in response.content
    assert b"Choose CSV or JSON Lines" in response.content
    assert not ExtractFile.objects.exists()


def test_an_extract_expires_and_its_file_is_deleted(
    admin_user,
    recipient,  # noqa: F811
    active,  # noqa: F811
    settings,
    django_capture_on_commit_callbacks,
):
    _child()
    _generate(signed_in(admin_user), active, "csv", django_capture_on_commit_callbacks)
    extract = ExtractFile.objects.get()
    path = Path(extract.stored_path)
    assert extract.expires_at == extract.built_at + datetime.timedelta(days=settings.EXTRACTS_DAYS)
    later = extract.expires_at + datetime.timedelta(seconds=1)
    with time_machine.travel(later):
        assert signed_in(recipient).get(_download(extract)).status_code == 404
        with django_capture_on_commit_callbacks(execute=True):
            assert extracts.purge_extract_files_task.delay().get() == 1
    assert not path.exists()
    extract.refresh_from_db()
    assert extract.status == ExtractStatus.EXPIRED and extract.stored_path == ""
    assert not ExtractChild.objects.exists()
    assert not DisclosureLogEntry.objects.exists()


def test_a_build_for_an_agreement_suspended_meanwhile_fails_and_leaves_no_file(
    admin_user,
    admin2,
    active,  # noqa: F811
    settings,
):
    _child()
    extract = extracts.extract_request(actor=admin_user, agreement=active, fmt="csv")
    services.agreement_suspend(actor=admin2, agreement=active, reason="A breach")
    built = extracts.extract_build(extract_id=extract.pk)
    assert built.status == ExtractStatus.FAILED and "suspended" in built.error
    assert not any(Path(settings.EXTRACTS_DIR).glob("*"))
    assert not ExtractChild.objects.exists()
    # A second delivery of the task does nothing.
    assert extracts.extract_build(extract_id=extract.pk).status == ExtractStatus.FAILED


def test_the_recipients_list_is_a_fixed_number_of_queries(
    admin_user,
    recipient,  # noqa: F811
    active,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    _child()
    client = signed_in(admin_user)
    counts = []
    for size in (1, 3):
        while ExtractFile.objects.count() < size:
            _generate(client, active, "csv", django_capture_on_commit_callbacks)
        mine = signed_in(recipient)
        with CaptureQueriesContext(connection) as queries:
            page = mine.get(reverse("sharing-extracts:list"))
        assert page.content.count(b"Download CSV") == size
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_a_file_that_has_lost_a_destroyed_child_is_never_sent_again(
    admin_user,
    recipient,  # noqa: F811
    active,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    child = _child()
    _child()
    _generate(signed_in(admin_user), active, "csv", django_capture_on_commit_callbacks)
    extract = ExtractFile.objects.get()
    # What destroying the child does to the file's rows (the data map: deleted with the child).
    ExtractChild.objects.filter(child=child).delete()
    response = signed_in(recipient).get(_download(extract))
    assert response.status_code == 403
    assert str(child.pk).encode() not in response.content
    assert not DisclosureLogEntry.objects.exists()


def test_the_agreements_extract_page_is_a_fixed_number_of_queries(
    admin_user,
    active,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    _child()
    client = signed_in(admin_user)
    url = reverse("sharing:agreement-extracts", kwargs={"pk": active.pk})
    counts = []
    for size in (1, 3):
        while ExtractFile.objects.count() < size:
            _generate(client, active, "csv", django_capture_on_commit_callbacks)
        with CaptureQueriesContext(connection) as queries:
            page = client.get(url)
        assert page.content.count(b"Ready to download") == size
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_a_manager_starts_from_the_home_page_and_a_caseworker_has_no_link(
    manager,
    caseworker,
    draft,
    active,  # noqa: F811
):
    start = reverse("sharing:extract-agreements")
    home = signed_in(manager).get(reverse("home"))
    assert start.encode() in home.content
    page = signed_in(manager).get(start)
    assert reverse("sharing:agreement-extracts", kwargs={"pk": active.pk}).encode() in page.content
    assert signed_in(caseworker).get(start).status_code == 404
    assert start.encode() not in signed_in(caseworker).get(reverse("home")).content


def test_a_file_gone_from_disk_is_404_and_logs_nothing(
    admin_user,
    recipient,  # noqa: F811
    active,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    _child()
    _generate(signed_in(admin_user), active, "csv", django_capture_on_commit_callbacks)
    extract = ExtractFile.objects.get()
    Path(extract.stored_path).unlink()
    assert signed_in(recipient).get(_download(extract)).status_code == 404
    assert not DisclosureLogEntry.objects.exists()
