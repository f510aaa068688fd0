"""The disclosure log: every release is logged with the hash of exactly what was sent; the
Admins search it; each child's page says who received their data."""

from __future__ import annotations

import datetime
import hashlib

import pytest
from django.urls import reverse

from records.datamap import DATA_MAP
from sharing import datasets, services
from sharing.models import DisclosureChild, DisclosureLogEntry
from tests.conftest import signed_in
from tests.factories import ChildFactory, EpisodeFactory

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 6, 1)


def _looked_after(born, **kwargs):
    child = ChildFactory(date_of_birth=born, **kwargs)
    EpisodeFactory(child=child, start_date=datetime.date(2020, 1, 1))
    return child


@pytest.fixture
def active(draft, admin2):
    return services.agreement_approve(actor=admin2, agreement=draft)


def test_a_release_is_logged_with_the_hash_of_what_was_sent(active, admin_user):
    first = _looked_after(datetime.date(2010, 3, 1))
    second = _looked_after(datetime.date(2011, 3, 1))
    _looked_after(datetime.date(2019, 3, 1))  # too young: not sent
    dataset = datasets.build(agreement=active, on=DAY)
    body = b"".join(datasets.logged_stream(dataset, "csv", recipient=admin_user))
    entry = DisclosureLogEntry.objects.get()
    assert entry.sha256 == hashlib.sha256(body).hexdigest()
    assert entry.size == len(body)
    assert entry.complete
    assert (entry.agreement, entry.recipient, entry.format) == (active, admin_user, "csv")
    assert entry.row_count == 2  # each child's own row: identity and contact
    assert "records_child.first_name" in entry.fields
    assert {row.child_id for row in entry.children.all()} == {first.pk, second.pk}
    assert entry.disclosure_date == DAY


def test_a_broken_connection_is_logged_as_incomplete(active, admin_user):
    for year in range(2008, 2013):
        _looked_after(datetime.date(year, 3, 1))
    dataset = datasets.build(agreement=active, on=DAY)
    stream = datasets.logged_stream(dataset, "jsonl", recipient=admin_user)
    sent = next(stream)
    assert not DisclosureLogEntry.objects.exists()
    stream.close()  # what the server does when the client goes away
    entry = DisclosureLogEntry.objects.get()
    assert not entry.complete
    assert entry.sha256 == hashlib.sha256(sent).hexdigest()


def test_the_log_rows_of_a_child_are_in_the_data_map_and_go_with_the_child(active, admin_user):
    assert DisclosureChild in DATA_MAP
    child = _looked_after(datetime.date(2010, 3, 1))
    b"".join(datasets.logged_stream(datasets.build(agreement=active, on=DAY), "csv"))
    entry = DATA_MAP.entry_for(DisclosureChild)
    assert entry.rows_for_children([child.pk]).count() == 1
    child.delete()
    assert not DisclosureChild.objects.exists()
    assert DisclosureLogEntry.objects.count() == 1


def test_the_childs_page_says_who_received_their_data(active, manager):
    child = _looked_after(datetime.date(2010, 3, 1))
    page = signed_in(manager).get(reverse("records:child-detail", kwargs={"pk": child.pk}))
    assert b'id="shared-with"' in page.content
    assert b"has not been shared" in page.content
    b"".join(datasets.logged_stream(datasets.build(agreement=active, on=DAY), "csv"))
    page = signed_in(manager).get(reverse("records:child-detail", kwargs={"pk": child.pk}))
    text = page.content.decode()
    assert "Northshire Youth Service" in text
    assert active.name.replace(":", "") in text.replace(":", "")
    assert "has not been shared" not in text


def test_admins_search_the_log(active, admin_user):
    child = _looked_after(datetime.date(2010, 3, 1))
    other = _looked_after(datetime.date(2011, 3, 1))
    b"".join(datasets.logged_stream(datasets.build(agreement=active, on=DAY), "csv"))
    other_id = other.pk
    other.delete()
    client = signed_in(admin_user)
    url = reverse("sharing:disclosures")
    assert b'id="disclosures"' in client.get(url).content
    found = client.get(url, {"child": str(child.pk), "agreement": active.pk})
    assert b'id="disclosures"' in found.content
    none = client.get(url, {"date_from": "2026-06-02"})
    assert b"No disclosure matches" in none.content
    missing = client.get(url, {"child": str(other_id)})
    assert b"No disclosure matches" in missing.content
    wrong = client.get(url, {"child": "not-an-id"})
    assert b"Enter the child&#x27;s ID" in wrong.content
    assert b'id="disclosures"' not in wrong.content


def test_the_log_is_the_admins(manager, caseworker):
    url = reverse("sharing:disclosures")
    assert signed_in(manager).get(url).status_code == 404
    assert signed_in(caseworker).get(url).status_code == 404
