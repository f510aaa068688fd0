"""The Admins' retention pages: every error at once, and the flow from proposal to a
certificate in the CSV."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from records import services as records
from records.codes import Cohort
from retention import services
from retention.models import DestructionList, LegalHold, RetentionRule
from tests.factories import ChildFactory, UserFactory
from virtualschool.roles import Role

pytestmark = pytest.mark.django_db
D = datetime.date


def test_a_rule_below_its_minimum_is_refused_on_the_page_and_nothing_changes(
    client_for, admin_user
):
    client = client_for(admin_user)
    page = client.post(reverse("retention:rules"), {"cohort": "CLA", "years": "20"})
    assert page.status_code == 200
    assert "govuk-error-summary" in page.content.decode()
    assert "at least 57 years" in page.content.decode()
    assert RetentionRule.objects.get(cohort="CLA").years == 75
    page = client.post(reverse("retention:rules"), {"cohort": "CIN", "years": "11"})
    assert page.status_code == 302
    assert RetentionRule.objects.get(cohort="CIN").years == 11


def test_a_hold_with_no_reason_shows_every_error(client_for, admin_user):
    page = client_for(admin_user).post(reverse("retention:holds"), {"reason": ""})
    text = page.content.decode()
    assert "Enter the child&#x27;s record id" in text or "Enter the child's record id" in text
    assert not LegalHold.objects.exists()


def test_propose_and_approve_through_the_pages_then_the_certificate_is_listed(
    client_for, admin_user, manager
):
    child = ChildFactory(date_of_birth=D(2000, 1, 1))
    records.episode_add(
        actor=manager,
        child=child,
        cohort=Cohort.CIN,
        start_date=D(2010, 1, 1),
        end_date=D(2012, 1, 1),
        closure_date=D(2012, 1, 1),
    )
    queue = client_for(admin_user).get(reverse("retention:queue")).content.decode()
    assert child.full_name in queue
    assert (
        client_for(admin_user)
        .post(reverse("retention:queue"), {"child_ids": [str(child.pk)]})
        .status_code
        == 302
    )
    destruction_list = DestructionList.objects.get()
    own = client_for(admin_user).post(
        reverse("retention:lists"), {"destruction_list": destruction_list.pk, "action": "approve"}
    )
    assert "did not propose it" in own.content.decode()
    other = UserFactory(username="admin_o", role=Role.ADMIN)
    approved = client_for(other).post(
        reverse("retention:lists"), {"destruction_list": destruction_list.pk, "action": "approve"}
    )
    assert approved.status_code == 302
    destruction_list.refresh_from_db()
    services.retention_sweep(today=destruction_list.planned_date)
    csv = client_for(other).get(reverse("retention:certificates-csv")).content.decode()
    assert csv.startswith("reference,rule,due_date")
    assert "Child in need: 10 years" in csv
    assert str(child.pk) not in csv
    assert destruction_list.planned_date >= timezone.localdate() + datetime.timedelta(days=7)
