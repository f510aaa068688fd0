"""The token pages on an agreement (Admins only): issuing shows the secret once and stores
only its hash; bad input is refused by field with nothing saved; revoking asks to confirm and
then the token gets 401 and releases nothing; an expired token likewise."""

from __future__ import annotations

import datetime
import hashlib
import re

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from sharing import services
from sharing.models import AgreementToken, DisclosureLogEntry, SharingChange
from tests.conftest import signed_in
from tests.sharing.test_api import _child, _clock_and_throttle, active, recipient  # noqa: F401
from virtualschool.errors import DomainError

pytestmark = pytest.mark.django_db

SECRET = re.compile(rb'id="token-secret"[^>]*value="(vs_[^"]+)"')


def _add_url(agreement):
    return reverse("sharing:token-add", kwargs={"pk": agreement.pk})


def _expiry(day: datetime.date) -> dict[str, str]:
    return {
        "expires_on_0": str(day.day),
        "expires_on_1": str(day.month),
        "expires_on_2": str(day.year),
    }


def _dataset(agreement):
    return reverse("sharing-api:dataset-jsonl", kwargs={"pk": agreement.pk})


def test_the_secret_is_shown_once_and_only_its_hash_is_stored(admin_user, active):  # noqa: F811
    client = signed_in(admin_user)
    response = client.post(
        _add_url(active), {"name": "Youth CRM", **_expiry(datetime.date(2026, 9, 1))}
    )
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    secret = SECRET.search(response.content).group(1).decode()
    token = AgreementToken.objects.get()
    assert token.secret_sha256 == hashlib.sha256(secret.encode()).hexdigest()
    stored = [str(value) for value in AgreementToken.objects.values().get().values()]
    assert not any(secret in value for value in stored)
    # It lasts to the end of the day chosen, in London.
    assert token.expires_at == datetime.datetime(2026, 9, 1, 23, tzinfo=datetime.UTC)
    assert SharingChange.objects.filter(agreement=active, field="token issued").count() == 1
    page = client.get(reverse("sharing:agreement-detail", kwargs={"pk": active.pk}))
    assert secret.encode() not in page.content
    assert b"Youth CRM" in page.content and token.prefix.encode() in page.content
    listed = Client(headers={"Authorization": f"Bearer {secret}"}).get(
        reverse("sharing-api:agreements")
    )
    assert [item["id"] for item in listed.json()["results"]] == [active.pk]


@pytest.mark.parametrize(
    ("name", "day", "field_message"),
    [
        ("", datetime.date(2026, 9, 1), b"Enter a name for the token"),
        ("CRM", datetime.date(2026, 5, 31), b"The expiry date must be in the future"),
        ("CRM", datetime.date(2026, 6, 1), b"The expiry date must be in the future"),
        ("CRM", datetime.date(2027, 6, 3), b"no more than 366 days away"),
    ],
)
def test_bad_input_is_refused_by_field_and_nothing_is_saved(
    admin_user,
    active,  # noqa: F811
    name,
    day,
    field_message,
):
    before = SharingChange.objects.count()
    response = signed_in(admin_user).post(_add_url(active), {"name": name, **_expiry(day)})
    assert response.status_code == 200
    assert b"govuk-error-summary" in response.content
    assert field_message in response.content
    assert b"token-secret" not in response.content
    assert not AgreementToken.objects.exists()
    assert SharingChange.objects.count() == before


def test_every_error_at_once(admin_user, active):  # noqa: F811
    response = signed_in(admin_user).post(_add_url(active), {"name": "  "})
    assert b"Enter a name for the token" in response.content
    assert b"Enter the date the token expires" in response.content
    assert not AgreementToken.objects.exists()


def test_the_longest_expiry_is_accepted(admin_user, active):  # noqa: F811
    response = signed_in(admin_user).post(
        _add_url(active), {"name": "CRM", **_expiry(datetime.date(2027, 6, 2))}
    )
    assert SECRET.search(response.content)


