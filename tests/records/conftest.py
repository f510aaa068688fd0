"""Setup shared by the record's tests."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine

from records.codes import Cohort
from records.models import AccessLogEntry
from tests.factories import ChildFactory, EpisodeFactory

# The day the personal education plan tests run on (autumn 2025/26).
PEP_TODAY = date(2025, 11, 12)


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
