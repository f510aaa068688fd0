"""A child's personal education plans through the API (issue 15): read-only, the same checks
as the plan's page (the child by allocation, a logged 404 otherwise), every section with its
owner, targets and history, and query counts that do not grow with the plan."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.test import Client

from records.models import AccessLogEntry
from records.services import pep as services
from tests.conftest import signed_in
from tests.factories import ChildFactory, EpisodeFactory
from tests.records.api.conftest import api_url
from tests.records.conftest import complete_plans

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("pep_today")]


def _plans(child) -> str:
    return api_url("pep-plan-list", pk=child.pk)


def _plan(plan) -> str:
    return api_url("pep-plan-item", pk=plan.child_id, plan=plan.pk)


def _written_plan(actor, child, targets=1):
    plan = services.pep_start(actor=actor, child=child)
    for number in range(targets):
        services.pep_target_add(
            actor=actor,
            plan=plan,
            target=f"Read daily {number}",
            owner="Class teacher",
            due_by=date(2026, 2, 1),
            pp_plus_amount=Decimal("150"),
        )
        plan.refresh_from_db()
        plan = services.pep_section_update(
            actor=actor,
            plan=plan,
            section="education",
            expected_version=plan.version,
            edu_needs=f"Phonics {number}",
        )
    plan.refresh_from_db()
    return plan


def test_a_caseworker_reads_the_childs_plans_and_one_plan_in_full(caseworker, in_care):
    plan = _written_plan(caseworker, in_care)
    client = signed_in(caseworker)
    listed = client.get(_plans(in_care))
    assert listed.status_code == 200
    [row] = listed.json()
    assert row["id"] == plan.pk and row["status"] == "in_progress"
    assert row["term_name"] == "Autumn 2025" and row["url"].endswith(_plan(plan))
    body = client.get(_plan(plan)).json()
    sections = {section["slug"]: section for section in body["sections"]}
    assert sections["education"]["owner"] == "designated_teacher"
    assert sections["education"]["fields"]["edu_needs"] == "Phonics 0"
    assert sections["care"]["owner"] == "social_worker"
    assert set(sections["care"]["fields"]) == {"care_placement", "care_plan", "care_for_school"}
    assert "targets" not in sections  # targets are rows of their own
    [target] = body["targets"]
    assert target["target"] == "Read daily 0" and target["pp_plus_amount"] == "150.00"
    assert {"started", "target", "section"} <= {event["action"] for event in body["events"]}
    assert body["snapshot_on"] == "2025-11-12"
    pages = set(AccessLogEntry.objects.filter(user=caseworker).values_list("page", flat=True))
    assert {"api-list-pep-plans", "api-view-pep-plan"} <= pages


def test_who_may_read_a_plan(caseworker, other_caseworker, manager, admin_user, in_care):
    plan = _written_plan(caseworker, in_care)
    assert signed_in(manager).get(_plan(plan)).status_code == 200
    for user in (other_caseworker, admin_user):
        for url in (_plans(in_care), _plan(plan)):
            response = signed_in(user).get(url)
            assert response.status_code == 404 and response.json() == {"detail": "Not found."}
    assert Client().get(_plans(in_care)).status_code == 403
    refused = AccessLogEntry.objects.filter(user=other_caseworker, outcome="denied")
    assert refused.count() == 2


def test_a_plan_is_read_only_under_its_own_child(caseworker, manager, in_care):
    plan = _written_plan(caseworker, in_care)
    other = ChildFactory(date_of_birth=date(2014, 5, 5))
    EpisodeFactory(child=other, cohort="CLA", start_date=date(2025, 6, 2))
    client = signed_in(manager)
    assert client.get(api_url("pep-plan-item", pk=other.pk, plan=plan.pk)).status_code == 404
    assert client.get(api_url("pep-plan-item", pk=in_care.pk, plan=plan.pk + 99)).status_code == 404
    assert client.get(f"{_plan(plan)[:-1]}99999999999999999999/").status_code == 404
    for method in (client.post, client.put, client.patch, client.delete):
        assert method(_plan(plan), {}, content_type="application/json").status_code == 405
    assert client.get(_plans(in_care), {"name": "Smith"}).status_code == 400


def test_the_endpoints_read_a_fixed_number_of_queries(
    manager, caseworker, allocate, in_care, django_assert_max_num_queries
):
    other = ChildFactory(date_of_birth=date(2014, 5, 5))
    EpisodeFactory(child=other, cohort="CLA", start_date=date(2025, 6, 2))
    # Each child has earlier plans (one, and three), so the list grows too and both current
    # plans have a previous one.
    for child, earlier in ((in_care, 1), (other, 3)):
        complete_plans(manager, child, earlier)
    small = _written_plan(manager, in_care, targets=1)
    large = _written_plan(manager, other, targets=6)
    assert len(signed_in(manager).get(_plans(other)).json()) == 4
    client = signed_in(manager)
    counts = []
    for plan, targets in ((small, 1), (large, 6)):
        with django_assert_max_num_queries(30) as detail:
            body = client.get(_plan(plan)).json()
        assert len(body["targets"]) == targets and len(body["events"]) >= targets
        with django_assert_max_num_queries(30) as listed:
            assert client.get(_plans(plan.child)).status_code == 200
        counts.append((len(detail.captured_queries), len(listed.captured_queries)))
    assert counts[0] == counts[1]
