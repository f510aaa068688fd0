"""The Imports pages end to end: upload, progress, report, rejections CSV, "import the valid
rows", refused uploads, and who sees which runs.

Files are read by a small test importer (fake_importer.py) plugged into the registry for one
kind; the upload form, import_create, the (eager) Celery task, the executor's transaction and
the pages are the real ones.
"""

from __future__ import annotations

import csv
import datetime
import io
import json
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from records.imports.progress import Progress
from records.models import AttendanceSession, ImportRejection, ImportRun, School
from tests.factories import ChildFactory, SchoolFactory, UserFactory
from tests.records.imports.fake_importer import schools_csv, use_fake_importer

pytestmark = pytest.mark.django_db

GOOD_ROWS = [("100001", "Ashford Primary School"), ("100002", "Beacon Academy")]


@pytest.fixture(autouse=True)
def kind(settings, tmp_path):
    settings.IMPORTS_DIR = tmp_path / "imports"
    with use_fake_importer() as fake_kind:
        yield fake_kind


def _upload(client, kind, data, *, name="schools.csv", valid_rows=False, capture=None):
    payload = {"kind": kind, "file": SimpleUploadedFile(name, data, content_type="text/csv")}
    if valid_rows:
        payload["import_valid_rows"] = "on"
    with capture(execute=True):
        return client.post(reverse("records:import-new"), payload)


def _stored_files(settings) -> list[Path]:
    directory = Path(settings.IMPORTS_DIR)
    return list(directory.iterdir()) if directory.exists() else []


def test_upload_imports_the_file_and_the_run_page_shows_the_report(
    kind, client_for, caseworker, settings, django_capture_on_commit_callbacks
):
    client = client_for(caseworker)
    form = client.get(reverse("records:import-new"))
    assert form.status_code == 200
    assert 'enctype="multipart/form-data"' in form.content.decode()
    assert "Import the valid rows even if some rows are rejected" in form.content.decode()

    response = _upload(
        client, kind, schools_csv(GOOD_ROWS), capture=django_capture_on_commit_callbacks
    )

    run = ImportRun.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("records:import-detail", kwargs={"pk": run.pk})
    assert run.status == ImportRun.Status.SUCCEEDED
    assert run.created_by == caseworker
    assert run.file_name == "schools.csv"
    assert sorted(School.objects.values_list("urn", "name")) == [
        (100001, "Ashford Primary School"),
        (100002, "Beacon Academy"),
    ]
    assert _stored_files(settings) == []  # an imported file is not kept

    page = client.get(response.url).content.decode()
    assert "govuk-panel--confirmation" in page
    assert "Every row was imported" in page
    assert "Rows read" in page
    assert "Schools created" in page
    assert "Rows rejected" in page
    assert 'http-equiv="refresh"' not in page
    assert "import-progress.js" not in page

    listing = client.get(reverse("records:imports")).content.decode()
    assert "schools.csv" in listing
    assert caseworker.get_full_name() in listing
    assert "Imported" in listing
    assert reverse("records:import-new") in listing


def test_a_file_with_rejected_rows_imports_nothing_then_its_valid_rows_on_request(
    kind, client_for, caseworker, settings, django_capture_on_commit_callbacks
):
    client = client_for(caseworker)
    rows = [("100001", "Ashford Primary School"), ("ABC123", "Wrong URN"), ("100003", "")]
    response = _upload(client, kind, schools_csv(rows), capture=django_capture_on_commit_callbacks)

    run = ImportRun.objects.get()
    assert run.status == ImportRun.Status.REJECTED
    assert not School.objects.exists()  # all or nothing: the valid row was rolled back
    assert len(_stored_files(settings)) == 1  # kept, for "import the valid rows"

    page = client.get(response.url).content.decode()
    assert "Nothing was imported: 2 rows were rejected" in page
    assert "URN must be a 6-digit number" in page
    assert "Enter the school&#x27;s name" in page
    assert "ABC123" not in page  # a rejected value is never shown back
    assert reverse("records:import-rejections-csv", kwargs={"pk": run.pk}) in page
    assert "Import the valid rows</button>" in page

    with django_capture_on_commit_callbacks(execute=True):
        again = client.post(reverse("records:import-again", kwargs={"pk": run.pk}))

    second = ImportRun.objects.exclude(pk=run.pk).get()
    assert again.status_code == 302
    assert again.url == reverse("records:import-detail", kwargs={"pk": second.pk})
    assert second.import_valid_rows
    assert second.status == ImportRun.Status.SUCCEEDED
    assert second.counts["rows_rejected"] == 2
    assert list(School.objects.values_list("urn", flat=True)) == [100001]
    page = client.get(again.url).content.decode()
    assert "The valid rows were imported; 2 rows rejected" in page
    assert "URN must be a 6-digit number" in page
    assert "Import the valid rows</button>" not in page


