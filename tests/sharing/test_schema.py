"""The recipients' API is in the OpenAPI schema: the token as an HTTP bearer scheme, each
dataset as its streamed media type, so the access matrix checks its operations by name and a
fuzzer can reach them."""

from __future__ import annotations

import pytest
from django.urls import reverse
from drf_spectacular.generators import SchemaGenerator

from tests.conftest import signed_in
from tests.sharing.test_api import _child, _clock_and_throttle, active, recipient  # noqa: F401

pytestmark = pytest.mark.django_db

DATASET = "/api/sharing/agreements/{id}/dataset."


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def test_the_token_is_a_bearer_scheme_on_every_sharing_operation(schema):
    scheme = schema["components"]["securitySchemes"]["agreementToken"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")
    sharing = {path: ops for path, ops in schema["paths"].items() if "/api/sharing/" in path}
    assert set(sharing) == {
        "/api/sharing/agreements/",
        DATASET + "csv",
        DATASET + "jsonl",
    }
    for operations in sharing.values():
        assert list(operations) == ["get"]
        assert {"agreementToken": []} in operations["get"]["security"]


@pytest.mark.parametrize(
    ("fmt", "media_type"), [("csv", "text/csv"), ("jsonl", "application/jsonl")]
)
def test_each_dataset_is_its_streamed_media_type(schema, fmt, media_type):
    operation = schema["paths"][DATASET + fmt]["get"]
    assert operation["operationId"] == f"sharing_dataset_{fmt}"
    assert list(operation["responses"]["200"]["content"]) == [media_type]
    assert {"401", "403", "404"} <= set(operation["responses"])
    # The media type comes from Accept alone: no ?format= parameter.
    assert [p["name"] for p in operation["parameters"]] == ["id"]


@pytest.mark.parametrize(
    ("fmt", "media_type"), [("csv", "text/csv"), ("jsonl", "application/jsonl")]
)
def test_a_client_may_ask_for_the_media_type(recipient, active, fmt, media_type):  # noqa: F811
    _child()
    url = reverse(f"sharing-api:dataset-{fmt}", kwargs={"pk": active.pk})
    response = signed_in(recipient).get(url, headers={"Accept": media_type})
    assert response.status_code == 200
    assert response["Content-Type"].startswith(media_type)
    assert b"".join(response.streaming_content)
    # A refusal asked for in that media type says why, in plain words.
    missing = reverse(f"sharing-api:dataset-{fmt}", kwargs={"pk": active.pk + 1000})
    refused = signed_in(recipient).get(missing, headers={"Accept": media_type})
    assert refused.status_code == 404
    assert refused.content == b"No such agreement.\n"
