"""The Behaviour tab: suspensions and permanent exclusions, and alternative provision."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet

from records.codes.exclusions import MAX_REASONS, REASON_CHOICES, ExclusionCategory
from records.forms import record_form
from records.models import AlternativeProvision, Child, Exclusion, School
from records.sections.base import Column, Section, Tab, attr
from records.sections.schools import ChildSchoolsForm, SchoolChoiceField
from records.services import behaviour as services

REASON_MEANINGS = dict(REASON_CHOICES)


_exclusion_form = record_form(
    Exclusion,
    ["school", "category", "start_date", "sessions", "reasons", "outcome"],
    school=SchoolChoiceField(
        label="School",
        queryset=School.objects.none(),
        empty_label="Choose a school",
        help_text=(
            "The school that suspended or excluded the child. Type part of its name or its DfE "
            "URN; the child's own schools are listed first"
        ),
        error_messages={
            "required": "Choose the school",
            "invalid_choice": "Choose a school from the list",
        },
    ),
    sessions=forms.IntegerField(
        label="Length in sessions (suspensions only)",
        required=False,
        help_text=(
            "A school day is 2 sessions; a lunchtime suspension is 1 session for each "
            "lunchtime. Leave blank for a permanent exclusion"
        ),
        # GOV.UK asks for a text input with inputmode="numeric", not type="number" (which
        # changes the value on a scroll and is read out badly by some screen readers).
        widget=forms.TextInput(
            attrs={"class": "govuk-input--width-3", "inputmode": "numeric", "spellcheck": "false"}
        ),
        error_messages={"invalid": "Enter the number of sessions as a whole number, like 4"},
    ),
    reasons=forms.MultipleChoiceField(
        label="Reasons",
        choices=REASON_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        help_text=f"Select up to {MAX_REASONS}, as the school gave them",
        error_messages={
            "required": f"Select at least one reason (up to {MAX_REASONS})",
            "invalid_choice": "Select reasons from the list",
        },
    ),
)


class ExclusionForm(ChildSchoolsForm, _exclusion_form):
    # The length shows under the two kinds of suspension, never under a permanent exclusion
    # (GOV.UK's conditional reveal, virtualschool.forms.Reveal; issue 16).
    reveals = {
        "category": {
            ExclusionCategory.SUSPENSION: ("sessions",),
            ExclusionCategory.LUNCHTIME: ("sessions",),
        }
    }


EXCLUSION_FORM = ExclusionForm


EXCLUSION_FORM.base_fields["category"].label = "Type"
EXCLUSION_FORM.base_fields["category"].error_messages["required"] = (
    "Select whether it is a suspension or a permanent exclusion"
)


def _exclusions(child: Child, user: Any) -> QuerySet[Exclusion]:
    return (
        Exclusion.objects.filter(child=child)
        .select_related("school")
        .order_by("-start_date", "-id")
    )


def _school(row: Exclusion) -> str:
    return row.school.name


def _length(row: Exclusion) -> str:
    if row.category == ExclusionCategory.PERMANENT or row.sessions is None:
        return ""
    if row.category == ExclusionCategory.LUNCHTIME:
        return f"{row.sessions} lunchtime{'s' if row.sessions != 1 else ''}"
    days = row.sessions / 2
    shown_days = f"{days:g} day{'s' if days != 1 else ''}"
    return f"{row.sessions} session{'s' if row.sessions != 1 else ''} ({shown_days})"


def _reasons(row: Exclusion) -> str:
    return "\n".join(REASON_MEANINGS.get(code, code) for code in row.reasons)


EXCLUSIONS = Section(
    slug="exclusions",
    title="Suspensions and exclusions",
    item_name="suspension or exclusion",
    model=Exclusion,
    form_class=EXCLUSION_FORM,
    create=services.exclusion_record,
    update=services.exclusion_update,
    columns=(
        Column("Start", attr("start_date")),
        Column("Type", attr("category")),
        Column("School", _school, fields=("school",)),
        Column("Length", _length, fields=("category", "sessions")),
        Column("Reasons", _reasons, fields=("reasons",)),
        Column("Outcome", attr("outcome")),
    ),
    rows=_exclusions,
    notice=services.exclusion_school_notice,
    form_takes_child=True,
)

PROVISION_FORM = record_form(
    AlternativeProvision,
    ["provider", "start_date", "end_date", "hours_per_week", "reason"],
    hours_per_week=forms.DecimalField(
        label="Hours a week",
        max_digits=4,
        decimal_places=1,
        help_text=f"More than 0 and at most {services.MAX_AP_HOURS}, for example 12.5",
        widget=forms.TextInput(attrs={"class": "govuk-input--width-4", "inputmode": "decimal"}),
        error_messages={
            "required": "Enter the number of hours a week",
            "invalid": "Enter the number of hours a week as a number, for example 12.5",
        },
    ),
    reason=forms.CharField(
        label="Reason",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Why the child attends alternative provision",
        error_messages={"required": "Enter the reason for the placement"},
    ),
)
PROVISION_FORM.base_fields[
    "end_date"
].help_text = "The date it ended, or is planned to end. For example, 27 3 2024"

PROVISION = Section(
    slug="alternative-provision",
    title="Alternative provision",
    item_name="placement in alternative provision",
    model=AlternativeProvision,
    form_class=PROVISION_FORM,
    create=services.alternative_provision_record,
    update=services.alternative_provision_update,
    columns=(
        Column("Provider", attr("provider")),
        Column("From", attr("start_date")),
        Column("To", attr("end_date")),
        Column("Hours a week", attr("hours_per_week"), numeric=True),
        Column("Reason", attr("reason")),
    ),
)

TAB = Tab(
    slug="behaviour",
    title="Behaviour",
    sections=(EXCLUSIONS, PROVISION),
)
