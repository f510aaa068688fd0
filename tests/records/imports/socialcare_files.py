"""Builders of realistic SSDA903, CIN census and GIAS files for the import tests.

They follow the DfE field specifications (../shared/reference/DOMAIN.md section (i); the 903
schema and CIN census XSD in SocialFinanceDigitalLabs/liia-tools) with synthetic children only.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from django.core.management import call_command
from django.core.management.base import CommandError

from records.upn import check_letter


def run_command(name: str, *args: object) -> tuple[int, str]:
    """Run an import command: (exit status, what it printed)."""
    out = io.StringIO()
    try:
        call_command(name, *[str(arg) for arg in args], stdout=out, stderr=io.StringIO())
    except SystemExit as exited:
        return int(exited.code or 0), out.getvalue()
    except CommandError as error:
        return error.returncode, f"{error}\n{out.getvalue()}"
    return 0, out.getvalue()


HEADER_COLUMNS = ["CHILD", "SEX", "DOB", "ETHNIC", "UPN", "MOTHER", "MC_DOB"]
EPISODE_COLUMNS = [
    "CHILD", "DECOM", "RNE", "LS", "CIN", "PLACE", "PLACE_PROVIDER", "DEC", "REC",
    "REASON_PLACE_CHANGE", "HOME_POST", "PL_POST", "URN",
]  # fmt: skip


def upn(serial: int, la: str = "873", establishment: str = "2001", year: str = "15") -> str:
    body = f"{la}{establishment}{year}{serial:03d}"
    return check_letter(body) + body


def wrong_check_letter(value: str) -> str:
    letter = "A" if value[0] != "A" else "B"
    return letter + value[1:]


def dmy(value: date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


def header_row(child: str, dob: date, *, sex="1", ethnic="WBRI", upn_value="") -> dict:
    return {"CHILD": child, "SEX": sex, "DOB": dmy(dob), "ETHNIC": ethnic, "UPN": upn_value}


def episode_row(
    child: str, decom: date, *, ls="C2", dec: date | None = None, rec="", rne="S", cin="N1"
) -> dict:
    return {
        "CHILD": child,
        "DECOM": dmy(decom),
        "RNE": rne,
        "LS": ls,
        "CIN": cin,
        "PLACE": "U1",
        "PLACE_PROVIDER": "PR1",
        "DEC": dmy(dec),
        "REC": rec,
        "HOME_POST": "CB4 1AA",
        "PL_POST": "CB1 2BB",
        "URN": "SC123456",
    }


def table_csv(columns: list[str], rows: list[dict], encoding: str = "utf-8") -> bytes:
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore", lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({name: row.get(name, "") for name in columns})
    return out.getvalue().encode(encoding)


def write_903_dir(directory: Path, headers: list[dict], episodes: list[dict]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "header.csv").write_bytes(table_csv(HEADER_COLUMNS, headers))
    (directory / "episodes.csv").write_bytes(table_csv(EPISODE_COLUMNS, episodes))
    # Other tables of the return sit beside them and are not read.
    (directory / "uasc.csv").write_bytes(
        table_csv(["CHILD", "SEX", "DOB", "DUC"], [{"CHILD": "X", "SEX": "1"}])
    )
    return directory


def write_903_zip(path: Path, headers: list[dict], episodes: list[dict]) -> Path:
    with zipfile.ZipFile(path, "w") as bundle:
        bundle.writestr("SSDA903_Header.csv", table_csv(HEADER_COLUMNS, headers))
        bundle.writestr("SSDA903_Episodes.csv", table_csv(EPISODE_COLUMNS, episodes))
    return path


def ssda903_xml(headers: list[dict], episodes: list[dict]) -> bytes:
    """The same return in the 903's XML form: EXPSSDA903 / CHILD / HEADER (CHILDID, ...) and
    EPISODE (DECOM, ..., PL for the CSV's PLACE) elements."""
    from xml.sax.saxutils import escape

    def elements(values: dict, rename: dict[str, str], skip: set[str]) -> str:
        return "".join(
            f"<{rename.get(name, name)}>{escape(value)}</{rename.get(name, name)}>"
            for name, value in values.items()
            if value and name not in skip
        )

    parts = ['<?xml version="1.0" encoding="UTF-8"?>', "<EXPSSDA903>"]
    for header in headers:
        parts.append("<CHILD><HEADER>")
        parts.append(elements(header, {"CHILD": "CHILDID"}, set()))
        parts.append("</HEADER>")
        for episode in episodes:
            if episode["CHILD"] == header["CHILD"]:
                parts.append(f"<EPISODE>{elements(episode, {'PLACE': 'PL'}, {'CHILD'})}</EPISODE>")
        parts.append("</CHILD>")
    parts.append("</EXPSSDA903>")
    return "\n".join(parts).encode()


@dataclass
class Plan:
    start: date
    end: date | None = None


@dataclass
class CinCase:
    referral: date
    closure: date | None = None
    need: str = "N1"
    plans: list[Plan] = field(default_factory=list)
    nfa: bool = False


@dataclass
class CinChild:
    la_child_id: str
    dob: date | None
    gender: str = "1"
    upn: str = ""
    former_upn: str = ""
    upn_unknown: str = ""
    ethnicity: str = "WBRI"
    expected_dob: date | None = None
    died: date | None = None
    cases: list[CinCase] = field(default_factory=list)


def _element(name: str, value: object) -> str:
    if value in (None, ""):
        return ""
    text = value.isoformat() if isinstance(value, date) else str(value)
    return f"<{name}>{text}</{name}>"


def cin_xml(children: list[CinChild], *, la: str = "873", year: int = 2025) -> bytes:
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        "<Message><Header><CollectionDetails><Collection>CIN</Collection>",
        f"<Year>{year}</Year><ReferenceDate>{year}-03-31</ReferenceDate></CollectionDetails>",
        f"<Source><SourceLevel>L</SourceLevel><LEA>{la}</LEA><SoftwareCode>Test</SoftwareCode>",
        "<Release>1</Release><SerialNo>001</SerialNo></Source></Header><Children>",
    ]
    for child in children:
        parts.append("<Child><ChildIdentifiers>")
        parts += [
            _element("LAchildID", child.la_child_id),
            _element("UPN", child.upn),
            _element("FormerUPN", child.former_upn),
            _element("UPNunknown", child.upn_unknown),
            _element("PersonBirthDate", child.dob),
            _element("ExpectedPersonBirthDate", child.expected_dob),
            _element("GenderCurrent", child.gender),
            _element("PersonDeathDate", child.died),
        ]
        parts.append("</ChildIdentifiers><ChildCharacteristics>")
        parts.append(_element("Ethnicity", child.ethnicity))
        parts.append("<Disabilities><Disability>NONE</Disability></Disabilities>")
        parts.append("</ChildCharacteristics>")
        for case in child.cases:
            parts.append("<CINdetails>")
            parts += [
                _element("CINreferralDate", case.referral),
                _element("ReferralSource", "2A"),
                _element("PrimaryNeedCode", case.need),
                _element("CINclosureDate", case.closure),
                _element("ReasonForClosure", "RC1" if case.closure else ""),
                "<Assessments><AssessmentActualStartDate>"
                f"{case.referral.isoformat()}</AssessmentActualStartDate></Assessments>",
                _element("ReferralNFA", "true" if case.nfa else "false"),
            ]
            for plan in case.plans:
                parts.append("<ChildProtectionPlans>")
                parts += [
                    _element("CPPstartDate", plan.start),
                    _element("CPPendDate", plan.end),
                    "<InitialCategoryOfAbuse>NEG</InitialCategoryOfAbuse>",
                    "<LatestCategoryOfAbuse>NEG</LatestCategoryOfAbuse>",
                    "<NumberOfPreviousCPP>0</NumberOfPreviousCPP>",
                ]
                parts.append("</ChildProtectionPlans>")
            parts.append("</CINdetails>")
        parts.append("</Child>")
    parts.append("</Children></Message>")
    return "\n".join(part for part in parts if part).encode()


