"""Writes to Pupil Premium Plus (issue 15): a school's request made at the PEP and tied to
the plan's targets, the decision on it, and the spend recorded against it.

    requested → approved (an amount, at most the request) → spend recorded, up to it
    requested → refused (a reason)

Rules are checked here whoever calls. A request is made by whoever may write the plan's
targets (records.permissions.can_write_pep_section, the designated teacher's part); it is
decided by an Admin or Manager (can_decide_pp_plus) who did not make it (also a database
constraint). Every row is audited (django-auditlog: the models are in the data map), and a
request or decision leaves a `PepEvent` on the plan's history. Refusals are a DomainError
keyed by field, every error at once, nothing saved.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import NON_FIELD_ERRORS
from django.db import transaction
from django.utils import timezone

from records.codes.ppplus import financial_year_label, financial_year_of, pp_plus_allocation
from records.models import (
    Child,
    Pep,
    PepEvent,
    PepTarget,
    PpPlusRequest,
    PpPlusRequestTarget,
    PpPlusSpend,
    PpPlusStatus,
)
from records.models.pep import Owner
from records.permissions import can_change_child, can_decide_pp_plus, can_write_pep_section
from records.selectors.ppplus import ppplus_committed
from records.services.locking import record_create, record_update
from records.services.pep import EDITABLE, PP_PLUS_MAX
from records.services.rules import raise_if

Errors = dict[str, list[str]]


def _money(value: Decimal) -> str:
    return f"£{value:,.2f}"


def _event(*, actor: AbstractBaseUser, plan: Pep, owner: str = "") -> None:
    PepEvent.objects.create(
        child_id=plan.child_id,
        plan=plan,
        action=PepEvent.Action.PP_PLUS,
        section="pp_plus",
        to_status=plan.status,
        actor=actor,
        on_behalf_of=owner,
    )


def ppplus_request_make(
    *,
    actor: AbstractBaseUser,
    plan: Pep,
    amount: Decimal | None,
    target_ids: Iterable[int],
    purpose: str = "",
    today: date | None = None,
) -> PpPlusRequest:
    """A school's request, made at the PEP, for an amount of the child's PP+ for this
    financial year, tied to one or more of the plan's targets.

    Rules: whoever may write the plan's targets; the plan is in progress or returned; the
    targets are this plan's, at least one; the amount is more than £0 and no more than what
    is left of the child's allocation for the year (approved amounts and undecided requests
    taken out); the year's allocation is held.
    """
    today = today or timezone.localdate()
    year = financial_year_of(today)
    ids = sorted({int(pk) for pk in target_ids})
    errors: Errors = {}
    if not can_write_pep_section(actor, plan.child, Owner.DESIGNATED_TEACHER):
        errors[NON_FIELD_ERRORS] = [
            "Only the designated teacher (or someone acting for them) can request PP+ at this plan"
        ]
    if plan.status not in EDITABLE:
        errors.setdefault(NON_FIELD_ERRORS, []).append(
            f"This plan is {plan.get_status_display().lower()}: PP+ is requested while the "
            "plan is in progress or returned"
        )
    targets = list(PepTarget.objects.filter(plan=plan, pk__in=ids))
    if not ids:
        errors["targets"] = ["Select at least one of the plan's targets the PP+ is for"]
    elif len(targets) != len(ids):
        errors["targets"] = ["Select only targets of this plan"]
    rate = pp_plus_allocation(year)
    with transaction.atomic():
        # One request at a time per child, so two cannot both fit the same remainder.
        Child.objects.select_for_update().filter(pk=plan.child_id).first()
        if amount is None or amount <= 0:
            errors["amount"] = ["Enter the amount requested, more than £0"]
        elif amount > PP_PLUS_MAX:
            errors["amount"] = [f"Amount requested must be no more than {_money(PP_PLUS_MAX)}"]
        elif rate is None:
            errors["amount"] = [
                f"No PP+ allocation is held for {financial_year_label(year)}: it cannot be "
                "requested yet"
            ]
        else:
            remaining = rate.rate - ppplus_committed(child=plan.child, year=year)
            if amount > remaining:
                errors["amount"] = [
                    f"Amount requested must be no more than the child's remaining PP+ "
                    f"allocation for {financial_year_label(year)}, {_money(max(remaining, 0))}"
                    f" (of {_money(rate.rate)})"
                ]
        raise_if(errors)
        assert amount is not None  # noqa: S101
        request = record_create(
            actor=actor,
            instance=PpPlusRequest(
                child_id=plan.child_id,
                plan=plan,
                financial_year=year,
                amount=amount,
                purpose=purpose.strip(),
                requested_by=actor,
            ),
        )
        PpPlusRequestTarget.objects.bulk_create(
            PpPlusRequestTarget(child_id=plan.child_id, request=request, target=target)
            for target in targets
        )
        _event(actor=actor, plan=plan, owner=Owner.DESIGNATED_TEACHER)
    return request


def _decision_errors(actor: AbstractBaseUser, request: PpPlusRequest) -> Errors:
    errors: Errors = {}
    if not can_decide_pp_plus(actor):
        errors[NON_FIELD_ERRORS] = ["Only an Admin or a Manager can decide a PP+ request"]
    if request.requested_by_id == actor.pk:
        errors.setdefault(NON_FIELD_ERRORS, []).append(
            "You made this request, so someone else must decide it"
        )
    if request.status != PpPlusStatus.REQUESTED:
        errors["status"] = [f"This request is already {request.get_status_display().lower()}"]
    return errors


def _decide(
    *, actor: AbstractBaseUser, request: PpPlusRequest, expected_version: int, changes: dict
) -> PpPlusRequest:
    """Write a decision, by whom and when, and leave it in the plan's history."""
    with transaction.atomic():
        request = record_update(
            actor=actor,
            instance=request,
            expected_version=expected_version,
            changes={**changes, "decided_by": actor, "decided_at": timezone.now()},
        )
        _event(actor=actor, plan=request.plan)
    return request


