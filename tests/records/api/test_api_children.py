"""The children endpoints: the list is the user's caseload, the detail is 404 outside it, both
are logged and run a fixed number of queries, and names and UPNs never go in the URL."""

from __future__ import annotations

import base64
import datetime
import uuid
from urllib.parse import parse_qs, urlparse

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from records import services
from records.codes import Cohort
from records.models import AccessLogEntry, Allocation, Enrolment, LegalStatusEpisode
from tests.factories import ChildFactory, SchoolFactory, UserFactory
from tests.records.api.conftest import api_url, grant_sensitive
from virtualschool.roles import Role

pytestmark = pytest.mark.django_db
D = datetime.date

LIST_QUERIES = 11
DETAIL_QUERIES = 15


def _ids(response) -> set[str]:
    return {child["id"] for child in response.json()["results"]}


def test_list_holds_only_the_caseload(client_for, caseworker, other_caseworker, allocate):
    mine = [ChildFactory(), ChildFactory()]
    ChildFactory()
    for child in mine:
        allocate(child, caseworker)
    assert _ids(client_for(caseworker).get(api_url("child-list"))) == {str(c.pk) for c in mine}
    assert _ids(client_for(other_caseworker).get(api_url("child-list"))) == set()


def test_managers_list_every_child_and_admins_none(client_for, manager, admin_user):
    children = [ChildFactory() for _ in range(3)]
    assert _ids(client_for(manager).get(api_url("child-list"))) == {str(c.pk) for c in children}
    assert _ids(client_for(admin_user).get(api_url("child-list"))) == set()


def test_list_shows_summary_fields_only(client_for, manager, child):
    services.episode_add(
        actor=manager, child=child, cohort=Cohort.CIN, start_date=child.date_of_birth
    )
    [row] = client_for(manager).get(api_url("child-list")).json()["results"]
    assert set(row) == {
        "id",
        "url",
        "first_name",
        "last_name",
        "date_of_birth",
        "gender",
        "upn",
        "current_school",
        "current_statuses",
    }
    assert row["upn"] == child.upn
    assert [status["cohort"] for status in row["current_statuses"]] == ["CIN"]
    assert row["url"].endswith(api_url("child-detail", pk=child.pk))
    assert "postcode" not in row


def test_list_pages_by_a_cursor_that_names_no_one(client_for, manager):
    children = [ChildFactory() for _ in range(53)]
    client = client_for(manager)
    first = client.get(api_url("child-list")).json()
    assert len(first["results"]) == 50
    assert first["previous"] is None
    cursor = parse_qs(urlparse(first["next"]).query)["cursor"][0]
    decoded = base64.b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    for child in children:
        assert child.last_name not in decoded
        assert child.upn not in decoded
    second = client.get(first["next"]).json()
    assert len(second["results"]) == 3
    seen = {row["id"] for row in first["results"] + second["results"]}
    assert seen == {str(child.pk) for child in children}


def test_each_child_listed_is_access_logged(client_for, caseworker, allocate):
    children = [ChildFactory(), ChildFactory()]
    for child in children:
        allocate(child, caseworker)
    client_for(caseworker).get(api_url("child-list"))
    logged = AccessLogEntry.objects.filter(user=caseworker, page="api-child-list")
    assert {entry.child_id for entry in logged} == {child.pk for child in children}
    assert {entry.outcome for entry in logged} == {AccessLogEntry.Outcome.VIEWED}


@pytest.mark.parametrize(
    "query",
    [
        {"search": "Smith"},
        {"q": "Smith"},
        {"name": "Smith"},
        {"last_name": "Smith"},
        {"upn": "A123456789012"},
    ],
)
def test_names_and_upns_are_not_accepted_in_the_query_string(client_for, manager, query):
    ChildFactory(last_name="Smith", upn="")
    response = client_for(manager).get(api_url("child-list"), query)
    assert response.status_code == 400
    [value] = query.values()
    assert value not in response.content.decode()


def test_detail_query_string_is_refused_too(client_for, manager, child):
    response = client_for(manager).get(api_url("child-detail", pk=child.pk), {"upn": child.upn})
    assert response.status_code == 400


def test_detail_of_an_allocated_child(client_for, caseworker, child, allocate):
    allocate(child, caseworker)
    response = client_for(caseworker).get(api_url("child-detail", pk=child.pk))
    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["first_name"], body["upn"]) == (
        str(child.pk),
        child.first_name,
        child.upn,
    )
    assert body["can_change"] is True
    assert [row["caseworker"] for row in body["caseworkers"]] == [caseworker.get_full_name()]


