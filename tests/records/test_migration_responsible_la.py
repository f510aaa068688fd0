"""Migration 0017 (issue 13): the free-text responsible authority becomes the child's LA code
when it is one, and only then. Run against the real schema: migrate records back to 0016,
write rows with the historical models, migrate forward and read what the child holds."""

from __future__ import annotations

import datetime

import pytest
from django.conf import settings
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("records", "0016_ppplus_requests")]
AFTER = [("records", "0017_list16_one_responsible_la")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_a_free_text_code_moves_to_the_child_and_other_text_does_not():
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    apps = _migrate(BEFORE)
    try:
        Child = apps.get_model("records", "Child")
        Characteristics = apps.get_model("records", "Characteristics")

        def child(name: str, free_text: str, code: str = "") -> str:
            row = Child.objects.create(
                first_name=name,
                last_name="Migrated",
                date_of_birth=datetime.date(2012, 5, 1),
                gender="F",
                responsible_la_code=code,
            )
            Characteristics.objects.create(child=row, responsible_la=free_text)
            return row.pk

        a_code = child("Code", " 330 ")
        a_name = child("Name", "Leeds City Council")
        ours = child("Ours", settings.LOCAL_AUTHORITY_CODE)
        kept = child("Kept", "330", code="335")

        apps = _migrate(AFTER)
        codes = dict(
            apps.get_model("records", "Child").objects.values_list("pk", "responsible_la_code")
        )
        assert codes[a_code] == "330"
        assert codes[a_name] == ""
        assert codes[ours] == ""
        assert codes[kept] == "335"
        fields = {f.name for f in apps.get_model("records", "Characteristics")._meta.get_fields()}
        assert "responsible_la" not in fields
    finally:
        _migrate(latest)
