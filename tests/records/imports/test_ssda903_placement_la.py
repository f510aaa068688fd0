"""The 903's PL_LA (the LA code of the area the child is placed in) is kept on the looked-after
episode, the latest placement's for an episode of several 903 rows (issue 13, cohort rules)."""

from __future__ import annotations

import datetime

import pytest

from records.models import ImportRejection, LegalStatusEpisode
from records.services.episodes import episode_add
from tests.factories import ChildFactory
from tests.records.imports.socialcare_files import (
    EPISODE_COLUMNS,
    HEADER_COLUMNS,
    episode_row,
    header_row,
    run_command,
    table_csv,
)
from virtualschool.errors import DomainError

pytestmark = pytest.mark.django_db
D = datetime.date
COLUMNS = [*EPISODE_COLUMNS, "PL_LA"]


def _import(tmp_path, episodes):
    directory = tmp_path / "return"
    directory.mkdir(parents=True)
    headers = [header_row("LAC001", D(2012, 3, 4), upn_value="UN2")]
    (directory / "header.csv").write_bytes(table_csv(HEADER_COLUMNS, headers))
    (directory / "episodes.csv").write_bytes(table_csv(COLUMNS, episodes))
    return run_command("import_903", directory, "--create-missing")


def test_the_latest_placements_la_is_kept_on_the_episode(tmp_path):
    episodes = [
        {**episode_row("LAC001", D(2024, 5, 1), dec=D(2024, 9, 1), rec="X1"), "PL_LA": "873"},
        # A placement move under the same order: one legal status episode, placed in 874.
        {**episode_row("LAC001", D(2024, 9, 1), rne="P"), "PL_LA": " 874 "},
    ]
    status, output = _import(tmp_path, episodes)
    assert status == 0, output
    episode = LegalStatusEpisode.objects.get(child__la_child_id="LAC001")
    assert (episode.start_date, episode.end_date, episode.placement_la) == (
        D(2024, 5, 1),
        None,
        "874",
    )
    # Next month's return moves the child again: the episode is brought up to date.
    episodes[1]["PL_LA"] = "E09000002"
    assert _import(tmp_path / "again", episodes)[0] == 0
    assert LegalStatusEpisode.objects.get(child__la_child_id="LAC001").placement_la == ("E09000002")


def test_a_pl_la_that_is_no_code_is_dropped_with_a_warning(tmp_path):
    episodes = [{**episode_row("LAC001", D(2024, 5, 1)), "PL_LA": "Southshire!"}]
    status, output = _import(tmp_path, episodes)
    assert status == 0, output
    assert LegalStatusEpisode.objects.get(child__la_child_id="LAC001").placement_la == ""
    warning = ImportRejection.objects.get(field="Episodes.PL_LA")
    assert "not an LA code" in warning.reason


def test_only_a_looked_after_episode_has_a_placement_la():
    child = ChildFactory(date_of_birth=D(2012, 1, 1))
    with pytest.raises(DomainError) as refused:
        episode_add(
            actor=None, child=child, cohort="CIN", start_date=D(2024, 1, 1), placement_la="874"
        )
    assert "placement_la" in refused.value.message_dict
    with pytest.raises(DomainError) as refused:
        episode_add(
            actor=None,
            child=child,
            cohort="CLA",
            legal_status="C2",
            start_date=D(2024, 1, 1),
            placement_la="87 4",
        )
    assert refused.value.message_dict["placement_la"][0].startswith(
        "Placement local authority must"
    )
    assert not LegalStatusEpisode.objects.filter(child=child).exists()
