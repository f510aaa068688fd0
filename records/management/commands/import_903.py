"""`manage.py import_903 DIR_OR_FILES`: the SSDA903 Header and Episodes tables.

The import reads one stored file, so the tables are bundled first: a directory, or two CSV
files, become one zip of the Header and Episodes CSVs (recognised by their header rows, so any
file names do); a zip, a single table's CSV or the XML return (EXPSSDA903) is imported as it
is.
"""

from __future__ import annotations

import tempfile
import zipfile
from pathlib import Path

from django.core.management.base import CommandError

from records.imports.ssda903 import table_kind
from records.management.import_command import EXIT_UNREADABLE, ImportCommand
from records.models import ImportKind


def _first_row(path: Path) -> list[str]:
    with path.open("rb") as stream:
        line = stream.readline(64 * 1024)
    text = line.decode("utf-8-sig", errors="replace")
    return [cell.strip().strip('"').upper() for cell in text.split(",")]


def return_tables(paths: list[Path]) -> list[Path]:
    """The Header and Episodes CSVs among the given files and directories' *.csv files."""
    candidates: list[Path] = []
    for path in paths:
        if path.is_dir():
            candidates += sorted(p for p in path.iterdir() if p.suffix.lower() == ".csv")
        elif path.is_file():
            candidates.append(path)
        else:
            raise CommandError(f"{path} is not a file or directory.", returncode=EXIT_UNREADABLE)
    return [path for path in candidates if table_kind(_first_row(path)) is not None]


class Command(ImportCommand):
    kind = ImportKind.SSDA903
    help = (
        "Import the SSDA903 return's Header and Episodes tables: a directory holding them, the "
        "two CSV files, a zip of them, or the XML return; see docs/imports/ssda903.md."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "paths", nargs="+", type=Path, help="a directory, the CSV files, a zip, or the XML"
        )
        parser.add_argument(
            "--import-valid-rows",
            action="store_true",
            help="import the valid rows even if some are rejected (default: all or nothing)",
        )
        parser.add_argument("--report", type=Path, help="write the rejected rows to this CSV file")
        parser.add_argument(
            "--create-missing",
            action="store_true",
            help="add children the record does not have, with a placeholder name (default: "
            "reject them)",
        )

    def options_for_run(self, options: dict) -> dict:
        return {"create_missing": bool(options.get("create_missing"))}

    def handle(self, *args, paths: list[Path], **options):
        if len(paths) == 1 and paths[0].is_file():
            return super().handle(*args, file=paths[0], **options)
        tables = return_tables(paths)
        if not tables:
            raise CommandError(
                "No SSDA903 Header or Episodes CSV found: their first rows name CHILD, SEX, DOB, "
                "ETHNIC and UPN (Header) or CHILD, DECOM, LS, DEC and REC (Episodes).",
                returncode=EXIT_UNREADABLE,
            )
        name = paths[0].name if len(paths) == 1 else "ssda903"
        with tempfile.TemporaryDirectory() as directory:
            bundle = Path(directory) / f"{name}.zip"
            with zipfile.ZipFile(bundle, "w", compression=zipfile.ZIP_DEFLATED) as archive:
                for table in tables:
                    archive.write(table, arcname=table.name)
            return super().handle(*args, file=bundle, **options)
