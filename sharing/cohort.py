"""An agreement's cohort rules, written once: which children it covers on a day (Europe/London).

The preview counts this queryset, the dataset builder streams from it, so what an Admin is
shown before approving is what a recipient is sent. Everything is one SQL condition (ages
included, as bounds on the date of birth), so the cohort is a subquery: no child's id is held
in Python and the number of queries does not grow with the cohort.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Q, QuerySet

from records import spans
from records.calendar import latest_born_for_age
from records.codes.census import SenProvision
from records.models import Characteristics, Child, Enrolment, LegalStatusEpisode
from sharing.models import RestrictionKind, Scope, SharingAgreement, SharingRestriction, Statute

# Young people are of post-16 age from the start of the school year after their 16th
# birthday: their age on 31 August before the day is 16 or more.
POST_16_AGE = 16
# Youth support services (Education Act 1996, s507B) are for young people aged 13 to 19, and
# to 25 for those with an EHC plan (issue 13: "13 to 19, or to 25 with an EHC plan"): to a
# child with an EHC plan, an agreement under s507B's maximum age is this instead, up to their
# 25th birthday.
EHC_PLAN_MAX_AGE = 24


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
    """Whether the s507B rule raises the agreement's maximum age for a child with an EHC plan."""
    return (
        Statute.EA1996_S507B in agreement.statutes
        and agreement.max_age is not None
        and agreement.max_age < EHC_PLAN_MAX_AGE
    )


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
                date_of_birth__gt=latest_born_for_age(EHC_PLAN_MAX_AGE + 1, on),
            )
        condition &= young_enough
    if agreement.scope == Scope.POST_16:
        start = _school_year_start(on)
        condition &= Q(date_of_birth__lte=latest_born_for_age(POST_16_AGE, start))
    return condition


def cohort(agreement: SharingAgreement, on: datetime.date) -> Cohort:
    """The children `agreement` covers on `on`, with the rules applied and those it cannot
    apply yet, in words for the preview. Lazy: no query until the caller reads it."""
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
        result.not_applied.append(
            "Children the authority is responsible for or who are placed in its area: the "
            "record does not yet hold the responsible authority or the placement's area, so "
            "the count is of every child the legal statuses and ages cover"
        )
    elif agreement.scope == Scope.POST_16:
        result.not_applied.append(
            "Children enrolled with the provider: the record does not yet hold post-16 "
            "enrolments by provider, so only children of post-16 age are counted"
        )
    restricted = SharingRestriction.objects.filter(
        child=OuterRef("pk"),
        kind=RestrictionKind.DO_NOT_SHARE,
        recipient_type=organisation.type,
    )
    result.applied.append(
        f"Not children with a 'do not share with' restriction for "
        f"{organisation.get_type_display().lower()}s"
    )
    children = children.exclude(Exists(restricted)).filter(_age_q(agreement, on))
    if agreement.min_age is not None or agreement.max_age is not None:
        low = agreement.min_age if agreement.min_age is not None else 0
        high = f"to {agreement.max_age}" if agreement.max_age is not None else "and over"
        result.applied.append(f"Aged {low} {high} on the day")
    if ehc_plan_extends(agreement):
        result.applied.append(
            f"Or aged up to {EHC_PLAN_MAX_AGE} with an EHC plan (Education Act 1996, section "
            "507B), as the record holds the plan now"
        )
    if agreement.scope == Scope.POST_16:
        result.applied.append("Of post-16 age: 16 or over on 31 August before the day")
    result.children = children
    return result
