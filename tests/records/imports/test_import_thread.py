"""The thread runner (settings.IMPORTS_RUNNER = "thread", `make run`'s mode without a broker):
the upload answers before its import ends, the page shows the progress while it runs and the
report once it has finished; a file that fails, or an importer that crashes, ends the run as
failed with a message, never "running".

The thread opens its own database connection, so these tests are transactional (the thread
sees what the request committed) and wait for the thread by its name. The importer that
waits is the pages' test importer (fake_importer.py) held at a gate the test opens; the
executor, the runner, the pages and the database are the real ones.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from records.imports.registry import IMPORTERS
from records.models import ImportKind, ImportRun, School
from records.services.import_thread import THREAD_NAME
from records.services.imports import IMPORT_CRASHED
from tests.records.imports import fake_importer

WAIT_SECONDS = 30
gate = threading.Event()


class GatedImporter(fake_importer.FakeSchoolsImporter):
    """The test importer, which first waits until the test opens the gate."""

    def run(self, **kwargs):
        assert gate.wait(WAIT_SECONDS), "the test never opened the gate"
        return super().run(**kwargs)


class CrashingImporter:
    kind = fake_importer.KIND

    def run(self, **kwargs):
        raise RuntimeError("a bug in an importer")


@pytest.fixture
def thread_mode(settings, tmp_path):
    settings.IMPORTS_DIR = tmp_path / "imports"
    settings.IMPORTS_RUNNER = "thread"
    gate.clear()
    original = IMPORTERS[fake_importer.KIND]
    yield
    IMPORTERS[fake_importer.KIND] = original
    gate.set()


def _use(importer: type) -> None:
    IMPORTERS[fake_importer.KIND] = f"{__name__}.{importer.__name__}"


def _upload(client, kind, data, name="file.csv"):
    return client.post(
        reverse("records:import-new"),
        {"kind": kind, "file": SimpleUploadedFile(name, data, content_type="text/csv")},
    )


def _join(run_id) -> None:
    name = THREAD_NAME.format(run_id=run_id)
    threads = [thread for thread in threading.enumerate() if thread.name == name]
    assert threads, "no thread was started for the run"
    for thread in threads:
        thread.join(WAIT_SECONDS)
        assert not thread.is_alive(), f"the import's thread still runs after {WAIT_SECONDS}s"


@pytest.mark.django_db(transaction=True)
def test_the_upload_returns_before_the_import_ends_and_the_page_follows_it(
    thread_mode, client_for, caseworker
):
    _use(GatedImporter)
    client = client_for(caseworker)
    data = fake_importer.schools_csv([("100001", "Ashford Primary School"), ("100002", "Beacon")])

    response = _upload(client, fake_importer.KIND, data)

    # The request has answered while the importer still waits at the gate.
    assert response.status_code == 302
    run = ImportRun.objects.get()
    assert response.url == reverse("records:import-detail", kwargs={"pk": run.pk})
    assert run.status in {ImportRun.Status.QUEUED, ImportRun.Status.RUNNING}
    assert not School.objects.exists()
    page = client.get(response.url).content.decode()
    assert "<progress" in page
    assert "This page updates by itself" in page
    progress = client.get(reverse("records:import-progress", kwargs={"pk": run.pk})).json()
    assert progress["finished"] is False

    gate.set()
    _join(run.pk)

    run.refresh_from_db()
    assert run.status == ImportRun.Status.SUCCEEDED
    assert run.counts["rows_read"] == 2
    assert sorted(School.objects.values_list("urn", flat=True)) == [100001, 100002]
    page = client.get(response.url).content.decode()
    assert "<progress" not in page
    assert "Every row was imported" in page
    assert client.get(reverse("records:import-progress", kwargs={"pk": run.pk})).json()["finished"]


@pytest.mark.django_db(transaction=True)
def test_a_file_that_cannot_be_read_ends_failed_with_its_reason(
    thread_mode, client_for, caseworker
):
    client = client_for(caseworker)
    # The real attendance importer, given a file that is not text.
    response = _upload(client, ImportKind.ATTENDANCE, b"PK\x03\x04\x00\x00binary", "a.csv")
    run = ImportRun.objects.get()
    _join(run.pk)

    run.refresh_from_db()
    assert run.status == ImportRun.Status.FAILED
    assert run.error
    assert run.finished_at is not None
    page = client.get(response.url).content.decode()
    assert "The file could not be imported" in page
    assert "Nothing was imported." in page


@pytest.mark.django_db(transaction=True)
def test_an_importer_that_crashes_ends_the_run_failed_not_running(
    thread_mode, client_for, caseworker, caplog
):
    _use(CrashingImporter)
    client = client_for(caseworker)
    response = _upload(client, fake_importer.KIND, fake_importer.schools_csv([("100001", "A")]))
    run = ImportRun.objects.get()
    _join(run.pk)

    run.refresh_from_db()
    assert (run.status, run.error) == (ImportRun.Status.FAILED, IMPORT_CRASHED)
    assert run.finished_at is not None
    assert not School.objects.exists()
    # The stored file is removed as for any failed run; the bug is in the log, not the page.
    assert not Path(run.stored_path).exists()
    page = client.get(response.url).content.decode()
    assert IMPORT_CRASHED in page
    assert "a bug in an importer" not in page
    assert "a bug in an importer" in caplog.text
