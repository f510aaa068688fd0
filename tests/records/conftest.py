"""Setup shared by the record's tests."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine

from records.codes import Cohort
from records.models import AccessLogEntry, Pep
from records.services import pep as pep_services
from tests.factories import ChildFactory, EpisodeFactory

# The day the personal education plan tests run on (autumn 2025/26).
PEP_TODAY = date(2025, 11, 12)


def complete_plans(actor, child, count: int, *, targets: int = 0) -> None:
    """`count` plans of the child, each started, met and completed on a day of July 2025
    ("Person N, designated teacher" took part), each with `targets` targets ("Earlier N")."""
    for number in range(count):
        with time_machine.travel(date(2025, 7, 1 + number), tick=False):
            plan = pep_services.pep_start(actor=actor, child=child)
            for target in range(targets):
                pep_services.pep_target_add(
                    actor=actor,
                    plan=plan,
                    target=f"Earlier {target}",
                    owner="Teacher",
                    due_by=date(2025, 9, 1),
                )
            plan = Pep.objects.get(pk=plan.pk)
            plan = pep_services.pep_details_update(
                actor=actor,
                plan=plan,
                expected_version=plan.version,
                kind="school_age",
                meeting_date=date(2025, 7, 1 + number),
                participants=f"Person {number}, designated teacher",
            )
            plan = pep_services.pep_submit(actor=actor, plan=plan, expected_version=plan.version)
            pep_services.pep_complete(actor=actor, plan=plan, expected_version=plan.version)


@pytest.fixture
def allocated_children(allocate):
    """allocated_children(caseworker, count): `count` new children, each allocated to the
    caseworker through the real service (tests/conftest.py allocate), in the order made."""

    def _make(caseworker, count: int) -> list:
        children = ChildFactory.create_batch(count)
        for child in children:
            allocate(child, caseworker)
        return children

    return _make


@pytest.fixture
def forget_access_log():
    """forget_access_log(): delete every access-log entry, so a test can count what the next
    request alone logs."""

    def _forget() -> None:
        AccessLogEntry.objects.all().delete()

    return _forget


@pytest.fixture
def pep_today():
    """The PEP tests' day: time stands at PEP_TODAY."""
    with time_machine.travel(PEP_TODAY, tick=False):
        yield PEP_TODAY


@pytest.fixture
def in_care(caseworker, allocate):
    """A child of 11 in care since Monday 2 June 2025, allocated to the caseworker."""
    child = ChildFactory(date_of_birth=date(2014, 3, 3))
    EpisodeFactory(child=child, cohort=Cohort.CLA, start_date=date(2025, 6, 2))
    allocate(child, caseworker)
    return child
