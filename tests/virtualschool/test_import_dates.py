"""Dates outside 1900-2100 in an import file reject the row with a message naming the field;
nothing is saved (issue 11, door 7). The importers read dates through a few helpers
(records/imports/); each refuses a date outside virtualschool.dates' range."""

from __future__ import annotations

import datetime

import pytest

from records.imports import attendance, ctf
from records.models import Child, ImportRejection, LegalStatusEpisode
from tests.records.imports.socialcare_files import (
    episode_row,
    header_row,
    run_command,
    upn,
    write_903_dir,
)

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.mark.parametrize(
    ("dob", "decom", "field"),
    [
        ("01/01/0001", "01/05/2024", "Header.DOB"),
        ("04/03/2012", "31/12/9999", "Episodes.DECOM"),
        ("31/12/1899", "01/05/2024", "Header.DOB"),
    ],
)
def test_a_903_row_with_a_date_outside_the_range_is_rejected(tmp_path, dob, decom, field):
    header = header_row("LAC001", D(2012, 3, 4), upn_value=upn(101)) | {"DOB": dob}
    episode = episode_row("LAC001", D(2024, 5, 1)) | {"DECOM": decom}
    status, output = run_command(
        "import_903", write_903_dir(tmp_path / "m", [header], [episode]), "--create-missing"
    )
    assert status != 0, output
    reasons = {r.field: r.reason for r in ImportRejection.objects.all()}
    assert "between 1900 and 2100" in reasons[field], reasons
    assert not Child.objects.exists()
    assert not LegalStatusEpisode.objects.exists()


@pytest.mark.parametrize("text", ["0001-01-01", "9999-12-31", "31/12/1899", "01/01/2101"])
def test_attendance_and_ctf_dates_outside_the_range_are_not_dates(text):
    assert attendance.parse_date(text) is None
    assert ctf._date(text) is None


@pytest.mark.parametrize("text", ["1900-01-01", "2100-12-31", "06/01/2025"])
def test_attendance_and_ctf_dates_inside_the_range_are_read(text):
    assert attendance.parse_date(text) is not None
    assert ctf._date(text) is not None
