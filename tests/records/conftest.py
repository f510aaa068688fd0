"""Setup shared by the record's tests."""

from __future__ import annotations

import pytest

from records.models import AccessLogEntry
from tests.factories import ChildFactory


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