def test_revoking_asks_to_confirm_then_the_token_gets_401(admin_user, active):  # noqa: F811
    _child()
    token, secret = services.token_issue(actor=admin_user, agreement=active, name="CRM")
    client = signed_in(admin_user)
    url = reverse("sharing:token-revoke", kwargs={"pk": active.pk, "token": token.pk})
    confirm = client.get(url)
    assert confirm.status_code == 200 and b"Revoke the token" in confirm.content
    token.refresh_from_db()
    assert token.revoked_at is None
    done = client.post(url)
    assert done.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None and token.revoked_by == admin_user
    assert SharingChange.objects.filter(agreement=active, field="token revoked").count() == 1
    bearer = Client(headers={"Authorization": f"Bearer {secret}"})
    assert bearer.get(_dataset(active)).status_code == 401
    assert bearer.get(reverse("sharing-api:agreements")).status_code == 401
    assert not DisclosureLogEntry.objects.exists()
    page = client.get(reverse("sharing:agreement-detail", kwargs={"pk": active.pk}))
    assert b"Revoked" in page.content


def test_an_expired_token_gets_401_and_releases_nothing(admin_user, active):  # noqa: F811
    _child()
    _, secret = services.token_issue(
        actor=admin_user, agreement=active, name="CRM", expires_on=datetime.date(2026, 6, 2)
    )
    bearer = Client(headers={"Authorization": f"Bearer {secret}"})
    with time_machine.travel(datetime.datetime(2026, 6, 2, 22, 59, tzinfo=datetime.UTC)):
        assert bearer.get(reverse("sharing-api:agreements")).status_code == 200
    with time_machine.travel(datetime.datetime(2026, 6, 2, 23, 0, 1, tzinfo=datetime.UTC)):
        assert bearer.get(_dataset(active)).status_code == 401
    assert not DisclosureLogEntry.objects.exists()


def test_only_admins_reach_the_token_pages(caseworker, manager, admin_user, active, recipient):  # noqa: F811
    token, _ = services.token_issue(actor=admin_user, agreement=active, name="CRM")
    revoke = reverse("sharing:token-revoke", kwargs={"pk": active.pk, "token": token.pk})
    for user in (caseworker, manager, recipient):
        client = signed_in(user)
        assert client.get(_add_url(active)).status_code == 404
        assert client.post(_add_url(active), {"name": "X"}).status_code == 404
        assert client.post(revoke).status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
    assert AgreementToken.objects.count() == 1


def test_another_agreements_token_is_404(admin_user, admin2, active, organisation):  # noqa: F811
    from tests.sharing.conftest import agreement_values

    other = services.agreement_draft(actor=admin_user, **agreement_values(organisation))
    token, _ = services.token_issue(actor=admin_user, agreement=active, name="CRM")
    url = reverse("sharing:token-revoke", kwargs={"pk": other.pk, "token": token.pk})
    assert signed_in(admin_user).post(url).status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_the_token_list_is_a_fixed_number_of_queries(admin_user, admin2, active):  # noqa: F811
    client = signed_in(admin_user)
    url = reverse("sharing:agreement-detail", kwargs={"pk": active.pk})
    counts = []
    for size in (1, 3):
        while AgreementToken.objects.count() < size:
            token, _ = services.token_issue(actor=admin2, agreement=active, name="CRM")
        services.token_revoke(actor=admin_user, token=token)
        with CaptureQueriesContext(connection) as queries:
            page = client.get(url)
        assert page.content.count(b"CRM <span") == size
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_a_given_secret_must_be_strong_and_unused(admin_user, active):  # noqa: F811
    """seed_demo's DEMO_API_TOKEN: a secret given to token_issue is taken only if it is as
    strong as one token_issue makes and no token has it; else nothing is stored."""
    given = "vs_" + "A1-_" * 8
    token, secret = services.token_issue(
        actor=admin_user, agreement=active, name="Demo client", secret=given
    )
    assert secret == given and token.secret_sha256 == services.token_hash(given)
    for weak in (given[:-1], "xx_" + given[3:], given[:-1] + "!"):
        with pytest.raises(DomainError) as refused:
            services.token_issue(actor=admin_user, agreement=active, name="Weak", secret=weak)
        assert "secret" in refused.value.message_dict
    with pytest.raises(DomainError) as taken:
        services.token_issue(actor=admin_user, agreement=active, name="Again", secret=given)
    assert taken.value.message_dict["secret"] == ["Another token has this secret already"]
    assert AgreementToken.objects.count() == 1
