"""What `make test-api` (schemathesis) found next: a row's optional coded or e-mail field is
stored blank ("") and the API shows it so, but the schema of the rows it returns said the value
must be one of the codes, or an e-mail address (issue 16, API fuzzing). A read-only field of a
model field that may be blank now takes "" in the schema too; a required one does not."""

from __future__ import annotations

import pytest
from jsonschema import Draft202012Validator, FormatChecker

from tests.records.api.conftest import api_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def schema(client_for, manager):
    response = client_for(manager).get(api_url("schema"), {"format": "json"})
    assert response.status_code == 200
    return response.json()


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
