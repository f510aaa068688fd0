"""The dataset as PostgreSQL formats it (one COPY per table): CSV and JSON Lines carry the
same records, every category walked; text of any kind survives both; the pseudonym computed
in SQL is the HMAC `pseudonym` computes; a stream broken inside a table is logged; and the
queries are one per table whatever the cohort."""

from __future__ import annotations

import csv
import datetime
import hashlib
import io
import json

import pytest

from records.categories import DataCategory
from records.demo import DemoStaff, seed_children
from records.models import Child
from sharing import datasets, services
from sharing.models import DisclosureLogEntry, SharingAgreement
from tests.factories import ChildFactory, EpisodeFactory, UserFactory
from tests.sharing.conftest import agreement_values
from tests.sharing.test_datasets import released_fields
from virtualschool.roles import Role

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 6, 1)
EVERY_STATUS = {"legal_statuses": ["CLA", "CPP", "CIN", "PLAC"], "min_age": None, "max_age": None}


def _looked_after(born=datetime.date(2010, 3, 1), **kwargs):
    child = ChildFactory(date_of_birth=born, **kwargs)
    EpisodeFactory(child=child, start_date=datetime.date(2020, 1, 1))
    return child


def _agreement(organisation, **changes):
    return SharingAgreement(pk=998, state="approved", **agreement_values(organisation, **changes))


def _read(dataset, fmt):
    return b"".join(datasets.encode(dataset, fmt)).decode()


def _jsonl(body):
    head, *rows = (json.loads(line) for line in body.splitlines())
    return head, rows


def _csv(body):
    """(dictionary lines, [(table, {column: cell})] in order)."""
    dictionary, rows, columns = [], [], {}
    for record in csv.reader(io.StringIO(body)):
        if record[0] == "field":
            dictionary.append(record)
        elif record[0] == "columns":
            columns[record[1]] = record[2:]
        elif record[0] == "row":
            rows.append((record[1], dict(zip(columns[record[1]], record[2:], strict=True))))
    return dictionary, rows


def _as_csv(value):
    """What a JSON value is in the CSV."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list) and value and isinstance(value[0], list):
        return json.dumps(value)  # a list of lists is its JSON, not flattened
    if isinstance(value, list):
        return ";".join(str(item) for item in value)
    return str(value)


@pytest.mark.parametrize("category", list(DataCategory))
def test_csv_and_json_lines_carry_the_same_records_and_only_the_categorys_fields(
    organisation, category
):
    """Walk the data map in the CSV too: each table's columns are fields the map files under
    the category, and each record is the JSON Lines record, cell by cell."""
    manager = UserFactory(username="manager_fmt", role=Role.MANAGER)
    caseworker = UserFactory(username="caseworker_fmt", role=Role.CASEWORKER)
    seed_children(
        count=12, seed=3, staff=DemoStaff(manager=manager, caseworkers=(caseworker,)), today=DAY
    )
    agreement = _agreement(organisation, categories=[category.value], **EVERY_STATUS)
    head, json_rows = _jsonl(_read(datasets.build(agreement=agreement, on=DAY), "jsonl"))
    dictionary, csv_rows = _csv(_read(datasets.build(agreement=agreement, on=DAY), "csv"))
    allowed = released_fields(category)
    assert {(table, name) for _, table, name, _ in dictionary} == allowed
    assert [[f["table"], f["field"], f["category"]] for f in head["dictionary"]] == [
        line[1:] for line in dictionary
    ]
    assert len(csv_rows) == len(json_rows)
    for (table, cells), record in zip(csv_rows, json_rows, strict=True):
        assert table == record["table"]
        assert cells.pop("child") == record["child"]
        assert {(table, name) for name in cells} <= allowed
        for name, cell in cells.items():
            value = record["values"].get(name)
            if isinstance(value, dict):
                assert json.loads(cell) == value
            else:
                assert cell == _as_csv(value), (table, name)
        assert set(record["values"]) <= set(cells)


def test_text_of_any_kind_survives_both_formats(organisation):
    awkward = 'Zoë, "Jo"\nO\'Neil \\ \x01\x02 end'
    child = _looked_after(first_name=awkward)
    agreement = _agreement(organisation)
    _, rows = _jsonl(_read(datasets.build(agreement=agreement, on=DAY), "jsonl"))
    assert [row["values"]["first_name"] for row in rows] == [awkward]
    _, csv_rows = _csv(_read(datasets.build(agreement=agreement, on=DAY), "csv"))
    assert [(cells["child"], cells["first_name"]) for _, cells in csv_rows] == [
        (str(child.pk), awkward)
    ]


def test_each_csv_line_ends_as_rfc_4180_says(organisation):
    _looked_after()
    body = _read(datasets.build(agreement=_agreement(organisation), on=DAY), "csv")
    assert body.endswith("\r\n")
    assert "\n" not in body.replace("\r\n", "")


@pytest.mark.parametrize("key", ["short", "k" * 100])
def test_the_pseudonym_postgresql_computes_is_the_hmac(organisation, settings, key):
    """Keys up to and over SHA-256's 64-byte block (RFC 2104 hashes a longer key first)."""
    settings.SHARING_PSEUDONYM_KEY = key
    child = _looked_after(first_name="Ada")
    agreement = _agreement(organisation, mode="pseudonymised", categories=["social_care"])
    expected = datasets.pseudonym(agreement.pk, child.pk)
    for fmt in datasets.FORMATS:
        body = _read(datasets.build(agreement=agreement, on=DAY), fmt)
        assert str(child.pk) not in body and "Ada" not in body
        if fmt == "csv":
            _, rows = _csv(body)
            assert {cells["pseudonym"] for _, cells in rows} == {expected}
        else:
            _, rows = _jsonl(body)
            assert {row["pseudonym"] for row in rows} == {expected}


