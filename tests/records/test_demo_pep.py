"""seed_demo's PEP part: children in care have last term's plan completed and rated, and
many have this term's started (records/demo/pep.py)."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine
from django.core.management import call_command

from records.models import Pep, PpPlusRequest, PpPlusSpend, PpPlusStatus
from records.models.pep import PepStatus
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def test_the_demo_has_completed_and_started_plans():
    call_command("seed_demo", children=40, password=PASSWORD, verbosity=0)
    complete = Pep.objects.filter(status=PepStatus.COMPLETE)
    assert complete.exists()
    assert all(plan.qa_rating and plan.meeting_date and plan.snapshot for plan in complete)
    assert Pep.objects.filter(status=PepStatus.NOT_STARTED).exists()
    assert complete.first().targets.exists()


@time_machine.travel(date(2025, 12, 1), tick=False)
def test_the_demo_has_pp_plus_requests_decided_and_not():
    """On a day whose financial year's allocation is held (last term's plans fall in
    2025-26); in a year not held the demo makes none, as the service would refuse them."""
    call_command("seed_demo", children=40, password=PASSWORD, verbosity=0)
    requests = PpPlusRequest.objects.all()
    assert requests.filter(status=PpPlusStatus.REQUESTED).exists()
    approved = requests.filter(status=PpPlusStatus.APPROVED)
    assert approved.exists()
    assert all(row.decided_by != row.requested_by for row in approved)
    assert PpPlusSpend.objects.exists()
