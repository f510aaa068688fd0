"""The privacy notice (/privacy/), written by the service from what it does (issue 14; DESIGN.md,
"What the privacy notice promises, published by the system itself").

Three of its parts are read, never written by hand, so the notice cannot drift from the code:

- **what we hold**: every data category a field of the data map (records.datamap.DATA_MAP) is
  in, with the kinds of record that hold it; a new field in a new category shows here;
- **who we share with**: every sharing agreement in force today (sharing.selectors.
  agreements_active: approved, not suspended, in date), by recipient type: the organisation,
  what for, the UK GDPR Article 6 basis, the Article 9 condition, the statutes, what it
  receives and how long it may keep it; a draft, a suspended or an expired agreement is not
  listed;
- **how long we keep it**: every retention rule (retention.models.RetentionRule), as Admins
  set it.

The rest (who the authority is, its own lawful basis, the rights people have, the contact) is
the fixed frame of an authority's published notice, with the controller and contact from
settings. It names no child and reads no child's row: two queries (rules, agreements) whatever
is held.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings

from records.categories import SENSITIVE_CATEGORIES, DataCategory
from records.codes import Cohort
from records.datamap import DATA_MAP, DataMap
from retention.models import RetentionRule
from sharing.cohort import ehc_plan_oldest_age
from sharing.models import (
    Article9Condition,
    LawfulBasis,
    Mode,
    RecipientType,
    SharingAgreement,
    Statute,
)
from sharing.selectors import agreements_active

# The authority's own processing, for the notice's "why" section: the virtual school head's
# duty to promote the education of looked-after children (Children Act 1989 s22(3A)-(3C), the
# last two inserted by the Children and Families Act 2014 s99), to give information and advice
# about previously looked-after children (Children Act 1989 s23ZZA, inserted by the Children
# and Social Work Act 2017 s4), and the authority's duties to children in need and on a child
# protection plan (Children Act 1989 ss17, 47). A task in the public interest set in law
# (Article 6(1)(e)); special category data under substantial public interest and social care
# (Article 9(2)(g), (h)).
OWN_LAWFUL_BASES: tuple[LawfulBasis, ...] = (LawfulBasis.PUBLIC_TASK, LawfulBasis.LEGAL_OBLIGATION)
OWN_ARTICLE9_CONDITIONS: tuple[Article9Condition, ...] = (
    Article9Condition.SUBSTANTIAL_PUBLIC_INTEREST,
    Article9Condition.HEALTH_OR_SOCIAL_CARE,
)
OWN_STATUTES: tuple[Statute, ...] = (
    Statute.CA1989,
    Statute.CA2004,
    Statute.CFA2014,
    Statute.CSWA2017,
    Statute.CPPCR2010,
)


@dataclass(frozen=True)
class HeldCategory:
    """One category of the privacy notice's list that the service holds something in."""

    category: DataCategory
    # Sensitive (records.categories.SENSITIVE_CATEGORIES): seen only by staff given the
    # sensitive permission.
    sensitive: bool
    # The kinds of record holding it (the mapped models' names), in the map's order.
    kinds: tuple[str, ...]


@dataclass(frozen=True)
class Flow:
    """One agreement in force: what the notice says of it (never its contact or tokens)."""

    organisation: str
    purpose: str
    lawful_basis: str
    article9_condition: str
    statutes: tuple[str, ...]
    categories: tuple[str, ...]
    legal_statuses: tuple[str, ...]
    ages: str
    mode: str
    identifies_no_child: bool
    retention_months: int


@dataclass(frozen=True)
class RecipientGroup:
    recipient_type: RecipientType
    flows: tuple[Flow, ...]


@dataclass(frozen=True)
class KeptFor:
    """One retention rule, in words."""

    cohort: str
    period: str
    basis: str
    legal_minimum: str


@dataclass(frozen=True)
class PrivacyNotice:
    on: datetime.date
    controller: str
    contact_email: str
    service_name: str
    cohorts: tuple[str, ...]
    held: tuple[HeldCategory, ...]
    own_lawful_bases: tuple[str, ...]
    own_article9_conditions: tuple[str, ...]
    own_statutes: tuple[str, ...]
    # Every basis and statute the flows in force rest on, for the "why" section.
    sharing_lawful_bases: tuple[str, ...]
    sharing_article9_conditions: tuple[str, ...]
    shared_with: tuple[RecipientGroup, ...]
    kept_for: tuple[KeptFor, ...]
    # Whether youth support services receive data today: then a parent, or the young person
    # from 16, may ask that only the name, address and date of birth go to them (Education
    # Act 1996 s507B; the DfE's model privacy notice for local authorities).
    shares_with_youth_support: bool


