"""The bulk path of the 903 and CIN imports (issue 12, "Speed"; records/services/children_bulk.py):
the queries a file costs do not grow with its children, a re-import of the same file writes
nothing, and children added in bulk are as the per-child services would add them, audited by
a BatchEvent (with auditlog entries instead when a batch adds few children)."""

from __future__ import annotations

import datetime
import re

import pytest
from auditlog.models import LogEntry
from django.db import connection, transaction
from django.db.models import F, Value
from django.db.models.functions import Concat
from django.test.utils import CaptureQueriesContext

from records.codes import Cohort
from records.models import BatchEvent, Characteristics, Child, ImportKind, ImportRun
from records.models import LegalStatusEpisode as Episode
from records.services import children_bulk
from records.services.children import PLACEHOLDER_FIRST_NAME
from records.services.children_bulk import AUDITLOG_ROWS_MAX
from records.services.imports import import_copy_file, import_execute
from tests.records.imports.socialcare_files import (
    CinCase,
    CinChild,
    Plan,
    cin_xml,
    episode_row,
    header_row,
    upn,
    write_903_zip,
)

pytestmark = pytest.mark.django_db
D = datetime.date
N = 60  # more than AUDITLOG_ROWS_MAX: the batch goes in bulk
# Writes to the record's own rows (the run, its rejections and the access log are the
# import's bookkeeping, written for every file).
RECORD_WRITE = re.compile(
    r'^(INSERT INTO|UPDATE|DELETE FROM) "(records_child|records_legalstatusepisode|'
    r'records_characteristics|records_batchevent|auditlog_logentry)"'
)


def _upn(n: int) -> str:
    return upn(n % 1000, establishment=f"{3001 + n // 1000}")


def _903(tmp_path, first: int, count: int):
    headers, episodes = [], []
    for n in range(first, first + count):
        child = f"BULK{n:05d}"
        headers.append(header_row(child, D(2012, 1, 1), upn_value=_upn(n)))
        episodes.append(episode_row(child, D(2024, 4, 1), dec=D(2024, 6, 1), rec="X1", ls="C2"))
        episodes.append(episode_row(child, D(2024, 6, 1), ls="C2", rne="P"))
        if n % 2:
            episodes[-1] = episode_row(child, D(2024, 6, 1), ls="C2", dec=D(2024, 9, 1), rec="E11")
    return write_903_zip(tmp_path / f"903-{first}-{count}.zip", headers, episodes)


def _cin(tmp_path, first: int, count: int):
    children = [
        CinChild(
            la_child_id=f"CINB{n:05d}",
            dob=D(2013, 2, 3),
            upn=_upn(5000 + n),
            cases=[
                CinCase(
                    referral=D(2024, 5, 1),
                    closure=D(2024, 8, 1) if n % 2 else None,
                    plans=[Plan(start=D(2024, 5, 20))],
                )
            ],
        )
        for n in range(first, first + count)
    ]
    path = tmp_path / f"cin-{first}-{count}.xml"
    path.write_bytes(cin_xml(children))
    return path


def _import(path, kind) -> tuple[ImportRun, list[str]]:
    run = import_copy_file(source=path, actor=None, kind=kind, options={"create_missing": True})
    with CaptureQueriesContext(connection) as queries:
        run = import_execute(run_id=run.pk)
    assert run.status == ImportRun.Status.SUCCEEDED, (run.status, run.counts)
    return run, [query["sql"] for query in queries.captured_queries]


@pytest.mark.parametrize(("kind", "make"), [(ImportKind.SSDA903, _903), (ImportKind.CIN, _cin)])
def test_queries_do_not_grow_with_children_and_a_reimport_writes_nothing(tmp_path, kind, make):
    small, small_queries = _import(make(tmp_path, 0, N), kind)
    large, large_queries = _import(make(tmp_path, N, 2 * N), kind)
    assert small.counts["children_created"] == N
    assert large.counts["children_created"] == 2 * N
    assert len(large_queries) == len(small_queries)

    before = Child.objects.count(), Episode.objects.count(), BatchEvent.objects.count()
    again_small, again_small_queries = _import(make(tmp_path, 0, N), kind)
    again_large, again_large_queries = _import(make(tmp_path, N, 2 * N), kind)
    assert again_small.counts["children_unchanged"] == N
    assert again_large.counts["children_unchanged"] == 2 * N
    assert len(again_large_queries) == len(again_small_queries)
    assert [sql for sql in again_large_queries if RECORD_WRITE.match(sql)] == []
    assert (Child.objects.count(), Episode.objects.count(), BatchEvent.objects.count()) == before


