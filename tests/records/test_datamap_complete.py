"""The data map is complete: PostgreSQL's own catalogue names no table, column or field that
mentions a child and is not in it (DESIGN.md, "One map of a child's data").

Models are not trusted to say what the database holds: the checks read pg_catalog, so a table
or column made by raw SQL, a many-to-many table or another app's model is found too. Only
tables that mention a child count: those with a foreign key to a mapped table, or with a
column named like a child's id. A table that names no one (auth_user, django_session) is left
alone because nothing in the catalogue ties it to a child, not because a list excuses it.

This extends tests/records/test_categories.py, which looks at the project's models with a
foreign key to Child, to every table in the database and every entry of the map.

Each check is a function returning its problems, so the tests below can show it failing.
"""

from __future__ import annotations

import re
import uuid

import pytest
from django.core.exceptions import FieldDoesNotExist, FieldError
from django.db import DatabaseError, connection, models, transaction
from django.urls import reverse

from records import services
from records.categories import declare
from records.codes import Cohort
from records.datamap import DATA_MAP, Area, DataMap, Destruction, Entry, Reach
from records.models import AccessLogEntry, Contact, Note
from tests.factories import ChildFactory

pytestmark = pytest.mark.django_db

# A column named like a child's id: child_id, childid, la_child_id, child_pk, child_uuid...
CHILD_ID_COLUMN = r"child_?(id|pk|uuid)"
# Tables, partitioned tables, views, materialized views and foreign tables: anything that can
# be read as rows.
RELATION_KINDS = ["r", "p", "v", "m", "f"]


def _foreign_keys() -> list[tuple[str, str, str]]:
    """(table, column, referenced table) for every foreign-key column in the schema."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT source.relname, attribute.attname, target.relname
            FROM pg_constraint AS con
            JOIN pg_class AS source ON source.oid = con.conrelid
            JOIN pg_class AS target ON target.oid = con.confrelid
            JOIN pg_namespace AS namespace ON namespace.oid = source.relnamespace
            CROSS JOIN LATERAL unnest(con.conkey) AS key(attnum)
            JOIN pg_attribute AS attribute
              ON attribute.attrelid = con.conrelid AND attribute.attnum = key.attnum
            WHERE con.contype = 'f' AND namespace.nspname = current_schema()
            ORDER BY 1, 2
            """
        )
        return cursor.fetchall()


def _columns() -> dict[str, list[str]]:
    """Every relation of the schema and its columns, from the catalogue."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT relation.relname, attribute.attname
            FROM pg_class AS relation
            JOIN pg_namespace AS namespace ON namespace.oid = relation.relnamespace
            JOIN pg_attribute AS attribute ON attribute.attrelid = relation.oid
            WHERE namespace.nspname = current_schema()
              AND relation.relkind = ANY(%s)
              AND attribute.attnum > 0 AND NOT attribute.attisdropped
            ORDER BY relation.relname, attribute.attnum
            """,
            [RELATION_KINDS],
        )
        columns: dict[str, list[str]] = {}
        for table, column in cursor.fetchall():
            columns.setdefault(table, []).append(column)
        return columns


def _names_a_child(column: str) -> bool:
    return re.search(CHILD_ID_COLUMN, column, flags=re.IGNORECASE) is not None


def _foreign_key_problems(entries: dict[str, Entry]) -> list[str]:
    reaching = {table for table, entry in entries.items() if entry.reach is not Reach.NONE}
    problems: list[str] = []
    for table, column, target in _foreign_keys():
        if target not in entries:
            continue
        if table not in entries:
            problems.append(
                f"{table}.{column} is a foreign key to {target}, which the data map holds, "
                f"but {table} is not in the data map."
            )
        elif entries[table].reach is Reach.NONE and target in reaching:
            problems.append(
                f"{table}.{column} is a foreign key to {target}, whose rows reach a child, "
                f"but the data map says {table} names no child."
            )
    return problems


def _child_id_column_problems(entries: dict[str, Entry], columns: dict[str, list[str]]):
    problems: list[str] = []
    for table, names in columns.items():
        for column in filter(_names_a_child, names):
            if table not in entries:
                problems.append(
                    f"{table}.{column} is named like a child's id, but {table} is not in the "
                    "data map."
                )
            elif entries[table].reach is Reach.NONE:
                problems.append(
                    f"{table}.{column} is named like a child's id, but the data map says "
                    f"{table} names no child: give its entry the reach and child lookup."
                )
    return problems


def _mapped_table_problems(entries: dict[str, Entry], columns: dict[str, list[str]]):
    problems: list[str] = []
    for table, entry in entries.items():
        if table not in columns:
            problems.append(f"{entry.name} is in the data map, but its table {table} is not.")
            continue
        modelled = {field.column for field in entry.model._meta.concrete_fields}
        problems.extend(
            f"{table}.{column} has no field on {entry.name}, so no category in the data map."
            for column in columns[table]
            if column not in modelled
        )
    return problems


