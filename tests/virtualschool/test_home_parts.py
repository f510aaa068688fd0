"""The home page: the project's own part (roles) and the parts apps register from ready()."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from tests.factories import ChildFactory
from virtualschool import home
from virtualschool.roles import Perm

pytestmark = pytest.mark.django_db


def test_a_manager_sees_every_child_counted(client_for, manager, caseworker, allocate):
    ChildFactory.create_batch(3)
    allocate(ChildFactory(), caseworker)
    page = client_for(manager).get(reverse("home")).content.decode()
    assert "There are 4 children on the record." in page
    assert "Add a child" in page
    assert "You are signed in as a manager." in page


def test_a_caseworker_sees_only_their_caseload_counted(client_for, caseworker, allocate):
    ChildFactory.create_batch(3)
    allocate(ChildFactory(), caseworker)
    page = client_for(caseworker).get(reverse("home")).content.decode()
    assert "You have 1 child allocated to you." in page
    assert "on the record" not in page
    assert "Add a child" not in page


def test_the_record_registers_its_part_from_its_app_config(caseworker):
    assert set(home.home_context(caseworker)) == {
        "sees_all_children",
        "can_add_child",
        "child_count",
        "todo",
    }


def test_two_parts_setting_one_name_is_an_error(caseworker, monkeypatch):
    monkeypatch.setattr(home, "_PARTS", dict(home._PARTS))
    home.home_part_register("elsewhere", lambda user: {"child_count": 0})
    with pytest.raises(ValueError, match="elsewhere's home page part sets \\['child_count'\\]"):
        home.home_context(caseworker)


@pytest.mark.parametrize("perm", list(Perm))
def test_every_perm_names_a_permission_of_its_own_app(perm):
    assert Permission.objects.filter(
        content_type__app_label=perm.app_label, codename=perm.value
    ).exists()
    assert perm.full == f"{perm.app_label}.{perm.value}"
    assert str(perm) == perm.value


def test_perm_app_labels_are_written_out():
    assert {perm: perm.app_label for perm in Perm} == {
        Perm.VIEW_CHILD: "records",
        Perm.CHANGE_CHILD: "records",
        Perm.ADD_CHILD: "records",
        Perm.VIEW_ALL_CHILDREN: "records",
        Perm.CHANGE_ALL_CHILDREN: "records",
        Perm.ALLOCATE_CHILDREN: "records",
        Perm.VIEW_SENSITIVE: "records",
    }


def test_staff_user_ensure_grants_a_perm_of_its_own_app():
    from staff.services import staff_user_ensure
    from virtualschool.roles import Role

    user = staff_user_ensure(
        username="sensitive_cw",
        first_name="Sam",
        last_name="Okafor",
        role=Role.CASEWORKER,
        password="a-long-test-password",
        permissions=(Perm.VIEW_SENSITIVE,),
    )
    assert user.has_perm(Perm.VIEW_SENSITIVE.full)
    assert [p.codename for p in user.user_permissions.all()] == ["view_sensitive"]
    again = staff_user_ensure(
        username="sensitive_cw",
        first_name="Sam",
        last_name="Okafor",
        role=Role.CASEWORKER,
        password="a-long-test-password",
    )
    assert not again.user_permissions.exists()
