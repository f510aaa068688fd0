"""Writes Common Transfer Files for tests, in the shape ../shared/reference/DOMAIN.md section
(g) describes: CTfile / Header (SourceSchool, DestSchool) / CTFpupilData / Pupil, with
identity, BasicDetails/FormerUPN, SchoolHistory/School, Attendance/YearData and
StageAssessments/KeyStage/StageAssessment. Synthetic pupils only; no real data."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from xml.etree.ElementTree import Element, ElementTree, SubElement

from records.upn import check_letter


def upn(body: str) -> str:
    """A valid UPN for a 12-character body (LA, establishment, year, serial)."""
    return check_letter(body) + body


def wrong_check_letter(value: str) -> str:
    letter = "A" if value[0] != "A" else "B"
    return letter + value[1:]


@dataclass
class SchoolSpec:
    urn: str = "873201"
    lea: str = "873"
    estab: str = "2001"
    name: str = "Riverside Primary School"


@dataclass
class HistorySpec:
    school: SchoolSpec
    entry: str = ""
    leaving: str = ""
    reason: str = ""


@dataclass
class YearSpec:
    year: str = "2025"
    lea: str = "873"
    estab: str = "2001"
    name: str = "Riverside Primary School"
    possible: str = ""
    authorised: str = ""
    attended: str = ""
    unauthorised: str = ""
    start: str = ""
    marks: str = ""


@dataclass
class ResultSpec:
    stage: str
    subject: str
    method: str
    component: str
    qualifier: str
    result: str
    year: str
    locale: str = "ENG"
    status: str = "R"


@dataclass
class PupilSpec:
    upn: str
    surname: str = "HOLLAND"
    forename: str = "AMELIA"
    dob: str = "2013-10-10"
    gender: str = "F"
    gender_element: str = "Gender"
    former_upns: list[str] = field(default_factory=list)
    history: list[HistorySpec] = field(default_factory=list)
    years: list[YearSpec] = field(default_factory=list)
    results: list[ResultSpec] = field(default_factory=list)


def _add(parent: Element, tag: str, text: str) -> None:
    if text != "":
        SubElement(parent, tag).text = text


def _school(parent: Element, tag: str, school: SchoolSpec, *, name: bool = True) -> Element:
    element = SubElement(parent, tag)
    _add(element, "LEA", school.lea)
    _add(element, "Estab", school.estab)
    _add(element, "URN", school.urn)
    if name:
        _add(element, "SchoolName", school.name)
    return element


def ctf_tree(
    pupils: list[PupilSpec],
    *,
    source: SchoolSpec | None = None,
    dest: SchoolSpec | None = None,
) -> Element:
    source = source or SchoolSpec()
    dest = dest or SchoolSpec(urn="873402", estab="4002", name="Hillside Academy")
    root = Element("CTfile")
    header = SubElement(root, "Header")
    _add(header, "DocumentName", "Common Transfer File")
    _add(header, "CTFversion", "25.0")
    _add(header, "DateTime", "2025-07-18T15:04:00")
    _add(header, "DocumentQualifier", "full")
    _add(header, "SupplierID", "Test MIS")
    source_element = _school(header, "SourceSchool", source)
    _add(source_element, "AcademicYear", "2024")
    _school(header, "DestSchool", dest, name=False)
    data = SubElement(root, "CTFpupilData")
    for spec in pupils:
        pupil = SubElement(data, "Pupil")
        _add(pupil, "UPN", spec.upn)
        _add(pupil, "Surname", spec.surname)
        _add(pupil, "Forename", spec.forename)
        _add(pupil, "DOB", spec.dob)
        _add(pupil, spec.gender_element, spec.gender)
        basic = SubElement(pupil, "BasicDetails")
        for former in spec.former_upns:
            _add(basic, "FormerUPN", former)
        _add(basic, "NCyearActual", "6")
        if spec.history:
            history = SubElement(pupil, "SchoolHistory")
            for item in spec.history:
                school = _school(history, "School", item.school)
                _add(school, "EntryDate", item.entry)
                _add(school, "LeavingDate", item.leaving)
                _add(school, "LeavingReason", item.reason)
        if spec.years:
            attendance = SubElement(pupil, "Attendance")
            for item in spec.years:
                year = SubElement(attendance, "YearData")
                _add(year, "Year", item.year)
                _add(year, "LEA", item.lea)
                _add(year, "Estab", item.estab)
                _add(year, "SchoolName", item.name)
                _add(year, "SessionsPossible", item.possible)
                _add(year, "SessionsAuthorised", item.authorised)
                _add(year, "SessionsAttended", item.attended)
                _add(year, "SessionsUnauthorised", item.unauthorised)
                _add(year, "AttendanceStartDate", item.start)
                _add(year, "AttendanceMarks", item.marks)
        if spec.results:
            assessments = SubElement(pupil, "StageAssessments")
            stages: dict[str, Element] = {}
            for item in spec.results:
                if item.stage not in stages:
                    stages[item.stage] = SubElement(assessments, "KeyStage")
                    _add(stages[item.stage], "Stage", item.stage)
                result = SubElement(stages[item.stage], "StageAssessment")
                _add(result, "Locale", item.locale)
                _add(result, "Year", item.year)
                _add(result, "Subject", item.subject)
                _add(result, "Method", item.method)
                _add(result, "Component", item.component)
                _add(result, "ResultStatus", item.status)
                _add(result, "ResultQualifier", item.qualifier)
                _add(result, "Result", item.result)
    return root


def write_ctf(path: Path, pupils: list[PupilSpec], **kwargs) -> Path:
    ElementTree(ctf_tree(pupils, **kwargs)).write(path, encoding="utf-8", xml_declaration=True)
    return path


# Results as a KS2 school's CTF carries them (MTC as the DfE's MTC service writes it).
def ks2_results(*, year: str = "2025", mtc_year: str = "2023") -> list[ResultSpec]:
    return [
        ResultSpec("KS2", "MAT", "TT", "MTC", "MT", "24", mtc_year),
        ResultSpec("KS2", "ENG", "TT", "RD", "SS", "104", year),
        ResultSpec("KS2", "MAT", "TT", "", "SS", "99", year),
        ResultSpec("KS2", "ENG", "TT", "GPS", "SS", "112", year),
        ResultSpec("KS2", "ENG", "TA", "WRIT", "", "EXS", year),
        ResultSpec("KS2", "SCI", "TA", "", "", "EXS", year),
        # Not a measure we track: counted, not rejected.
        ResultSpec("KS2", "ENG", "TT", "RD", "RM", "38", year),
    ]


def gcse_results(year: str = "2025") -> list[ResultSpec]:
    return [
        ResultSpec("KS4", "MAT", "GCSE", "", "GCSE", "5", year),
        ResultSpec("KS4", "ENG", "GCSE", "", "GCSE", "4", year),
        ResultSpec("KS4", "A8", "", "", "", "41.5", year),
    ]


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE CTfile [
  <!ENTITY lol "lol">
  <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<CTfile><Header><DocumentName>&lol3;</DocumentName></Header><CTFpupilData/></CTfile>
"""

EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE CTfile [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<CTfile><Header/><CTFpupilData><Pupil><UPN>&secret;</UPN></Pupil></CTFpupilData></CTfile>
"""

EXTERNAL_DTD = """<?xml version="1.0"?>
<!DOCTYPE CTfile SYSTEM "http://example.invalid/ctf.dtd">
<CTfile><Header/><CTFpupilData/></CTfile>
"""
