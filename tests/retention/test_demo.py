"""seed_demo's children whose case closed long ago (records/demo/closed_cases.py): due for
destruction today under the default child-in-need rule, so the retention queue lists them for
an Admin to propose, and a second Admin can approve the list."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from records.models import Allocation, Child
from retention import services
from retention.models import ChildRetention
from retention.selectors import retention_queue
from tests.conftest import signed_in
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def test_the_demo_has_children_due_for_destruction_in_the_queue():
    call_command("seed_demo", children=20, password=PASSWORD, verbosity=0)
    today = timezone.localdate()
    due = retention_queue(today=today)["due"]
    assert len(due) == 2
    assert Child.objects.count() == 20
    for row in due:
        assert row.rule.cohort == "CIN"
        assert row.due_date <= today
        assert not Allocation.objects.filter(child_id=row.child_id).exists()
    users = {user.username: user for user in get_user_model().objects.all()}
    page = signed_in(users["admin"]).get(reverse("retention:queue")).content.decode()
    for row in due:
        assert row.child.full_name in page

    proposed = services.destruction_list_propose(
        child_ids=[row.child_id for row in due], actor=users["admin"], today=today
    )
    approved = services.destruction_list_approve(
        destruction_list=proposed, actor=users["admin2"], today=today
    )
    assert approved.status == approved.Status.APPROVED


def test_a_small_demo_has_none_and_every_other_child_is_kept():
    call_command("seed_demo", children=9, password=PASSWORD, verbosity=0)
    today = timezone.localdate()
    assert Child.objects.count() == 9
    assert not ChildRetention.objects.filter(due_date__lte=today).exists()
