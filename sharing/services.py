"""Every write to recipient organisations, recipient users, sharing agreements and per-child
restrictions: the one way in (issue 13; docs/adr/0009-sharing-agreements.md).

The sharing pages and seed_demo call these functions. Each checks that an Admin is acting,
validates everything at once (a refusal raises DomainError keyed by field, naming what is
wrong, and nothing is saved), writes inside one transaction and records each changed field
as a SharingChange (who, when, before, after) in that same transaction. Restrictions are
about a child, so their history is django-auditlog's, as the record's is (sharing.apps).
"""

from __future__ import annotations

import datetime
import hashlib
import logging
import secrets
import zoneinfo
from collections.abc import Iterable
from typing import Any

from auditlog.context import set_actor
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import connection, transaction
from django.utils import timezone

from records.categories import SENSITIVE_CATEGORIES, DataCategory
from records.codes import Cohort
from sharing.models import (
    AgreementState,
    AgreementToken,
    Article9Condition,
    DisclosureChild,
    DisclosureLogEntry,
    LawfulBasis,
    Mode,
    RecipientMembership,
    RecipientOrganisation,
    RecipientType,
    RemovedSharingRestriction,
    RequestedBy,
    RestrictionKind,
    Scope,
    SharingAgreement,
    SharingChange,
    SharingRestriction,
    Statute,
)
from sharing.permissions import can_manage_sharing, can_restrict_sharing
from sharing.validation import identifier_errors, ons_code_errors
from staff import services as staff_services
from virtualschool.display import change_text, display_value
from virtualschool.errors import DomainError
from virtualschool.roles import Role

logger = logging.getLogger("sharing")

NOT_AN_ADMIN_MESSAGE = "Only an administrator can change sharing"
# Special category data (UK GDPR Article 9(1)): health, ethnicity (in characteristics, with
# SEN), and what the service treats as sensitive (records.categories): safeguarding, family
# and criminal (Article 10 for criminal offence data, held to the same bar here).
SPECIAL_CATEGORIES: frozenset[DataCategory] = SENSITIVE_CATEGORIES | {DataCategory.CHARACTERISTICS}
# Which scope fits which type of recipient; every type may have "all".
SCOPES_FOR_TYPE: dict[str, frozenset[str]] = {
    RecipientType.SCHOOL: frozenset({Scope.SCHOOL_ROLL}),
    RecipientType.OTHER_LA: frozenset({Scope.LA_RESPONSIBLE_OR_PLACED}),
    RecipientType.COUNCIL: frozenset({Scope.ALL, Scope.LA_RESPONSIBLE_OR_PLACED}),
    RecipientType.POST_16: frozenset({Scope.POST_16}),
}
ORGANISATION_FIELDS = (
    "name",
    "type",
    "identifier_kind",
    "identifier",
    "ons_code",
    "contact_name",
    "contact_email",
    "contact_phone",
)
AGREEMENT_FIELDS = (
    "name",
    "organisation",
    "purpose",
    "lawful_basis",
    "article9_condition",
    "statutes",
    "categories",
    "legal_statuses",
    "min_age",
    "max_age",
    "ehc_plan_until_age",
    "scope",
    "include_all_post_16_age",
    "mode",
    "retention_months",
    "dpia_reference",
    "valid_from",
    "valid_to",
    "review_date",
)
MAX_AGE = 25
LONDON = zoneinfo.ZoneInfo("Europe/London")


def today() -> datetime.date:
    """Today in Europe/London, the day every agreement's dates are read against."""
    return timezone.localdate(timezone=LONDON)


def _check_actor(actor: Any) -> None:
    if not can_manage_sharing(actor):
        logger.warning("Refused a sharing change by %r: not an administrator", _name(actor))
        raise DomainError(NOT_AN_ADMIN_MESSAGE)


def _name(user: Any) -> str:
    return user.get_username() if getattr(user, "is_authenticated", False) else "anonymous"


def _record(actor, *, organisation=None, agreement=None, field: str, before: Any, after: Any):
    SharingChange.objects.create(
        actor=actor if actor is not None and getattr(actor, "pk", None) else None,
        organisation=organisation,
        agreement=agreement,
        field=field,
        before=change_text(before),
        after=change_text(after),
    )


