"""The personal education plan's forms, shared by the caseworkers' plan page
(records/views/pep.py) and the designated teachers' portal (sharing/views_portal.py), which
may import this module but not records.sections or records.views (import-linter contract
`record-pages`). Forms check shape only: records.services.pep holds the rules (owners,
workflow, dates), so a missing target date is the service's message, on either page.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms

from records.forms import RecordForm, VersionForm, record_form
from records.models import Pep, PepTarget
from records.models.pep import PEP_SECTIONS, QaRating, TargetReview
from virtualschool.forms import GovukDateField

DetailsForm = record_form(Pep, ["kind", "meeting_date", "participants"])
DetailsForm.base_fields["kind"].label = "Kind of plan"

# One form per section written on the plan's own fields (targets and QA have their own).
SECTION_FORMS: dict[str, type[RecordForm]] = {
    section.slug: record_form(Pep, list(section.fields))
    for section in PEP_SECTIONS
    if section.slug not in {"targets", "qa"}
}

TARGET_FIELDS = ("target", "actions", "owner", "due_by", "success_measure", "pp_plus_amount")

# Every field optional here: the service names each one missing, all at once.
TargetForm = record_form(
    PepTarget,
    list(TARGET_FIELDS),
    target=forms.CharField(label="Target", required=False, widget=forms.Textarea),
    owner=forms.CharField(label="Who is responsible", required=False, max_length=200),
    due_by=GovukDateField(label="By when", required=False, help_text="For example, 27 3 2026"),
)


class ReviewForm(forms.Form):
    target = forms.IntegerField(widget=forms.HiddenInput)
    review = forms.ChoiceField(
        label="Was it met?",
        choices=TargetReview.choices,
        widget=forms.RadioSelect(attrs={"class": "govuk-radios--inline"}),
        error_messages={"required": "Select met, partly met or not met"},
    )


REVIEW_CHOICES = ReviewForm.base_fields["review"].choices


class SubmitForm(VersionForm):
    pass


class CompleteForm(VersionForm):
    pass


class ReturnForm(VersionForm):
    returned_reason = forms.CharField(
        label="Reason for returning", required=False, widget=forms.Textarea
    )


class QaForm(VersionForm):
    qa_rating = forms.ChoiceField(
        label="QA rating",
        choices=QaRating.choices,
        required=False,
        widget=forms.RadioSelect(attrs={"class": "govuk-radios--inline"}),
    )
    qa_feedback = forms.CharField(label="QA feedback", required=False, widget=forms.Textarea)


def plan_forms(
    plan: Pep,
    specs: Mapping[str, tuple[type[forms.Form], Mapping[str, Any]]],
    *,
    sections: Mapping[str, type[RecordForm]],
    data: Any = None,
    posted: str = "",
) -> dict[str, forms.Form]:
    """Every form of a plan's page, by key: the one posted bound to the request's data, the
    others with their initial values; a section's form starts from the plan's fields."""

    def bind(key: str, form_class: type[forms.Form], initial: Mapping[str, Any]) -> forms.Form:
        if key == posted:
            return form_class(data, prefix=key)
        return form_class(initial=initial, prefix=key)

    built = {key: bind(key, form_class, initial) for key, (form_class, initial) in specs.items()}
    for slug, form_class in sections.items():
        initial = {name: getattr(plan, name) for name in form_class.base_fields}
        built[f"section-{slug}"] = bind(f"section-{slug}", form_class, initial)
    return built


def posted_version(data: Mapping[str, Any]) -> int:
    """The plan's version a section's form was read at; 0, refused by the optimistic lock as a
    stale page, when it is not a number."""
    try:
        return int(data.get("expected_version", ""))
    except ValueError:
        return 0
