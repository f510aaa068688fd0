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
"""

from __future__ import annotations

import uuid
import zipfile
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from records.codes import Cohort, Gender, LegalStatus, PlacRoute, UpnUnknown
from records.imports.base import FileUnreadableError, ImportReport
from records.imports.csvfile import read_csv
from records.imports.progress import Progress
from records.imports.socialcare import (
    ChildIdentity,
    FieldErrors,
    check_code,
    check_ethnicity,
    check_la_child_id,
    check_optional_code,
    check_return_upn,
    child_identity_sync,
    domain_error_fields,
    episode_sync,
    gender_from_code,
    parse_date,
)
from records.imports.ssda903_xml import looks_like_xml, read_903_xml
from records.models import Child, ImportKind, ImportRun
from records.selectors.identifiers import (
    NOT_IN_REACH,
    AmbiguousIdentifierError,
    child_for_identifiers,
)
from records.selectors.imports import import_reach
from records.services.locking import SyncOutcome
from virtualschool.errors import DomainError

DATE_FORMAT, DATE_SHOWN = "%d/%m/%Y", "dd/mm/yyyy"
HEADER, EPISODES = "Header", "Episodes"
HEADER_COLUMNS = ("CHILD", "SEX", "DOB", "ETHNIC", "UPN")
EPISODE_COLUMNS = ("CHILD", "DECOM", "LS", "DEC", "REC")
# A table is recognised by these columns: only the Header has UPN with SEX and DOB, only the
# Episodes table has DECOM with LS (the UASC, Reviews and other tables have neither set).
_HEADER_SIGNATURE = frozenset({"CHILD", "SEX", "DOB", "UPN"})
_EPISODES_SIGNATURE = frozenset({"CHILD", "DECOM", "LS"})

SEX_CODES = {"1": Gender.MALE, "2": Gender.FEMALE}
RNE_CODES = ["S", "L", "P", "T", "U", "B"]
# REC X1: "episode ceases, and new episode begins on same day, for any reason" - the child
# stays looked after (DOMAIN.md section (i)); every other REC means care ended.
CONTINUES = "X1"
CIN_CODES = [f"N{n}" for n in range(1, 9)]
# REC codes (SSDA903_schema_2024.yml), plus E43/E44, the special guardianship codes of
# earlier years' returns (DOMAIN.md section (i)).
REC_CODES = [
    "X1", "E11", "E12", "E2", "E3", "E4A", "E4B", "E13", "E41", "E43", "E44", "E45", "E46",
    "E47", "E48", "E5", "E6", "E7", "E9", "E14", "E15", "E16", "E17", "E8",
]  # fmt: skip
# Ceasing to be looked after through a permanence order makes the child previously looked
# after (DOMAIN.md section (a), PLAC): adoption (E11, E12), a child arrangements order (E41),
# special guardianship (E43, E44 before 2016; E45-E48 since, by who the guardians are).
PLAC_ROUTE_BY_REC = {
    "E11": PlacRoute.ADOPTION,
    "E12": PlacRoute.ADOPTION,
    "E41": PlacRoute.CAO,
    **{code: PlacRoute.SGO for code in ("E43", "E44", "E45", "E46", "E47", "E48")},
}
CHILD_FIELDS = {
    "la_child_id": "CHILD",
    "upn": "UPN",
    "upn_unknown": "UPN",
    "former_upns": "UPN",
    "date_of_birth": "DOB",
    "gender": "SEX",
    "ethnicity": "ETHNIC",
}
EPISODE_FIELDS = {
    "start_date": "DECOM",
    "end_date": "DEC",
    "legal_status": "LS",
    "plac_route": "REC",
    "cohort": "LS",
}


@dataclass
class Table:
    kind: str  # HEADER or EPISODES
    source: str
    # (row number, values by column, why the row's shape is wrong or "")
    rows: list[tuple[int, dict[str, str], str]]


@dataclass
class EpisodeRow:
    row: int
    decom: date
    dec: date | None
    ls: str
    rec: str


@dataclass
class Period:
    """Consecutive 903 episodes with one legal status."""

    rows: list[EpisodeRow]

    @property
    def start(self) -> date:
        return self.rows[0].decom

    @property
    def dec(self) -> date | None:
        return self.rows[-1].dec

    @property
    def rec(self) -> str:
        return self.rows[-1].rec


def table_kind(columns: list[str]) -> str | None:
    """HEADER, EPISODES or None for a CSV header row (column names upper-cased)."""
    names = set(columns)
    if names >= _EPISODES_SIGNATURE:
        return EPISODES
    if names >= _HEADER_SIGNATURE:
        return HEADER
    return None


def read_table(data: bytes, source: str) -> Table | None:
    """The table in one CSV, or None when it is a 903 table this import does not read. The
    file is read by records/imports/csvfile.py: UTF-8 or Windows-1252, commas only, quotes
    closed; a row with more or fewer fields than the header is kept with its problem, for the
    importer to reject (issue 12: short rows were padded before)."""
    csv_table = read_csv(data, source)
    columns = csv_table.columns
    kind = table_kind(columns)
    if kind is None:
        return None
    required = HEADER_COLUMNS if kind == HEADER else EPISODE_COLUMNS
    missing = [name for name in required if name not in columns]
    if missing:
        raise FileUnreadableError(
            f"{source} looks like the 903 {kind} table but has no {', '.join(missing)} column"
        )
    rows = []
    for row in csv_table.rows:
        cells = row.cells[: len(columns)] + [""] * (len(columns) - len(row.cells))
        rows.append((row.number, dict(zip(columns, cells, strict=True)), row.problem))
    return Table(kind=kind, source=source, rows=rows)


def _zip_sources(path: Path) -> list[tuple[str, bytes]]:
    """The CSV files in a zip of a return's tables, by name."""
    try:
        with zipfile.ZipFile(path) as bundle:
            members = [
                info
                for info in bundle.infolist()
                if not info.is_dir()
                and info.filename.lower().endswith(".csv")
                and not info.filename.startswith("__MACOSX/")
            ]
            if sum(info.file_size for info in members) > settings.IMPORT_MAX_BYTES:
                raise FileUnreadableError("The zip's files are larger than an import can take")
            sources = [(Path(info.filename).name, bundle.read(info)) for info in members]
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError) as error:
        raise FileUnreadableError("The zip file cannot be read") from error
    if not sources:
        raise FileUnreadableError("The zip file holds no CSV files")
    return sources


