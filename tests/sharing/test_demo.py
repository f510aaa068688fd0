"""seed_demo's sharing part: an organisation of each type with its agreement, and the demo
recipient users, who sign in with the demo password and code and reach none of sharing."""

from __future__ import annotations

import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from sharing.demo import RECIPIENT_USERS
from sharing.models import (
    AgreementToken,
    ExtractFile,
    ExtractStatus,
    RecipientOrganisation,
    RecipientType,
    SharingAgreement,
)
from sharing.selectors import agreements_active
from sharing.services import token_hash
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


API_TOKEN = "vs_" + "demo-token-for-scripts_0123456789abcdef"


def test_the_demo_api_token_is_the_one_the_environment_gives():
    call_command("seed_demo", children=12, password=PASSWORD, api_token=API_TOKEN, verbosity=0)
    token = AgreementToken.objects.get()
    assert token.agreement.organisation.type == "dfe"
    assert token.secret_sha256 != API_TOKEN and token.prefix == API_TOKEN[:10]
    listing = Client().get(
        reverse("sharing-api:agreements"), headers={"authorization": f"Bearer {API_TOKEN}"}
    )
    assert listing.status_code == 200, listing.content
    assert token.agreement.name in listing.content.decode()
    dataset = Client().get(
        reverse("sharing-api:dataset-csv", kwargs={"pk": token.agreement.pk}),
        headers={"authorization": f"Bearer {API_TOKEN}"},
    )
    assert dataset.status_code == 200
    # Again, as `make run` does each time: the same token, no second one.
    call_command("seed_demo", password=PASSWORD, api_token=API_TOKEN, if_empty=True, verbosity=0)
    assert AgreementToken.objects.get() == token
    assert Client().get(reverse("sharing-api:agreements")).status_code in {401, 403}


def test_without_one_a_token_is_made_and_its_secret_printed_once():
    out = io.StringIO()
    call_command("seed_demo", children=0, password=PASSWORD, api_token="", stdout=out)
    secret = re.search(r"\bvs_[\w-]{32,}", out.getvalue()).group(0)
    assert AgreementToken.objects.get().secret_sha256 == token_hash(secret)
    listing = Client().get(
        reverse("sharing-api:agreements"), headers={"authorization": f"Bearer {secret}"}
    )
    assert listing.status_code == 200
    again = io.StringIO()
    call_command("seed_demo", children=0, password=PASSWORD, api_token="", stdout=again)
    assert "vs_" not in again.getvalue()
    assert AgreementToken.objects.count() == 1


@pytest.mark.parametrize("secret", ["vs_short", "not-a-token-" + "x" * 40, "vs_" + "é" * 40])
def test_a_weak_demo_token_is_refused_and_nothing_is_stored(secret):
    with pytest.raises(CommandError, match="vs_ then at least 32"):
        call_command("seed_demo", children=0, password=PASSWORD, api_token=secret, verbosity=0)
    assert not AgreementToken.objects.exists()
    assert not SharingAgreement.objects.exists()
    assert not get_user_model().objects.exists()


def test_the_youth_service_has_an_extract_file_ready():
    call_command("seed_demo", children=40, password=PASSWORD, totp_secret=TOTP_SECRET, verbosity=0)
    extract = ExtractFile.objects.get()
    assert extract.status == ExtractStatus.READY
    assert extract.agreement.organisation.type == "youth_support"
    assert extract.child_count >= 1
    youth = _demo_client("youth")
    page = youth.get(reverse("sharing-extracts:list"))
    assert page.status_code == 200
    download = youth.get(reverse("sharing-extracts:download", kwargs={"pk": extract.pk}))
    assert download.status_code == 200
    body = b"".join(download.streaming_content).decode("utf-8-sig")
    assert body.count("\n") > extract.row_count  # the data dictionary, then the records
    # Seeding again leaves the ready file as it is.
    call_command("seed_demo", password=PASSWORD, if_empty=True, verbosity=0)
    assert ExtractFile.objects.get() == extract