def catalogue_problems(data_map: DataMap = DATA_MAP) -> list[str]:
    """Tables and columns the catalogue says mention a child, and the map does not know:

    - a table with a foreign key to a mapped table, or a column named like a child's id, that
      is not in the map;
    - a table the map says names no child, with a foreign key to a table whose rows reach a
      child or a column named like a child's id;
    - a column of a mapped table that its model has no field for (so no category);
    - a mapped table the database does not have.
    """
    entries = {entry.table: entry for entry in data_map.entries()}
    columns = _columns()
    return [
        *_foreign_key_problems(entries),
        *_child_id_column_problems(entries, columns),
        *_mapped_table_problems(entries, columns),
    ]


def field_problems(data_map: DataMap = DATA_MAP) -> list[str]:
    """Fields of mapped models with no category, "not personal", by-row or copy declaration;
    declarations naming a field the model does not have; a field declared twice."""
    problems: list[str] = []
    for entry in data_map.entries():
        declaration = entry.declaration
        concrete = {field.name for field in entry.model._meta.concrete_fields}
        declared = declaration.declared | entry.copies
        for name in sorted(concrete - declared):
            problems.append(
                f"{entry.table}.{name} ({entry.name}.{name}) has no category, is not declared "
                "not personal, by row or a copy."
            )
        for name in sorted(declared - concrete):
            problems.append(f"{entry.name} declares {name}, which it does not have.")
        for name in sorted(declaration.declared & entry.copies):
            problems.append(f"{entry.name}.{name} is declared both a copy and by category.")
        for name, source in sorted(declaration.by_row.items()):
            if source not in concrete:
                problems.append(
                    f"{entry.name}.{name} takes its category from {source}, which it does not have."
                )
                continue
            try:
                possible = entry.possible_categories(name)
            except ValueError as error:
                problems.append(f"{entry.name}.{source} holds a value that is no category: {error}")
                continue
            if not possible:
                problems.append(f"{entry.name}.{source} offers no category to file a row under.")
        for name in sorted((entry.redact_fields or frozenset()) - concrete):
            problems.append(f"{entry.name} redacts {name}, which it does not have.")
    return problems


def _lookup_target(entry: Entry) -> models.Field:
    """The field the child lookup ends on: a key to the child, the child's own id, or the
    JSON field whose key holds it. Raises FieldDoesNotExist for a lookup that leads nowhere."""
    model = entry.model
    parts = entry.child_lookup.split("__")
    for position, part in enumerate(parts):
        field = model._meta.get_field(part)
        if position == len(parts) - 1 or isinstance(field, models.JSONField):
            return field
        if not field.is_relation:
            raise FieldDoesNotExist(f"{model.__name__}.{part} leads to no other table")
        model = field.related_model
    raise FieldDoesNotExist(entry.child_lookup)


def _ends_at_child(field: models.Field, child: type[models.Model]) -> bool:
    if field.is_relation:
        return field.related_model is child
    return bool(field.primary_key and field.model is child)


def _holds_child_id(entry: Entry, target: models.Field, child: type[models.Model]) -> bool:
    """Whether the field a lookup ends on holds a child's id the way the entry's reach says."""
    reach = entry.reach
    if reach in (Reach.SELF, Reach.FOREIGN_KEY):
        return _ends_at_child(target, child)
    if reach is Reach.AUDIT_LOG:
        # A key inside the entry's JSON, not the JSON itself.
        return isinstance(target, models.JSONField) and entry.child_lookup != target.name
    # A column holding the child's id without a foreign key (refused attempts, rejections).
    same_type = target.get_internal_type() == child._meta.pk.get_internal_type()
    return _ends_at_child(target, child) or (not target.is_relation and same_type)


def lookup_problems(data_map: DataMap = DATA_MAP) -> list[str]:
    """Entries whose child lookup does not lead to the child, or does not run in SQL."""
    entries = data_map.entries()
    selves = [entry.model for entry in entries if entry.reach is Reach.SELF]
    if len(selves) != 1:
        return [f"The data map has {len(selves)} entries that are the child's own row, not 1."]
    (child,) = selves
    problems: list[str] = []
    for entry in entries:
        if entry.reach is Reach.NONE:
            continue
        where = f"{entry.name}'s child lookup {entry.child_lookup!r}"
        try:
            target = _lookup_target(entry)
        except FieldDoesNotExist as error:
            problems.append(f"{where} does not resolve: {error}")
            continue
        if not _holds_child_id(entry, target, child):
            ends = f"{target.model.__name__}.{target.name}"
            problems.append(
                f"{where} ends at {ends}, not at a child's id, as its reach ({entry.reach}) needs."
            )
            continue
        try:
            with transaction.atomic():
                entry.rows_for_children([uuid.uuid4()]).exists()
        except (DatabaseError, FieldError, ValueError, TypeError) as error:
            problems.append(f"{where} does not run: {error}")
    return problems


