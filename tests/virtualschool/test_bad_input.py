"""Malformed input is answered 400 or 404 with the service's own page, never a 500 (issue 11,
door 7): bad row ids, cursors, query parameters, dates outside 1900-2100 and over-deep JSON.

Every request is made as a manager (who reaches everything a malformed input can reach) with
DEBUG off, as in production; the client records a 500 instead of raising the exception.
"""

from __future__ import annotations

import base64
import json

import pytest
from django.urls import reverse

from records.models import Child, CourtOrder, LegalStatusEpisode

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(child_rows, manager_client):
    """The child and its rows (conftest.child_rows), and the manager's client."""
    return {**child_rows, "client": manager_client}


def _cursor(query: str) -> str:
    return base64.b64encode(query.encode()).decode()


def _page(pk, *parts: str) -> str:
    return "/children/" + "/".join([str(pk), *parts]) + "/"


BAD_ITEMS = ["abc", "99999999999999999999999", "-1", "1.5", "x" * 1000, "%00", "1%00"]

# (id, method, URL from the world, body or None). Pages answer HTML, /api/ answers JSON.
PAGE_CASES = [
    *[
        (
            f"section-edit-item-{n}",
            "get",
            lambda w, i=item: _page(w["child"].pk, "safeguarding", "court-orders", i),
            None,
        )
        for n, item in enumerate(BAD_ITEMS)
    ],
    *[
        (
            f"notes-edit-item-{n}",
            "post",
            lambda w, i=item: _page(w["child"].pk, "notes", "notes", i),
            {},
        )
        for n, item in enumerate(BAD_ITEMS)
    ],
    # A one-per-child row is keyed by the child's id (a UUID).
    (
        "characteristics-edit-not-a-uuid",
        "get",
        lambda w: _page(w["child"].pk, "characteristics", "characteristics", "abc"),
        None,
    ),
    ("unknown-tab", "get", lambda w: _page(w["child"].pk, "no-such-tab"), None),
    ("unknown-section", "get", lambda w: _page(w["child"].pk, "safeguarding", "nope", "add"), None),
    ("child-not-a-uuid", "get", lambda w: "/children/not-a-uuid/", None),
    ("import-not-a-uuid", "get", lambda w: "/children/imports/123/", None),
    ("caseload-page-abc", "get", lambda w: "/children/?page=abc", None),
    ("caseload-page-huge", "get", lambda w: "/children/?page=99999999999999999999", None),
    ("history-page-abc", "get", lambda w: _page(w["child"].pk, "history") + "?page=-1", None),
    ("imports-page-abc", "get", lambda w: "/children/imports/?page=1.5", None),
    *[
        (f"dashboard-{name}-{n}", "get", lambda w, u=f"/dashboards/{name}/?{q}": u, None)
        for name in ("attendance", "exclusions", "attainment")
        for n, q in enumerate(
            [
                "year=abc",
                "year=99999999999999999999",
                "year=1",
                "year=-5",
                "period=nope",
                "school=abc",
                "caseworker=abc",
                "by=nope",
                "download=nope",
                "download=csv&year=abc",
                "period=dates&date_from_0=1&date_from_1=1&date_from_2=0001"
                "&date_to_0=31&date_to_1=12&date_to_2=0001",
                "period=dates&date_from_0=1&date_from_1=1&date_from_2=9999"
                "&date_to_0=31&date_to_1=12&date_to_2=9999",
                "period=dates&date_from_0=99999999999999999999&date_from_1=1&date_from_2=2024",
            ]
        )
    ],
    *[
        (f"drilldown-{name}-{n}", "get", lambda w, u=f"/dashboards/{name}/children/?{q}": u, None)
        for name in ("attendance", "exclusions", "attainment")
        for n, q in enumerate(
            [
                "band=abc",
                "band=99999999999999999999",
                "show=nope",
                "reason=%00",
                "exclusion_school=abc",
                "exclusion_school=99999999999999999999",
                "figure=nope",
                "figure=nope&met=abc",
                "year=abc&download=csv",
                "period=dates&date_from_0=1&date_from_1=1&date_from_2=0001"
                "&date_to_0=2&date_to_1=1&date_to_2=0001",
            ]
        )
    ],
]

