"""The SSDA903 looked-after children return: its Header and Episodes tables, from CSV or from
the return's XML form (records/imports/ssda903_xml.py).

Field names and codes are the DfE's (../shared/reference/DOMAIN.md sections (a) and (i);
SocialFinanceDigitalLabs/liia-tools liiatools/spec/s903/SSDA903_schema_2024.yml): dates
dd/mm/yyyy; Header CHILD, SEX (1 male, 2 female), DOB, ETHNIC, UPN (or UN1-UN5); Episodes CHILD,
DECOM, RNE, LS, CIN, PLACE, DEC, REC, ... The file is either one table's CSV or a zip holding
the tables' CSVs (see docs/imports/ssda903.md); each table is recognised by its header row.

How 903 episodes become legal status episodes (records.models.LegalStatusEpisode, cohort CLA):
- a 903 episode starts on DECOM; a change of legal status or placement starts a new 903
  episode on the day the previous one ceased (its DEC). Consecutive 903 episodes with the same
  LS are one legal status episode (a placement move does not change the legal status);
- a legal status episode ends the day before the next one starts when they are consecutive,
  and on DEC when the child left care (DEC is then the last day recorded looked after); a 903
  episode that starts and ceases on the day the next one starts is not a period of its own;
- REC E11/E12 (adopted), E41 (child arrangements order) and E43-E48 (special guardianship)
  mean the child left care to a permanence order: a previously looked-after (PLAC) episode
  with that route starts the day after DEC;
- episodes are matched on child + cohort + start date, so next month's return updates them.

The tables are read by records/imports/ssda903_tables.py, as a stream, their rows checked and
made into episodes by records/imports/ssda903_rows.py; the checked values wait, grouped by
CHILD, in a temporary table (records/services/ssda903_stage.py) until both tables are read, so
memory does not grow with the return (issue 12). Children are decided BATCH_SIZE at a time: first
by records/services/children_bulk.py (children the record holds as the file says, and new
children, in a fixed number of queries a batch), then the rest one by one through
child_identity_sync and episode_sync, which give every refusal its words.
"""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from records.codes import Cohort
from records.imports.base import ImportReport
from records.imports.guide import FileFormat
from records.imports.progress import Progress
from records.imports.socialcare import (
    ChildIdentity,
    FieldErrors,
    check_la_child_id,
    child_identity_sync,
    domain_error_fields,
    episode_sync,
)
from records.imports.ssda903_rows import (
    _CHAIN_RULES,
    _SHAPE_RULE,
    CHILD_FIELDS,
    EPISODE_FIELDS,
    EpisodeRow,
    _chain_errors,
    _episode,
    _header_identity,
    periods_of,
    planned_writes,
)
from records.imports.ssda903_tables import (
    EPISODES,
    EPISODES_TABLE,
    HEADER,
    HEADER_TABLE,
    open_return,
    table_kind,
)
from records.models import Child, ImportKind, ImportRun
from records.selectors.identifiers import (
    NOT_IN_REACH,
    AmbiguousIdentifierError,
    child_for_identifiers,
)
from records.selectors.imports import import_reach
from records.services.children_bulk import (
    BATCH_SIZE,
    BulkOutcome,
    EpisodeWant,
    ReturnChild,
    return_children_sync_bulk,
)
from records.services.locking import SyncOutcome
from records.services.ssda903_stage import BAD_EPISODE_ROW, HEADER_ROW, Stage
from virtualschool.errors import DomainError

__all__ = ["Ssda903Importer", "open_return", "table_kind"]


FORMAT = FileFormat(
    summary=(
        "The SSDA903 looked-after children return: a zip of its CSV tables (the Header and "
        "Episodes tables are read; others are left out), one table's CSV, or the return's XML."
    ),
    docs="ssda903.md",
    tables=(HEADER_TABLE, EPISODES_TABLE),
)


