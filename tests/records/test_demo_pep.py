"""seed_demo's PEP part: children in care have last term's plan completed and rated, and
many have this term's started (records/demo/pep.py)."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from records.models import Pep
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
