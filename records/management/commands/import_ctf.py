"""`manage.py import_ctf FILE [--create-missing] [--import-valid-rows] [--report CSV]`."""

from __future__ import annotations

from records.management.import_command import ImportCommand
from records.models import ImportKind


class Command(ImportCommand):
    kind = ImportKind.CTF
    help = (
        "Import a Common Transfer File (DfE CTF XML): pupils matched by UPN or former UPN, "
        "their schools, attendance marks and assessment results. Exit status 0 when nothing "
        "was rejected, 1 when pupils were rejected, 2 when the file could not be read. See "
        "docs/imports/ctf.md."
    )

    def add_arguments(self, parser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--create-missing",
            action="store_true",
            help="add pupils whose UPN matches no child (default: reject them)",
        )

    def options_for_run(self, options: dict) -> dict:
        return {"create_missing": bool(options.get("create_missing"))}