# The map as it is


def test_every_table_and_column_that_mentions_a_child_is_mapped():
    problems = catalogue_problems()
    assert not problems, "\n".join(problems)


def test_every_field_of_a_mapped_model_is_declared():
    problems = field_problems()
    assert not problems, "\n".join(problems)


def test_every_child_lookup_reaches_the_child_and_runs():
    problems = lookup_problems()
    assert not problems, "\n".join(problems)


def test_the_catalogue_is_read():
    """Guard against checks that pass because they read nothing."""
    assert ("records_note", "child_id", "records_child") in _foreign_keys()
    columns = _columns()
    assert "child_id" in columns["records_accesslogentry"]
    assert "auth_user" in columns
    assert len(DATA_MAP.tables()) >= 29


def test_each_lookup_finds_its_childs_rows_and_no_one_elses(client_for, manager, caseworker):
    """The lookups do not merely run: each finds the rows of the child it is given only."""
    child, other = ChildFactory(), ChildFactory()
    for someone in (child, other):
        services.episode_add(
            actor=manager, child=someone, cohort=Cohort.CIN, start_date=someone.date_of_birth
        )
        services.allocation_create(actor=manager, child=someone, caseworker=caseworker)
        page = reverse("records:child-detail", kwargs={"pk": someone.pk})
        assert client_for(caseworker).get(page).status_code == 200
    found = {}
    for entry in DATA_MAP:
        if entry.reach is Reach.NONE:
            continue
        mine = set(entry.rows_for_children([child.pk]).values_list("pk", flat=True))
        theirs = set(entry.rows_for_children([other.pk]).values_list("pk", flat=True))
        both = set(entry.rows_for_children([child.pk, other.pk]).values_list("pk", flat=True))
        assert not mine & theirs, entry.name
        assert mine | theirs == both, entry.name
        found[entry.name] = len(mine)
    assert found["Child"] == 1
    for name in (
        "LegalStatusEpisode",
        "Allocation",
        "ChildUserObjectPermission",
        "AccessLogEntry",
        "LogEntry",
    ):
        assert found[name] >= 1, name


# The checks fail when they should


def _execute(sql: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql)


def test_an_unmapped_table_with_a_child_id_column_is_reported():
    _execute("CREATE TABLE throwaway_mentions (id serial PRIMARY KEY, child_id uuid)")
    problems = catalogue_problems()
    assert problems == [
        "throwaway_mentions.child_id is named like a child's id, but throwaway_mentions is not "
        "in the data map."
    ]


@pytest.mark.parametrize("column", ["childid", "la_child_id", "Child_UUID", "looked_after_childid"])
def test_columns_named_like_a_childs_id_are_found(column):
    _execute(f'CREATE TABLE throwaway_named (id serial PRIMARY KEY, "{column}" text)')
    assert [problem.split(" ")[0] for problem in catalogue_problems()] == [
        f"throwaway_named.{column}"
    ]


def test_an_unmapped_table_with_a_foreign_key_to_a_mapped_table_is_reported():
    _execute(
        "CREATE TABLE throwaway_annotation (id serial PRIMARY KEY, "
        "note_ref bigint REFERENCES records_note (id), remark text)"
    )
    assert catalogue_problems() == [
        "throwaway_annotation.note_ref is a foreign key to records_note, which the data map "
        "holds, but throwaway_annotation is not in the data map."
    ]


def test_a_table_with_a_foreign_key_to_an_unmapped_table_is_not_a_problem():
    """auth_user and its like are not mapped and need not be: no child is named there."""
    _execute(
        "CREATE TABLE throwaway_staff_note (id serial PRIMARY KEY, "
        "user_ref integer REFERENCES auth_user (id), remark text)"
    )
    assert catalogue_problems() == []


def test_a_column_the_model_does_not_know_is_reported():
    _execute("ALTER TABLE records_contact ADD COLUMN nickname text")
    assert catalogue_problems() == [
        "records_contact.nickname has no field on Contact, so no category in the data map."
    ]


def _map_without(*left_out: type[models.Model]) -> DataMap:
    """A copy of the map with these models left out."""
    data_map = DataMap()
    for entry in DATA_MAP.entries():
        if entry.model not in left_out:
            data_map.register(
                entry.model,
                reach=entry.reach,
                child_lookup=entry.child_lookup,
                area=entry.area,
                destruction=entry.destruction,
                categories=entry.given,
                copies=entry.copies,
                redact_fields=entry.redact_fields,
                note=entry.note,
            )
    return data_map


