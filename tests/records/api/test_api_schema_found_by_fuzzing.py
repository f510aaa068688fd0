"""What `make test-api` (schemathesis, tests/api_fuzz/) found the child record's API answered
and its schema did not say (issue 16, API fuzzing).

The answers to a refused request are documented for every operation, with the body they carry:
- 403 to a request that is not a member of staff's verified session (signed out, a recipient's
  token);
- 404 to a cursor DRF did not write, on the paginated lists;
- 400 to a query value of the wrong shape (`/api/schools/?urn=0.5`).

A row's optional coded or e-mail field is stored blank ("") and the API shows it so, but the
schema said the value must be one of the codes, or an e-mail address: a read-only field of a
model field that may be blank now takes "" in the schema too; a required one does not.
"""

from __future__ import annotations

import pytest
from django.test import Client
from jsonschema import Draft202012Validator, FormatChecker

from tests.records.api.conftest import api_url

pytestmark = pytest.mark.django_db

DETAIL = {"type": "object", "properties": {"detail": {"type": "string"}}, "required": ["detail"]}


@pytest.fixture
def schema(client_for, manager):
    response = client_for(manager).get(api_url("schema"), {"format": "json"})
    assert response.status_code == 200
    return response.json()


def _records_operations(schema):
    for path, operations in schema["paths"].items():
        if path.startswith("/api/sharing/"):
            continue
        for method, operation in operations.items():
            if isinstance(operation, dict) and "responses" in operation:
                yield path, method, operation


def _body_schema(schema, operation, status):
    response = operation["responses"].get(str(status))
    assert response is not None, f"{operation['operationId']} does not document {status}"
    body = response["content"]["application/json"]["schema"]
    if "$ref" in body:
        body = schema["components"]["schemas"][body["$ref"].rsplit("/", 1)[1]]
    return body


def test_every_records_operation_documents_the_refusal_of_a_stranger(schema):
    operations = list(_records_operations(schema))
    assert len(operations) > 20
    for _path, _method, operation in operations:
        assert _body_schema(schema, operation, 403) == DETAIL


def test_a_signed_out_request_is_the_documented_403():
    response = Client().get(api_url("child-list"))
    assert response.status_code == 403
    assert set(response.json()) == {"detail"}


@pytest.mark.parametrize("name", ["child-list", "school-list"])
def test_a_cursor_not_written_by_the_api_is_a_documented_404(schema, client_for, manager, name):
    response = client_for(manager).get(api_url(name), {"cursor": ""})
    assert response.status_code == 404
    assert set(response.json()) == {"detail"}
    path = api_url(name)
    assert _body_schema(schema, schema["paths"][path]["get"], 404) == DETAIL


def test_a_urn_of_the_wrong_shape_is_a_documented_400(schema, client_for, manager):
    response = client_for(manager).get(api_url("school-list"), {"urn": "0.5"})
    assert response.status_code == 400
    assert set(response.json()) == {"detail"}
    assert _body_schema(schema, schema["paths"][api_url("school-list")]["get"], 400) == DETAIL


def _accepts(schema, component: str, field: str, value) -> bool:
    subschema = schema["components"]["schemas"][component]["properties"][field]
    root = {**subschema, "components": schema["components"]}
    validator = Draft202012Validator(root, format_checker=FormatChecker())
    return validator.is_valid(value)


@pytest.mark.parametrize(
    ("component", "field", "code"),
    [
        ("Status", "legal_status", "C2"),  # a child's legal status (blank for CIN, CPP, PLAC)
        ("Characteristics", "sen_primary_need", "ASD"),
        ("Contact", "email", "someone@example.org"),
    ],
)
def test_an_optional_field_shown_blank_matches_the_schema(schema, component, field, code):
    assert _accepts(schema, component, field, "")
    assert _accepts(schema, component, field, code)
    assert not _accepts(schema, component, field, "not a code or an address")


def test_a_required_coded_field_still_refuses_blank(schema):
    # Every legal status episode has a cohort.
    assert not _accepts(schema, "Status", "cohort", "")
    assert _accepts(schema, "Status", "cohort", "CLA")
