"""Every door logged (issue #11, door 6): each child a list page, a dashboard drill-down, its
CSV or an API list names gets one access-log entry, written in one INSERT, so those pages keep
a fixed query count; and a note's move between categories is in the child's history.

Each test compares the children logged with the children shown (set equality, one row each),
for a manager and for a caseworker, who is shown and logged only their own children.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
from html import unescape

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from records import selectors
from records.history import history_rows
from records.models import AccessLogEntry, Child
from records.services import notes
from records.views.children import CASELOAD_PAGE_SIZE
from tests.conftest import signed_in
from tests.factories import ChildFactory
from tests.records.dashboards import test_attainment_dashboard as attainment_tests
from tests.records.dashboards import test_attendance_dashboard as attendance_tests
from tests.records.dashboards import test_exclusions_dashboard as exclusions_tests
from virtualschool.roles import Perm

pytestmark = pytest.mark.django_db
D = datetime.date

# The dashboards' hand-worked children (see each fixture's docstring).
cohort = exclusions_tests.cohort
world = attendance_tests.world
pupils = attainment_tests.pupils


def logged(user, page: str) -> set:
    """The children logged as shown to `user` on `page`; fails if any is logged twice."""
    ids = list(
        AccessLogEntry.objects.filter(
            user=user, page=page, outcome=AccessLogEntry.Outcome.VIEWED
        ).values_list("child_id", flat=True)
    )
    assert len(ids) == len(set(ids)), f"a child was logged more than once on {page}"
    return set(ids)


def linked(html: str) -> set:
    """The children a page links to (their record's pages)."""
    prefix = re.escape(reverse("records:caseload"))
    return {
        Child.objects.get(pk=pk).pk
        for pk in set(re.findall(rf'href="{prefix}([0-9a-f-]{{36}})/', html))
    }


def _csv(response) -> list[list[str]]:
    """A dashboard CSV's table: what follows the blank line that ends its preamble (the
    period, filters, breakdown and the day it was made, issue 16)."""
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][0].endswith(" dashboard") and rows[rows.index([]) - 1][:1] == ["Made on"]
    return rows[rows.index([]) + 1 :]


def _ids(*children) -> set:
    return {child.pk for child in children}


# --- The caseload -------------------------------------------------------------------------------


def test_the_caseload_logs_each_child_it_shows_and_only_them(
    client_for, caseworker, other_caseworker, allocated_children
):
    mine = allocated_children(caseworker, 3)
    [theirs] = allocated_children(other_caseworker, 1)

    response = client_for(caseworker).get(reverse("records:caseload"))
    assert response.status_code == 200
    shown = linked(response.content.decode())
    assert shown == _ids(*mine)
    assert logged(caseworker, "caseload") == shown
    assert not AccessLogEntry.objects.filter(child_id=theirs.pk).exists()


def test_the_caseload_logs_the_children_of_the_page_shown(client_for, manager, forget_access_log):
    ChildFactory.create_batch(CASELOAD_PAGE_SIZE + 3)
    client = client_for(manager)
    first = linked(client.get(reverse("records:caseload")).content.decode())
    assert len(first) == CASELOAD_PAGE_SIZE
    assert logged(manager, "caseload") == first

    forget_access_log()
    second = linked(client.get(reverse("records:caseload"), {"page": 2}).content.decode())
    assert len(second) == 3 and not second & first
    assert logged(manager, "caseload") == second


def test_a_caseload_search_logs_only_the_children_it_finds(client_for, manager):
    found = ChildFactory(first_name="Isla", last_name="Pemberton")
    ChildFactory(first_name="Noah", last_name="Quigley")
    client = client_for(manager)
    # The search's results are the answer to its post (nothing keeps the search for a GET).
    client.post(reverse("records:caseload"), {"q": "Pemberton"})
    assert logged(manager, "caseload") == _ids(found)


def _count(client, url, params=None, *, stream=False) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url, params or {})
        assert response.status_code == 200
        if stream:
            b"".join(response.streaming_content)
    return len(context.captured_queries)