class Ssda903Importer:
    kind = ImportKind.SSDA903
    file_format = FORMAT

    def run(self, *, run: ImportRun, path: Path, progress: Progress) -> ImportReport:
        report = ImportReport()
        self.reach = import_reach(user=run.created_by)
        # Adding children is for those who see the whole record (import_create refuses the
        # option to anyone else).
        create_missing = bool(run.options.get("create_missing")) and self.reach is None
        self.actor = run.created_by
        self.run_id = run.pk
        self.report = report
        self.ambiguous: dict[str, str] = {}
        self.matched: set[uuid.UUID] = set()

        with open_return(path, run.file_name) as rows, Stage() as stage:
            progress.set_total(rows.size)
            # Each row is checked as it is read and only its checked values are kept, in the
            # stage (records/services/ssda903_stage.py), not in memory.
            for table, row, values, problem in rows.rows:
                if table == HEADER:
                    self._header(stage, row, values, problem)
                else:
                    self._episode_row(stage, row, values, problem)
            for rows_of in stage.children(BATCH_SIZE):
                batch = [_staged(child_rows) for child_rows in rows_of]
                # A child's rows are all in one batch, so what was matched is per batch.
                self.matched = set()
                decided = self._bulk(batch, create_missing)
                for staged in batch:
                    self._staged_child(staged, decided.get(staged.child_id), create_missing)
                    progress.advance(staged.rows)
        return report

    def _staged_child(
        self,
        staged: StagedChild,
        decided: tuple[BulkOutcome, Counter[str], list[tuple[int, str, str]]] | None,
        create_missing: bool,
    ) -> None:
        for row in staged.duplicate_header_rows:
            self.report.reject(
                row,
                f"{HEADER}.CHILD",
                f"The child is already in the Header table on row {staged.header_row}",
                table=HEADER,
            )
        if decided is not None:
            self._bulk_done(decided, staged.header_row, staged.episodes)
            return
        child = self._child(staged.header_row, staged.identity, staged.child_id, create_missing)
        self._episodes(
            staged.child_id, child, staged.header_row, staged.episodes, staged.bad_episode_rows
        )

    def _header(self, stage: Stage, row: int, values: dict[str, str], problem: str) -> None:
        """A Header row read and checked; its values staged by CHILD (the first row of each
        is the child's: a later one is rejected when the children are read back)."""
        self.report.read(HEADER)
        errors = FieldErrors()
        if problem:
            # The fields cannot be trusted to be in their columns: none is read.
            self.report.reject(row, HEADER, problem, table=HEADER, rule=_SHAPE_RULE)
            identity = None
        else:
            identity = _header_identity(values, errors)
        self._reject(HEADER, row, errors)
        child_id = values["CHILD"].strip()
        if child_id:
            stage.header(row, child_id, identity)

    def _episode_row(self, stage: Stage, row: int, values: dict[str, str], problem: str) -> None:
        """An Episodes row read and checked; staged by CHILD, as an episode or as a row with
        an error."""
        self.report.read(EPISODES)
        errors = FieldErrors()
        child_id = check_la_child_id(values["CHILD"], errors, "CHILD")
        if problem:
            self.report.reject(row, EPISODES, problem, table=EPISODES, rule=_SHAPE_RULE)
            episode = None
        else:
            episode = _episode(row, values, errors)
        self._reject(EPISODES, row, errors)
        if not child_id:
            return
        if episode is None:
            stage.bad_episode(child_id, row)
        else:
            stage.episode(
                child_id,
                episode.row,
                episode.decom,
                episode.dec,
                episode.ls,
                episode.rec,
                episode.pl_la,
            )

    def _reject(self, table: str, row: int, errors: FieldErrors) -> None:
        for name, reason in errors.errors:
            self.report.reject(row, f"{table}.{name}", reason, table=table)
        for name, reason in errors.warnings:
            self.report.warn(row, f"{table}.{name}", reason, table=table)

    def _child(
        self, row: int | None, identity: ChildIdentity | None, child_id: str, create_missing: bool
    ) -> Child | None:
        if identity is None or row is None:
            return self._child_by_la_child_id(child_id)
        try:
            with transaction.atomic():
                synced = child_identity_sync(
                    actor=self.actor,
                    identity=identity,
                    create_missing=create_missing,
                    within=self.reach,
                )
        except DomainError as error:
            child = self._child_by_la_child_id(child_id)
            for name, reason in domain_error_fields(error, CHILD_FIELDS, "CHILD"):
                self.report.reject(
                    row,
                    f"{HEADER}.{name}",
                    reason,
                    child_id=self._matched_id(child),
                    table=HEADER,
                )
            return child
        self.report.counts[f"children_{synced.outcome}"] += 1
        self.report.touch(
            synced.row.pk,
            created=synced.outcome == SyncOutcome.CREATED,
            identity=int(synced.outcome == SyncOutcome.UPDATED),
        )
        if synced.outcome != SyncOutcome.CREATED:
            self.matched.add(synced.row.pk)
        return synced.row

    def _child_by_la_child_id(self, child_id: str) -> Child | None:
        try:
            match = child_for_identifiers(la_child_id=child_id, within=self.reach)
        except AmbiguousIdentifierError as error:
            self.ambiguous[child_id] = error.messages[0]
            return None
        if match is None:
            return None
        self.matched.add(match.child.pk)
        return match.child

    def _matched_id(self, child: Child | None) -> uuid.UUID | None:
        """The id a rejection carries: only a child that was on the record before this file
        (one the file added is gone again if the file is not imported)."""
        return child.pk if child is not None and child.pk in self.matched else None

    def _episodes(
        self,
        child_id: str,
        child: Child | None,
        header_row: int | None,
        episodes: list[EpisodeRow],
        bad_rows: list[int],
    ) -> None:
        if not episodes:
            return
        episodes.sort(key=_episode_order)
        if bad_rows:
            self._not_imported(
                episodes, f"row {bad_rows[0]} of the Episodes table", self._matched_id(child)
            )
            return
        if child is None:
            self._no_child(child_id, header_row, episodes)
            return
        matched_id = self._matched_id(child)
        problems = _chain_errors(episodes)
        if problems:
            for row, name, reason in problems:
                self.report.reject(
                    row,
                    f"{EPISODES}.{name}",
                    reason,
                    child_id=matched_id,
                    table=EPISODES,
                    rule=_CHAIN_RULES[name],
                )
            self._not_imported(
                [e for e in episodes if e.row not in {row for row, _, _ in problems}],
                f"row {problems[0][0]} of the Episodes table",
                matched_id,
            )
            return
        self._later_warnings: list[tuple[int, str, str]] = []  # kept if the writes are
        try:
            with transaction.atomic():
                outcomes = self._write_periods(child, periods_of(episodes))
        except _PeriodRefusedError as refused:
            for name, reason in refused.fields:
                self.report.reject(
                    refused.row, f"{EPISODES}.{name}", reason, child_id=matched_id, table=EPISODES
                )
            self._not_imported(
                [e for e in episodes if e.row != refused.row],
                f"row {refused.row} of the Episodes table",
                matched_id,
            )
            return
        for row, name, reason in self._later_warnings:
            self.report.warn(row, f"{EPISODES}.{name}", reason, child_id=matched_id, table=EPISODES)
        self.report.counts.update(outcomes)
        self.report.touch(
            child.pk,
            episodes=sum(
                count
                for key, count in outcomes.items()
                if key.endswith((f"_{SyncOutcome.CREATED}", f"_{SyncOutcome.UPDATED}"))
            ),
        )

    def _no_child(self, child_id: str, header_row: int | None, episodes: list[EpisodeRow]) -> None:
        """Reject the episodes of a child the record does not have (or that the row's
        importer may not see), saying why."""
        reason = (
            f"No child in the record has this LA child id: its Header row {header_row} was rejected"
            if header_row is not None
            else "No child in the record has this LA child id, and it is not in the Header table"
        )
        rule = (
            "No child in the record has this LA child id: its Header row was rejected"
            if header_row is not None
            else reason
        )
        if self.reach is not None:
            reason = rule = NOT_IN_REACH  # the same words whoever has the id (issue 11)
        if child_id in self.ambiguous:
            reason = rule = self.ambiguous[child_id]
        for episode in episodes:
            self.report.reject(episode.row, f"{EPISODES}.CHILD", reason, table=EPISODES, rule=rule)

    def _not_imported(
        self, episodes: list[EpisodeRow], because: str, child_id: uuid.UUID | None = None
    ) -> None:
        for episode in episodes:
            self.report.reject(
                episode.row,
                f"{EPISODES}.CHILD",
                f"Not imported: the child's episodes are imported together, and {because} was "
                "rejected",
                child_id=child_id,
                table=EPISODES,
                rule="Not imported: another of the child's episodes was rejected",
            )

    def _bulk(
        self, batch: list[StagedChild], create_missing: bool
    ) -> dict[str, tuple[BulkOutcome, Counter[str], list[tuple[int, str, str]]]]:
        """The batch's children the bulk service decided, with the counts and warnings their
        episodes give: those with a Header identity whose episodes have no error. Every child
        with an identity is shown to the service, so that it sees identifiers they share."""
        today = timezone.localdate()
        cases: list[tuple[str, ReturnChild, Counter[str], list, bool]] = []
        for staged in batch:
            identity = staged.identity
            if identity is None or staged.header_row is None:
                continue
            rows = sorted(staged.episodes, key=_episode_order)
            eligible = not staged.bad_episode_rows and not _chain_errors(rows)
            plan = planned_writes(periods_of(rows), today) if eligible and rows else None
            wants = tuple(EpisodeWant(**values) for _, _, values in plan.writes) if plan else ()
            counts: Counter[str] = Counter()
            if plan is not None:
                counts["episodes_same_day"] += plan.same_day
            kinds = [kind for _, kind, _ in plan.writes] if plan else []
            cases.append(
                (staged.child_id, ReturnChild(identity=identity, episodes=wants, bulk=eligible),
                 counts, [kinds, plan.warnings if plan else []], eligible)
            )  # fmt: skip
        outcomes = return_children_sync_bulk(
            actor=self.actor,
            children=[case[1] for case in cases],
            create_missing=create_missing,
            within=self.reach,
            details={"run_id": str(self.run_id), "import_kind": ImportKind.SSDA903},
        )
        decided = {}
        for (child_id, _, counts, (kinds, warnings), _), outcome in zip(
            cases, outcomes, strict=True
        ):
            if outcome is None:
                continue
            for kind, episode in zip(kinds, outcome.episodes, strict=True):
                counts[f"{kind}_{episode}"] += 1
            decided[child_id] = (outcome, +counts, warnings)
        return decided

    def _bulk_done(
        self,
        decided: tuple[BulkOutcome, Counter[str], list[tuple[int, str, str]]],
        header_row: int | None,
        episodes: list[EpisodeRow],
    ) -> None:
        """Report a child the bulk service decided as _child and _episodes would have."""
        outcome, counts, warnings = decided
        created = outcome.outcome == SyncOutcome.CREATED
        self.report.counts[f"children_{outcome.outcome}"] += 1
        self.report.touch(
            outcome.child_id, created=created, identity=int(outcome.outcome == SyncOutcome.UPDATED)
        )
        if not created:
            self.matched.add(outcome.child_id)
        if not episodes:
            return
        matched_id = None if created else outcome.child_id
        for row, name, reason in warnings:
            self.report.warn(row, f"{EPISODES}.{name}", reason, child_id=matched_id, table=EPISODES)
        self.report.counts.update(counts)
        written = sum(
            n
            for key, n in counts.items()
            if key.endswith((f"_{SyncOutcome.CREATED}", f"_{SyncOutcome.UPDATED}"))
        )
        self.report.touch(outcome.child_id, episodes=written)

    def _write_periods(self, child: Child, periods: list) -> Counter[str]:
        """Write a child's periods; the counts of what was written, kept only on success."""
        plan = planned_writes(periods, timezone.localdate())
        outcomes: Counter[str] = Counter()
        if plan.same_day:
            outcomes["episodes_same_day"] += plan.same_day
        for row, kind, values in plan.writes:
            outcome = self._sync(row, child=child, **values)
            outcomes[f"{kind}_{outcome}"] += 1
        self._later_warnings.extend(plan.warnings)
        return outcomes

    def _sync(self, row: int, **values) -> str:
        try:
            return episode_sync(actor=self.actor, **values)
        except DomainError as error:
            default = "REC" if values["cohort"] == Cohort.PLAC else "DECOM"
            names = (
                {**EPISODE_FIELDS, "start_date": default} if default == "REC" else EPISODE_FIELDS
            )
            raise _PeriodRefusedError(row, domain_error_fields(error, names, default)) from error