def test_a_model_left_out_of_the_map_is_reported_by_its_foreign_key():
    assert catalogue_problems(_map_without(Note)) == [
        "records_note.child_id is a foreign key to records_child, which the data map holds, "
        "but records_note is not in the data map.",
        "records_note.child_id is named like a child's id, but records_note is not in the "
        "data map.",
    ]


def test_a_table_mapped_as_naming_no_child_but_holding_a_child_id_is_reported():
    """What the import rejections' entry will meet once they keep their matched child."""
    data_map = _map_without(AccessLogEntry)
    data_map.register(
        AccessLogEntry,
        reach=Reach.NONE,
        area=Area.LOGS,
        destruction=Destruction.KEEP,
        categories=DATA_MAP.entry_for(AccessLogEntry).declaration,
    )
    assert catalogue_problems(data_map) == [
        "records_accesslogentry.child_id is named like a child's id, but the data map says "
        "records_accesslogentry names no child: give its entry the reach and child lookup."
    ]


def test_a_table_mapped_as_naming_no_child_with_a_key_to_a_childs_row_is_reported():
    _execute(
        "ALTER TABLE records_importrun ADD COLUMN note_ref bigint REFERENCES records_note (id)"
    )
    assert catalogue_problems() == [
        "records_importrun.note_ref is a foreign key to records_note, whose rows reach a child, "
        "but the data map says records_importrun names no child.",
        "records_importrun.note_ref has no field on ImportRun, so no category in the data map.",
    ]


def _contact_map(**overrides) -> DataMap:
    data_map = DataMap()
    data_map.register(
        Contact,
        **{
            "reach": Reach.FOREIGN_KEY,
            "child_lookup": "child_id",
            "area": Area.CONTACTS,
            "destruction": Destruction.DELETE,
            **overrides,
        },
    )
    return data_map


def test_an_undeclared_field_and_a_declared_field_that_does_not_exist_are_reported():
    data_map = _contact_map(
        categories=declare(
            contact=["name", "organisation", "phone", "nickname"],
            not_personal=["id", "child", "version"],
            support_network=["relationship"],
        ),
        redact_fields=["shoe_size"],
    )
    assert field_problems(data_map) == [
        "records_contact.email (Contact.email) has no category, is not declared not personal, "
        "by row or a copy.",
        "Contact declares nickname, which it does not have.",
        "Contact redacts shoe_size, which it does not have.",
    ]


def test_a_field_both_copied_and_declared_is_reported():
    data_map = _contact_map(copies=["email"])
    assert field_problems(data_map) == ["Contact.email is declared both a copy and by category."]


def test_a_by_row_field_whose_source_is_missing_is_reported():
    data_map = _contact_map(
        categories=declare(
            contact=["organisation", "phone", "email"],
            by_row={"name": "filed_under"},
            not_personal=["id", "child", "version"],
            support_network=["relationship"],
        )
    )
    assert field_problems(data_map) == [
        "Contact.name takes its category from filed_under, which it does not have."
    ]


@pytest.mark.parametrize(
    ("reach", "lookup", "says"),
    [
        (Reach.FOREIGN_KEY, "kid_id", "does not resolve"),
        (Reach.FOREIGN_KEY, "id", "ends at Contact.id, not at a child's id, as its reach"),
        (Reach.FOREIGN_KEY, "name", "ends at Contact.name, not at a child's id, as its reach"),
        (Reach.CHILD_ID, "name", "ends at Contact.name, not at a child's id, as its reach"),
        (Reach.AUDIT_LOG, "child_id", "ends at Contact.child, not at a child's id, as its reach"),
        (Reach.FOREIGN_KEY, "name__child", "does not resolve"),
    ],
)
def test_a_child_lookup_that_does_not_reach_the_child_is_reported(reach, lookup, says):
    data_map = _map_without(Contact)
    data_map.register(
        Contact,
        reach=reach,
        child_lookup=lookup,
        area=Area.CONTACTS,
        destruction=Destruction.DELETE,
    )
    problems = lookup_problems(data_map)
    assert len(problems) == 1
    assert problems[0].startswith(f"Contact's child lookup {lookup!r} {says}")


def test_a_child_lookup_that_fails_in_sql_is_reported():
    """A lookup can resolve in the ORM and still fail in the database: here the column the
    model names is not the table's any more."""
    _execute("ALTER TABLE records_accesslogentry RENAME COLUMN child_id TO child_ref")
    problems = lookup_problems()
    assert len(problems) == 1
    assert problems[0].startswith("AccessLogEntry's child lookup 'child_id' does not run: ")
    assert "column records_accesslogentry.child_id does not exist" in problems[0]
    # The transaction is still usable, each lookup having run in a savepoint of its own, and
    # the catalogue check sees the column the model does not know.
    assert catalogue_problems() == [
        "records_accesslogentry.child_ref has no field on AccessLogEntry, so no category in the "
        "data map."
    ]
