"""The Children in Need census (DfE XML): children, their CIN episodes and protection plans.

Elements are the DfE's (../shared/reference/DOMAIN.md section (i); the census XSD,
SocialFinanceDigitalLabs/liia-tools liiatools/spec/cin_census/cin-2022.xsd): Message/Children/
Child, each with ChildIdentifiers (LAchildID, UPN, FormerUPN, UPNunknown, PersonBirthDate,
ExpectedPersonBirthDate, GenderCurrent or Sex), ChildCharacteristics/Ethnicity, and one or more
CINdetails (CINreferralDate, PrimaryNeedCode, CINclosureDate, ChildProtectionPlans with
CPPstartDate and CPPendDate). Dates are xs:date (yyyy-mm-dd).

The file is read as a stream, one Child at a time (defusedxml, no DTD allowed), so a large
census needs little memory. Each Child is one "row" of the report: the n-th Child element.
A child is found or added by records/services/children.py child_identity_sync (as for the 903);
each CINdetails becomes a CIN episode from the referral date to the closure date (which is
also the case closure date retention counts from), and each ChildProtectionPlans a CPP
episode, matched on child + cohort + start date so next year's census updates them.

A Child element is read and checked by records/imports/cin_rows.py. Children are decided 500
at a time, first by records/services/children_bulk.py (held as the file says, or new), the rest
one by one through the services above, in the file's order.
"""

from __future__ import annotations

import uuid
from datetime import date
from pathlib import Path
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse
from django.db import transaction

from records.codes import Cohort
from records.imports.base import FileUnreadableError, ImportReport
from records.imports.cin_rows import (
    CHILD_FIELDS,
    CHILD_TABLE,
    NFA_TRUE,
    CinEpisode,
    _children,
    _count_children,
    _episodes,
    _identity,
    _local,
    _Parsed,
    _text,
    _writes,
    death_date,
)
from records.imports.guide import FileFormat
from records.imports.progress import Progress
from records.imports.socialcare import (
    ChildIdentity,
    FieldErrors,
    child_identity_sync,
    domain_error_fields,
    episode_sync,
)
from records.models import Child, ImportKind, ImportRun
from records.selectors.identifiers import AmbiguousIdentifierError, child_for_identifiers
from records.selectors.imports import import_reach
from records.services.children_bulk import (
    BATCH_SIZE,
    BulkOutcome,
    EpisodeWant,
    ReturnChild,
    return_children_sync_bulk,
)
from records.services.episodes import child_death_record
from records.services.locking import Synced, SyncOutcome
from virtualschool.errors import DomainError


class _RefusedError(Exception):
    def __init__(self, fields: list[tuple[str, str]], child_id: uuid.UUID | None = None) -> None:
        super().__init__(fields)
        self.fields = fields
        self.child_id = child_id  # the child the row had been matched to (not one it added)


# No columns: an XML format (records/imports/guide.py); its elements are on its page.
FORMAT = FileFormat(
    summary=("The Children in Need census return: the DfE's XML (Message, Header, Children)."),
    docs="cin.md",
)


