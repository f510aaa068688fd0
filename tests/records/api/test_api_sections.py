"""Sections through the API: create, read and update, the same checks as the pages, messages
that name the field and the allowed values, nothing saved on refusal, and the optimistic lock.

Court orders (safeguarding, sensitive), notes (an open tab whose rows are hidden one by one)
and characteristics (one per child) stand for every section: they are served by the same
generated views."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIRequestFactory

from records.api.section_serializers import section_serializers
from records.models import AccessLogEntry, Characteristics, CourtOrder, Note
from records.sections.notes import NOTES
from records.services import safeguarding
from tests.records.api.conftest import api_url

pytestmark = pytest.mark.django_db
D = datetime.date


def _orders(child):
    return api_url("safeguarding-court-orders-list", pk=child.pk)


def _order(child, order):
    return api_url("safeguarding-court-orders-item", pk=child.pk, item=order.pk)


def _post(client, url, body):
    return client.post(url, body, content_type="application/json")


def _put(client, url, body):
    return client.put(url, body, content_type="application/json")


def _made_on(child) -> str:
    return max(child.date_of_birth, D(2024, 1, 1)).isoformat()


# --- Court orders (sensitive) ----------------------------------------------------------------


def test_create_read_and_update_a_court_order(world):
    child = world["child"]
    client = world["clients"]["caseworker with sensitive"]
    body = {
        "order_type": "interim_care",
        "court": " Family Court at Bradford ",
        "made_on": _made_on(child),
    }
    response = _post(client, _orders(child), body)
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["version"] == 1
    assert (created["order_type"], created["court"], created["expires_on"]) == (
        "interim_care",
        "Family Court at Bradford",
        None,
    )
    order = CourtOrder.objects.get(pk=created["id"])
    assert response["Location"].endswith(_order(child, order))

    listed = client.get(_orders(child)).json()
    assert created in listed
    assert client.get(_order(child, order)).json() == created

    changed = _put(
        client,
        _order(child, order),
        {**body, "court": "Family Court at Hull", "expires_on": "2030-01-31", "version": 1},
    )
    assert changed.status_code == 200, changed.content
    assert (changed.json()["court"], changed.json()["version"]) == ("Family Court at Hull", 2)
    order.refresh_from_db()
    assert (order.court, order.expires_on, order.version) == (
        "Family Court at Hull",
        D(2030, 1, 31),
        2,
    )


def test_a_code_outside_the_list_is_refused_naming_the_field_and_the_values(world):
    child = world["child"]
    before = CourtOrder.objects.count()
    response = _post(
        world["clients"]["manager"],
        _orders(child),
        {"order_type": "bogus", "court": "Leeds", "made_on": _made_on(child)},
    )
    assert response.status_code == 400
    [message] = response.json()["order_type"]
    assert message.startswith("Order type must be one of: ")
    for value, label in CourtOrder.OrderType.choices:
        assert f"{value} ({label})" in message
    assert CourtOrder.objects.count() == before


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("made_on", "4/3/2025", "Made on must be a real date, as YYYY-MM-DD"),
        ("made_on", "2025-02-30", "Made on must be a real date, as YYYY-MM-DD"),
        ("made_on", None, "Enter the date the order was made"),
        ("court", "", "Enter the court"),
        ("court", ["Leeds"], "court takes a single value, not a list or an object"),
    ],
)
def test_shape_errors_name_the_field(world, field, value, expected):
    child = world["child"]
    body = {"order_type": "care", "court": "Leeds", "made_on": _made_on(child), field: value}
    response = _post(world["clients"]["manager"], _orders(child), body)
    assert response.status_code == 400
    messages = response.json()[field]
    assert any(expected.lower() in message.lower() for message in messages), messages
    assert CourtOrder.objects.filter(court="Leeds").count() == 0


def test_a_rule_refused_by_the_service_is_a_400_keyed_by_field(world):
    child = world["child"]
    before = child.date_of_birth - datetime.timedelta(days=1)
    response = _post(
        world["clients"]["manager"],
        _orders(child),
        {"order_type": "care", "court": "Leeds", "made_on": before.isoformat()},
    )
    assert response.status_code == 400
    assert "on or after the child's date of birth" in response.json()["made_on"][0]
    assert not CourtOrder.objects.filter(court="Leeds").exists()


def test_unknown_fields_are_refused_and_read_only_ones_ignored(world):
    child = world["child"]
    client = world["clients"]["manager"]
    body = {"order_type": "care", "court": "Leeds", "made_on": _made_on(child)}
    response = _post(client, _orders(child), {**body, "judge": "Smith"})
    assert response.status_code == 400
    assert "judge" in response.json()
    response = _post(client, _orders(child), {**body, "id": 12345, "version": 7})
    assert response.status_code == 201
    assert response.json()["version"] == 1


def test_a_body_that_is_not_an_object_is_refused(world):
    response = _post(world["clients"]["manager"], _orders(world["child"]), ["care"])
    assert response.status_code == 400


def test_a_stale_version_is_refused_with_409_and_nothing_changes(world):
    child, order = world["child"], world["court_order"]
    manager = world["clients"]["manager"]
    other = world["clients"]["caseworker with sensitive"]
    body = {
        "order_type": "care",
        "court": "Family Court at York",
        "made_on": order.made_on.isoformat(),
    }
    assert _put(other, _order(child, order), {**body, "version": 1}).status_code == 200

    response = _put(manager, _order(child, order), {**body, "court": "Mine", "version": 1})
    assert response.status_code == 409
    [message] = response.json()["non_field_errors"]
    assert "after you opened it" in message
    order.refresh_from_db()
    assert (order.court, order.version) == ("Family Court at York", 2)


def test_an_update_without_a_version_is_refused(world):
    child, order = world["child"], world["court_order"]
    response = _put(
        world["clients"]["manager"],
        _order(child, order),
        {"order_type": "care", "court": "Elsewhere", "made_on": order.made_on.isoformat()},
    )
    assert response.status_code == 400
    assert "version" in response.json()
    order.refresh_from_db()
    assert order.court == "Family Court at Leeds"


@pytest.mark.parametrize("role", ["caseworker", "other caseworker", "admin"])
def test_a_sensitive_section_is_404_without_the_permission_and_nothing_is_saved(world, role):
    child = world["child"]
    client = world["clients"][role]
    body = {"order_type": "care", "court": "Sneaky", "made_on": _made_on(child)}
    assert client.get(_orders(child)).status_code == 404
    assert _post(client, _orders(child), body).status_code == 404
    assert not CourtOrder.objects.filter(court="Sneaky").exists()
    user = world["users"][role]
    assert set(AccessLogEntry.objects.filter(user=user).values_list("page", "outcome")) == {
        ("api-list-court-orders", AccessLogEntry.Outcome.DENIED),
        ("api-add-court-orders", AccessLogEntry.Outcome.DENIED),
    }


def test_reads_of_a_section_are_access_logged(world):
    child = world["child"]
    world["clients"]["manager"].get(_order(child, world["court_order"]))
    entry = AccessLogEntry.objects.get(user=world["users"]["manager"])
    assert (entry.child_id, entry.page, entry.outcome) == (
        child.pk,
        "api-view-court-orders",
        AccessLogEntry.Outcome.VIEWED,
    )


def test_a_row_of_another_child_is_404(world, manager):
    from tests.factories import ChildFactory

    elsewhere = ChildFactory()
    response = world["clients"]["manager"].get(_order(elsewhere, world["court_order"]))
    assert response.status_code == 404


@pytest.mark.parametrize("item", ["not-a-number", "0", "99999999999999999999999"])
def test_malformed_or_missing_row_ids_are_404(world, item):
    url = api_url("safeguarding-court-orders-item", pk=world["child"].pk, item=item)
    assert world["clients"]["manager"].get(url).status_code == 404


@pytest.mark.parametrize("rows", [1, 15])
def test_a_section_list_runs_a_fixed_number_of_queries(world, rows, django_assert_max_num_queries):
    child = world["child"]
    for n in range(rows):
        safeguarding.court_order_record(
            actor=world["users"]["manager"],
            child=child,
            order_type="supervision",
            court=f"Court {n}",
            made_on=D.fromisoformat(_made_on(child)),
        )
    with django_assert_max_num_queries(14):
        assert len(world["clients"]["manager"].get(_orders(child)).json()) == rows + 1


def test_section_list_queries_do_not_grow(world):
    child, client = world["child"], world["clients"]["manager"]

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            client.get(_orders(child))
        return len(queries)

    few = count()
    for n in range(10):
        safeguarding.court_order_record(
            actor=world["users"]["manager"],
            child=child,
            order_type="care",
            court=f"Court {n}",
            made_on=D.fromisoformat(_made_on(child)),
        )
    assert count() == few


# --- Notes: an open tab whose sensitive rows are hidden one by one ----------------------------


def _notes(child):
    return api_url("notes-notes-list", pk=child.pk)


def _note(child, note):
    return api_url("notes-notes-item", pk=child.pk, item=note.pk)


def test_sensitive_notes_are_left_out_without_the_permission(world):
    child = world["child"]
    texts = {note["text"] for note in world["clients"]["caseworker"].get(_notes(child)).json()}
    assert texts == {"Moved to a new flat"}
    texts = {
        note["text"]
        for note in world["clients"]["caseworker with sensitive"].get(_notes(child)).json()
    }
    assert texts == {"Moved to a new flat", "Contact with birth father"}


def test_a_hidden_note_is_404_to_read_and_to_change(world):
    child, note = world["child"], world["family_note"]
    client = world["clients"]["caseworker"]
    assert client.get(_note(child, note)).status_code == 404
    response = _put(
        client,
        _note(child, note),
        {"category": "housing", "text": "Overwritten", "version": note.version},
    )
    assert response.status_code == 404
    note.refresh_from_db()
    assert note.text == "Contact with birth father"


def test_a_caseworker_adds_and_changes_a_note(world):
    child = world["child"]
    client = world["clients"]["caseworker"]
    response = _post(client, _notes(child), {"category": "housing", "text": "Rent arrears"})
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["author"] == world["users"]["caseworker"].pk
    note = Note.objects.get(pk=created["id"])
    response = _put(
        client,
        _note(child, note),
        {"category": "employment", "text": "Started a job", "version": 1},
    )
    assert response.status_code == 200, response.content
    note.refresh_from_db()
    assert (note.category, note.text, note.version) == ("employment", "Started a job", 2)


def test_a_sensitive_category_is_not_offered_without_the_permission(world):
    child = world["child"]
    before = Note.objects.count()
    response = _post(
        world["clients"]["caseworker"], _notes(child), {"category": "family", "text": "x"}
    )
    assert response.status_code == 400
    [message] = response.json()["category"]
    assert message.startswith("Category must be one of: ")
    assert "housing (Housing)" in message
    assert "family" not in message
    assert Note.objects.count() == before


def test_the_output_leaves_out_a_field_in_a_category_the_user_may_not_see(world):
    """Belt and braces under Section.rows: a family note's text, and that it is filed under
    family, are omitted for a user without the sensitive permission even if such a row reached
    the serializer (the data map files a note's category in its own row's category)."""
    output, _, _ = section_serializers(NOTES)
    request = APIRequestFactory().get("/")
    request.user = world["users"]["caseworker"]
    data = output(world["family_note"], context={"request": request}).data
    assert "text" not in data
    assert "category" not in data
    assert data["id"] == world["family_note"].pk
    request.user = world["users"]["caseworker with sensitive"]
    shown = output(world["family_note"], context={"request": request}).data
    assert shown["text"]
    assert shown["category"] == "family"


# --- Characteristics: one row per child -------------------------------------------------------


def test_a_one_per_child_section_is_added_once_then_changed(world):
    child = world["child"]
    client = world["clients"]["caseworker"]
    url = api_url("characteristics-characteristics-list", pk=child.pk)
    body = {"ethnicity": "WBRI", "first_language": "ENG", "english_additional_language": False}
    response = _post(client, url, body)
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["id"] == str(child.pk)
    assert (created["english_additional_language"], created["arrived_from_overseas"]) == (
        False,
        None,
    )

    again = _post(client, url, body)
    assert again.status_code == 409
    assert Characteristics.objects.filter(child=child).count() == 1

    item = api_url("characteristics-characteristics-item", pk=child.pk, item=child.pk)
    response = _put(client, item, {**body, "arrived_from_overseas": True, "version": 1})
    assert response.status_code == 200, response.content
    assert response.json()["arrived_from_overseas"] is True


def test_the_childs_responsible_la_code_is_read_and_written_with_the_characteristics(world):
    """Issue 13: the code is the child's, shown and set with the characteristics."""
    child = world["child"]
    client = world["clients"]["caseworker"]
    url = api_url("characteristics-characteristics-list", pk=child.pk)
    response = _post(client, url, {"responsible_la_code": "935"})
    assert response.status_code == 201, response.content
    assert response.json()["responsible_la_code"] == "935"
    child.refresh_from_db()
    assert child.responsible_la_code == "935"
    item = api_url("characteristics-characteristics-item", pk=child.pk, item=child.pk)
    refused = _put(client, item, {"responsible_la_code": "Leeds", "version": 1})
    assert refused.status_code == 400, refused.content
    assert "3 digits" in refused.json()["responsible_la_code"][0]
    child.refresh_from_db()
    assert child.responsible_la_code == "935"