def held_categories(data_map: DataMap = DATA_MAP) -> tuple[HeldCategory, ...]:
    """Each category some mapped field may hold, in the privacy notice's order, with the
    kinds of record that hold it. Copies (an audit entry's old values) add no category of
    their own: they are of the field they copy."""
    kinds: dict[DataCategory, list[str]] = {}
    for entry in data_map:
        label = str(entry.model._meta.verbose_name)
        label = label[:1].upper() + label[1:]
        for category in entry.categories:
            names = kinds.setdefault(category, [])
            if label not in names:
                names.append(label)
    return tuple(
        HeldCategory(
            category=category,
            sensitive=category in SENSITIVE_CATEGORIES,
            kinds=tuple(kinds[category]),
        )
        for category in DataCategory
        if category in kinds
    )


def _ages(agreement: SharingAgreement) -> str:
    low, high = agreement.min_age, agreement.max_age
    if low is not None and high is not None:
        ages = f"aged {low} to {high}"
    elif low is not None:
        ages = f"aged {low} and over"
    elif high is not None:
        ages = f"aged up to {high}"
    else:
        ages = "of any age"
    oldest = ehc_plan_oldest_age(agreement)
    if oldest is not None:
        ages += f" (or up to {oldest} with an EHC plan)"
    return ages


def _flow(agreement: SharingAgreement) -> Flow:
    statistics = agreement.mode == Mode.STATISTICS
    return Flow(
        organisation=agreement.organisation.name,
        purpose=agreement.purpose,
        lawful_basis=agreement.get_lawful_basis_display(),
        article9_condition=agreement.get_article9_condition_display(),
        statutes=tuple(agreement.get_statutes_labels()),
        categories=tuple(agreement.get_categories_labels()),
        legal_statuses=tuple(agreement.get_legal_statuses_labels()),
        ages=_ages(agreement),
        mode=agreement.get_mode_display(),
        identifies_no_child=statistics,
        retention_months=agreement.retention_months,
    )


def _in_order(labels: set[str], choices: type) -> tuple[str, ...]:
    return tuple(label for label in choices.labels if label in labels)


def privacy_notice(*, on: datetime.date, data_map: DataMap = DATA_MAP) -> PrivacyNotice:
    """The notice as the service stands on `on` (a Europe/London date): two queries."""
    agreements = list(
        agreements_active(on=on)
        .select_related("organisation")
        .order_by("organisation__type", "organisation__name", "name", "pk")
    )
    groups = [
        RecipientGroup(
            recipient_type=recipient_type,
            flows=tuple(
                _flow(agreement)
                for agreement in agreements
                if agreement.organisation.type == recipient_type
            ),
        )
        for recipient_type in RecipientType
    ]
    rules = RetentionRule.objects.order_by("cohort")
    return PrivacyNotice(
        on=on,
        controller=settings.PRIVACY_CONTROLLER,
        contact_email=settings.PRIVACY_CONTACT_EMAIL,
        service_name=settings.SERVICE_NAME,
        cohorts=tuple(Cohort.labels),
        held=held_categories(data_map),
        own_lawful_bases=tuple(basis.label for basis in OWN_LAWFUL_BASES),
        own_article9_conditions=tuple(condition.label for condition in OWN_ARTICLE9_CONDITIONS),
        own_statutes=tuple(statute.label for statute in OWN_STATUTES),
        sharing_lawful_bases=_in_order(
            {flow.lawful_basis for group in groups for flow in group.flows}, LawfulBasis
        ),
        sharing_article9_conditions=_in_order(
            {flow.article9_condition for group in groups for flow in group.flows},
            Article9Condition,
        ),
        shared_with=tuple(group for group in groups if group.flows),
        kept_for=tuple(
            KeptFor(
                cohort=rule.get_cohort_display(),
                period=f"{rule.years} years after {rule.get_counts_from_display()}",
                basis=rule.basis,
                legal_minimum=rule.legal_minimum,
            )
            for rule in rules
        ),
        shares_with_youth_support=any(
            agreement.organisation.type == RecipientType.YOUTH_SUPPORT for agreement in agreements
        ),
    )
