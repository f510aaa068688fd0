"""Children the retention tests destroy."""

from __future__ import annotations

import datetime

from records import services as records
from records.codes import Cohort
from retention.models import ChildRetention
from tests.factories import _upn

D = datetime.date
TODAY = D(2026, 12, 3)


def due_child(manager, *, first="Zebulonqx", last="Vandermeerwick", n=7):
    """A child in need whose case closed over ten years ago: due today."""
    child = records.child_create(
        actor=manager,
        first_name=first,
        last_name=last,
        date_of_birth=D(2000, 3, 4),
        gender="M",
        upn=_upn(n),
    )
    records.episode_add(
        actor=manager,
        child=child,
        cohort=Cohort.CIN,
        start_date=D(2010, 1, 1),
        end_date=D(2014, 1, 1),
        closure_date=D(2014, 1, 1),
    )
    assert ChildRetention.objects.get(child=child).due_date <= TODAY
    return child
