"""Issue 11, "Bad input": each refusal is refused and logged, nothing changes, and no stack trace
shows. One test per item of the issue's list, each asserting all three.

The logs are the service's own: "virtualschool.signin" for sign-in (lockout.py, two_factor.py),
Django's "django.security.csrf" for a forged token, "staff" for staff changes, and the access
log (AccessLogEntry) for another child's id.
"""

from __future__ import annotations

import datetime
import logging

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from records.models import AccessLogEntry, Child
from tests.conftest import signed_in
from tests.factories import PASSWORD, ChildFactory, UserFactory
from tests.virtualschool.test_two_factor import code_for, password_step
from virtualschool.roles import Role

pytestmark = pytest.mark.django_db

START = datetime.datetime(2026, 3, 2, 9, 0, 10, tzinfo=datetime.UTC)
SIGN_IN = reverse("sign-in")
CODE_URL = reverse("sign-in-code")


def _no_stack_trace(response) -> None:
    html = response.content.decode()
    assert "Traceback" not in html and "django/core" not in html and "File &quot;" not in html


def _warnings(caplog, logger: str) -> list[str]:
    return [
        record.getMessage()
        for record in caplog.records
        if record.name == logger and record.levelno >= logging.WARNING
    ]


def _verified(client: Client) -> bool:
    return client.get(reverse("records:caseload")).status_code == 200


@pytest.fixture
def enrolled_person(db):
    user = UserFactory(username="refusee", role=Role.CASEWORKER)
    device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
    return user, device


def test_a_wrong_code_and_a_replayed_code_are_refused_and_logged(enrolled_person, caplog):
    user, device = enrolled_person
    caplog.set_level(logging.INFO)
    with time_machine.travel(START, tick=False):
        first = Client()
        password_step(first, user)
        right = code_for(device)
        wrong = f"{(int(right) + 1) % 10**6:06d}"
        refused = first.post(CODE_URL, {"code": wrong})
        assert refused.status_code == 200 and "govuk-error-summary" in refused.content.decode()
        _no_stack_trace(refused)
        assert not _verified(first)
        failures = _warnings(caplog, "virtualschool.signin")
        assert any("refusee" in message and CODE_URL in message for message in failures)

        assert first.post(CODE_URL, {"code": right}).status_code == 302
        caplog.clear()
        second = Client()
        password_step(second, user)
        replayed = second.post(CODE_URL, {"code": right})
        assert replayed.status_code == 200 and "govuk-error-summary" in replayed.content.decode()
        _no_stack_trace(replayed)
        assert not _verified(second)
        failures = _warnings(caplog, "virtualschool.signin")
        assert any("refusee" in message and CODE_URL in message for message in failures)


def test_signing_in_to_a_locked_account_is_refused_and_logged(enrolled_person, caplog):
    user, _ = enrolled_person
    caplog.set_level(logging.INFO)
    for _ in range(5):
        Client().post(SIGN_IN, {"username": user.username, "password": "not the password"})
    assert any("locked" in message for message in _warnings(caplog, "virtualschool.signin"))
    caplog.clear()
    before = get_user_model().objects.get(pk=user.pk).last_login

    client = Client()
    response = client.post(SIGN_IN, {"username": user.username, "password": PASSWORD})
    assert response.status_code == 429
    _no_stack_trace(response)
    # Not even the password step is passed: no session, no sign-in recorded.
    assert "_auth_user_id" not in client.session
    assert get_user_model().objects.get(pk=user.pk).last_login == before
    assert any("refusee" in message for message in _warnings(caplog, "virtualschool.signin"))


def test_a_forged_csrf_token_is_refused_and_logged(admin_user, caplog):
    client = signed_in(admin_user)
    client.handler.enforce_csrf_checks = True
    caplog.set_level(logging.INFO)
    users_before = get_user_model().objects.count()
    response = client.post(
        reverse("staff:add"),
        {
            "csrfmiddlewaretoken": "forged" * 8,
            "username": "forger",
            "first_name": "For",
            "last_name": "Ger",
            "email": "forger@example.org",
            "role": Role.MANAGER.value,
        },
    )
    assert response.status_code == 403
    assert "Sorry, that form could not be sent" in response.content.decode()
    _no_stack_trace(response)
    assert get_user_model().objects.count() == users_before
    assert not get_user_model().objects.filter(username="forger").exists()
    assert any(reverse("staff:add") in m for m in _warnings(caplog, "django.security.csrf"))


def test_another_childs_id_in_a_page_form_or_api_url_is_refused_and_logged(client_for, caseworker):
    theirs = ChildFactory(first_name="Other")
    client = client_for(caseworker)

    page = client.get(reverse("records:child-detail", kwargs={"pk": theirs.pk}))
    assert page.status_code == 404
    _no_stack_trace(page)
    edit = client.post(
        reverse("records:child-edit", kwargs={"pk": theirs.pk}),
        {"first_name": "Changed", "last_name": theirs.last_name},
    )
    assert edit.status_code == 404
    _no_stack_trace(edit)
    api = client.get(reverse("api:child-detail", kwargs={"pk": theirs.pk}))
    assert api.status_code == 404

    assert Child.objects.get(pk=theirs.pk).first_name == "Other"
    refusals = AccessLogEntry.objects.filter(
        child_id=theirs.pk, user=caseworker, outcome=AccessLogEntry.Outcome.DENIED
    )
    assert refusals.count() == 3


def test_an_admin_posting_a_change_to_their_own_role_is_refused_and_logged(admin_user, caplog):
    caplog.set_level(logging.INFO)
    client = signed_in(admin_user)
    response = client.post(
        reverse("staff:role", kwargs={"pk": admin_user.pk}), {"role": Role.MANAGER.value}
    )
    assert response.status_code in (200, 403)
    _no_stack_trace(response)
    admin_user.refresh_from_db()
    assert list(admin_user.groups.values_list("name", flat=True)) == [Role.ADMIN.value]
    assert any("own account" in message for message in _warnings(caplog, "staff"))
