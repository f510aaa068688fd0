"""Property (issue 12): a 903 return split into two files, imported one after the other, gives
the same record as the return imported as one file - split between children, or into its
Header table and its Episodes table."""

from __future__ import annotations

import datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from records.models import Child, LegalStatusEpisode
from tests.records.imports.socialcare_files import (
    EPISODE_COLUMNS,
    HEADER_COLUMNS,
    episode_row,
    header_row,
    run_command,
    table_csv,
    upn,
)

pytestmark = pytest.mark.django_db
D = datetime.date
LEGAL_STATUSES = ["C1", "C2", "E1", "V2", "L1", "J1"]
# X1 keeps the child looked after; E13 (home to parents), E11 (adopted) and E45 (special
# guardianship) end care (../shared/reference/DOMAIN.md section (i)).
RECS = ["X1", "X1", "E13", "E11", "E45"]


@st.composite
def child_episodes(draw, child: str) -> list[dict]:
    day = D(2021, 4, 1) + datetime.timedelta(days=draw(st.integers(0, 300)))
    rows = []
    for _ in range(draw(st.integers(1, 4))):
        ls = draw(st.sampled_from(LEGAL_STATUSES))
        ceased = draw(st.booleans()) or len(rows) < 1
        if not ceased:
            rows.append(episode_row(child, day, ls=ls))
            break
        dec = day + datetime.timedelta(days=draw(st.integers(0, 200)))
        rec = draw(st.sampled_from(RECS))
        rows.append(episode_row(child, day, ls=ls, dec=dec, rec=rec))
        gap = 0 if rec == "X1" else draw(st.sampled_from([0, 0, 30]))
        day = dec + datetime.timedelta(days=gap)
    return rows


@st.composite
def returns(draw):
    count = draw(st.integers(1, 4))
    headers, episodes = [], []
    for n in range(count):
        child = f"LAC{n:03d}"
        headers.append(header_row(child, D(2012, 1, 1 + n), upn_value=upn(200 + n)))
        episodes.append(draw(child_episodes(child)))
    return headers, episodes


def _write(directory, headers, episodes):
    directory.mkdir(parents=True)
    if headers:
        (directory / "header.csv").write_bytes(table_csv(HEADER_COLUMNS, headers))
    if episodes:
        (directory / "episodes.csv").write_bytes(table_csv(EPISODE_COLUMNS, episodes))
    return directory


def _record():
    children = sorted(
        Child.objects.values_list("la_child_id", "upn", "date_of_birth", "gender", "upn_unknown")
    )
    episodes = sorted(
        LegalStatusEpisode.objects.values_list(
            "child__la_child_id", "cohort", "legal_status", "plac_route", "start_date", "end_date"
        ),
        key=str,
    )
    return children, episodes


def _clear():
    LegalStatusEpisode.objects.all().delete()
    Child.objects.all().delete()


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=returns(), split=st.sampled_from(["children", "tables"]), cut=st.integers(0, 4))
def test_a_return_split_in_two_files_gives_the_same_record(tmp_path_factory, data, split, cut):
    headers, episodes = data
    base = tmp_path_factory.mktemp("split")
    flat = [row for rows in episodes for row in rows]
    status, output = run_command(
        "import_903", _write(base / "whole", headers, flat), "--create-missing"
    )
    assert status == 0, output
    whole = _record()
    _clear()

    if split == "children":
        cut = min(cut, len(headers))
        parts = [
            (headers[:cut], [r for rows in episodes[:cut] for r in rows]),
            (headers[cut:], [r for rows in episodes[cut:] for r in rows]),
        ]
    else:
        parts = [(headers, []), ([], flat)]
    for number, (part_headers, part_episodes) in enumerate(parts):
        if not part_headers and not part_episodes:
            continue
        status, output = run_command(
            "import_903",
            _write(base / f"part{number}", part_headers, part_episodes),
            "--create-missing",
        )
        assert status == 0, output

    assert _record() == whole
    _clear()
