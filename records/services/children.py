"""Writes to a child and their allocations (legal status episodes: records/services/episodes.py).

Each service validates, writes inside one transaction, and leaves its audit trail
(django-auditlog entries attributed to `actor`). A refused change raises DomainError with
messages keyed by field, and nothing is saved. HTML views, API views and management commands
all call these same functions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from auditlog.context import set_actor
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from guardian.shortcuts import assign_perm, remove_perm

from records.lifecycle import dates_changed
from records.models import (
    Allocation,
    Characteristics,
    Child,
    ChildUserObjectPermission,
)
from records.permissions import can_be_allocated
from records.postcode import postcode_errors
from records.selectors.identifiers import LA_CHILD_ID, NOT_IN_REACH, child_for_identifiers
from records.services.characteristics import characteristics_record, characteristics_update
from records.services.child_update import ADDRESS_FIELDS, child_update, child_update_changes
from records.services.identifier_clash import identifier_clash_errors
from records.services.locking import Synced, SyncOutcome, record_update
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
    rule and belongs to no other child (records/services/identifier_clash.py words the
    refusal for who is asking).
    """
    errors: dict[str, list[str]] = {}
    upn = normalise_upn(upn)
    if upn:
        try:
            validate_upn(upn)
        except ValidationError as error:
            errors["upn"] = error.messages
        else:
            if clash := identifier_clash_errors(actor=actor, field="upn", value=upn):
                errors["upn"] = clash
    if date_of_birth is not None and date_of_birth > timezone.localdate():
        errors["date_of_birth"] = ["Date of birth must be today or in the past"]
    postcode = postcode_errors(errors, field="postcode", value=postcode)
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
        postcode=postcode,
    )
    try:
        child.full_clean()
    except ValidationError as error:
        raise DomainError(error.message_dict) from error
    with transaction.atomic(), set_actor(actor):
        child.save()
        dates_changed(child_id=child.pk)
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


def caseload_end(*, actor: AbstractBaseUser | None, user: AbstractBaseUser) -> str:
    """End a person's access to children as a caseworker, when they leave the role (staff
    calls this through staff.access, inside the transaction that takes the role away).

    Every open allocation ends today (or on its start date, for one starting today), through
    allocation_end so each is audited; then any object permission the person still holds on
    a child, by whatever route it came, is removed: visibility needs the role as well as the
    grant (records.selectors.children_visible_to), and no grant outlives the role. Returns
    what ended, for the staff audit trail ("" when there was nothing)."""
    today = timezone.localdate()
    with transaction.atomic():
        open_allocations = list(
            Allocation.objects.select_for_update()
            .filter(caseworker=user, end_date__isnull=True)
            .select_related("child", "caseworker")
            .order_by("pk")
        )
        for allocation in open_allocations:
            allocation_end(
                actor=actor, allocation=allocation, end_date=max(allocation.start_date, today)
            )
        stray, _ = ChildUserObjectPermission.objects.filter(user=user).delete()
    parts = []
    if open_allocations:
        count = len(open_allocations)
        parts.append(f"{count} open allocation{'s' if count != 1 else ''}")
    if stray:
        parts.append(f"{stray} other grant{'s' if stray != 1 else ''} on a child")
    return " and ".join(parts)


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


def former_upn_add(
    *, actor: AbstractBaseUser | None, child: Child, upns: Sequence[str]
) -> Synced[Child]:
    """Keep UPNs a child was known by before (a CTF's BasicDetails/FormerUPN) in
    `former_upns`, so a later file still naming one of them finds the child.

    Rules: each passes the DfE check-letter rule (records/upn.py); none is another child's
    current UPN (records/services/identifier_clash.py words the refusal). The child's own
    current UPN, and one already kept, are not added again. Written under the optimistic
    lock (records/services/locking.py). UNCHANGED when every UPN given is already held.
    """
    wanted = [normalise_upn(value) for value in upns]
    wanted = [value for value in dict.fromkeys(wanted) if value and value != child.upn]
    for value in wanted:
        try:
            validate_upn(value)
        except ValidationError as error:
            raise DomainError({"former_upns": error.messages}) from error
    for value in wanted:
        if clash := identifier_clash_errors(
            actor=actor, field="former_upns", value=value, child=child
        ):
            raise DomainError({"former_upns": clash})
    added = [value for value in wanted if value not in child.former_upns]
    if not added:
        return Synced(row=child, outcome=SyncOutcome.UNCHANGED)
    updated = record_update(
        actor=actor,
        instance=child,
        expected_version=child.version,
        changes={"former_upns": [*child.former_upns, *added]},
    )
    return Synced(row=updated, outcome=SyncOutcome.UPDATED)


