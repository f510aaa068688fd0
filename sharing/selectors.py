"""Reads for the sharing pages: organisations, agreements, which are active or due for
review, and an agreement's preview. Each in a fixed number of queries."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Value
from django.http import Http404

from records import calendar, spans
from records.categories import DataCategory
from records.codes.census import SenProvision
from records.datamap import DATA_MAP, Area
from records.models import Characteristics, Child, Enrolment, LegalStatusEpisode
from sharing.models import (
    AgreementState,
    Mode,
    RecipientMembership,
    RecipientOrganisation,
    RestrictionKind,
    Scope,
    SharingAgreement,
    SharingChange,
    SharingRestriction,
    Statute,
)
from sharing.services import today
from virtualschool.roles import Role, user_has_role

User = get_user_model()

# An agreement is "due for review" from this many days before its review date.
REVIEW_NOTICE = datetime.timedelta(days=30)
# Young people are of post-16 age from the start of the school year after their 16th
# birthday: their age on 31 August before the day is 16 or more.
POST_16_AGE = 16
# Youth support services (Education Act 1996, s507B) are for young people aged 13 to 19, and
# to 25 for those with an EHC plan (issue 13: "13 to 19, or to 25 with an EHC plan"): to a
# child with an EHC plan, an agreement under s507B's maximum age is this instead, up to their
# 25th birthday.
EHC_PLAN_MAX_AGE = 24
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


def organisation_changes(*, organisation: RecipientOrganisation) -> QuerySet[SharingChange]:
    return SharingChange.objects.filter(organisation=organisation).select_related("actor")


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


def agreement_changes(*, agreement: SharingAgreement) -> QuerySet[SharingChange]:
    return SharingChange.objects.filter(agreement=agreement).select_related("actor")


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
                table=str(entry.model._meta.verbose_name).capitalize(),
                field=str(entry.model._meta.get_field(name).verbose_name).capitalize(),
            )
            for entry, name in DATA_MAP.fields_in(category)
            if entry.area not in NOT_RELEASED_AREAS and name not in entry.copies
        ]
        result.append(CategoryFields(category=category, fields=fields))
    return result


def _school_year_start(on: datetime.date) -> datetime.date:
    year = on.year if on.month >= 9 else on.year - 1
    return datetime.date(year, 8, 31)


def _cohort(agreement: SharingAgreement, on: datetime.date, preview: Preview) -> QuerySet[Child]:
    children = Child.objects.filter(Q(date_of_death__isnull=True) | Q(date_of_death__gt=on))
    statuses = LegalStatusEpisode.objects.filter(
        spans.open_q(on), child=OuterRef("pk"), cohort__in=agreement.legal_statuses
    )
    children = children.filter(Exists(statuses))
    labels = ", ".join(agreement.get_legal_statuses_labels())
    preview.applied.append(f"Legal status on the day: {labels}")
    if agreement.scope == Scope.SCHOOL_ROLL:
        organisation = agreement.organisation
        urn = int(organisation.identifier) if organisation.identifier.isdigit() else -1
        roll = Enrolment.objects.filter(spans.open_q(on), child=OuterRef("pk"), school__urn=urn)
        children = children.filter(Exists(roll))
        preview.applied.append(f"On the roll of the school with URN {organisation.identifier}")
    elif agreement.scope == Scope.LA_RESPONSIBLE_OR_PLACED:
        preview.not_applied.append(
            "Children the authority is responsible for or who are placed in its area: the "
            "record does not yet hold the responsible authority or the placement's area, so "
            "the count is of every child the legal statuses and ages cover"
        )
    elif agreement.scope == Scope.POST_16:
        preview.not_applied.append(
            "Children enrolled with the provider: the record does not yet hold post-16 "
            "enrolments by provider, so only children of post-16 age are counted"
        )
    restricted = SharingRestriction.objects.filter(
        child=OuterRef("pk"),
        kind=RestrictionKind.DO_NOT_SHARE,
        recipient_type=agreement.organisation.type,
    )
    preview.applied.append(
        f"Not children with a 'do not share with' restriction for "
        f"{agreement.organisation.get_type_display().lower()}s"
    )
    return children.exclude(Exists(restricted))


def _ehc_plan_extends(agreement: SharingAgreement) -> bool:
    """Whether the s507B rule raises the agreement's maximum age for a child with an EHC plan."""
    return (
        Statute.EA1996_S507B in agreement.statutes
        and agreement.max_age is not None
        and agreement.max_age < EHC_PLAN_MAX_AGE
    )


