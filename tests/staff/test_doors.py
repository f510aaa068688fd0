"""Issue 11, doors 1 and 4: an Admin cannot escalate; access ends with the role."""

from __future__ import annotations

import logging

import pytest
from django.contrib.auth.models import Permission
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice
from guardian.shortcuts import assign_perm

from records.models import Allocation, ChildUserObjectPermission
from records.selectors import children_visible_to
from staff import services
from staff.models import StaffChange
from tests.conftest import signed_in
from tests.factories import ChildFactory, UserFactory
from virtualschool.errors import DomainError
from virtualschool.roles import Perm, Role, user_roles

pytestmark = pytest.mark.django_db


def _csrf(client: Client) -> dict:
    client.get(reverse("home"))
    return {"csrfmiddlewaretoken": client.cookies["csrftoken"].value}


# --- Door 1: an Admin cannot escalate -------------------------------------------------------


def test_an_admin_cannot_set_their_own_role_and_nothing_changes(admin_user, caplog):
    client = signed_in(admin_user)
    url = reverse("staff:role", kwargs={"pk": admin_user.pk})
    with caplog.at_level(logging.WARNING, logger="staff"):
        response = client.post(url, {**_csrf(client), "role": "Manager", "sensitive": "on"})
    assert response.status_code == 200
    assert services.SELF_CHANGE_MESSAGE in response.content.decode()
    assert "govuk-error-summary" in response.content.decode()
    admin_user.refresh_from_db()
    admin_user._role_names = None
    assert user_roles(admin_user) == [Role.ADMIN]
    assert not admin_user.user_permissions.exists()
    assert not StaffChange.objects.filter(subject=admin_user).exists()
    assert "own account" in caplog.text


def test_an_admin_cannot_deactivate_themselves(admin_user):
    client = signed_in(admin_user)
    response = client.post(reverse("staff:deactivate", kwargs={"pk": admin_user.pk}), _csrf(client))
    assert response.status_code == 400
    assert services.SELF_CHANGE_MESSAGE in response.content.decode()
    admin_user.refresh_from_db()
    assert admin_user.is_active
    assert client.get(reverse("staff:list")).status_code == 200


def test_nobody_can_be_made_superuser(admin_user):
    with pytest.raises(IntegrityError), transaction.atomic():
        type(admin_user).objects.filter(pk=admin_user.pk).update(is_superuser=True)


def test_the_commands_make_no_superuser_nor_staff(monkeypatch):
    monkeypatch.setattr("getpass.getpass", lambda prompt="": "a long enough passphrase")
    call_command("add_staff_user", "first_admin", role="Admin")
    call_command("seed_demo", children=0, password="a long enough passphrase")
    users = type(UserFactory._meta.model).objects if False else UserFactory._meta.model.objects
    assert users.filter(username__in=["first_admin", "admin", "admin2"]).count() == 3
    assert not users.filter(is_superuser=True).exists()
    assert not users.filter(is_staff=True).exists()


def test_the_admin_role_reaches_no_admin_site_and_no_child(admin_user, allocate, caseworker):
    child = ChildFactory()
    allocate(child, caseworker)
    client = signed_in(admin_user)
    assert client.get("/admin/").status_code == 404
    assert client.get("/admin/auth/user/").status_code == 404
    assert client.get(reverse("records:child-detail", kwargs={"pk": child.pk})).status_code == 404


def test_an_admin_cannot_grant_a_raw_permission(admin_user, manager):
    """Only a role and sensitive access can be set; a posted permission is ignored, and a
    manager cannot be given sensitive access individually."""
    client = signed_in(admin_user)
    url = reverse("staff:role", kwargs={"pk": manager.pk})
    response = client.post(
        url,
        {**_csrf(client), "role": "Manager", "sensitive": "on", "user_permissions": "1"},
    )
    assert response.status_code == 200
    assert services.SENSITIVE_ROLE_MESSAGE in response.content.decode()
    assert not manager.user_permissions.exists()
    with pytest.raises(DomainError):
        services.staff_user_ensure(
            username="x",
            first_name="X",
            last_name="Y",
            role=Role.ADMIN,
            password="a long enough passphrase",
            permissions=(Perm.VIEW_ALL_CHILDREN,),
        )


def test_a_non_admin_cannot_reach_the_staff_pages_or_services(manager, caseworker):
    client = signed_in(manager)
    assert client.get(reverse("staff:list")).status_code == 404
    with pytest.raises(DomainError, match="Only an administrator"):
        services.staff_role_set(actor=manager, user=caseworker, role=Role.MANAGER)


# --- Door 4: access ends with the role ------------------------------------------------------


def test_leaving_the_caseworker_role_ends_allocations_and_grants(admin_user, allocate, caseworker):
    child = ChildFactory()
    allocate(child, caseworker)
    former = signed_in(caseworker)
    detail = reverse("records:child-detail", kwargs={"pk": child.pk})
    assert former.get(detail).status_code == 200

    client = signed_in(admin_user)
    response = client.post(
        reverse("staff:role", kwargs={"pk": caseworker.pk}), {**_csrf(client), "role": "Admin"}
    )
    assert response.status_code == 302
    assert former.get(detail).status_code == 404
    assert not Allocation.objects.filter(caseworker=caseworker, end_date__isnull=True).exists()
    assert not ChildUserObjectPermission.objects.filter(user=caseworker).exists()
    fields = set(StaffChange.objects.filter(subject=caseworker).values_list("field", flat=True))
    assert {"role", "caseload"} <= fields


