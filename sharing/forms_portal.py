"""The designated teachers' portal's PEP forms (issue 15): shape only. The rules (owners,
workflow, dates, every error at once) are records.services.pep's, so a missing target or
date is the service's message, shown in the GOV.UK error summary and beside its field."""

from __future__ import annotations

from django import forms

from records.forms import RecordForm, VersionForm, record_form
from records.models import Pep, PepTarget
from records.models.pep import TargetReview
from sharing.portal import TARGET_FIELDS, TEACHER_SECTIONS
from virtualschool.forms import GovukDateField

# The teacher's sections written on the plan's own fields (targets have a form of their own).
SECTION_FORMS: dict[str, type[RecordForm]] = {
    section.slug: record_form(Pep, list(section.fields))
    for section in TEACHER_SECTIONS
    if section.fields
}

# Every field optional here: the service names each one missing, all at once.
PortalTargetForm = record_form(
    PepTarget,
    list(TARGET_FIELDS),
    target=forms.CharField(label="Target", required=False, widget=forms.Textarea),
    owner=forms.CharField(label="Who is responsible", required=False, max_length=200),
    due_by=GovukDateField(label="By when", required=False, help_text="For example, 27 3 2026"),
)


class PortalReviewForm(forms.Form):
    target = forms.IntegerField(widget=forms.HiddenInput)
    review = forms.ChoiceField(
        label="Was it met?",
        choices=TargetReview.choices,
        widget=forms.RadioSelect(attrs={"class": "govuk-radios--inline"}),
        error_messages={"required": "Select met, partly met or not met"},
    )


class PortalSubmitForm(VersionForm):
    pass
