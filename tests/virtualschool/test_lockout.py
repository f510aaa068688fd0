"""Lockout: 5 wrong passwords or codes for one user, or 20 from one address, within 15
minutes lock sign-in for 15 minutes, on the service's sign-in page."""

from __future__ import annotations

import datetime
import logging

import pytest
import time_machine
from axes.models import AccessAttempt, AccessFailureLog
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import PASSWORD, UserFactory
from tests.virtualschool.test_two_factor import code_for
from virtualschool import two_factor
from virtualschool.errors import DomainError
from virtualschool.lockout import locked_message, user_unlock
from virtualschool.roles import Role

pytestmark = pytest.mark.django_db

START = datetime.datetime(2026, 3, 2, 9, 0, 10, tzinfo=datetime.UTC)
SIGN_IN = reverse("sign-in")
CODE_URL = reverse("sign-in-code")
# Addresses for the test client's REMOTE_ADDR: loopback only.
ADDRESS = "127.0.0.1"
OTHER_ADDRESS = "127.0.0.9"


@pytest.fixture
def person(db):
    user = UserFactory(username="locksmith", role=Role.CASEWORKER)
    TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
    return user


def attempt(user_or_name, password: str, address: str = ADDRESS):
    username = getattr(user_or_name, "username", user_or_name)
    client = Client(REMOTE_ADDR=address)
    return client, client.post(SIGN_IN, {"username": username, "password": password})


def assert_locked(response) -> None:
    html = response.content.decode()
    assert response.status_code == 429
    assert "govuk-error-summary" in html
    assert locked_message() in html
    assert "<title>Error: " in html


def assert_signs_in(user, address: str = ADDRESS) -> None:
    client, response = attempt(user, PASSWORD, address)
    assert response.status_code == 302, response.content.decode()
    assert response["Location"] == CODE_URL


def test_five_wrong_passwords_lock_the_user_then_the_cool_off_ends(person, caplog):
    caplog.set_level(logging.WARNING, logger="virtualschool.signin")
    with time_machine.travel(START, tick=False) as clock:
        for _ in range(4):
            _, response = attempt(person, "wrong password")
            assert response.status_code == 200
            assert "Enter a correct username and password" in response.content.decode()
        assert_signs_in(person)  # four failures do not lock
        _, fifth = attempt(person, "wrong password")
        assert_locked(fifth)
        client, right = attempt(person, PASSWORD)
        assert_locked(right)
        assert client.get(reverse("home"))["Location"].startswith(SIGN_IN)
        # From another address too: the username is locked.
        _, elsewhere = attempt(person, PASSWORD, OTHER_ADDRESS)
        assert_locked(elsewhere)
        # axes's records and the service's log say what happened.
        assert AccessFailureLog.objects.filter(username=person.username).count() == 5
        assert AccessFailureLog.objects.filter(username=person.username, locked_out=True).exists()
        messages = [record.getMessage() for record in caplog.records]
        assert sum("Sign-in failure for username 'locksmith'" in m for m in messages) >= 5
        assert any("Sign-in locked for 15 minutes: username 'locksmith'" in m for m in messages)

        clock.shift(datetime.timedelta(minutes=14))
        assert_locked(attempt(person, PASSWORD)[1])
        clock.shift(datetime.timedelta(minutes=1, seconds=1))
        assert_signs_in(person)


def test_failures_spread_over_more_than_fifteen_minutes_do_not_lock(person):
    with time_machine.travel(START, tick=False) as clock:
        for _ in range(4):
            attempt(person, "wrong password")
        clock.shift(datetime.timedelta(minutes=16))
        for _ in range(4):
            attempt(person, "wrong password")
        assert_signs_in(person)


def test_twenty_failures_from_one_address_lock_that_address(person):
    with time_machine.travel(START, tick=False):
        # Four tries at each of five names: no name reaches its own limit.
        for index in range(19):
            _, response = attempt(f"guess{index % 5}", "wrong password")
            assert response.status_code == 200
        assert_signs_in(person)
        _, twentieth = attempt("guess4", "wrong password")
        assert_locked(twentieth)
        assert_locked(attempt(person, PASSWORD)[1])
        # The person is not locked: from another address they sign in.
        assert_signs_in(person, OTHER_ADDRESS)


def test_wrong_codes_count_as_failures_and_lock_the_user(person):
    with time_machine.travel(START, tick=False):
        client, response = attempt(person, PASSWORD)
        assert response["Location"] == CODE_URL
        wrong = f"{(int(code_for(person.totpdevice_set.get())) + 1) % 10**6:06d}"
        # A mistyped code (not digits, wrong length) is not a guess and is not counted.
        for typo in ("12ab56", "1234"):
            assert client.post(CODE_URL, {"code": typo}).status_code == 200
        for _ in range(4):
            refused = client.post(CODE_URL, {"code": wrong})
            assert two_factor.WRONG_CODE_MESSAGE in refused.content.decode()
        assert_locked(client.post(CODE_URL, {"code": wrong}))
        # The half-signed-in session has ended, and the password no longer signs in.
        assert client.get(reverse("home"))["Location"].startswith(SIGN_IN)
        assert_locked(attempt(person, PASSWORD)[1])
        attempts = AccessAttempt.objects.filter(username=person.username)
        assert sum(a.failures_since_start for a in attempts) == 5
        assert AccessFailureLog.objects.filter(path_info=CODE_URL).count() == 5


def test_wrong_passwords_and_wrong_codes_add_up(person):
    with time_machine.travel(START, tick=False):
        for _ in range(3):
            attempt(person, "wrong password")
        client, _ = attempt(person, PASSWORD)
        wrong = f"{(int(code_for(person.totpdevice_set.get())) + 1) % 10**6:06d}"
        assert client.post(CODE_URL, {"code": wrong}).status_code == 200
        assert_locked(client.post(CODE_URL, {"code": wrong}))


def test_a_locked_user_with_a_password_session_cannot_reach_the_code_step(person):
    with time_machine.travel(START, tick=False):
        client, _ = attempt(person, PASSWORD)
        for _ in range(5):
            attempt(person, "wrong password")
        assert_locked(client.get(CODE_URL))
        assert client.get(reverse("home"))["Location"].startswith(SIGN_IN)


def test_there_is_no_admin_sign_in_to_lock(db):
    """/admin/login/ was a second password door (issue 11, door 5); Django's admin site is
    no longer mounted (issue 11, door 1), so there is no sign-in there to guess at."""
    admin = UserFactory(username="siteadmin", role=Role.ADMIN)
    for _ in range(2):
        response = Client().post("/admin/login/", {"username": admin.username, "password": "x"})
        assert response.status_code == 404
    assert Client().get("/admin/login/").status_code == 404
    assert_signs_in(admin)


def test_an_admin_unlocks_a_locked_user(person):
    admin = UserFactory(username="unlocker", role=Role.ADMIN)
    manager = UserFactory(username="notadmin", role=Role.MANAGER)
    with time_machine.travel(START, tick=False):
        for _ in range(5):
            attempt(person, "wrong password")
        assert_locked(attempt(person, PASSWORD)[1])

        with pytest.raises(DomainError, match="Only an administrator"):
            user_unlock(actor=manager, user=person)
        with pytest.raises(DomainError, match="another administrator"):
            user_unlock(actor=admin, user=admin)
        assert_locked(attempt(person, PASSWORD)[1])

        assert user_unlock(actor=admin, user=person) >= 1
        assert_signs_in(person)
        # The history of the failures is kept.
        assert AccessFailureLog.objects.filter(username=person.username).count() == 5
