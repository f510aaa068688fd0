"""Common Transfer File (CTF) import: pupils' identity, schools, attendance and assessments.

The CTF is the DfE's XML record of a pupil moved between schools, also used for partial
transfers of results (../shared/reference/DOMAIN.md section (g)): root `CTfile`, a `Header`
(with `SourceSchool` and `DestSchool`), and `CTFpupilData` holding one `Pupil` per child.
docs/imports/ctf.md says what is read, matched, recorded, counted and rejected, and why.

Safety: the file is read with defusedxml, which refuses any DTD (so no entity expansion, no
external entity and no DTD retrieval), streamed one pupil at a time with iterparse (each
pupil's elements are dropped once it is written), with a bound on the elements held at once
and on the length of an AttendanceMarks string. The size of the file is bounded by
import_create (settings.IMPORT_MAX_BYTES).

Each pupil is written in its own savepoint: a pupil with any rejected part leaves nothing
behind, even when the user chose to import the valid rows. The file's transaction, the
all-or-nothing rule and the run lock are records/services/imports.py's.
"""

from __future__ import annotations

import re
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.db.models import QuerySet

from records.codes import Gender
from records.codes.assessment import (
    InvalidResultError,
    Measure,
    clean_result,
    year_group_in,
)
from records.codes.attendance import CODES
from records.imports.base import FileUnreadableError, ImportReport
from records.imports.guide import FileFormat
from records.imports.progress import Progress
from records.models import (
    Child,
    ImportKind,
    ImportRun,
    School,
    Session,
)
from records.permissions import can_change_schools_register
from records.selectors.identifiers import (
    NOT_IN_REACH,
    UPN,
    AmbiguousIdentifierError,
    child_for_identifiers,
)
from records.selectors.imports import import_reach
from records.selectors.schools import school_for_laestab, school_for_urn
from records.services.attainment import assessment_result_sync
from records.services.attendance import MAX_SESSIONS, SessionMark
from records.services.children import child_create, former_upn_add
from records.services.ctf import attendance_marks_record, child_upn_change
from records.services.schools import REGISTER_REFUSED, enrolment_sync, school_save
from records.upn import normalise_upn, validate_upn
from virtualschool import dates
from virtualschool.errors import DomainError

ROOT = "CTfile"
ATF_ROOT = "ATfile"  # the Admissions Transfer File, a sibling format (DOMAIN.md (g))
PUPIL_CONTAINER = "CTFpupilData"
# Bytes read to tell XML from a binary file before parsing.
SNIFF_BYTES = 8192
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
# One pupil (or the header) with more elements than this is not a CTF we can read safely: a
# full CTF pupil has a few hundred (identity, contacts, history, a year's results).
MAX_ELEMENTS_HELD = 20_000
# A school year has about 380 sessions (DOMAIN.md (c)); a marks string much longer than two
# years of weekdays is not a register.
MAX_MARKS = 1000
# attendance_record takes at most MAX_SESSIONS marks per call.
SESSIONS_PER_CALL = min(500, MAX_SESSIONS)
# Only single-character DfE register codes can be read from AttendanceMarks: how the 2024
# two-character codes (C1, C2, J1, Y1-Y7) are written there is not known (DOMAIN.md (g)).
SINGLE_CHARACTER_CODES = frozenset(code for code in CODES if len(code) == 1)
GENDERS = {"M": Gender.MALE, "F": Gender.FEMALE, "U": Gender.UNKNOWN}
ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:T[0-9:.+\-Z]*)?$")
UK_DATE = re.compile(r"^(\d{2})/(\d{2})/(\d{4})$")
YEAR = re.compile(r"^\d{4}$")
URN = re.compile(r"^\d{6}$")


# --- Which StageAssessment is which measure ---------------------------------------------------


@dataclass(frozen=True)
class _Mapping:
    """A StageAssessment whose fields are in these sets (None: any value) is `measure`."""

    measure: Measure
    stages: frozenset[str]
    subjects: frozenset[str] | None = None
    methods: frozenset[str] | None = None
    components: frozenset[str] | None = None
    qualifiers: frozenset[str] | None = None


