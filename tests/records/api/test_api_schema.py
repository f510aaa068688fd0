"""The OpenAPI schema and its docs: for staff, valid, covering every section, and served
without any CDN under the project's Content Security Policy."""

from __future__ import annotations

import re

import pytest
from django.contrib.staticfiles import finders
from drf_spectacular.validation import validate_schema

from records.sections import TABS
from tests.records.api.conftest import api_url

pytestmark = pytest.mark.django_db

EXTERNAL_URL = re.compile(r"(?:https?:)?//[a-z0-9.-]+\.[a-z]{2,}", re.IGNORECASE)
ASSET = re.compile(r"""(?:src|href)=["']([^"']+)["']""")


@pytest.fixture
def schema(client_for, caseworker):
    response = client_for(caseworker).get(api_url("schema"), {"format": "json"})
    assert response.status_code == 200
    return response.json()


def test_schema_is_valid_openapi(schema):
    validate_schema(schema)
    assert schema["info"]["title"] == "Virtual School API"


def test_schema_lists_every_section_endpoint(schema):
    paths = schema["paths"]
    for tab in TABS:
        for section in tab.sections:
            listed = f"/api/children/{{id}}/{tab.slug}/{section.slug}/"
            assert set(paths[listed]) >= {"get", "post"}, listed
            assert set(paths[f"{listed}{{item}}/"]) >= {"get", "put"}, listed
    assert "get" in paths["/api/children/"]
    assert "get" in paths["/api/children/{id}/"]


def test_operations_and_components_are_named_for_what_they_are(schema):
    operations = [
        operation["operationId"]
        for path in schema["paths"].values()
        for operation in path.values()
        if isinstance(operation, dict) and "operationId" in operation
    ]
    assert len(operations) == len(set(operations))
    assert {
        "children_list",
        "children_retrieve",
        "safeguarding_court_orders_list",
        "safeguarding_court_orders_create",
        "safeguarding_court_orders_retrieve",
        "safeguarding_court_orders_update",
    } <= set(operations)
    components = schema["components"]["schemas"]
    assert {"CourtOrder", "CourtOrderCreate", "CourtOrderUpdate", "ChildSummary"} <= set(components)
    assert "version" in components["CourtOrderUpdate"]["required"]
    assert "version" not in components["CourtOrderCreate"]["properties"]


def test_update_documents_the_stale_version_refusal(schema):
    put = schema["paths"]["/api/children/{id}/safeguarding/court-orders/{item}/"]["put"]
    assert {"200", "400", "404", "409"} <= set(put["responses"])


def test_schema_is_for_signed_in_staff(client):
    assert client.get(api_url("schema")).status_code == 403


def _docs(client):
    response = client.get(api_url("docs"))
    assert response.status_code == 200
    return response


def test_docs_page_loads_only_our_own_static_files(client_for, caseworker):
    response = _docs(client_for(caseworker))
    html = response.content.decode()
    assert not EXTERNAL_URL.search(html), EXTERNAL_URL.search(html)
    assets = ASSET.findall(html)
    assert assets
    for asset in assets:
        if asset.startswith("/static/"):
            assert finders.find(asset.removeprefix("/static/")), asset
        else:
            assert asset.startswith(api_url("docs") + "?"), asset


def test_docs_page_keeps_the_content_security_policy(client_for, caseworker):
    """No inline script or style: everything the page runs or styles it with is a file."""
    response = _docs(client_for(caseworker))
    html = response.content.decode()
    assert "<style" not in html
    assert " style=" not in html
    assert not re.search(r"<script(?![^>]*\ssrc=)[^>]*>", html)
    policy = response["Content-Security-Policy"]
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert re.search(r"script-src 'self'", policy)
    assert re.search(r"style-src 'self'(;|$)", policy)


def test_docs_start_up_script_is_a_same_origin_file(client_for, caseworker):
    client = client_for(caseworker)
    html = _docs(client).content.decode()
    [script_url] = [src for src in ASSET.findall(html) if src.startswith(api_url("docs"))]
    response = client.get(script_url.replace("&amp;", "&"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    script = response.content.decode()
    assert api_url("schema") in script
    assert not EXTERNAL_URL.search(script)
    assert '"validatorUrl": null' in script


def test_docs_send_signed_out_people_to_sign_in(client):
    response = client.get(api_url("docs"))
    assert response.status_code == 302
    assert "/sign-in/" in response["Location"]
