"""Every URL x every role: who may use each page (STYLE.md 9, deny by default).

A new URL must be added to MATRIX: the last test fails for any route not listed here.
"""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from records import services
from tests.factories import ChildFactory, UserFactory
from virtualschool.roles import Role

pytestmark = pytest.mark.django_db

ANON, CASEWORKER, OTHER_CASEWORKER, MANAGER, ADMIN = (
    "anonymous",
    "caseworker",
    "other caseworker",
    "manager",
    "admin",
)
ROLES = [ANON, CASEWORKER, OTHER_CASEWORKER, MANAGER, ADMIN]

# name -> (needs child, {role: status for GET})
MATRIX = {
    "home": (False, {ANON: 302, CASEWORKER: 200, OTHER_CASEWORKER: 200, MANAGER: 200, ADMIN: 200}),
    "healthz": (False, dict.fromkeys(ROLES, 200)),
    "sign-in": (
        False,
        {ANON: 200, CASEWORKER: 302, OTHER_CASEWORKER: 302, MANAGER: 302, ADMIN: 302},
    ),
    "sign-out": (
        False,
        {ANON: 302, CASEWORKER: 405, OTHER_CASEWORKER: 405, MANAGER: 405, ADMIN: 405},
    ),
    "records:caseload": (
        False,
        {ANON: 302, CASEWORKER: 200, OTHER_CASEWORKER: 200, MANAGER: 200, ADMIN: 200},
    ),
    "records:child-add": (
        False,
        {ANON: 302, CASEWORKER: 404, OTHER_CASEWORKER: 404, MANAGER: 200, ADMIN: 404},
    ),
    "records:child-detail": (
        True,
        {ANON: 302, CASEWORKER: 200, OTHER_CASEWORKER: 404, MANAGER: 200, ADMIN: 404},
    ),
    "records:child-history": (
        True,
        {ANON: 302, CASEWORKER: 200, OTHER_CASEWORKER: 404, MANAGER: 200, ADMIN: 404},
    ),
    "records:episode-add": (
        True,
        {ANON: 302, CASEWORKER: 200, OTHER_CASEWORKER: 404, MANAGER: 200, ADMIN: 404},
    ),
    "records:allocation-add": (
        True,
        {ANON: 302, CASEWORKER: 404, OTHER_CASEWORKER: 404, MANAGER: 200, ADMIN: 404},
    ),
    "records:allocation-end": (
        True,
        {ANON: 302, CASEWORKER: 405, OTHER_CASEWORKER: 405, MANAGER: 405, ADMIN: 405},
    ),
}
# Django's admin site has its own staff check; only the user-management part is ours to assert.
ADMIN_SITE = {"admin:auth_user_changelist": {ANON: 302, CASEWORKER: 302, MANAGER: 302, ADMIN: 200}}


@pytest.fixture
def world(client_for):
    manager = UserFactory(username="m", role=Role.MANAGER)
    caseworker = UserFactory(username="c", role=Role.CASEWORKER)
    other = UserFactory(username="o", role=Role.CASEWORKER)
    admin = UserFactory(username="a", role=Role.ADMIN)
    admin.is_staff = True
    admin.save()
    child = ChildFactory()
    allocation = services.allocation_create(actor=manager, child=child, caseworker=caseworker)
    clients = {
        CASEWORKER: client_for(caseworker),
        OTHER_CASEWORKER: client_for(other),
        MANAGER: client_for(manager),
        ADMIN: client_for(admin),
    }
    return child, allocation, clients


def _url(name, needs_child, child, allocation):
    if name == "records:allocation-end":
        return reverse(name, kwargs={"pk": child.pk, "allocation_id": allocation.pk})
    return reverse(name, kwargs={"pk": child.pk}) if needs_child else reverse(name)


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_get_status_for_every_role(name, world, client):
    child, allocation, clients = world
    needs_child, expected = MATRIX[name]
    url = _url(name, needs_child, child, allocation)
    actual = {role: (clients.get(role) or client).get(url).status_code for role in ROLES}
    assert actual == expected


@pytest.mark.parametrize("name", sorted(ADMIN_SITE))
def test_admin_site_is_for_admins(name, world, client):
    _, _, clients = world
    url = reverse(name)
    for role, status in ADMIN_SITE[name].items():
        assert (clients.get(role) or client).get(url).status_code == status, role


def _route_names(resolver, prefix=""):
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            if pattern.app_name == "admin":
                continue
            namespace = f"{pattern.namespace}:" if pattern.namespace else ""
            yield from _route_names(pattern, prefix + namespace)
        elif isinstance(pattern, URLPattern):
            yield prefix + (pattern.name or f"<unnamed {pattern.pattern}>")


def test_every_route_is_in_the_matrix():
    assert set(_route_names(get_resolver())) == set(MATRIX)
