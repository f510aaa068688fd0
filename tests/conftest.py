from __future__ import annotations

import pytest
from django.test import Client

from records import services
from tests.factories import PASSWORD, ChildFactory, UserFactory
from virtualschool.roles import Role
from virtualschool.services import roles_sync


@pytest.fixture(autouse=True)
def _role_groups_survive_flushes(request, django_db_blocker):
    """A transactional test ends by emptying every table, the role groups made by migration
    included; put them back so the tests that follow in this process find them."""
    yield
    marker = request.node.get_closest_marker("django_db")
    transactional = (marker is not None and marker.kwargs.get("transaction")) or (
        "transactional_db" in request.fixturenames or "live_server" in request.fixturenames
    )
    if transactional:
        with django_db_blocker.unblock():
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
