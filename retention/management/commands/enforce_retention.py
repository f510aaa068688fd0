"""`python manage.py enforce_retention [--dry-run] [--as-of YYYY-MM-DD]`: the daily sweep
(retention.services.retention_sweep). With --dry-run it prints what the sweep would do on
that day and changes nothing."""

from __future__ import annotations

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from retention.services import retention_sweep


class Command(BaseCommand):
    help = "Recompute destruction dates and destroy what approved lists say is due."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Change nothing; report")
        parser.add_argument("--as-of", help="The day to sweep as (YYYY-MM-DD); today if not given")

    def handle(self, *args, **options) -> None:
        today = timezone.localdate()
        if options["as_of"] is not None:
            try:
                today = datetime.date.fromisoformat(options["as_of"])
            except ValueError as error:
                raise CommandError(
                    f"--as-of {options['as_of']!r} is not a date: give it as YYYY-MM-DD"
                ) from error
        report = retention_sweep(today=today, dry_run=options["dry_run"])
        if options["dry_run"]:
            self.stdout.write("Dry run: nothing has been changed.")
        for line in report.lines():
            self.stdout.write(line)
