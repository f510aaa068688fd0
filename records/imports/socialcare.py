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
# The code lists once (an enum's `values` builds its list at every call).
_ETHNICITIES = frozenset(Ethnicity.values)
_UPN_UNKNOWN = frozenset(UpnUnknown.values)


@dataclass
class FieldErrors:
    """Errors found while reading one row, keyed by the file's own field names, and the
    warnings: what the row loses but is imported without (an invalid UPN, an unknown optional
    code), each saying what was set aside and why."""

    errors: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[tuple[str, str]] = field(default_factory=list)

    def add(self, name: str, reason: str) -> None:
        self.errors.append((name, reason))

    def warn(self, name: str, reason: str) -> None:
        self.warnings.append((name, reason))

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


UPN_NOT_KEPT = (
    "{problem}. The UPN was not kept: the child is matched by their LA child id and marked "
    "'UPN needs checking'"
)


def check_return_upn(value: str, errors: FieldErrors, name: str) -> tuple[str, bool]:
    """A return's UPN: (the UPN, False) when valid, ("", False) when blank, and ("", True)
    with a warning when it fails the DfE rules (records/upn.py). Invalid is a warning, not an
    error: the DfE's own 903 validation checks only the UPN's shape (903 rule 168), the CIN
    census checks the check letter (CIN rule 1510), and in both the LA child id identifies
    the child (../shared/reference/DOMAIN.md section (e)). The value itself is never echoed."""
    upn = normalise_upn(value)
    if not upn:
        return "", False
    try:
        validate_upn(upn)
    except ValidationError as error:
        problem = " ".join(error.messages).split(":")[0]
        errors.warn(name, UPN_NOT_KEPT.format(problem=problem))
        return "", True
    return upn, False


def check_former_upn(value: str, errors: FieldErrors, name: str) -> str:
    """A former UPN: kept when valid; an invalid one is dropped with a warning (it is only a
    second way to find the child, so the row keeps its meaning)."""
    upn = normalise_upn(value)
    if not upn:
        return ""
    try:
        validate_upn(upn)
    except ValidationError as error:
        problem = " ".join(error.messages).split(":")[0]
        errors.warn(name, f"{problem}. The former UPN was not kept")
        return ""
    return upn


def check_optional_code(value: str, allowed: list[str], errors: FieldErrors, name: str) -> str:
    """An optional code the record does not depend on: an unknown one is dropped with a
    warning, and the row is imported."""
    code = value.strip().upper()
    if code and code not in allowed:
        errors.warn(name, f"{name} was not one of: {', '.join(allowed)}. It was left out")
        return ""
    return code


def check_ethnicity(value: str, errors: FieldErrors, name: str) -> str:
    code = value.strip().upper()
    if code and code not in _ETHNICITIES:
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
    return code if code in _UPN_UNKNOWN else ""


def domain_error_fields(error: DomainError, names: dict[str, str], default: str) -> list[tuple]:
    """(file field, message) pairs for a service's refusal, naming the file's fields."""
    if hasattr(error, "error_dict"):
        return [
            (names.get(name, default), message)
            for name, messages in error.message_dict.items()
            for message in messages
        ]
    return [(default, message) for message in error.messages]