def test_children_added_in_bulk_are_as_the_services_add_them(tmp_path):
    """A batch of more than AUDITLOG_ROWS_MAX new children: one INSERT a table, one
    BatchEvent for the batch, no auditlog entries; the rows are those child_create,
    characteristics_record and episode_add would write (placeholder name, identifiers,
    version 2 after the identifiers' write, the episodes the 903 rules make)."""
    run, queries = _import(_903(tmp_path, 0, N), ImportKind.SSDA903)
    assert len([sql for sql in queries if sql.startswith('INSERT INTO "records_child"')]) == 1
    child = Child.objects.get(la_child_id="BULK00001")
    assert (child.first_name, child.last_name) == (
        PLACEHOLDER_FIRST_NAME,
        "(social care child BULK00001)",
    )
    assert (child.upn, child.version, child.former_upns, child.upn_needs_checking) == (
        _upn(1), 2, [], False,
    )  # fmt: skip
    assert Characteristics.objects.get(child=child).ethnicity == "WBRI"
    episodes = list(child.episodes.order_by("cohort", "start_date").values_list(
        "cohort", "legal_status", "plac_route", "start_date", "end_date"
    ))  # fmt: skip
    assert episodes == [
        (Cohort.CLA, "C2", "", D(2024, 4, 1), D(2024, 9, 1)),
        (Cohort.PLAC, "", "adoption", D(2024, 9, 2), None),
    ]
    assert run.counts["episodes_created"] == N
    assert run.counts["plac_episodes_created"] == N // 2
    batch = BatchEvent.objects.get(kind=BatchEvent.Kind.RETURN)
    assert batch.details["run_id"] == str(run.pk)
    assert batch.details["children_created"] == N
    assert batch.rows == N + N + N + N // 2  # children, characteristics, CLA and PLAC episodes
    assert not LogEntry.objects.filter(object_pk=str(child.pk)).exists()
    # Each child still has their line in their history.
    assert BatchEvent.objects.filter(kind=BatchEvent.Kind.IMPORTED, child_id=child.pk).exists()


def test_a_few_new_children_keep_their_auditlog_entries(tmp_path):
    run, _ = _import(_903(tmp_path, 0, AUDITLOG_ROWS_MAX), ImportKind.SSDA903)
    assert run.counts["children_created"] == AUDITLOG_ROWS_MAX
    child = Child.objects.get(la_child_id="BULK00001")
    assert LogEntry.objects.filter(object_pk=str(child.pk)).exists()
    assert not BatchEvent.objects.filter(kind=BatchEvent.Kind.RETURN).exists()


def test_a_changed_child_goes_through_the_services(tmp_path):
    """A re-import that changes one child of a bulk batch: that child is updated (audited
    by auditlog), the others are unchanged."""
    _import(_cin(tmp_path, 0, N), ImportKind.CIN)
    changed = [
        CinChild(
            la_child_id=f"CINB{n:05d}",
            dob=D(2013, 2, 3),
            upn=_upn(5000 + n),
            cases=[
                CinCase(
                    referral=D(2024, 5, 1),
                    closure=D(2024, 8, 1) if n % 2 or n == 0 else None,
                    plans=[Plan(start=D(2024, 5, 20))],
                )
            ],
        )
        for n in range(N)
    ]
    path = tmp_path / "changed.xml"
    path.write_bytes(cin_xml(changed))
    run, _ = _import(path, ImportKind.CIN)
    assert run.counts["children_unchanged"] == N
    assert run.counts["cin_episodes_updated"] == 1
    assert run.counts["cin_episodes_unchanged"] == N - 1
    episode = Episode.objects.get(child__la_child_id="CINB00000", cohort=Cohort.CIN)
    assert (episode.end_date, episode.closure_date) == (D(2024, 8, 1), D(2024, 8, 1))
    assert LogEntry.objects.filter(object_pk=str(episode.pk), action=LogEntry.Action.UPDATE)