def ppplus_request_approve(
    *,
    actor: AbstractBaseUser,
    request: PpPlusRequest,
    expected_version: int,
    amount: Decimal | None,
) -> PpPlusRequest:
    """Approve a request, for the amount asked or less.

    Rules: an Admin or Manager who did not make it; the request is undecided; the amount is
    more than £0 and no more than requested.
    """
    errors = _decision_errors(actor, request)
    if amount is None or amount <= 0:
        errors["approved_amount"] = ["Enter the amount approved, more than £0"]
    elif amount > request.amount:
        errors["approved_amount"] = [
            f"Amount approved must be no more than the amount requested, {_money(request.amount)}"
        ]
    raise_if(errors)
    return _decide(
        actor=actor,
        request=request,
        expected_version=expected_version,
        changes={"status": PpPlusStatus.APPROVED, "approved_amount": amount},
    )


def ppplus_request_refuse(
    *, actor: AbstractBaseUser, request: PpPlusRequest, expected_version: int, reason: str
) -> PpPlusRequest:
    """Refuse a request, saying why. Rules: an Admin or Manager who did not make it; the
    request is undecided; a reason is given."""
    errors = _decision_errors(actor, request)
    if not reason.strip():
        errors["refused_reason"] = ["Enter the reason for refusing the request"]
    raise_if(errors)
    return _decide(
        actor=actor,
        request=request,
        expected_version=expected_version,
        changes={"status": PpPlusStatus.REFUSED, "refused_reason": reason.strip()},
    )


def ppplus_spend_record(
    *,
    actor: AbstractBaseUser,
    request: PpPlusRequest,
    spent_on: date | None,
    amount: Decimal | None,
    bought: str,
) -> PpPlusSpend:
    """Record what approved PP+ bought: the date, the amount and what.

    Rules: whoever may change the child, or an Admin or Manager; the request is approved;
    the date is not in the future; the amount is more than £0 and, with what is already
    spent from the request, no more than the amount approved; what it bought is written.
    """
    errors: Errors = {}
    if not (can_change_child(actor, request.child) or can_decide_pp_plus(actor)):
        errors[NON_FIELD_ERRORS] = ["You cannot record spend for this child"]
    if spent_on is None:
        errors["spent_on"] = ["Enter the date it was spent"]
    elif spent_on > timezone.localdate():
        errors["spent_on"] = ["Date spent must be today or in the past"]
    if not bought.strip():
        errors["bought"] = ["Enter what it bought"]
    with transaction.atomic():
        locked = PpPlusRequest.objects.select_for_update().get(pk=request.pk)
        if locked.status != PpPlusStatus.APPROVED:
            errors.setdefault(NON_FIELD_ERRORS, []).append(
                "Spend is recorded only against an approved request"
            )
        if amount is None or amount <= 0:
            errors["amount"] = ["Enter the amount spent, more than £0"]
        elif locked.approved_amount is not None:
            spent = sum((row.amount for row in locked.spends.all()), Decimal(0))
            left = locked.approved_amount - spent
            if amount > left:
                errors["amount"] = [
                    f"Amount spent must be no more than what is left of the amount approved, "
                    f"{_money(left)} (of {_money(locked.approved_amount)})"
                ]
        raise_if(errors)
        spend = record_create(
            actor=actor,
            instance=PpPlusSpend(
                child_id=locked.child_id,
                request=locked,
                spent_on=spent_on,
                amount=amount,
                bought=bought.strip(),
                recorded_by=actor,
            ),
        )
    return spend
