"""Pupil Premium Plus: the allocation as data, requests at the PEP tied to targets, the
decision on them, spend against them, and every refusal naming its field with nothing saved
(records/services/ppplus.py)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.db import IntegrityError, transaction

from records.codes import Cohort
from records.codes.ppplus import (
    financial_year_label,
    financial_year_of,
    pp_plus_allocation,
)
from records.models import PepEvent, PpPlusRequest, PpPlusSpend, PpPlusStatus
from records.services import pep as pep_services
from records.services import ppplus as services
from tests.factories import ChildFactory, EpisodeFactory, UserFactory
from virtualschool.errors import DomainError
from virtualschool.roles import Role

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("pep_today")]


def _errors(excinfo) -> dict:
    return excinfo.value.message_dict


@pytest.fixture
def plan(caseworker, in_care):
    plan = pep_services.pep_start(actor=caseworker, child=in_care)
    for text in ("Read daily", "Times tables"):
        pep_services.pep_target_add(
            actor=caseworker, plan=plan, target=text, owner="Class teacher", due_by=date(2026, 2, 1)
        )
    plan.refresh_from_db()
    return plan


def _ask(caseworker, plan, amount, targets=None) -> PpPlusRequest:
    ids = targets if targets is not None else [t.pk for t in plan.targets.all()]
    return services.ppplus_request_make(
        actor=caseworker, plan=plan, amount=Decimal(amount), target_ids=ids, purpose="Tutoring"
    )


def test_the_allocation_is_data_by_financial_year_with_its_source():
    rate = pp_plus_allocation(2025)
    assert rate is not None and rate.rate == Decimal("2630.00")
    assert "knowsley" in rate.source
    assert pp_plus_allocation(2024).rate == Decimal("2570.00")
    assert pp_plus_allocation(2099) is None
    assert financial_year_of(date(2026, 3, 31)) == 2025
    assert financial_year_of(date(2026, 4, 1)) == 2026
    assert financial_year_label(2025) == "2025–26"


def test_a_request_at_the_pep_is_tied_to_its_targets_and_recorded(caseworker, plan):
    request = _ask(caseworker, plan, "1000")
    assert (request.financial_year, request.status, request.requested_by) == (
        2025,
        PpPlusStatus.REQUESTED,
        caseworker,
    )
    assert sorted(link.target.target for link in request.links.all()) == [
        "Read daily",
        "Times tables",
    ]
    assert PepEvent.objects.filter(plan=plan, action="pp_plus").count() == 1
    assert LogEntry.objects.filter(object_pk=str(request.pk)).exists()


def test_a_request_above_the_remaining_allocation_is_refused_naming_the_amount(caseworker, plan):
    _ask(caseworker, plan, "2000")
    with pytest.raises(DomainError) as excinfo:
        _ask(caseworker, plan, "630.01")
    assert "£630.00" in _errors(excinfo)["amount"][0]
    assert "remaining" in _errors(excinfo)["amount"][0]
    assert PpPlusRequest.objects.count() == 1
    _ask(caseworker, plan, "630")  # exactly what is left


def test_a_refused_request_frees_its_amount_and_an_approval_for_less_frees_the_rest(
    caseworker, manager, plan
):
    first = _ask(caseworker, plan, "2630")
    services.ppplus_request_refuse(
        actor=manager, request=first, expected_version=first.version, reason="No evidence"
    )
    second = _ask(caseworker, plan, "2630")
    services.ppplus_request_approve(
        actor=manager, request=second, expected_version=second.version, amount=Decimal("2000")
    )
    _ask(caseworker, plan, "630")
    with pytest.raises(DomainError, match="£0.00"):
        _ask(caseworker, plan, "1")


def test_bad_requests_name_every_field_at_once_and_save_nothing(caseworker, plan, other_caseworker):
    other_plan_target = [999_999]
    with pytest.raises(DomainError) as excinfo:
        services.ppplus_request_make(
            actor=other_caseworker, plan=plan, amount=Decimal("0"), target_ids=other_plan_target
        )
    errors = _errors(excinfo)
    assert "designated teacher" in errors["__all__"][0]
    assert errors["amount"] == ["Enter the amount requested, more than £0"]
    assert errors["targets"] == ["Select only targets of this plan"]
    with pytest.raises(DomainError) as excinfo:
        _ask(caseworker, plan, "10", targets=[])
    assert _errors(excinfo)["targets"] == [
        "Select at least one of the plan's targets the PP+ is for"
    ]
    assert not PpPlusRequest.objects.exists()
    assert not PepEvent.objects.filter(action="pp_plus").exists()


def test_a_manager_approves_up_to_the_request_audited(caseworker, manager, plan):
    request = _ask(caseworker, plan, "800")
    with pytest.raises(DomainError) as excinfo:
        services.ppplus_request_approve(
            actor=manager, request=request, expected_version=request.version, amount=Decimal("801")
        )
    assert "£800.00" in _errors(excinfo)["approved_amount"][0]
    request.refresh_from_db()
    assert request.status == PpPlusStatus.REQUESTED
    approved = services.ppplus_request_approve(
        actor=manager, request=request, expected_version=request.version, amount=Decimal("600")
    )
    assert (approved.status, approved.approved_amount, approved.decided_by) == (
        PpPlusStatus.APPROVED,
        Decimal("600"),
        manager,
    )
    assert LogEntry.objects.filter(object_pk=str(request.pk)).count() == 2
    with pytest.raises(DomainError) as excinfo:
        services.ppplus_request_refuse(
            actor=manager, request=approved, expected_version=approved.version, reason="x"
        )
    assert _errors(excinfo)["status"] == ["This request is already approved"]


def test_an_admin_decides_but_a_caseworker_does_not(caseworker, other_caseworker, plan):
    request = _ask(caseworker, plan, "500")
    with pytest.raises(DomainError, match="Admin or a Manager"):
        services.ppplus_request_approve(
            actor=other_caseworker,
            request=request,
            expected_version=request.version,
            amount=Decimal("500"),
        )
    admin = UserFactory(role=Role.ADMIN)
    refused = services.ppplus_request_refuse(
        actor=admin, request=request, expected_version=request.version, reason="Not in the plan"
    )
    assert (refused.status, refused.refused_reason) == (PpPlusStatus.REFUSED, "Not in the plan")


def test_the_person_who_asked_cannot_decide_nor_refuse_without_a_reason(manager, in_care):
    plan = pep_services.pep_start(actor=manager, child=in_care)
    pep_services.pep_target_add(
        actor=manager, plan=plan, target="Read", owner="Teacher", due_by=date(2026, 1, 5)
    )
    request = _ask(manager, plan, "300")
    with pytest.raises(DomainError) as excinfo:
        services.ppplus_request_approve(
            actor=manager, request=request, expected_version=request.version, amount=Decimal("300")
        )
    assert _errors(excinfo)["__all__"] == ["You made this request, so someone else must decide it"]
    with pytest.raises(DomainError) as excinfo:
        services.ppplus_request_refuse(
            actor=UserFactory(role=Role.MANAGER),
            request=request,
            expected_version=request.version,
            reason="  ",
        )
    assert _errors(excinfo)["refused_reason"] == ["Enter the reason for refusing the request"]
    request.refresh_from_db()
    assert request.status == PpPlusStatus.REQUESTED and request.decided_by is None
    # The database refuses it too, whoever writes.
    with pytest.raises(IntegrityError), transaction.atomic():
        PpPlusRequest.objects.filter(pk=request.pk).update(
            status=PpPlusStatus.APPROVED, approved_amount=Decimal("300"), decided_by=manager
        )


def test_spend_is_recorded_against_an_approved_request_up_to_its_amount(caseworker, manager, plan):
    request = _ask(caseworker, plan, "900")
    with pytest.raises(DomainError, match="approved request"):
        services.ppplus_spend_record(
            actor=caseworker,
            request=request,
            spent_on=date(2025, 11, 1),
            amount=Decimal("10"),
            bought="Books",
        )
    request = services.ppplus_request_approve(
        actor=manager, request=request, expected_version=request.version, amount=Decimal("500")
    )
    services.ppplus_spend_record(
        actor=caseworker,
        request=request,
        spent_on=date(2025, 11, 10),
        amount=Decimal("300"),
        bought="Ten hours of maths tutoring",
    )
    with pytest.raises(DomainError) as excinfo:
        services.ppplus_spend_record(
            actor=caseworker,
            request=request,
            spent_on=date(2025, 11, 13),
            amount=Decimal("200.01"),
            bought=" ",
        )
    errors = _errors(excinfo)
    assert "£200.00" in errors["amount"][0]
    assert errors["spent_on"] == ["Date spent must be today or in the past"]
    assert errors["bought"] == ["Enter what it bought"]
    assert PpPlusSpend.objects.count() == 1
    with pytest.raises(DomainError) as excinfo:
        services.ppplus_spend_record(
            actor=manager, request=request, spent_on=None, amount=Decimal("200"), bought="Laptop"
        )
    assert _errors(excinfo)["spent_on"] == ["Enter the date it was spent"]
    services.ppplus_spend_record(
        actor=manager,
        request=request,
        spent_on=date(2025, 11, 12),
        amount=Decimal("200"),
        bought="Laptop",
    )
    assert PpPlusSpend.objects.count() == 2


def test_the_pep_dashboard_shows_the_pp_plus_position_of_the_children_in_its_view(
    caseworker, other_caseworker, manager, plan, allocate
):
    """The dashboard's PP+ figures are ppplus_position's over the same children the dashboard
    counts: a caseworker's view holds only their caseload's requests, a manager's everyone's."""
    from records.selectors.dashboards import pep as pep_dashboards
    from records.selectors.dashboards.scope import Period, Scope

    _ask(caseworker, plan, "300")
    other_child = ChildFactory(date_of_birth=date(2014, 3, 3))
    EpisodeFactory(child=other_child, cohort=Cohort.CLA, start_date=date(2025, 6, 2))
    allocate(other_child, other_caseworker)
    other_plan = pep_services.pep_start(actor=other_caseworker, child=other_child)
    target = pep_services.pep_target_add(
        actor=other_caseworker,
        plan=other_plan,
        target="Spelling",
        owner="Class teacher",
        due_by=date(2026, 2, 1),
    )
    services.ppplus_request_make(
        actor=other_caseworker,
        plan=other_plan,
        amount=Decimal("120"),
        target_ids=[target.pk],
        purpose="Tutoring",
    )
    period = Period.of_term(2025, "autumn")  # ends in December 2025: financial year 2025-26
    scope = Scope(
        period=period, period_params={"year": "2025", "period": period.term}, breakdowns=()
    )
    mine = pep_dashboards.pep_dashboard(user=caseworker, scope=scope).pp_plus
    everyone = pep_dashboards.pep_dashboard(user=manager, scope=scope).pp_plus
    assert (mine.children, mine.requested) == (1, Decimal("300"))
    assert (everyone.children, everyone.requested) == (2, Decimal("420"))
    assert everyone.allocated == 2 * Decimal("2630")


def test_the_pep_dashboard_reads_its_pp_plus_position_in_its_one_statement(
    caseworker, manager, plan, django_assert_num_queries
):
    """The PP+ position is computed in the dashboard's own statement, over the children in
    view it already computed (no second scope query), and is ppplus_position's over them:
    approved and spent included."""
    from records.models import Child
    from records.permissions import can_view_all_children
    from records.selectors.dashboards import pep as pep_dashboards
    from records.selectors.dashboards.scope import Period, Scope
    from records.selectors.ppplus import ppplus_position

    asked = _ask(caseworker, plan, "500")
    decision = {"expected_version": asked.version, "amount": Decimal("400")}
    approved = services.ppplus_request_approve(actor=manager, request=asked, **decision)
    spend = {"spent_on": date(2025, 11, 3), "amount": Decimal("150"), "bought": "Tutoring"}
    services.ppplus_spend_record(actor=manager, request=approved, **spend)
    _ask(caseworker, plan, "200")
    ChildFactory()  # in no cohort: not in view
    period = Period.of_term(2025, "autumn")
    scope = Scope(
        period=period, period_params={"year": "2025", "period": period.term}, breakdowns=()
    )
    can_view_all_children(manager)  # the user's permissions, read once per user object
    with django_assert_num_queries(1):
        pp_plus = pep_dashboards.pep_dashboard(user=manager, scope=scope).pp_plus
    assert (pp_plus.children, pp_plus.requested, pp_plus.approved, pp_plus.spent) == (
        1,
        Decimal("700"),
        Decimal("400"),
        Decimal("150"),
    )
    assert pp_plus == ppplus_position(children=Child.objects.filter(pk=plan.child_id), year=2025)
