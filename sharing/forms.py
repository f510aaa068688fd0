"""The sharing pages' forms: the shape of input only (a date is a date, a number a number);
sharing.services holds every rule, and the views show its refusals beside these forms'."""

from __future__ import annotations

from typing import Any

from django import forms

from records.categories import DataCategory
from records.codes import Cohort
from sharing.models import (
    Article9Condition,
    IdentifierKind,
    LawfulBasis,
    Mode,
    RecipientType,
    RequestedBy,
    RestrictionKind,
    Scope,
    Statute,
)
from sharing.selectors import DisclosureFilters
from staff.forms import PersonForm
from virtualschool.forms import GovukDateField

NUMBER = {"invalid": "Enter a whole number, like 12"}


class OrganisationForm(forms.Form):
    name = forms.CharField(label="Name", max_length=200, required=False)
    type = forms.ChoiceField(
        label="Type of organisation",
        choices=RecipientType.choices,
        widget=forms.RadioSelect,
        required=False,
        error_messages={"invalid_choice": "Choose the type of organisation"},
    )
    identifier_kind = forms.ChoiceField(
        label="Identifier",
        choices=[("", "None (the Department for Education)"), *IdentifierKind.choices],
        widget=forms.RadioSelect,
        required=False,
        help_text="A school's URN, a provider's UKPRN, an authority's LA code or an NHS ODS code",
    )
    identifier = forms.CharField(label="Identifier value", max_length=10, required=False)
    ons_code = forms.CharField(
        label="ONS code (optional)",
        max_length=9,
        required=False,
        help_text=(
            "Another local authority's 9-character ONS code, like E09000033. The SSDA903 "
            "return may name the area a child is placed in by this code instead of the LA code"
        ),
    )
    contact_name = forms.CharField(label="Contact's name", max_length=200, required=False)
    contact_email = forms.CharField(
        label="Contact's email address",
        max_length=254,
        required=False,
        widget=forms.EmailInput(attrs={"spellcheck": "false"}),
    )
    contact_phone = forms.CharField(
        label="Contact's phone number (optional)", max_length=30, required=False
    )


class MemberAddForm(PersonForm):
    """A recipient user of an organisation: the person's fields, as for staff."""


