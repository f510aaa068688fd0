"""Reads for the sharing pages: organisations, agreements, which are active or due for
review, and an agreement's preview. Each in a fixed number of queries."""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Count, Exists, OuterRef, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.text import capfirst

from records.categories import DataCategory
from records.child_blocks import ChildBlock
from records.datamap import DATA_MAP, Area
from sharing.cohort import cohort
from sharing.models import (
    AgreementState,
    AgreementToken,
    DisclosureChild,
    DisclosureLogEntry,
    ExtractFile,
    ExtractStatus,
    Mode,
    RecipientMembership,
    RecipientOrganisation,
    RecipientType,
    RemovedSharingRestriction,
    RestrictionKind,
    SharingAgreement,
    SharingChange,
    SharingRestriction,
)
from sharing.permissions import can_generate_extracts, can_restrict_sharing
from sharing.services import today
from virtualschool.display import ChangeRow, change_rows
from virtualschool.roles import Role, user_has_role

User = get_user_model()

# An agreement is "due for review" from this many days before its review date.
REVIEW_NOTICE = datetime.timedelta(days=30)
# Areas of the service that are not the record a recipient could receive.
NOT_RELEASED_AREAS = frozenset({Area.ACCESS, Area.LOGS, Area.IMPORTS})


def organisations_list() -> QuerySet[RecipientOrganisation]:
    return RecipientOrganisation.objects.annotate(
        member_count=Count("members", distinct=True),
        agreement_count=Count("agreements", distinct=True),
    ).order_by("name", "pk")


def organisation_get(*, pk: int) -> RecipientOrganisation:
    organisation = organisations_list().filter(pk=pk).first()
    if organisation is None:
        raise Http404("No such organisation")
    return organisation


def organisation_members(*, organisation: RecipientOrganisation) -> QuerySet:
    return User.objects.filter(recipient_membership__organisation=organisation).order_by(
        "last_name", "first_name", "pk"
    )


def organisation_changes(*, organisation: RecipientOrganisation) -> list[ChangeRow]:
    """The organisation's changes, newest first, as its page shows them: each field by its
    verbose name ("Identifier"), each value as the page shows it ("Youth support service")
    (virtualschool.display.change_rows); one query."""
    changes = SharingChange.objects.filter(organisation=organisation).select_related("actor")
    return change_rows(changes, model=RecipientOrganisation)


def organisation_choices() -> QuerySet[RecipientOrganisation]:
    return RecipientOrganisation.objects.order_by("name", "pk")


def agreements_active(*, on: datetime.date | None = None) -> QuerySet[SharingAgreement]:
    """Agreements that release data on `on` (today in Europe/London by default): approved,
    not suspended, and in date, both ends included."""
    on = on or today()
    return SharingAgreement.objects.filter(
        state=AgreementState.APPROVED, valid_from__lte=on, valid_to__gte=on
    )


def agreements_due_for_review(*, on: datetime.date | None = None) -> QuerySet[SharingAgreement]:
    """Approved agreements not yet expired whose review date is past or within REVIEW_NOTICE."""
    on = on or today()
    return (
        SharingAgreement.objects.filter(
            state=AgreementState.APPROVED,
            valid_to__gte=on,
            review_date__lte=on + REVIEW_NOTICE,
        )
        .select_related("organisation")
        .order_by("review_date", "pk")
    )


def agreements_list() -> QuerySet[SharingAgreement]:
    return SharingAgreement.objects.select_related("organisation", "created_by", "approved_by")


def agreement_get(*, pk: int) -> SharingAgreement:
    agreement = agreements_list().select_related("suspended_by").filter(pk=pk).first()
    if agreement is None:
        raise Http404("No such agreement")
    return agreement


def agreement_changes(*, agreement: SharingAgreement) -> list[ChangeRow]:
    """The agreement's changes, newest first, as its page shows them: "Lawful basis (UK GDPR
    Article 6)", "Article 6(1)(e): public task", "31 January 2027", "Yes", the data
    categories' names (virtualschool.display.change_rows); one query."""
    changes = SharingChange.objects.filter(agreement=agreement).select_related("actor")
    return change_rows(changes, model=SharingAgreement)


@dataclass(frozen=True)
class ReleasedField:
    table: str
    field: str


@dataclass(frozen=True)
class CategoryFields:
    category: DataCategory
    fields: list[ReleasedField]


@dataclass
class Preview:
    on: datetime.date
    children: int
    categories: list[CategoryFields]
    applied: list[str] = field(default_factory=list)
    not_applied: list[str] = field(default_factory=list)
    name_address_dob_only: int = 0