# A child added from a social care return has no name there (the returns carry none,
# ../shared/reference/DOMAIN.md section (i)): these say the name is awaited.
PLACEHOLDER_FIRST_NAME = "Name awaited"


def placeholder_last_name(la_child_id: str) -> str:
    """The last name a child added from a return carries until a person enters the real one."""
    return f"(social care child {la_child_id})"[: Child._meta.get_field("last_name").max_length]


@dataclass(frozen=True, slots=True)
class ChildIdentity:
    """A child as a social care return (SSDA903, CIN census) describes them, values checked."""

    la_child_id: str
    date_of_birth: date
    gender: str
    upn: str = ""
    upn_unknown: str = ""
    former_upn: str = ""
    ethnicity: str = ""
    # The return's UPN failed the DfE rules and was not kept (docs/imports/ssda903.md).
    upn_needs_checking: bool = False


def child_identity_sync(
    *,
    actor: AbstractBaseUser | None,
    identity: ChildIdentity,
    create_missing: bool,
    within: QuerySet[Child] | None = None,
) -> Synced[Child]:
    """Find the child a social care return names, or (when allowed) add them, and bring their
    identity and ethnicity up to date from it: the social care system is the return's source.

    Rules:
    - the child is the one records/selectors/identifiers.py finds for the LA child id, UPN and
      former UPN (an identifier reaching two children is refused); one found by a UPN but
      recorded with another LA child id is refused, as the two systems disagree about who
      this is and a person has to decide;
    - only children in `within` are matched (the importer's reach, selectors.imports
      import_reach; None: every child): a child outside it is refused with NOT_IN_REACH, the
      same words as for identifiers nobody has, and never added (adding is for those who
      see the whole record, whose `within` is None);
    - a child not on the record is refused unless `create_missing`: then they are added with a
      placeholder name that says the name is awaited, for a caseworker to complete;
    - identity changes go through child_update's rules, ethnicity through the characteristics
      services'; a UPN the return replaces is kept as a former UPN, and a UPN-unknown code is
      kept only while no UPN is known (it never erases a known UPN);
    - `upn_needs_checking` (the return's UPN failed the DfE rules and was not kept) is set from
      each return: the latest return says whether the UPN still needs checking.
    Returns the child and CREATED, UPDATED or UNCHANGED. Raises DomainError keyed by Child
    field names (and "ethnicity"); nothing is saved then.
    """
    with transaction.atomic():
        child = _identity_match(identity, within=within)
        if child is None:
            if within is not None:
                raise DomainError({"la_child_id": [NOT_IN_REACH]})
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
            return Synced(row=child, outcome=SyncOutcome.CREATED)
        plan = identity_plan(child, identity)
        changed = False
        if plan.update is not None:
            child = child_update(
                actor=actor,
                child=child,
                expected_version=child.version,
                **_update_arguments(child, identity),
            )
            changed = True
        changed |= _identifiers_sync(
            actor=actor, child=child, identity=identity, replaced=plan.replaced
        )
        changed |= _ethnicity_sync(actor=actor, child=child, ethnicity=identity.ethnicity)
        return Synced(row=child, outcome=SyncOutcome.UPDATED if changed else SyncOutcome.UNCHANGED)


# The child's fields a return's identity can change (child_update's, then the identifiers').
IDENTITY_FIELDS = (
    "first_name", "last_name", "date_of_birth", "gender", "upn", *ADDRESS_FIELDS,
    "la_child_id", "upn_unknown", "former_upns", "upn_needs_checking",
)  # fmt: skip


@dataclass(frozen=True)
class IdentityPlan:
    """What child_identity_sync writes for a held child (identity_plan): child_update's
    values (None: it is not called), then the identifiers' (None: already so), and the UPN
    the return replaces (kept as a former UPN; "" for none)."""

    update: dict[str, object] | None
    identifiers: dict[str, object] | None
    replaced: str

    @property
    def versions(self) -> int:
        """The versions the child's row gains: one a write."""
        return (self.update is not None) + (self.identifiers is not None)

    def changes(self, child: Child) -> dict[str, object]:
        """The child's fields that end up other than they are now."""
        after = {**(self.update or {}), **(self.identifiers or {})}
        return {name: value for name, value in after.items() if getattr(child, name) != value}


