"""An agreement's cohort rules, written once: which children it covers on a day (Europe/London).

The preview counts this queryset, the dataset builder streams from it, so what an Admin is
shown before approving is what a recipient is sent. Everything is one SQL condition (ages
included, as bounds on the date of birth), so the cohort is a subquery: no child's id is held
in Python and the number of queries does not grow with the cohort.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet

from records import spans
from records.calendar import latest_born_for_age
from records.codes import Cohort as LegalCohort
from records.codes.census import SenProvision
from records.models import Characteristics, Child, Enrolment, LegalStatusEpisode
from sharing.models import (
    IdentifierKind,
    RecipientOrganisation,
    RestrictionKind,
    Scope,
    SharingAgreement,
    SharingRestriction,
)

# Young people are of post-16 age from the start of the school year after their 16th
# birthday: their age on 31 August before the day is 16 or more.
POST_16_AGE = 16


@dataclass
class Cohort:
    on: datetime.date
    children: QuerySet[Child]
    applied: list[str] = field(default_factory=list)
    not_applied: list[str] = field(default_factory=list)


def _school_year_start(on: datetime.date) -> datetime.date:
    year = on.year if on.month >= 9 else on.year - 1
    return datetime.date(year, 8, 31)


def ehc_plan_extends(agreement: SharingAgreement) -> bool:
    """Whether the agreement keeps children with an EHC plan past its maximum age (its
    ehc_plan_until_age: youth support under Education Act 1996 s507B has 25)."""
    return agreement.max_age is not None and agreement.ehc_plan_until_age is not None


def ehc_plan_oldest_age(agreement: SharingAgreement) -> int | None:
    """The oldest age, in completed years, a child with an EHC plan is covered at: the year
    before ehc_plan_until_age's birthday (24 for "under 25"). None when no plan extends it."""
    if not ehc_plan_extends(agreement):
        return None
    return agreement.ehc_plan_until_age - 1


def _post_16_age_q(on: datetime.date) -> Q:
    return Q(date_of_birth__lte=latest_born_for_age(POST_16_AGE, _school_year_start(on)))


def _age_q(agreement: SharingAgreement, on: datetime.date) -> Q:
    condition = Q()
    if agreement.min_age is not None:
        condition &= Q(date_of_birth__lte=latest_born_for_age(agreement.min_age, on))
    if agreement.max_age is not None:
        young_enough = Q(date_of_birth__gt=latest_born_for_age(agreement.max_age + 1, on))
        if ehc_plan_extends(agreement):
            # The plan as the record holds it now (characteristics keep no dates for it).
            ehc_plan = Characteristics.objects.filter(
                child=OuterRef("pk"), sen_provision=SenProvision.EHC_PLAN
            )
            young_enough |= Q(
                Exists(ehc_plan),
                date_of_birth__gt=latest_born_for_age(agreement.ehc_plan_until_age, on),
            )
        condition &= young_enough
    return condition


def _la_q(code: str, on: datetime.date, *, ons_code: str = "") -> Q:
    """Children authority `code` is responsible for, or who are placed in its area on `on`
    (a looked-after episode open that day whose placement LA is its LA code or, when the
    organisation gives one, its ONS code: PL_LA may carry either)."""
    area = [code, ons_code] if ons_code else [code]
    placed = LegalStatusEpisode.objects.filter(
        spans.open_q(on), child=OuterRef("pk"), cohort=LegalCohort.CLA, placement_la__in=area
    )
    responsible = Q(responsible_la_code=code)
    if code == settings.LOCAL_AUTHORITY_CODE:
        # Our own children: the record names no other authority for them.
        responsible |= Q(responsible_la_code="")
    return responsible | Q(Exists(placed))


def _provider_q(organisation: RecipientOrganisation, on: datetime.date) -> Q:
    """Children enrolled with the post-16 provider on `on`: an enrolment open that day at
    the school or college with the organisation's UKPRN (or URN)."""
    enrolments = Enrolment.objects.filter(spans.open_q(on), child=OuterRef("pk"))
    if organisation.identifier_kind == IdentifierKind.UKPRN and organisation.identifier:
        enrolments = enrolments.filter(school__ukprn=organisation.identifier)
    elif organisation.identifier_kind == IdentifierKind.URN and organisation.identifier.isdigit():
        enrolments = enrolments.filter(school__urn=int(organisation.identifier))
    else:
        enrolments = enrolments.none()
    return Q(Exists(enrolments))


def cohort(agreement: SharingAgreement, on: datetime.date) -> Cohort:
    """The children `agreement` covers on `on`, with the rules applied in words for the
    preview (and any it cannot apply, none today). Lazy: no query until the caller reads it."""
    result = Cohort(on=on, children=Child.objects.none())
    children = Child.objects.filter(Q(date_of_death__isnull=True) | Q(date_of_death__gt=on))
    statuses = LegalStatusEpisode.objects.filter(
        spans.open_q(on), child=OuterRef("pk"), cohort__in=agreement.legal_statuses
    )
    children = children.filter(Exists(statuses))
    labels = ", ".join(agreement.get_legal_statuses_labels())
    result.applied.append(f"Legal status on the day: {labels}")
    organisation = agreement.organisation
    if agreement.scope == Scope.SCHOOL_ROLL:
        urn = int(organisation.identifier) if organisation.identifier.isdigit() else -1
        roll = Enrolment.objects.filter(spans.open_q(on), child=OuterRef("pk"), school__urn=urn)
        children = children.filter(Exists(roll))
        result.applied.append(f"On the roll of the school with URN {organisation.identifier}")
    elif agreement.scope == Scope.LA_RESPONSIBLE_OR_PLACED:
        children = children.filter(
            _la_q(organisation.identifier, on, ons_code=organisation.ons_code)
        )
        also = f" or ONS code {organisation.ons_code}" if organisation.ons_code else ""
        result.applied.append(
            f"The authority with LA code {organisation.identifier} is responsible for them, "
            "or they are placed in its area on the day (a looked-after episode open that day "
            f"with that placement LA{also})"
        )
    elif agreement.scope == Scope.POST_16:
        enrolled = _provider_q(organisation, on)
        kind = organisation.get_identifier_kind_display() or "identifier"
        words = f"Enrolled with the provider ({kind} {organisation.identifier}) on the day"
        if agreement.include_all_post_16_age:
            enrolled |= _post_16_age_q(on)
            words += ", or of post-16 age: 16 or over on 31 August before the day"
        children = children.filter(enrolled)
        result.applied.append(words)
    restricted = SharingRestriction.objects.filter(
        child=OuterRef("pk"),
        kind=RestrictionKind.DO_NOT_SHARE,
        recipient_type=organisation.type,
    )
    result.applied.append(
        "Not children with a 'do not share with' restriction for this type of recipient "
        f"({organisation.get_type_display().lower()})"
    )
    children = children.exclude(Exists(restricted)).filter(_age_q(agreement, on))
    if agreement.min_age is not None or agreement.max_age is not None:
        low = agreement.min_age if agreement.min_age is not None else 0
        high = f"to {agreement.max_age}" if agreement.max_age is not None else "and over"
        result.applied.append(f"Aged {low} {high} on the day")
    if ehc_plan_extends(agreement):
        result.applied.append(
            f"Or aged up to {ehc_plan_oldest_age(agreement)} with an EHC plan (under "
            f"{agreement.ehc_plan_until_age}), as the record holds the plan now"
        )
    result.children = children
    return result