# --- Organisations --------------------------------------------------------------------------


def _clean_organisation(values: dict[str, Any]) -> dict[str, Any]:
    cleaned = {name: str(values.get(name) or "").strip() for name in ORGANISATION_FIELDS}
    cleaned["identifier"] = cleaned["identifier"].upper()
    cleaned["ons_code"] = cleaned["ons_code"].upper()
    return cleaned


def _organisation_errors(values: dict[str, str], *, pk: int | None) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not values["name"]:
        errors["name"] = ["Enter the organisation's name"]
    if values["type"] not in RecipientType.values:
        errors["type"] = ["Choose the type of organisation"]
    else:
        errors.update(
            identifier_errors(
                type=values["type"], kind=values["identifier_kind"], value=values["identifier"]
            )
        )
    errors.update(ons_code_errors(kind=values["identifier_kind"], value=values["ons_code"]))
    if "identifier" not in errors and values["identifier"]:
        taken = RecipientOrganisation.objects.filter(
            type=values["type"],
            identifier_kind=values["identifier_kind"],
            identifier=values["identifier"],
        ).exclude(pk=pk)
        if taken.exists():
            errors["identifier"] = [
                "Another organisation of this type already has this identifier: edit that one"
            ]
    if not values["contact_name"]:
        errors["contact_name"] = ["Enter the name of the organisation's contact"]
    if not values["contact_email"]:
        errors["contact_email"] = ["Enter the contact's email address"]
    else:
        try:
            validate_email(values["contact_email"])
        except ValidationError:
            errors["contact_email"] = [
                "Enter the contact's email address in the correct format, like name@example.org"
            ]
    return errors


def organisation_add(*, actor: Any, **values: Any) -> RecipientOrganisation:
    """Add a recipient organisation: its type, identifier (checked for its kind's shape and
    that it fits the type) and contact."""
    _check_actor(actor)
    cleaned = _clean_organisation(values)
    errors = _organisation_errors(cleaned, pk=None)
    if errors:
        raise DomainError(errors)
    with transaction.atomic():
        organisation = RecipientOrganisation.objects.create(**cleaned)
        _record(actor, organisation=organisation, field="organisation", before="", after="Added")
        for name in ORGANISATION_FIELDS:
            if cleaned[name]:
                _record(
                    actor, organisation=organisation, field=name, before="", after=cleaned[name]
                )
    logger.info("Recipient organisation %s added by %r", organisation.pk, _name(actor))
    return organisation


def organisation_edit(*, actor: Any, organisation: RecipientOrganisation, **values: Any) -> int:
    """Change an organisation's details; how many fields changed."""
    _check_actor(actor)
    cleaned = _clean_organisation(values)
    errors = _organisation_errors(cleaned, pk=organisation.pk)
    if errors:
        raise DomainError(errors)
    with transaction.atomic():
        organisation = RecipientOrganisation.objects.select_for_update().get(pk=organisation.pk)
        changed = [n for n in ORGANISATION_FIELDS if getattr(organisation, n) != cleaned[n]]
        for name in changed:
            _record(
                actor,
                organisation=organisation,
                field=name,
                before=getattr(organisation, name),
                after=cleaned[name],
            )
            setattr(organisation, name, cleaned[name])
        if changed:
            organisation.save()
    return len(changed)


# --- Recipient users ------------------------------------------------------------------------

NO_ORGANISATION_MESSAGE = "Choose the organisation this recipient user belongs to"


def _member_of(actor: Any, organisation: RecipientOrganisation):
    def then(user: Any) -> None:
        RecipientMembership.objects.update_or_create(
            user=user, defaults={"organisation": organisation}
        )
        _record(
            actor,
            organisation=organisation,
            field="member",
            before="",
            after=user.get_username(),
        )

    return then


def recipient_user_add(
    *,
    actor: Any,
    organisation: RecipientOrganisation | None,
    username: str,
    first_name: str,
    last_name: str,
    email: str = "",
) -> staff_services.Added:
    """Add a person with the Recipient role as a member of `organisation`, in one
    transaction: refused without an organisation. They set their password with the link
    returned and set up two-factor sign-in at first sign-in, as staff do."""
    _check_actor(actor)
    if organisation is None or organisation.pk is None:
        raise DomainError({"organisation": [NO_ORGANISATION_MESSAGE]})
    with transaction.atomic():
        return staff_services.recipient_account_add(
            actor=actor,
            username=username,
            first_name=first_name,
            last_name=last_name,
            email=email,
            then=_member_of(actor, organisation),
        )


