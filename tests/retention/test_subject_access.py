"""The subject-access export (issue 14): everything the data map holds on one child, per area,
for an Admin or a Manager, logged; a reader of the map, so a new entry is exported unasked."""

from __future__ import annotations

import csv
import datetime
import io
import json
import re
import zipfile

import pytest
from auditlog.models import LogEntry
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from records import services
from records.codes import Cohort
from records.datamap import DATA_MAP, Reach
from records.demo import DemoStaff, seed_children
from records.models import (
    AccessLogEntry,
    BatchEvent,
    Child,
    ImportKind,
    ImportRejection,
    ImportRun,
    Pep,
)
from records.selectors import child_history
from records.selectors.pep import care_entered
from records.services import pep as pep_services
from retention.subject_access.export import SUMMARY_FILE, export_file, exported_entries
from retention.subject_access.services import PAGE
from sharing import services as sharing_services
from sharing.models import RequestedBy, RestrictionKind, SharingRestriction
from tests.conftest import signed_in
from tests.factories import ChildFactory, UserFactory
from virtualschool.roles import Role

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2025, 11, 20)
OTHER_FIRST, OTHER_LAST, OTHER_NOTE = "Zebediah", "Quillfeather", "Otherchildonlyreason"


def _zip(child: Child) -> zipfile.ZipFile:
    with export_file(child=child) as out:
        return zipfile.ZipFile(io.BytesIO(out.read()))


def _populated(manager, caseworker) -> Child:
    """One demo child (every area's demo rows, through the services), with what the demo does
    not make: an allocation's grant, views, a batch event, an import rejection that matched
    it, a sharing restriction."""
    before = set(Child.objects.values_list("pk", flat=True))
    seed_children(
        # Seed 18 gives a child with rows in every area of the record (behaviour and notes
        # are not in every demo child's).
        count=1,
        seed=18,
        staff=DemoStaff(manager=manager, caseworkers=(caseworker,)),
        today=TODAY,
    )
    (child,) = Child.objects.exclude(pk__in=before)
    if not child.allocations.exists():
        services.allocation_create(actor=manager, child=child, caseworker=caseworker)
    services.access_log_record(user=caseworker, child_id=child.pk, page="record", allowed=True)
    BatchEvent.objects.create(
        kind=BatchEvent.Kind.ATTENDANCE, actor=manager, child_id=child.pk, rows=3
    )
    run = ImportRun.objects.create(kind=ImportKind.SCHOOLS, file_name="f.csv", created_by=manager)
    ImportRejection.objects.create(run=run, row_number=2, reason="Bad date", child_id=child.pk)
    sharing_services.restriction_add(
        actor=manager,
        child=child,
        kind=RestrictionKind.NAME_ADDRESS_DOB_ONLY,
        requested_by=RequestedBy.PARENT,
        reason="Asked at review",
    )
    _with_a_plan(manager, child)
    return child


def _with_a_plan(manager, child: Child) -> None:
    """A personal education plan with a target (issue 15), if the demo gave the child none:
    the demo plans only for some children in care."""
    if Pep.objects.filter(child=child).exists():
        return
    if care_entered(child=child, on=TODAY) is None:
        services.episode_add(
            actor=manager,
            child=child,
            cohort=Cohort.CLA,
            legal_status="C2",
            start_date=TODAY - datetime.timedelta(days=10),
        )
    plan = pep_services.pep_start(actor=manager, child=child, today=TODAY)
    pep_services.pep_target_add(
        actor=manager,
        plan=plan,
        target="Read every day",
        owner="Class teacher",
        due_by=timezone.localdate() + datetime.timedelta(days=30),
    )


def _other(manager, caseworker) -> Child:
    other = ChildFactory(first_name=OTHER_FIRST, last_name=OTHER_LAST, upn="Z123456789012")
    services.episode_add(
        actor=manager, child=other, cohort=Cohort.CIN, start_date=other.date_of_birth
    )
    services.allocation_create(actor=manager, child=other, caseworker=caseworker)
    services.access_log_record(user=caseworker, child_id=other.pk, page="record", allowed=True)
    sharing_services.restriction_add(
        actor=manager,
        child=other,
        kind=RestrictionKind.NAME_ADDRESS_DOB_ONLY,
        requested_by=RequestedBy.PARENT,
        reason=OTHER_NOTE,
    )
    return other


