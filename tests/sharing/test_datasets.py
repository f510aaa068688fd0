"""The dataset an agreement releases: who is in it, which fields, in each mode, with
restrictions, on the day (Europe/London), in a fixed number of queries."""

from __future__ import annotations

import csv
import datetime
import io
import json

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from records.categories import DataCategory
from records.datamap import DATA_MAP
from records.demo import DemoStaff, seed_children
from records.models import Child, Note
from sharing import datasets, services
from sharing.models import SharingAgreement
from tests.factories import ChildFactory, EpisodeFactory
from tests.sharing.conftest import agreement_values

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 6, 1)


def _looked_after(born, **kwargs):
    child = ChildFactory(date_of_birth=born, **kwargs)
    EpisodeFactory(child=child, start_date=datetime.date(2020, 1, 1))
    return child


def _read(dataset, fmt="jsonl"):
    return b"".join(datasets.encode(dataset, fmt))


def _lines(dataset):
    head, *rows = (json.loads(line) for line in _read(dataset).decode().splitlines())
    return head, rows


@pytest.fixture
def active(draft, admin2):
    return services.agreement_approve(actor=admin2, agreement=draft)


def _agreement(organisation, **changes):
    """An agreement as stored, without the services' checks: for walking every category."""
    values = agreement_values(organisation, **changes)
    return SharingAgreement(pk=999, state="approved", **values)


def test_identifiable_releases_the_cohort_with_the_categories_fields(active):
    included = _looked_after(datetime.date(2010, 3, 1), first_name="Ada", postcode="NE1 1AA")
    _looked_after(datetime.date(2018, 3, 1))  # 8: under 13
    ChildFactory(date_of_birth=datetime.date(2010, 3, 1))  # no legal status
    head, rows = _lines(datasets.build(agreement=active, on=DAY))
    assert head["mode"] == "identifiable"
    assert {(f["table"], f["field"]) for f in head["dictionary"]} >= {
        ("records_child", "first_name"),
        ("records_child", "postcode"),
    }
    assert {row["child"] for row in rows} == {str(included.pk)}
    child_row = next(row for row in rows if row["table"] == "records_child")
    assert child_row["values"]["first_name"] == "Ada"
    assert child_row["values"]["postcode"] == "NE1 1AA"
    assert child_row["values"]["date_of_birth"] == "2010-03-01"
    # Legal status is social care: not in an identity and contact agreement.
    assert all(row["table"] != "records_legalstatusepisode" for row in rows)


def test_pseudonymised_leaves_identity_out_and_names_the_child_by_a_stable_pseudonym(
    organisation, admin_user, admin2
):
    child = _looked_after(datetime.date(2010, 3, 1), first_name="Ada")
    agreement = services.agreement_draft(
        actor=admin_user,
        **agreement_values(
            organisation, mode="pseudonymised", categories=["identity", "social_care"]
        ),
    )
    services.agreement_approve(actor=admin2, agreement=agreement)
    head, rows = _lines(datasets.build(agreement=agreement, on=DAY))
    categories = {f["category"] for f in head["dictionary"]}
    assert DataCategory.SOCIAL_CARE.label in categories
    assert not categories & {DataCategory.IDENTITY.label, DataCategory.CONTACT.label}
    expected = datasets.pseudonym(agreement.pk, child.pk)
    assert {row["pseudonym"] for row in rows} == {expected}
    assert len(expected) == 64 and str(child.pk) != expected
    assert all("child" not in row for row in rows)
    assert b"Ada" not in _read(datasets.build(agreement=agreement, on=DAY))
    # Stable for the agreement, different for another.
    assert datasets.pseudonym(agreement.pk, child.pk) == expected
    assert datasets.pseudonym(agreement.pk + 1, child.pk) != expected


def test_statistics_only_sends_suppressed_counts_and_no_child(organisation, admin_user):
    for _ in range(12):
        _looked_after(datetime.date(2010, 3, 1), gender="M")
    _looked_after(datetime.date(2009, 3, 1), gender="F", first_name="Zed")
    agreement = _agreement(organisation, mode="statistics")
    head, rows = _lines(datasets.build(agreement=agreement, on=DAY))
    assert head["dictionary"] == []
    table = rows[0]["rows"]
    assert all("child" not in row and "pseudonym" not in row for row in rows)
    body = _read(datasets.build(agreement=agreement, on=DAY), "csv").decode()
    assert "Zed" not in body
    # The single girl aged 17 is a count under the threshold: shown as c, never 1.
    aged_17 = next(row for row in table if row[0] == "Aged 17")
    assert 1 not in aged_17[1:]
    assert "c" in aged_17
    aged_16 = next(row for row in table if row[0] == "Aged 16")
    assert 12 in aged_16 or "c" in aged_16


def _seeded(count, seed=7):
    from tests.factories import UserFactory
    from virtualschool.roles import Role

    manager = UserFactory(username=f"manager_seed_{seed}", role=Role.MANAGER)
    caseworker = UserFactory(username=f"caseworker_seed_{seed}", role=Role.CASEWORKER)
    staff = DemoStaff(manager=manager, caseworkers=(caseworker,))
    seed_children(count=count, seed=seed, staff=staff, today=DAY)


def released_fields(category):
    """(table, field) of every field the data map files under the category, in the tables of
    the record a recipient could receive."""
    return {
        (entry.table, name)
        for entry, name in DATA_MAP.fields_in(category)
        if entry.area not in datasets.NOT_RELEASED_AREAS
        and entry.reach in datasets.RELEASED_REACHES
        and name not in entry.copies
    }