def released_fields(categories: list[str]) -> list[CategoryFields]:
    """The record's fields in each category, as the data map declares them."""
    result = []
    for value in categories:
        category = DataCategory(value)
        fields = [
            ReleasedField(
                table=capfirst(str(entry.model._meta.verbose_name)),
                field=capfirst(str(entry.model._meta.get_field(name).verbose_name)),
            )
            for entry, name in DATA_MAP.fields_in(category)
            if entry.area not in NOT_RELEASED_AREAS and name not in entry.copies
        ]
        result.append(CategoryFields(category=category, fields=fields))
    return result


def agreement_preview(*, agreement: SharingAgreement, on: datetime.date | None = None) -> Preview:
    """How many children, and which fields, the agreement would release on `on` (today in
    Europe/London) by its cohort rules: two queries whatever the cohort's size. Says which
    rules it applies and which it cannot apply yet."""
    on = on or today()
    rules = cohort(agreement, on)
    preview = Preview(
        on=on,
        children=rules.children.count(),
        categories=released_fields(agreement.categories),
        applied=rules.applied,
        not_applied=rules.not_applied,
    )
    if preview.children and agreement.organisation.type == "youth_support":
        preview.name_address_dob_only = SharingRestriction.objects.filter(
            child__in=rules.children.values("pk"), kind=RestrictionKind.NAME_ADDRESS_DOB_ONLY
        ).count()
    if agreement.mode == Mode.PSEUDONYMISED:
        preview.applied.append(
            "Pseudonymised: identity and contact fields are left out and each child is named "
            "by a pseudonym that stays the same for this agreement (sharing.datasets)"
        )
    elif agreement.mode == Mode.STATISTICS:
        preview.applied.append(
            "Statistics only: no child's fields are released, only a table of the children "
            "by age and gender with small counts suppressed"
        )
    return preview


# --- Disclosures ----------------------------------------------------------------------------


def child_shared_with(*, child: Any) -> list[DisclosureLogEntry]:
    """Who received the child's data, when and under which agreement: one query."""
    return list(
        DisclosureLogEntry.objects.filter(children__child=child)
        .select_related("agreement__organisation", "recipient", "token")
        .order_by("-finished_at", "-pk")
    )


def child_shared_with_block(child: Any, user: Any) -> ChildBlock:
    """The "Shared with" block of the child's page (records.child_blocks)."""
    rows = [
        (
            entry.agreement.organisation.name,
            entry.agreement.name,
            timezone.localtime(entry.finished_at).strftime("%-d %B %Y %H:%M"),
            entry.recipient.get_full_name() or entry.recipient.get_username()
            if entry.recipient
            else f"API token {entry.token.prefix}…"
            if entry.token
            else "Extract file",
        )
        for entry in child_shared_with(child=child)
    ]
    return ChildBlock(
        heading="Shared with",
        headers=("Organisation", "Agreement", "When", "Received by"),
        rows=rows,
        empty="This child's information has not been shared under an agreement.",
        block_id="shared-with",
    )


def child_restrictions(*, child: Any) -> list[SharingRestriction]:
    """The child's restrictions in force, newest first, with who recorded each: one query."""
    return list(
        SharingRestriction.objects.filter(child=child)
        .select_related("recorded_by")
        .order_by("-recorded_at", "-pk")
    )


def child_removed_restrictions(*, child: Any) -> list[RemovedSharingRestriction]:
    """The child's removed restrictions, newest first, with who recorded and removed each."""
    return list(
        RemovedSharingRestriction.objects.filter(child=child)
        .select_related("recorded_by", "removed_by")
        .order_by("-removed_at", "-pk")
    )


def restriction_get(*, child: Any, pk: int) -> SharingRestriction:
    """One of the child's restrictions in force; 404 when it is not the child's, or gone."""
    restriction = SharingRestriction.objects.filter(child=child, pk=pk).first()
    if restriction is None:
        raise Http404("No such restriction")
    return restriction


def _person(user: Any) -> str:
    if user is None:
        return "The service"
    return user.get_full_name() or user.get_username()


def _when(moment: datetime.datetime) -> str:
    return timezone.localtime(moment).strftime("%-d %B %Y %H:%M")


def restriction_words(restriction: SharingRestriction | RemovedSharingRestriction) -> str:
    """What a restriction says: "Name, address and date of birth only" (to youth support
    services) or "Do not share with" a type of recipient."""
    if restriction.kind == RestrictionKind.NAME_ADDRESS_DOB_ONLY:
        return f"{restriction.get_kind_display()} to youth support services"
    return f"{restriction.get_kind_display()} {restriction.get_recipient_type_display().lower()}"


def restriction_rows(restrictions: list[SharingRestriction]) -> list[tuple[str, ...]]:
    return [
        (
            restriction_words(restriction),
            restriction.get_requested_by_display(),
            restriction.reason,
            _person(restriction.recorded_by),
            _when(restriction.recorded_at),
        )
        for restriction in restrictions
    ]


RESTRICTION_HEADERS = ("Restriction", "Asked for by", "Reason", "Recorded by", "When")