def identity_plan(child: Child, identity: ChildIdentity) -> IdentityPlan:
    """child_identity_sync's decisions for a child it holds, from the child as read and the
    return's identity (no query; the one home of these rules, for the service and for the
    returns' bulk path, records/services/children_bulk.py): child_update is called when the
    date of birth, sex or UPN differ (a return without a UPN keeps the child's), with the
    child's names and address as they are (child_update_changes trims them); a UPN replaced
    becomes a former UPN; then the identifiers are written when they differ."""
    upn = identity.upn or child.upn
    replaced = child.upn if child.upn and child.upn != upn else ""
    update = None
    after = {name: getattr(child, name) for name in IDENTITY_FIELDS}
    if (child.date_of_birth, child.gender, child.upn) != (
        identity.date_of_birth,
        identity.gender,
        upn,
    ):
        update = child_update_changes(child=child, **_update_arguments(child, identity))
        after.update(update)
    return IdentityPlan(update, identifiers_changes(after, identity, replaced=replaced), replaced)


def _update_arguments(child: Child, identity: ChildIdentity) -> dict[str, Any]:
    """child_update's arguments for a return's identity: its date of birth, sex and UPN (a
    return without a UPN keeps the child's), the child's names and address as they are."""
    return {
        "first_name": child.first_name,
        "last_name": child.last_name,
        "date_of_birth": identity.date_of_birth,
        "gender": identity.gender,
        "upn": identity.upn or child.upn,
        **{name: getattr(child, name) for name in ADDRESS_FIELDS},
    }


def identifiers_changes(
    current: Mapping[str, object], identity: ChildIdentity, *, replaced: str = ""
) -> dict[str, object] | None:
    """The identifiers child_identity_sync writes for the child as `current` holds them
    (field values, after child_update's write), or None when they are already so: the LA
    child id; a UPN-unknown code only while no UPN is known; the UPN replaced and the
    return's former UPN added to the former UPNs (never the current UPN, never twice); the
    return's "UPN needs checking"."""
    former = list(current["former_upns"])  # type: ignore[call-overload]
    for upn in (replaced, identity.former_upn):
        if upn and upn != current["upn"] and upn not in former:
            former.append(upn)
    changes = {
        "la_child_id": identity.la_child_id,
        "upn_unknown": "" if current["upn"] else identity.upn_unknown,
        "former_upns": former,
        "upn_needs_checking": identity.upn_needs_checking,
    }
    if all(current[name] == value for name, value in changes.items()):
        return None
    return changes


def _identity_match(identity: ChildIdentity, *, within: QuerySet[Child] | None) -> Child | None:
    match = child_for_identifiers(
        la_child_id=identity.la_child_id,
        upn=identity.upn,
        former_upns=[identity.former_upn] if identity.former_upn else [],
        within=within,
    )
    if match is None:
        return None
    if match.by != LA_CHILD_ID and match.child.la_child_id:
        raise DomainError(
            {
                "upn": [
                    "This UPN belongs to a child recorded with a different LA child id: "
                    "check which child this is in the social care system"
                ]
            }
        )
    return match.child


def _identifiers_sync(
    *, actor: AbstractBaseUser | None, child: Child, identity: ChildIdentity, replaced: str = ""
) -> bool:
    current = {name: getattr(child, name) for name in IDENTITY_FIELDS}
    changes = identifiers_changes(current, identity, replaced=replaced)
    if changes is None:
        return False
    former = changes["former_upns"]
    if child.la_child_id != identity.la_child_id and (
        clash := identifier_clash_errors(
            actor=actor, field="la_child_id", value=identity.la_child_id, child=child
        )
    ):
        raise DomainError({"la_child_id": clash})
    for value in former:
        if value not in child.former_upns and (
            clash := identifier_clash_errors(
                actor=actor, field="former_upns", value=value, child=child
            )
        ):
            raise DomainError({"former_upns": clash})
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
        placed_in_borough=current.placed_in_borough,
    )
    return True
