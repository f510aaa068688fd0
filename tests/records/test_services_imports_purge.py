import datetime

import pytest
from django.utils import timezone

from records.models import ImportRun
from records.services.imports import imports_purge_files

pytestmark = pytest.mark.django_db


def test_stored_files_of_runs_finished_over_a_week_ago_are_deleted(tmp_path):
    old_file, new_file = tmp_path / "old.upload", tmp_path / "new.upload"
    old_file.write_text("x")
    new_file.write_text("x")
    now = timezone.now()
    old = ImportRun.objects.create(
        kind="attendance",
        file_name="a.csv",
        stored_path=str(old_file),
        status=ImportRun.Status.REJECTED,
        finished_at=now - datetime.timedelta(days=8),
    )
    recent = ImportRun.objects.create(
        kind="attendance",
        file_name="b.csv",
        stored_path=str(new_file),
        status=ImportRun.Status.REJECTED,
        finished_at=now - datetime.timedelta(days=2),
    )
    assert imports_purge_files(older_than_days=7) == 1
    assert not old_file.exists()
    assert new_file.exists()
    old.refresh_from_db()
    recent.refresh_from_db()
    assert (old.stored_path, recent.stored_path) == ("", str(new_file))


def test_only_someone_who_may_add_children_can_import_with_create_missing(
    caseworker, manager, settings, tmp_path
):
    import io

    from records.services.imports import import_create
    from virtualschool.errors import DomainError

    settings.IMPORTS_DIR = tmp_path
    options = {"create_missing": True}
    with pytest.raises(DomainError) as raised:
        import_create(
            actor=caseworker,
            kind="ctf",
            file=io.BytesIO(b"<CTfile/>"),
            file_name="a.xml",
            options=options,
            enqueue=False,
        )
    assert "Only a manager" in raised.value.message_dict["create_missing"][0]
    assert not ImportRun.objects.exists()
    assert not list(tmp_path.iterdir())
    run = import_create(
        actor=manager,
        kind="ctf",
        file=io.BytesIO(b"<CTfile/>"),
        file_name="a.xml",
        options=options,
        enqueue=False,
    )
    assert run.options == options
