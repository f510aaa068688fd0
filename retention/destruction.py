"""Destroying one child: every table the data map names, deleted or redacted as it says, and
a certificate that identifies no one, in one transaction (ADR 10).

Called by retention.services alone, with the child's row already locked. The data map is
read once per sweep (destruction_plan) and each child is one statement (DestructionPlan).
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import re
import uuid
import weakref
from collections import Counter
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import psycopg
from auditlog.context import disable_auditlog
from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, models
from psycopg.types.json import Jsonb

from records.datamap import DATA_MAP, Destruction, Entry, Reach, cleared_value
from retention.models import DestructionCertificate, DestructionList


def child_reference(child_id: Any) -> str:
    """HMAC-SHA256 of the child's id with settings.RETENTION_CERTIFICATE_KEY: the same id
    always gives the same reference, and the reference gives nothing back."""
    key = settings.RETENTION_CERTIFICATE_KEY
    if not key:
        raise ImproperlyConfigured("Set RETENTION_CERTIFICATE_KEY before destroying records")
    return hmac.new(key.encode(), str(child_id).encode(), hashlib.sha256).hexdigest()


@functools.cache
def software_version() -> str:
    try:
        return version("virtualschool")
    except PackageNotFoundError:  # pragma: no cover - always installed in this project
        return "unknown"


@dataclass(frozen=True)
class DestructionPlan:
    """What destroying one child does to every mapped table, read from the data map once (per
    sweep, not per child) and compiled to SQL once.

    `statement` is one SQL statement, a data-modifying WITH per mapped table (each deletes, or
    redacts as the map says, the rows that reach the child), returning each table's row count
    in `steps`' order: one round trip per child instead of one or two per table. The child's
    own row goes in the same statement as the rows that point at it: every sub-statement sees
    the same snapshot, and the foreign keys are checked at commit (Django makes them
    DEFERRABLE INITIALLY DEFERRED), when no row that points at the child is left. Raw SQL fires
    no signal, so no audit entry is written about it. `collected` are the mapped tables other
    tables point at: deleted first through Django's collector, which follows each on_delete.

    The child's id is its one parameter ($1). PostgreSQL plans a statement of thirty-odd
    sub-statements in several milliseconds, more than it takes to run, so the statement is
    prepared once on each connection (`name`, from its text) and executed per child.
    """

    statement: str
    name: str
    steps: tuple[Entry, ...]
    collected: tuple[Entry, ...]
    _prepared_on: weakref.WeakSet = field(default_factory=weakref.WeakSet, compare=False)

    def execute(self, child_id: Any) -> tuple[int, ...]:
        """Run the statement for one child (in the caller's transaction): rows per step."""
        connection.ensure_connection()
        raw = connection.connection
        with connection.cursor() as cursor:
            if raw not in self._prepared_on:
                cursor.execute("SELECT 1 FROM pg_prepared_statements WHERE name = %s", [self.name])
                if cursor.fetchone() is None:
                    cursor.execute(f"PREPARE {self.name}(uuid) AS {self.statement}")
                self._prepared_on.add(raw)
            cursor.execute(f"EXECUTE {self.name}(%s)", [uuid.UUID(str(child_id))])
            return tuple(cursor.fetchone())


def _as_child_parameter(param: Any, sentinel: uuid.UUID) -> str | None:
    """The SQL for $1 (the child's id) in place of a compiled parameter that held the sentinel
    id, or None when the parameter is not the child's id."""
    if isinstance(param, uuid.UUID) and param == sentinel:
        return "$1"
    if isinstance(param, str) and param == str(sentinel):
        return "$1::text"
    if isinstance(param, Jsonb) and param.obj == str(sentinel):  # an audit entry's child_id
        return "to_jsonb($1::text)"
    return None


def _with_child_parameter(sql: str, params: list[Any], sentinel: uuid.UUID) -> tuple[str, int]:
    """`sql` with every other parameter inlined as a literal (psycopg's own quoting) and the
    child's id as $1; and how many times the child's id appears."""
    constants: list[Any] = []
    mentions = 0
    values = iter(params)

    def replace(match: re.Match) -> str:
        nonlocal mentions
        if match.group() == "%%":
            return "%%"
        param = next(values)
        child = _as_child_parameter(param, sentinel)
        if child is None:
            constants.append(param)
            return "%s"
        mentions += 1
        return child

    template = _PLACEHOLDER.sub(replace, sql)
    inlined = psycopg.ClientCursor(connection.connection).mogrify(template, constants)
    return inlined, mentions


_PLACEHOLDER = re.compile("%%|%s")


def _rows_condition(entry: Entry, sentinel: uuid.UUID) -> tuple[str, list[Any]]:
    """The WHERE condition that finds the entry's rows for the sentinel child, as SQL and
    parameters: the map's own lookup compiled by Django. A lookup on the table's own columns
    (all of them today) is used as it is, so PostgreSQL uses the table's index on it; one
    through a join becomes `pk IN (the rows' query)`."""
    if entry.reach is Reach.AUDIT_LOG:
        # The audit entry's child id, as its index has it (additional_data ->> 'child_id'):
        # the same rows as the map's JSON lookup, found through the index, not a scan.
        name, key = entry.child_lookup.split("__")
        column = f"{connection.ops.quote_name(entry.table)}.{connection.ops.quote_name(name)}"
        return f"({column} ->> %s) = %s", [key, str(sentinel)]
    query = entry.rows_for_children([sentinel]).order_by().query
    where, params = query.get_compiler(connection=connection).compile(query.where)
    if set(_QUALIFIER.findall(where)) == {entry.table}:
        return where, list(params)
    select, select_params = (
        entry.rows_for_children([sentinel]).order_by().values("pk").query.sql_with_params()
    )
    pk = connection.ops.quote_name(entry.model._meta.pk.column)
    return f"{pk} IN ({select})", list(select_params)


_QUALIFIER = re.compile(r'"([^"]+)"\."')


def destruction_plan() -> DestructionPlan:
    """Compile the data map into a DestructionPlan. Raises ImproperlyConfigured for a table
    whose rows could not be found by the child's id alone (the catalogue test,
    tests/records/test_datamap_complete.py, sees every table is mapped)."""
    connection.ensure_connection()
    sentinel = uuid.uuid4()
    quote = connection.ops.quote_name
    parts: list[str] = []
    steps: list[Entry] = []
    collected: list[Entry] = []
    for entry in DATA_MAP:
        if entry.reach is Reach.NONE:
            continue
        if (
            entry.destruction is Destruction.DELETE
            and entry.reach is not Reach.SELF
            and _referenced(entry.model)
        ):
            collected.append(entry)
            continue
        table = quote(entry.table)
        where, where_params = _rows_condition(entry, sentinel)
        if entry.destruction is Destruction.DELETE:
            # Names quoted from the models, values as parameters: nothing comes from input.
            sql, params = f"DELETE FROM {table} WHERE {where}", []  # noqa: S608
        else:
            fields = [
                entry.model._meta.get_field(name) for name in sorted(entry.cleared_on_redaction)
            ]
            assignments = ", ".join(f"{quote(field.column)} = %s" for field in fields)
            params = [
                field.get_db_prep_save(cleared_value(entry.model, field.name), connection)
                for field in fields
            ]
            sql = f"UPDATE {table} SET {assignments} WHERE {where}"  # noqa: S608
        sql, mentions = _with_child_parameter(sql, [*params, *where_params], sentinel)
        if mentions != 1:
            raise ImproperlyConfigured(f"{entry.table}: its rows are not found by the child's id")
        parts.append(f"step{len(steps)} AS ({sql} RETURNING 1)")
        steps.append(entry)
    counts = ", ".join(f"(SELECT count(*) FROM step{n})" for n in range(len(steps)))  # noqa: S608
    statement = f"WITH {', '.join(parts)} SELECT {counts}"
    digest = hashlib.sha256(statement.encode()).hexdigest()[:16]
    return DestructionPlan(
        statement=statement,
        name=f"retention_destroy_{digest}",
        steps=tuple(steps),
        collected=tuple(collected),
    )


def destroy_rows(
    *, child_id: Any, plan: DestructionPlan | None = None
) -> tuple[dict[str, int], set[str]]:
    """Delete or redact every mapped row that reaches the child, as the data map says
    (`plan`, from destruction_plan(), made once for many children). Returns the rows
    destroyed per table, and the categories they held. No audit entry is written about it
    (the audit entries about the child are among what goes)."""
    plan = plan or destruction_plan()
    counts: Counter[str] = Counter()
    categories: set[str] = set()
    with disable_auditlog():
        for entry in plan.collected:
            _, by_model = entry.rows_for_children([child_id]).delete()
            for label, number in by_model.items():
                if number:
                    counts[_table(label)] += number
            if any(by_model.values()):
                categories |= {str(category) for category in entry.categories}
        found = plan.execute(child_id)
    for entry, number in zip(plan.steps, found, strict=True):
        if number:
            counts[entry.table] += number
            categories |= {str(category) for category in entry.categories}
    return dict(counts), categories


def _referenced(model: type[models.Model]) -> bool:
    """Whether any foreign key (or one-to-one) points at the model's rows."""
    return any(
        relation.concrete or relation.related_model for relation in model._meta.related_objects
    )


def _table(label: str) -> str:
    return apps.get_model(label)._meta.db_table


def certificate_write(
    *,
    child_id: Any,
    rule: str,
    due_date: Any,
    destruction_list: DestructionList,
    counts: dict[str, int],
    categories: set[str],
) -> DestructionCertificate:
    return DestructionCertificate.objects.create(
        reference=child_reference(child_id),
        rule=rule,
        due_date=due_date,
        categories=sorted(categories),
        row_counts=dict(sorted(counts.items())),
        destruction_list=destruction_list,
        proposed_by_id=destruction_list.proposed_by_id,
        approved_by_id=destruction_list.approved_by_id,
        software_version=software_version(),
    )
