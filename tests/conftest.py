from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.test import Client

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
    user = UserFactory(username="admin_a", role=Role.ADMIN)
    user.is_staff = True
    user.save()
    return user


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
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


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
