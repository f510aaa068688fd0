"""Forms for the child record's pages. They check shape only; services hold the rules."""

from __future__ import annotations

from django import forms

from records.codes import Cohort, Gender, LegalStatus, PlacRoute
from virtualschool.forms import GovukDateField


class ChildForm(forms.Form):
    first_name = forms.CharField(
        max_length=100, error_messages={"required": "Enter the child's first name"}
    )
    last_name = forms.CharField(
        max_length=100, error_messages={"required": "Enter the child's last name"}
    )
    date_of_birth = GovukDateField(
        label="Date of birth",
        help_text="For example, 27 3 2015",
        error_messages={"required": "Enter the child's date of birth"},
    )
    gender = forms.ChoiceField(
        choices=Gender.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the child's gender"},
    )
    upn = forms.CharField(
        label="UPN (optional)",
        max_length=20,
        required=False,
        help_text="Unique Pupil Number: 13 characters, for example B801200005001",
        widget=forms.TextInput(
            attrs={"class": "govuk-input--width-20", "spellcheck": "false", "autocomplete": "off"}
        ),
    )
    address_line_1 = forms.CharField(
        label="Address line 1 (optional)", max_length=200, required=False
    )
    address_line_2 = forms.CharField(
        label="Address line 2 (optional)", max_length=200, required=False
    )
    town = forms.CharField(
        label="Town or city (optional)",
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"class": "govuk-!-width-two-thirds"}),
    )
    postcode = forms.CharField(
        label="Postcode (optional)",
        max_length=10,
        required=False,
        widget=forms.TextInput(attrs={"class": "govuk-input--width-10", "autocomplete": "off"}),
    )


def _blank_first(choices: list[tuple[str, str]], label: str) -> list[tuple[str, str]]:
    return [("", label), *choices]


class EpisodeForm(forms.Form):
    cohort = forms.ChoiceField(
        label="Status",
        choices=Cohort.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the child's status"},
    )
    legal_status = forms.ChoiceField(
        label="Legal status (looked-after children)",
        choices=_blank_first(LegalStatus.choices, "Not looked after"),
        required=False,
        help_text="The SSDA903 legal status code",
    )
    plac_route = forms.ChoiceField(
        label="Route out of care (previously looked-after children)",
        choices=_blank_first(PlacRoute.choices, "Not previously looked after"),
        required=False,
    )
    start_date = GovukDateField(
        label="Start date", error_messages={"required": "Enter the date the status started"}
    )
    end_date = GovukDateField(label="End date (optional)", required=False)
    closure_date = GovukDateField(
        label="Case closure date (children in need, optional)",
        required=False,
        help_text="The date the child-in-need case was closed",
    )


class AllocationForm(forms.Form):
    caseworker = forms.ModelChoiceField(
        queryset=None,
        empty_label="Choose a caseworker",
        error_messages={
            "required": "Choose a caseworker",
            "invalid_choice": "Choose a caseworker from the list",
        },
    )
    start_date = GovukDateField(
        label="Start date (optional)",
        required=False,
        help_text="Leave blank to start today",
    )

    def __init__(self, *args, caseworkers, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["caseworker"].queryset = caseworkers
        self.fields["caseworker"].label_from_instance = lambda user: (
            user.get_full_name() or user.get_username()
        )


class SearchForm(forms.Form):
    q = forms.CharField(
        label="Search by name or UPN",
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"class": "govuk-input--width-20", "autocomplete": "off"}),
    )
