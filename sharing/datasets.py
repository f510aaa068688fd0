"""The dataset an agreement releases on a day (issue 13; docs/adr/0009-sharing-agreements.md).

- Children: `sharing.cohort` (the preview's rules, written once), on the day in Europe/London.
- Fields: every field the data map (records/datamap.py) files under the agreement's
  categories, in the tables of the record a recipient could receive; a field whose category
  is set row by row (a note's text) only from rows filed under one of them.
- Restrictions: "do not share with" the recipient's type takes the child out of the cohort;
  "name, address and date of birth only" (youth support services) releases only those of the
  child's own fields and none of their other rows.
- Mode: identifiable (the child's id), pseudonymised (identity and contact fields left out,
  the child named by `pseudonym`: HMAC-SHA256 keyed with settings.SHARING_PSEUDONYM_KEY over
  the agreement's and the child's ids, stable for one agreement and unlinkable across two),
  or statistics only (tables of counts suppressed by `sharing.statistics`, no child's row).

A dataset is long: after its data dictionary (each released field's table, name and
category), one record per row of the record, with the fields released from it. It is
produced as an iterator of encoded chunks: one server-side cursor per table read in chunks,
so memory stays flat and the number of queries is the number of tables, whatever the
cohort's size.
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import hmac
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, QuerySet
from django.utils import timezone

from records import calendar
from records.categories import DataCategory
from records.datamap import DATA_MAP, Entry, Reach
from records.models import Child
from sharing.cohort import cohort
from sharing.models import (
    Mode,
    RecipientType,
    RestrictionKind,
    SharingAgreement,
    SharingRestriction,
)
from sharing.selectors import NOT_RELEASED_AREAS, agreements_active
from sharing.services import disclosure_record, today
from sharing.statistics import PublishedTable, Table, suppress

# Only rows that reach their child by a key are released (not logs, not import reports).
RELEASED_REACHES = frozenset({Reach.SELF, Reach.FOREIGN_KEY})
# Pseudonymisation leaves these out: the pseudonym stands for them.
IDENTIFYING = frozenset({DataCategory.IDENTITY, DataCategory.CONTACT})
# "Name, address and date of birth only" (the DfE's model privacy notice for local
# authorities, Education Act 1996 s507B): the child's own fields that stay.
NAME_ADDRESS_DOB = frozenset(
    {
        "first_name",
        "last_name",
        "date_of_birth",
        "address_line_1",
        "address_line_2",
        "town",
        "postcode",
    }
)
CHUNK_SIZE = 2000
# About how much is sent at once.
CHUNK_BYTES = 65536
FORMATS = ("csv", "jsonl")
CSV_HEADER = ("record", "child", "table", "row", "field", "value")


@dataclass(frozen=True)
class DictionaryField:
    table: str
    field: str
    # The category's label, or for a by-row field the categories its rows may carry.
    category: str


@dataclass(frozen=True)
class TablePlan:
    entry: Entry
    fields: tuple[str, ...]
    # Fields whose category is the row's: field -> the field holding the row's category.
    by_row: dict[str, str]


@dataclass
class Dataset:
    agreement: SharingAgreement
    on: datetime.date
    mode: str
    dictionary: list[DictionaryField]
    plans: list[TablePlan]
    children: QuerySet[Child]
    # Filled while the dataset is read: the children sent and the records written.
    child_ids: set[int] = field(default_factory=set)
    rows: int = 0

    @property
    def fields(self) -> list[str]:
        return [f"{item.table}.{item.field}" for item in self.dictionary]


def pseudonym(agreement_id: int, child_id: int) -> str:
    """The child's stable name in one agreement's datasets: HMAC-SHA256 (RFC 2104) keyed with
    the service's pseudonym key over the agreement's id and the child's id."""
    key = settings.SHARING_PSEUDONYM_KEY.encode()
    message = f"agreement:{agreement_id}:child:{child_id}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def _allowed(entry: Entry, name: str, categories: frozenset[DataCategory], mode: str) -> bool:
    possible = entry.possible_categories(name)
    if mode == Mode.PSEUDONYMISED:
        possible = possible - IDENTIFYING
    return bool(possible & categories)


def plan(agreement: SharingAgreement) -> tuple[list[DictionaryField], list[TablePlan]]:
    """Which fields of which tables the agreement releases, from the data map alone."""
    categories = frozenset(DataCategory(value) for value in agreement.categories)
    dictionary: list[DictionaryField] = []
    plans: list[TablePlan] = []
    for entry in DATA_MAP.entries():
        if entry.area in NOT_RELEASED_AREAS or entry.reach not in RELEASED_REACHES:
            continue
        declaration = entry.declaration
        names = tuple(
            name
            for name in entry.personal_fields
            if name not in entry.copies and _allowed(entry, name, categories, agreement.mode)
        )
        if not names:
            continue
        by_row = {name: declaration.by_row[name] for name in names if name in declaration.by_row}
        plans.append(TablePlan(entry=entry, fields=names, by_row=by_row))
        for name in names:
            dictionary.append(
                DictionaryField(
                    table=entry.table, field=name, category=_category_words(entry, name)
                )
            )
    return dictionary, plans


