"""Forms for the child record's pages. They check shape only; services hold the rules."""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import partial
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models

from records.calendar import academic_year_label, academic_year_of
from records.codes import Cohort, Gender, LegalStatus, PlacRoute
from records.codes.census import NcYear, SenProvision
from records.imports.registry import CREATE_MISSING_KINDS
from records.models import AddressChange, ImportKind
from records.postcode import POSTCODE_MESSAGE
from records.selectors.dashboards.scope import (
    DEFAULT_BREAKDOWN,
    DIMENSIONS,
    UNKNOWN,
    Borough,
    Period,
    Scope,
)
from virtualschool.forms import GovukDateField, GovukSelect

# Long enough for a postcode typed with extra spaces; its shape is the services' rule
# (records/postcode.py), which says what a postcode looks like rather than cutting it short.
POSTCODE_INPUT_LENGTH = 20


def postcode_field() -> forms.CharField:
    """An optional postcode, as the child's address and a previous address take it."""
    return forms.CharField(
        label="Postcode (optional)",
        max_length=POSTCODE_INPUT_LENGTH,
        required=False,
        error_messages={"max_length": POSTCODE_MESSAGE},
        widget=forms.TextInput(
            attrs={
                "class": "govuk-input--width-10",
                "autocomplete": "off",
                "spellcheck": "false",
            }
        ),
    )


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
    postcode = postcode_field()


class RemovalForm(forms.Form):
    """Why a mistaken entry is removed (the service requires it: records/services/removal.py)."""

    reason = forms.CharField(
        label="Why is this entry being removed?",
        help_text="For example, it was recorded against the wrong child. This is kept in the "
        "record's history.",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )


class ChildEditForm(ChildForm):
    """Changing a child: the same fields, and, when the address changes, why (the service
    requires it then: records/services/child_update.py AddressChange)."""

    address_change = forms.ChoiceField(
        label="Why has the address changed?",
        choices=AddressChange.choices,
        widget=forms.RadioSelect,
        required=False,
        help_text="Answer this only if you changed the address",
    )


def _blank_first(choices: list[tuple[str, str]], label: str) -> list[tuple[str, str]]:
    return [("", label), *choices]


class EpisodeForm(forms.Form):
    # Each status's own detail shows under it (GOV.UK's conditional reveal,
    # virtualschool.forms.Reveal; issue 16); without JavaScript all are shown.
    reveals = {
        "cohort": {
            Cohort.CLA: ("legal_status",),
            Cohort.PLAC: ("plac_route",),
            Cohort.CIN: ("closure_date",),
        }
    }
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
    reallocate = forms.BooleanField(
        label="End the current caseworkers' allocations (reallocate the child)",
        required=False,
    )

    def __init__(self, *args, caseworkers, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["caseworker"].queryset = caseworkers
        self.fields["caseworker"].label_from_instance = caseworker_label
        self.fields[
            "caseworker"
        ].help_text = "Each caseworker is shown with the number of children allocated to them now"


def caseworker_label(user: Any) -> str:
    """A caseworker in the allocation picker: their name and, where the selector counted it
    (records.selectors.children.caseworkers_for_allocation), their caseload now."""
    name = user.get_full_name() or user.get_username()
    caseload = getattr(user, "caseload", None)
    if caseload is None:
        return name
    return f"{name} ({caseload} child{'' if caseload == 1 else 'ren'})"


class SearchForm(forms.Form):
    q = forms.CharField(
        label="Search by name or UPN",
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"class": "govuk-input--width-20", "autocomplete": "off"}),
    )


# --- Forms for the sections of a child's record (records/sections/) ------------------------

RADIO_LIMIT = 6  # up to this many choices show as radios; more as a select
YES_NO_UNKNOWN = [("true", "Yes"), ("false", "No"), ("", "Not known")]


class RecordForm(forms.Form):
    """Base of every section form. Shape only: the section's services hold the rules."""


