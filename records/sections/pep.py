"""The PEP tab: every personal education plan of the child, and the forms of a plan's page.

The tab has a page of its own (records/pep/tab.html, filled by records.selectors.pep); a
plan's page is records/views/pep.py. Forms check shape only: records.services.pep holds the
rules (owners, workflow, dates), so a missing target date is the service's message too.
"""

from __future__ import annotations

from django import forms

from records.forms import RecordForm, VersionForm, record_form
from records.models import Pep, PepTarget
from records.models.pep import PEP_SECTIONS, QaRating, TargetReview
from records.sections.base import Tab
from records.selectors.pep import pep_tab_context
from records.selectors.ppplus import ppplus_for_child
from virtualschool.forms import GovukDateField

TAB = Tab(
    slug="pep",
    title="PEP",
    template="records/pep/tab.html",
    context=lambda *, child, user: {
        **pep_tab_context(child=child, user=user),
        "pp_plus": ppplus_for_child(child=child),
    },
    description=(
        "Personal education plans: one a term for every child in care, written with the "
        "designated teacher and the social worker."
    ),
)

DetailsForm = record_form(Pep, ["kind", "meeting_date", "participants"])
DetailsForm.base_fields["kind"].label = "Kind of plan"

# One form per section written on the plan's own fields (targets and QA have their own).
SECTION_FORMS: dict[str, type[RecordForm]] = {
    section.slug: record_form(Pep, list(section.fields))
    for section in PEP_SECTIONS
    if section.slug not in {"targets", "qa"}
}

TargetForm = record_form(
    PepTarget,
    ["target", "actions", "owner", "due_by", "success_measure", "pp_plus_amount"],
    owner=forms.CharField(label="Who is responsible", required=False, max_length=200),
    due_by=GovukDateField(label="By when", required=False, help_text="For example, 27 3 2026"),
    target=forms.CharField(label="Target", required=False, widget=forms.Textarea),
)


class ReviewForm(forms.Form):
    target = forms.IntegerField(widget=forms.HiddenInput)
    review = forms.ChoiceField(
        label="Review",
        choices=TargetReview.choices,
        widget=forms.RadioSelect(attrs={"class": "govuk-radios--inline"}),
        error_messages={"required": "Select met, partly met or not met"},
    )


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
