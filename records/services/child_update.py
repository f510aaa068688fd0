"""Changing a child's identity and current address, keeping the address they leave."""

from __future__ import annotations

from datetime import date

from auditlog.context import set_actor
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format

from records.lifecycle import dates_changed
from records.models import AddressChange, Child, Enrolment, LegalStatusEpisode, PreviousAddress
from records.postcode import postcode_errors
from records.services.identifier_clash import identifier_clash_errors
from records.services.locking import record_create, record_update
from records.upn import normalise_upn, validate_upn
from virtualschool.errors import DomainError

ADDRESS_FIELDS = ("address_line_1", "address_line_2", "town", "postcode")


ADDRESS_CHANGE_REQUIRED = (
    "Select whether this corrects a mistake in the address or they have moved to a new address"
)
# A previous address needs a first line; an old address recorded without one is still kept.
FIRST_LINE_NOT_RECORDED = "(first line not recorded)"


def _upn_errors(
    errors: dict[str, list[str]], *, actor: AbstractBaseUser | None, child: Child, upn: str
) -> None:
    if not upn:
        return
    try:
        validate_upn(upn)
    except ValidationError as error:
        errors["upn"] = error.messages
        return
    if clash := identifier_clash_errors(actor=actor, field="upn", value=upn, child=child):
        errors["upn"] = clash


def _date_of_birth_errors(
    errors: dict[str, list[str]], *, child: Child, value: date | None
) -> None:
    if value is None:  # the form has said what is missing
        return
    if value > timezone.localdate():
        errors["date_of_birth"] = ["Date of birth must be today or in the past"]
        return
    if value <= child.date_of_birth:
        return
    # A later date of birth must not leave the child's status or schooling starting before it.
    earliest = [
        first
        for first in (
            LegalStatusEpisode.objects.filter(child=child, start_date__lt=value)
            .order_by("start_date")
            .values_list("start_date", flat=True)
            .first(),
            Enrolment.objects.filter(child=child, start_date__lt=value)
            .order_by("start_date")
            .values_list("start_date", flat=True)
            .first(),
        )
        if first is not None
    ]
    if earliest:
        errors["date_of_birth"] = [
            "Date of birth must be on or before "
            f"{date_format(min(earliest), 'j F Y')}, when the child's earliest status or "
            "school enrolment starts: correct those dates first"
        ]


def _address(values: dict[str, str]) -> tuple[str, ...]:
    return tuple(values[name] for name in ADDRESS_FIELDS)


def upn_checked_changes(upn: str) -> dict[str, bool]:
    """The change a valid UPN given for a child brings besides itself: "UPN needs checking" is
    cleared, since the return's UPN that failed the DfE rules (records/imports/socialcare.py
    check_return_upn) has now been checked. A blank UPN changes nothing. The one home of this
    rule, for child_update and the CTF's child_upn_change (records/services/ctf.py); `upn` is
    already normalised and validated by the caller."""
    return {"upn_needs_checking": False} if upn else {}


def child_update_changes(
    *,
    child: Child,
    first_name: str,
    last_name: str,
    date_of_birth: date | None,
    gender: str,
    upn: str = "",
    address_line_1: str | None = None,
    address_line_2: str | None = None,
    town: str | None = None,
    postcode: str | None = None,
) -> dict[str, object]:
    """The values child_update writes for these arguments (no query: the one home of its
    normalising, for child_update and for the returns' bulk path, records/services/
    children.py identity_plan): names and the address given trimmed, the postcode in capitals,
    the UPN normalised, with upn_checked_changes. An address field not given (None) keeps the
    child's value, trimmed too, so that a write never leaves padding behind."""
    upn = normalise_upn(upn)
    given = dict(zip(ADDRESS_FIELDS, (address_line_1, address_line_2, town, postcode), strict=True))
    address = {
        name: (getattr(child, name) if value is None else value).strip()
        for name, value in given.items()
    }
    address["postcode"] = address["postcode"].upper()
    return {
        "first_name": first_name.strip(),
        "last_name": last_name.strip(),
        "date_of_birth": date_of_birth,
        "gender": gender,
        "upn": upn,
        **address,
        **upn_checked_changes(upn),
    }


