"""The schools register: the Get Information about Schools (GIAS) establishments CSV.

GIAS publishes every establishment in England (about 50,000 rows, ~130 columns) as
"edubasealldata" CSV; this import reads the columns the School reference table holds: URN,
"LA (code)", "LA (name)", EstablishmentNumber, EstablishmentName, "TypeOfEstablishment (name)",
"PhaseOfEducation (name)", "EstablishmentStatus (name)", and checks OpenDate/CloseDate
(dd-mm-yyyy). Real downloads are Windows-1252 encoded; UTF-8 is read too.

Each row is checked by the School rules in records/services/schools.py (the ones school_save
applies), then the valid rows are upserted by URN in one statement from a COPY'd temporary
table: schools are reference data, not personal data, so no per-row audit is needed, and a row
whose values have not changed is not written (a second import of a file changes nothing).
"""

from __future__ import annotations

import codecs
import csv
from datetime import date, datetime
from pathlib import Path

from django.db import connection

from records.codes.census import SchoolPhase
from records.imports.base import FileUnreadableError, ImportReport
from records.imports.progress import Progress
from records.models import ImportKind, ImportRun, School
from records.services.schools import (
    GIAS_STATUSES,
    school_errors,
    school_is_open_from_gias,
    school_phase_from_gias,
)

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
REQUIRED = (URN, LA_CODE, NUMBER, NAME, TYPE, PHASE, STATUS)
COLUMN_OF_FIELD = {
    "urn": URN,
    "name": NAME,
    "la_code": LA_CODE,
    "la_name": LA_NAME,
    "establishment_number": NUMBER,
    "phase": PHASE,
    "establishment_type": TYPE,
}
DATE_FORMATS = ("%d-%m-%Y", "%d/%m/%Y")
COLUMNS = (
    "urn",
    "name",
    "la_code",
    "la_name",
    "establishment_number",
    "phase",
    "establishment_type",
    "is_open",
)


def detect_encoding(path: Path) -> str:
    """utf-8-sig when the whole file decodes as UTF-8, else cp1252 (GIAS's own encoding)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    with path.open("rb") as stream:
        first = True
        while chunk := stream.read(1024 * 1024):
            if first and b"\x00" in chunk[:65536]:
                raise FileUnreadableError("The file is not a CSV file: it contains binary data")
            first = False
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError:
                return "cp1252"
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "cp1252"
    return "utf-8-sig"


def _date(value: str) -> date | None:
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(value, fmt).date()  # noqa: DTZ007 - a calendar date
        except ValueError:
            continue
    raise ValueError(value)


class SchoolsImporter:
    kind = ImportKind.SCHOOLS

    def run(self, *, run: ImportRun, path: Path, progress: Progress) -> ImportReport:
        report = ImportReport()
        encoding = detect_encoding(path)
        rows: list[tuple] = []
        seen: dict[int, int] = {}
        with path.open(encoding=encoding, errors="replace", newline="") as text:
            reader = csv.reader(text)
            try:
                header = next(reader, None)
                if not header or not any(cell.strip() for cell in header):
                    raise FileUnreadableError("The file is empty: it has no header row")
                columns = {name.strip(): index for index, name in enumerate(header)}
                missing = [name for name in REQUIRED if name not in columns]
                if missing:
                    raise FileUnreadableError(
                        "This is not a GIAS establishments file: it has no "
                        f"{', '.join(missing)} column"
                    )
                progress.set_total(None)
                for number, cells in enumerate(reader, start=1):
                    if not any(cell.strip() for cell in cells):
                        continue
                    report.counts["rows_read"] += 1
                    values = {
                        name: cells[index].strip() if index < len(cells) else ""
                        for name, index in columns.items()
                    }
                    row = self._row(number, values, report, seen)
                    if row is not None:
                        rows.append(row)
                    progress.advance()
            except csv.Error as error:
                raise FileUnreadableError(
                    f"The file is not a readable CSV file ({error})"
                ) from error
        if report.rejected and not run.import_valid_rows:
            return report  # the file is refused; nothing need be written
        created, updated = self._upsert(rows)
        report.counts["schools_created"] = created
        report.counts["schools_updated"] = updated
        report.counts["schools_unchanged"] = len(rows) - created - updated
        return report

    def _row(
        self, number: int, values: dict[str, str], report: ImportReport, seen: dict[int, int]
    ) -> tuple | None:
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
        return (*values_for_school.values(), is_open)

    def _date_errors(self, values: dict[str, str]) -> list[tuple[str, str]]:
        errors, dates = [], {}
        for column in (OPENED, CLOSED):
            value = values.get(column, "")
            if not value:
                continue
            try:
                dates[column] = _date(value)
            except ValueError:
                errors.append((column, f"{column} must be a date written dd-mm-yyyy"))
        if OPENED in dates and CLOSED in dates and dates[CLOSED] < dates[OPENED]:
            errors.append((CLOSED, f"{CLOSED} is before {OPENED}"))
        return errors

    def _upsert(self, rows: list[tuple]) -> tuple[int, int]:
        """Insert new URNs and update changed ones; (created, updated)."""
        if not rows:
            return 0, 0
        table = School._meta.db_table
        names = ", ".join(COLUMNS)
        changed = " OR ".join(f"s.{name} IS DISTINCT FROM EXCLUDED.{name}" for name in COLUMNS)
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS pg_temp.gias_import")
            cursor.execute(
                "CREATE TEMPORARY TABLE gias_import (urn integer, name text, la_code text, "
                "la_name text, establishment_number text, phase text, establishment_type text, "
                "is_open boolean) ON COMMIT DROP"
            )
            with cursor.copy(f"COPY gias_import ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            cursor.execute(
                f"""
                WITH written AS (
                    INSERT INTO {table} AS s ({names})
                    SELECT {names} FROM gias_import
                    ON CONFLICT (urn) DO UPDATE SET
                        {", ".join(f"{name} = EXCLUDED.{name}" for name in COLUMNS[1:])}
                    WHERE {changed}
                    RETURNING (xmax = 0) AS inserted
                )
                SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted)
                FROM written
                """  # noqa: S608 - names are this module's constants
            )
            created, updated = cursor.fetchone()
            cursor.execute("DROP TABLE IF EXISTS pg_temp.gias_import")
        return created, updated