class VersionForm(forms.Form):
    """The version an edit page was read at, posted back for the optimistic lock."""

    expected_version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


def _label(db_field) -> str:
    label = str(db_field.verbose_name)
    return label[:1].upper() + label[1:]


def _nullable_boolean(db_field, label: str) -> forms.Field:
    return forms.TypedChoiceField(
        label=label,
        choices=YES_NO_UNKNOWN,
        coerce=lambda value: value == "true",
        empty_value=None,
        required=False,
        widget=forms.RadioSelect(attrs={"class": "govuk-radios--inline"}),
        help_text=db_field.help_text,
    )


# A generated message ("Enter the court", "Select the order type") puts "the" before the
# field's verbose name, which reads only when that name is a noun phrase. One that ends in a
# preposition ("made on") or counts something ("hours a week") does not ("Enter the made on"),
# so record_form refuses to generate it: the section names the thing (`required`).
_NOT_A_NOUN_ENDING = re.compile(
    r"\b(?:on|at|by|from|to|in|of|for|with|until|since|a week|a day|per \w+)$", re.IGNORECASE
)
# Names that start with a number word or are a line of something read without "the":
# "Enter address line 1" (GOV.UK's address pattern).
_NO_ARTICLE = re.compile(r"\b(?:line|number) \d+$", re.IGNORECASE)


def required_message(verb: str, name: str) -> str:
    """ "<verb> the <name>", the message a required field generated from a model field gives,
    or ImproperlyConfigured when the name would not read there (see _NOT_A_NOUN_ENDING)."""
    if _NOT_A_NOUN_ENDING.search(name):
        raise ImproperlyConfigured(
            f"{name!r} does not read in a message ({verb} the {name}): give record_form a "
            "`required` message for it"
        )
    article = "" if _NO_ARTICLE.search(name) else "the "
    return f"{verb} {article}{name}"


def govuk_formfield(db_field, *, required_messages=None, **kwargs) -> forms.Field | None:
    """The GOV.UK form field for a model field, with messages that say what to do:
    `required_messages[name]` when the section gives one, otherwise one made from the verbose
    name (required_message)."""
    given = (required_messages or {}).get(db_field.name)

    def required_text(verb: str) -> str:
        if given:
            return given
        if db_field.blank:  # never shown: an optional field is never "required"
            return f"{verb} {_label(db_field).lower()}"
        return required_message(verb, _label(db_field).lower())

    label = _label(db_field)
    if db_field.blank and not isinstance(db_field, models.BooleanField):
        label = f"{label} (optional)"
    required = not db_field.blank
    if isinstance(db_field, models.DateField):
        return GovukDateField(
            label=label,
            required=required,
            help_text=db_field.help_text or "For example, 27 3 2024",
            error_messages={"required": required_text("Enter")},
        )
    if isinstance(db_field, models.BooleanField) and db_field.null:
        return _nullable_boolean(db_field, _label(db_field))
    if db_field.choices:
        choices = list(db_field.choices)
        many = len(choices) > RADIO_LIMIT
        if many or not required:
            choices = [("", "Choose one" if required else "Not recorded"), *choices]
        return forms.TypedChoiceField(
            label=label,
            choices=choices,
            required=required,
            empty_value="",
            help_text=db_field.help_text,
            widget=forms.Select if many else forms.RadioSelect,
            error_messages={"required": required_text("Select")},
        )
    field = db_field.formfield(**kwargs)
    if field is not None:
        field.label = label
        field.error_messages["required"] = required_text("Enter")
    return field


