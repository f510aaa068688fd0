"""The retention pages' forms: the shape of input only; retention.services holds every rule."""

from __future__ import annotations

from django import forms

from records.codes import Cohort
from virtualschool.forms import GovukDateField

NUMBER = {"invalid": "Enter a whole number of years, like 10"}


class RuleForm(forms.Form):
    cohort = forms.ChoiceField(
        label="Rule",
        choices=Cohort.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the rule to change"},
    )
    years = forms.IntegerField(
        label="Years kept", error_messages={**NUMBER, "required": "Enter the years kept"}
    )
    basis = forms.CharField(label="Basis", widget=forms.Textarea, required=False)
    source = forms.CharField(label="Source", required=False)


class HoldForm(forms.Form):
    child = forms.UUIDField(
        label="Child's record id",
        error_messages={"required": "Enter the child's record id", "invalid": "Enter a record id"},
    )
    reason = forms.CharField(label="Reason", widget=forms.Textarea, required=False)
    until = GovukDateField(label="Until (leave empty for no end date)", required=False)


class LiftForm(forms.Form):
    hold = forms.IntegerField(error_messages={"required": "Choose the hold to lift"})
    reason = forms.CharField(label="Why the hold is lifted", required=False)


class ProposeForm(forms.Form):
    child_ids = forms.MultipleChoiceField(
        label="Children to propose", widget=forms.CheckboxSelectMultiple, required=False
    )

    def __init__(self, *args, choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["child_ids"].choices = choices


class ListActionForm(forms.Form):
    destruction_list = forms.IntegerField(error_messages={"required": "Choose a list"})
    action = forms.ChoiceField(
        choices=[("approve", "Approve"), ("cancel", "Cancel"), ("remove", "Take a child off")],
        error_messages={"required": "Choose what to do"},
    )
    child_id = forms.UUIDField(required=False)