def recipient_user_ensure(
    *,
    organisation: RecipientOrganisation | None,
    username: str,
    first_name: str,
    last_name: str,
    password: str,
) -> Any:
    """Create or update a recipient user from the server's command line (seed_demo)."""
    if organisation is None or organisation.pk is None:
        raise DomainError({"organisation": [NO_ORGANISATION_MESSAGE]})
    with transaction.atomic():
        return staff_services.staff_user_ensure(
            username=username,
            first_name=first_name,
            last_name=last_name,
            role=Role.RECIPIENT,
            password=password,
            then=_member_of(None, organisation),
        )


def membership_end(*, actor: Any, user: Any) -> str:
    """Registered for leaving the Recipient role (staff.access): the person stops belonging
    to their organisation, in the transaction that takes the role away."""
    membership = RecipientMembership.objects.filter(user=user).select_related("organisation")
    membership = membership.first()
    if membership is None:
        return ""
    _record(
        actor,
        organisation=membership.organisation,
        field="member",
        before=user.get_username(),
        after="",
    )
    membership.delete()
    return f"Member of {membership.organisation.name}"


# --- Agreements -----------------------------------------------------------------------------


def _as_list(value: Any) -> list[str]:
    if not value:
        return []
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value]


def _clean_agreement(values: dict[str, Any]) -> dict[str, Any]:
    cleaned: dict[str, Any] = {}
    for name in ("name", "purpose", "lawful_basis", "article9_condition", "dpia_reference"):
        cleaned[name] = str(values.get(name) or "").strip()
    cleaned["scope"] = str(values.get("scope") or Scope.ALL)
    cleaned["mode"] = str(values.get("mode") or "")
    for name in ("statutes", "categories", "legal_statuses"):
        cleaned[name] = _as_list(values.get(name))
    for name in ("min_age", "max_age", "ehc_plan_until_age", "retention_months"):
        cleaned[name] = values.get(name)
    cleaned["include_all_post_16_age"] = bool(values.get("include_all_post_16_age"))
    for name in ("organisation", "valid_from", "valid_to", "review_date"):
        cleaned[name] = values.get(name)
    return cleaned


# Each list field: its choices, the message when empty, and when something is not a choice.
LIST_CHOICES = {
    "statutes": (
        Statute.values,
        "Choose the statute or statutes the sharing rests on",
        "Choose statutes from the list",
    ),
    "categories": (
        DataCategory.values,
        "Choose at least one data category to release",
        "Choose data categories from the list",
    ),
    "legal_statuses": (
        Cohort.values,
        "Choose the legal statuses the agreement covers",
        "Choose legal statuses from the list",
    ),
}