def child_restrictions_block(child: Any, user: Any) -> ChildBlock:
    """The "Sharing restrictions" block of the child's page (records.child_blocks), for
    everyone who may open the page; with the way to record or remove one for those who may
    (sharing.permissions.can_restrict_sharing). One query."""
    links: tuple[tuple[str, str], ...] = ()
    if can_restrict_sharing(user, child):
        links = (
            (
                "Record or remove a sharing restriction",
                reverse("restrictions:list", kwargs={"pk": child.pk}),
            ),
        )
    return ChildBlock(
        heading="Sharing restrictions",
        headers=RESTRICTION_HEADERS,
        rows=restriction_rows(child_restrictions(child=child)),
        empty="There are no restrictions on sharing this child's information.",
        block_id="sharing-restrictions",
        links=links,
    )


@dataclass(frozen=True)
class DisclosureFilters:
    agreement: int | None = None
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    child: uuid.UUID | None = None


def disclosures_search(filters: DisclosureFilters) -> QuerySet[DisclosureLogEntry]:
    """The disclosure log, newest first, by agreement, by the day of release (Europe/London,
    both ends included) and by a child sent."""
    entries = DisclosureLogEntry.objects.select_related(
        "agreement__organisation", "recipient", "token"
    )
    if filters.agreement is not None:
        entries = entries.filter(agreement_id=filters.agreement)
    if filters.date_from is not None:
        entries = entries.filter(disclosure_date__gte=filters.date_from)
    if filters.date_to is not None:
        entries = entries.filter(disclosure_date__lte=filters.date_to)
    if filters.child is not None:
        entries = entries.filter(
            Exists(DisclosureChild.objects.filter(entry=OuterRef("pk"), child_id=filters.child))
        )
    return entries.order_by("-finished_at", "-pk")


# --- Tokens and extract files ---------------------------------------------------------------


def agreement_tokens(*, agreement: SharingAgreement) -> QuerySet[AgreementToken]:
    """The agreement's tokens, newest first, with who issued and revoked them: one query."""
    return AgreementToken.objects.filter(agreement=agreement).select_related(
        "created_by", "revoked_by"
    )


def agreement_token_get(*, agreement: SharingAgreement, pk: int) -> AgreementToken:
    """One of the agreement's tokens; another agreement's, or none, is a 404."""
    token = agreement_tokens(agreement=agreement).filter(pk=pk).first()
    if token is None:
        raise Http404("No such token")
    return token


def agreement_extracts(*, agreement: SharingAgreement) -> QuerySet[ExtractFile]:
    """The agreement's extract files, newest first, with who asked for each: one query."""
    return (
        ExtractFile.objects.filter(agreement=agreement)
        .select_related("requested_by")
        .annotate(download_count=Count("downloads"))
        .order_by("-requested_at", "-pk")
    )


def recipient_extracts(*, user: Any) -> QuerySet[ExtractFile]:
    """The extract files a recipient user may download: ready and not yet expired, of their
    own organisation's agreements only (none for anyone else). One query."""
    organisation = recipient_organisation_of(user)
    if organisation is None:
        return ExtractFile.objects.none()
    return (
        ExtractFile.objects.filter(
            agreement__organisation=organisation,
            status=ExtractStatus.READY,
            expires_at__gt=timezone.now(),
        )
        .select_related("agreement")
        .order_by("-built_at", "-pk")
    )


def recipient_extract_get(*, user: Any, pk: Any) -> ExtractFile:
    """One extract file the user may download; another organisation's, one not ready or
    expired, or none, is a 404 alike."""
    extract = recipient_extracts(user=user).filter(pk=pk).first()
    if extract is None:
        raise Http404("No such extract")
    return extract


def recipient_organisation_of(user: Any) -> RecipientOrganisation | None:
    """The organisation a recipient user belongs to, or None (staff, or no membership)."""
    if not user_has_role(user, Role.RECIPIENT):
        return None
    membership = (
        RecipientMembership.objects.filter(user=user).select_related("organisation").first()
    )
    return membership.organisation if membership else None


def home_part(user: Any) -> dict[str, Any]:
    """Sharing's part of the home page (registered in sharing/apps.py): a recipient's
    organisation, which the page names, for a designated teacher (a recipient user of a
    school) the link to the portal, and their extract files ready; for an Admin or a Manager,
    the link to extract files (templates/home.html)."""
    if not user_has_role(user, Role.RECIPIENT):
        # Admins and Managers are linked to the extract files (a Manager's only sharing page).
        return {"can_generate_extracts": True} if can_generate_extracts(user) else {}
    organisation = recipient_organisation_of(user)
    return {
        "recipient_organisation": organisation,
        "designated_teacher": organisation is not None
        and organisation.type == RecipientType.SCHOOL,
        "recipient_extract_count": recipient_extracts(user=user).count(),
    }
