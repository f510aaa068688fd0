"""`python -m bench sharing [--children N]` (`make bench-sharing`): how fast an agreement's
dataset streams (issue 13, docs/performance.md).

It adds N synthetic children, each looked after with one open legal status episode, then
builds an identifiable dataset of identity, contact and social care for them and reads the
whole CSV as a client would (sharing.datasets.encode: the same code the API streams).
- `sharing_rows_per_s`: records of the dataset (rows of the record) sent per second;
- `sharing_vs_copy_ratio`: PostgreSQL's own `COPY (<each table's SELECT>) TO STDOUT (FORMAT
  csv)` time, the plain rows the dataset is made from, over the dataset's time (its own
  COPY of that SELECT wrapped to format each line, read and counted in Python): 1.0 would
  be as fast as the server can hand the rows out; the target is 0.5 or more;
- `sharing_peak_rss_mb`: the process's peak resident set size while streaming (Linux VmHWM,
  reset first; see bench/common.py);
- `sharing_queries`: the statements the stream ran (one per table, whatever N).
Everything is one transaction, rolled back at the end. All data is synthetic.
"""

from __future__ import annotations

import datetime
import gc
import random
import time

from django.core.management.base import BaseCommand
from django.db import connection, reset_queries
from django.test.utils import CaptureQueriesContext

from bench.common import peak_mb, reset_peak, rolled_back
from records.models import Child, LegalStatusEpisode
from sharing import datasets
from sharing.models import RecipientOrganisation, SharingAgreement

DAY = datetime.date(2026, 6, 1)


def _agreement() -> SharingAgreement:
    organisation = RecipientOrganisation(pk=1, name="Bench council", type="council")
    return SharingAgreement(
        pk=1,
        name="Bench",
        organisation=organisation,
        categories=["identity", "contact", "social_care"],
        legal_statuses=["CLA"],
        scope="all",
        mode="identifiable",
        state="approved",
        valid_from=DAY,
        valid_to=DAY,
    )


def _seed(children: int) -> None:
    rng = random.Random(13)  # noqa: S311 - reproducible synthetic data, not a secret
    batch = []
    for n in range(children):
        batch.append(
            Child(
                first_name=f"Bench{n}",
                last_name="Child",
                date_of_birth=datetime.date(2008, 1, 1) + datetime.timedelta(rng.randint(0, 3650)),
                gender=rng.choice("MF"),
                address_line_1=f"{n} Long Road",
                town="Northtown",
                postcode="NE1 1AA",
            )
        )
    Child.objects.bulk_create(batch, batch_size=2000)
    LegalStatusEpisode.objects.bulk_create(
        [
            LegalStatusEpisode(
                child=child, cohort="CLA", legal_status="C2", start_date=datetime.date(2024, 1, 1)
            )
            for child in batch
        ],
        batch_size=2000,
    )


def _copy_seconds(dataset: datasets.Dataset) -> float:
    """COPY of each table's own SELECT, as the dataset runs it, to STDOUT."""
    started = time.perf_counter()
    for table_plan in dataset.plans:
        query, _ = datasets._table_query(table_plan, dataset, restricted=False)
        sql, params = query.query.sql_with_params()
        with connection.cursor() as cursor:
            raw = cursor.cursor if hasattr(cursor, "cursor") else cursor
            statement = raw.mogrify(sql, params)
            with raw.copy(f"COPY ({statement}) TO STDOUT (FORMAT csv)") as copy:
                for _block in copy:
                    pass
    return time.perf_counter() - started


class Command(BaseCommand):
    help = "Time an agreement's dataset against COPY of the same SELECT."

    def add_arguments(self, parser):
        parser.add_argument("--children", type=int, default=20000)

    def handle(self, *args, **options):
        children = options["children"]
        with rolled_back():
            _seed(children)
            gc.collect()
            reset_queries()
            agreement = _agreement()
            # Once untimed, so neither timing pays for reading the new rows from disk first.
            _copy_seconds(datasets.build(agreement=agreement, on=DAY))
            copy_s = _copy_seconds(datasets.build(agreement=agreement, on=DAY))
            reset_peak()
            dataset = datasets.build(agreement=agreement, on=DAY)
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                size = sum(len(chunk) for chunk in datasets.encode(dataset, "csv"))
                elapsed = time.perf_counter() - started
            peak = peak_mb()
            self.stdout.write(f"sharing_children: {children}")
            self.stdout.write(f"sharing_rows: {dataset.rows}")
            self.stdout.write(f"sharing_bytes: {size}")
            self.stdout.write(f"sharing_seconds: {elapsed:.2f}")
            self.stdout.write(f"sharing_rows_per_s: {dataset.rows / elapsed:.0f}")
            self.stdout.write(f"sharing_copy_seconds: {copy_s:.2f}")
            self.stdout.write(f"sharing_vs_copy_ratio: {copy_s / elapsed:.2f}")
            self.stdout.write(f"sharing_peak_rss_mb: {peak:.0f}")
            self.stdout.write(f"sharing_queries: {len(queries)}")
