"""What the SSDA903 and CIN census imports share: reading a return's identity fields, and
naming the file's fields in a service's refusal.

Both returns identify a child by the social care system's id (903 `CHILD`, CIN `LAchildID`),
with a date of birth, sex, ethnicity and a UPN or a reason it is unknown; neither carries names
(../shared/reference/DOMAIN.md section (i)). What is done with them is the services': which
child they mean, adding a missing child with a placeholder name, and bringing identity and
ethnicity up to date are records/services/children.py child_identity_sync (matching through
records/selectors/identifiers.py); an episode is written once, matched on child + cohort +
start date, by records/services/episodes.py episode_sync. The importers parse and call them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from django.core.exceptions import ValidationError

from records.codes import UpnUnknown
from records.codes.census import Ethnicity
from records.models import Child
from records.services.children import (
    PLACEHOLDER_FIRST_NAME,
    ChildIdentity,
    child_identity_sync,
    placeholder_last_name,
)
from records.services.episodes import episode_sync
from records.upn import normalise_upn, validate_upn
from virtualschool import dates
from virtualschool.errors import DomainError

__all__ = [
    "PLACEHOLDER_FIRST_NAME",
    "ChildIdentity",
    "child_identity_sync",
    "episode_sync",
    "placeholder_last_name",
]

LA_CHILD_ID_MAX = Child._meta.get_field("la_child_id").max_length


@dataclass
class FieldErrors:
    """Errors found while reading one row, keyed by the file's own field names."""

    errors: list[tuple[str, str]] = field(default_factory=list)

    def add(self, name: str, reason: str) -> None:
        self.errors.append((name, reason))

    def __bool__(self) -> bool:
        return bool(self.errors)


def parse_date(value: str, fmt: str, errors: FieldErrors, name: str, shown: str) -> date | None:
    """A date in the file's format (`shown` says it for a person), or None with an error."""
    value = value.strip()
    if not value:
        return None
    try:
        parsed = datetime.strptime(value, fmt).date()  # noqa: DTZ007 - a calendar date
    except ValueError:
        errors.add(name, f"{name} must be a date written {shown}")
        return None
    if not dates.in_range(parsed):
        errors.add(name, f"{name} {dates.OUT_OF_RANGE}")
        return None
    return parsed


def check_la_child_id(value: str, errors: FieldErrors, name: str) -> str:
    value = value.strip()
    if not value:
        errors.add(name, f"{name} (the local authority's child id) is missing")
    elif len(value) > LA_CHILD_ID_MAX:
        errors.add(name, f"{name} must be at most {LA_CHILD_ID_MAX} characters")
    return value


def check_upn(value: str, errors: FieldErrors, name: str) -> str:
    """A valid UPN (DfE check letter, records/upn.py), "" when blank, or "" with an error."""
    upn = normalise_upn(value)
    if not upn:
        return ""
    try:
        validate_upn(upn)
    except ValidationError as error:
        errors.add(name, " ".join(error.messages))
        return ""
    return upn


def check_ethnicity(value: str, errors: FieldErrors, name: str) -> str:
    code = value.strip().upper()
    if code and code not in Ethnicity.values:
        errors.add(name, f"{name} must be a DfE main ethnicity code: {', '.join(Ethnicity.values)}")
        return ""
    return code


def check_code(value: str, allowed: list[str], errors: FieldErrors, name: str) -> str:
    code = value.strip().upper()
    if code and code not in allowed:
        errors.add(name, f"{name} must be one of: {', '.join(allowed)}")
        return ""
    return code


def gender_from_code(code: str, mapping: dict[str, str], errors: FieldErrors, name: str) -> str:
    code = code.strip().upper()
    if code not in mapping:
        errors.add(name, f"{name} must be one of: {', '.join(mapping)}")
        return ""
    return mapping[code]


def upn_unknown_code(value: str) -> str:
    code = value.strip().upper()
    return code if code in UpnUnknown.values else ""


def domain_error_fields(error: DomainError, names: dict[str, str], default: str) -> list[tuple]:
    """(file field, message) pairs for a service's refusal, naming the file's fields."""
    if hasattr(error, "error_dict"):
        return [
            (names.get(name, default), message)
            for name, messages in error.message_dict.items()
            for message in messages
        ]
    return [(default, message) for message in error.messages]
