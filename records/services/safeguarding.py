"""Writes to safeguarding: court orders and professionals involved (a sensitive category).

Who may call these is decided by the caller's permission check (records/permissions.py:
can_change_child plus the sensitive-categories permission); these enforce the record's rules.
"""

from __future__ import annotations

from datetime import date

from django.contrib.auth.base_user import AbstractBaseUser

from records.models import Child, CourtOrder, ProfessionalInvolvement
from records.services.locking import record_create, record_update
from records.services.rules import date_errors, period_errors, raise_if


def _court_order_errors(
    *, child: Child, made_on: date, expires_on: date | None
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    date_errors(errors, child=child, field="made_on", label="Date made", value=made_on)
    date_errors(
        errors,
        child=child,
        field="expires_on",
        label="Expiry date",
        value=expires_on,
        allow_future=True,
    )
    period_errors(
        errors,
        start_field="made_on",
        start=made_on,
        end_field="expires_on",
        end=expires_on,
        end_label="Expiry date",
        start_label="the date it was made",
    )
    return errors


def court_order_record(
    *,
    actor: AbstractBaseUser | None,
    child: Child,
    order_type: str,
    court: str,
    made_on: date,
    expires_on: date | None = None,
) -> CourtOrder:
    """Record a court order. Rules: made on or after birth and not in the future; expires (if
    it does) on or after the day it was made."""
    raise_if(_court_order_errors(child=child, made_on=made_on, expires_on=expires_on))
    return record_create(
        actor=actor,
        instance=CourtOrder(
            child=child,
            order_type=order_type,
            court=court.strip(),
            made_on=made_on,
            expires_on=expires_on,
        ),
    )


def court_order_update(
    *,
    actor: AbstractBaseUser | None,
    instance: CourtOrder,
    expected_version: int,
    order_type: str,
    court: str,
    made_on: date,
    expires_on: date | None = None,
) -> CourtOrder:
    """Change a court order, under the same rules, if nobody else changed it first."""
    raise_if(_court_order_errors(child=instance.child, made_on=made_on, expires_on=expires_on))
    return record_update(
        actor=actor,
        instance=instance,
        expected_version=expected_version,
        changes={
            "order_type": order_type,
            "court": court.strip(),
            "made_on": made_on,
            "expires_on": expires_on,
        },
    )


def _professional_errors(
    *, child: Child, start_date: date, end_date: date | None
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    date_errors(errors, child=child, field="start_date", label="Start date", value=start_date)
    date_errors(errors, child=child, field="end_date", label="End date", value=end_date)
    period_errors(
        errors, start_field="start_date", start=start_date, end_field="end_date", end=end_date
    )
    return errors


def professional_record(
    *,
    actor: AbstractBaseUser | None,
    child: Child,
    agency: str,
    role: str,
    start_date: date,
    contact_name: str = "",
    contact_details: str = "",
    end_date: date | None = None,
) -> ProfessionalInvolvement:
    """Record a professional's involvement. Rules: dates on or after birth, not in the future,
    and the end on or after the start."""
    raise_if(_professional_errors(child=child, start_date=start_date, end_date=end_date))
    return record_create(
        actor=actor,
        instance=ProfessionalInvolvement(
            child=child,
            agency=agency.strip(),
            role=role.strip(),
            contact_name=contact_name.strip(),
            contact_details=contact_details.strip(),
            start_date=start_date,
            end_date=end_date,
        ),
    )


def professional_update(
    *,
    actor: AbstractBaseUser | None,
    instance: ProfessionalInvolvement,
    expected_version: int,
    agency: str,
    role: str,
    start_date: date,
    contact_name: str = "",
    contact_details: str = "",
    end_date: date | None = None,
) -> ProfessionalInvolvement:
    raise_if(_professional_errors(child=instance.child, start_date=start_date, end_date=end_date))
    return record_update(
        actor=actor,
        instance=instance,
        expected_version=expected_version,
        changes={
            "agency": agency.strip(),
            "role": role.strip(),
            "contact_name": contact_name.strip(),
            "contact_details": contact_details.strip(),
            "start_date": start_date,
            "end_date": end_date,
        },
    )
