"""A section's form, bound to a JSON body instead of a posted HTML form.

The API checks input shape with the very form the pages use (records/sections/), so both
refuse the same things. A form's widgets read HTML form data (a date arrives as day, month and
year boxes; a yes/no as "true"/"false"), so each field gets a widget that reads the JSON value
instead: a date as "YYYY-MM-DD", a code as its value, a yes/no/not-known as true/false/null.

Messages name the field and, for a code list, every allowed value: "Order type must be one of:
care (Care order), ...".
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping
from typing import Any

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS
from rest_framework.settings import api_settings

from records.sections import Section
from virtualschool.forms import GovukDateField

ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# A label's trailing aside, such as "(optional)", is left out of messages.
TRAILING_ASIDE = re.compile(r"\s*\([^)]*\)$")
# The values of a yes/no/not-known field on the pages (records.forms.YES_NO_UNKNOWN).
YES_NO = {"true", "false"}


class JsonValueInput(forms.Widget):
    """Hands its field the JSON value as it is; strings, numbers and lists go to the field."""

    def value_from_datadict(self, data: Mapping[str, Any], files: Any, name: str) -> Any:
        return data.get(name)

    def value_omitted_from_data(self, data: Mapping[str, Any], files: Any, name: str) -> bool:
        return name not in data


class JsonDateInput(JsonValueInput):
    """A date written "YYYY-MM-DD" becomes a date; anything else reaches the field as text,
    which refuses it with its "must be a real date" message."""

    def value_from_datadict(self, data: Mapping[str, Any], files: Any, name: str) -> Any:
        value = data.get(name)
        if value in (None, ""):
            return None
        if isinstance(value, str) and ISO_DATE.match(value):
            try:
                return datetime.date.fromisoformat(value)
            except ValueError:
                return value
        return str(value)


class JsonChoiceInput(JsonValueInput):
    """A code as sent; true/false/null for a yes/no/not-known field ("true", "false", "")."""

    def value_from_datadict(self, data: Mapping[str, Any], files: Any, name: str) -> Any:
        value = data.get(name)
        if value is None:
            return ""
        if isinstance(value, bool):
            return "true" if value else "false"
        return value


def bind_section_form(
    section: Section, data: Mapping[str, Any], *, user: Any, instance: Any = None
) -> forms.Form:
    """The section's form, built as its pages build it (with `form_kwargs(user)`, such as the
    note categories this user may choose, and without the fields holding data the user may
    not see, of `instance` when it changes a row), bound to a parsed JSON object."""
    form = section.form_class(data=data, **section.form_kwargs(user))
    for name in section.hidden_form_fields(user, instance):
        del form.fields[name]
    for field in form.fields.values():
        _adapt(field)
    return form


def _adapt(field: forms.Field) -> None:
    label = _label(field)
    if isinstance(field, GovukDateField | forms.DateField):
        field.widget = JsonDateInput()
        # The label is written in; _escaped keeps it safe from the %-formatting of messages.
        field.error_messages["invalid"] = f"{_escaped(label)} must be a real date, as YYYY-MM-DD"
    elif isinstance(field, forms.ModelChoiceField):
        field.widget = JsonValueInput()
        key = field.to_field_name or "id"
        what = field.queryset.model._meta.verbose_name
        field.error_messages["invalid_choice"] = f"{_escaped(label)} must be the {key} of a {what}"
    elif isinstance(field, forms.ChoiceField):
        field.widget = JsonChoiceInput()
        allowed = _allowed(field)
        if allowed:
            field.error_messages["invalid_choice"] = (
                f"{_escaped(label)} must be one of: {_escaped(allowed)}"
            )
    else:
        field.widget = JsonValueInput()


def _label(field: forms.Field) -> str:
    label = TRAILING_ASIDE.sub("", str(field.label or "")) or "This field"
    return label[:1].upper() + label[1:]


def _escaped(text: str) -> str:
    """Text safe inside a Django validation message (which is %-formatted with params)."""
    return text.replace("%", "%%")


def _allowed(field: forms.ChoiceField) -> str:
    values = []
    for value, label in field.choices:
        if isinstance(label, list | tuple):
            values.extend((inner, inner_label) for inner, inner_label in label)
        elif value not in ("", None):
            values.append((value, label))
    if {str(value) for value, _ in values} == YES_NO:
        return "true, false or null (not known)"
    return ", ".join(f"{value} ({label})" for value, label in values)


def form_errors(form: forms.Form) -> dict[str, list[str]]:
    """A bound form's errors keyed as the API reports them (non-field errors under DRF's key)."""
    return {
        (api_settings.NON_FIELD_ERRORS_KEY if name == NON_FIELD_ERRORS else name): list(messages)
        for name, messages in form.errors.items()
    }
