"""Two-factor sign-in through the test client: the password, then setting up an authenticator
app or entering its code, with codes computed from the device's own secret by django-otp's
TOTP class (RFC 6238), as an authenticator app computes them."""

from __future__ import annotations

import base64
import datetime
import re

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import PASSWORD, UserFactory
from tests.virtualschool.test_url_matrix import CASES, world  # noqa: F401 - the fixture
from virtualschool import two_factor
from virtualschool.roles import Role

pytestmark = pytest.mark.django_db

START = datetime.datetime(2026, 3, 2, 9, 0, 10, tzinfo=datetime.UTC)
STEP = datetime.timedelta(seconds=30)
CODE_URL = reverse("sign-in-code")


def code_for(device: TOTPDevice, *, steps: int = 0) -> str:
    """The code the device's app shows now, or `steps` time steps from now."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits)
    totp.time = totp.time + steps * device.step
    return f"{totp.token():06d}"


def password_step(client: Client, user) -> None:
    response = client.post(reverse("sign-in"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == CODE_URL


def enrolled(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)


def is_verified(client: Client) -> bool:
    return client.get(reverse("home")).status_code == 200


def test_first_sign_in_sets_up_an_app_then_every_sign_in_asks_for_its_code():
    user = UserFactory(username="newcomer", role=Role.CASEWORKER)
    client = Client()
    with time_machine.travel(START, tick=False) as clock:
        password_step(client, user)
        assert client.get(reverse("home"))["Location"] == f"{CODE_URL}?next=%2F"
        assert client.get(CODE_URL)["Location"] == reverse("sign-in-set-up")

        page = client.get(reverse("sign-in-set-up"))
        assert page.status_code == 200
        html = page.content.decode()
        device = TOTPDevice.objects.get(user=user)
        assert not device.confirmed
        secret = base64.b32encode(device.bin_key).decode().rstrip("=")
        shown = re.search(r'<code id="totp-secret">([A-Z2-7 ]+)</code>', html).group(1)
        assert shown.replace(" ", "") == secret
        assert "<svg" in html and "QR code for your app" in html
        assert 'inputmode="numeric"' in html and 'autocomplete="one-time-code"' in html
        assert '<button type="submit"' in html
        # Reloading keeps the secret the person may already have scanned.
        client.get(reverse("sign-in-set-up"))
        assert TOTPDevice.objects.get(user=user).key == device.key

        confirmed = client.post(reverse("sign-in-set-up"), {"code": code_for(device)})
        assert confirmed["Location"] == reverse("sign-in-backup-codes")
        codes_page = client.get(reverse("sign-in-backup-codes")).content.decode()
        shown_codes = re.findall(r"<li><code>(\d{8})</code></li>", codes_page)
        stored = StaticToken.objects.filter(device__user=user).values_list("token", flat=True)
        assert len(shown_codes) == 10 and sorted(shown_codes) == sorted(stored)
        # Shown once.
        assert client.get(reverse("sign-in-backup-codes")).status_code == 302
        assert is_verified(client)
        assert TOTPDevice.objects.get(user=user).confirmed

        client.post(reverse("sign-out"))
        clock.shift(STEP)
        password_step(client, user)
        assert client.get(CODE_URL).status_code == 200  # no set-up this time
        assert not is_verified(client)
        response = client.post(CODE_URL, {"code": code_for(device)})
        assert response["Location"] == reverse("home")
        assert is_verified(client)


def test_the_code_step_returns_to_the_page_asked_for():
    user = UserFactory(username="back", role=Role.CASEWORKER)
    device = enrolled(user)
    client = Client()
    caseload = reverse("records:caseload")
    response = client.post(
        f"{reverse('sign-in')}?next={caseload}",
        {"username": user.username, "password": PASSWORD, "next": caseload},
    )
    assert response["Location"] == f"{CODE_URL}?next=%2Fchildren%2F"
    done = client.post(response["Location"], {"code": code_for(device), "next": caseload})
    assert done["Location"] == caseload
    # Never to another site.
    client.post(reverse("sign-out"))
    password_step(client, user)
    with time_machine.travel(datetime.datetime.now(tz=datetime.UTC) + STEP):
        away = client.post(CODE_URL, {"code": code_for(device), "next": "https://evil.example/"})
    assert away["Location"] == reverse("home")


def _refused(response, message: str) -> None:
    html = response.content.decode()
    assert response.status_code == 200
    assert "govuk-error-summary" in html and message in html
    assert 'href="#id_code"' in html
    assert "<title>Error: " in html


def test_wrong_expired_replayed_and_malformed_codes_are_refused():
    user = UserFactory(username="careful", role=Role.CASEWORKER)
    device = enrolled(user)
    client = Client()
    with time_machine.travel(START, tick=False) as clock:
        password_step(client, user)
        right = code_for(device)
        wrong = f"{(int(right) + 1) % 10**6:06d}"
        _refused(client.post(CODE_URL, {"code": wrong}), two_factor.WRONG_CODE_MESSAGE)
        # Two steps old: beyond the one step of drift allowed.
        expired = code_for(device, steps=-2)
        _refused(client.post(CODE_URL, {"code": expired}), two_factor.WRONG_CODE_MESSAGE)
        _refused(client.post(CODE_URL, {"code": "12ab56"}), two_factor.CODE_FORMAT_MESSAGE)
        empty = client.post(CODE_URL, {"code": ""})
        _refused(empty, "Enter the code from your authenticator app")
        assert not is_verified(client)

        assert client.post(CODE_URL, {"code": f"{right[:3]} {right[3:]}"}).status_code == 302
        assert is_verified(client)

        # The same code again, within its 30 seconds, in another sign-in: a replay.
        other = Client()
        password_step(other, user)
        _refused(other.post(CODE_URL, {"code": right}), two_factor.REPLAYED_CODE_MESSAGE)
        # So is the code of the step before, already behind the one accepted.
        previous = code_for(device, steps=-1)
        _refused(other.post(CODE_URL, {"code": previous}), two_factor.REPLAYED_CODE_MESSAGE)
        assert not is_verified(other)
        clock.shift(STEP)
        assert other.post(CODE_URL, {"code": code_for(device)}).status_code == 302
        assert is_verified(other)


def test_a_wrong_code_at_set_up_is_refused_and_the_app_stays_unconfirmed():
    user = UserFactory(username="typo", role=Role.CASEWORKER)
    client = Client()
    password_step(client, user)
    client.get(reverse("sign-in-set-up"))
    device = TOTPDevice.objects.get(user=user)
    wrong = f"{(int(code_for(device)) + 1) % 10**6:06d}"
    response = client.post(reverse("sign-in-set-up"), {"code": wrong})
    _refused(response, two_factor.WRONG_CODE_MESSAGE)
    assert not TOTPDevice.objects.get(user=user).confirmed
    assert not StaticToken.objects.filter(device__user=user).exists()
    assert not is_verified(client)


def test_backup_codes_work_once_each():
    user = UserFactory(username="phoneless", role=Role.CASEWORKER)
    enrolled(user)
    codes = two_factor.backup_codes_issue(user=user)
    assert len(codes) == 10 and len(set(codes)) == 10
    client = Client()
    password_step(client, user)
    spaced = f"{codes[0][:4]} {codes[0][4:]}"
    assert client.post(CODE_URL, {"code": spaced})["Location"] == reverse("home")
    assert is_verified(client)
    assert StaticToken.objects.filter(device__user=user).count() == 9

    again = Client()
    password_step(again, user)
    _refused(again.post(CODE_URL, {"code": codes[0]}), two_factor.WRONG_BACKUP_CODE_MESSAGE)
    assert not is_verified(again)
    assert again.post(CODE_URL, {"code": codes[1]}).status_code == 302
    # Another user's backup code is no use either.
    stranger = UserFactory(username="stranger", role=Role.CASEWORKER)
    enrolled(stranger)
    intruder = Client()
    password_step(intruder, stranger)
    _refused(intruder.post(CODE_URL, {"code": codes[2]}), two_factor.WRONG_BACKUP_CODE_MESSAGE)


# What a session that has passed the password but not the code gets from each page.
UNVERIFIED_EXEMPT = {
    "healthz": 200,
    # The privacy notice is public: no sign-in, so no second factor either.
    "privacy:notice": 200,
    # The footer's other public pages, and the favicon (a redirect to the static file).
    "accessibility": 200,
    "help": 200,
    "favicon": 302,
    "sign-in": 302,  # on to the code step
    "sign-in-code": 200,
    "sign-in-set-up": 302,  # already set up: on to the code step
    "sign-out": 405,  # POST only
    # The set-password link is for someone not signed in (its token is the credential).
    "set-password": 200,
    "set-password-done": 200,
    # The recipients' API, as the records API: a session without its code is no one (403).
    "sharing-api:agreements": 403,
    "sharing-api:dataset-csv": 403,
    "sharing-api:dataset-jsonl": 403,
}


def test_before_the_code_every_page_sends_the_person_to_the_code_step(world):  # noqa: F811
    manager = UserFactory(username="half_manager", role=Role.MANAGER)
    admin = UserFactory(username="half_admin", role=Role.ADMIN)
    clients = []
    for user in (manager, admin):
        enrolled(user)
        client = Client()
        password_step(client, user)
        clients.append(client)
    for name, kwargs, _ in CASES:
        url = reverse(name, kwargs=kwargs(world) if kwargs else None)
        for client in clients:
            response = client.get(url)
            if name in UNVERIFIED_EXEMPT:
                assert response.status_code == UNVERIFIED_EXEMPT[name], url
                if response.status_code == 302:
                    # The favicon goes on to the static file; every other one to the code.
                    target = "/static/" if name == "favicon" else CODE_URL
                    assert response["Location"].startswith(target), url
            else:
                assert response.status_code == 302, url
                assert response["Location"].startswith(f"{CODE_URL}?next="), url


def test_before_the_code_the_staff_pages_and_the_api_refuse():
    admin = UserFactory(username="half_admin", role=Role.ADMIN)
    manager = UserFactory(username="half_manager", role=Role.MANAGER)
    for user in (admin, manager):
        enrolled(user)
    admin_client, manager_client = Client(), Client()
    password_step(admin_client, admin)
    password_step(manager_client, manager)
    for name in ("staff:list", "staff:add"):
        response = admin_client.get(reverse(name))
        assert response.status_code == 302, name
        assert response["Location"].startswith(CODE_URL), name
    # Django's admin site is not mounted at all (tests/staff/test_escalation.py).
    assert admin_client.get("/admin/").status_code == 404
    for name in ("api:child-list", "api:schema", "api:docs"):
        assert manager_client.get(reverse(name)).status_code == 403, name
    sign_out = manager_client.post(reverse("sign-out"))
    assert sign_out["Location"] == reverse("sign-in")
    assert manager_client.get(CODE_URL)["Location"].startswith(reverse("sign-in"))


def test_a_session_stops_being_verified_when_its_device_goes():
    user = UserFactory(username="reset_me", role=Role.CASEWORKER)
    device = enrolled(user)
    client = Client()
    password_step(client, user)
    client.post(CODE_URL, {"code": code_for(device)})
    assert is_verified(client)
    # As an Admin's reset of the app would: the session is sent back to the second step.
    device.delete()
    response = client.get(reverse("home"))
    assert response["Location"].startswith(CODE_URL)
    assert client.get(CODE_URL)["Location"] == reverse("sign-in-set-up")
