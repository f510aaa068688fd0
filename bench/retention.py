"""`python -m bench retention [--children N] [--destroy M]` (`make bench-retention`): how fast
retention evaluates and destroys (docs/performance.md).

Seeds N children (bulk_create, la_child_id 'RBENCH-...'), each with one to three status
episodes of mixed cohorts (some open, some closed long ago), then times
`child_retention_recompute_all` over all of them: `retention_evaluate_children_per_s`. Then M
of the children get a full record as the service writes one (through records' services, so
audit entries and the retention row exist, plus an allocation, access-log rows and an import
rejection), are put on an approved destruction list, and `child_destroy` destroys each in
its own transaction: `retention_destroy_children_per_s`. One outer transaction, rolled back
at the end: nothing is left behind.
"""

from __future__ import annotations

import random
import time
import uuid
from datetime import date, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.utils import timezone

from bench.common import rolled_back
from records import services as records
from records.codes import Cohort, LegalStatus
from records.models import AccessLogEntry, Child, ImportRejection, ImportRun, LegalStatusEpisode
from retention import services
from retention.destruction import destruction_plan
from retention.models import DestructionList, DestructionListEntry
from virtualschool.roles import Role
from virtualschool.services import roles_sync

OK = AccessLogEntry.Outcome.values[0]


class Command(BaseCommand):
    help = "Benchmark retention's evaluation and destruction."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--children", type=int, default=100_000)
        parser.add_argument("--destroy", type=int, default=1_000)

    def handle(self, *args, **options) -> None:
        with rolled_back():
            self._run(options["children"], options["destroy"])

    def _run(self, n: int, m: int) -> None:
        rng = random.Random(14)  # noqa: S311 - synthetic data
        children = [
            Child(
                first_name="Bench",
                last_name=f"Child{i}",
                date_of_birth=date(1990, 1, 1) + timedelta(days=rng.randrange(30 * 365)),
                gender="F",
                la_child_id=f"RBENCH-{i}",
            )
            for i in range(n)
        ]
        Child.objects.bulk_create(children, batch_size=5000)
        episodes = []
        for child in children:
            cohorts = rng.sample(
                [Cohort.CLA, Cohort.CIN, Cohort.CPP, Cohort.PLAC], rng.randint(1, 3)
            )
            for k, cohort in enumerate(cohorts):
                start = child.date_of_birth + timedelta(days=365 * (k * 4 + 1))
                end = start + timedelta(days=300) if rng.random() < 0.7 else None
                episodes.append(
                    LegalStatusEpisode(
                        child=child,
                        cohort=cohort,
                        legal_status=LegalStatus.C2 if cohort == Cohort.CLA else "",
                        plac_route="E1" if cohort == Cohort.PLAC else "",
                        start_date=start,
                        end_date=end,
                        closure_date=end if cohort == Cohort.CIN else None,
                    )
                )
        LegalStatusEpisode.objects.bulk_create(episodes, batch_size=5000)
        started = time.perf_counter()
        evaluated = services.child_retention_recompute_all()
        seconds = time.perf_counter() - started
        self.stdout.write(f"retention_evaluate_children: {evaluated}")
        self.stdout.write(f"retention_evaluate_s: {seconds:.2f}")
        self.stdout.write(f"retention_evaluate_children_per_s: {evaluated / seconds:.0f}")
        self._destroy(m)

    def _destroy(self, m: int) -> None:
        roles_sync()
        users = get_user_model().objects
        manager = users.create(username=f"rbench-manager-{uuid.uuid4().hex[:6]}")
        manager.groups.add(Group.objects.get(name=Role.MANAGER.value))
        caseworker = users.create(username=f"rbench-cw-{uuid.uuid4().hex[:6]}")
        caseworker.groups.add(Group.objects.get(name=Role.CASEWORKER.value))
        proposer = users.create(username=f"rbench-a-{uuid.uuid4().hex[:6]}")
        approver = users.create(username=f"rbench-b-{uuid.uuid4().hex[:6]}")
        run = ImportRun.objects.create(kind="cin", file_name="bench.xml")
        today = timezone.localdate()
        ids = []
        for i in range(m):
            child = records.child_create(
                actor=manager,
                first_name="Full",
                last_name=f"Record{i}",
                date_of_birth=date(2000, 1, 1),
                gender="M",
            )
            records.episode_add(
                actor=manager,
                child=child,
                cohort=Cohort.CIN,
                start_date=date(2005, 1, 1),
                end_date=date(2010, 1, 1),
                closure_date=date(2010, 1, 1),
            )
            records.allocation_create(actor=manager, child=child, caseworker=caseworker)
            AccessLogEntry.objects.bulk_create(
                AccessLogEntry(user=manager, child_id=child.pk, page="child-detail", outcome=OK)
                for _ in range(3)
            )
            ImportRejection.objects.create(run=run, row_number=i + 1, reason="x", child_id=child.pk)
            ids.append(child.pk)
        destruction_list = DestructionList.objects.create(
            status=DestructionList.Status.APPROVED,
            proposed_by=proposer,
            proposed_on=today,
            approved_by=approver,
            approved_on=today,
            planned_date=today,
        )
        DestructionListEntry.objects.bulk_create(
            DestructionListEntry(destruction_list=destruction_list, child_id=pk) for pk in ids
        )
        started = time.perf_counter()
        plan = destruction_plan()  # as the sweep does: the data map read once for them all
        destroyed = sum(
            services.child_destroy(
                child_id=pk, destruction_list_id=destruction_list.pk, today=today, plan=plan
            )
            == "destroyed"
            for pk in ids
        )
        seconds = time.perf_counter() - started
        self.stdout.write(f"retention_destroy_children: {destroyed}")
        self.stdout.write(f"retention_destroy_s: {seconds:.2f}")
        self.stdout.write(f"retention_destroy_children_per_s: {destroyed / seconds:.0f}")