def _csv_rows(archive: zipfile.ZipFile, name: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(archive.read(name).decode("utf-8"))))


def test_every_mapped_field_with_a_value_is_in_its_areas_files(manager, caseworker):
    child = _populated(manager, caseworker)
    archive = _zip(child)
    names = set(archive.namelist())
    held_areas, missing = set(), []
    for entry in exported_entries():
        columns = [f.attname for f in entry.model._meta.concrete_fields]
        rows = list(entry.rows_for_children([child.pk]).values_list("pk", *columns))
        if not rows:
            continue
        held_areas.add(entry.area)
        assert {f"{entry.area}.csv", f"{entry.area}.json"} <= names, entry.area
        cells = {
            (line["row"], line["field"]): line["value"]
            for line in _csv_rows(archive, f"{entry.area}.csv")
            if line["table"] == entry.table
        }
        tables = json.loads(archive.read(f"{entry.area}.json"))["tables"]
        by_pk = {str(row[entry.model._meta.pk.attname]): row for row in tables[entry.table]["rows"]}
        assert len(by_pk) == len(rows), entry.name
        for pk, *values in rows:
            for column, value in zip(columns, values, strict=True):
                if value in (None, "", [], {}):
                    continue
                if (str(pk), column) not in cells or by_pk[str(pk)][column] in (None, ""):
                    missing.append(f"{entry.name}.{column}")
    assert not missing, missing
    # The demo child and the extra rows reach every area of the map but grants' own.
    expected = {entry.area for entry in exported_entries()}
    assert held_areas == expected, expected - held_areas
    summary = archive.read(SUMMARY_FILE).decode("utf-8")
    assert "Review before release" in summary
    for area in held_areas:
        assert f"{area}.csv" in summary
        held = sum(
            entry.rows_for_children([child.pk]).count()
            for entry in exported_entries()
            if entry.area == area
        )
        assert f"{area} ({held} rows)" in summary, area


def test_every_entry_of_the_map_that_reaches_a_child_is_exported(manager, caseworker):
    child = ChildFactory()
    archive = _zip(child)
    walked = {entry.table for entry in exported_entries()}
    reaching = {entry.table for entry in DATA_MAP if entry.reach is not Reach.NONE}
    assert walked == reaching
    # Sharing's tables are in the map, and so in the export, without the export naming them.
    assert SharingRestriction._meta.db_table in walked
    in_files = set()
    for name in archive.namelist():
        if name.endswith(".json"):
            in_files |= set(json.loads(archive.read(name))["tables"])
    assert in_files == reaching


def test_no_other_childs_data_appears(manager, caseworker):
    child = _populated(manager, caseworker)
    other = _other(manager, caseworker)
    with export_file(child=child) as out:
        raw = zipfile.ZipFile(out)
        text = b"".join(raw.read(name) for name in raw.namelist())
    assert str(child.pk).encode() in text
    for needle in (OTHER_FIRST, OTHER_LAST, OTHER_NOTE, str(other.pk), other.upn):
        assert needle.encode() not in text, needle