@pytest.mark.parametrize("role", [None, Role.ADMIN])
def test_a_stray_grant_without_the_caseworker_role_shows_nothing(role):
    user = UserFactory(username="stray", role=role)
    child = ChildFactory()
    assign_perm(Perm.VIEW_CHILD.value, user, child)
    assign_perm(Perm.CHANGE_CHILD.value, user, child)
    assert not children_visible_to(user).exists()
    client = signed_in(user)
    detail = reverse("records:child-detail", kwargs={"pk": child.pk})
    assert client.get(detail).status_code == 404
    from records.permissions import can_change_child

    assert not can_change_child(user, child)


def test_deactivating_ends_a_signed_in_session(admin_user, caseworker):
    victim = signed_in(caseworker)
    assert victim.get(reverse("home")).status_code == 200
    key = victim.session.session_key
    client = signed_in(admin_user)
    client.post(reverse("staff:deactivate", kwargs={"pk": caseworker.pk}), _csrf(client))
    assert not Session.objects.filter(session_key=key).exists()
    assert victim.get(reverse("home"))["Location"].startswith(reverse("sign-in"))
    assert client.get(reverse("home")).status_code == 200
    change = StaffChange.objects.get(subject=caseworker, field="active")
    assert (change.actor, change.before, change.after) == (admin_user, "Yes", "No")


def test_reset_two_factor_forces_enrolment(admin_user, caseworker):
    victim = signed_in(caseworker)
    client = signed_in(admin_user)
    client.post(reverse("staff:reset-two-factor", kwargs={"pk": caseworker.pk}), _csrf(client))
    assert not TOTPDevice.objects.filter(user=caseworker).exists()
    assert victim.get(reverse("home"))["Location"].startswith(reverse("sign-in-code"))
    fresh = Client()
    fresh.post(reverse("sign-in"), {"username": caseworker.username, "password": "x"})
    from tests.factories import PASSWORD

    fresh.post(reverse("sign-in"), {"username": caseworker.username, "password": PASSWORD})
    assert fresh.get(reverse("sign-in-code"))["Location"] == reverse("sign-in-set-up")


def test_reset_password_gives_a_one_time_link_and_a_new_password(admin_user, caseworker):
    from tests.factories import PASSWORD

    client = signed_in(admin_user)
    response = client.post(
        reverse("staff:reset-password", kwargs={"pk": caseworker.pk}), _csrf(client)
    )
    assert "no-store" in response["Cache-Control"]
    link = response.context["link"]
    caseworker.refresh_from_db()
    assert not caseworker.check_password(PASSWORD)
    person = Client()
    page = person.get(link)
    assert page.status_code == 302
    new = "a brand new passphrase 42"
    done = person.post(page["Location"], {"new_password1": new, "new_password2": new})
    assert done["Location"] == reverse("set-password-done")
    caseworker.refresh_from_db()
    assert caseworker.check_password(new)
    assert Client().get(link).context["validlink"] is False
    after = list(
        StaffChange.objects.filter(subject=caseworker, field="password").values_list(
            "actor", "after"
        )
    )
    assert (admin_user.pk, "Reset: set-password link issued") in after
    assert (caseworker.pk, "Set by them") in after


def test_add_a_person_then_every_change_is_audited(admin_user):
    client = signed_in(admin_user)
    response = client.post(
        reverse("staff:add"),
        {
            **_csrf(client),
            "username": "newcw",
            "first_name": "Ada",
            "last_name": "Lovelace",
            "role": "Caseworker",
            "sensitive": "on",
        },
    )
    assert response.status_code == 200
    assert "/set-password/" in response.context["link"]
    person = UserFactory._meta.model.objects.get(username="newcw")
    assert person.has_perm(Perm.VIEW_SENSITIVE.full)
    client.post(
        reverse("staff:role", kwargs={"pk": person.pk}), {**_csrf(client), "role": "Manager"}
    )
    rows = {
        (c.field, c.before, c.after)
        for c in StaffChange.objects.filter(subject=person, actor=admin_user)
    }
    assert ("role", "No role", "Caseworker") in rows
    assert ("role", "Caseworker", "Manager") in rows
    assert ("sensitive", "Yes", "No") in rows
    page = client.get(reverse("staff:detail", kwargs={"pk": person.pk})).content.decode()
    assert "Caseworker" in page and "Manager" in page


def test_add_shows_every_error_in_the_summary(admin_user):
    client = signed_in(admin_user)
    response = client.post(
        reverse("staff:add"),
        {**_csrf(client), "username": admin_user.username, "first_name": "", "role": "Root"},
    )
    page = response.content.decode()
    assert "govuk-error-summary" in page
    for message in ("Enter their first name", "Enter their last name", "Choose a role"):
        assert message in page


def test_unlock_from_the_staff_pages(admin_user, caseworker):
    for _ in range(5):
        Client().post(reverse("sign-in"), {"username": caseworker.username, "password": "no"})
    from staff.selectors import is_locked_out

    assert is_locked_out(caseworker)
    client = signed_in(admin_user)
    assert "Locked out" in client.get(reverse("staff:list")).content.decode()
    client.post(reverse("staff:unlock", kwargs={"pk": caseworker.pk}), _csrf(client))
    assert not is_locked_out(caseworker)
    change = StaffChange.objects.get(subject=caseworker, field="lockout")
    assert (change.before, change.after) == ("Yes", "No")


def test_the_list_has_a_fixed_number_of_queries(admin_user, django_assert_num_queries):
    client = signed_in(admin_user)
    url = reverse("staff:list")
    client.get(url)
    UserFactory(username="one", role=Role.CASEWORKER)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for n in range(5):
        user = UserFactory(username=f"more{n}", role=Role.MANAGER)
        user.user_permissions.add(Permission.objects.get(codename=Perm.VIEW_SENSITIVE.value))
    with django_assert_num_queries(len(few.captured_queries)):
        assert client.get(url).status_code == 200