def test_a_restricted_childs_other_fields_are_empty_in_the_csv(active_youth, admin_user):
    child = _looked_after(first_name="Ada", gender="F")
    services.restriction_add(
        actor=admin_user, child=child, kind="nad_only", requested_by="child", reason="Asked"
    )
    other = _looked_after(gender="F")
    dataset = datasets.build(agreement=active_youth, on=DAY)
    _, rows = _csv(_read(dataset, "csv"))
    mine = [(table, cells) for table, cells in rows if cells["child"] == str(child.pk)]
    assert [table for table, _ in mine] == ["records_child"]
    cells = mine[0][1]
    assert cells["first_name"] == "Ada"
    assert cells["gender"] == ""
    assert {name for name, cell in cells.items() if cell} <= datasets.NAME_ADDRESS_DOB | {"child"}
    theirs = [cells for table, cells in rows if cells["child"] == str(other.pk)]
    assert {"F"} <= {cells.get("gender") for cells in theirs}
    assert dataset.child_ids == {str(child.pk), str(other.pk)}


@pytest.fixture
def active_youth(draft, admin2):
    draft.categories = ["identity", "contact", "social_care"]
    draft.save(update_fields=["categories"])
    return services.agreement_approve(actor=admin2, agreement=draft)


def test_a_stream_broken_inside_a_table_is_logged_with_what_was_read(
    active_youth, admin_user, monkeypatch
):
    monkeypatch.setattr(datasets, "CHUNK_BYTES", 256)
    for year in range(2008, 2013):
        _looked_after(datetime.date(year, 3, 1))
    dataset = datasets.build(agreement=active_youth, on=DAY)
    stream = datasets.logged_stream(dataset, "jsonl", recipient=admin_user)
    sent = next(stream) + next(stream)
    stream.close()
    entry = DisclosureLogEntry.objects.get()
    assert not entry.complete
    assert entry.sha256 == hashlib.sha256(sent).hexdigest()
    assert entry.size == len(sent)
    assert 0 < entry.row_count < 10
    assert 0 < entry.child_count <= 5
    # The connection is usable after the COPY left part read.
    assert Child.objects.count() == 5


@pytest.mark.parametrize("fmt", datasets.FORMATS)
def test_one_query_a_table_at_two_sizes(organisation, django_assert_num_queries, fmt):
    agreement = _agreement(
        organisation, categories=["identity", "contact", "social_care"], **EVERY_STATUS
    )
    tables = len(datasets.build(agreement=agreement, on=DAY).plans)
    assert tables >= 2
    for count in (2, 6):
        for _ in range(count):
            _looked_after()
        dataset = datasets.build(agreement=agreement, on=DAY)
        with django_assert_num_queries(tables):
            _read(dataset, fmt)
        assert dataset.rows == 2 * Child.objects.count()