def test_a_manager_downloads_it_after_the_warning_and_both_are_logged(client_for, manager):
    child = ChildFactory()
    client = client_for(manager)
    warning = client.get(reverse("subject_access:warning", kwargs={"pk": child.pk}))
    assert warning.status_code == 200
    assert b"must be reviewed before it is released" in warning.content
    download_url = reverse("subject_access:download", kwargs={"pk": child.pk})
    # The confirm page's button posts to the download, with the form's CSRF token.
    assert f'<form method="post" action="{download_url}"'.encode() in warning.content
    assert b'name="csrfmiddlewaretoken"' in warning.content
    # A GET of the download's address shows the confirm page and exports nothing.
    again = client.get(download_url)
    assert again.status_code == 200
    assert again["Content-Type"].startswith("text/html")
    assert b"must be reviewed before it is released" in again.content
    assert not AccessLogEntry.objects.filter(child_id=child.pk, page=PAGE).exists()
    assert not services_history(child)
    response = client.post(download_url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert SUMMARY_FILE in archive.namelist()
    logged = AccessLogEntry.objects.filter(child_id=child.pk, user=manager, page=PAGE)
    assert logged.get().outcome == AccessLogEntry.Outcome.VIEWED
    history = services_history(child)
    assert [(e.action, e.actor) for e in history] == [(LogEntry.Action.ACCESS, manager)]
    # The child's history page shows the export.
    page = client.get(reverse("records:child-history", kwargs={"pk": child.pk}))
    assert page.status_code == 200
    assert b"Access child" in page.content
    # The export includes its own line in the access log.
    logs = _csv_rows(archive, "logs.csv")
    assert any(line["field"] == "page" and line["value"] == PAGE for line in logs)


def test_the_download_is_refused_without_the_forms_csrf_token(manager):
    child = ChildFactory()
    client = signed_in(manager)
    # Signed in, then checked as a browser's POST is (the test client skips it by default).
    client.handler.enforce_csrf_checks = True
    download_url = reverse("subject_access:download", kwargs={"pk": child.pk})
    assert client.post(download_url).status_code == 403
    assert not AccessLogEntry.objects.filter(child_id=child.pk, page=PAGE).exists()
    assert not services_history(child)
    # With the token the confirm page gives, it downloads.
    page = client.get(reverse("subject_access:warning", kwargs={"pk": child.pk})).content
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1).decode()
    response = client.post(download_url, {"csrfmiddlewaretoken": token})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert AccessLogEntry.objects.filter(child_id=child.pk, page=PAGE).count() == 1


def services_history(child: Child) -> list[LogEntry]:
    return [e for e in child_history(child=child) if e.action == LogEntry.Action.ACCESS]


@pytest.mark.parametrize("who", ["caseworker", "missing"])
def test_refused_is_a_404_and_logged(client_for, caseworker, allocate, who):
    child = ChildFactory()
    allocate(child, caseworker)
    pk = child.pk if who == "caseworker" else "00000000-0000-0000-0000-000000000009"
    user = caseworker
    if who == "missing":
        user = UserFactory(role=Role.ADMIN)
    client = client_for(user)
    for name in ("subject_access:warning", "subject_access:download"):
        response = client.get(reverse(name, kwargs={"pk": pk}))
        assert response.status_code == 404
    assert client.post(reverse("subject_access:download", kwargs={"pk": pk})).status_code == 404
    refused = AccessLogEntry.objects.filter(child_id=pk, user=user, page=PAGE)
    assert refused.count() == 3
    assert {e.outcome for e in refused} == {AccessLogEntry.Outcome.DENIED}
    assert not services_history(child)


def _fill(child: Child, manager, caseworker, n: int) -> None:
    for i in range(n):
        services.access_log_record(user=caseworker, child_id=child.pk, page="p", allowed=True)
        BatchEvent.objects.create(kind=BatchEvent.Kind.ATTENDANCE, actor=manager, child_id=child.pk)
        services.episode_add(
            actor=manager,
            child=child,
            cohort=Cohort.CIN,
            start_date=child.date_of_birth + datetime.timedelta(days=10 * i),
            end_date=child.date_of_birth + datetime.timedelta(days=10 * i + 5),
        )


def _queries(child: Child) -> int:
    with CaptureQueriesContext(connection) as queries:
        export_file(child=child).close()
    return len(queries)


def test_the_query_count_is_fixed_per_entry_not_per_row(manager, caseworker):
    one, ten = ChildFactory(), ChildFactory()
    _fill(one, manager, caseworker, 1)
    _fill(ten, manager, caseworker, 10)
    # One query per entry that reaches a child, for one row or ten.
    assert _queries(ten) == _queries(one) == len(exported_entries())


def test_the_childs_page_links_a_manager_to_the_export_and_not_a_caseworker(
    client_for, manager, caseworker, allocate
):
    child = ChildFactory()
    allocate(child, caseworker)
    link = f'href="{reverse("subject_access:warning", kwargs={"pk": child.pk})}"'
    detail = reverse("records:child-detail", kwargs={"pk": child.pk})
    page = client_for(manager).get(detail)
    assert page.status_code == 200
    assert link in page.content.decode()
    page = client_for(caseworker).get(detail)
    assert page.status_code == 200
    assert link not in page.content.decode()
