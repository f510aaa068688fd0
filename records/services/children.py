"""Writes to a child and their allocations (legal status episodes: records/services/episodes.py).

Each service validates, writes inside one transaction, and leaves its audit trail
(django-auditlog entries attributed to `actor`). A refused change raises DomainError with
messages keyed by field, and nothing is saved. HTML views, API views and management commands
all call these same functions.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from auditlog.context import set_actor
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from guardian.shortcuts import assign_perm, remove_perm

from records.models import (
    AccessLogEntry,
    Allocation,
    Child,
)
from records.permissions import can_be_allocated
from records.upn import normalise_upn, validate_upn
from virtualschool.errors import DomainError
from virtualschool.roles import ALLOCATION_PERMISSIONS


def _long_date(value: date) -> str:
    return date_format(value, "j F Y")


def child_create(
    *,
    actor: AbstractBaseUser | None,
    first_name: str,
    last_name: str,
    date_of_birth: date,
    gender: str,
    upn: str = "",
    address_line_1: str = "",
    address_line_2: str = "",
    town: str = "",
    postcode: str = "",
) -> Child:
    """Add a child to the record.

    Rules: a date of birth is not in the future; a UPN, when given, passes the DfE check-letter
    rule and belongs to no other child.
    """
    errors: dict[str, list[str]] = {}
    upn = normalise_upn(upn)
    if upn:
        try:
            validate_upn(upn)
        except ValidationError as error:
            errors["upn"] = error.messages
        else:
            if Child.objects.filter(upn=upn).exists():
                errors["upn"] = ["Another child already has this UPN"]
    if date_of_birth > timezone.localdate():
        errors["date_of_birth"] = ["Date of birth must be today or in the past"]
    if errors:
        raise DomainError(errors)

    child = Child(
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        date_of_birth=date_of_birth,
        gender=gender,
        upn=upn,
        address_line_1=address_line_1.strip(),
        address_line_2=address_line_2.strip(),
        town=town.strip(),
        postcode=postcode.strip().upper(),
    )
    try:
        child.full_clean()
    except ValidationError as error:
        raise DomainError(error.message_dict) from error
    with transaction.atomic(), set_actor(actor):
        child.save()
    return child


def allocation_create(
    *,
    actor: AbstractBaseUser | None,
    child: Child,
    caseworker: AbstractBaseUser,
    start_date: date | None = None,
) -> Allocation:
    """Allocate a child to a caseworker, granting them access to the child.

    Rules: only an active caseworker holds a caseload; an allocation starts today or earlier
    (access is granted when it is recorded); a caseworker holds at most one open allocation for
    a child. The grant is the guardian object permissions in roles.ALLOCATION_PERMISSIONS.
    """
    today = timezone.localdate()
    start_date = start_date or today
    errors: dict[str, list[str]] = {}
    if not can_be_allocated(caseworker):
        errors["caseworker"] = ["Choose an active caseworker: this user is not a caseworker"]
    if start_date > today:
        errors["start_date"] = ["Start date must be today or in the past"]
    if errors:
        raise DomainError(errors)
    with transaction.atomic(), set_actor(actor):
        Child.objects.select_for_update().filter(pk=child.pk).first()
        if Allocation.objects.filter(
            child=child, caseworker=caseworker, end_date__isnull=True
        ).exists():
            raise DomainError({"caseworker": ["This caseworker is already allocated this child"]})
        if Allocation.objects.filter(
            child=child, caseworker=caseworker, end_date__gte=start_date
        ).exists():
            raise DomainError(
                {"start_date": ["This caseworker's previous allocation ends on or after this date"]}
            )
        allocation = Allocation.objects.create(
            child=child, caseworker=caseworker, start_date=start_date
        )
        for perm in ALLOCATION_PERMISSIONS:
            assign_perm(perm.value, caseworker, child)
    return allocation


def allocation_end(
    *, actor: AbstractBaseUser | None, allocation: Allocation, end_date: date | None = None
) -> Allocation:
    """End an allocation, removing the caseworker's access to the child.

    Rules: an allocation ends once, on or after its start and not in the future.
    """
    today = timezone.localdate()
    end_date = end_date or today
    if allocation.end_date is not None:
        raise DomainError({"end_date": ["This allocation has already ended"]})
    if end_date < allocation.start_date:
        raise DomainError({"end_date": ["End date must be on or after the allocation's start"]})
    if end_date > today:
        raise DomainError({"end_date": ["End date must be today or in the past"]})
    with transaction.atomic(), set_actor(actor):
        allocation.end_date = end_date
        allocation.save(update_fields=["end_date"])
        for perm in ALLOCATION_PERMISSIONS:
            remove_perm(perm.value, allocation.caseworker, allocation.child)
    return allocation


def allocation_reallocate(
    *,
    actor: AbstractBaseUser | None,
    child: Child,
    caseworker: AbstractBaseUser,
    start_date: date | None = None,
) -> Allocation:
    """Move a child to a caseworker: end every other open allocation of the child the day
    before the new one starts, and allocate, all or nothing. The previous caseworkers lose
    access; the rules of allocation_create and allocation_end apply."""
    start_date = start_date or timezone.localdate()
    with transaction.atomic():
        Child.objects.select_for_update().filter(pk=child.pk).first()
        current = child.allocations.filter(end_date__isnull=True).exclude(caseworker=caseworker)
        for allocation in current.select_related("caseworker", "child"):
            allocation_end(
                actor=actor,
                allocation=allocation,
                end_date=max(allocation.start_date, start_date - timedelta(days=1)),
            )
        return allocation_create(
            actor=actor, child=child, caseworker=caseworker, start_date=start_date
        )


def access_log_record(
    *, user: AbstractBaseUser, child_id: uuid.UUID, page: str, allowed: bool
) -> AccessLogEntry:
    """Record a view of a child's record, or a refused attempt at one (DESIGN.md, Access)."""
    outcome = AccessLogEntry.Outcome.VIEWED if allowed else AccessLogEntry.Outcome.DENIED
    return AccessLogEntry.objects.create(child_id=child_id, user=user, page=page, outcome=outcome)


def access_log_record_many(
    *, user: AbstractBaseUser, child_ids: list[uuid.UUID], page: str
) -> list[AccessLogEntry]:
    """Record that a list showed `user` each of these children, in one INSERT.

    The bulk counterpart of access_log_record, for API list pages; access log entries are not
    audited rows, so bulk_create loses nothing.
    """
    entries = [
        AccessLogEntry(
            child_id=child_id, user=user, page=page, outcome=AccessLogEntry.Outcome.VIEWED
        )
        for child_id in child_ids
    ]
    return AccessLogEntry.objects.bulk_create(entries) if entries else []