def test_an_identifier_two_children_of_a_batch_share_is_decided_one_by_one(tmp_path):
    """The batch's children are not all decided at once when two give the same UPN: the
    later is refused as the per-child services refuse it, and the file is not imported."""
    headers = [header_row(f"BULK{n:05d}", D(2012, 1, 1), upn_value=_upn(n)) for n in range(N)]
    headers[-1] = header_row(f"BULK{N - 1:05d}", D(2012, 1, 1), upn_value=_upn(0))
    episodes = [episode_row(f"BULK{n:05d}", D(2024, 4, 1)) for n in range(N)]
    path = write_903_zip(tmp_path / "shared.zip", headers, episodes)
    run = import_copy_file(
        source=path, actor=None, kind=ImportKind.SSDA903, options={"create_missing": True}
    )
    run = import_execute(run_id=run.pk)
    assert run.status == ImportRun.Status.REJECTED
    refused = list(
        run.rejections.filter(severity="error").values_list("row_number", "field", "reason")
    )
    assert refused[0] == (
        N,
        "Header.UPN",
        "This UPN belongs to a child recorded with a different LA child id: check which child "
        "this is in the social care system",
    )
    assert not Child.objects.exists()


def test_children_added_in_bulk_get_their_destruction_date_in_the_same_import(tmp_path):
    from retention.models import ChildRetention
    from retention.services import child_retention_recompute

    run, _ = _import(_903(tmp_path, 0, N), ImportKind.SSDA903)
    assert run.counts["children_created"] == N
    children = list(Child.objects.values_list("pk", flat=True))
    held = {row.child_id: (row.due_date, row.rule_id) for row in ChildRetention.objects.all()}
    # Every child has its row, written by the import (records/lifecycle.py), and it is the
    # date the one-child recompute gives.
    assert set(held) == set(children)
    for pk in children[:5]:
        expected = child_retention_recompute(child_id=pk)
        assert held[pk] == (expected.due_date, expected.rule_id)
    assert any(due is not None for due, _ in held.values())


# --- Changed children in bulk (ADR 0011, note of 2026-12-04) --------------------------------


def _903_changed(tmp_path, first: int, count: int):
    """_903's children, every one changed: the other sex, another ethnicity, and the episode
    left open ended by an adoption (E11), which adds its PLAC episode."""
    headers, episodes = [], []
    for n in range(first, first + count):
        child = f"BULK{n:05d}"
        headers.append(header_row(child, D(2012, 1, 1), sex="2", ethnic="WIRI", upn_value=_upn(n)))
        episodes.append(episode_row(child, D(2024, 4, 1), dec=D(2024, 6, 1), rec="X1", ls="C2"))
        episodes.append(episode_row(child, D(2024, 6, 1), ls="C2", dec=D(2024, 9, 1), rec="E11"))
    return write_903_zip(tmp_path / f"903-changed-{first}-{count}.zip", headers, episodes)


def _903_moved(tmp_path, first: int, count: int):
    """_903's children changed so that episodes of one cohort trade days (the other sex too):
    one child in three stays in care to 1 December (the episode that ended on 1 September
    grows, the open one ends); the others go home on 1 July (E13) and come back into care on
    1 August, so their episode shrinks and a new one starts inside the days it held."""
    headers, episodes = [], []
    for n in range(first, first + count):
        child = f"BULK{n:05d}"
        headers.append(header_row(child, D(2012, 1, 1), sex="2", upn_value=_upn(n)))
        episodes.append(episode_row(child, D(2024, 4, 1), dec=D(2024, 6, 1), rec="X1", ls="C2"))
        if n % 3 == 0:
            episodes.append(episode_row(child, D(2024, 6, 1), dec=D(2024, 12, 1), rec="E13"))
        else:
            episodes.append(episode_row(child, D(2024, 6, 1), dec=D(2024, 7, 1), rec="E13"))
            episodes.append(episode_row(child, D(2024, 8, 1), ls="C2", rne="S"))
    return write_903_zip(tmp_path / f"903-moved-{first}-{count}.zip", headers, episodes)


def _pad_names_and_addresses() -> None:
    """Children held with padding round their names and a padded, lower-case address (as a
    record loaded from elsewhere may hold them): child_update trims them when it writes."""
    Child.objects.update(
        first_name=Concat(Value("  "), F("first_name"), Value(" ")),
        last_name=Concat(F("last_name"), Value("  ")),
        address_line_1=Value(" 1 Example Road "),
        town=Value("Demotown  "),
        postcode=Value(" zz99 9zz"),
    )