def read_tables(path: Path, file_name: str) -> dict[str, Table]:
    """The Header and Episodes tables in a stored file: one CSV, a zip of CSVs, or the XML
    return (records/imports/ssda903_xml.py), read under the same rules."""
    if zipfile.is_zipfile(path):
        sources = _zip_sources(path)
    else:
        with path.open("rb") as stream:
            start = stream.read(4096)
        if start.startswith(b"PK\x03\x04") or file_name.lower().endswith(".zip"):
            raise FileUnreadableError("The zip file cannot be read: it is damaged or incomplete")
        if b"\x00" not in start and looks_like_xml(start):
            headers, episodes = read_903_xml(path)
            return {
                HEADER: Table(kind=HEADER, source=file_name, rows=headers),
                EPISODES: Table(kind=EPISODES, source=file_name, rows=episodes),
            }
        sources = [(file_name, path.read_bytes())]
    tables: dict[str, Table] = {}
    for source, data in sources:
        table = read_table(data, source)
        if table is None:
            continue
        if table.kind in tables:
            raise FileUnreadableError(
                f"Both {tables[table.kind].source} and {source} are 903 {table.kind} tables: "
                "import one return at a time"
            )
        tables[table.kind] = table
    if not tables:
        raise FileUnreadableError(
            "No SSDA903 Header or Episodes table found: the Header's first row names CHILD, SEX, "
            "DOB, ETHNIC and UPN; the Episodes' first row names CHILD, DECOM, LS, DEC and REC"
        )
    return tables


def _header_identity(values: dict[str, str], errors: FieldErrors) -> ChildIdentity | None:
    la_child_id = check_la_child_id(values["CHILD"], errors, "CHILD")
    gender = gender_from_code(values["SEX"], SEX_CODES, errors, "SEX")
    born = parse_date(values["DOB"], DATE_FORMAT, errors, "DOB", DATE_SHOWN)
    if born is None and not values["DOB"].strip():
        errors.add("DOB", "DOB (date of birth) is missing")
    ethnicity = check_ethnicity(values["ETHNIC"], errors, "ETHNIC")
    upn_value = values["UPN"].strip().upper()
    upn, upn_unknown, needs_checking = "", "", False
    if upn_value in UpnUnknown.values:
        upn_unknown = upn_value
    elif not upn_value:
        errors.add("UPN", "UPN is missing: give the UPN, or UN1-UN5 for why it is not known")
    else:
        upn, needs_checking = check_return_upn(upn_value, errors, "UPN")
    if errors or born is None:
        return None
    return ChildIdentity(
        la_child_id=la_child_id,
        date_of_birth=born,
        gender=gender,
        upn=upn,
        upn_unknown=upn_unknown,
        ethnicity=ethnicity,
        upn_needs_checking=needs_checking,
    )


