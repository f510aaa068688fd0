"""Which importer reads which kind of file (records.models.ImportKind)."""

from __future__ import annotations

from django.utils.module_loading import import_string

from records.imports.base import Importer
from records.models import ImportKind

IMPORTERS: dict[str, str] = {
    ImportKind.ATTENDANCE: "records.imports.attendance.AttendanceImporter",
    ImportKind.CTF: "records.imports.ctf.CtfImporter",
    ImportKind.SCHOOLS: "records.imports.schools.SchoolsImporter",
    ImportKind.SSDA903: "records.imports.ssda903.Ssda903Importer",
    ImportKind.CIN: "records.imports.cin.CinImporter",
}

# Formats that name children who may not be on the record yet: their importers create them
# when the run's options say create_missing (the --create-missing flag, the upload checkbox).
CREATE_MISSING_KINDS = frozenset({ImportKind.CTF, ImportKind.SSDA903, ImportKind.CIN})


def importer_for(kind: str) -> Importer:
    return import_string(IMPORTERS[kind])()