def _category_words(entry: Entry, name: str) -> str:
    if name in entry.declaration.by_row:
        labels = sorted(category.label for category in entry.possible_categories(name))
        return "The row's category: one of " + ", ".join(labels)
    category = entry.declaration.category_of(name)
    return category.label if category is not None else ""


def build(*, agreement: SharingAgreement, on: datetime.date) -> Dataset:
    """The dataset `agreement` releases on `on`. Lazy: reading it runs the queries. The
    caller has checked the agreement is active that day (sharing.release)."""
    dictionary, plans = plan(agreement) if agreement.mode != Mode.STATISTICS else ([], [])
    return Dataset(
        agreement=agreement,
        on=on,
        mode=agreement.mode,
        dictionary=dictionary,
        plans=plans,
        children=cohort(agreement, on).children,
    )


def _value(value: Any) -> Any:
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()
    if value is None or isinstance(value, str | int | float | bool | list):
        return value
    return str(value)  # a Decimal keeps its digits


def _table_query(
    table_plan: TablePlan, dataset: Dataset, restricted: bool
) -> tuple[QuerySet, list[str]]:
    """One table's rows for the cohort, as value tuples: the child's id, the released
    fields, the rows' category fields, and for the child's own row whether "name, address
    and date of birth only" applies. Rows of a restricted child's other tables are left out."""
    entry = table_plan.entry
    lookup = entry.child_lookup
    rows = entry.model._default_manager.filter(**{f"{lookup}__in": dataset.children.values("pk")})
    category_fields = sorted(set(table_plan.by_row.values()))
    columns = [lookup, *table_plan.fields, *category_fields]
    if restricted:
        nad = Exists(
            SharingRestriction.objects.filter(
                child_id=OuterRef(lookup), kind=RestrictionKind.NAME_ADDRESS_DOB_ONLY
            )
        )
        if entry.reach is Reach.SELF:
            rows = rows.annotate(_nad=nad)
            columns.append("_nad")
        else:
            rows = rows.exclude(nad)
    if table_plan.by_row and all(name in table_plan.by_row for name in table_plan.fields):
        # Every field is the row's category's: send only rows filed under the agreement's.
        rows = rows.filter(**{f"{category_fields[0]}__in": dataset.agreement.categories})
    return rows.order_by(lookup, "pk").values_list(*columns), category_fields


def _released(
    table_plan: TablePlan, record: tuple, category_at: dict[str, int], only_nad: bool, allowed
) -> dict[str, Any]:
    values = {}
    for i, name in enumerate(table_plan.fields, start=1):
        if only_nad and name not in NAME_ADDRESS_DOB:
            continue
        category_field = table_plan.by_row.get(name)
        if category_field is not None and record[category_at[category_field]] not in allowed:
            continue
        values[name] = _value(record[i])
    return values


def _rows(dataset: Dataset) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(child, table, values) for every released row: one query per table."""
    agreement = dataset.agreement
    allowed = set(agreement.categories)
    restricted = agreement.organisation.type == RecipientType.YOUTH_SUPPORT
    pseudonymised = dataset.mode == Mode.PSEUDONYMISED
    for table_plan in dataset.plans:
        rows, category_fields = _table_query(table_plan, dataset, restricted)
        first = 1 + len(table_plan.fields)
        category_at = {name: first + i for i, name in enumerate(category_fields)}
        self_row = restricted and table_plan.entry.reach is Reach.SELF
        for record in rows.iterator(chunk_size=CHUNK_SIZE):
            only_nad = self_row and record[-1]
            values = _released(table_plan, record, category_at, only_nad, allowed)
            if not values:
                continue
            child_id = record[0]
            dataset.child_ids.add(child_id)
            name = pseudonym(agreement.pk, child_id) if pseudonymised else str(child_id)
            yield name, table_plan.entry.table, values


def statistics_table(dataset: Dataset) -> PublishedTable:
    """A statistics-only agreement's table: the cohort's children by age on the day × gender,
    in one query, suppressed (sharing.statistics.suppress) before it leaves."""
    counts: dict[tuple[int, str], int] = {}
    grouped = dataset.children.values("date_of_birth", "gender").annotate(n=Count("pk"))
    for row in grouped.order_by():
        age = calendar.age_on(row["date_of_birth"], dataset.on)
        key = (age, row["gender"])
        counts[key] = counts.get(key, 0) + row["n"]
    genders = Child._meta.get_field("gender").flatchoices
    ages = sorted({age for age, _ in counts})
    table = Table.of(
        title=f"Children by age and gender on {dataset.on:%-d %B %Y}",
        row_labels=[f"Aged {age}" for age in ages],
        column_labels=[str(label) for _, label in genders],
        cells=[[counts.get((age, value), 0) for value, _ in genders] for age in ages],
        notes=("Children the agreement covers on the day, by completed years of age.",),
    )
    return suppress(table)


def _csv_cell(value: Any) -> Any:
    if isinstance(value, list):
        return ";".join(str(item) for item in value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def _lines_csv(dataset: Dataset) -> Iterator[str]:
    """The CSV in pieces of about 64 KiB, each of whole lines: one writer over one buffer,
    the fields of a record written together."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")

    def taken() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow(CSV_HEADER)
    writer.writerows(
        ("field", "", item.table, "", item.field, item.category) for item in dataset.dictionary
    )
    if dataset.mode == Mode.STATISTICS:
        table = statistics_table(dataset)
        for number, row in enumerate(table.rows(), start=1):
            writer.writerows(
                ("statistics", "", table.title, number, column, value)
                for column, value in enumerate(row)
            )
        writer.writerow(("footnote", "", table.title, "", "", table.footnote))
        yield taken()
        return
    for number, (child, table_name, values) in enumerate(_rows(dataset), start=1):
        dataset.rows += 1
        writer.writerows(
            ("value", child, table_name, number, name, _csv_cell(value))
            for name, value in values.items()
        )
        if buffer.tell() >= CHUNK_BYTES:
            yield taken()
    yield taken()