class CinImporter:
    kind = ImportKind.CIN
    file_format = FORMAT

    def run(self, *, run: ImportRun, path: Path, progress: Progress) -> ImportReport:
        self.report = ImportReport()
        self.actor = run.created_by
        self.run_id = run.pk
        self.reach = import_reach(user=run.created_by)
        # Adding children is for those who see the whole record (import_create refuses the
        # option to anyone else).
        self.create_missing = bool(run.options.get("create_missing")) and self.reach is None
        self.created: set[uuid.UUID] = set()
        with path.open("rb") as stream:
            if b"\x00" in stream.read(4096):
                raise FileUnreadableError("The file is not XML: it contains binary data")
        progress.set_total(_count_children(path))
        self.batch: list[_Parsed] = []
        row = self._read(path, progress)
        if row == 0:
            raise FileUnreadableError("The file holds no Child elements")
        return self.report

    def _read(self, path: Path, progress: Progress) -> int:
        """Read the file one Child at a time, deciding them BATCH_SIZE at a time; the number
        of Child elements."""
        row = 0
        try:
            parents: list[Element] = []
            for event, element in iterparse(str(path), events=("start", "end"), forbid_dtd=True):
                if event == "start":
                    if not parents and _local(element.tag) != "Message":
                        raise FileUnreadableError(
                            "This is not a CIN census file: its root element is not Message"
                        )
                    parents.append(element)
                    continue
                parents.pop()
                if _local(element.tag) == "Child":
                    row += 1
                    self.report.read(CHILD_TABLE)
                    self.batch.append(self._parse(row, element))
                    # Read children are dropped, so memory stays flat however long the file.
                    if parents:
                        parents[-1].remove(element)
                    if len(self.batch) == BATCH_SIZE:
                        self._flush(progress)
            self._flush(progress)
        except ParseError as error:
            raise FileUnreadableError(
                f"The file is not well-formed XML (line {error.position[0]})"
            ) from error
        except DefusedXmlException as error:
            raise FileUnreadableError(
                "The file declares a DTD or entities, which a CIN census never does"
            ) from error
        return row

    def _parse(self, row: int, element: Element) -> _Parsed:
        errors = FieldErrors()
        identity, unborn = _identity(element, errors)
        died = death_date(element, errors)
        episodes = _episodes(element, errors)
        nfa = sum(
            1
            for detail in _children(element, "CINdetails")
            if _text(detail, "ReferralNFA").lower() in NFA_TRUE
        )
        return _Parsed(row, errors, identity, unborn, died, episodes, nfa)

    def _flush(self, progress: Progress) -> None:
        """Decide the children read so far: the bulk service first, for those it can take
        (records/services/children_bulk.py), then each in the file's order."""
        cases = [
            (index, parsed)
            for index, parsed in enumerate(self.batch)
            if parsed.identity is not None and not parsed.errors and not parsed.unborn
        ]
        wants = {index: _writes(parsed.episodes, parsed.died) for index, parsed in cases}
        outcomes = return_children_sync_bulk(
            actor=self.actor,
            children=[
                ReturnChild(
                    identity=parsed.identity,
                    episodes=tuple(
                        EpisodeWant(cohort=c, start_date=s, end_date=e, closure_date=x)
                        for _, c, s, e, x in wants[index]
                    ),
                    bulk=parsed.died is None,  # a death goes through child_death_record
                )
                for index, parsed in cases
                if parsed.identity is not None
            ],
            create_missing=self.create_missing,
            within=self.reach,
            details={"run_id": str(self.run_id), "import_kind": ImportKind.CIN},
        )
        decided = {
            index: (outcome, wants[index])
            for (index, _), outcome in zip(cases, outcomes, strict=True)
            if outcome is not None
        }
        for index, parsed in enumerate(self.batch):
            self._child(parsed, decided.get(index))
            progress.advance()
        self.batch = []

    def _child(self, parsed: _Parsed, decided: tuple[BulkOutcome, list] | None) -> None:
        row, errors, identity = parsed.row, parsed.errors, parsed.identity
        if parsed.unborn and not errors:
            self.report.counts["unborn_children_skipped"] += 1
            return
        for name, reason in errors.errors:
            self.report.reject(row, name, reason, table=CHILD_TABLE)
        for name, reason in errors.warnings:
            self.report.warn(row, name, reason, table=CHILD_TABLE)
        if errors or identity is None:
            return
        written = self._written(parsed, decided)
        if written is None:
            return
        child_id, outcome, outcomes, death = written
        self.report.counts[f"children_{outcome}"] += 1
        self.report.counts.update(outcomes)
        if parsed.nfa:
            self.report.counts["cin_referrals_nfa_not_episodes"] += parsed.nfa
        if death == SyncOutcome.UPDATED:
            self.report.counts["children_death_recorded"] += 1
        self.report.touch(
            child_id,
            created=outcome == SyncOutcome.CREATED,
            identity=int(outcome == SyncOutcome.UPDATED),
            episodes=sum(
                count
                for key, count in outcomes.items()
                if not key.endswith(f"_{SyncOutcome.UNCHANGED}")
            ),
        )

    def _written(
        self, parsed: _Parsed, decided: tuple[BulkOutcome, list] | None
    ) -> tuple[uuid.UUID, str, dict[str, int], str] | None:
        """What was written for a child: by the bulk service (`decided`) or now, one by one;
        None when a service refused it (reported)."""
        if decided is not None:
            bulk, writes = decided
            if bulk.outcome == SyncOutcome.CREATED:
                self.created.add(bulk.child_id)
            outcomes: dict[str, int] = {}
            for (_, cohort, _, _, _), episode in zip(writes, bulk.episodes, strict=True):
                key = f"{cohort.lower()}_episodes_{episode}"
                outcomes[key] = outcomes.get(key, 0) + 1
            return bulk.child_id, bulk.outcome, outcomes, SyncOutcome.UNCHANGED
        if parsed.identity is None:
            return None
        try:
            synced, outcomes, death = self._write(parsed.identity, parsed.episodes, parsed.died)
        except _RefusedError as refused:
            for name, reason in refused.fields:
                self.report.reject(
                    parsed.row, name, reason, child_id=refused.child_id, table=CHILD_TABLE
                )
            return None
        return synced.row.pk, synced.outcome, outcomes, death

    def _write(
        self, identity: ChildIdentity, episodes: list[CinEpisode], died: date | None
    ) -> tuple[Synced[Child], dict[str, int], str]:
        """The child, their episodes and their death, together or not at all."""
        with transaction.atomic():
            synced = self._sync_child(identity)
            if synced.outcome == SyncOutcome.CREATED:
                self.created.add(synced.row.pk)
            matched = self._matched_id(synced.row.pk)
            outcomes = self._sync_episodes(synced.row, episodes, matched, died)
            death = SyncOutcome.UNCHANGED
            if died is not None:
                death = self._death(synced.row, died, matched)
        return synced, outcomes, death

    def _death(self, child: Child, died: date, matched: uuid.UUID | None) -> str:
        try:
            return child_death_record(actor=self.actor, child=child, date_of_death=died)
        except DomainError as error:
            raise _RefusedError(
                domain_error_fields(error, {"date_of_death": "PersonDeathDate"}, "PersonDeathDate"),
                matched,
            ) from error

    def _sync_child(self, identity: ChildIdentity) -> Synced[Child]:
        try:
            return child_identity_sync(
                actor=self.actor,
                identity=identity,
                create_missing=self.create_missing,
                within=self.reach,
            )
        except DomainError as error:
            fields = domain_error_fields(error, CHILD_FIELDS, "LAchildID")
            if isinstance(error, AmbiguousIdentifierError):
                raise _RefusedError(fields) from error
            match = child_for_identifiers(la_child_id=identity.la_child_id, within=self.reach)
            matched = self._matched_id(match.child.pk if match is not None else None)
            raise _RefusedError(fields, matched) from error

    def _matched_id(self, child_id: uuid.UUID | None) -> uuid.UUID | None:
        """The id a rejection carries: only a child that was on the record before this file
        (one the file added is gone again if the file is not imported)."""
        return child_id if child_id not in self.created else None

    def _sync_episodes(
        self,
        child: Child,
        episodes: list[CinEpisode],
        matched: uuid.UUID | None,
        died: date | None = None,
    ) -> dict[str, int]:
        outcomes: dict[str, int] = {}
        # The death ends what is open (child_death_record's rule).
        for where, cohort, start, end, closure in _writes(episodes, died):
            try:
                outcome = episode_sync(
                    actor=self.actor,
                    child=child,
                    cohort=cohort,
                    start_date=start,
                    end_date=end,
                    closure_date=closure,
                )
            except DomainError as error:
                start_name = "CINreferralDate" if cohort == Cohort.CIN else "CPPstartDate"
                end_name = "CINclosureDate" if cohort == Cohort.CIN else "CPPendDate"
                names = {
                    "start_date": f"{where}/{start_name}",
                    "end_date": f"{where}/{end_name}",
                    "closure_date": f"{where}/{end_name}",
                }
                raise _RefusedError(
                    domain_error_fields(error, names, f"{where}/{start_name}"), matched
                ) from error
            key = f"{cohort.lower()}_episodes_{outcome}"
            outcomes[key] = outcomes.get(key, 0) + 1
        return outcomes