# Dates outside 1900-2100 entered in a form: refused on the form (a 200 with the error
# summary), nothing saved.
FORM_DATE_CASES = [
    (
        "child-add",
        lambda w: reverse("records:child-add"),
        lambda year: {
            "first_name": "Ada",
            "last_name": "Lovelace",
            "date_of_birth_0": "10",
            "date_of_birth_1": "12",
            "date_of_birth_2": year,
        },
    ),
    (
        "court-order-add",
        lambda w: _page(w["child"].pk, "safeguarding", "court-orders", "add"),
        lambda year: {
            "order_type": "care",
            "court": "Leeds",
            "made_on_0": "1",
            "made_on_1": "1",
            "made_on_2": year,
        },
    ),
    (
        "episode-add",
        lambda w: reverse("records:episode-add", kwargs={"pk": w["child"].pk}),
        lambda year: {
            "cohort": "CIN",
            "start_date_0": "1",
            "start_date_1": "1",
            "start_date_2": year,
        },
    ),
]

DEEP = 5000
API_CASES = [
    *[
        (
            f"api-item-{n}",
            "get",
            lambda w, i=item: f"/api/children/{w['child'].pk}/safeguarding/court-orders/{i}/",
            None,
        )
        for n, item in enumerate(BAD_ITEMS)
    ],
    (
        "api-characteristics-not-a-uuid",
        "get",
        lambda w: f"/api/children/{w['child'].pk}/characteristics/characteristics/abc/",
        None,
    ),
    ("api-schools-urn-abc", "get", lambda w: "/api/schools/?urn=abc", None),
    ("api-schools-urn-superscript", "get", lambda w: "/api/schools/?urn=%C2%B2", None),
    ("api-unknown-query-parameter", "get", lambda w: "/api/children/?page=2", None),
    ("api-cursor-empty", "get", lambda w: "/api/children/?cursor=", None),
    ("api-cursor-percent", "get", lambda w: "/api/children/?cursor=%25%25%25", None),
    ("api-cursor-not-base64", "get", lambda w: "/api/children/?cursor=!!!!", None),
    ("api-cursor-random", "get", lambda w: "/api/children/?cursor=" + _cursor("\x8f\x00zz"), None),
    (
        "api-cursor-bad-position",
        "get",
        lambda w: "/api/children/?cursor=" + _cursor("p=garbage"),
        None,
    ),
    (
        "api-cursor-nul-position",
        "get",
        lambda w: "/api/children/?cursor=" + _cursor("p=2024%00"),
        None,
    ),
    (
        "api-cursor-huge-offset",
        "get",
        lambda w: "/api/children/?cursor=" + _cursor("o=99999999999999999999&p=2024-01-01"),
        None,
    ),
    (
        "api-cursor-year-one",
        "get",
        lambda w: "/api/children/?cursor=" + _cursor("p=0001-01-01T00:00:00"),
        None,
    ),
    ("api-schools-cursor-bad", "get", lambda w: "/api/schools/?cursor=" + _cursor("p=abc"), None),
    (
        "api-schools-cursor-huge",
        "get",
        lambda w: "/api/schools/?cursor=" + _cursor("p=99999999999999999999"),
        None,
    ),
    (
        "api-deep-list",
        "post",
        lambda w: f"/api/children/{w['child'].pk}/safeguarding/court-orders/",
        "[" * DEEP + "]" * DEEP,
    ),
    (
        "api-deep-object",
        "post",
        lambda w: f"/api/children/{w['child'].pk}/notes/notes/",
        '{"a":' * DEEP + "1" + "}" * DEEP,
    ),
    (
        "api-deep-put",
        "put",
        lambda w: f"/api/children/{w['child'].pk}/safeguarding/court-orders/{w['court_order'].pk}/",
        '{"court":' + "[" * DEEP + "]" * DEEP + "}",
    ),
    *[
        (
            f"api-date-{year}",
            "post",
            lambda w: f"/api/children/{w['child'].pk}/safeguarding/court-orders/",
            json.dumps({"order_type": "care", "court": "Leeds", "made_on": f"{year}-01-01"}),
        )
        for year in ("0001", "1899", "2101", "9999")
    ],
]


def _is_service_page(response) -> None:
    body = response.content.decode()
    assert response["Content-Type"].startswith("text/html"), response["Content-Type"]
    assert 'class="govuk-template' in body
    assert '<h1 class="govuk-heading-l">' in body
    assert "Traceback" not in body
    assert "Server Error (500)" not in body


def _request(client, method, url, body):
    if method == "get":
        return client.get(url)
    if isinstance(body, str):
        return getattr(client, method)(url, body, content_type="application/json")
    return getattr(client, method)(url, body or {})


@pytest.mark.parametrize(
    ("name", "method", "url", "body"), PAGE_CASES, ids=[c[0] for c in PAGE_CASES]
)
def test_malformed_page_input_is_answered_with_the_service_page(world, name, method, url, body):
    response = _request(world["client"], method, url(world), body)
    # 200: a page number out of range shows the nearest page, bad filters the dashboard with
    # its error summary.
    assert response.status_code in (200, 400, 404), response.status_code
    _is_service_page(response)
    if response.status_code != 200:
        assert world["child"].last_name not in response.content.decode()