def test_the_caseload_logs_in_one_statement_however_many_children(
    client_for, caseworker, allocated_children, forget_access_log
):
    allocated_children(caseworker, 2)
    client = client_for(caseworker)
    url = reverse("records:caseload")
    few = _count(client, url)
    assert len(logged(caseworker, "caseload")) == 2
    allocated_children(caseworker, 18)
    forget_access_log()
    many = _count(client, url)
    assert len(logged(caseworker, "caseload")) == 20
    assert few == many


# --- Dashboards' drill-down lists and their CSVs ------------------------------------------------

EXCLUSIONS = reverse("dashboards:exclusions-children")
ATTENDANCE = reverse("dashboards:attendance-children")
ATTAINMENT = reverse("dashboards:attainment-children")


def _page_and_csv(user, url, params, page: str, csv_page: str) -> tuple[set, set]:
    """Open a drill-down and its CSV as `user`; the children each logged, after checking that
    the page logged exactly those it links to."""
    client = signed_in(user)
    html = client.get(url, params)
    assert html.status_code == 200
    shown = linked(unescape(html.content.decode()))
    assert logged(user, page) == shown
    rows = _csv(client.get(url, {**params, "download": "csv"}))
    in_csv = logged(user, csv_page)
    assert len(in_csv) == len(rows) - 1  # one entry per child row under the heading
    return shown, in_csv


def test_an_exclusions_drill_down_and_its_csv_log_the_children_listed(manager, caseworker, cohort):
    everyone = _ids(cohort.ava, cohort.ben, cohort.cara, cohort.dan, cohort.finn)
    shown, in_csv = _page_and_csv(
        manager,
        EXCLUSIONS,
        {"year": 2024},
        "dashboard drill-down: exclusions all",
        "CSV: exclusions drill-down all",
    )
    assert shown == in_csv == everyone
    shown, in_csv = _page_and_csv(
        manager,
        EXCLUSIONS,
        {"year": 2024, "show": "permanent"},
        "dashboard drill-down: exclusions permanent",
        "CSV: exclusions drill-down permanent",
    )
    assert shown == in_csv == _ids(cohort.ben)
    # A caseworker is shown, and logged, only the children allocated to them.
    shown, in_csv = _page_and_csv(
        caseworker,
        EXCLUSIONS,
        {"year": 2024},
        "dashboard drill-down: exclusions all",
        "CSV: exclusions drill-down all",
    )
    assert shown == in_csv == _ids(cohort.ava, cohort.cara)
    assert not AccessLogEntry.objects.filter(child_id=cohort.eve.pk).exists()


def test_an_attendance_drill_down_and_its_csv_log_the_children_listed(manager, caseworker, world):
    shown, in_csv = _page_and_csv(
        manager,
        ATTENDANCE,
        {"year": attendance_tests.YEAR},
        "dashboard drill-down: attendance all",
        "CSV: attendance drill-down all",
    )
    assert shown == in_csv == _ids(world["a"], world["b"], world["c"], world["d"])
    shown, in_csv = _page_and_csv(
        manager,
        ATTENDANCE,
        {"year": attendance_tests.YEAR, "show": "persistent"},
        "dashboard drill-down: attendance persistent",
        "CSV: attendance drill-down persistent",
    )
    assert shown == in_csv == _ids(world["a"], world["c"])
    shown, in_csv = _page_and_csv(
        caseworker,
        ATTENDANCE,
        {"year": attendance_tests.YEAR, "show": "all", "band": "0"},
        "dashboard drill-down: attendance all band 0",
        "CSV: attendance drill-down all band 0",
    )
    assert shown == in_csv == set()  # b (band 0) is not theirs
    shown, in_csv = _page_and_csv(
        caseworker,
        ATTENDANCE,
        {"year": attendance_tests.YEAR},
        "dashboard drill-down: attendance all",
        "CSV: attendance drill-down all",
    )
    assert shown == in_csv == _ids(world["a"], world["c"])