GIAS_COLUMNS = [
    "URN", "LA (code)", "LA (name)", "EstablishmentNumber", "EstablishmentName",
    "TypeOfEstablishment (code)", "TypeOfEstablishment (name)", "EstablishmentTypeGroup (code)",
    "EstablishmentTypeGroup (name)", "EstablishmentStatus (code)", "EstablishmentStatus (name)",
    "ReasonEstablishmentOpened (code)", "ReasonEstablishmentOpened (name)", "OpenDate",
    "ReasonEstablishmentClosed (code)", "ReasonEstablishmentClosed (name)", "CloseDate",
    "PhaseOfEducation (code)", "PhaseOfEducation (name)", "StatutoryLowAge", "StatutoryHighAge",
    "Postcode",
]  # fmt: skip


def gias_row(
    urn: int,
    name: str,
    *,
    la_code="873",
    la_name="Cambridgeshire",
    number="2001",
    kind="Community school",
    phase="Primary",
    status="Open",
    opened="01-09-1974",
    closed="",
) -> dict:
    return {
        "URN": str(urn),
        "LA (code)": la_code,
        "LA (name)": la_name,
        "EstablishmentNumber": number,
        "EstablishmentName": name,
        "TypeOfEstablishment (code)": "1",
        "TypeOfEstablishment (name)": kind,
        "EstablishmentTypeGroup (code)": "4",
        "EstablishmentTypeGroup (name)": "Local authority maintained schools",
        "EstablishmentStatus (code)": "1" if status == "Open" else "2",
        "EstablishmentStatus (name)": status,
        "OpenDate": opened,
        "CloseDate": closed,
        "PhaseOfEducation (code)": "2",
        "PhaseOfEducation (name)": phase,
        "StatutoryLowAge": "4",
        "StatutoryHighAge": "11",
        "Postcode": "CB4 1AA",
    }


def gias_csv(rows: list[dict], encoding: str = "cp1252") -> bytes:
    return table_csv(GIAS_COLUMNS, rows, encoding=encoding)