def _episode_order(episode: EpisodeRow) -> tuple[date, date]:
    return (episode.decom, episode.dec or date.max)


class _PeriodRefusedError(Exception):
    def __init__(self, row: int, fields: list[tuple[str, str]]) -> None:
        super().__init__(row)
        self.row = row
        self.fields = fields


@dataclass(slots=True)
class StagedChild:
    """One CHILD of the return, with everything its rows said (the checked values), as the
    stage gives them back."""

    child_id: str
    header_row: int | None = None  # the child's first Header row
    identity: ChildIdentity | None = None  # None when that row was rejected
    duplicate_header_rows: list[int] = field(default_factory=list)
    episodes: list[EpisodeRow] = field(default_factory=list)
    bad_episode_rows: list[int] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return (
            (self.header_row is not None)
            + len(self.duplicate_header_rows)
            + len(self.episodes)
            + len(self.bad_episode_rows)
        )


def _staged(rows: list[tuple]) -> StagedChild:
    """A child's staged rows (records/services/ssda903_stage.py COLUMNS, by table and row)."""
    child = StagedChild(child_id=rows[0][0])
    for (child_id, kind, row, has_identity, dob, gender, upn, upn_unknown, ethnicity,
         needs_checking, decom, dec, ls, rec, pl_la) in rows:  # fmt: skip
        if kind == HEADER_ROW:
            if child.header_row is not None:
                child.duplicate_header_rows.append(row)
                continue
            child.header_row = row
            if has_identity:
                child.identity = ChildIdentity(
                    la_child_id=child_id,
                    date_of_birth=dob,
                    gender=gender,
                    upn=upn,
                    upn_unknown=upn_unknown,
                    ethnicity=ethnicity,
                    upn_needs_checking=needs_checking,
                )
        elif kind == BAD_EPISODE_ROW:
            child.bad_episode_rows.append(row)
        else:
            child.episodes.append(
                EpisodeRow(row=row, decom=decom, dec=dec, ls=ls, rec=rec, pl_la=pl_la or "")
            )
    return child