@pytest.mark.parametrize(
    ("name", "method", "url", "body"), API_CASES, ids=[c[0] for c in API_CASES]
)
def test_malformed_api_input_is_answered_400_or_404_in_json(world, name, method, url, body):
    before = CourtOrder.objects.count()
    response = _request(world["client"], method, url(world), body)
    assert response.status_code in (400, 404), (response.status_code, response.content[:300])
    assert response["Content-Type"] == "application/json"
    assert response.json()
    assert CourtOrder.objects.count() == before


@pytest.mark.parametrize("year", ["0001", "1899", "2101", "9999"])
@pytest.mark.parametrize(
    ("name", "url", "data"), FORM_DATE_CASES, ids=[c[0] for c in FORM_DATE_CASES]
)
def test_a_date_outside_1900_to_2100_is_refused_on_the_form(world, name, url, data, year):
    counts = [model.objects.count() for model in (Child, CourtOrder, LegalStatusEpisode)]
    response = world["client"].post(url(world), data(year))
    assert response.status_code == 200, response.status_code
    body = response.content.decode()
    assert "govuk-error-summary" in body
    assert "must be between 1900 and 2100" in body
    assert [model.objects.count() for model in (Child, CourtOrder, LegalStatusEpisode)] == counts


@pytest.mark.parametrize("year", ["0001", "1899", "2101", "9999"])
def test_a_date_outside_1900_to_2100_is_refused_by_the_api_naming_the_field(world, year):
    response = world["client"].post(
        f"/api/children/{world['child'].pk}/safeguarding/court-orders/",
        {"order_type": "care", "court": "Leeds", "made_on": f"{year}-01-01"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["made_on"] == ["Made on must be between 1900 and 2100"]


@pytest.mark.parametrize("year", ["1900", "2100"])
def test_the_first_and_last_years_are_accepted(world, manager, year):
    dashboard = world["client"].get(
        "/dashboards/attendance/?period=dates"
        f"&date_from_0=1&date_from_1=1&date_from_2={year}"
        f"&date_to_0=2&date_to_1=1&date_to_2={year}"
    )
    assert dashboard.status_code == 200
    assert "must be between" not in dashboard.content.decode()


def test_over_deep_json_is_refused_saying_so(world):
    response = world["client"].post(
        f"/api/children/{world['child'].pk}/safeguarding/court-orders/",
        "[" * DEEP + "]" * DEEP,
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["detail"].startswith("JSON is nested too deeply")


def test_brackets_inside_strings_do_not_count_and_twenty_levels_are_read(world):
    from virtualschool.parsers import MAX_DEPTH, nesting_depth_exceeds

    assert not nesting_depth_exceeds(json.dumps({"court": "[" * 100 + '\\"{'}), MAX_DEPTH)
    assert not nesting_depth_exceeds("[" * MAX_DEPTH + "]" * MAX_DEPTH, MAX_DEPTH)
    assert nesting_depth_exceeds("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1), MAX_DEPTH)
    # A body with brackets in its text is read and saved as any other.
    response = world["client"].post(
        f"/api/children/{world['child'].pk}/safeguarding/court-orders/",
        {"order_type": "care", "court": "[[[{{{ Leeds", "made_on": "2024-02-01"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert CourtOrder.objects.filter(court="[[[{{{ Leeds").exists()


def test_an_api_body_larger_than_the_limit_is_refused(world, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = json.dumps({"order_type": "care", "court": "x" * 1000, "made_on": "2024-02-01"})
    response = world["client"].post(
        f"/api/children/{world['child'].pk}/safeguarding/court-orders/",
        body,
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json() == {"detail": "The request body is too large"}
    assert not CourtOrder.objects.filter(court="x" * 1000).exists()


def test_an_api_address_that_matches_no_route_is_a_json_404(world):
    response = world["client"].get("/api/no-such-endpoint/")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


@pytest.mark.parametrize("year", ["0001", "9999"])
def test_a_dashboard_date_range_outside_1900_to_2100_is_refused_on_the_page(world, year):
    response = world["client"].get(
        "/dashboards/attendance/?period=dates"
        f"&date_from_0=1&date_from_1=1&date_from_2={year}"
        f"&date_to_0=2&date_to_1=1&date_to_2={year}"
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "govuk-error-summary" in body
    assert "From date must be between 1900 and 2100" in body