def test_an_attainment_drill_down_and_its_csv_log_the_children_listed(
    manager, caseworker, allocate, pupils
):
    shown, in_csv = _page_and_csv(
        manager,
        ATTAINMENT,
        {"year": attainment_tests.YEAR, "figure": "phonics", "met": "yes"},
        "dashboard drill-down: attainment phonics met yes",
        "CSV: attainment drill-down phonics met yes",
    )
    assert shown == in_csv == _ids(pupils["p1"], pupils["p4"])
    allocate(pupils["p1"], caseworker)
    allocate(pupils["p2"], caseworker)
    shown, in_csv = _page_and_csv(
        caseworker,
        ATTAINMENT,
        {"year": attainment_tests.YEAR, "figure": "phonics"},
        "dashboard drill-down: attainment phonics",
        "CSV: attainment drill-down phonics",
    )
    assert shown == in_csv == _ids(pupils["p1"], pupils["p2"])


def test_a_drill_down_logs_in_one_statement_however_many_children(
    manager, caseworker, forget_access_log
):
    caseworkers = [caseworker]
    exclusions_tests._many(2, manager, caseworkers)
    client = signed_in(manager)
    params = {"year": 2024}
    few = (
        _count(client, EXCLUSIONS, params),
        _count(client, EXCLUSIONS, {**params, "download": "csv"}, stream=True),
    )
    assert len(logged(manager, "dashboard drill-down: exclusions all")) == 2
    exclusions_tests._many(18, manager, caseworkers)
    forget_access_log()
    many = (
        _count(client, EXCLUSIONS, params),
        _count(client, EXCLUSIONS, {**params, "download": "csv"}, stream=True),
    )
    assert len(logged(manager, "dashboard drill-down: exclusions all")) == 20
    assert len(logged(manager, "CSV: exclusions drill-down all")) == 20
    assert few == many


# --- The API's lists ----------------------------------------------------------------------------


def test_the_api_child_list_logs_the_children_on_its_page(
    client_for, caseworker, other_caseworker, allocated_children
):
    mine = allocated_children(caseworker, 2)
    allocated_children(other_caseworker, 1)
    body = client_for(caseworker).get(reverse("api:child-list")).json()
    listed = {Child.objects.get(pk=row["id"]).pk for row in body["results"]}
    assert listed == _ids(*mine)
    assert logged(caseworker, "api-child-list") == listed


# --- A note's category is audited -----------------------------------------------------------------


def test_a_note_moved_between_categories_is_in_the_history_for_who_may_see_both(
    client_for, manager, caseworker, other_caseworker, allocate
):
    child = ChildFactory()
    allocate(child, caseworker)
    allocate(child, other_caseworker)
    other_caseworker.user_permissions.add(
        Permission.objects.get(codename=Perm.VIEW_SENSITIVE.value)
    )
    note = notes.note_record(actor=manager, child=child, category="criminal", text="Court date")
    notes.note_update(
        actor=manager,
        instance=note,
        expected_version=note.version,
        category="housing",
        text="Court date",
    )

    entries = selectors.child_history(child=child).filter(content_type__model="note")
    moves = [entry.changes["category"] for entry in entries if "category" in (entry.changes or {})]
    assert ["criminal", "housing"] in moves

    url = reverse("records:child-history", kwargs={"pk": child.pk})
    sees_both = type(other_caseworker).objects.get(pk=other_caseworker.pk)
    assert "Criminal and prosecution → Housing" in unescape(
        client_for(sees_both).get(url).content.decode()
    )

    # Without the sensitive permission the move out of "criminal" is not shown at all.
    page = unescape(client_for(caseworker).get(url).content.decode())
    assert "Criminal and prosecution" not in page
    rows = history_rows(
        selectors.child_history_visible_to(child=child, user=caseworker), user=caseworker
    )
    assert not [change for row in rows for change in row.changes if change.field == "Category"]