def _set(*values: str) -> frozenset[str]:
    return frozenset(values)


TEST = _set("TT")  # Method TT = test (DOMAIN.md (g))
TEACHER_ASSESSMENT = _set("TA", "T")  # Method T = teacher assessment (DOMAIN.md (g)); TA too
READING = _set("RD", "REA", "READ")
WRITING = _set("WR", "WRI", "WRIT")
GPS = _set("GPS", "GPAS", "SPAG")
# KS2 tests are recorded as scaled scores (DOMAIN.md (d)); an element qualified as anything
# else (e.g. raw marks) is not a scaled score and is left unmapped.
SCALED_SCORE = _set("SS", "")

# First match wins. Only the MTC row is confirmed against a DfE generator (DOMAIN.md (d):
# Stage KS2, Subject MAT, Method TT, Component MTC, DFEAGILEDEVOPS/MTC ctf.service.js); the
# others are our reading of the CBDS names and are documented as such in docs/imports/ctf.md.
# An element no row matches is counted (ctf_results_not_mapped), never rejected.
MAPPINGS: tuple[_Mapping, ...] = (
    _Mapping(Measure.MTC, _set("KS2"), _set("MAT"), TEST, _set("MTC")),
    _Mapping(Measure.EYFS_GLD, _set("FSP", "EYFSP", "EYFS"), _set("GLD")),
    _Mapping(Measure.PHONICS_Y1, _set("PSC", "PHO", "PHONICS")),
    _Mapping(Measure.PHONICS_Y1, _set("KS1"), _set("PHO", "PSC", "PHONICS")),
    _Mapping(Measure.KS1_READING, _set("KS1"), READING, TEACHER_ASSESSMENT),
    _Mapping(Measure.KS1_READING, _set("KS1"), _set("ENG"), TEACHER_ASSESSMENT, READING),
    _Mapping(Measure.KS1_WRITING, _set("KS1"), WRITING, TEACHER_ASSESSMENT),
    _Mapping(Measure.KS1_WRITING, _set("KS1"), _set("ENG"), TEACHER_ASSESSMENT, WRITING),
    _Mapping(Measure.KS1_MATHS, _set("KS1"), _set("MAT"), TEACHER_ASSESSMENT),
    _Mapping(Measure.KS1_SCIENCE, _set("KS1"), _set("SCI"), TEACHER_ASSESSMENT),
    _Mapping(Measure.KS2_READING, _set("KS2"), READING, TEST, None, SCALED_SCORE),
    _Mapping(Measure.KS2_READING, _set("KS2"), _set("ENG"), TEST, READING, SCALED_SCORE),
    _Mapping(Measure.KS2_GPS, _set("KS2"), GPS, TEST, None, SCALED_SCORE),
    _Mapping(Measure.KS2_GPS, _set("KS2"), _set("ENG"), TEST, GPS, SCALED_SCORE),
    _Mapping(Measure.KS2_MATHS, _set("KS2"), _set("MAT"), TEST, None, SCALED_SCORE),
    _Mapping(Measure.KS2_WRITING, _set("KS2"), WRITING, TEACHER_ASSESSMENT),
    _Mapping(Measure.KS2_WRITING, _set("KS2"), _set("ENG"), TEACHER_ASSESSMENT, WRITING),
    _Mapping(Measure.KS2_SCIENCE, _set("KS2"), _set("SCI"), TEACHER_ASSESSMENT),
    _Mapping(Measure.KS4_ATTAINMENT_8, _set("KS4"), _set("A8", "ATT8")),
    _Mapping(Measure.KS4_PROGRESS_8, _set("KS4"), _set("P8", "PROG8")),
    _Mapping(Measure.KS4_GCSE, _set("KS4"), None, _set("GCSE")),
    _Mapping(Measure.KS4_GCSE, _set("KS4"), None, None, _set("GCSE")),
    _Mapping(Measure.KS4_GCSE, _set("KS4"), None, None, None, _set("GCSE", "GCSE91")),
)


