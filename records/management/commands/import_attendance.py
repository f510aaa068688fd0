"""`manage.py import_attendance FILE`: a school attendance extract (docs/imports/attendance.md)."""

from __future__ import annotations

from records.management.import_command import ImportCommand
from records.models import ImportKind


class Command(ImportCommand):
    kind = ImportKind.ATTENDANCE
    help = (
        "Import an attendance CSV: upn,date,session,code,school_urn (one row per session) or "
        "upn,date,am,pm,school_urn (one row per pupil per day). All or nothing unless "
        "--import-valid-rows. Exit status 0: imported; 1: rows rejected; 2: file unreadable."
    )