def record_form(
    model: type[models.Model],
    fields: list[str],
    *,
    required: Mapping[str, str] | None = None,
    **overrides: forms.Field,
) -> type[RecordForm]:
    """A section's form: GOV.UK fields for the model's `fields`, with `overrides` replacing or
    adding fields where a model field's default does not fit, and `required` giving the message
    for a required field whose verbose name does not read in a generated one."""
    generated = forms.fields_for_model(
        model,
        fields=[name for name in fields if name not in overrides],
        formfield_callback=partial(govuk_formfield, required_messages=required),
    )
    generated.update(overrides)
    ordered = {name: generated[name] for name in [*fields, *overrides] if name in generated}
    return type(f"{model.__name__}Form", (RecordForm,), ordered)


class ImportForm(forms.Form):
    """Shape only: a file, what it is, and whether to import the valid rows of a file with
    rejected rows. The size limit and the rest are records.services.imports' rules."""

    kind = forms.ChoiceField(
        label="What is the file?",
        choices=ImportKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select what the file is"},
    )
    file = forms.FileField(
        label="Upload a file",
        error_messages={
            "required": "Select a file",
            "empty": "The selected file is empty",
            "invalid": "Select a file",
            "missing": "Select a file",
        },
    )
    import_valid_rows = forms.BooleanField(
        label="Import the valid rows even if some rows are rejected",
        help_text=(
            "If you do not tick this and any row is rejected, nothing in the file is imported."
        ),
        required=False,
    )

    create_missing = forms.BooleanField(
        label="Add the children the file names who are not on the record yet",
        help_text=(
            "Common Transfer Files, SSDA903 returns and CIN census files only. If you do not "
            "tick this, a child who is not on the record is rejected."
        ),
        required=False,
    )

    def __init__(
        self,
        *args: Any,
        may_add_children: bool,
        kinds: list[str] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        if kinds is not None:
            # Only the kinds of file this user may import are offered (the service decides:
            # permissions.can_import_kind); one not offered is "not one of the choices".
            self.fields["kind"].choices = [
                (value, label) for value, label in ImportKind.choices if value in kinds
            ]
        limit = settings.IMPORT_MAX_BYTES // (1024 * 1024)
        self.fields["file"].help_text = f"The file must be smaller than {limit} MB"
        if not may_add_children:
            del self.fields["create_missing"]

    def options(self) -> dict[str, Any]:
        """The run's options for its importer (as the import_<kind> commands set them)."""
        kind = self.cleaned_data["kind"]
        if kind in CREATE_MISSING_KINDS and self.cleaned_data.get("create_missing"):
            return {"create_missing": True}
        return {}


# --- Dashboard filters -------------------------------------------------------------------------

PERIOD_CHOICES = [
    ("year", "Whole academic year"),
    ("autumn", "Autumn term"),
    ("spring", "Spring term"),
    ("summer", "Summer term"),
    ("range", "Dates"),
]


class DashboardFilterForm(forms.Form):
    """A dashboard's period and filters, read from the URL (GET) so a view can be bookmarked.

    Shape only, plus the one thing a date range must be to be counted: inside one academic
    year. `scope()` turns valid input into the selectors' Scope, with the one breakdown the
    page shows (`by`, the cohort by default). Choices for school and caseworker come from
    records.selectors.dashboards.options.
    """

    year = forms.TypedChoiceField(
        label="Academic year", coerce=int, required=False, widget=GovukSelect
    )
    period = forms.ChoiceField(
        label="Period", choices=PERIOD_CHOICES, required=False, widget=GovukSelect
    )
    date_from = GovukDateField(label="From date", required=False)
    date_to = GovukDateField(label="To date", required=False)
    cohort = forms.ChoiceField(label="Cohort", required=False, widget=GovukSelect)
    school = forms.ChoiceField(label="School", required=False, widget=GovukSelect)
    year_group = forms.ChoiceField(label="Year group", required=False, widget=GovukSelect)
    borough = forms.ChoiceField(label="In or out of borough", required=False, widget=GovukSelect)
    sen = forms.ChoiceField(label="SEN provision", required=False, widget=GovukSelect)
    caseworker = forms.ChoiceField(label="Caseworker", required=False, widget=GovukSelect)
    by = forms.ChoiceField(
        label="Break down by",
        required=False,
        choices=[(dimension.key, dimension.label) for dimension in DIMENSIONS],
        widget=GovukSelect,
        error_messages={
            "invalid_choice": "Choose what to break the figures down by from the list "
            "(%(value)s is not one of them)"
        },
    )

    FILTERS = ("cohort", "school", "year_group", "borough", "sen", "caseworker")

    def __init__(
        self,
        *args: Any,
        years: list[int],
        default_year: int,
        schools: list[tuple[str, str]],
        caseworkers: list[tuple[str, str]] | None,
        periods: bool = True,
        hidden: tuple[str, ...] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.default_year = default_year
        self.fields["year"].choices = [(str(y), academic_year_label(y)) for y in years]
        self.fields["cohort"].choices = _blank_first(list(Cohort.choices), "All cohorts")
        self.fields["school"].choices = _blank_first(
            [*schools, (UNKNOWN, "No school recorded")], "All schools"
        )
        self.fields["year_group"].choices = _blank_first(list(NcYear.choices), "All year groups")
        self.fields["borough"].choices = _blank_first(list(Borough.CHOICES), "In and out")
        self.fields["sen"].choices = _blank_first(
            [*SenProvision.choices, (UNKNOWN, "Not recorded")], "All"
        )
        if caseworkers is None:
            del self.fields["caseworker"]
        else:
            self.fields["caseworker"].choices = _blank_first(
                [*caseworkers, (UNKNOWN, "Not allocated")], "All caseworkers"
            )
        if not periods:
            for name in ("period", "date_from", "date_to"):
                del self.fields[name]
        # Dimensions the user may not see (the data map; the view says which) are neither a
        # filter nor a breakdown.
        for name in hidden:
            self.fields.pop(name, None)
        breakdowns = [(d.key, d.label) for d in DIMENSIONS if d.key not in hidden]
        self.fields["by"].choices = breakdowns
        keys = [key for key, _ in breakdowns]
        self.default_breakdown = (
            DEFAULT_BREAKDOWN if DEFAULT_BREAKDOWN in keys else next(iter(keys), "")
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("period") != "range":
            return data
        start, end = data.get("date_from"), data.get("date_to")
        if start is None and "date_from" not in self.errors:
            self.add_error("date_from", "Enter the from date, or choose a term or the whole year")
        if end is None and "date_to" not in self.errors:
            self.add_error("date_to", "Enter the to date, or choose a term or the whole year")
        if start is None or end is None:
            return data
        if end < start:
            self.add_error("date_to", "To date must be the same as or after the from date")
        elif academic_year_of(start) != academic_year_of(end):
            self.add_error(
                "date_to",
                "To date must be in the same academic year as the from date "
                f"({academic_year_label(academic_year_of(start))}, 1 August to 31 July)",
            )
        return data

    def scope(self) -> Scope:
        """The Scope the valid input selects (the default year's whole year when empty)."""
        data = self.cleaned_data
        year = data.get("year") or self.default_year
        period = data.get("period") or "year"
        params = {"year": str(year)}
        if period == "range":
            chosen = Period.weeks(data["date_from"], data["date_to"])
            params |= {"period": "range"} | {
                f"{name}_{index}": str(getattr(data[name], part))
                for name in ("date_from", "date_to")
                for index, part in enumerate(("day", "month", "year"))
            }
        elif period in ("autumn", "spring", "summer"):
            chosen = Period.of_term(year, period)
            params["period"] = period
        else:
            chosen = Period.year(year)
        filters = {name: data.get(name) or "" for name in self.FILTERS if name in self.fields}
        breakdown = data.get("by") or self.default_breakdown
        return Scope(
            period=chosen,
            filters=filters,
            period_params=params,
            breakdowns=(breakdown,) if breakdown else (),
        )