def _age_fits(
    agreement: SharingAgreement, born: datetime.date, on: datetime.date, ehc_plan: bool = False
) -> bool:
    age = calendar.age_on(born, on)
    if agreement.min_age is not None and age < agreement.min_age:
        return False
    max_age = agreement.max_age
    if ehc_plan and _ehc_plan_extends(agreement):
        max_age = EHC_PLAN_MAX_AGE
    if max_age is not None and age > max_age:
        return False
    if agreement.scope == Scope.POST_16:
        return calendar.age_on(born, _school_year_start(on)) >= POST_16_AGE
    return True


def agreement_preview(*, agreement: SharingAgreement, on: datetime.date | None = None) -> Preview:
    """How many children, and which fields, the agreement would release on `on` (today in
    Europe/London) by its cohort rules: two queries whatever the cohort's size. Says which
    rules it applies and which it cannot apply yet."""
    on = on or today()
    preview = Preview(on=on, children=0, categories=released_fields(agreement.categories))
    cohort = _cohort(agreement, on, preview)
    if _ehc_plan_extends(agreement):
        # The plan as the record holds it now (characteristics keep no dates for it).
        ehc_plan = Characteristics.objects.filter(
            child=OuterRef("pk"), sen_provision=SenProvision.EHC_PLAN
        )
        candidates = cohort.annotate(ehc_plan=Exists(ehc_plan)).values_list(
            "pk", "date_of_birth", "ehc_plan"
        )
    else:
        candidates = cohort.annotate(ehc_plan=Value(False)).values_list(
            "pk", "date_of_birth", "ehc_plan"
        )
    ids = [pk for pk, born, plan in candidates if _age_fits(agreement, born, on, plan)]
    preview.children = len(ids)
    if agreement.min_age is not None or agreement.max_age is not None:
        low = agreement.min_age if agreement.min_age is not None else 0
        high = f"to {agreement.max_age}" if agreement.max_age is not None else "and over"
        preview.applied.append(f"Aged {low} {high} on the day")
    if _ehc_plan_extends(agreement):
        preview.applied.append(
            f"Or aged up to {EHC_PLAN_MAX_AGE} with an EHC plan (Education Act 1996, section "
            "507B), as the record holds the plan now"
        )
    if agreement.scope == Scope.POST_16:
        preview.applied.append("Of post-16 age: 16 or over on 31 August before the day")
    if ids:
        preview.name_address_dob_only = (
            SharingRestriction.objects.filter(
                child_id__in=ids, kind=RestrictionKind.NAME_ADDRESS_DOB_ONLY
            ).count()
            if agreement.organisation.type == "youth_support"
            else 0
        )
    if agreement.mode == Mode.PSEUDONYMISED:
        preview.not_applied.append(
            "Pseudonymisation: identity and contact fields are to be replaced by a pseudonym "
            "per agreement when datasets are built"
        )
    elif agreement.mode == Mode.STATISTICS:
        preview.not_applied.append(
            "Statistics only: no child's fields are released, only tables of counts with "
            "suppression, which are not built yet"
        )
    return preview


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
    organisation, which the page names (templates/home.html)."""
    if not user_has_role(user, Role.RECIPIENT):
        return {}
    return {"recipient_organisation": recipient_organisation_of(user)}