def _moving(held: dict[str, str], changes: dict[str, object]) -> bool:
    """Whether the address changes (a move or a correction the caller must name): trimming
    the padding of the address as it is held is neither."""
    trimmed = {name: value.strip() for name, value in held.items()}
    trimmed["postcode"] = trimmed["postcode"].upper()
    return _address(trimmed) != _address({name: str(changes[name]) for name in ADDRESS_FIELDS})


def child_update(
    *,
    actor: AbstractBaseUser | None,
    child: Child,
    expected_version: int,
    first_name: str,
    last_name: str,
    date_of_birth: date,
    gender: str,
    upn: str = "",
    address_line_1: str | None = None,
    address_line_2: str | None = None,
    town: str | None = None,
    postcode: str | None = None,
    address_change: str = "",
) -> Child:
    """Change a child's identity and current address, if nobody else changed them first.

    Rules (as for a new child, records/services/children.py child_create): a date of birth not
    in the future; a UPN, when given, passing the DfE check-letter rule and belonging to no
    other child (a clash is answered by records/services/identifier_clash.py, in words that
    depend on whether `actor` may see that child). A later date of birth must not fall after
    the start of the child's earliest status episode or enrolment. A valid UPN given clears
    "UPN needs checking" (upn_needs_checking, set by a return's UPN that failed the DfE rules);
    a blank one leaves it as it is.

    An address field not given (None) is left as it is. When the address changes, the caller
    says why (`address_change`, AddressChange), and must: a correction of a mistake changes
    the address and keeps nothing; a move keeps the address the child leaves as a previous
    address, moved out of today (and moved into on the day the one before it was left, when
    that is known), in the same transaction as the change.
    """
    changes = child_update_changes(
        child=child,
        first_name=first_name,
        last_name=last_name,
        date_of_birth=date_of_birth,
        gender=gender,
        upn=upn,
        address_line_1=address_line_1,
        address_line_2=address_line_2,
        town=town,
        postcode=postcode,
    )
    upn = str(changes["upn"])
    errors: dict[str, list[str]] = {}
    _upn_errors(errors, actor=actor, child=child, upn=upn)
    _date_of_birth_errors(errors, child=child, value=date_of_birth)
    if postcode is not None:
        # records/postcode.py: the shape checked, and written the one way (LS1 4AP).
        changes["postcode"] = postcode_errors(
            errors, field="postcode", value=str(changes["postcode"])
        )
    moving = _moving({name: getattr(child, name) for name in ADDRESS_FIELDS}, changes)
    if moving and address_change not in AddressChange.values:
        errors["address_change"] = [ADDRESS_CHANGE_REQUIRED]
    if errors:
        raise DomainError(errors)
    with transaction.atomic(), set_actor(actor):
        # The address left is read from the locked row, so it is the one this change replaces.
        current = Child.objects.select_for_update().get(pk=child.pk)
        old = {name: getattr(current, name) for name in ADDRESS_FIELDS}
        current_born = current.date_of_birth
        updated = record_update(
            actor=actor, instance=current, expected_version=expected_version, changes=changes
        )
        if current_born != updated.date_of_birth:
            # Retention counts from the date of birth: recomputed in this transaction.
            dates_changed(child_id=updated.pk)
        if (
            address_change == AddressChange.MOVE
            and _moving(old, changes)
            and any(value.strip() for value in old.values())
        ):
            _keep_previous_address(actor=actor, child=updated, old=old)
    return updated


def _keep_previous_address(
    *, actor: AbstractBaseUser | None, child: Child, old: dict[str, str]
) -> PreviousAddress:
    today = timezone.localdate()
    moved_in = (
        PreviousAddress.objects.filter(child=child, to_date__lte=today)
        .order_by("-to_date")
        .values_list("to_date", flat=True)
        .first()
    )
    return record_create(
        actor=actor,
        instance=PreviousAddress(
            child=child,
            address_line_1=old["address_line_1"] or FIRST_LINE_NOT_RECORDED,
            address_line_2=old["address_line_2"],
            town=old["town"],
            postcode=old["postcode"],
            from_date=moved_in,
            to_date=today,
        ),
    )
