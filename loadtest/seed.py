"""`python -m loadtest.seed --children N ... --accounts PATH`: the data and accounts of a load
run, in the database DATABASE_URL names (a fresh one, already migrated and seeded with the
demo by loadtest/__main__.py).

- The cohort is bench.dashboard's (the seeder `make bench-dashboard` measures against): N
  children with a year of sessions, summaries, results and plans, their schools and N/40
  caseworkers, each allocated about 36 children.
- The accounts are signed into as people would be, with DEMO_PASSWORD and the authenticator
  secret DEMO_TOTP_SECRET: that many of the bench's caseworkers (given a password and an
  authenticator through the services seed_demo uses), managers `load-manager-<n>`, and
  designated teachers `load-teacher-<n>` of the demo school's organisation; and API tokens of
  the youth service's agreement, issued through the real token service. The bench seeds its
  allocations in SQL, without object permissions; each load caseworker's are made again
  through the allocation service, so the caseload shows its children.

PATH receives them as JSON for locustfile.py (LOADTEST_ACCOUNTS).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

SCHOOL_AGREEMENT = "Designated teacher: children on roll"
YOUTH_AGREEMENT = "Youth support services (s507B)"


def _progress(message: str) -> None:
    print(f"[loadtest {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _cohort(children: int) -> None:
    from django.utils import timezone

    from bench.dashboard import Command as DashboardBench
    from records.calendar import academic_year_of

    bench = DashboardBench()
    current = academic_year_of(timezone.localdate())
    started = time.perf_counter()
    bench._seed(children, current, current)
    bench._seed_results(current, current)
    bench._seed_peps()
    bench._vacuum()
    _progress(f"{children} children seeded in {time.perf_counter() - started:.0f}s")


def _grant_caseload(caseworker) -> None:
    """The bench writes allocations in SQL, without the object permissions that let a
    caseworker see the child (the dashboard bench signs in only as a manager): this
    caseworker's are made again through the allocation service, which grants them."""
    from records.models import Allocation
    from records.services import allocation_create

    allocations = list(
        Allocation.objects.filter(caseworker=caseworker, end_date__isnull=True).select_related(
            "child"
        )
    )
    Allocation.objects.filter(pk__in=[allocation.pk for allocation in allocations]).delete()
    for allocation in allocations:
        allocation_create(
            actor=None,
            child=allocation.child,
            caseworker=caseworker,
            start_date=allocation.start_date,
        )


def _accounts(*, caseworkers: int, managers: int, teachers: int, tokens: int) -> dict:
    from django.contrib.auth import get_user_model

    from bench.dashboard import USER_PREFIX
    from sharing.models import SharingAgreement
    from sharing.services import recipient_user_ensure, token_issue
    from staff.services import staff_user_ensure
    from virtualschool import two_factor
    from virtualschool.roles import Role

    password = os.environ["DEMO_PASSWORD"]
    secret = os.environ["DEMO_TOTP_SECRET"]
    user_model = get_user_model()
    bench_caseworkers = list(
        user_model.objects.filter(username__startswith=f"{USER_PREFIX}cw-")
        .order_by("id")
        .values_list("username", flat=True)[:caseworkers]
    )
    if len(bench_caseworkers) < caseworkers:
        raise SystemExit(
            f"The cohort has {len(bench_caseworkers)} caseworkers, fewer than {caseworkers}: "
            "seed more children (one caseworker to 40)."
        )
    school = SharingAgreement.objects.get(name=SCHOOL_AGREEMENT).organisation
    people: dict[str, list[str]] = {"caseworkers": [], "managers": [], "teachers": []}
    for username in bench_caseworkers:
        user = staff_user_ensure(
            username=username,
            first_name="Bench",
            last_name="Caseworker",
            role=Role.CASEWORKER,
            password=password,
        )
        two_factor.authenticator_set(user=user, secret=secret)
        _grant_caseload(user)
        people["caseworkers"].append(username)
    for number in range(1, managers + 1):
        user = staff_user_ensure(
            username=f"load-manager-{number}",
            first_name="Load",
            last_name=f"Manager {number}",
            role=Role.MANAGER,
            password=password,
        )
        two_factor.authenticator_set(user=user, secret=secret)
        people["managers"].append(user.username)
    for number in range(1, teachers + 1):
        user = recipient_user_ensure(
            organisation=school,
            username=f"load-teacher-{number}",
            first_name="Load",
            last_name=f"Teacher {number}",
            password=password,
        )
        two_factor.authenticator_set(user=user, secret=secret)
        people["teachers"].append(user.username)
    admin = user_model.objects.get(username="admin")
    agreement = SharingAgreement.objects.get(name=YOUTH_AGREEMENT)
    people["tokens"] = [
        token_issue(actor=admin, agreement=agreement, name=f"Load run {number}")[1]
        for number in range(1, tokens + 1)
    ]
    return people


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--children", type=int, required=True)
    parser.add_argument("--caseworkers", type=int, default=0)
    parser.add_argument("--managers", type=int, default=0)
    parser.add_argument("--teachers", type=int, default=0)
    parser.add_argument("--tokens", type=int, default=0)
    parser.add_argument("--accounts", type=Path, required=True)
    arguments = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "virtualschool.settings.local")
    import django

    django.setup()
    _cohort(arguments.children)
    accounts = _accounts(
        caseworkers=arguments.caseworkers,
        managers=arguments.managers,
        teachers=arguments.teachers,
        tokens=arguments.tokens,
    )
    arguments.accounts.write_text(json.dumps(accounts, indent=1))
    _progress(", ".join(f"{len(v)} {k}" for k, v in accounts.items()))


if __name__ == "__main__":
    main()
