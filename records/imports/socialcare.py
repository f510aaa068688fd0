"""What the SSDA903 and CIN census imports share: who a child in a return is, how that child is
found in (or added to) the record, and how an episode from a return is written once.

Both returns identify a child by the social care system's id (903 `CHILD`, CIN `LAchildID`),
with a date of birth, sex, ethnicity and a UPN or a reason it is unknown; neither carries names
(../shared/reference/DOMAIN.md section (i)). So:

- a child is matched on Child.la_child_id; failing that, on a UPN (current or former) of a child
  whose LA child id is not yet recorded, which then records it;
- a child the record does not have is refused, unless the run's "create missing" option is on:
  then the child is added with a placeholder name that says the name is awaited
  (PLACEHOLDER_FIRST_NAME / placeholder_last_name), for a caseworker to complete;
- identity and ethnicity from the return replace the record's (the social care system is the
  source of the return), through the same services a person's edit uses; a UPN the return
  replaces is kept as a former UPN, and a UPN-unknown code never erases a known UPN;
- an episode is matched on child + cohort + start date: re-importing next month's return
  updates it (an end date, a closure) instead of adding a second one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db.models import Q

from records.codes import UpnUnknown
from records.codes.census import Ethnicity
from records.models import Characteristics, Child, LegalStatusEpisode
from records.services.characteristics import characteristics_record, characteristics_update
from records.services.child_update import child_update
from records.services.children import child_create
from records.services.episodes import episode_add, episode_update
from records.services.locking import record_update
from records.upn import normalise_upn, validate_upn
from virtualschool.errors import DomainError

PLACEHOLDER_FIRST_NAME = "Name awaited"
LA_CHILD_ID_MAX = Child._meta.get_field("la_child_id").max_length

CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"


def placeholder_last_name(la_child_id: str) -> str:
    """The last name a child added from a return carries until a person enters the real one."""
    return f"(social care child {la_child_id})"[: Child._meta.get_field("last_name").max_length]


@dataclass
class ChildIdentity:
    """A child as a social-care return describes them (values already checked)."""

    la_child_id: str
    date_of_birth: date
    gender: str
    upn: str = ""
    upn_unknown: str = ""
    former_upn: str = ""
    ethnicity: str = ""


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
        return datetime.strptime(value, fmt).date()  # noqa: DTZ007 - a calendar date
    except ValueError:
        errors.add(name, f"{name} must be a date written {shown}")
        return None


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


def find_child(identity: ChildIdentity) -> Child | None:
    """The record's child for this identity (see the module's matching rules).

    Refused when the UPN belongs to a child recorded with a different LA child id: the two
    systems disagree about who this is, and a person has to decide.
    """
    child = Child.objects.filter(la_child_id=identity.la_child_id).first()
    if child is not None:
        return child
    for upn in (identity.upn, identity.former_upn):
        if not upn:
            continue
        child = Child.objects.filter(Q(upn=upn) | Q(former_upns__contains=[upn])).first()
        if child is None:
            continue
        if child.la_child_id:
            raise DomainError(
                {
                    "upn": [
                        "This UPN belongs to a child recorded with a different LA child id: "
                        "check which child this is in the social care system"
                    ]
                }
            )
        return child
    return None


def child_sync(
    *, actor: AbstractBaseUser | None, identity: ChildIdentity, create_missing: bool
) -> tuple[Child, str]:
    """Find or (when allowed) add the child, and bring identity and ethnicity up to date.

    Returns the child and CREATED, UPDATED or UNCHANGED. Raises DomainError keyed by Child
    field names (and "ethnicity") when a service's rule refuses the change.
    """
    child = find_child(identity)
    if child is None:
        if not create_missing:
            raise DomainError(
                {
                    "la_child_id": [
                        "No child in the record has this LA child id or UPN: add the child "
                        "first, or import with 'create missing children' to add them with a "
                        "placeholder name"
                    ]
                }
            )
        child = child_create(
            actor=actor,
            first_name=PLACEHOLDER_FIRST_NAME,
            last_name=placeholder_last_name(identity.la_child_id),
            date_of_birth=identity.date_of_birth,
            gender=identity.gender,
            upn=identity.upn,
        )
        _identifiers_sync(actor=actor, child=child, identity=identity)
        _ethnicity_sync(actor=actor, child=child, ethnicity=identity.ethnicity)
        return child, CREATED
    changed = False
    upn = identity.upn or child.upn
    old_upn = child.upn
    if (child.date_of_birth, child.gender, child.upn) != (
        identity.date_of_birth,
        identity.gender,
        upn,
    ):
        child = child_update(
            actor=actor,
            child=child,
            expected_version=child.version,
            first_name=child.first_name,
            last_name=child.last_name,
            date_of_birth=identity.date_of_birth,
            gender=identity.gender,
            upn=upn,
            address_line_1=child.address_line_1,
            address_line_2=child.address_line_2,
            town=child.town,
            postcode=child.postcode,
        )
        changed = True
    replaced = old_upn if old_upn and old_upn != upn else ""
    changed |= _identifiers_sync(actor=actor, child=child, identity=identity, replaced=replaced)
    changed |= _ethnicity_sync(actor=actor, child=child, ethnicity=identity.ethnicity)
    return child, UPDATED if changed else UNCHANGED


def _identifiers_sync(
    *, actor: AbstractBaseUser | None, child: Child, identity: ChildIdentity, replaced: str = ""
) -> bool:
    former = list(child.former_upns)
    for upn in (replaced, identity.former_upn):
        if upn and upn != child.upn and upn not in former:
            former.append(upn)
    changes = {
        "la_child_id": identity.la_child_id,
        # A code saying why the UPN is unknown is kept only while no UPN is known.
        "upn_unknown": "" if child.upn else identity.upn_unknown,
        "former_upns": former,
    }
    if all(getattr(child, name) == value for name, value in changes.items()):
        return False
    updated = record_update(
        actor=actor, instance=child, expected_version=child.version, changes=changes
    )
    child.version = updated.version
    for name, value in changes.items():
        setattr(child, name, value)
    return True


def _ethnicity_sync(*, actor: AbstractBaseUser | None, child: Child, ethnicity: str) -> bool:
    if not ethnicity:
        return False
    current = Characteristics.objects.filter(child=child).first()
    if current is None:
        characteristics_record(actor=actor, child=child, ethnicity=ethnicity)
        return True
    if current.ethnicity == ethnicity:
        return False
    characteristics_update(
        actor=actor,
        instance=current,
        expected_version=current.version,
        ethnicity=ethnicity,
        first_language=current.first_language,
        english_additional_language=current.english_additional_language,
        arrived_from_overseas=current.arrived_from_overseas,
        unaccompanied_asylum_seeking=current.unaccompanied_asylum_seeking,
        sen_provision=current.sen_provision,
        sen_primary_need=current.sen_primary_need,
        responsible_la=current.responsible_la,
        placed_in_borough=current.placed_in_borough,
    )
    return True


def episode_sync(
    *,
    actor: AbstractBaseUser | None,
    child: Child,
    cohort: str,
    start_date: date,
    end_date: date | None,
    legal_status: str = "",
    plac_route: str = "",
    closure_date: date | None = None,
) -> str:
    """Record an episode from a return, or bring the one with the same start up to date.

    The rules are those of episode_add / episode_update (records/services/); a refusal raises
    their DomainError. Returns CREATED, UPDATED or UNCHANGED.
    """
    values = {
        "legal_status": legal_status,
        "plac_route": plac_route,
        "end_date": end_date,
        "closure_date": closure_date,
    }
    existing = LegalStatusEpisode.objects.filter(
        child=child, cohort=cohort, start_date=start_date
    ).first()
    if existing is None:
        episode_add(actor=actor, child=child, cohort=cohort, start_date=start_date, **values)
        return CREATED
    if all(getattr(existing, name) == value for name, value in values.items()):
        return UNCHANGED
    episode_update(actor=actor, episode=existing, start_date=start_date, **values)
    return UPDATED


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
