"""seed_demo's sharing part: an organisation of each type with its agreement, and the demo
recipient users, who sign in with the demo password and code and reach none of sharing."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from sharing.demo import RECIPIENT_USERS
from sharing.models import RecipientOrganisation, RecipientType, SharingAgreement
from sharing.selectors import agreements_active
from virtualschool import totp
from virtualschool.roles import Role, user_has_role

pytestmark = pytest.mark.django_db

PASSWORD = "a demo passphrase of some length"
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def test_seed_demo_adds_each_kind_and_the_recipient_users():
    call_command("seed_demo", children=40, password=PASSWORD, totp_secret=TOTP_SECRET, verbosity=0)
    assert set(RecipientOrganisation.objects.values_list("type", flat=True)) == set(
        RecipientType.values
    )
    modes = set(SharingAgreement.objects.values_list("mode", flat=True))
    assert modes == {"identifiable", "pseudonymised", "statistics"}
    assert agreements_active().count() == len(RecipientType.values) - 1
    draft = SharingAgreement.objects.get(state="draft")
    assert draft.created_by.username == "admin"
    for username, *_ in RECIPIENT_USERS:
        client = Client()
        step = client.post(reverse("sign-in"), {"username": username, "password": PASSWORD})
        assert step["Location"] == reverse("sign-in-code"), username
        done = client.post(step["Location"], {"code": totp.code_now(TOTP_SECRET)})
        assert done["Location"] == reverse("home"), username
        assert client.get(reverse("home")).status_code == 200
        assert client.get(reverse("sharing:agreements")).status_code == 404
        assert client.get(reverse("staff:list")).status_code == 404
    school = SharingAgreement.objects.get(organisation__type="school")
    assert school.organisation.members.get().user.username == "school"
    assert user_has_role(school.organisation.members.get().user, Role.RECIPIENT)
    # Again: nothing doubles.
    call_command("seed_demo", children=40, password=PASSWORD, if_empty=True, verbosity=0)
    assert SharingAgreement.objects.count() == len(RecipientType.values)


def _demo_client(username: str) -> Client:
    client = Client()
    step = client.post(reverse("sign-in"), {"username": username, "password": PASSWORD})
    client.post(step["Location"], {"code": totp.code_now(TOTP_SECRET)})
    return client


def test_the_demo_designated_teacher_opens_the_portal_with_children_on_roll():
    call_command("seed_demo", children=40, password=PASSWORD, totp_secret=TOTP_SECRET, verbosity=0)
    teacher = _demo_client("school")
    home = teacher.get(reverse("home"))
    assert b'id="portal-link"' in home.content
    listing = teacher.get(reverse("portal:children"))
    assert listing.status_code == 200
    children = listing.context["listing"].children
    assert children, "the demo school has looked-after children on roll"
    page = teacher.get(reverse("portal:child", kwargs={"pk": children[0].pk}))
    assert page.status_code == 200
    assert children[0].name in page.content.decode()
    youth = _demo_client("youth")
    assert youth.get(reverse("portal:children")).status_code == 404
