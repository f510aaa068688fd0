import datetime

import pytest
from django.utils import timezone
from guardian.core import ObjectPermissionChecker

from records import selectors, services
from records.models import Allocation
from tests.factories import ChildFactory, UserFactory
from virtualschool.errors import DomainError
from virtualschool.roles import Role

pytestmark = pytest.mark.django_db


def _perms(user, child):
    return set(ObjectPermissionChecker(user).get_perms(child))


def test_allocating_grants_the_caseworker_access_to_that_child_only(manager, caseworker, child):
    other = ChildFactory()
    services.allocation_create(actor=manager, child=child, caseworker=caseworker)
    assert _perms(caseworker, child) == {"view_child", "change_child"}
    assert _perms(caseworker, other) == set()
    assert list(selectors.children_visible_to(caseworker)) == [child]


def test_ending_an_allocation_removes_access(manager, caseworker, child):
    allocation = services.allocation_create(actor=manager, child=child, caseworker=caseworker)
    services.allocation_end(actor=manager, allocation=allocation)
    assert _perms(caseworker, child) == set()
    assert not selectors.children_visible_to(caseworker).exists()
    allocation.refresh_from_db()
    assert allocation.end_date is not None


@pytest.mark.parametrize("role", [Role.MANAGER, Role.ADMIN, None])
def test_only_a_caseworker_can_be_allocated(manager, child, role):
    not_a_caseworker = UserFactory(role=role)
    with pytest.raises(DomainError) as raised:
        services.allocation_create(actor=manager, child=child, caseworker=not_a_caseworker)
    assert "not a caseworker" in raised.value.message_dict["caseworker"][0]
    assert not Allocation.objects.exists()
    assert _perms(not_a_caseworker, child) == set()


def test_an_inactive_caseworker_cannot_be_allocated(manager, caseworker, child):
    caseworker.is_active = False
    caseworker.save()
    with pytest.raises(DomainError):
        services.allocation_create(actor=manager, child=child, caseworker=caseworker)
    assert not Allocation.objects.exists()


def test_a_child_is_allocated_to_a_caseworker_once(manager, caseworker, child):
    services.allocation_create(actor=manager, child=child, caseworker=caseworker)
    with pytest.raises(DomainError) as raised:
        services.allocation_create(actor=manager, child=child, caseworker=caseworker)
    assert raised.value.message_dict["caseworker"] == [
        "This caseworker is already allocated this child"
    ]
    assert Allocation.objects.count() == 1


def test_reallocation_after_an_ended_allocation(manager, caseworker, child):
    first = services.allocation_create(
        actor=manager, child=child, caseworker=caseworker, start_date=datetime.date(2024, 1, 1)
    )
    services.allocation_end(actor=manager, allocation=first, end_date=datetime.date(2024, 6, 1))
    services.allocation_create(actor=manager, child=child, caseworker=caseworker)
    assert _perms(caseworker, child) == {"view_child", "change_child"}


def test_two_caseworkers_can_share_a_child(manager, caseworker, other_caseworker, child):
    services.allocation_create(actor=manager, child=child, caseworker=caseworker)
    second = services.allocation_create(actor=manager, child=child, caseworker=other_caseworker)
    services.allocation_end(actor=manager, allocation=second)
    assert _perms(caseworker, child) == {"view_child", "change_child"}
    assert _perms(other_caseworker, child) == set()


def test_an_allocation_cannot_start_in_the_future(manager, caseworker, child):
    with pytest.raises(DomainError) as raised:
        services.allocation_create(
            actor=manager,
            child=child,
            caseworker=caseworker,
            start_date=timezone.localdate() + datetime.timedelta(days=30),
        )
    assert "start_date" in raised.value.message_dict
    assert _perms(caseworker, child) == set()


def test_an_allocation_ends_once(manager, caseworker, child):
    allocation = services.allocation_create(actor=manager, child=child, caseworker=caseworker)
    services.allocation_end(actor=manager, allocation=allocation)
    with pytest.raises(DomainError, match="already ended"):
        services.allocation_end(actor=manager, allocation=allocation)


def test_destroying_a_child_leaves_no_grants_behind(manager, caseworker, child):
    from records.models import ChildUserObjectPermission

    services.allocation_create(actor=manager, child=child, caseworker=caseworker)
    child.delete()
    assert not ChildUserObjectPermission.objects.exists()


def test_reallocation_moves_the_child_to_the_new_caseworker(
    manager, caseworker, other_caseworker, child
):
    services.allocation_create(
        actor=manager, child=child, caseworker=caseworker, start_date=datetime.date(2024, 1, 1)
    )
    services.allocation_reallocate(actor=manager, child=child, caseworker=other_caseworker)
    assert _perms(caseworker, child) == set()
    assert _perms(other_caseworker, child) == {"view_child", "change_child"}
    ended = Allocation.objects.get(caseworker=caseworker)
    assert ended.end_date == timezone.localdate() - datetime.timedelta(days=1)


def test_a_refused_reallocation_leaves_the_current_allocation(manager, caseworker, child):
    services.allocation_create(actor=manager, child=child, caseworker=caseworker)
    not_a_caseworker = UserFactory(role=Role.MANAGER)
    with pytest.raises(DomainError):
        services.allocation_reallocate(actor=manager, child=child, caseworker=not_a_caseworker)
    assert Allocation.objects.get().end_date is None
    assert _perms(caseworker, child) == {"view_child", "change_child"}
