"""One CIN census Child element read and checked: identity, CIN episodes (CINdetails) and
protection plans, as records/imports/cin.py's docstring describes (DfE elements and codes:
../shared/reference/DOMAIN.md section (i); the census XSD, SocialFinanceDigitalLabs/liia-tools
liiatools/spec/cin_census/cin-2022.xsd).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from xml.etree.ElementTree import Element

from records.codes import Cohort, Gender
from records.imports.socialcare import (
    ChildIdentity,
    FieldErrors,
    check_ethnicity,
    check_former_upn,
    check_la_child_id,
    check_optional_code,
    check_return_upn,
    gender_from_code,
    parse_date,
    upn_unknown_code,
)

DATE_FORMAT, DATE_SHOWN = "%Y-%m-%d", "yyyy-mm-dd"
# GenderCurrent (census gendertype): 1 male, 2 female, 0 not recorded, 9 indeterminate; later
# censuses' Sex item uses M, F and U.
GENDER_CODES = {
    "1": Gender.MALE,
    "2": Gender.FEMALE,
    "0": Gender.UNKNOWN,
    "9": Gender.UNKNOWN,
    "M": Gender.MALE,
    "F": Gender.FEMALE,
    "U": Gender.UNKNOWN,
}
# The census unknownupntype lists UN1-UN7; the record keeps UN1-UN5 (records.codes.UpnUnknown).
CIN_UPN_UNKNOWN = [f"UN{n}" for n in range(1, 8)]
# The census primary need codes are N0-N9 (CIN census XSD, liia-tools
# liiatools/spec/cin_census/; issue 12): N1-N8 as in ../shared/reference/DOMAIN.md section (a),
# and N0 and N9 besides. The record does not keep the code, so an unknown one is a warning.
PRIMARY_NEED_CODES = [f"N{n}" for n in range(10)]
CHILD_FIELDS = {
    "la_child_id": "LAchildID",
    "upn": "UPN",
    "upn_unknown": "UPNunknown",
    "former_upns": "FormerUPN",
    "date_of_birth": "PersonBirthDate",
    "gender": "GenderCurrent",
    "ethnicity": "Ethnicity",
}
# ReferralNFA is a yes/no item: "true"/"1" in the census XSD's boolean, "Y"/"yes" in some
# suppliers' files.
NFA_TRUE = {"true", "1", "y", "yes"}
CHILD_TABLE = "Child"  # each Child element is one row of the report
_CHILD_TAG = re.compile(rb"<Child[\s>]")


@dataclass
class Plan:
    where: str  # the element's path in the Child, for the report
    start: date
    end: date | None


@dataclass
class CinEpisode:
    where: str
    referral: date
    closure: date | None
    plans: list[Plan] = field(default_factory=list)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _children(element: Element, name: str) -> list[Element]:
    return [child for child in element if _local(child.tag) == name]


def _text(element: Element | None, name: str) -> str:
    if element is None:
        return ""
    found = _children(element, name)
    return (found[0].text or "").strip() if found else ""


def _count_children(path: Path) -> int | None:
    """How many Child elements the file has, for the progress bar (a quick byte scan)."""
    count, tail = 0, b""
    with path.open("rb") as stream:
        while chunk := stream.read(1024 * 1024):
            data = tail + chunk
            count += len(_CHILD_TAG.findall(data))
            tail = data[-6:]  # shorter than a match, so no match is counted twice
    return count or None


def death_date(child: Element, errors: FieldErrors) -> date | None:
    """PersonDeathDate, when the child has died (ChildIdentifiers)."""
    ids = next(iter(_children(child, "ChildIdentifiers")), None)
    return parse_date(
        _text(ids, "PersonDeathDate"), DATE_FORMAT, errors, "PersonDeathDate", DATE_SHOWN
    )


def _identity(child: Element, errors: FieldErrors) -> tuple[ChildIdentity | None, bool]:
    """The child's identity, and whether the child is unborn (expected, with no birth date)."""
    ids = next(iter(_children(child, "ChildIdentifiers")), None)
    characteristics = next(iter(_children(child, "ChildCharacteristics")), None)
    la_child_id = check_la_child_id(_text(ids, "LAchildID"), errors, "LAchildID")
    upn, needs_checking = check_return_upn(_text(ids, "UPN"), errors, "UPN")
    former = check_former_upn(_text(ids, "FormerUPN"), errors, "FormerUPN")
    unknown = check_optional_code(_text(ids, "UPNunknown"), CIN_UPN_UNKNOWN, errors, "UPNunknown")
    born_text = _text(ids, "PersonBirthDate")
    born = parse_date(born_text, DATE_FORMAT, errors, "PersonBirthDate", DATE_SHOWN)
    unborn = not born_text and bool(_text(ids, "ExpectedPersonBirthDate"))
    if not born_text and not unborn:
        errors.add("PersonBirthDate", "PersonBirthDate (date of birth) is missing")
    gender_name = "Sex" if _text(ids, "Sex") else "GenderCurrent"
    gender = gender_from_code(_text(ids, gender_name), GENDER_CODES, errors, gender_name)
    ethnicity = check_ethnicity(_text(characteristics, "Ethnicity"), errors, "Ethnicity")
    if errors or born is None:
        return None, unborn
    identity = ChildIdentity(
        la_child_id=la_child_id,
        date_of_birth=born,
        gender=gender,
        upn=upn,
        upn_unknown=upn_unknown_code(unknown),
        former_upn=former,
        ethnicity=ethnicity,
        upn_needs_checking=needs_checking,
    )
    return identity, False