def test_detail_links_only_the_tabs_the_user_may_open(client_for, caseworker, child, allocate):
    allocate(child, caseworker)
    client = client_for(caseworker)
    tabs = {
        tab["slug"]: tab for tab in client.get(api_url("child-detail", pk=child.pk)).json()["tabs"]
    }
    assert "safeguarding" not in tabs and "health" not in tabs
    assert "notes" in tabs
    [notes] = tabs["notes"]["sections"]
    assert notes["url"].endswith(api_url("notes-notes-list", pk=child.pk))

    grant_sensitive(caseworker)
    client = client_for(caseworker)
    tabs = {tab["slug"] for tab in client.get(api_url("child-detail", pk=child.pk)).json()["tabs"]}
    assert {"safeguarding", "health"} <= tabs


def test_detail_is_404_outside_the_caseload_and_logged(client_for, other_caseworker, child):
    response = client_for(other_caseworker).get(api_url("child-detail", pk=child.pk))
    assert response.status_code == 404
    entry = AccessLogEntry.objects.get(user=other_caseworker)
    assert (entry.child_id, entry.page, entry.outcome) == (
        child.pk,
        "api-child-detail",
        AccessLogEntry.Outcome.DENIED,
    )


def test_forbidden_and_missing_children_look_the_same(client_for, other_caseworker, child):
    client = client_for(other_caseworker)
    forbidden = client.get(api_url("child-detail", pk=child.pk))
    missing = client.get(api_url("child-detail", pk=uuid.uuid4()))
    assert (forbidden.status_code, forbidden.content) == (missing.status_code, missing.content)


def test_detail_view_is_logged(client_for, caseworker, child, allocate):
    allocate(child, caseworker)
    client_for(caseworker).get(api_url("child-detail", pk=child.pk))
    entry = AccessLogEntry.objects.get(user=caseworker)
    assert (entry.child_id, entry.page, entry.outcome) == (
        child.pk,
        "api-child-detail",
        AccessLogEntry.Outcome.VIEWED,
    )


# --- A fixed number of queries, whatever the amount of history ------------------------------


def _caseload(manager, size: int) -> None:
    school = SchoolFactory()
    for _ in range(size):
        child = ChildFactory()
        _history(manager, child, school, years=2)


def _history(manager, child, school, *, years: int) -> None:
    """Status episodes, schools and ended allocations: one of each a year, then open ones."""
    start = child.date_of_birth
    for year in range(years):
        begin = start + datetime.timedelta(days=366 * year)
        end = begin + datetime.timedelta(days=300)
        LegalStatusEpisode.objects.create(
            child=child, cohort=Cohort.CIN, start_date=begin, end_date=end
        )
        Enrolment.objects.create(child=child, school=school, start_date=begin, end_date=end)
        Allocation.objects.create(
            child=child,
            caseworker=UserFactory(role=Role.CASEWORKER),
            start_date=begin,
            end_date=end,
        )
    services.episode_add(
        actor=manager, child=child, cohort=Cohort.CLA, start_date=D(2024, 4, 1), legal_status="C2"
    )


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("size", [2, 30])
def test_list_runs_a_fixed_number_of_queries(
    size, client_for, manager, django_assert_max_num_queries
):
    _caseload(manager, size)
    client = client_for(manager)
    with django_assert_max_num_queries(LIST_QUERIES):
        assert len(client.get(api_url("child-list")).json()["results"]) == size


def test_list_queries_do_not_grow_with_the_caseload(client_for, manager):
    client = client_for(manager)
    _caseload(manager, 2)
    small = _count(client, api_url("child-list"))
    _caseload(manager, 25)
    assert _count(client, api_url("child-list")) == small


@pytest.mark.parametrize("years", [1, 12])
def test_detail_runs_a_fixed_number_of_queries(
    years, client_for, manager, caseworker, allocate, django_assert_max_num_queries
):
    child = ChildFactory(date_of_birth=D(2006, 9, 1))
    _history(manager, child, SchoolFactory(), years=years)
    allocate(child, caseworker)
    client = client_for(caseworker)
    with django_assert_max_num_queries(DETAIL_QUERIES):
        body = client.get(api_url("child-detail", pk=child.pk)).json()
    assert len(body["statuses"]) == years + 1


def test_detail_queries_do_not_grow_with_history(client_for, manager, caseworker, allocate):
    short, long = (
        ChildFactory(date_of_birth=D(2006, 9, 1)),
        ChildFactory(date_of_birth=D(2006, 9, 1)),
    )
    _history(manager, short, SchoolFactory(), years=1)
    _history(manager, long, SchoolFactory(), years=12)
    for child in (short, long):
        allocate(child, caseworker)
    client = client_for(caseworker)
    assert _count(client, api_url("child-detail", pk=short.pk)) == _count(
        client, api_url("child-detail", pk=long.pk)
    )