def _matches(allowed: frozenset[str] | None, value: str) -> bool:
    return allowed is None or value in allowed


def measure_for(
    *, stage: str, subject: str, method: str, component: str, qualifier: str
) -> Measure | None:
    """The measure a StageAssessment records, or None if we do not map it."""
    for mapping in MAPPINGS:
        if (
            stage in mapping.stages
            and _matches(mapping.subjects, subject)
            and _matches(mapping.methods, method)
            and _matches(mapping.components, component)
            and _matches(mapping.qualifiers, qualifier)
        ):
            return mapping.measure
    return None


# --- Reading the XML, safely ----------------------------------------------------------------


def _local(tag: object) -> str:
    text = str(tag)
    return text.rsplit("}", 1)[-1] if text.startswith("{") else text


def _sniff(path: Path) -> None:
    """Refuse an empty, binary or non-XML file before the parser sees it."""
    with path.open("rb") as stream:
        head = stream.read(SNIFF_BYTES)
    if not head.strip():
        raise FileUnreadableError("The file is empty: there is nothing to import")
    if head.startswith(UTF16_BOMS):
        return
    if b"\x00" in head:
        raise FileUnreadableError(
            "The file is binary, not XML: choose the Common Transfer File (.xml) itself, "
            "not a compressed or other file"
        )
    if not head.removeprefix(b"\xef\xbb\xbf").lstrip().startswith(b"<"):
        raise FileUnreadableError(
            "The file is not XML: a Common Transfer File starts with an XML declaration or "
            "the CTfile element"
        )


def _elements(path: Path) -> Iterator[tuple[str, Element]]:
    """Yield ("header", Header) and ("pupil", Pupil) elements in file order, each dropped
    from the tree once the caller has used it, so memory does not grow with the file."""
    stack: list[Element] = []
    held = 0
    try:
        with path.open("rb") as stream:
            parsed = SafeET.iterparse(stream, events=("start", "end"), forbid_dtd=True)
            for event, element in parsed:
                if event == "start":
                    element.tag = _local(element.tag)
                    if not stack and element.tag != ROOT:
                        raise FileUnreadableError(_wrong_root(element.tag))
                    stack.append(element)
                    held += 1
                    if held > MAX_ELEMENTS_HELD:
                        raise FileUnreadableError(
                            f"A pupil or the header has more than {MAX_ELEMENTS_HELD:,} "
                            "elements: this is not a Common Transfer File that can be read "
                            "safely"
                        )
                    continue
                stack.pop()
                depth = len(stack)
                in_pupils = depth == 2 and stack[1].tag == PUPIL_CONTAINER
                if depth == 1 and element.tag == "Header":
                    yield "header", element
                elif in_pupils and element.tag == "Pupil":
                    yield "pupil", element
                elif not (depth == 1 and element.tag != PUPIL_CONTAINER) and not in_pupils:
                    # Inside a header or pupil not yet used, or the root: kept for now.
                    continue
                # Used, or outside what a CTF holds: dropped, so memory stays bounded.
                stack[-1].remove(element)
                held = len(stack)
    except DefusedXmlException as error:
        raise FileUnreadableError(
            "The file declares a document type (DTD) or entities, which a Common Transfer File "
            "never has; it was refused for safety and nothing was imported"
        ) from error
    except ParseError as error:
        line, column = getattr(error, "position", (0, 0))
        raise FileUnreadableError(
            f"The file is not well-formed XML (the error is at line {line}, column {column}): "
            "it may be damaged or cut short; ask the sender for a new copy"
        ) from error


def _wrong_root(tag: str) -> str:
    if tag == ATF_ROOT:
        return (
            "This is an Admissions Transfer File (ATF), not a Common Transfer File: only CTFs "
            "can be imported here"
        )
    return (
        "This XML file is not a Common Transfer File: its first element must be CTfile "
        f"(it is {tag[:40]})"
    )


def _text(element: Element | None, path: str) -> str:
    if element is None:
        return ""
    found = element.find(path)
    return (found.text or "").strip() if found is not None else ""


