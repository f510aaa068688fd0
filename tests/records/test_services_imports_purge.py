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
