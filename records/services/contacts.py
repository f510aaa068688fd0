"""Writes to a child's contacts (carers, social worker, designated teacher, ...) and previous
addresses. The current address is part of the child (records/services/child_update.py keeps the
old one here when it changes)."""

from __future__ import annotations

import re
from datetime import date

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from records.models import Child, Contact, PreviousAddress
from records.postcode import postcode_errors
from records.services.locking import record_create, record_update
from records.services.rules import date_errors, period_errors, raise_if

# A telephone number as people write it: digits with spaces, brackets or hyphens, optionally
# starting with + for an international number. UK numbers have 10 or 11 digits (12 with +44);
# E.164 allows at most 15 digits in any international number (ITU-T E.164, general knowledge).
_PHONE_CHARACTERS = re.compile(r"^\+?[0-9 ()\-]+$")
PHONE_MIN_DIGITS, PHONE_MAX_DIGITS = 10, 15


def phone_errors(errors: dict[str, list[str]], *, field: str, value: str) -> None:
    """Add a message when `value` is not shaped like a telephone number (blank is allowed)."""
    if not value:
        return
    digits = sum(char.isdigit() for char in value)
    if not _PHONE_CHARACTERS.match(value) or not PHONE_MIN_DIGITS <= digits <= PHONE_MAX_DIGITS:
        errors.setdefault(field, []).append(
            "Enter a telephone number, like 01632 960 001, 07700 900 982 or +44 808 157 0192: "
            f"{PHONE_MIN_DIGITS} to {PHONE_MAX_DIGITS} digits, with only spaces, brackets, "
            "hyphens or a leading +"
        )


def email_errors(errors: dict[str, list[str]], *, field: str, value: str) -> None:
    """Add a message when `value` is not an email address (blank is allowed)."""
    if not value:
        return
    try:
        validate_email(value)
    except ValidationError:
        errors.setdefault(field, []).append(
            "Enter an email address in the correct format, like name@example.com"
        )


def _contact_values(
    *, relationship: str, name: str, organisation: str, phone: str, email: str
) -> dict[str, str]:
    values = {
        "relationship": relationship,
        "name": name.strip(),
        "organisation": organisation.strip(),
        "phone": phone.strip(),
        "email": email.strip(),
    }
    errors: dict[str, list[str]] = {}
    if not values["name"]:
        errors["name"] = ["Enter the contact's name"]
    phone_errors(errors, field="phone", value=values["phone"])
    email_errors(errors, field="email", value=values["email"])
    raise_if(errors)
    return values


def contact_record(
    *,
    actor: AbstractBaseUser | None,
    child: Child,
    relationship: str,
    name: str,
    organisation: str = "",
    phone: str = "",
    email: str = "",
) -> Contact:
    """Record one of the people around a child.

    Rules: a relationship from the list (the model's choices); a name; a telephone number and
    an email address, when given, shaped like one.
    """
    values = _contact_values(
        relationship=relationship, name=name, organisation=organisation, phone=phone, email=email
    )
    return record_create(actor=actor, instance=Contact(child=child, **values))


def contact_update(
    *,
    actor: AbstractBaseUser | None,
    instance: Contact,
    expected_version: int,
    relationship: str,
    name: str,
    organisation: str = "",
    phone: str = "",
    email: str = "",
) -> Contact:
    """Change a contact under the same rules, if nobody else changed it first."""
    values = _contact_values(
        relationship=relationship, name=name, organisation=organisation, phone=phone, email=email
    )
    return record_update(
        actor=actor, instance=instance, expected_version=expected_version, changes=values
    )


def _address_values(
    *,
    child: Child,
    address_line_1: str,
    address_line_2: str,
    town: str,
    postcode: str,
    from_date: date | None,
    to_date: date,
) -> dict[str, object]:
    values: dict[str, object] = {
        "address_line_1": address_line_1.strip(),
        "address_line_2": address_line_2.strip(),
        "town": town.strip(),
        "from_date": from_date,
        "to_date": to_date,
    }
    errors: dict[str, list[str]] = {}
    values["postcode"] = postcode_errors(errors, field="postcode", value=postcode)
    if not values["address_line_1"]:
        errors["address_line_1"] = ["Enter the first line of the address"]
    date_errors(errors, child=child, field="from_date", label="Date moved in", value=from_date)
    date_errors(errors, child=child, field="to_date", label="Date moved out", value=to_date)
    period_errors(
        errors,
        start_field="from_date",
        start=from_date,
        end_field="to_date",
        end=to_date,
        end_label="Date moved out",
        start_label="the date moved in",
    )
    raise_if(errors)
    return values


def previous_address_record(
    *,
    actor: AbstractBaseUser | None,
    child: Child,
    address_line_1: str,
    to_date: date,
    address_line_2: str = "",
    town: str = "",
    postcode: str = "",
    from_date: date | None = None,
) -> PreviousAddress:
    """Record an address the child lived at before the current one.

    Rules: a first line; the dates moved in (when known) and out are on or after the child's
    birth and not in the future, and the move out is on or after the move in.
    """
    values = _address_values(
        child=child,
        address_line_1=address_line_1,
        address_line_2=address_line_2,
        town=town,
        postcode=postcode,
        from_date=from_date,
        to_date=to_date,
    )
    return record_create(actor=actor, instance=PreviousAddress(child=child, **values))


def previous_address_update(
    *,
    actor: AbstractBaseUser | None,
    instance: PreviousAddress,
    expected_version: int,
    address_line_1: str,
    to_date: date,
    address_line_2: str = "",
    town: str = "",
    postcode: str = "",
    from_date: date | None = None,
) -> PreviousAddress:
    """Change a previous address under the same rules, if nobody else changed it first."""
    values = _address_values(
        child=instance.child,
        address_line_1=address_line_1,
        address_line_2=address_line_2,
        town=town,
        postcode=postcode,
        from_date=from_date,
        to_date=to_date,
    )
    return record_update(
        actor=actor, instance=instance, expected_version=expected_version, changes=values
    )
