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

After its data dictionary (each released field's table, name and category), a dataset has
one record per row of the record, with the fields released from it (the formats:
docs/ARCHITECTURE.md, Sharing). It is produced as an iterator of encoded chunks. Each table
is one `COPY (SELECT …) TO STDOUT` whose SELECT formats every line in PostgreSQL, read row by
row, so memory stays flat, the number of queries is the number of tables whatever the
cohort's size, and Python does little more per record than count it (docs/performance.md).
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import hmac
import io
import json
import re
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import connection
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
# About how much is sent at once.
CHUNK_BYTES = 65536
FORMATS = ("csv", "jsonl")
CSV_HEADER = ("record", "table", "field", "category")


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


def _table_query(
    table_plan: TablePlan, dataset: Dataset, restricted: bool
) -> tuple[QuerySet, list[str]]:
    """One table's rows for the cohort, as value tuples, and their columns' names: the
    child's id, the row's own id (but in the child's own row), the released fields, the
    rows' category fields, and in the child's own row whether "name, address and date of
    birth only" applies (`_nad`). Rows of a restricted child's other tables are left out."""
    entry = table_plan.entry
    lookup = entry.child_lookup
    rows = entry.model._default_manager.filter(**{f"{lookup}__in": dataset.children.values("pk")})
    category_fields = sorted(set(table_plan.by_row.values()))
    order = [lookup] if entry.reach is Reach.SELF else [lookup, "pk"]
    # Each name once: a note's category is released and also says the row's category.
    columns = list(dict.fromkeys([*order, *table_plan.fields, *category_fields]))
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
    return rows.order_by(*order).values_list(*columns), columns


# --- Formatted by PostgreSQL ------------------------------------------------------------------
# Each table's records are one `COPY (SELECT …) TO STDOUT` whose SELECT wraps the table's query
# above and formats each row as the line sent. Its first column is the child's id, which this
# module takes off the line (for the disclosure log's children; in pseudonymised mode it is
# never sent). JSON Lines come out as one CSV column with a delimiter and a quote that JSON
# text never holds unescaped, so PostgreSQL's JSON leaves COPY as it is.
CSV_COPY = "FORMAT csv"
JSONL_COPY = "FORMAT csv, DELIMITER E'\\x01', QUOTE E'\\x02'"
SEPARATOR = {"csv": b",", "jsonl": b"\x01"}
# Names written into the SQL as literals: tables, fields and categories from the data map.
SQL_NAME = re.compile(r"[a-z_][a-z0-9_]*\Z")
# PostgreSQL takes at most 100 arguments a function: json_build_object 50 fields at a time.
JSON_PAIRS = 50
DATES = frozenset({"DateField", "DateTimeField", "TimeField"})


def _sql_name(name: str) -> str:
    if not SQL_NAME.match(name):
        raise ValueError(f"{name!r} is not a table, field or category name.")
    return f"'{name}'"


@dataclass(frozen=True)
class _Column:
    name: str
    ref: str
    internal_type: str
    # When the field is released from a row (SQL), or None for always.
    condition: str | None


def _csv_sql(column: _Column) -> str:
    """A cell as the CSV has it: true/false, a list joined by ';' (a list of lists, such as an
    attendance year's running totals by week, as its JSON), ISO dates, empty for none."""
    ref, kind = column.ref, column.internal_type
    if kind == "BooleanField":
        value = f"CASE WHEN {ref} THEN 'true' WHEN NOT {ref} THEN 'false' END"
    elif kind == "ArrayField":
        value = (
            f"CASE WHEN array_ndims({ref}) > 1 THEN to_jsonb({ref})::text "
            f"ELSE array_to_string({ref}, ';') END"
        )
    elif kind == "JSONField":
        value = f"{ref}::text"
    elif kind in DATES:
        value = f"to_json({ref}) #>> '{{}}'"
    else:
        value = ref
    return value if column.condition is None else f"CASE WHEN {column.condition} THEN {value} END"


def _json_sql(column: _Column) -> str:
    # A Decimal keeps its digits, as text.
    return f"{column.ref}::text" if column.internal_type == "DecimalField" else column.ref


def _json_object(columns: list[_Column], kind: str = "json") -> str:
    objects = [
        f"{kind}_build_object("
        + ", ".join(f"{_sql_name(c.name)}, {_json_sql(c)}" for c in columns[i : i + JSON_PAIRS])
        + ")"
        for i in range(0, max(len(columns), 1), JSON_PAIRS)
    ]
    if len(objects) == 1:
        return objects[0]
    return "(" + " || ".join(f"{item}::jsonb" for item in objects) + f")::{kind}"


def _json_values(columns: list[_Column]) -> str:
    """The row's `values`: every released field, but a field whose condition fails is left
    out (jsonb concatenation then, so those keys come in jsonb's order)."""
    if all(column.condition is None for column in columns):
        return _json_object(columns)
    parts = [_json_object([c for c in columns if c.condition is None], "jsonb")]
    parts += [
        f"CASE WHEN {c.condition} THEN {_json_object([c], 'jsonb')} ELSE '{{}}'::jsonb END"
        for c in columns
        if c.condition is not None
    ]
    return "(" + " || ".join(parts) + ")::json"


def _pseudonym_sql(agreement_id: int, child: str) -> str:
    """`pseudonym` in SQL: HMAC-SHA256 (RFC 2104) from PostgreSQL's sha256(), with the key's
    inner and outer pads computed here, so no extension is needed."""
    key = settings.SHARING_PSEUDONYM_KEY.encode()
    if len(key) > hashlib.sha256().block_size:
        key = hashlib.sha256(key).digest()
    key = key.ljust(hashlib.sha256().block_size, b"\0")
    inner = bytes(byte ^ 0x36 for byte in key).hex()
    outer = bytes(byte ^ 0x5C for byte in key).hex()
    message = f"convert_to('agreement:{int(agreement_id)}:child:' || {child}::text, 'UTF8')"
    return f"encode(sha256('\\x{outer}'::bytea || sha256('\\x{inner}'::bytea || {message})), 'hex')"


def _copy_statement(
    table_plan: TablePlan, dataset: Dataset, fmt: str
) -> tuple[str, tuple[Any, ...], list[str]]:
    """The table's COPY, its parameters, and the CSV's `columns` line for it."""
    agreement = dataset.agreement
    restricted = agreement.organisation.type == RecipientType.YOUTH_SUPPORT
    rows, names = _table_query(table_plan, dataset, restricted)
    inner, params = rows.order_by().query.sql_with_params()
    ref = {name: f"r.c{i}" for i, name in enumerate(names)}
    allowed = "ARRAY[" + ", ".join(_sql_name(c) for c in sorted(agreement.categories)) + "]::text[]"
    model_meta = table_plan.entry.model._meta
    columns = []
    for name in table_plan.fields:
        conditions = []
        if "_nad" in ref and name not in NAME_ADDRESS_DOB:
            conditions.append(f"NOT {ref['_nad']}")
        if name in table_plan.by_row:
            conditions.append(f"{ref[table_plan.by_row[name]]} = ANY({allowed})")
        internal_type = model_meta.get_field(name).get_internal_type()
        columns.append(_Column(name, ref[name], internal_type, " AND ".join(conditions) or None))
    child_id = ref[names[0]]
    pseudonymised = dataset.mode == Mode.PSEUDONYMISED
    child = _pseudonym_sql(agreement.pk, child_id) if pseudonymised else f"{child_id}::text"
    table = _sql_name(table_plan.entry.table)
    if fmt == "csv":
        select = ", ".join([f"{child_id}::text", "'row'", table, child, *map(_csv_sql, columns)])
        options = CSV_COPY
    else:
        key = "'pseudonym'" if pseudonymised else "'child'"
        values = _json_values(columns)
        line = f"json_build_object({key}, {child}, 'table', {table}, 'values', {values})"
        select = f"{child_id}::text, {line}::text"
        options = JSONL_COPY
    # A row none of whose fields is released is not sent.
    where = ""
    if all(column.condition is not None for column in columns):
        where = " WHERE " + " OR ".join(f"({column.condition})" for column in columns)
    aliases = ", ".join(f"c{i}" for i in range(len(names)))
    order = ", ".join(ref[name] for name in names[: 1 if "pk" not in ref else 2])
    sql = (
        f"COPY (SELECT {select} FROM ({inner}) AS r({aliases}){where} "  # noqa: S608 - names from the data map, checked by _sql_name
        f"ORDER BY {order}) TO STDOUT ({options})"
    )
    heading = ["columns", table_plan.entry.table, "pseudonym" if pseudonymised else "child"]
    return sql, params, [*heading, *table_plan.fields]


def _copied(dataset: Dataset, fmt: str, sql: str, params: tuple[Any, ...]) -> Iterator[bytes]:
    """The lines of one COPY, the child's id taken off each; the children and the records
    counted as they are read (so a stream broken part way logs what was read)."""
    separator = SEPARATOR[fmt]
    add_child = dataset.child_ids.add
    started = time.perf_counter()
    try:
        with connection.cursor() as wrapper, wrapper.cursor.copy(sql, params) as copy:
            try:
                for row in copy:
                    line = bytes(row)
                    at = line.index(separator)
                    add_child(line[:at].decode())
                    dataset.rows += 1
                    yield line[at + 1 :]
            except GeneratorExit:
                # Closed part way (the client went): read the rest of this COPY, unsent,
                # rather than let psycopg cancel it, which would abort an enclosing
                # transaction and so the disclosure's log row.
                for _row in copy:
                    pass
                raise
    finally:
        if connection.queries_logged:
            elapsed = time.perf_counter() - started
            connection.queries_log.append({"sql": sql, "time": f"{elapsed:.3f}"})


def _csv_lines(rows: Iterable[Iterable[Any]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode()


def _head(dataset: Dataset, fmt: str) -> bytes:
    """The data dictionary, and for statistics only the whole table."""
    statistics = statistics_table(dataset) if dataset.mode == Mode.STATISTICS else None
    if fmt == "csv":
        lines: list[Iterable[Any]] = [CSV_HEADER]
        lines += [("field", item.table, item.field, item.category) for item in dataset.dictionary]
        if statistics is not None:
            lines += [("statistics", statistics.title, *row) for row in statistics.rows()]
            lines.append(("footnote", statistics.title, statistics.footnote))
        return _csv_lines(lines)
    head = {
        "agreement": dataset.agreement.pk,
        "date": dataset.on.isoformat(),
        "mode": dataset.mode,
        "dictionary": [
            {"table": item.table, "field": item.field, "category": item.category}
            for item in dataset.dictionary
        ],
    }
    lines = [head]
    if statistics is not None:
        lines.append({"statistics": statistics.title, "rows": statistics.rows()})
        lines.append({"footnote": statistics.footnote})
    return "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines).encode()


def encode(dataset: Dataset, fmt: str) -> Iterator[bytes]:
    """The dataset as UTF-8 chunks of about 64 KiB (CSV by RFC 4180, or JSON Lines): the
    data dictionary, then each table's records as PostgreSQL formatted them."""
    if fmt not in FORMATS:
        raise ValueError(f"Unknown format {fmt!r}: use one of {', '.join(FORMATS)}.")
    chunk = bytearray(_head(dataset, fmt))
    if dataset.mode != Mode.STATISTICS:
        for table_plan in dataset.plans:
            sql, params, heading = _copy_statement(table_plan, dataset, fmt)
            first = True
            for line in _copied(dataset, fmt, sql, params):
                if fmt == "csv":
                    if first:
                        chunk += _csv_lines([heading])
                        first = False
                    chunk += line[:-1]  # PostgreSQL ends a line with LF; RFC 4180 with CRLF
                    chunk += b"\r\n"
                else:
                    chunk += line
                if len(chunk) >= CHUNK_BYTES:
                    yield bytes(chunk)
                    chunk.clear()
    if chunk:
        yield bytes(chunk)


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
    chunks = encode(dataset, fmt)
    try:
        for chunk in chunks:
            digest.update(chunk)
            size += len(chunk)
            yield chunk
        complete = True
    finally:
        chunks.close()  # ends a COPY part read before the log row is written
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