def test_choosing_import_valid_rows_on_upload_imports_them_at_once(
    kind, client_for, manager, django_capture_on_commit_callbacks
):
    rows = [("100001", "Ashford Primary School"), ("1", "Too short")]
    _upload(
        client_for(manager),
        kind,
        schools_csv(rows),
        valid_rows=True,
        capture=django_capture_on_commit_callbacks,
    )
    run = ImportRun.objects.get()
    assert run.status == ImportRun.Status.SUCCEEDED
    assert run.counts["rows_rejected"] == 1
    assert list(School.objects.values_list("urn", flat=True)) == [100001]
    assert list(run.rejections.values_list("row_number", "field")) == [(2, "urn")]


def test_a_file_that_cannot_be_read_fails_with_its_reason(
    kind, client_for, caseworker, settings, django_capture_on_commit_callbacks
):
    client = client_for(caseworker)
    response = _upload(
        client, kind, b"\x89PNG\r\n\x1a\n\x00\x00", capture=django_capture_on_commit_callbacks
    )
    run = ImportRun.objects.get()
    assert run.status == ImportRun.Status.FAILED
    page = client.get(response.url).content.decode()
    assert "The file could not be imported" in page
    assert "The file is not a CSV file in UTF-8" in page
    assert "Import the valid rows</button>" not in page
    assert not School.objects.exists()
    assert _stored_files(settings) == []


def test_the_run_page_shows_only_the_first_100_rejections_and_the_csv_has_them_all(
    kind, client_for, manager, django_capture_on_commit_callbacks
):
    client = client_for(manager)
    rows = [(f"X{n}", f"School {n}") for n in range(150)]
    response = _upload(client, kind, schools_csv(rows), capture=django_capture_on_commit_callbacks)
    run = ImportRun.objects.get()

    page = client.get(response.url).content.decode()
    assert "The first 100 of 150 rejections." in page
    assert page.count("URN must be a 6-digit number") == 100

    download = client.get(reverse("records:import-rejections-csv", kwargs={"pk": run.pk}))
    assert download.status_code == 200
    assert download["Content-Type"] == "text/csv; charset=utf-8"
    assert download["Content-Disposition"] == (
        f'attachment; filename="import-{run.pk}-rejections.csv"'
    )
    table = list(csv.reader(io.StringIO(b"".join(download.streaming_content).decode())))
    assert table[0] == ["Row", "Field", "Reason", "Outcome"]
    assert [int(row[0]) for row in table[1:]] == list(range(1, 151))
    assert {row[3] for row in table[1:]} == {"Not imported"}