def _date(value: str) -> date | None:
    """A CTF date: YYYY-MM-DD as CBDS writes it (a time part is ignored); DD/MM/YYYY is
    also read, as some school systems write it. None if it is not a real date, or is outside
    virtualschool.dates' range."""
    match = ISO_DATE.match(value)
    if match:
        year, month, day = match.groups()
    else:
        match = UK_DATE.match(value)
        if not match:
            return None
        day, month, year = match.groups()
    try:
        parsed = date(int(year), int(month), int(day))
    except ValueError:
        return None
    return parsed if dates.in_range(parsed) else None


# --- Writing one pupil -----------------------------------------------------------------------


class _PupilRejectedError(Exception):
    """Raised inside a pupil's savepoint to undo everything written for it."""


@dataclass(frozen=True)
class _SchoolRef:
    urn: str
    la_code: str
    establishment_number: str
    name: str

    @classmethod
    def of(cls, element: Element | None) -> _SchoolRef:
        return cls(
            urn=_text(element, "URN"),
            la_code=_text(element, "LEA"),
            establishment_number=_text(element, "Estab"),
            name=_text(element, "SchoolName"),
        )


# Field names the record's services use, as the CTF names them.
_CHILD_FIELDS = {
    "first_name": "Forename",
    "last_name": "Surname",
    "date_of_birth": "DOB",
    "gender": "Gender",
    "upn": "UPN",
}
_ENROLMENT_FIELDS = {"start_date": "EntryDate", "end_date": "LeavingDate", "school": "URN"}
_RESULT_FIELDS = {"result": "Result", "academic_year": "Year", "subject": "Subject"}


class _Pupil:
    """The rejections and counts of one pupil, kept only if the pupil is written whole."""

    def __init__(self, row: int) -> None:
        self.row = row
        self.errors: list[tuple[str, str]] = []
        self.counts: Counter[str] = Counter()
        # The child the pupil was matched to (one already on the record), for the rejections.
        self.child_id: uuid.UUID | None = None

    def reject(self, field: str, reason: str) -> None:
        self.errors.append((field, reason))

    def reject_domain(self, error: ValidationError, *, prefix: str, names: dict[str, str]) -> None:
        for name, messages in error.message_dict.items():
            where = "" if name == NON_FIELD_ERRORS else names.get(name, name)
            field = f"{prefix}/{where}" if prefix and where else (prefix or where)
            for message in messages:
                self.reject(field, message)

    def stop_if_rejected(self) -> None:
        if self.errors:
            raise _PupilRejectedError


# No columns: an XML format (records/imports/guide.py); its elements are on its page.
FORMAT = FileFormat(
    summary=(
        "A Common Transfer File (CTF) from a school's management information system: XML "
        "whose first element is CTfile."
    ),
    docs="ctf.md",
)


class CtfImporter:
    """Reads a CTF; see the module docstring and docs/imports/ctf.md."""

    kind = ImportKind.CTF
    file_format = FORMAT

    def run(self, *, run: ImportRun, path: Path, progress: Progress) -> ImportReport:
        _sniff(path)
        progress.set_total(sum(1 for kind, _ in _elements(path) if kind == "pupil"))
        reach = import_reach(user=run.created_by)
        writer = _Writer(
            actor=run.created_by,
            # Adding children is a manager's (import_create refuses the option to anyone else),
            # and only someone who sees the whole record can tell a child is missing from it.
            create_missing=bool((run.options or {}).get("create_missing")) and reach is None,
            reach=reach,
        )
        row = 0
        for kind, element in _elements(path):
            if kind == "header":
                writer.header(element)
                continue
            row += 1
            writer.pupil(row, element)
            progress.advance()
        return writer.report