def _plans(detail: Element, where: str, referral: date | None, errors: FieldErrors) -> list[Plan]:
    """A CINdetails' child protection plans; one that starts before the referral is a
    warning (issue 12), imported as the file gives it."""
    plans = []
    for index, element in enumerate(_children(detail, "ChildProtectionPlans"), start=1):
        plan_where = f"{where}/ChildProtectionPlans[{index}]"
        start = parse_date(
            _text(element, "CPPstartDate"), DATE_FORMAT, errors, f"{plan_where}/CPPstartDate",
            DATE_SHOWN,
        )  # fmt: skip
        if not _text(element, "CPPstartDate"):
            errors.add(f"{plan_where}/CPPstartDate", "CPPstartDate is missing")
        end = parse_date(
            _text(element, "CPPendDate"), DATE_FORMAT, errors, f"{plan_where}/CPPendDate",
            DATE_SHOWN,
        )  # fmt: skip
        if start and end and end < start:
            errors.add(f"{plan_where}/CPPendDate", "CPPendDate is before CPPstartDate")
        if start and referral and start < referral:
            errors.warn(
                f"{plan_where}/CPPstartDate",
                "The child protection plan starts before its referral (CINreferralDate). "
                "Both were imported as the file gives them: check the dates",
            )
        if start:
            plans.append(Plan(where=plan_where, start=start, end=end))
    return plans


def _episodes(child: Element, errors: FieldErrors) -> list[CinEpisode]:
    episodes = []
    details = _children(child, "CINdetails")
    if not details:
        errors.add("CINdetails", "The child has no CINdetails")
    for number, detail in enumerate(details, start=1):
        where = f"CINdetails[{number}]"
        if _text(detail, "ReferralNFA").lower() in NFA_TRUE:
            # A referral with no further action is not a CIN episode (issue 12): the child
            # was referred, not assessed as in need.
            continue
        referral = parse_date(
            _text(detail, "CINreferralDate"), DATE_FORMAT, errors, f"{where}/CINreferralDate",
            DATE_SHOWN,
        )  # fmt: skip
        if not _text(detail, "CINreferralDate"):
            errors.add(f"{where}/CINreferralDate", "CINreferralDate is missing")
        closure = parse_date(
            _text(detail, "CINclosureDate"), DATE_FORMAT, errors, f"{where}/CINclosureDate",
            DATE_SHOWN,
        )  # fmt: skip
        if referral and closure and closure < referral:
            errors.add(f"{where}/CINclosureDate", "CINclosureDate is before CINreferralDate")
        check_optional_code(
            _text(detail, "PrimaryNeedCode"), PRIMARY_NEED_CODES, errors,
            f"{where}/PrimaryNeedCode",
        )  # fmt: skip
        plans = _plans(detail, where, referral, errors)
        if referral:
            episodes.append(
                CinEpisode(where=where, referral=referral, closure=closure, plans=plans)
            )
    return episodes


@dataclass
class _Parsed:
    """One Child element read and checked (the element itself is let go)."""

    row: int
    errors: FieldErrors
    identity: ChildIdentity | None
    unborn: bool
    died: date | None
    episodes: list[CinEpisode]
    nfa: int


def _writes(episodes: list[CinEpisode], died: date | None) -> list[tuple]:
    """(where, cohort, start, end, closure) of each episode a child's CINdetails give: CIN
    episodes by referral date, then protection plans by start; a death ends what is open."""
    writes = [
        (episode.where, Cohort.CIN, episode.referral, episode.closure, episode.closure)
        for episode in sorted(episodes, key=lambda e: e.referral)
    ]
    plans = sorted((p for e in episodes for p in e.plans), key=lambda p: p.start)
    writes += [(plan.where, Cohort.CPP, plan.start, plan.end, None) for plan in plans]
    return [
        (where, cohort, start, died if died is not None and end is None and start <= died else end,
         closure)
        for where, cohort, start, end, closure in writes
    ]  # fmt: skip
