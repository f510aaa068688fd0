"""Every response that may carry personal data tells browsers and proxies to keep no copy
(issue 11, door 7): pages, CSVs, the API, error pages and the sign-in page. Static files keep
their caching."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client, override_settings
from django.urls import reverse

from records.models import ImportKind, ImportRun
from records.sections import TABS

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(child_rows, manager_client, manager, admin_user, client_for):
    """The child and its rows (conftest.child_rows), an import run, and the clients."""
    run = ImportRun.objects.create(
        kind=ImportKind.SCHOOLS, file_name="schools.csv", created_by=manager
    )
    return {
        **child_rows,
        "run": run,
        "manager": manager_client,
        "admin": client_for(admin_user),
    }


def _manager_urls(w) -> list[str]:
    pk = w["child"].pk
    urls = [
        reverse("home"),
        reverse("records:caseload"),
        reverse("records:caseload") + "?page=2",
        reverse("records:child-add"),
        reverse("records:child-detail", kwargs={"pk": pk}),
        reverse("records:child-edit", kwargs={"pk": pk}),
        reverse("records:child-history", kwargs={"pk": pk}),
        reverse("records:episode-add", kwargs={"pk": pk}),
        reverse("records:allocation-add", kwargs={"pk": pk}),
        reverse("records:attendance-record", kwargs={"pk": pk}),
        *[reverse("records:tab", kwargs={"pk": pk, "tab": tab.slug}) for tab in TABS],
        reverse(
            "records:section-add",
            kwargs={"pk": pk, "tab": "safeguarding", "section": "court-orders"},
        ),
        reverse(
            "records:section-edit",
            kwargs={"pk": pk, "tab": "notes", "section": "notes", "item": w["note"].pk},
        ),
        reverse("records:imports"),
        reverse("records:import-new"),
        reverse("records:import-detail", kwargs={"pk": w["run"].pk}),
        reverse("records:import-progress", kwargs={"pk": w["run"].pk}),
        reverse("records:import-rejections-csv", kwargs={"pk": w["run"].pk}),
        *[
            reverse(f"dashboards:{name}") + query
            for name in ("attendance", "exclusions", "attainment")
            for query in ("", "?download=csv")
        ],
        reverse("dashboards:attendance-children"),
        reverse("dashboards:attendance-children") + "?download=csv",
        reverse("dashboards:exclusions-children"),
        reverse("api:child-list"),
        reverse("api:child-detail", kwargs={"pk": pk}),
        reverse("api:school-list"),
        reverse("api:safeguarding-court-orders-list", kwargs={"pk": pk}),
        reverse(
            "api:safeguarding-court-orders-item", kwargs={"pk": pk, "item": w["court_order"].pk}
        ),
        reverse("api:schema"),
        reverse("api:docs"),
        # Error pages: a page and an API address that do not exist, a row that does not.
        "/no-such-page/",
        "/api/no-such-endpoint/",
        reverse("records:tab", kwargs={"pk": pk, "tab": "no-such-tab"}),
        reverse("api:child-list") + "?cursor=garbage",
    ]
    return urls


def _assert_no_store(response, url):
    cache_control = {part.strip() for part in response.get("Cache-Control", "").split(",")}
    assert {"no-store", "no-cache", "private"} <= cache_control, (url, response.status_code)
    assert response["Pragma"] == "no-cache", url


def test_every_kind_of_page_a_manager_sees_is_no_store(world):
    statuses = set()
    for url in _manager_urls(world):
        response = world["manager"].get(url)
        statuses.add(response.status_code)
        assert response.status_code < 500, url
        _assert_no_store(response, url)
    # The sample reaches pages, files and errors alike.
    assert {200, 404} <= statuses


def test_a_form_refused_and_a_saved_change_are_no_store(world):
    url = reverse("records:child-add")
    refused = world["manager"].post(url, {"first_name": ""})
    assert refused.status_code == 200
    _assert_no_store(refused, url)
    saved = world["manager"].post(
        reverse(
            "records:section-edit",
            kwargs={
                "pk": world["child"].pk,
                "tab": "notes",
                "section": "notes",
                "item": world["note"].pk,
            },
        ),
        {"category": "housing", "text": "Moved again", "expected_version": world["note"].version},
    )
    assert saved.status_code in (200, 302)
    _assert_no_store(saved, "section-edit POST")


def test_the_admins_pages_are_no_store(world):
    url = reverse("datamap:what-we-hold")
    response = world["admin"].get(url)
    assert response.status_code == 200
    _assert_no_store(response, url)


def test_signed_out_pages_and_refusals_are_no_store(client):
    for url in (reverse("sign-in"), reverse("records:caseload"), reverse("api:child-list")):
        response = client.get(url)
        assert response.status_code in (200, 302, 403), url
        _assert_no_store(response, url)


def test_a_bad_request_page_is_the_services_and_no_store(world):
    # More fields than Django reads in one form (DATA_UPLOAD_MAX_NUMBER_FIELDS): a 400.
    fields = {f"f{n}": "x" for n in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1)}
    response = world["manager"].post(reverse("records:child-add"), fields)
    assert response.status_code == 400
    assert "Sorry, the service could not read that request" in response.content.decode()
    _assert_no_store(response, "400")


@override_settings(WHITENOISE_USE_FINDERS=True, WHITENOISE_AUTOREFRESH=True)
def test_static_files_keep_their_caching():
    response = Client().get(settings.STATIC_URL + "css/application.css")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")
    assert "Pragma" not in response


def test_a_form_without_its_csrf_token_gets_the_services_page():
    response = Client(enforce_csrf_checks=True).post(
        reverse("sign-in"), {"username": "someone", "password": "secret"}
    )
    assert response.status_code == 403
    body = response.content.decode()
    assert "Sorry, that form could not be sent" in body
    assert "CSRF verification failed" not in body
    _assert_no_store(response, "403 csrf")
