"""One SSDA903 return's rows read and checked, and a child's 903 episodes made into the legal
status episodes the record keeps (the rules: records/imports/ssda903.py's docstring).

Codes are the DfE's (../shared/reference/DOMAIN.md sections (a) and (i);
SocialFinanceDigitalLabs/liia-tools liiatools/spec/s903/SSDA903_schema_2024.yml).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from datetime import date, timedelta

from records.codes import Cohort, Gender, LegalStatus, PlacRoute, UpnUnknown
from records.imports.socialcare import (
    ChildIdentity,
    FieldErrors,
    check_code,
    check_ethnicity,
    check_la_child_id,
    check_optional_code,
    check_return_upn,
    gender_from_code,
    parse_date,
)
from records.services.episodes import placement_la_errors

DATE_FORMAT, DATE_SHOWN = "%d/%m/%Y", "dd/mm/yyyy"
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
    "placement_la": "PL_LA",
}


# The code lists once (an enum's `values` builds its list at every call).
_LEGAL_STATUSES = frozenset(LegalStatus.values)
_UPN_UNKNOWN = frozenset(UpnUnknown.values)


@dataclass(slots=True)
class EpisodeRow:
    row: int
    decom: date
    dec: date | None
    ls: str
    rec: str
    # PL_LA, the LA code of the area the child is placed in ("" when not given).
    pl_la: str = ""


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

    @property
    def pl_la(self) -> str:
        """The placement's LA: its latest 903 episode's (a placement move within the period
        is a new 903 episode, and the record keeps one legal status episode for the period)."""
        return self.rows[-1].pl_la


def _header_identity(values: dict[str, str], errors: FieldErrors) -> ChildIdentity | None:
    la_child_id = check_la_child_id(values["CHILD"], errors, "CHILD")
    gender = gender_from_code(values["SEX"], SEX_CODES, errors, "SEX")
    born = parse_date(values["DOB"], DATE_FORMAT, errors, "DOB", DATE_SHOWN)
    if born is None and not values["DOB"].strip():
        errors.add("DOB", "DOB (date of birth) is missing")
    ethnicity = check_ethnicity(values["ETHNIC"], errors, "ETHNIC")
    upn_value = values["UPN"].strip().upper()
    upn, upn_unknown, needs_checking = "", "", False
    if upn_value in _UPN_UNKNOWN:
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
    if ls not in _LEGAL_STATUSES:
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
    pl_la = values.get("PL_LA", "").strip().upper()
    if placement_la_errors(cohort=Cohort.CLA, placement_la=pl_la):
        errors.warn("PL_LA", f"PL_LA ({pl_la}) is not an LA code: it was not kept")
        pl_la = ""
    if errors or decom is None:
        return None
    # Every child's episodes are held until both tables are read (issue 12, memory): slots and
    # one shared string per code keep each episode small.
    return EpisodeRow(
        row=row,
        decom=decom,
        dec=dec,
        ls=sys.intern(ls),
        rec=sys.intern(rec),
        pl_la=sys.intern(pl_la),
    )


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


@dataclass
class PlannedWrites:
    """What a child's periods become: each episode to sync, as (the row a refusal names, its
    counter, episode_sync's values), the periods too short to keep, and warnings kept if the
    writes are."""

    writes: list[tuple[int, str, dict[str, object]]] = field(default_factory=list)
    same_day: int = 0
    warnings: list[tuple[int, str, str]] = field(default_factory=list)


def planned_writes(periods: list[Period], today: date) -> PlannedWrites:
    """The legal status episodes (CLA, and PLAC after a permanence order) a child's periods
    make, by the rules of records/imports/ssda903.py's docstring."""
    plan = PlannedWrites()
    placs: list[tuple[int, date, date | None, str]] = []  # row, start, end, route
    for index, period in enumerate(periods):
        following = periods[index + 1] if index + 1 < len(periods) else None
        if period.dec == period.start and following is not None and following.start == period.dec:
            # It lasted less than a day and the next period covers the day: not a period
            # of its own (a permanence order it ended in still begins a PLAC episode).
            plan.same_day += 1
        else:
            end = period.dec
            if end is not None and following is not None and following.start == end:
                end -= timedelta(days=1)
            plan.writes.append(
                (
                    period.rows[0].row,
                    "episodes",
                    {
                        "cohort": Cohort.CLA,
                        "start_date": period.start,
                        "end_date": end,
                        "legal_status": period.rows[0].ls,
                        "placement_la": period.pl_la,
                    },
                )
            )
        route = PLAC_ROUTE_BY_REC.get(period.rec)
        if route is None or period.dec is None:
            continue
        plac_start = period.dec + timedelta(days=1)
        plac_end = following.start - timedelta(days=1) if following is not None else None
        if following is not None and following.start == period.dec:
            # Looked after again the day care ended: the order and the new episode are
            # both kept, side by side, for a person to check.
            plac_end = None
            plan.warnings.append(
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
        plan.writes.append(
            (
                row,
                "plac_episodes",
                {"cohort": Cohort.PLAC, "start_date": start, "end_date": end, "plac_route": route},
            )
        )
    return plan
