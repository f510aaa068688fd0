"""A caseworker sees only allocated children; a refusal is a logged 404 (DESIGN.md, Access)."""

import re
import uuid

import pytest
from django.urls import reverse
from django.utils.html import escape

from records.models import AccessLogEntry
from tests.factories import ChildFactory

pytestmark = pytest.mark.django_db

CHILD_PAGES = ["records:child-detail", "records:child-history"]


@pytest.mark.parametrize("page", CHILD_PAGES)
def test_caseworker_sees_an_allocated_child(client_for, caseworker, child, allocate, page):
    allocate(child, caseworker)
    response = client_for(caseworker).get(reverse(page, kwargs={"pk": child.pk}))
    assert response.status_code == 200
    assert escape(child.last_name) in response.content.decode()


@pytest.mark.parametrize("page", CHILD_PAGES)
def test_caseworker_cannot_see_another_caseworkers_child(
    client_for, caseworker, other_caseworker, child, allocate, page
):
    # Names no page's own words contain (a generated surname can be "Page", as in "Page not
    # found"), so finding one can only mean the child leaked.
    child.first_name, child.last_name = "Zephyrine", "Quillwether"
    child.save()
    allocate(child, other_caseworker)
    response = client_for(caseworker).get(reverse(page, kwargs={"pk": child.pk}))
    assert response.status_code == 404
    assert child.last_name not in response.content.decode()
    assert child.first_name not in response.content.decode()


def test_a_forbidden_child_and_a_missing_child_look_the_same(
    client_for, caseworker, other_caseworker, child, allocate
):
    allocate(child, other_caseworker)
    client = client_for(caseworker)
    forbidden = client.get(reverse("records:child-detail", kwargs={"pk": child.pk}))
    missing = client.get(reverse("records:child-detail", kwargs={"pk": uuid.uuid4()}))
    assert forbidden.status_code == missing.status_code == 404
    assert _without_per_request_tokens(forbidden) == _without_per_request_tokens(missing)


def _without_per_request_tokens(response) -> str:
    html = response.content.decode()
    html = re.sub(r'nonce="[^"]*"', "", html)
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)


def test_a_refused_attempt_is_logged(client_for, caseworker, child):
    client_for(caseworker).get(reverse("records:child-detail", kwargs={"pk": child.pk}))
    entry = AccessLogEntry.objects.get()
    assert (entry.child_id, entry.user, entry.outcome, entry.page) == (
        child.pk,
        caseworker,
        AccessLogEntry.Outcome.DENIED,
        "child-detail",
    )


def test_every_view_of_a_child_is_logged(client_for, caseworker, child, allocate):
    allocate(child, caseworker)
    client = client_for(caseworker)
    url = reverse("records:child-detail", kwargs={"pk": child.pk})
    client.get(url)
    client.get(url)
    entries = AccessLogEntry.objects.filter(child_id=child.pk, user=caseworker)
    assert entries.count() == 2
    assert {entry.outcome for entry in entries} == {AccessLogEntry.Outcome.VIEWED}


def test_manager_sees_every_child(client_for, manager):
    children = ChildFactory.create_batch(3)
    client = client_for(manager)
    for child in children:
        assert (
            client.get(reverse("records:child-detail", kwargs={"pk": child.pk})).status_code == 200
        )


def test_admin_does_not_see_children(client_for, admin_user, child):
    response = client_for(admin_user).get(reverse("records:child-detail", kwargs={"pk": child.pk}))
    assert response.status_code == 404


def test_access_ends_with_the_allocation(client_for, manager, caseworker, child, allocate):
    from records import services

    allocation = allocate(child, caseworker)
    client = client_for(caseworker)
    url = reverse("records:child-detail", kwargs={"pk": child.pk})
    assert client.get(url).status_code == 200
    services.allocation_end(actor=manager, allocation=allocation)
    assert client.get(url).status_code == 404


def test_caseworker_cannot_reach_manager_pages(client_for, caseworker, child, allocate):
    allocate(child, caseworker)
    client = client_for(caseworker)
    assert client.get(reverse("records:child-add")).status_code == 404
    assert client.get(reverse("records:allocation-add", kwargs={"pk": child.pk})).status_code == 404
    denied = AccessLogEntry.objects.filter(outcome=AccessLogEntry.Outcome.DENIED)
    assert denied.filter(page="allocation-add", child_id=child.pk).exists()


def test_signed_out_users_are_sent_to_sign_in(client, child):
    response = client.get(reverse("records:child-detail", kwargs={"pk": child.pk}))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("sign-in"))