def test_a_bad_census_code_names_the_allowed_values(world):
    child = world["child"]
    url = api_url("characteristics-characteristics-list", pk=child.pk)
    response = _post(world["clients"]["manager"], url, {"ethnicity": "XXXX"})
    assert response.status_code == 400
    [message] = response.json()["ethnicity"]
    assert "WBRI (White British)" in message
    assert not Characteristics.objects.filter(child=child).exists()


def test_a_yes_no_field_takes_true_false_or_null(world):
    child = world["child"]
    url = api_url("characteristics-characteristics-list", pk=child.pk)
    response = _post(world["clients"]["manager"], url, {"arrived_from_overseas": "perhaps"})
    assert response.status_code == 400
    assert "true, false or null" in response.json()["arrived_from_overseas"][0]


# --- School history: a row that names a school from the reference table -----------------------


def test_a_school_is_found_by_urn_and_named_by_its_id(world):
    from tests.factories import SchoolFactory

    child = world["child"]
    school = SchoolFactory(urn=123456, name="Leeds Primary")
    client = world["clients"]["caseworker"]
    [found] = client.get(api_url("school-list"), {"urn": 123456}).json()["results"]
    assert (found["id"], found["name"]) == (school.pk, "Leeds Primary")

    url = api_url("schools-enrolments-list", pk=child.pk)
    start = child.date_of_birth.replace(year=child.date_of_birth.year + 5, day=1)
    response = _post(client, url, {"school": found["id"], "start_date": start.isoformat()})
    assert response.status_code == 201, response.content
    assert response.json()["school"] == school.pk

    response = _post(client, url, {"school": 987654321, "start_date": start.isoformat()})
    assert response.status_code == 400
    assert response.json()["school"] == ["School must be the id of a school"]


def test_schools_are_not_searched_by_anything_but_urn(world):
    client = world["clients"]["caseworker"]
    assert client.get(api_url("school-list"), {"urn": "Leeds"}).status_code == 400
    assert client.get(api_url("school-list"), {"name": "Leeds"}).status_code == 400
