"""The data-category registry: which category of the privacy notice each personal-data field is in.

Every model that holds a child's data declares, next to its fields, a `data_categories`
attribute built with `declare(...)`: each concrete field is named exactly once, either under
the category it belongs to or under `not_personal` (keys, timestamps, version counters).
Everything that needs to know what a field is reads it from here: sensitive-category access
checks, what a sharing agreement may release, the subject-access export and the retention
cascade. A test fails for any field of such a model that is not declared.

Categories follow the privacy notice's list (DESIGN.md, "What it holds").
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.apps import apps
from django.db import models


class DataCategory(models.TextChoices):
    IDENTITY = "identity", "Identity"
    CONTACT = "contact", "Contact details"
    CHARACTERISTICS = "characteristics", "Characteristics"
    HEALTH = "health", "Health and medical"
    SAFEGUARDING = "safeguarding", "Safeguarding"
    SOCIAL_CARE = "social_care", "Social care"
    ATTENDANCE = "attendance", "Attendance"
    ATTAINMENT = "attainment", "Assessment and attainment"
    BEHAVIOUR = "behaviour", "Behaviour"
    POST_16 = "post_16", "Post-16 education"
    # Personal education plans (DESIGN.md lists "education plans" among the notice's
    # categories; the notice calls it "Education information"): a school may be released it.
    EDUCATION_PLANS = "education_plans", "Education plans"
    HOUSING = "housing", "Housing"
    EMPLOYMENT = "employment", "Employment"
    FAMILY = "family", "Family and relationships"
    CRIMINAL = "criminal", "Criminal and prosecution"
    SUPPORT_NETWORK = "support_network", "Support network"
    REFERRAL = "referral", "Referrals and assessments"
    OTHER_LA = "other_la", "Information from other local authorities"
    OTHER_AGENCIES = "other_agencies", "Other agencies involved"


# Categories that need the extra "sensitive" permission on top of access to the child
# (DESIGN.md, "Access").
SENSITIVE_CATEGORIES: frozenset[DataCategory] = frozenset(
    {
        DataCategory.HEALTH,
        DataCategory.SAFEGUARDING,
        DataCategory.CRIMINAL,
        DataCategory.FAMILY,
    }
)


@dataclass(frozen=True)
class DataCategories:
    """One model's declaration: field name -> category, plus the fields that are not personal.

    `by_row` names fields whose category differs row by row (a note's text is in the category
    the note is filed under): field name -> the name of the field holding that row's category.
    """

    fields: dict[str, DataCategory]
    not_personal: frozenset[str] = field(default_factory=frozenset)
    by_row: dict[str, str] = field(default_factory=dict)

    def category_of(self, field_name: str) -> DataCategory | None:
        return self.fields.get(field_name)

    def fields_in(self, category: DataCategory) -> list[str]:
        return [name for name, cat in self.fields.items() if cat == category]

    @property
    def declared(self) -> frozenset[str]:
        return frozenset(self.fields) | self.not_personal | frozenset(self.by_row)


def declare(
    *,
    not_personal: Iterable[str] = (),
    by_row: dict[str, str] | None = None,
    **by_category: Iterable[str],
) -> DataCategories:
    """Build a model's declaration: `declare(identity=[...], contact=[...], not_personal=[...])`.

    Keyword names are DataCategory values; a field named twice is an error.
    """
    fields: dict[str, DataCategory] = {}
    for category_name, names in by_category.items():
        category = DataCategory(category_name)
        for name in names:
            if name in fields:
                raise ValueError(f"{name} is declared in two data categories.")
            fields[name] = category
    not_personal = frozenset(not_personal)
    both = not_personal & set(fields)
    if both:
        raise ValueError(f"{', '.join(sorted(both))} declared both personal and not personal.")
    by_row = dict(by_row or {})
    clash = set(by_row) & (set(fields) | not_personal)
    if clash:
        raise ValueError(f"{', '.join(sorted(clash))} declared both by row and by field.")
    return DataCategories(fields=fields, not_personal=not_personal, by_row=by_row)


def declared_models() -> Iterator[type[models.Model]]:
    """Every installed model that declares data categories."""
    for model in apps.get_models():
        if isinstance(getattr(model, "data_categories", None), DataCategories):
            yield model


def fields_in_category(category: DataCategory) -> list[tuple[type[models.Model], str]]:
    """(model, field name) for every declared field of the category, across the project."""
    return [
        (model, name)
        for model in declared_models()
        for name in model.data_categories.fields_in(category)
    ]
