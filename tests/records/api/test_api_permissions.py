"""Every API route x every role: who may use each endpoint (STYLE.md 9, deny by default).

The API's answer to "may not" is the pages' answer: 404 for a child, tab or row the user may
not see, whether or not it exists. Anonymous requests get 403 (the API does not redirect to the
sign-in page), except the docs page, which is a page for people.

Section routes are generated from records.sections.TABS, and so are their cases here: a new
section is covered by its tab's shape (sensitive or not) without editing this file. The last
test fails for any API route not listed.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from records.models import Note
from records.sections import TABS
from tests.conftest import second_factor_pass
from tests.factories import UserFactory
from tests.records.api.conftest import (
    ADMIN,
    CASEWORKER,
    MANAGER,
    OTHER_CASEWORKER,
    ROLES,
    SENSITIVE_CASEWORKER,
    api_url,
)

pytestmark = pytest.mark.django_db


def expect(anon, caseworker, sensitive, other, manager, admin):
    return dict(zip(ROLES, [anon, caseworker, sensitive, other, manager, admin], strict=True))


STAFF = expect(403, 200, 200, 200, 200, 200)
ALLOCATED = expect(403, 200, 200, 404, 200, 404)
ALLOCATED_SENSITIVE = expect(403, 404, 200, 404, 200, 404)
NOBODY = expect(403, 404, 404, 404, 404, 404)  # no such row or route, for anyone


def _child(w):
    return {"pk": w["child"].pk}


def _row(key):
    return lambda w: {"pk": w["child"].pk, "item": w[key].pk}


def _missing_row(w):
    return {"pk": w["child"].pk, "item": "999999999"}


# Rows the world fixture holds, by (tab, section): the world key and who may read that row.
ROWS = {
    ("safeguarding", "court-orders"): ("court_order", ALLOCATED_SENSITIVE),
    ("notes", "notes"): ("housing_note", ALLOCATED),
}


def _section_cases():
    for tab in TABS:
        shape = ALLOCATED_SENSITIVE if tab.sensitive else ALLOCATED
        for section in tab.sections:
            prefix = f"{tab.slug}-{section.slug}"
            yield (f"{prefix}-list", _child, shape)
            key, row_shape = ROWS.get((tab.slug, section.slug), (None, NOBODY))
            yield (f"{prefix}-item", _row(key) if key else _missing_row, row_shape)


# (route name in the api namespace, URL kwargs from the world, expected GET status per role)
CASES = [
    ("schema", None, STAFF),
    ("docs", None, expect(302, 200, 200, 200, 200, 200)),
    ("child-list", None, STAFF),
    ("school-list", None, STAFF),
    ("child-detail", _child, ALLOCATED),
    *_section_cases(),
    # A sensitive note is a row of an open tab that only some may read.
    ("notes-notes-item", _row("family_note"), ALLOCATED_SENSITIVE),
    # The PEP tab's own read-only endpoints (issue 15); the world's child has no plan, so one
    # is no one's (tests/records/api/test_api_pep.py reads real plans role by role).
    ("pep-plan-list", _child, ALLOCATED),
    ("pep-plan-item", lambda w: {"pk": w["child"].pk, "plan": 999999999}, NOBODY),
    ("no-such-route", lambda w: {"pk": w["child"].pk, "rest": "no-such-tab/"}, NOBODY),
    ("no-such-route", lambda w: {"pk": w["child"].pk, "rest": "safeguarding/nope/"}, NOBODY),
]


def _case_id(case):
    name, kwargs, _ = case
    return name if kwargs is None else f"{name}-{CASES.index(case)}"


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_get_status_for_every_role(case, world, client):
    name, kwargs, expected = case
    url = api_url(name, **(kwargs(world) if kwargs else {}))
    clients = world["clients"]
    actual = {role: (clients.get(role) or client).get(url).status_code for role in ROLES}
    assert actual == expected


def test_a_signed_in_user_without_a_role_is_refused(world, client_for):
    client = client_for(UserFactory(username="no_role"))
    for name, kwargs in [("child-list", None), ("child-detail", _child), ("schema", None)]:
        url = api_url(name, **(kwargs(world) if kwargs else {}))
        assert client.get(url).status_code == 403, name


def test_anonymous_requests_are_refused_as_json_not_redirected(world, client):
    response = client.get(api_url("child-detail", pk=world["child"].pk))
    assert response.status_code == 403
    assert response["Content-Type"] == "application/json"
    assert "detail" in response.json()


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (CASEWORKER, 404),
        (SENSITIVE_CASEWORKER, 200),
        (OTHER_CASEWORKER, 404),
        (MANAGER, 200),
        (ADMIN, 404),
    ],
)
def test_writes_need_change_rights_and_the_tab(role, expected, world):
    """PUT to a court order: the same shape as reading it (allocated caseworkers hold change
    rights on their children; managers on all; admins on none)."""
    order = world["court_order"]
    response = world["clients"][role].put(
        api_url("safeguarding-court-orders-item", pk=world["child"].pk, item=order.pk),
        {
            "version": order.version,
            "order_type": "care",
            "court": "Family Court at Hull",
            "made_on": order.made_on.isoformat(),
        },
        content_type="application/json",
    )
    assert response.status_code == expected


def test_writes_with_a_session_need_the_csrf_token(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world["users"][MANAGER])
    second_factor_pass(client, world["users"][MANAGER])
    url = api_url("notes-notes-list", pk=world["child"].pk)
    body = {"category": "housing", "text": "Forged"}
    assert client.post(url, body, content_type="application/json").status_code == 403
    assert not Note.objects.filter(text="Forged").exists()
    client.get(api_url("docs"), {"script": ""})  # the docs script carries the token
    token = client.cookies["csrftoken"].value
    response = client.post(url, body, content_type="application/json", HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 201


def test_options_describe_nothing(world):
    response = world["clients"][MANAGER].options(api_url("child-detail", pk=world["child"].pk))
    assert response.status_code == 405


def _api_route_names(resolver, prefix=""):
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            namespace = f"{pattern.namespace}:" if pattern.namespace else ""
            yield from _api_route_names(pattern, prefix + namespace)
        elif isinstance(pattern, URLPattern) and prefix.startswith("api:"):
            yield prefix + (pattern.name or f"<unnamed {pattern.pattern}>")


def test_every_api_route_is_in_the_matrix():
    assert set(_api_route_names(get_resolver())) == {f"api:{name}" for name, _, _ in CASES}
