import datetime

import pytest
from django.utils import timezone

from records import services as records
from records.codes import Cohort
from retention import services
from retention.defaults import RULES
from retention.models import DestructionCertificate, RetentionRule
from tests.factories import ChildFactory


@pytest.fixture(autouse=True)
def _retention_rules(request):
    """Migration 0002 seeds the rules; a transactional test ends by emptying every table, so
    put them back if an earlier test emptied them."""
    marker = request.node.get_closest_marker("django_db")
    if marker is None and not set(request.fixturenames) & {"db", "transactional_db"}:
        return
    if not RetentionRule.objects.exists():
        for values in RULES:
            RetentionRule.objects.create(**values)


def destroyed_child_certificate(*, manager, proposer, approver, child=None):
    """A child in need whose case closed in 2012 (so long due), destroyed as the service does
    it: a list `proposer` proposes and `approver` approves, then the sweep on its planned date.
    Returns the child's certificate."""
    child = child or ChildFactory(date_of_birth=datetime.date(2000, 1, 1))
    records.episode_add(
        actor=manager,
        child=child,
        cohort=Cohort.CIN,
        start_date=datetime.date(2010, 1, 1),
        end_date=datetime.date(2012, 1, 1),
        closure_date=datetime.date(2012, 1, 1),
    )
    today = timezone.localdate()
    listed = services.destruction_list_propose(child_ids=[child.pk], actor=proposer, today=today)
    listed = services.destruction_list_approve(destruction_list=listed, actor=approver, today=today)
    services.retention_sweep(today=listed.planned_date)
    return DestructionCertificate.objects.get(destruction_list=listed)