def _episode(row: int, values: dict[str, str], errors: FieldErrors) -> EpisodeRow | None:
    decom = parse_date(values["DECOM"], DATE_FORMAT, errors, "DECOM", DATE_SHOWN)
    if decom is None and not values["DECOM"].strip():
        errors.add("DECOM", "DECOM (date episode commenced) is missing")
    dec = parse_date(values["DEC"], DATE_FORMAT, errors, "DEC", DATE_SHOWN)
    ls = values["LS"].strip().upper()
    if ls not in LegalStatus.values:
        errors.add(
            "LS",
            f"LS must be one of the SSDA903 legal status codes: {', '.join(LegalStatus.values)}",
        )
    # RNE and CIN are not kept by the record: an unknown code is dropped with a warning.
    check_optional_code(values.get("RNE", ""), RNE_CODES, errors, "RNE")
    check_optional_code(values.get("CIN", ""), CIN_CODES, errors, "CIN")
    rec = ""
    # DfE 903 rule 148: DEC and REC are both given or both blank. DEC without REC is an error
    # (whether the child left care is not known); REC without DEC, on an open episode, is set
    # aside with a warning: the episode is open whatever REC says (issue 12).
    if values["DEC"].strip():
        rec = check_code(values["REC"], REC_CODES, errors, "REC")
        if not values["REC"].strip():
            errors.add("REC", "REC (reason episode ceased) is missing although DEC is given")
    elif values["REC"].strip():
        errors.warn(
            "REC",
            "REC (reason episode ceased) was given for an episode that has not ceased (no DEC). "
            "It was ignored and the episode imported as open",
        )
    if decom is not None and dec is not None and dec < decom:
        errors.add("DEC", "DEC (date episode ceased) is before DECOM (date episode commenced)")
    if errors or decom is None:
        return None
    return EpisodeRow(row=row, decom=decom, dec=dec, ls=ls, rec=rec)


_SHAPE_RULE = "The row has more or fewer fields than the header row"
_CHAIN_RULES = {
    "DEC": "The episode has not ceased, yet a later episode starts for this child",
    "DECOM": "The episode starts before the previous episode ceased",
}


def _chain_errors(episodes: list[EpisodeRow]) -> list[tuple[int, str, str]]:
    """A child's episodes follow one another: none starts before the previous one ceased."""
    problems = []
    for previous, current in zip(episodes, episodes[1:], strict=False):
        if previous.dec is None:
            problems.append(
                (
                    previous.row,
                    "DEC",
                    f"The episode has not ceased, yet row {current.row} starts "
                    "a later episode for this child",
                )
            )
        elif current.decom < previous.dec:
            problems.append(
                (
                    current.row,
                    "DECOM",
                    f"The episode starts before the episode on row {previous.row} ceased",
                )
            )
    return problems


def periods_of(episodes: list[EpisodeRow]) -> list[Period]:
    """A child's consecutive 903 episodes with one legal status joined into periods: only
    across REC X1 (the episode ceased but the child stays looked after, e.g. a placement
    move). Any other REC ends care, so it ends the period (issue 12: an E11 adoption followed
    by a new episode the same day keeps the adoption and its PLAC episode)."""
    periods: list[Period] = []
    for episode in episodes:
        last = periods[-1] if periods else None
        if (
            last is not None
            and last.rec == CONTINUES
            and last.rows[-1].ls == episode.ls
            and last.dec == episode.decom
        ):
            last.rows.append(episode)
        else:
            periods.append(Period(rows=[episode]))
    return periods


