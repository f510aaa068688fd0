"""The recipients' API: their own agreements, each one's dataset streamed and logged; only
an active agreement releases; tokens are hashed, expire and are revoked."""

from __future__ import annotations

import datetime
import hashlib
import json
import uuid

import pytest
import time_machine
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from django.test import Client
from django.urls import reverse

from sharing import services
from sharing.api import RecipientThrottle
from sharing.models import AgreementToken, DisclosureLogEntry
from tests.conftest import signed_in
from tests.factories import PASSWORD, ChildFactory, EpisodeFactory

pytestmark = pytest.mark.django_db

# 12:00 on 1 June 2026 in London: inside the fixtures' agreement (April 2026 to March 2027).
NOW = datetime.datetime(2026, 6, 1, 11, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def _clock_and_throttle(monkeypatch, settings):
    # The throttle's history for this test alone, in the suite's own Redis (or memory without
    # one): the test workers share one Redis, so clearing it wiped another worker's history
    # part-way through its test, and two workers' tokens have the same ids.
    options = {"KEY_PREFIX": f"throttle-{uuid.uuid4().hex}"}
    own = (
        RedisCache(settings.REDIS_URL, options)
        if settings.REDIS_URL
        else LocMemCache(options["KEY_PREFIX"], options)
    )
    monkeypatch.setattr(RecipientThrottle, "cache", own)
    with time_machine.travel(NOW, tick=True):
        yield


@pytest.fixture
def recipient(admin_user, organisation):
    return services.recipient_user_ensure(
        organisation=organisation,
        username="youth",
        first_name="Yan",
        last_name="Lee",
        password=PASSWORD,
    )


@pytest.fixture
def active(draft, admin2):
    return services.agreement_approve(actor=admin2, agreement=draft)


def _child():
    child = ChildFactory(date_of_birth=datetime.date(2010, 3, 1), first_name="Ada")
    EpisodeFactory(child=child, start_date=datetime.date(2020, 1, 1))
    return child


def _url(agreement, fmt="jsonl"):
    return reverse(f"sharing-api:dataset-{fmt}", kwargs={"pk": agreement.pk})


def _bearer(secret):
    return Client(headers={"Authorization": f"Bearer {secret}"})


def test_a_recipient_lists_their_agreements_and_streams_a_dataset(recipient, active):
    child = _child()
    client = signed_in(recipient)
    listed = client.get(reverse("sharing-api:agreements")).json()["results"]
    assert [item["id"] for item in listed] == [active.pk]
    assert listed[0]["dataset"]["csv"].endswith(_url(active, "csv"))
    response = client.get(_url(active))
    assert response.status_code == 200
    assert response.streaming
    body = b"".join(response.streaming_content)
    rows = [json.loads(line) for line in body.decode().splitlines()[1:]]
    assert {row["child"] for row in rows} == {str(child.pk)}
    entry = DisclosureLogEntry.objects.get()
    assert entry.recipient == recipient and entry.token is None
    assert entry.sha256 == hashlib.sha256(body).hexdigest()


def test_another_organisations_agreement_is_404(recipient, active, admin_user, admin2):
    other = services.organisation_add(
        actor=admin_user,
        name="Other Youth Service",
        type="youth_support",
        identifier_kind="la_code",
        identifier="331",
        contact_name="B",
        contact_email="b@example.invalid",
    )
    from tests.sharing.conftest import agreement_values

    theirs = services.agreement_draft(actor=admin_user, **agreement_values(other))
    theirs = services.agreement_approve(actor=admin2, agreement=theirs)
    client = signed_in(recipient)
    assert client.get(_url(theirs)).status_code == 404
    assert client.get(_url(active).replace(".jsonl", ".xml")).status_code == 404
    assert not DisclosureLogEntry.objects.exists()


def test_draft_suspended_and_expired_are_403_and_release_nothing(recipient, draft, admin2):
    _child()
    client = signed_in(recipient)
    assert client.get(_url(draft)).status_code == 403
    approved = services.agreement_approve(actor=admin2, agreement=draft)
    with time_machine.travel(datetime.datetime(2027, 4, 1, 11, tzinfo=datetime.UTC)):
        expired = signed_in(recipient).get(_url(approved))
        assert expired.status_code == 403
        assert "expired" in expired.json()["detail"]
    services.agreement_suspend(actor=admin2, agreement=approved, reason="Breach")
    assert client.get(_url(approved)).status_code == 403
    assert not DisclosureLogEntry.objects.exists()


def test_staff_and_anonymous_are_refused(caseworker, manager, active):
    assert Client().get(_url(active)).status_code == 403
    assert signed_in(manager).get(_url(active)).status_code == 403
    assert signed_in(caseworker).get(reverse("sharing-api:agreements")).status_code == 403


def test_a_token_is_hashed_works_for_its_agreement_and_is_logged(admin_user, active):
    _child()
    token, secret = services.token_issue(actor=admin_user, agreement=active, name="Youth CRM")
    assert token.secret_sha256 == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in str(AgreementToken.objects.values_list().get())
    response = _bearer(secret).get(_url(active, "csv"))
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    entry = DisclosureLogEntry.objects.get()
    assert entry.token == token and entry.recipient is None
    assert entry.sha256 == hashlib.sha256(body).hexdigest()
    listed = _bearer(secret).get(reverse("sharing-api:agreements")).json()["results"]
    assert [item["id"] for item in listed] == [active.pk]


def test_expired_revoked_and_unknown_tokens_are_refused(admin_user, active):
    token, secret = services.token_issue(actor=admin_user, agreement=active, name="CRM", days=1)
    response = _bearer(secret).get(_url(active))
    assert response.status_code == 200
    b"".join(response.streaming_content)
    with time_machine.travel(NOW + datetime.timedelta(days=2)):
        assert _bearer(secret).get(_url(active)).status_code == 401
    services.token_revoke(actor=admin_user, token=token)
    assert _bearer(secret).get(_url(active)).status_code == 401
    assert _bearer("vs_not-a-token").get(_url(active)).status_code == 401
    assert DisclosureLogEntry.objects.count() == 1


def test_a_token_is_rate_limited(admin_user, active):
    _, secret = services.token_issue(actor=admin_user, agreement=active, name="CRM")
    client = _bearer(secret)
    statuses = [client.get(reverse("sharing-api:agreements")).status_code for _ in range(61)]
    assert statuses[:60] == [200] * 60
    assert statuses[60] == 429


def test_only_admins_issue_tokens(manager, active):
    from virtualschool.errors import DomainError

    with pytest.raises(DomainError):
        services.token_issue(actor=manager, agreement=active, name="CRM")
    assert not AgreementToken.objects.exists()