def _lines_jsonl(dataset: Dataset) -> Iterator[str]:
    dictionary = [
        {"table": item.table, "field": item.field, "category": item.category}
        for item in dataset.dictionary
    ]
    head = {
        "agreement": dataset.agreement.pk,
        "date": dataset.on.isoformat(),
        "mode": dataset.mode,
        "dictionary": dictionary,
    }
    yield json.dumps(head, ensure_ascii=False) + "\n"
    if dataset.mode == Mode.STATISTICS:
        table = statistics_table(dataset)
        yield json.dumps({"statistics": table.title, "rows": table.rows()}) + "\n"
        yield json.dumps({"footnote": table.footnote}, ensure_ascii=False) + "\n"
        return
    key = "pseudonym" if dataset.mode == Mode.PSEUDONYMISED else "child"
    for child, table_name, values in _rows(dataset):
        dataset.rows += 1
        line = {key: child, "table": table_name, "values": values}
        yield json.dumps(line, ensure_ascii=False) + "\n"


def encode(dataset: Dataset, fmt: str) -> Iterator[bytes]:
    """The dataset as UTF-8 chunks of about 64 KiB (CSV by RFC 4180, or JSON Lines)."""
    if fmt not in FORMATS:
        raise ValueError(f"Unknown format {fmt!r}: use one of {', '.join(FORMATS)}.")
    lines = _lines_csv(dataset) if fmt == "csv" else _lines_jsonl(dataset)
    pending: list[str] = []
    size = 0
    for line in lines:
        pending.append(line)
        size += len(line)
        if size >= CHUNK_BYTES:
            yield "".join(pending).encode()
            pending, size = [], 0
    if pending:
        yield "".join(pending).encode()


def logged_stream(
    dataset: Dataset, fmt: str, *, recipient: Any = None, token: Any = None
) -> Iterator[bytes]:
    """The dataset's chunks as they are sent, hashed (SHA-256) and counted on the way, and the
    disclosure logged (sharing.services.disclosure_record) when the stream ends: with the hash
    of exactly the bytes sent, the children and the fields.

    A connection broken part way closes this generator (the server calls close() on the
    response, which raises GeneratorExit at the `yield`): the log row is written then too,
    with complete=False, the bytes and hash of what had been handed to the server and the
    children of the records read so far. Nothing is logged only if no byte was produced."""
    if fmt not in FORMATS:
        raise ValueError(f"Unknown format {fmt!r}: use one of {', '.join(FORMATS)}.")
    started_at = timezone.now()
    digest = hashlib.sha256()
    size = 0
    complete = False
    try:
        for chunk in encode(dataset, fmt):
            digest.update(chunk)
            size += len(chunk)
            yield chunk
        complete = True
    finally:
        disclosure_record(
            agreement=dataset.agreement,
            recipient=recipient,
            token=token,
            started_at=started_at,
            disclosure_date=dataset.on,
            fmt=fmt,
            fields=dataset.fields,
            row_count=dataset.rows,
            child_ids=dataset.child_ids,
            size=size,
            sha256=digest.hexdigest(),
            complete=complete,
        )


class NotReleasedError(Exception):
    """The agreement releases nothing on the day: a draft, suspended, not yet in force or
    expired. The API answers 403 and sends nothing."""


def dataset_for_release(*, agreement: SharingAgreement, on: datetime.date | None = None) -> Dataset:
    """The dataset to send today (Europe/London), refused unless the agreement is approved
    and in date that day (sharing.selectors.agreements_active)."""
    on = on or today()
    if not agreements_active(on=on).filter(pk=agreement.pk).exists():
        raise NotReleasedError(
            f"Agreement {agreement.pk} is not active on {on:%-d %B %Y}: it is "
            f"{agreement.status_on(on).lower()}."
        )
    return build(agreement=agreement, on=on)