class AgreementForm(forms.Form):
    name = forms.CharField(label="Name of the agreement", max_length=200, required=False)
    organisation = forms.ModelChoiceField(
        label="Recipient organisation",
        queryset=None,
        required=False,
        error_messages={"invalid_choice": "Choose the recipient organisation from the list"},
    )
    purpose = forms.CharField(label="Purpose", widget=forms.Textarea, required=False)
    lawful_basis = forms.ChoiceField(
        label="Lawful basis (UK GDPR Article 6)",
        choices=LawfulBasis.choices,
        widget=forms.RadioSelect,
        required=False,
    )
    article9_condition = forms.ChoiceField(
        label="Article 9 condition",
        choices=[("", "None: no special category data is released"), *Article9Condition.choices],
        widget=forms.RadioSelect,
        required=False,
        help_text="Needed when health, characteristics, safeguarding, family or criminal "
        "information is released",
    )
    statutes = forms.MultipleChoiceField(
        label="Statutes",
        choices=Statute.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    categories = forms.MultipleChoiceField(
        label="Data categories released",
        choices=DataCategory.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="From the data map: what we hold, by category",
    )
    legal_statuses = forms.MultipleChoiceField(
        label="Legal statuses covered",
        choices=Cohort.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    min_age = forms.IntegerField(
        label="Minimum age on the day of disclosure (optional)",
        required=False,
        error_messages=NUMBER,
        widget=forms.NumberInput(attrs={"class": "govuk-input--width-3"}),
    )
    max_age = forms.IntegerField(
        label="Maximum age on the day of disclosure (optional)",
        required=False,
        error_messages=NUMBER,
        widget=forms.NumberInput(attrs={"class": "govuk-input--width-3"}),
    )
    ehc_plan_until_age = forms.IntegerField(
        label="With an EHC plan, included until this birthday (optional)",
        required=False,
        error_messages=NUMBER,
        help_text="Past the maximum age: 25 for youth support services (Education Act 1996 "
        "s507B, under 25 with an EHC plan)",
        widget=forms.NumberInput(attrs={"class": "govuk-input--width-3"}),
    )
    scope = forms.ChoiceField(
        label="Which children the recipient sees",
        choices=Scope.choices,
        widget=forms.RadioSelect,
        required=False,
    )
    include_all_post_16_age = forms.BooleanField(
        label="A post-16 provider also sees every child of post-16 age, not only those "
        "enrolled with it",
        required=False,
    )
    mode = forms.ChoiceField(
        label="Mode", choices=Mode.choices, widget=forms.RadioSelect, required=False
    )
    retention_months = forms.IntegerField(
        label="How many months the recipient may keep the data",
        required=False,
        error_messages=NUMBER,
        widget=forms.NumberInput(attrs={"class": "govuk-input--width-4"}),
    )
    dpia_reference = forms.CharField(label="DPIA reference", max_length=100, required=False)
    valid_from = GovukDateField(label="Start date", required=False)
    valid_to = GovukDateField(label="End date", required=False)
    review_date = GovukDateField(label="Review date", required=False)

    def __init__(self, *args, organisations, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations


class SuspendForm(forms.Form):
    reason = forms.CharField(label="Why is it suspended?", widget=forms.Textarea, required=False)


# The DfE's model privacy notice for local authorities ("Data protection: privacy notice model
# documents", gov.uk, section "Youth support services"): for young people from 13, the
# authority passes information to youth support services under the Education Act 1996
# s507B; a parent can object to anything beyond the child's name, address and date of birth
# being passed, and that right passes to the young person at 16.
NAD_ONLY_HINT = (
    "The DfE's model privacy notice: a parent or guardian can ask that only their child's "
    "name, address and date of birth are passed to youth support services; the right "
    "passes to the young person at 16."
)


class RestrictionForm(forms.Form):
    kind = forms.ChoiceField(
        label="Restriction",
        choices=RestrictionKind.choices,
        widget=forms.RadioSelect,
        required=False,
        help_text=NAD_ONLY_HINT,
        error_messages={"invalid_choice": "Choose the kind of restriction"},
    )
    recipient_type = forms.ChoiceField(
        label='Type of recipient not to share with (for "Do not share with")',
        choices=[("", "Choose a type of recipient"), *RecipientType.choices],
        required=False,
        error_messages={"invalid_choice": "Choose the type of recipient not to share with"},
    )
    requested_by = forms.ChoiceField(
        label="Who asked for it?",
        choices=RequestedBy.choices,
        widget=forms.RadioSelect,
        required=False,
        error_messages={"invalid_choice": "Choose who asked for the restriction"},
    )
    reason = forms.CharField(label="Reason", widget=forms.Textarea, required=False)


class RestrictionRemoveForm(forms.Form):
    reason = forms.CharField(
        label="Why is the restriction removed?", widget=forms.Textarea, required=False
    )


class ActionForm(forms.Form):
    """A button on an agreement's page: no fields, only somewhere to show a refusal."""


class DisclosureSearchForm(forms.Form):
    agreement = forms.TypedChoiceField(required=False, coerce=int, empty_value=None)
    date_from = forms.DateField(label="Released from (YYYY-MM-DD)", required=False)
    date_to = forms.DateField(label="Released to (YYYY-MM-DD)", required=False)
    child = forms.UUIDField(
        label="Child's ID",
        required=False,
        error_messages={"invalid": "Enter the child's ID as shown in their record's address"},
    )

    def __init__(self, *args: Any, agreements: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agreement"].choices = [("", "Any agreement")] + [
            (agreement.pk, f"{agreement.name} ({agreement.organisation.name})")
            for agreement in agreements
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", "The end date must be on or after the start date")
        return cleaned

    def filters(self) -> DisclosureFilters:
        return DisclosureFilters(
            agreement=self.cleaned_data.get("agreement"),
            date_from=self.cleaned_data.get("date_from"),
            date_to=self.cleaned_data.get("date_to"),
            child=self.cleaned_data.get("child"),
        )


class TokenForm(forms.Form):
    """A machine client's token: its name and the last day it works (sharing.services
    .token_check holds the limits)."""

    name = forms.CharField(
        label="Name of the token",
        help_text="The system that will use it, such as \u201cYouth support CRM\u201d",
        max_length=200,
        required=False,
    )
    expires_on = GovukDateField(
        label="Expiry date",
        help_text="It works to the end of this day, at most a year and a day from today",
        required=False,
    )


class ExtractForm(forms.Form):
    # Text, not a choice: sharing.extracts.extract_request refuses an unknown format together
    # with every other reason, so the page shows them all at once.
    format = forms.CharField(
        label="Format",
        widget=forms.RadioSelect(choices=[("csv", "CSV"), ("jsonl", "JSON Lines")]),
        required=False,
    )