def test_the_rejections_csv_cannot_run_formulas(client_for, manager):
    run = ImportRun.objects.create(
        kind="attendance", file_name="a.csv", status=ImportRun.Status.REJECTED, created_by=manager
    )
    reasons = ["=HYPERLINK(1)", "+1+1", "-2", "@SUM(A1)", "\tTab", "Plain reason"]
    ImportRejection.objects.bulk_create(
        ImportRejection(run=run, row_number=n, field="=cmd" if n == 1 else "date", reason=reason)
        for n, reason in enumerate(reasons, start=1)
    )
    download = client_for(manager).get(
        reverse("records:import-rejections-csv", kwargs={"pk": run.pk})
    )
    table = list(csv.reader(io.StringIO(b"".join(download.streaming_content).decode())))
    assert table[1:] == [
        ["1", "'=cmd", "'=HYPERLINK(1)", "Not imported"],
        ["2", "date", "'+1+1", "Not imported"],
        ["3", "date", "'-2", "Not imported"],
        ["4", "date", "'@SUM(A1)", "Not imported"],
        ["5", "date", "'\tTab", "Not imported"],
        ["6", "date", "Plain reason", "Not imported"],
    ]


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"kind": "cin"}, "Select a file"),
        ({"file": ("s.csv", b"urn,name\r\n100001,A\r\n")}, "Select what the file is"),
        ({"kind": "cin", "file": ("s.csv", b"")}, "The selected file is empty"),
        (
            {"kind": "cin", "file": ("s.csv", b"urn,name\r\n100001,Ashford\r\n")},
            "The file is larger than the 0 MB an import can take",
        ),
        ({"kind": "nonsense", "file": ("s.csv", b"urn,name\r\n")}, "Select a valid choice"),
    ],
    ids=["no file", "no kind", "empty", "too large", "unknown kind"],
)
def test_a_refused_upload_shows_the_error_summary_and_stores_nothing(
    payload, message, client_for, caseworker, settings, django_capture_on_commit_callbacks
):
    settings.IMPORT_MAX_BYTES = 10
    data = dict(payload)
    if "file" in data:
        name, content = data["file"]
        data["file"] = SimpleUploadedFile(name, content, content_type="text/csv")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client_for(caseworker).post(reverse("records:import-new"), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "govuk-error-summary" in page
    assert message in page
    assert page.index("govuk-error-summary") < page.index("<h1")
    assert "<title>Error: " in page
    assert not ImportRun.objects.exists()
    assert _stored_files(settings) == []
    assert callbacks == []


def _running_run(user, done, total):
    run = ImportRun.objects.create(
        kind="attendance",
        file_name="attendance.csv",
        status=ImportRun.Status.RUNNING,
        created_by=user,
    )
    Progress(run_id=run.pk, done=done).set_total(total)
    return run


def test_while_running_the_page_shows_a_progress_bar_that_refreshes_itself(client_for, caseworker):
    client = client_for(caseworker)
    run = _running_run(caseworker, 12_345, 760_000)

    response = client.get(reverse("records:import-detail", kwargs={"pk": run.pk}))
    page = response.content.decode()
    assert '<progress id="import-progress" class="app-progress" max="760000" value="12345">' in page
    assert "12,345 of 760,000 rows" in page
    assert '<noscript><meta http-equiv="refresh" content="2"></noscript>' in page
    nonce = response.wsgi_request.csp_nonce
    assert f'src="/static/records/import-progress.js" nonce="{nonce}"' in page
    assert "Report" not in page

    progress = client.get(reverse("records:import-progress", kwargs={"pk": run.pk}))
    assert progress["Content-Type"] == "application/json"
    assert json.loads(progress.content) == {
        "status": "running",
        "status_label": "Importing",
        "done": 12_345,
        "total": 760_000,
        "finished": False,
    }


def test_a_queued_run_is_waiting_to_start(client_for, caseworker):
    run = ImportRun.objects.create(kind="ctf", file_name="pupils.xml", created_by=caseworker)
    page = client_for(caseworker).get(reverse("records:import-detail", kwargs={"pk": run.pk}))
    assert "Waiting to start" in page.content.decode()
    assert "<progress" in page.content.decode()


def test_the_progress_script_and_style_are_static_files():
    assert finders.find("records/import-progress.js")
    assert finders.find("records/import-progress.css")


def test_a_finished_runs_progress_is_its_rows(client_for, manager):
    run = ImportRun.objects.create(
        kind="ctf",
        file_name="pupils.xml",
        status=ImportRun.Status.SUCCEEDED,
        processed_rows=40,
        counts={"rows_read": 40, "rows_rejected": 0},
    )
    progress = client_for(manager).get(reverse("records:import-progress", kwargs={"pk": run.pk}))
    assert json.loads(progress.content) == {
        "status": "succeeded",
        "status_label": "Imported",
        "done": 40,
        "total": 40,
        "finished": True,
    }


def test_importing_again_refuses_a_file_no_longer_kept(client_for, caseworker):
    run = ImportRun.objects.create(
        kind="schools",
        file_name="s.csv",
        status=ImportRun.Status.REJECTED,
        created_by=caseworker,
        stored_path="",
    )
    client = client_for(caseworker)
    response = client.post(reverse("records:import-again", kwargs={"pk": run.pk}))
    assert response.status_code == 302
    assert ImportRun.objects.count() == 1
    page = client.get(response.url).content.decode()
    assert "Only a rejected file that is still kept can be imported again" in page


def test_a_caseworker_sees_only_their_own_runs_and_a_manager_sees_all(
    client_for, caseworker, other_caseworker, manager, admin_user
):
    own = ImportRun.objects.create(kind="ctf", file_name="mine.xml", created_by=caseworker)
    theirs = ImportRun.objects.create(
        kind="ctf",
        file_name="theirs.xml",
        created_by=other_caseworker,
        status=ImportRun.Status.REJECTED,
    )
    by_command = ImportRun.objects.create(kind="903", file_name="episodes.csv", created_by=None)

    mine = client_for(caseworker)
    listing = mine.get(reverse("records:imports")).content.decode()
    assert "mine.xml" in listing
    assert "theirs.xml" not in listing
    assert "episodes.csv" not in listing
    for name in (
        "records:import-detail",
        "records:import-progress",
        "records:import-rejections-csv",
    ):
        assert mine.get(reverse(name, kwargs={"pk": own.pk})).status_code == 200
        assert mine.get(reverse(name, kwargs={"pk": theirs.pk})).status_code == 404
        assert mine.get(reverse(name, kwargs={"pk": by_command.pk})).status_code == 404
    assert mine.post(reverse("records:import-again", kwargs={"pk": theirs.pk})).status_code == 404
    assert ImportRun.objects.count() == 3

    listing = client_for(manager).get(reverse("records:imports")).content.decode()
    assert all(name in listing for name in ("mine.xml", "theirs.xml", "episodes.csv"))
    assert "Command line" in listing

    # An Admin imports the schools register (issue 11): the pages open, others' runs do not.
    admin = client_for(admin_user)
    assert admin.get(reverse("records:imports")).status_code == 200
    assert "mine.xml" not in admin.get(reverse("records:imports")).content.decode()
    assert admin.get(reverse("records:import-new")).status_code == 200
    assert admin.get(reverse("records:import-detail", kwargs={"pk": own.pk})).status_code == 404
    no_role = UserFactory(username="no_role")
    client = client_for(no_role)
    assert client.get(reverse("records:imports")).status_code == 404
    assert client.get(reverse("records:import-new")).status_code == 404
    assert client.get(reverse("records:import-detail", kwargs={"pk": own.pk})).status_code == 404


def _list_queries(client, django_assert_max_num_queries) -> int:
    with django_assert_max_num_queries(20) as queries:
        response = client.get(reverse("records:imports"))
    assert response.status_code == 200
    return len(queries.captured_queries)


def test_the_list_query_count_does_not_grow_with_the_runs(
    client_for, manager, caseworker, other_caseworker, django_assert_max_num_queries
):
    def add_runs(count):
        ImportRun.objects.bulk_create(
            ImportRun(
                kind="attendance",
                file_name=f"attendance-{n}.csv",
                created_by=(caseworker, other_caseworker, None)[n % 3],
                status=ImportRun.Status.SUCCEEDED,
                counts={"rows_read": 1000 + n, "rows_rejected": 0},
            )
            for n in range(count)
        )

    client = client_for(manager)
    add_runs(3)
    few = _list_queries(client, django_assert_max_num_queries)
    add_runs(60)
    many = _list_queries(client, django_assert_max_num_queries)
    assert few == many
    page = client.get(reverse("records:imports")).content.decode()
    assert page.count("govuk-tag--green") == 25
    assert 'rel="next"' in page


@pytest.mark.django_db(transaction=True)
def test_a_real_attendance_file_end_to_end(client_for, caseworker, allocate):
    """The real attendance importer behind the page: all or nothing, then its valid rows on
    request, then the same file again changes nothing. Transactional, so each import commits
    as it would in production. The pupil is the caseworker's: an import matches only the
    children its importer may see (issue 11)."""
    school = SchoolFactory(urn=137001, name="Ashford Primary School")
    pupil = ChildFactory(date_of_birth=datetime.date(2015, 3, 1))
    allocate(pupil, caseworker)
    rows = [
        ("2025-01-06", "AM", "/"),
        ("2025-01-06", "PM", "\\"),
        ("2025-01-07", "AM", "I"),
        ("07/01/2025", "PM", "/"),
        ("2025-01-08", "AM", "7"),  # not a DfE register code
    ]
    data = "upn,date,session,code,school_urn\r\n" + "".join(
        f"{pupil.upn},{day},{session},{code},{school.urn}\r\n" for day, session, code in rows
    )

    def upload(valid_rows=False):
        payload = {
            "kind": "attendance",
            "file": SimpleUploadedFile("attendance.csv", data.encode(), content_type="text/csv"),
        }
        if valid_rows:
            payload["import_valid_rows"] = "on"
        return client.post(reverse("records:import-new"), payload)

    client = client_for(caseworker)
    first = upload()
    run = ImportRun.objects.get()
    assert run.status == ImportRun.Status.REJECTED
    assert not AttendanceSession.objects.exists()
    page = client.get(first.url).content.decode()
    assert "Nothing was imported: 1 row was rejected" in page
    assert "Not a DfE attendance code" in page
    assert list(run.rejections.values_list("row_number", "field")) == [(5, "code")]

    again = client.post(reverse("records:import-again", kwargs={"pk": run.pk}))
    second = ImportRun.objects.get(pk=again.url.rstrip("/").rsplit("/", 1)[-1])
    assert second.status == ImportRun.Status.SUCCEEDED
    assert sorted(
        AttendanceSession.objects.filter(child=pupil).values_list("date", "session", "code")
    ) == [
        (datetime.date(2025, 1, 6), "AM", "/"),
        (datetime.date(2025, 1, 6), "PM", "\\"),
        (datetime.date(2025, 1, 7), "AM", "I"),
        (datetime.date(2025, 1, 7), "PM", "/"),
    ]
    page = client.get(again.url).content.decode()
    assert "Children matched" in page
    assert "Sessions created" in page

    upload(valid_rows=True)
    third = ImportRun.objects.order_by("-created_at").first()
    assert third.status == ImportRun.Status.SUCCEEDED
    assert third.counts["sessions_created"] == 0
    assert third.counts["sessions_updated"] == 0
    assert third.counts["sessions_unchanged"] == 4
    assert AttendanceSession.objects.count() == 4


def test_only_a_manager_may_ask_to_add_missing_children_and_only_for_formats_that_can(
    client_for, manager, caseworker, django_capture_on_commit_callbacks
):
    label = "Add the children the file names who are not on the record yet"
    assert label in client_for(manager).get(reverse("records:import-new")).content.decode()
    assert label not in client_for(caseworker).get(reverse("records:import-new")).content.decode()

    def options_of(user, kind):
        payload = {
            "kind": kind,
            "create_missing": "on",
            "file": SimpleUploadedFile("f.xml", b"<CTfile/>", content_type="text/xml"),
        }
        with django_capture_on_commit_callbacks(execute=False):  # stays queued
            response = client_for(user).post(reverse("records:import-new"), payload)
        return ImportRun.objects.get(pk=response.url.rstrip("/").rsplit("/", 1)[-1]).options

    assert options_of(manager, "ctf") == {"create_missing": True}
    assert options_of(manager, "cin") == {"create_missing": True}
    assert options_of(manager, "attendance") == {}
    assert options_of(caseworker, "ctf") == {}
