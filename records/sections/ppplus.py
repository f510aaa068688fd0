"""Pupil Premium Plus forms: the request made at a plan's page, and the decision and spend
forms of the managers' page. Shape only: records.services.ppplus holds the rules, so an
amount too large or a target missing is the service's message."""

from __future__ import annotations

from django import forms

from records.codes.ppplus import financial_year_label, pp_plus_rates
from records.models import Pep, PepTarget
from virtualschool.forms import GovukDateField


def _money(label: str) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=False,
        max_digits=7,
        decimal_places=2,
        error_messages={"invalid": f"{label} must be an amount of money, like 400 or 62.50"},
        widget=forms.TextInput(attrs={"class": "govuk-input--width-10", "inputmode": "decimal"}),
    )


class PpPlusRequestForm(forms.Form):
    amount = _money("Amount requested (£)")
    targets = forms.TypedMultipleChoiceField(
        label="The targets it is for",
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Select only targets of this plan"},
    )
    purpose = forms.CharField(label="What it is for", required=False, widget=forms.Textarea)

    def __init__(self, *args, plan: Pep, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["targets"].choices = [
            (target.pk, target.target[:80]) for target in PepTarget.objects.filter(plan=plan)
        ]


def request_form_for(plan: Pep) -> type[PpPlusRequestForm]:
    """The request form bound to a plan's targets, built like the plan page's other forms."""

    class PlanRequestForm(PpPlusRequestForm):
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, plan=plan, **kwargs)

    return PlanRequestForm


class DecisionForm(forms.Form):
    request = forms.IntegerField(widget=forms.HiddenInput)
    expected_version = forms.IntegerField(widget=forms.HiddenInput)
    decision = forms.ChoiceField(
        label="Decision",
        choices=[("approve", "Approve"), ("refuse", "Refuse")],
        widget=forms.RadioSelect(attrs={"class": "govuk-radios--inline"}),
        error_messages={"required": "Select approve or refuse"},
    )
    approved_amount = _money("Amount approved (£)")
    refused_reason = forms.CharField(
        label="Reason for refusing", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class SpendForm(forms.Form):
    request = forms.IntegerField(widget=forms.HiddenInput)
    spent_on = GovukDateField(label="Date spent", required=False)
    amount = _money("Amount spent (£)")
    bought = forms.CharField(label="What it bought", required=False)


class PositionFilterForm(forms.Form):
    year = forms.TypedChoiceField(label="Financial year", coerce=int, required=False)
    school = forms.TypedChoiceField(label="School", coerce=int, required=False)

    def __init__(self, *args, schools: list[tuple[str, str]], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [
            (year, financial_year_label(year)) for year in sorted(pp_plus_rates(), reverse=True)
        ]
        self.fields["school"].choices = [("", "All schools"), *schools]