def _choice_errors(values: dict[str, Any]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if values["lawful_basis"] not in LawfulBasis.values:
        errors["lawful_basis"] = ["Choose the lawful basis under UK GDPR Article 6"]
    if values["article9_condition"] and values["article9_condition"] not in (
        Article9Condition.values
    ):
        errors["article9_condition"] = ["Choose an Article 9 condition from the list"]
    for name, (choices, empty, wrong) in LIST_CHOICES.items():
        if not values[name]:
            errors[name] = [empty]
        elif set(values[name]) - set(choices):
            errors[name] = [wrong]
    if values["mode"] not in Mode.values:
        errors["mode"] = ["Choose identifiable, pseudonymised or statistics only"]
    if values["scope"] not in Scope.values:
        errors["scope"] = ["Choose which of the children the recipient sees"]
    return errors


def _special_errors(values: dict[str, Any]) -> dict[str, list[str]]:
    special = sorted(DataCategory(c).label for c in values["categories"] if c in SPECIAL_CATEGORIES)
    if special and not values["article9_condition"]:
        return {
            "article9_condition": [
                "Choose an Article 9 condition: the agreement releases special category "
                f"data ({', '.join(special)})"
            ]
        }
    return {}


def _recipient_errors(values: dict[str, Any]) -> dict[str, list[str]]:
    organisation = values["organisation"]
    if not isinstance(organisation, RecipientOrganisation):
        return {"organisation": ["Choose the recipient organisation"]}
    errors: dict[str, list[str]] = {}
    fitting = SCOPES_FOR_TYPE.get(organisation.type, frozenset({Scope.ALL}))
    if values["scope"] in Scope.values and values["scope"] not in fitting:
        labels = "; ".join(Scope(s).label for s in sorted(fitting))
        errors["scope"] = [f"For a {organisation.get_type_display().lower()}, choose: {labels}"]
    if values["include_all_post_16_age"] and values["scope"] != Scope.POST_16:
        errors["include_all_post_16_age"] = [
            "Only a post-16 provider's agreement can include every child of post-16 age"
        ]
    # Local NHS trusts receive statistics that identify no child (the privacy notice).
    if organisation.type == RecipientType.NHS_TRUST and values["mode"] not in (
        "",
        Mode.STATISTICS,
    ):
        errors["mode"] = ["An NHS trust receives statistics only: choose statistics only"]
    return errors


def _number_errors(values: dict[str, Any]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    low, high = values["min_age"], values["max_age"]
    for name, age in (("min_age", low), ("max_age", high)):
        if age is not None and not 0 <= age <= MAX_AGE:
            errors[name] = [f"Enter an age from 0 to {MAX_AGE}"]
    if low is not None and high is not None and low > high and not errors:
        errors["max_age"] = [
            f"The maximum age ({high}) must be the same as or more than the minimum age ({low})"
        ]
    errors.update(_ehc_plan_errors(values["ehc_plan_until_age"], high))
    retention = values["retention_months"]
    if retention is None:
        errors["retention_months"] = ["Enter how many months the recipient may keep the data"]
    elif not 1 <= retention <= 1200:
        errors["retention_months"] = ["Enter a number of months from 1 to 1200"]
    return errors


def _ehc_plan_errors(until: int | None, high: int | None) -> dict[str, list[str]]:
    """The EHC plan's birthday extends the range past the maximum age, to 25 at most (the
    oldest Education Act 1996 s507B reaches: under 25 with an EHC plan)."""
    if until is None:
        return {}
    if not 0 <= until <= MAX_AGE:
        message = f"Enter an age from 0 to {MAX_AGE}"
    elif high is None:
        message = "Enter a maximum age: an EHC plan extends the cohort past it"
    elif until <= high:
        message = (
            f"The age with an EHC plan ({until}) must be more than the maximum age ({high}): "
            f"children are included until that birthday"
        )
    else:
        return {}
    return {"ehc_plan_until_age": [message]}


def _date_errors(values: dict[str, Any]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for name, label in (
        ("valid_from", "Enter the date the agreement starts"),
        ("valid_to", "Enter the date the agreement ends"),
        ("review_date", "Enter the date the agreement is to be reviewed"),
    ):
        if not isinstance(values[name], datetime.date):
            errors[name] = [label]
    if (
        "valid_from" not in errors
        and "valid_to" not in errors
        and (values["valid_to"] < values["valid_from"])
    ):
        errors["valid_to"] = ["The end date must be the same as or after the start date"]
    return errors


def agreement_errors(values: dict[str, Any]) -> dict[str, list[str]]:
    """Every reason the agreement cannot be stored, by field, all at once."""
    errors: dict[str, list[str]] = {}
    for name, message in (
        ("name", "Enter a name for the agreement"),
        ("purpose", "Enter the purpose of the sharing"),
        ("dpia_reference", "Enter the reference of the data protection impact assessment"),
    ):
        if not values[name]:
            errors[name] = [message]
    for part in (
        _recipient_errors(values),
        _choice_errors(values),
        _special_errors(values),
        _number_errors(values),
        _date_errors(values),
    ):
        for name, messages in part.items():
            errors.setdefault(name, messages)
    return errors


def _validated(values: dict[str, Any]) -> dict[str, Any]:
    cleaned = _clean_agreement(values)
    errors = agreement_errors(cleaned)
    if errors:
        raise DomainError(errors)
    cleaned["statutes"] = sorted(set(cleaned["statutes"]))
    order = list(DataCategory.values)
    cleaned["categories"] = sorted(set(cleaned["categories"]), key=order.index)
    cleaned["legal_statuses"] = [c for c in Cohort.values if c in cleaned["legal_statuses"]]
    return cleaned


def agreement_draft(*, actor: Any, **values: Any) -> SharingAgreement:
    """Draft an agreement. It releases nothing until another Admin approves it."""
    _check_actor(actor)
    cleaned = _validated(values)
    with transaction.atomic():
        agreement = SharingAgreement.objects.create(
            **cleaned, state=AgreementState.DRAFT, created_by=actor
        )
        _record(actor, agreement=agreement, field="state", before="", after="Draft")
        for name in AGREEMENT_FIELDS:
            if cleaned[name] not in (None, "", []) and cleaned[name] is not False:
                _record(actor, agreement=agreement, field=name, before="", after=cleaned[name])
    logger.info("Sharing agreement %s drafted by %r", agreement.pk, _name(actor))
    return agreement


def agreement_edit(*, actor: Any, agreement: SharingAgreement, **values: Any) -> int:
    """Change a draft; how many fields changed. An approved or suspended agreement is not
    edited: a change to what is shared is a new draft, approved again."""
    _check_actor(actor)
    cleaned = _validated(values)
    with transaction.atomic():
        agreement = _locked(agreement)
        if agreement.state != AgreementState.DRAFT:
            raise DomainError(
                "Only a draft can be changed: draft a new agreement for a change to what is shared"
            )
        changed = [n for n in AGREEMENT_FIELDS if getattr(agreement, n) != cleaned[n]]
        for name in changed:
            _record(
                actor,
                agreement=agreement,
                field=name,
                before=getattr(agreement, name),
                after=cleaned[name],
            )
            setattr(agreement, name, cleaned[name])
        if changed:
            agreement.save()
    return len(changed)


def _locked(agreement: SharingAgreement) -> SharingAgreement:
    return SharingAgreement.objects.select_for_update().get(pk=agreement.pk)


OWN_APPROVAL_MESSAGE = "You drafted this agreement: another administrator must approve it"


def agreement_approve(*, actor: Any, agreement: SharingAgreement) -> SharingAgreement:
    """Approve a draft: by an Admin other than the one who drafted it. It is active from its
    start date to its end date, unless suspended."""
    _check_actor(actor)
    with transaction.atomic():
        agreement = _locked(agreement)
        if agreement.created_by_id == actor.pk:
            logger.warning(
                "Refused %r approving their own agreement %s", _name(actor), agreement.pk
            )
            raise DomainError(OWN_APPROVAL_MESSAGE)
        if agreement.state != AgreementState.DRAFT:
            raise DomainError(
                f"Only a draft can be approved: this one is {agreement.get_state_display().lower()}"
            )
        if agreement.valid_to < today():
            raise DomainError("This agreement's end date has passed: change the dates first")
        agreement.state = AgreementState.APPROVED
        agreement.approved_by = actor
        agreement.approved_at = timezone.now()
        agreement.save(update_fields=["state", "approved_by", "approved_at", "updated_at"])
        _record(actor, agreement=agreement, field="state", before="Draft", after="Approved")
    logger.info("Sharing agreement %s approved by %r", agreement.pk, _name(actor))
    return agreement


def agreement_suspend(*, actor: Any, agreement: SharingAgreement, reason: str) -> SharingAgreement:
    """Suspend an approved agreement at once: from this moment it releases nothing."""
    _check_actor(actor)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError({"reason": ["Enter why the agreement is suspended"]})
    with transaction.atomic():
        agreement = _locked(agreement)
        if agreement.state != AgreementState.APPROVED:
            raise DomainError(
                "Only an approved agreement can be suspended: this one is "
                f"{agreement.get_state_display().lower()}"
            )
        agreement.state = AgreementState.SUSPENDED
        agreement.suspended_by = actor
        agreement.suspended_at = timezone.now()
        agreement.suspension_reason = reason
        agreement.save(
            update_fields=[
                "state",
                "suspended_by",
                "suspended_at",
                "suspension_reason",
                "updated_at",
            ]
        )
        _record(actor, agreement=agreement, field="state", before="Approved", after="Suspended")
        _record(actor, agreement=agreement, field="suspension_reason", before="", after=reason)
    logger.info("Sharing agreement %s suspended by %r", agreement.pk, _name(actor))
    return agreement


# --- Restrictions ---------------------------------------------------------------------------


RESTRICT_REFUSED_MESSAGE = (
    "Only someone who may change the child's record, or an administrator, can record or "
    "remove a sharing restriction"
)


def _check_restricter(actor: Any, child: Any) -> None:
    if not can_restrict_sharing(actor, child):
        logger.warning("Refused a sharing restriction change by %r", _name(actor))
        raise DomainError(RESTRICT_REFUSED_MESSAGE)


def restriction_errors(
    *, child: Any, kind: str, recipient_type: str, requested_by: str, reason: str
) -> dict[str, list[str]]:
    """Every reason restriction_add would refuse these values, by field, all at once."""
    errors: dict[str, list[str]] = {}
    if kind not in RestrictionKind.values:
        errors["kind"] = ["Choose the kind of restriction"]
    elif kind == RestrictionKind.NAME_ADDRESS_DOB_ONLY:
        if recipient_type not in ("", RecipientType.YOUTH_SUPPORT):
            errors["recipient_type"] = [
                "Name, address and date of birth only is for youth support services"
            ]
    elif recipient_type not in RecipientType.values:
        errors["recipient_type"] = ["Choose the type of recipient not to share with"]
    if requested_by not in RequestedBy.values:
        errors["requested_by"] = ["Choose who asked for the restriction"]
    if not (reason or "").strip():
        errors["reason"] = ["Enter the reason for the restriction"]
    if kind == RestrictionKind.NAME_ADDRESS_DOB_ONLY:
        recipient_type = RecipientType.YOUTH_SUPPORT
    if (
        not errors
        and SharingRestriction.objects.filter(
            child=child, kind=kind, recipient_type=recipient_type
        ).exists()
    ):
        errors["kind"] = ["The child already has this restriction"]
    return errors


def restriction_add(
    *,
    actor: Any,
    child: Any,
    kind: str,
    recipient_type: str = "",
    requested_by: str,
    reason: str,
) -> SharingRestriction:
    """Record a restriction on what is shared about a child, with who asked and why.

    "Name, address and date of birth only" is for youth support services: the DfE's model
    privacy notice lets a parent, or the young person from 16, object to anything more than
    those being passed to youth support services (Education Act 1996 s507B). "Do not share
    with" names a recipient type: the cohort (sharing.cohort) leaves the child out of every
    agreement with one. Recorded by whoever may change the child, or an Admin
    (sharing.permissions.can_restrict_sharing); in the child's audit history."""
    _check_restricter(actor, child)
    reason = (reason or "").strip()
    errors = restriction_errors(
        child=child,
        kind=kind,
        recipient_type=recipient_type,
        requested_by=requested_by,
        reason=reason,
    )
    if errors:
        raise DomainError(errors)
    if kind == RestrictionKind.NAME_ADDRESS_DOB_ONLY:
        recipient_type = RecipientType.YOUTH_SUPPORT
    with transaction.atomic(), set_actor(actor):
        restriction = SharingRestriction.objects.create(
            child=child,
            kind=kind,
            recipient_type=recipient_type,
            requested_by=requested_by,
            reason=reason,
            recorded_by=actor,
        )
    logger.info("Sharing restriction %s recorded by %r", restriction.pk, _name(actor))
    return restriction


def restriction_remove(
    *, actor: Any, restriction: SharingRestriction, reason: str
) -> RemovedSharingRestriction:
    """Remove a restriction, with the reason: from now on it restricts nothing. What it was,
    who recorded it and who removed it, when and why, are kept as a RemovedSharingRestriction
    in the same transaction; the deletion is in the child's audit history."""
    _check_restricter(actor, restriction.child)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError({"reason": ["Enter why the restriction is removed"]})
    with transaction.atomic(), set_actor(actor):
        current = SharingRestriction.objects.select_for_update().filter(pk=restriction.pk).first()
        if current is None:
            raise DomainError("This restriction has already been removed")
        removed = RemovedSharingRestriction.objects.create(
            child_id=current.child_id,
            kind=current.kind,
            recipient_type=current.recipient_type,
            requested_by=current.requested_by,
            reason=current.reason,
            recorded_by_id=current.recorded_by_id,
            recorded_at=current.recorded_at,
            removed_by=actor,
            removal_reason=reason,
        )
        current.delete()
    logger.info("Sharing restriction %s removed by %r", restriction.pk, _name(actor))
    return removed


# --- Checking without writing, for a page that shows every error at once -------------------


def organisation_check(
    *, values: dict[str, Any], organisation: RecipientOrganisation | None = None
) -> dict[str, list[str]]:
    """What organisation_add or organisation_edit would refuse in `values`, by field."""
    pk = organisation.pk if organisation is not None else None
    return _organisation_errors(_clean_organisation(values), pk=pk)


def agreement_check(*, values: dict[str, Any]) -> dict[str, list[str]]:
    """What agreement_draft or agreement_edit would refuse in `values`, by field."""
    return agreement_errors(_clean_agreement(values))


# --- Disclosures ----------------------------------------------------------------------------


def children_insert(*, model: Any, parent: str, parent_id: Any, child_ids: list[str]) -> None:
    """Rows of `model` (a parent's list of children, such as DisclosureChild) for every child
    id, in one statement whatever their number."""
    if not child_ids:
        return
    table = model._meta.db_table
    column = model._meta.get_field(parent).column
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({column}, child_id) SELECT %s, unnest(%s::uuid[])",  # noqa: S608 - names from the model
            [parent_id, child_ids],
        )


def disclosure_record(
    *,
    agreement: SharingAgreement,
    recipient: Any = None,
    token: Any = None,
    extract: Any = None,
    started_at: datetime.datetime,
    disclosure_date: datetime.date,
    fmt: str,
    fields: list[str],
    row_count: int,
    child_ids: Iterable[Any],
    size: int,
    sha256: str,
    complete: bool,
) -> DisclosureLogEntry:
    """Log one release, its children in one statement whatever their number. The one way a
    disclosure is written; called by sharing.datasets.logged_stream when the stream ends."""
    ids = [str(child_id) for child_id in child_ids]
    with transaction.atomic():
        entry = DisclosureLogEntry.objects.create(
            agreement=agreement,
            recipient=recipient if getattr(recipient, "pk", None) else None,
            token=token,
            extract=extract,
            started_at=started_at,
            disclosure_date=disclosure_date,
            mode=agreement.mode,
            format=fmt,
            fields=fields,
            row_count=row_count,
            child_count=len(ids),
            size=size,
            sha256=sha256,
            complete=complete,
        )
        children_insert(model=DisclosureChild, parent="entry", parent_id=entry.pk, child_ids=ids)
        if token is not None:
            AgreementToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    logger.info(
        "Disclosure %s: agreement %s, %s records, %s bytes%s",
        entry.pk,
        agreement.pk,
        row_count,
        size,
        "" if complete else " (connection broken before the end)",
    )
    return entry


# --- API tokens -----------------------------------------------------------------------------

TOKEN_DAYS_DEFAULT = 90
# The longest a token may last: a year and a day, so a yearly renewal can overlap. A machine
# client's key that lasts longer outlives the people who remember issuing it.
TOKEN_DAYS_MAX = 366
TOKEN_NAME_MAX = 100
TOKEN_PREFIX = "vs_"  # noqa: S105 - the prefix every secret starts with, not a secret
# A secret given to token_issue (the demo's, from DEMO_API_TOKEN) is as strong as one it
# makes: its prefix and at least 32 URL-safe characters (192 bits as token_urlsafe's).
TOKEN_GIVEN_BODY_MIN = 32
TOKEN_GIVEN_MIN = len(TOKEN_PREFIX) + TOKEN_GIVEN_BODY_MIN
_URL_SAFE = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def token_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _token_expiry_errors(expires_on: Any) -> dict[str, list[str]]:
    if not isinstance(expires_on, datetime.date):
        return {"expires_on": ["Enter the date the token expires"]}
    day = today()
    if expires_on <= day:
        return {"expires_on": ["The expiry date must be in the future"]}
    last = day + datetime.timedelta(days=TOKEN_DAYS_MAX)
    if expires_on > last:
        return {
            "expires_on": [
                f"The expiry date must be no more than {TOKEN_DAYS_MAX} days away: "
                f"{last:%-d %B %Y} at the latest"
            ]
        }
    return {}


def token_check(*, name: Any, expires_on: Any) -> dict[str, list[str]]:
    """What token_issue would refuse, by field, all at once."""
    name = str(name or "").strip()
    errors: dict[str, list[str]] = {}
    if not name:
        errors["name"] = ["Enter a name for the token, such as the system that will use it"]
    elif len(name) > TOKEN_NAME_MAX:
        errors["name"] = [f"The name must be {TOKEN_NAME_MAX} characters or fewer"]
    errors.update(_token_expiry_errors(expires_on))
    return errors


def token_issue(
    *,
    actor: Any,
    agreement: SharingAgreement,
    name: str,
    expires_on: datetime.date | None = None,
    days: int | None = TOKEN_DAYS_DEFAULT,
    secret: str | None = None,
) -> tuple[AgreementToken, str]:
    """A new token for the agreement's machine client, and its secret: shown once, never
    stored (only its SHA-256 is). It lasts to the end of `expires_on` in Europe/London
    (without it, `days` from today; a page passes days=None so that an empty date is an
    error): tomorrow at the earliest, TOKEN_DAYS_MAX days away at
    the latest. Refused, nothing stored, without a name or with an expiry out of range.
    The secret is made here; only seed_demo gives one (DEMO_API_TOKEN, so a script knows
    the demo's token), and it must look like one made here and be no token's already."""
    _check_actor(actor)
    if expires_on is None and isinstance(days, int):
        expires_on = today() + datetime.timedelta(days=days)
    errors = token_check(name=name, expires_on=expires_on)
    if secret is not None:
        errors.update(_given_secret_errors(secret))
    if errors:
        raise DomainError(errors)
    name = name.strip()
    if secret is None:
        secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    end = datetime.datetime.combine(
        expires_on + datetime.timedelta(days=1), datetime.time(), tzinfo=LONDON
    )
    with transaction.atomic():
        token = AgreementToken.objects.create(
            agreement=agreement,
            name=name,
            prefix=secret[:10],
            secret_sha256=token_hash(secret),
            created_by=actor,
            expires_at=end,
        )
        _record(actor, agreement=agreement, field="token issued", before="", after=str(token))
        _record(
            actor,
            agreement=agreement,
            field="token expires",
            before="",
            after=f"{token.prefix}…: end of {display_value(expires_on)}",
        )
    logger.info("Token %s for agreement %s issued by %r", token.pk, agreement.pk, _name(actor))
    return token, secret


def _given_secret_errors(secret: str) -> dict[str, list[str]]:
    body = secret.removeprefix(TOKEN_PREFIX)
    if (
        not secret.startswith(TOKEN_PREFIX)
        or len(secret) < TOKEN_GIVEN_MIN
        or not set(body) <= _URL_SAFE
    ):
        return {
            "secret": [
                f"A token's secret is {TOKEN_PREFIX} then at least {TOKEN_GIVEN_BODY_MIN}"
                " letters, digits, - or _"
            ]
        }
    if AgreementToken.objects.filter(secret_sha256=token_hash(secret)).exists():
        return {"secret": ["Another token has this secret already"]}
    return {}


def token_revoke(*, actor: Any, token: AgreementToken) -> AgreementToken:
    """Revoke a token at once: from this moment it is refused (401) and releases nothing.
    Revoking a revoked token changes nothing."""
    _check_actor(actor)
    with transaction.atomic():
        token = AgreementToken.objects.select_for_update().get(pk=token.pk)
        if token.revoked_at is None:
            token.revoked_at = timezone.now()
            token.revoked_by = actor
            token.save(update_fields=["revoked_at", "revoked_by"])
            _record(
                actor, agreement=token.agreement, field="token revoked", before=str(token), after=""
            )
    logger.info("Token %s revoked by %r", token.pk, _name(actor))
    return token
