"""The schools register: the Get Information about Schools (GIAS) establishments CSV.

GIAS publishes every establishment in England (about 50,000 rows, ~130 columns) as
"edubasealldata" CSV; this import reads the columns the School reference table holds: URN,
"LA (code)", "LA (name)", EstablishmentNumber, EstablishmentName, "TypeOfEstablishment (name)",
"PhaseOfEducation (name)", "EstablishmentStatus (name)", UKPRN (the post-16 provider's
number a sharing agreement may name, issue 13; optional: a file without the column leaves
each school's UKPRN as it was), and checks OpenDate/CloseDate
(dd-mm-yyyy, between 1900 and 2100 as every date entering the service: virtualschool.dates).
Real downloads are Windows-1252 encoded; UTF-8 is read too: the file's shape (encodings,
delimiter, quotes, a row as long as the header row) by the shared reader,
records/imports/csvfile.py, as every CSV import reads it.

Each row is checked by the School rules in records/services/schools.py (the ones school_save
applies), so a bad row is rejected naming its column; the valid rows are then written by
school_sync, in one statement (see its docstring: a row whose values have not changed is not
written, so a second import of a file changes nothing).
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from records.codes.census import SchoolPhase
from records.imports.base import FileUnreadableError, ImportReport
from records.imports.csvfile import stream_csv
from records.imports.guide import Column, FileFormat, FileTable
from records.imports.progress import Progress
from records.models import ImportKind, ImportRun
from records.services.schools import (
    GIAS_STATUSES,
    SchoolValues,
    school_errors,
    school_is_open_from_gias,
    school_phase_from_gias,
    school_sync,
)
from virtualschool import dates

URN = "URN"
LA_CODE = "LA (code)"
LA_NAME = "LA (name)"
NUMBER = "EstablishmentNumber"
NAME = "EstablishmentName"
TYPE = "TypeOfEstablishment (name)"
PHASE = "PhaseOfEducation (name)"
STATUS = "EstablishmentStatus (name)"
OPENED = "OpenDate"
CLOSED = "CloseDate"
UKPRN = "UKPRN"
# The columns read, declared once (records/imports/guide.py): a file must have the required
# ones (REQUIRED), and the upload page and its template show the same. GIAS's own downloads
# have these among about 130 others, which are ignored.
REGISTER = FileTable(
    slug="schools",
    columns=(
        Column(URN, "the school's 6-digit URN", example="100001"),
        Column(LA_CODE, "the 3-digit local authority code", example="873"),
        Column(LA_NAME, "the local authority's name", required=False, example="Cambridgeshire"),
        Column(NUMBER, "the 4-digit establishment number, or blank", example="2001"),
        Column(NAME, "the school's name", example="Example Primary School"),
        Column(TYPE, "the type of establishment", example="Community school"),
        Column(PHASE, "the phase: Primary, Secondary, 16 plus, ...", example="Primary"),
        Column(STATUS, "Open, Closed, Proposed to open, ...", example="Open"),
        Column(OPENED, "the day it opened (dd-mm-yyyy)", required=False, example="01-09-1974"),
        Column(CLOSED, "the day it closed (dd-mm-yyyy), if it has", required=False),
        Column(
            UKPRN,
            "its UKPRN (8 digits beginning 1), if it has one",
            required=False,
            example="10012345",
        ),  # fmt: skip
    ),
)
FORMAT = FileFormat(
    summary=(
        "The Get Information about Schools (GIAS) establishments download, as it comes: CSV "
        "with GIAS's header row."
    ),
    docs="schools.md",
    tables=(REGISTER,),
)
REQUIRED = REGISTER.required
COLUMN_OF_FIELD = {
    "urn": URN,
    "name": NAME,
    "la_code": LA_CODE,
    "la_name": LA_NAME,
    "establishment_number": NUMBER,
    "phase": PHASE,
    "establishment_type": TYPE,
    "ukprn": UKPRN,
}
DATE_FORMATS = ("%d-%m-%Y", "%d/%m/%Y")
FILE = "The file"  # how the shared reader's messages name it


def _date(value: str) -> date | None:
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(value, fmt).date()  # noqa: DTZ007 - a calendar date
        except ValueError:
            continue
    raise ValueError(value)


class SchoolsImporter:
    kind = ImportKind.SCHOOLS
    file_format = FORMAT

    def run(self, *, run: ImportRun, path: Path, progress: Progress) -> ImportReport:
        report = ImportReport()
        rows: list[SchoolValues] = []
        seen: dict[int, int] = {}
        # The shared reader's rules (records/imports/csvfile.py): either encoding, commas only,
        # quotes closed, every row as long as the header row.
        with stream_csv(path, FILE) as stream:
            columns = {name.strip(): index for index, name in enumerate(stream.header)}
            missing = [name for name in REQUIRED if name not in columns]
            if missing:
                raise FileUnreadableError(
                    f"This is not a GIAS establishments file: it has no {', '.join(missing)} column"
                )
            progress.set_total(None)
            for found in stream.rows:
                report.counts["rows_read"] += 1
                progress.advance()
                if found.problem:
                    report.reject(found.number, "row", found.problem)
                    continue
                cells = found.cells
                values = {name: cells[index].strip() for name, index in columns.items()}
                row = self._row(found.number, values, report, seen)
                if row is not None:
                    rows.append(row)
        if report.rejected and not run.import_valid_rows:
            return report  # the file is refused; nothing need be written
        # A register without a UKPRN column says nothing about UKPRNs: each school keeps its own.
        keep = () if UKPRN in columns else ("ukprn",)
        synced = school_sync(actor=run.created_by, schools=rows, keep=keep)
        report.counts["schools_created"] = synced.created
        report.counts["schools_updated"] = synced.updated
        report.counts["schools_unchanged"] = synced.unchanged
        return report

    def _row(
        self, number: int, values: dict[str, str], report: ImportReport, seen: dict[int, int]
    ) -> SchoolValues | None:
        errors: list[tuple[str, str]] = []
        urn_text = values[URN]
        urn = int(urn_text) if urn_text.isdigit() else 0
        if not urn_text.isdigit():
            errors.append((URN, "URN must be a 6-digit number"))
        elif urn in seen:
            errors.append((URN, f"The URN is already on row {seen[urn]} of the file"))
        phase = school_phase_from_gias(values[PHASE])
        if phase is None:
            allowed = ", ".join(str(label) for label in SchoolPhase.labels)
            errors.append((PHASE, f"{PHASE} must be one of: {allowed}"))
        is_open = school_is_open_from_gias(values[STATUS])
        if is_open is None:
            allowed = ", ".join(sorted(status.capitalize() for status in GIAS_STATUSES))
            errors.append((STATUS, f"{STATUS} must be one of: {allowed}"))
        errors += self._date_errors(values)
        values_for_school = {
            "urn": urn,
            "name": values[NAME],
            "la_code": values[LA_CODE],
            "la_name": values.get(LA_NAME, ""),
            "establishment_number": values[NUMBER],
            "phase": phase or "",
            "establishment_type": values[TYPE],
            "ukprn": values.get(UKPRN, ""),
        }
        for field, messages in school_errors(**values_for_school).items():
            if field == "urn" and not urn_text.isdigit():
                continue
            errors += [(COLUMN_OF_FIELD[field], message) for message in messages]
        for column, reason in errors:
            report.reject(number, column, reason)
        if urn_text.isdigit():
            seen.setdefault(urn, number)
        if errors:
            return None
        return SchoolValues(**values_for_school, is_open=is_open)

    def _date_errors(self, values: dict[str, str]) -> list[tuple[str, str]]:
        errors: list[tuple[str, str]] = []
        found: dict[str, date] = {}
        for column in (OPENED, CLOSED):
            value = values.get(column, "")
            if not value:
                continue
            try:
                parsed = _date(value)
            except ValueError:
                errors.append((column, f"{column} must be a date written dd-mm-yyyy"))
                continue
            if not dates.in_range(parsed):
                # The one range every date entering the service keeps (virtualschool.dates).
                errors.append((column, f"{column} {dates.OUT_OF_RANGE}"))
                continue
            found[column] = parsed
        if OPENED in found and CLOSED in found and found[CLOSED] < found[OPENED]:
            errors.append((CLOSED, f"{CLOSED} is before {OPENED}"))
        return errors
