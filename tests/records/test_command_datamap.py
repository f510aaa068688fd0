"""`manage.py datamap` prints the data map, one line per field, as a table, CSV or JSON."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.core.management import CommandError, call_command

from records.categories import DataCategory, declare
from records.datamap import DATA_MAP, Area, DataMap, Destruction, Reach, field_rows, holdings
from records.models import Contact

COLUMNS = [
    "app",
    "model",
    "table",
    "reach",
    "child_lookup",
    "field",
    "category",
    "sensitive",
    "destruction",
    "cleared_on_redaction",
]


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command("datamap", *args, stdout=out)
    return out.getvalue()


def _field_count() -> int:
    return sum(len(entry.model._meta.concrete_fields) for entry in DATA_MAP)


def _by_field(rows: list[dict]) -> dict[tuple[str, str], dict]:
    found = {(row["model"], row["field"]): row for row in rows}
    assert len(found) == len(rows), "a model's field is printed twice"
    return found


def test_json_is_a_list_of_one_object_per_field():
    rows = json.loads(_run("--format", "json"))
    assert isinstance(rows, list)
    assert len(rows) == _field_count()
    assert all(list(row) == COLUMNS for row in rows)
    fields = _by_field(rows)

    assert fields["Child", "first_name"] == {
        "app": "records",
        "model": "Child",
        "table": "records_child",
        "reach": "the child's own row",
        "child_lookup": "id",
        "field": "first_name",
        "category": "Identity",
        "sensitive": False,
        "destruction": "delete",
        "cleared_on_redaction": None,
    }
    assert fields["Note", "text"]["category"] == "by row: the category in category"
    # A note may be filed under family or criminal.
    assert fields["Note", "text"]["sensitive"] is True
    assert fields["HealthCondition", "condition"]["category"] == "Health and medical"
    assert fields["HealthCondition", "condition"]["sensitive"] is True
    changes = fields["LogEntry", "changes"]
    assert (changes["app"], changes["table"]) == ("auditlog", "auditlog_logentry")
    assert changes["category"] == "as the field it copies"
    assert changes["sensitive"] is None
    assert changes["reach"] == "audit entry's indexed child id"
    assert changes["child_lookup"] == "additional_data__child_id"
    access = fields["AccessLogEntry", "child_id"]
    assert (access["reach"], access["child_lookup"]) == ("child_id column", "child_id")
    assert access["category"] == "not personal"
    grant = fields["ChildUserObjectPermission", "content_object"]
    assert (grant["reach"], grant["child_lookup"]) == ("foreign key", "content_object_id")
    run = fields["ImportRun", "file_name"]
    assert (run["reach"], run["child_lookup"], run["destruction"]) == (
        "names no child",
        "",
        "keep",
    )


def test_csv_has_a_header_and_one_row_per_field():
    text = _run("--format", "csv")
    reader = csv.DictReader(io.StringIO(text))
    assert reader.fieldnames == COLUMNS
    rows = list(reader)
    assert len(rows) == _field_count()
    fields = _by_field(rows)

    first_name = fields["Child", "first_name"]
    assert (first_name["category"], first_name["sensitive"], first_name["destruction"]) == (
        "Identity",
        "no",
        "delete",
    )
    assert first_name["cleared_on_redaction"] == ""
    assert fields["Note", "text"]["category"].startswith("by row")
    assert fields["Note", "text"]["sensitive"] == "yes"
    changes = fields["LogEntry", "changes"]
    assert (changes["category"], changes["sensitive"]) == ("as the field it copies", "as copied")
    assert fields["AccessLogEntry", "page"]["reach"] == "child_id column"
    assert fields["Contact", "phone"]["category"] == DataCategory.CONTACT.label


def test_table_is_aligned_with_one_line_per_field():
    lines = _run().splitlines()
    header = lines[0]
    assert header.split() == COLUMNS
    assert len(lines) == 1 + _field_count()
    starts = {column: header.index(column) for column in COLUMNS}

    def cell(line: str, column: str) -> str:
        following = [starts[c] for c in COLUMNS if starts[c] > starts[column]]
        return line[starts[column] : min(following, default=len(line))].strip()

    first_name = next(line for line in lines if cell(line, "field") == "first_name")
    assert cell(first_name, "model") == "Child"
    assert cell(first_name, "category") == "Identity"
    assert cell(first_name, "sensitive") == "no"
    access = next(
        line
        for line in lines
        if cell(line, "model") == "AccessLogEntry" and cell(line, "field") == "child_id"
    )
    assert cell(access, "reach") == "child_id column"
    changes = next(
        line
        for line in lines
        if cell(line, "model") == "LogEntry" and cell(line, "field") == "changes"
    )
    assert cell(changes, "category") == "as the field it copies"
    assert cell(changes, "destruction") == "delete"


def test_the_table_is_the_default_format():
    assert _run() == _run("--format", "table")


@pytest.mark.parametrize("bad", ["xml", "JSON", ""])
def test_an_unknown_format_is_refused_naming_the_allowed_ones(bad):
    with pytest.raises(CommandError) as refused:
        _run("--format", bad)
    assert str(refused.value) == f"Unknown format {bad!r}: use one of table, csv, json."


def _redacting_map() -> DataMap:
    """A map of its own where destroying a child redacts contacts: nothing registers it."""
    data_map = DataMap()
    data_map.register(
        Contact,
        reach=Reach.FOREIGN_KEY,
        child_lookup="child_id",
        area=Area.CONTACTS,
        destruction=Destruction.REDACT,
        redact_fields=["name", "phone"],
    )
    return data_map


def test_a_redacted_row_says_which_fields_are_cleared():
    rows = {row.field: row for row in field_rows(_redacting_map())}
    assert rows["name"].cleared is True
    assert rows["name"].destruction_text == "redact: cleared"
    assert rows["name"].destruction_words == "Cleared, the row kept"
    assert rows["relationship"].cleared is False
    assert rows["relationship"].destruction_text == "redact: kept"
    assert {row.cleared for row in field_rows() if row.destruction is not Destruction.REDACT} == {
        None
    }


def test_holdings_group_by_category_and_set_apart_tables_with_nothing_personal():
    grouped = holdings(field_rows())
    sections = {section.category: section for section in grouped.by_category}
    identity = {(row.model, row.field) for row in sections[DataCategory.IDENTITY].rows}
    assert ("Child", "first_name") in identity
    assert not sections[DataCategory.IDENTITY].sensitive
    assert sections[DataCategory.HEALTH].sensitive
    # A note's text is under every category a note may be filed under.
    for category in (DataCategory.FAMILY, DataCategory.HOUSING, DataCategory.CRIMINAL):
        assert ("Note", "text") in {(row.model, row.field) for row in sections[category].rows}
    assert {(row.model, row.field) for row in grouped.copies} == {
        ("LogEntry", "changes"),
        ("LogEntry", "changes_text"),
        ("LogEntry", "serialized_data"),
    }
    other = {table.table for table in grouped.other_tables}
    assert {
        "records_accesslogentry",
        "records_childuserobjectpermission",
        "records_childgroupobjectpermission",
        "records_importrun",
        "records_importrejection",
    } <= other
    assert not other & {"records_child", "records_note", "auditlog_logentry", "records_batchevent"}


def test_a_table_declaring_nothing_personal_is_listed_apart():
    data_map = DataMap()
    data_map.register(
        Contact,
        reach=Reach.FOREIGN_KEY,
        child_lookup="child_id",
        area=Area.CONTACTS,
        destruction=Destruction.DELETE,
        categories=declare(not_personal=[f.name for f in Contact._meta.concrete_fields]),
        note="Nothing personal here.",
    )
    grouped = holdings(field_rows(data_map))
    assert grouped.by_category == []
    assert [(t.table, t.path, t.note) for t in grouped.other_tables] == [
        ("records_contact", "foreign key: child_id", "Nothing personal here.")
    ]