@pytest.mark.parametrize("category", list(DataCategory))
def test_no_field_outside_the_agreements_categories_is_released(organisation, category):
    """Walk the data map: for an agreement of one category, every field in the dataset is
    one the map files under that category, and every such field of the record is there."""
    _seeded(12)
    agreement = _agreement(
        organisation,
        categories=[category.value],
        legal_statuses=["CLA", "CPP", "CIN", "PLAC"],
        min_age=None,
        max_age=None,
    )
    dataset = datasets.build(agreement=agreement, on=DAY)
    head, rows = _lines(dataset)
    allowed = released_fields(category)
    assert {(f["table"], f["field"]) for f in head["dictionary"]} == allowed
    for row in rows:
        entry = next(e for e in DATA_MAP.entries() if e.table == row["table"])
        for name in row["values"]:
            assert (row["table"], name) in allowed
            assert category in entry.possible_categories(name)
    # A note's text is sent only from notes filed under the category.
    sent_notes = [row for row in rows if row["table"] == Note._meta.db_table]
    assert all(row["values"]["category"] == category.value for row in sent_notes)


def test_name_address_and_dob_only_for_youth_support(active, admin_user):
    child = _looked_after(datetime.date(2010, 3, 1), first_name="Ada", gender="F")
    services.restriction_add(
        actor=admin_user, child=child, kind="nad_only", requested_by="child", reason="Asked"
    )
    other = _looked_after(datetime.date(2010, 3, 1), gender="F")
    active.categories = ["identity", "contact", "social_care"]
    active.save(update_fields=["categories"])
    _, rows = _lines(datasets.build(agreement=active, on=DAY))
    mine = [row for row in rows if row["child"] == str(child.pk)]
    assert [row["table"] for row in mine] == ["records_child"]
    assert set(mine[0]["values"]) <= datasets.NAME_ADDRESS_DOB
    assert mine[0]["values"]["first_name"] == "Ada"
    theirs = {row["table"] for row in rows if row["child"] == str(other.pk)}
    assert theirs == {"records_child", "records_legalstatusepisode"}
    assert "gender" in next(r for r in rows if r["child"] == str(other.pk))["values"]


def test_do_not_share_with_the_recipients_type_leaves_the_child_out(active, admin_user):
    child = _looked_after(datetime.date(2010, 3, 1))
    services.restriction_add(
        actor=admin_user,
        child=child,
        kind="do_not_share",
        recipient_type="youth_support",
        requested_by="parent",
        reason="Asked",
    )
    _, rows = _lines(datasets.build(agreement=active, on=DAY))
    assert rows == []


def test_age_is_on_the_day_of_disclosure(active):
    """13 tomorrow: not in today's dataset, in tomorrow's (today in Europe/London)."""
    child = _looked_after(datetime.date(2013, 6, 2))
    # 23:30 UTC on 31 May is 00:30 on 1 June in London (BST).
    with time_machine.travel(datetime.datetime(2026, 5, 31, 23, 30, tzinfo=datetime.UTC)):
        _, rows = _lines(datasets.dataset_for_release(agreement=active))
        assert rows == []
    with time_machine.travel(datetime.datetime(2026, 6, 1, 23, 30, tzinfo=datetime.UTC)):
        _, rows = _lines(datasets.dataset_for_release(agreement=active))
        assert {row["child"] for row in rows} == {str(child.pk)}


def test_nothing_is_released_without_an_active_agreement(draft, admin2):
    with pytest.raises(datasets.NotReleasedError, match="draft"):
        datasets.dataset_for_release(agreement=draft, on=DAY)
    approved = services.agreement_approve(actor=admin2, agreement=draft)
    assert datasets.dataset_for_release(agreement=approved, on=DAY).agreement == approved
    with pytest.raises(datasets.NotReleasedError, match="expired"):
        datasets.dataset_for_release(agreement=approved, on=datetime.date(2027, 4, 1))
    suspended = services.agreement_suspend(actor=admin2, agreement=approved, reason="Breach")
    with pytest.raises(datasets.NotReleasedError, match="suspended"):
        datasets.dataset_for_release(agreement=suspended, on=DAY)


def test_csv_begins_with_the_data_dictionary(active):
    _looked_after(datetime.date(2010, 3, 1), first_name="Ada")
    body = _read(datasets.build(agreement=active, on=DAY), "csv").decode()
    records = list(csv.reader(io.StringIO(body)))
    assert records[0] == list(datasets.CSV_HEADER)
    kinds = [record[0] for record in records[1:]]
    assert kinds == sorted(kinds, key=lambda kind: kind != "field")
    assert ["field", "records_child", "first_name", "Identity"] in records
    # Then each table's columns, and a line per record of it.
    columns = next(r for r in records if r[:2] == ["columns", "records_child"])
    assert columns[2] == "child"
    row = next(r for r in records if r[:2] == ["row", "records_child"])
    assert len(row) == len(columns)
    assert row[columns.index("first_name")] == "Ada"


def test_the_number_of_queries_does_not_grow_with_the_cohort(organisation):
    agreement = _agreement(
        organisation,
        categories=[category.value for category in DataCategory],
        legal_statuses=["CLA", "CPP", "CIN", "PLAC"],
        min_age=None,
        max_age=None,
    )
    counts = []
    for seed, count in ((1, 5), (2, 5)):
        _seeded(count, seed=seed)
        with CaptureQueriesContext(connection) as queries:
            _read(datasets.build(agreement=agreement, on=DAY))
        counts.append(len(queries))
    assert Child.objects.count() == 10
    assert counts[0] == counts[1]
