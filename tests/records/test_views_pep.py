"""The PEP tab and a plan's page: listing, starting with one click, owners' forms and every
error at once in the GOV.UK error summary, fixed query counts."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from records.codes import Cohort
from records.models import Pep, PpPlusRequest
from records.models.pep import PepStatus
from records.services import pep as services
from records.services import ppplus as ppplus_services
from tests.conftest import signed_in
from tests.factories import ChildFactory, EpisodeFactory
from tests.records.conftest import complete_plans

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("pep_today")]


def _tab(child) -> str:
    return reverse("records:tab", kwargs={"pk": child.pk, "tab": "pep"})


def _plan_url(plan) -> str:
    return reverse("records:pep-plan", kwargs={"pk": plan.child_id, "plan": plan.pk})


def _post(client, url, data):
    return client.post(url, {**data, "csrfmiddlewaretoken": client.cookies["csrftoken"].value})


def test_start_the_next_plan_with_one_click_then_see_it_listed(caseworker, in_care):
    client = signed_in(caseworker)
    page = client.get(_tab(in_care))
    assert page.status_code == 200
    assert "Next PEP due by 16 June 2025" in page.content.decode()
    response = _post(client, reverse("records:pep-start", kwargs={"pk": in_care.pk}), {})
    plan = Pep.objects.get(child=in_care)
    assert response.status_code == 302 and response["Location"] == _plan_url(plan)
    listed = client.get(_tab(in_care)).content.decode()
    assert "Autumn 2025" in listed and "Not started" in listed
    assert "Start the next plan" not in listed  # one open plan at a time


def test_the_tab_reads_a_fixed_number_of_queries(manager, in_care, django_assert_max_num_queries):
    client = signed_in(manager)
    complete_plans(manager, in_care, 1)
    with django_assert_max_num_queries(40) as few:
        assert client.get(_tab(in_care)).status_code == 200
    complete_plans(manager, in_care, 4)
    with django_assert_max_num_queries(40) as many:
        page = client.get(_tab(in_care))
    assert page.content.decode().count("Person ") == 5
    assert len(few.captured_queries) == len(many.captured_queries)


def test_bad_input_shows_every_error_at_once_and_saves_nothing(caseworker, in_care):
    plan = services.pep_start(actor=caseworker, child=in_care)
    client = signed_in(caseworker)
    response = _post(
        client,
        _plan_url(plan),
        {"form": "target", "target-target": "Read every day", "target-owner": ""},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "govuk-error-summary" in body
    assert "Enter who is responsible for the target" in body
    assert "Enter the date the target is to be met by" in body
    assert not plan.targets.exists()


def test_a_caseworker_sees_qa_read_only_and_cannot_post_it(caseworker, in_care):
    plan = services.pep_start(actor=caseworker, child=in_care)
    plan = services.pep_section_update(
        actor=caseworker,
        plan=plan,
        section="education",
        expected_version=plan.version,
        edu_needs="Phonics",
    )
    plan = services.pep_details_update(
        actor=caseworker,
        plan=plan,
        expected_version=plan.version,
        kind="school_age",
        meeting_date=date(2025, 11, 3),
        participants="",
    )
    plan = services.pep_submit(actor=caseworker, plan=plan, expected_version=plan.version)
    client = signed_in(caseworker)
    page = client.get(_plan_url(plan)).content.decode()
    assert "Save QA rating" not in page and "Phonics" in page
    response = _post(
        client,
        _plan_url(plan),
        {
            "form": "qa",
            "qa-expected_version": plan.version,
            "qa-qa_rating": "green",
            "qa-qa_feedback": "Fine",
        },
    )
    assert response.status_code == 200
    assert "Only the virtual school" in response.content.decode()
    assert Pep.objects.get(pk=plan.pk).status == PepStatus.SUBMITTED


def test_the_owner_writes_a_section_from_the_page(caseworker, in_care):
    plan = services.pep_start(actor=caseworker, child=in_care)
    client = signed_in(caseworker)
    response = _post(
        client,
        _plan_url(plan),
        {"form": "section-sdq", "expected_version": plan.version, "section-sdq-sdq_score": "19"},
    )
    assert response.status_code == 302
    assert Pep.objects.get(pk=plan.pk).sdq_score == 19
    assert "higher than average" in client.get(_plan_url(plan)).content.decode()


def test_another_childs_plan_is_not_found(caseworker, in_care, manager):
    stranger = ChildFactory()
    EpisodeFactory(child=stranger, cohort=Cohort.CLA, start_date=date(2025, 6, 2))
    plan = services.pep_start(actor=manager, child=stranger)
    client = signed_in(caseworker)
    wrong = reverse("records:pep-plan", kwargs={"pk": in_care.pk, "plan": plan.pk})
    assert client.get(wrong).status_code == 404
    assert client.get(_plan_url(plan)).status_code == 404


def _plan_of_size(manager, child, count):
    """A child's plan with `count` of each thing its page lists: the previous plan's targets
    to review, its own targets, PP+ requests tied to them and the events those writes left."""
    complete_plans(manager, child, 1, targets=count)
    plan = services.pep_start(actor=manager, child=child)
    for number in range(count):
        target = services.pep_target_add(
            actor=manager,
            plan=plan,
            target=f"Target {number}",
            owner="Teacher",
            due_by=date(2026, 2, 1),
        )
        ppplus_services.ppplus_request_make(
            actor=manager, plan=plan, amount=Decimal("10"), target_ids=[target.pk]
        )
        plan = Pep.objects.get(pk=plan.pk)
        services.pep_section_update(
            actor=manager,
            plan=plan,
            section="education",
            expected_version=plan.version,
            edu_needs=f"Needs {number}",
        )
    return Pep.objects.get(pk=plan.pk)


def test_the_plan_page_reads_a_fixed_number_of_queries(
    manager, in_care, django_assert_max_num_queries
):
    """One of each thing the page lists, then six: the same count (issue 15)."""
    small = _plan_of_size(manager, in_care, 1)
    other = ChildFactory(date_of_birth=date(2014, 3, 3))
    EpisodeFactory(child=other, cohort=Cohort.CLA, start_date=date(2025, 6, 2))
    large = _plan_of_size(manager, other, 6)
    client = signed_in(manager)
    with django_assert_max_num_queries(60) as few:
        assert "Earlier 0" in client.get(_plan_url(small)).content.decode()
    with django_assert_max_num_queries(60) as many:
        page = client.get(_plan_url(large)).content.decode()
    assert all(f"Earlier {n}" in page and f"Target {n}" in page for n in range(6))
    assert PpPlusRequest.objects.filter(plan=large).count() == 6
    assert len(few.captured_queries) == len(many.captured_queries)