class _Writer:
    def __init__(
        self,
        *,
        actor: AbstractBaseUser | None,
        create_missing: bool,
        reach: QuerySet[Child] | None,
    ) -> None:
        self.actor = actor
        self.create_missing = create_missing
        self.reach = reach  # the children this import may match (None: every child)
        self.report = ImportReport()

    # Header ----------------------------------------------------------------------------

    def header(self, element: Element) -> None:
        """Make sure the school the file comes from is on the system (row 0 is the header);
        one not on it that cannot be added (unnamed in the file, or not the importer's to add)
        is counted."""
        header = _Pupil(0)
        source = _SchoolRef.of(element.find("SourceSchool"))
        if source.urn:
            school = self._school(header, source, field="Header/SourceSchool", required=False)
            if school is None and not header.errors:
                self.report.counts["ctf_source_school_not_recorded"] += 1
        for field, reason in header.errors:
            self.report.reject(0, field, reason)

    # Pupil -----------------------------------------------------------------------------

    def pupil(self, row: int, element: Element) -> None:
        pupil = _Pupil(row)
        self.report.counts["rows_read"] += 1
        try:
            with transaction.atomic():
                child = self._identity(pupil, element)
                self._school_history(pupil, child, element)
                self._attendance(pupil, child, element)
                self._assessments(pupil, child, element)
                pupil.stop_if_rejected()
        except _PupilRejectedError:
            for field, reason in pupil.errors:
                self.report.reject(row, field, reason, child_id=pupil.child_id)
            return
        self.report.counts.update(pupil.counts)
        counts = pupil.counts
        self.report.touch(
            child.pk,
            created=bool(counts["children_created"]),
            sessions=counts["sessions_created"] + counts["sessions_updated"],
            enrolments=counts["enrolments_created"] + counts["enrolments_updated"],
            results=counts["results_created"] + counts["results_updated"],
            upn=counts["ctf_upns_changed"],
        )

    def _identity(self, pupil: _Pupil, element: Element) -> Child:
        """Match by UPN, then by former UPN; create only when asked (create_missing)."""
        upn, formers, date_of_birth = self._read_identity(pupil, element)
        child, by_former = self._match(pupil, upn, formers)
        if child is None:
            return self._create(pupil, element, upn, formers, date_of_birth)
        if child.date_of_birth != date_of_birth:
            pupil.reject(
                "DOB",
                "The date of birth does not match the child with this UPN: check the file, "
                "or correct the child's record, before importing it",
            )
            pupil.stop_if_rejected()
        pupil.counts["children_matched"] += 1
        pupil.child_id = child.pk
        if by_former and child.upn != upn:
            try:
                child = child_upn_change(actor=self.actor, child=child, upn=upn)
            except DomainError as error:
                pupil.reject_domain(error, prefix="", names=_CHILD_FIELDS)
                pupil.stop_if_rejected()
            pupil.counts["ctf_upns_changed"] += 1
        return child

    @staticmethod
    def _read_identity(pupil: _Pupil, element: Element) -> tuple[str, list[str], date]:
        """The UPN and former UPNs (each passing the DfE check-letter rule, records/upn.py)
        and the date of birth; the pupil is rejected if any is missing or wrong."""
        upn = normalise_upn(_text(element, "UPN"))
        if not upn:
            pupil.reject("UPN", "The UPN is missing: CTF pupils are matched by UPN")
            pupil.stop_if_rejected()
        try:
            validate_upn(upn)
        except ValidationError as error:
            for message in error.messages:
                pupil.reject("UPN", message)
        formers: list[str] = []
        for found in element.findall("BasicDetails/FormerUPN"):
            former = normalise_upn(found.text or "")
            if not former or former == upn or former in formers:
                continue
            try:
                validate_upn(former)
            except ValidationError as error:
                for message in error.messages:
                    pupil.reject("BasicDetails/FormerUPN", f"Former UPN: {message}")
            formers.append(former)
        date_of_birth = _date(_text(element, "DOB"))
        if date_of_birth is None:
            pupil.reject("DOB", "The date of birth is missing or not a date written YYYY-MM-DD")
        pupil.stop_if_rejected()
        assert date_of_birth is not None  # noqa: S101 - rejected above otherwise
        return upn, formers, date_of_birth

    def _match(self, pupil: _Pupil, upn: str, formers: list[str]) -> tuple[Child | None, bool]:
        """(child, matched through a FormerUPN in the file), or (None, False): the child
        records/selectors/identifiers.py finds for the UPN and former UPNs (a school may still
        use a UPN the child has since replaced); two children found is a rejection."""
        try:
            match = child_for_identifiers(upn=upn, former_upns=formers, within=self.reach)
        except AmbiguousIdentifierError as error:
            field = "UPN" if error.identifier == UPN else "BasicDetails/FormerUPN"
            for message in error.messages:
                pupil.reject(field, message)
            raise _PupilRejectedError from error
        if match is None:
            return None, False
        child = match.child
        by_former = child.upn in formers or bool(set(child.former_upns) & set(formers))
        return child, by_former

    def _create(
        self,
        pupil: _Pupil,
        element: Element,
        upn: str,
        formers: list[str],
        date_of_birth: date,
    ) -> Child:
        if self.reach is not None:
            # Outside the importer's reach, or nobody's: the same words either way (issue 11).
            pupil.reject("UPN", NOT_IN_REACH)
            pupil.stop_if_rejected()
        if not self.create_missing:
            pupil.reject(
                "UPN",
                "No child with this UPN (or a former UPN in the file) is on the record: add "
                "the child first, or import with --create-missing",
            )
            pupil.stop_if_rejected()
        gender = GENDERS.get((_text(element, "Gender") or _text(element, "Sex")).upper())
        if gender is None:
            pupil.reject("Gender", "Gender (or Sex) must be M, F or U to add the child")
            pupil.stop_if_rejected()
        try:
            child = child_create(
                actor=self.actor,
                first_name=_text(element, "Forename"),
                last_name=_text(element, "Surname"),
                date_of_birth=date_of_birth,
                gender=gender,
                upn=upn,
            )
            if formers:
                child = former_upn_add(actor=self.actor, child=child, upns=formers).row
        except DomainError as error:
            pupil.reject_domain(error, prefix="", names=_CHILD_FIELDS)
            pupil.stop_if_rejected()
        pupil.counts["children_created"] += 1
        return child

    # Schools ---------------------------------------------------------------------------

    def _school(
        self, pupil: _Pupil, ref: _SchoolRef, *, field: str, required: bool = True
    ) -> School | None:
        """The School a reference names: by URN (added from the file's details if not on the
        system and the file names it; a school already on it is never changed: the GIAS import
        keeps schools up to date), or without a URN by LA code and establishment number if
        exactly one school has them. None when it cannot be found or added.

        Only those who may change the register add to it (permissions.
        can_change_schools_register): for anyone else a URN not in the register is an error
        on the row naming the URN when the school is `required` (a school history entry),
        and is left out, counted, when it is not (the file's source school)."""
        if ref.urn:
            if not URN.match(ref.urn):
                pupil.reject(f"{field}/URN", "URN must be a 6-digit number")
                return None
            school = school_for_urn(urn=int(ref.urn))
            if school is not None:
                return school
            if self.actor is not None and not can_change_schools_register(self.actor):
                if required:
                    pupil.reject(f"{field}/URN", REGISTER_REFUSED.format(urn=ref.urn))
                return None
            if not ref.name:
                # A school not on the system can only be added with its name.
                return None
            try:
                return school_save(
                    actor=self.actor,
                    urn=int(ref.urn),
                    name=ref.name,
                    la_code=ref.la_code,
                    establishment_number=ref.establishment_number,
                )
            except DomainError as error:
                pupil.reject_domain(
                    error,
                    prefix=field,
                    names={
                        "urn": "URN",
                        "name": "SchoolName",
                        "la_code": "LEA",
                        "establishment_number": "Estab",
                    },
                )
                return None
        return self._school_by_laestab(ref.la_code, ref.establishment_number)

    @staticmethod
    def _school_by_laestab(la_code: str, establishment_number: str) -> School | None:
        return school_for_laestab(la_code=la_code, establishment_number=establishment_number)

    def _school_history(self, pupil: _Pupil, child: Child, element: Element) -> None:
        """An enrolment for each SchoolHistory/School with an EntryDate; one already held
        (same child, school and entry date) is unchanged, or gets the file's leaving date."""
        for index, entry in enumerate(element.findall("SchoolHistory/School"), start=1):
            field = f"SchoolHistory/School[{index}]"
            entry_text = _text(entry, "EntryDate")
            if not entry_text:
                pupil.counts["ctf_school_history_undated"] += 1
                continue
            start = _date(entry_text)
            leaving_text = _text(entry, "LeavingDate")
            end = _date(leaving_text) if leaving_text else None
            if start is None:
                pupil.reject(f"{field}/EntryDate", "Entry date must be a date (YYYY-MM-DD)")
            if leaving_text and end is None:
                pupil.reject(f"{field}/LeavingDate", "Leaving date must be a date (YYYY-MM-DD)")
            school = self._school(pupil, _SchoolRef.of(entry), field=field)
            if start is None or (leaving_text and end is None) or pupil.errors:
                continue
            if school is None:
                pupil.counts["ctf_school_history_not_matched"] += 1
                continue
            self._enrolment(pupil, child, school, start, end, field)

    def _enrolment(
        self,
        pupil: _Pupil,
        child: Child,
        school: School,
        start: date,
        end: date | None,
        field: str,
    ) -> None:
        try:
            outcome = enrolment_sync(
                actor=self.actor, child=child, school=school, start_date=start, end_date=end
            )
        except DomainError as error:
            pupil.reject_domain(error, prefix=field, names=_ENROLMENT_FIELDS)
            return
        pupil.counts[f"enrolments_{outcome}"] += 1

    # Attendance ------------------------------------------------------------------------

    def _attendance(self, pupil: _Pupil, child: Child, element: Element) -> None:
        """Sessions from AttendanceMarks (see _expand); session counts alone are counted."""
        marks: list[SessionMark] = []
        slots: set[tuple[date, str]] = set()
        for index, year in enumerate(element.findall("Attendance/YearData"), start=1):
            field = f"Attendance/YearData[{index}]"
            text = _text(year, "AttendanceMarks")
            if not text:
                pupil.counts["ctf_year_totals_seen"] += 1
                continue
            expanded = self._expand(pupil, year, text, field)
            for mark in expanded:
                slot = (mark.date, mark.session)
                if slot in slots:
                    pupil.reject(
                        f"{field}/AttendanceStartDate",
                        "Two YearData elements give marks for the same session: each session "
                        "may be given once",
                    )
                    break
                slots.add(slot)
                marks.append(mark)
        if pupil.errors or not marks:
            return
        try:
            for first in range(0, len(marks), SESSIONS_PER_CALL):
                outcome = attendance_marks_record(
                    actor=self.actor, child=child, marks=marks[first : first + SESSIONS_PER_CALL]
                )
                pupil.counts["sessions_created"] += outcome.added
                pupil.counts["sessions_updated"] += outcome.changed
                pupil.counts["sessions_unchanged"] += outcome.unchanged
        except DomainError as error:
            pupil.reject_domain(
                error,
                prefix="Attendance/YearData/AttendanceMarks",
                names={"date": "", "session": "", "code": "", "school": ""},
            )

    def _expand(self, pupil: _Pupil, year: Element, text: str, field: str) -> list[SessionMark]:
        """One mark per session from AttendanceStartDate: the first character is the morning
        of the start date (or of the next weekday, if it is a Saturday or Sunday), the second
        its afternoon, then the next weekday's morning and afternoon, and so on; Saturdays and
        Sundays are skipped and take no characters. Holidays and closures are expected in the
        string as codes (e.g. # for a planned closure), as every weekday takes two marks."""
        if len(text) > MAX_MARKS:
            pupil.reject(
                f"{field}/AttendanceMarks",
                f"AttendanceMarks has more than {MAX_MARKS:,} marks: a school year has about "
                "380 sessions",
            )
            return []
        start = _date(_text(year, "AttendanceStartDate"))
        if start is None:
            pupil.reject(
                f"{field}/AttendanceStartDate",
                "AttendanceMarks need an AttendanceStartDate (YYYY-MM-DD) to say which day "
                "the first mark is for",
            )
            return []
        unreadable = [
            position
            for position, char in enumerate(text, start=1)
            if char not in SINGLE_CHARACTER_CODES
        ]
        if unreadable:
            shown = ", ".join(str(position) for position in unreadable[:5])
            more = f" and {len(unreadable) - 5} more" if len(unreadable) > 5 else ""
            pupil.reject(
                f"{field}/AttendanceMarks",
                f"AttendanceMarks may hold only single-character DfE register codes; the marks "
                f"at positions {shown}{more} are not (two-character codes such as C1, J1 and "
                "Y1-Y7 cannot be read from a marks string). Nothing from this YearData was "
                "imported",
            )
            return []
        school = self._school_by_laestab(_text(year, "LEA"), _text(year, "Estab"))
        day = start
        marks = []
        for position in range(0, len(text), 2):
            while day.weekday() >= 5:
                day += timedelta(days=1)
            marks.append(SessionMark(day, Session.AM, text[position], school))
            if position + 1 < len(text):
                marks.append(SessionMark(day, Session.PM, text[position + 1], school))
            day += timedelta(days=1)
        return marks

    # Assessments -----------------------------------------------------------------------

    def _assessments(self, pupil: _Pupil, child: Child, element: Element) -> None:
        """Each mapped StageAssessment recorded (or found unchanged, or updated); elements we
        do not map are counted, not rejected."""
        seen: dict[tuple[str, str, int], str] = {}
        index = 0
        for key_stage in element.findall("StageAssessments/KeyStage"):
            stage = _text(key_stage, "Stage").upper()
            for assessment in key_stage.findall("StageAssessment"):
                index += 1
                field = f"StageAssessments/KeyStage/StageAssessment[{index}]"
                self._assessment(pupil, child, assessment, stage, field, seen)

    def _assessment(
        self,
        pupil: _Pupil,
        child: Child,
        assessment: Element,
        stage: str,
        field: str,
        seen: dict[tuple[str, str, int], str],
    ) -> None:
        subject = _text(assessment, "Subject")
        measure = measure_for(
            stage=(_text(assessment, "Stage") or stage).upper(),
            subject=subject.upper(),
            method=_text(assessment, "Method").upper(),
            component=_text(assessment, "Component").upper(),
            qualifier=_text(assessment, "ResultQualifier").upper(),
        )
        if measure is None:
            pupil.counts["ctf_results_not_mapped"] += 1
            return
        year_text = _text(assessment, "Year")
        if not YEAR.match(year_text):
            pupil.reject(f"{field}/Year", "Year must be the 4-digit year of the assessment")
            return
        # Year is the calendar year the assessment was taken, in the summer term (MTC's CTF
        # writes the check's year; DFEAGILEDEVOPS/MTC ctf.service.js), so the academic year
        # (named by the year it starts) is the year before.
        academic_year = int(year_text) - 1
        if measure == Measure.PHONICS_Y1 and year_group_in(child.date_of_birth, academic_year) > 1:
            measure = Measure.PHONICS_Y2
        if measure != Measure.KS4_GCSE:
            subject = ""
        result = _text(assessment, "Result")
        try:
            cleaned = clean_result(measure, result)
        except InvalidResultError as error:
            pupil.reject(f"{field}/Result", str(error))
            return
        key = (measure, subject.lower(), academic_year)
        if key in seen:
            if seen[key] != cleaned:
                pupil.reject(
                    f"{field}/Result",
                    "The file gives two different results for this assessment and year",
                )
            return
        seen[key] = cleaned
        self._write_result(pupil, child, measure, subject, academic_year, cleaned, field)

    def _write_result(
        self,
        pupil: _Pupil,
        child: Child,
        measure: str,
        subject: str,
        academic_year: int,
        cleaned: str,
        field: str,
    ) -> None:
        try:
            outcome = assessment_result_sync(
                actor=self.actor,
                child=child,
                measure=measure,
                academic_year=academic_year,
                result=cleaned,
                subject=subject,
            )
        except DomainError as error:
            pupil.reject_domain(error, prefix=field, names=_RESULT_FIELDS)
            return
        pupil.counts[f"results_{outcome}"] += 1
