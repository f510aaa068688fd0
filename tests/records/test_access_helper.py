"""records.access.child_for_request, called as the API and other apps call it: no page."""

from __future__ import annotations

import uuid

import pytest
from django.http import Http404
from django.test import RequestFactory

from records.access import child_for_request
from records.models import AccessLogEntry
from records.permissions import can_change_child

pytestmark = pytest.mark.django_db


def _request(user):
    request = RequestFactory().get("/")
    request.user = user
    return request


def _log():
    return list(AccessLogEntry.objects.values_list("child_id", "user__username", "outcome", "page"))


def test_an_allocated_child_is_returned_and_the_view_logged(caseworker, child, allocate):
    allocate(child, caseworker)
    assert child_for_request(_request(caseworker), child.pk, page="elsewhere") == child
    assert _log() == [(child.pk, caseworker.username, "viewed", "elsewhere")]


@pytest.mark.parametrize("missing", [False, True])
def test_another_caseworkers_child_and_a_missing_one_are_the_same_logged_404(
    caseworker, other_caseworker, child, allocate, missing
):
    allocate(child, other_caseworker)
    pk = uuid.uuid4() if missing else child.pk
    with pytest.raises(Http404) as refused:
        child_for_request(_request(caseworker), pk, page="elsewhere")
    assert str(refused.value) == "No child found"
    assert _log() == [(pk, caseworker.username, "denied", "elsewhere")]


def test_a_failed_requirement_is_a_logged_404(manager, caseworker, child, allocate):
    allocate(child, caseworker)
    with pytest.raises(Http404):
        child_for_request(
            _request(caseworker), child.pk, page="edit", require=lambda user, c: False
        )
    assert child_for_request(_request(manager), child.pk, page="edit", require=can_change_child)
    assert _log() == [
        (child.pk, manager.username, "viewed", "edit"),
        (child.pk, caseworker.username, "denied", "edit"),
    ]
