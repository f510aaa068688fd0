from __future__ import annotations

import secrets

import pytest
from django.contrib.auth.models import Group
from django.test import Client, RequestFactory
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from records import services
from tests.factories import PASSWORD, ChildFactory, UserFactory
from virtualschool.roles import Role
from virtualschool.services import roles_sync


@pytest.fixture(autouse=True)
def _role_groups(request):
    """A transactional test ends by emptying every table, the role groups made by migration
    included; before each database test, put them back if an earlier test emptied them."""
    marker = request.node.get_closest_marker("django_db")
    fixtures = set(request.fixturenames)
    if marker is None and not fixtures & {"db", "transactional_db"}:
        return
    transactional = (marker is not None and marker.kwargs.get("transaction")) or (
        "transactional_db" in fixtures
    )
    request.getfixturevalue("transactional_db" if transactional else "db")
    if Group.objects.filter(name__in=[role.value for role in Role]).count() < len(Role):
        roles_sync()


@pytest.fixture
def caseworker(db):
    return UserFactory(username="caseworker_a", role=Role.CASEWORKER)


@pytest.fixture
def other_caseworker(db):
    return UserFactory(username="caseworker_b", role=Role.CASEWORKER)


@pytest.fixture
def manager(db):
    return UserFactory(username="manager_m", role=Role.MANAGER)


@pytest.fixture
def admin_user(db):
    """An Admin: manages staff in the staff pages; not staff for Django's admin site (which
    is not mounted) and, like everyone, no superuser."""
    return UserFactory(username="admin_a", role=Role.ADMIN)


@pytest.fixture
def allocate(manager):
    """allocate(child, caseworker): allocate through the real service, as the manager."""

    def _allocate(child, caseworker):
        return services.allocation_create(actor=manager, child=child, caseworker=caseworker)

    return _allocate


@pytest.fixture
def child(db):
    return ChildFactory()


def signed_in(user) -> Client:
    """A client signed in as `user` through both steps: the password (Client.login, with a
    request so the lockout backend can count it) and then a real code on the code page."""
    client = Client()
    assert client.login(
        request=RequestFactory().post("/sign-in/"), username=user.username, password=PASSWORD
    )
    second_factor_pass(client, user)
    return client


def second_factor_pass(client: Client, user) -> None:
    """Complete the second step for a client whose session has passed the password: enrol
    `user` with an authenticator app if they have none, then post a real code to the code
    page, as a person would. The code is a fresh single-use backup code (a TOTP code would be
    refused as a replay when one test signs the same user in twice within 30 seconds); the
    TOTP path itself is tested in tests/virtualschool/test_two_factor.py."""
    if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
    device, _ = StaticDevice.objects.get_or_create(
        user=user, defaults={"name": "Backup codes", "confirmed": True}
    )
    code = f"{secrets.randbelow(10**8):08d}"
    device.token_set.create(token=code)
    url = reverse("sign-in-code")
    page = client.get(url)
    assert page.status_code == 200, page
    response = client.post(
        url, {"code": code, "csrfmiddlewaretoken": client.cookies["csrftoken"].value}
    )
    assert response.status_code == 302, response.content.decode()
    assert response["Location"] == reverse("home")


@pytest.fixture
def client_for():
    return signed_in


@pytest.fixture(autouse=True)
def _seeded_factories(request):
    """Seed the factories and Faker from the test's node id (and TEST_SEED, 0 unless given),
    so a failing test gets the same data when run again. The seed is printed, and pytest
    shows it with the output of a failed test."""
    import os
    import zlib

    from tests.factories import seed_factories

    base = os.environ.get("TEST_SEED", "0")
    seed = zlib.crc32(f"{base}:{request.node.nodeid}".encode())
    seed_factories(seed)
    print(f"Factories seeded with {seed} (TEST_SEED={base}, {request.node.nodeid})")
