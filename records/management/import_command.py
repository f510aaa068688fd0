"""What every `manage.py import_*` command shares: arguments, a progress bar on a terminal,
the report, and exit status 0 (nothing rejected), 1 (rows rejected), 2 (file unreadable)."""

from __future__ import annotations

import csv
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from records.imports.progress import Progress
from records.models import ImportRun
from records.services.imports import import_copy_file, import_execute
from virtualschool.errors import DomainError

EXIT_REJECTED = 1
EXIT_UNREADABLE = 2
BAR_WIDTH = 30


class ImportCommand(BaseCommand):
    """Subclasses set `kind` (an ImportKind value) and `help`."""

    kind: str

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", type=Path, help="the file to import")
        parser.add_argument(
            "--import-valid-rows",
            action="store_true",
            help="import the valid rows even if some are rejected (default: all or nothing)",
        )
        parser.add_argument("--report", type=Path, help="write the rejected rows to this CSV file")

    def options_for_run(self, options: dict) -> dict:
        """Format-specific options stored on the run (e.g. --create-missing)."""
        return {}

    def handle(self, *args, file: Path, import_valid_rows: bool, report: Path | None, **options):
        if not file.is_file():
            raise CommandError(f"{file} is not a file.", returncode=EXIT_UNREADABLE)
        try:
            run = import_copy_file(
                source=file,
                actor=None,
                kind=self.kind,
                import_valid_rows=import_valid_rows,
                options=self.options_for_run(options),
            )
        except DomainError as error:
            raise CommandError(" ".join(error.messages), returncode=EXIT_UNREADABLE) from error
        run = import_execute(run_id=run.pk, progress=self._progress(run))
        self._report(run, report)
        if run.status == ImportRun.Status.FAILED:
            raise CommandError(run.error, returncode=EXIT_UNREADABLE)
        if run.counts.get("rows_rejected"):
            sys.exit(EXIT_REJECTED)

    def _progress(self, run: ImportRun) -> Progress:
        if not self.stderr.isatty():
            return Progress(run_id=run.pk)

        def draw(done: int, total: int | None) -> None:
            if total:
                filled = int(BAR_WIDTH * done / total)
                bar = "#" * filled + "-" * (BAR_WIDTH - filled)
                self.stderr.write(f"\r[{bar}] {done:,}/{total:,} rows", ending="")
            else:
                self.stderr.write(f"\r{done:,} rows", ending="")

        return Progress(run_id=run.pk, on_change=draw)

    def _report(self, run: ImportRun, report: Path | None) -> None:
        if self.stderr.isatty():
            self.stderr.write("")
        self.stdout.write(f"{run.get_status_display()}: {run.file_name}")
        for name, value in run.counts.items():
            if value:
                self.stdout.write(f"  {name.replace('_', ' ')}: {value:,}")
        rejections = list(run.rejections.all())
        for rejection in rejections[:20]:
            warning = "warning: " if rejection.severity == rejection.Severity.WARNING else ""
            self.stdout.write(
                f"  row {rejection.row_number}: {warning}{rejection.field}: {rejection.reason}"
            )
        if len(rejections) > 20:
            self.stdout.write(f"  ... and {len(rejections) - 20:,} more (see --report)")
        if report is not None:
            with report.open("w", newline="") as out:
                writer = csv.writer(out)
                writer.writerow(["row", "field", "reason", "severity"])
                writer.writerows((r.row_number, r.field, r.reason, r.severity) for r in rejections)