def _cin_changed(tmp_path, first: int, count: int):
    """_cin's children, every one changed: the other gender, another ethnicity, each case
    closed and a second protection plan."""
    children = [
        CinChild(
            la_child_id=f"CINB{n:05d}",
            dob=D(2013, 2, 3),
            gender="2",
            ethnicity="WIRI",
            upn=_upn(5000 + n),
            cases=[
                CinCase(
                    referral=D(2024, 5, 1),
                    closure=D(2024, 8, 1),
                    plans=[Plan(start=D(2024, 5, 20), end=D(2024, 6, 30)), Plan(D(2024, 7, 1))],
                )
            ],
        )
        for n in range(first, first + count)
    ]
    path = tmp_path / f"cin-changed-{first}-{count}.xml"
    path.write_bytes(cin_xml(children))
    return path


def _record() -> dict[str, object]:
    """The record the imports leave, by LA child id (ids and timestamps aside)."""
    from retention.models import ChildRetention

    la_ids = dict(Child.objects.values_list("pk", "la_child_id"))
    return {
        "children": {
            c.la_child_id: (
                c.first_name,
                c.last_name,
                c.address_line_1,
                c.address_line_2,
                c.town,
                c.postcode,
                c.date_of_birth,
                c.gender,
                c.upn,
                c.upn_unknown,
                c.former_upns,
                c.upn_needs_checking,
                c.version,
            )
            for c in Child.objects.all()
        },  # fmt: skip
        "characteristics": {
            c.child.la_child_id: (c.ethnicity, c.version)
            for c in Characteristics.objects.select_related("child")
        },
        "episodes": sorted(
            (
                (
                    e.child.la_child_id,
                    e.cohort,
                    e.start_date,
                    e.end_date,
                    e.legal_status,
                    e.plac_route,
                    e.closure_date,
                )
                for e in Episode.objects.select_related("child")
            ),
            key=str,
        ),  # fmt: skip
        "retention": {
            r.child.la_child_id: (r.due_date, r.rule_id)
            for r in ChildRetention.objects.select_related("child")
        },
        "history": sorted(
            (la_ids[child_id], str(details["imported"]))
            for child_id, details in BatchEvent.objects.filter(
                kind=BatchEvent.Kind.IMPORTED
            ).values_list("child_id", "details")
        ),
    }


@pytest.mark.parametrize(
    ("kind", "make", "changed"),
    [
        (ImportKind.SSDA903, _903, _903_changed),
        (ImportKind.CIN, _cin, _cin_changed),
        (ImportKind.SSDA903, _903, _903_moved),
    ],
    ids=["903", "cin", "903-moved"],
)
def test_a_reimport_that_changes_every_child_is_batched_and_leaves_what_the_services_would(
    tmp_path, monkeypatch, kind, make, changed
):
    """Every child changed: 120 cost the same queries as 60 (one statement a table a batch,
    one BatchEvent, no auditlog entry a row), and the record afterwards, with the run's counts,
    is the one the per-child services leave (the same files imported with the bulk path off):
    names and addresses held with padding are trimmed by both, and a batch whose episodes
    shrink, grow and start inside days others held is written in one statement without
    tripping the no-overlap constraint."""
    outcomes = {}
    for mode in ("bulk", "one by one"):
        if mode == "one by one":
            monkeypatch.setattr(children_bulk, "AUDITLOG_ROWS_MAX", 10**6)
        with transaction.atomic():
            _import(make(tmp_path, 0, N), kind)
            _import(make(tmp_path, N, 2 * N), kind)
            _pad_names_and_addresses()
            logged = LogEntry.objects.count()
            small, small_queries = _import(changed(tmp_path, 0, N), kind)
            large, large_queries = _import(changed(tmp_path, N, 2 * N), kind)
            assert small.counts["children_updated"] == N
            assert large.counts["children_updated"] == 2 * N
            if mode == "bulk":
                assert len(large_queries) == len(small_queries)
                batches = BatchEvent.objects.filter(
                    kind=BatchEvent.Kind.RETURN, details__children_updated__gt=0
                )
                assert sorted(b.details["children_updated"] for b in batches) == [N, 2 * N]
                assert LogEntry.objects.count() == logged
            else:
                assert LogEntry.objects.count() > logged
            record = _record()
            assert all(
                (first, last, town, postcode)
                == (first.strip(), last.strip(), "Demotown", "ZZ99 9ZZ")
                for first, last, _, _, town, postcode, *_ in record["children"].values()
            )
            outcomes[mode] = (record, small.counts, large.counts)
            transaction.set_rollback(True)
    assert outcomes["bulk"] == outcomes["one by one"]