class Ssda903Importer:
    kind = ImportKind.SSDA903

    def run(self, *, run: ImportRun, path: Path, progress: Progress) -> ImportReport:
        report = ImportReport()
        tables = read_tables(path, run.file_name)
        progress.set_total(sum(len(table.rows) for table in tables.values()))
        self.reach = import_reach(user=run.created_by)
        # Adding children is for those who see the whole record (import_create refuses the
        # option to anyone else).
        create_missing = bool(run.options.get("create_missing")) and self.reach is None
        self.actor = run.created_by
        self.report = report
        self.ambiguous: dict[str, str] = {}
        self.matched: set[uuid.UUID] = set()

        headers: dict[str, tuple[int, ChildIdentity | None]] = {}
        for row, values, problem in tables[HEADER].rows if HEADER in tables else []:
            report.read(HEADER)
            errors = FieldErrors()
            if problem:
                # The fields cannot be trusted to be in their columns: none is read.
                report.reject(row, HEADER, problem, table=HEADER, rule=_SHAPE_RULE)
                identity = None
            else:
                identity = _header_identity(values, errors)
            child_id = values["CHILD"].strip()
            if child_id and child_id in headers:
                errors.add(
                    "CHILD",
                    f"The child is already in the Header table on row {headers[child_id][0]}",
                )
            self._reject(HEADER, row, errors)
            if child_id and child_id not in headers:
                headers[child_id] = (row, identity)

        episodes: dict[str, list[EpisodeRow]] = defaultdict(list)
        bad_episode_rows: dict[str, list[int]] = defaultdict(list)
        for row, values, problem in tables[EPISODES].rows if EPISODES in tables else []:
            report.read(EPISODES)
            errors = FieldErrors()
            child_id = check_la_child_id(values["CHILD"], errors, "CHILD")
            if problem:
                report.reject(row, EPISODES, problem, table=EPISODES, rule=_SHAPE_RULE)
                episode = None
            else:
                episode = _episode(row, values, errors)
            self._reject(EPISODES, row, errors)
            if not child_id:
                continue
            if episode is None:
                bad_episode_rows[child_id].append(row)
            else:
                episodes[child_id].append(episode)

        for child_id in dict.fromkeys([*headers, *episodes, *bad_episode_rows]):
            header_row, identity = headers.get(child_id, (None, None))
            child = self._child(header_row, identity, child_id, create_missing)
            self._episodes(
                child_id,
                child,
                header_row,
                episodes.get(child_id, []),
                bad_episode_rows.get(child_id, []),
            )
            progress.advance(
                (header_row is not None)
                + len(episodes.get(child_id, []))
                + len(bad_episode_rows.get(child_id, []))
            )
        return report

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
        episodes.sort(key=lambda episode: (episode.decom, episode.dec or date.max))
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

    def _write_periods(self, child: Child, periods: list[Period]) -> Counter[str]:
        """Write a child's periods; the counts of what was written, kept only on success."""
        outcomes: Counter[str] = Counter()
        today = timezone.localdate()
        placs: list[tuple[int, date, date | None, str]] = []  # row, start, end, route
        for index, period in enumerate(periods):
            following = periods[index + 1] if index + 1 < len(periods) else None
            if (
                period.dec == period.start
                and following is not None
                and following.start == period.dec
            ):
                # It lasted less than a day and the next period covers the day: not a period
                # of its own (a permanence order it ended in still begins a PLAC episode).
                outcomes["episodes_same_day"] += 1
            else:
                end = period.dec
                if end is not None and following is not None and following.start == end:
                    end -= timedelta(days=1)
                outcome = self._sync(
                    period.rows[0].row,
                    child=child,
                    cohort=Cohort.CLA,
                    start_date=period.start,
                    end_date=end,
                    legal_status=period.rows[0].ls,
                )
                outcomes[f"episodes_{outcome}"] += 1
            route = PLAC_ROUTE_BY_REC.get(period.rec)
            if route is None or period.dec is None:
                continue
            plac_start = period.dec + timedelta(days=1)
            plac_end = following.start - timedelta(days=1) if following is not None else None
            if following is not None and following.start == period.dec:
                # Looked after again the day care ended: the order and the new episode are
                # both kept, side by side, for a person to check.
                plac_end = None
                self._later_warnings.append(
                    (
                        following.rows[0].row,
                        "DECOM",
                        f"The episode starts the day the child left care ({period.rec}): the "
                        "previously looked-after episode that the order began is kept beside it",
                    )
                )
            if plac_start > today or (plac_end is not None and plac_end < plac_start):
                continue
            placs.append((period.rows[-1].row, plac_start, plac_end, route))
        # A PLAC episode kept open beside a same-day return to care ends the day before the
        # next order's PLAC episode begins (episodes of one cohort never overlap).
        for index, (row, start, end, route) in enumerate(placs):
            if end is None and index + 1 < len(placs):
                end = placs[index + 1][1] - timedelta(days=1)
                if end < start:
                    continue
            outcome = self._sync(
                row, child=child, cohort=Cohort.PLAC, start_date=start, end_date=end,
                plac_route=route,
            )  # fmt: skip
            outcomes[f"plac_episodes_{outcome}"] += 1
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


class _PeriodRefusedError(Exception):
    def __init__(self, row: int, fields: list[tuple[str, str]]) -> None:
        super().__init__(row)
        self.row = row
        self.fields = fields
