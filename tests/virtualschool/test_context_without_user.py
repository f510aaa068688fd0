"""The error pages render for a request that never reached AuthenticationMiddleware (refused
before it, or built by RequestFactory): the context processors read no `request.user` that
is not there, and such a page shows no navigation and no one signed in."""

from __future__ import annotations

import pytest
from django.http import Http404
from django.test import RequestFactory

from virtualschool import views
from virtualschool.context_processors import service


@pytest.fixture
def bare_request():
    request = RequestFactory().get("/no-such-page/")
    assert not hasattr(request, "user")
    return request


def test_the_context_processor_gives_no_navigation_without_a_user(bare_request):
    context = service(bare_request)

    assert context["navigation"] == []
    assert context["service_name"]


def test_the_404_page_renders_for_a_request_without_a_user(bare_request):
    response = views.page_not_found(bare_request, Http404("No page"))

    html = response.content.decode()
    assert response.status_code == 404
    assert "Page not found" in html
    assert "Signed in as" not in html
    assert "Sign out" not in html


def test_the_500_handler_renders_for_a_request_without_a_user(bare_request):
    response = views.server_error(bare_request)

    html = response.content.decode()
    assert response.status_code == 500
    assert "Sorry, there is a problem with the service" in html
    assert "Signed in as" not in html


def test_the_api_handlers_answer_json_without_a_user():
    request = RequestFactory().get("/api/v1/nowhere/")

    assert views.page_not_found(request, Http404()).status_code == 404
    assert views.server_error(request).status_code == 500
