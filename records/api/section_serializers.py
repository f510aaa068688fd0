"""Serializers for every section of a child's record, built from records.sections.

For each `Section`, `section_serializers(section)` builds three classes named after its model
(components `CourtOrder`, `CourtOrderCreate`, `CourtOrderUpdate` in the OpenAPI schema):

- the output: the row's id and version and the model's other fields, less any field of a
  sensitive category the user may not see;
- the create input: the fields of the section's form. The form is the one shape check, the
  same one the pages bind (records.api.forms adapts it to a JSON body); the declared fields
  here describe the body in the schema;
- the update input: the same, plus the `version` the client read (the optimistic lock).

Rules are the services' business: the views pass the cleaned input to the section's create or
update service.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, ClassVar

from django import forms
from django.db import models
from rest_framework import serializers
from rest_framework.settings import api_settings

from records.api.forms import TRAILING_ASIDE, YES_NO, bind_section_form, form_errors
from records.datamap import DATA_MAP
from records.models import School
from records.permissions import can_see_field
from records.sections import Section
from virtualschool.forms import GovukDateField

NON_FIELD_ERRORS_KEY = api_settings.NON_FIELD_ERRORS_KEY


class SectionOutputSerializer(serializers.ModelSerializer):
    """A section's row as the API shows it. Fields of a sensitive category are left out for a
    user without the sensitive-categories permission, including fields whose category is set
    row by row (a note's text takes the category the note is filed under)."""

    # The section's borrowed fields (Section.borrowed): name -> (model, field) they show.
    borrowed: ClassVar[Mapping[str, tuple[type[models.Model], str]]] = {}

    def to_representation(self, instance: models.Model) -> dict[str, Any]:
        data = super().to_representation(instance)
        user = self.context["request"].user
        declared = DATA_MAP.entry_for(self.Meta.model).declaration.declared
        for name in list(data):
            if name in self.borrowed:
                model, field_name = self.borrowed[name]
                if not can_see_field(user, model, field_name):
                    del data[name]
            elif name in declared and not can_see_field(user, self.Meta.model, name, row=instance):
                del data[name]
        return data


class SectionInputSerializer(serializers.Serializer):
    """A section's create body. Validation is the section's form, bound to the JSON body by
    records.api.forms; the declared fields document the body (they mirror the form's)."""

    section: ClassVar[Section]
    # Fields of the output a client may send back unchanged (read-modify-write): ignored.
    read_only_names: ClassVar[frozenset[str]] = frozenset()

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        if not isinstance(data, Mapping):
            raise serializers.ValidationError(
                {NON_FIELD_ERRORS_KEY: ["Send a JSON object of the fields"]}
            )
        errors: dict[str, list[str]] = {}
        user = self.context["request"].user
        row = self.context.get("row")
        values = self._own_values(data, errors, hidden=self.section.hidden_form_fields(user, row))
        form = bind_section_form(self.section, values, user=user, instance=row)
        if not form.is_valid():
            for name, messages in form_errors(form).items():
                errors.setdefault(name, messages)
        if errors:
            raise serializers.ValidationError(errors)
        return dict(form.cleaned_data)

    def _own_values(
        self, data: Mapping[str, Any], errors: dict[str, list[str]], hidden: list[str]
    ) -> dict:
        """The body's values for the form; unknown names (and fields the user may not see)
        and misplaced lists are errors."""
        fields = {
            name: field
            for name, field in self.section.form_class.base_fields.items()
            if name not in hidden
        }
        for name in sorted(set(data) - set(fields) - self.read_only_names):
            errors[name] = [
                f"{name} is not a field of a {self.section.item_name}. The fields are: "
                f"{', '.join(fields)}"
            ]
        values = {}
        for name, value in data.items():
            if name not in fields:
                continue
            many = isinstance(fields[name], forms.MultipleChoiceField)
            if isinstance(value, Mapping) or (isinstance(value, list) and not many):
                errors[name] = [f"{name} takes a single value, not a list or an object"]
            values[name] = value
        return values


class SectionUpdateSerializer(SectionInputSerializer):
    """A section's update body: every field (an omitted optional field is cleared) and the
    `version` the client read, so that nobody's change is silently overwritten."""

    version = serializers.IntegerField(
        min_value=1, help_text="The version of the row you read; a stale one is refused (409)"
    )

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        errors: dict[str, list[str]] = {}
        version = None
        if isinstance(data, Mapping):
            try:
                version = self.fields["version"].run_validation(
                    data.get("version", serializers.empty)
                )
            except serializers.ValidationError:
                errors["version"] = [VERSION_MESSAGE]
        try:
            values = super().to_internal_value(data)
        except serializers.ValidationError as error:
            raise serializers.ValidationError({**error.detail, **errors}) from error
        if errors:
            raise serializers.ValidationError(errors)
        return {**values, "version": version}


VERSION_MESSAGE = "Send the version of the row you read: a whole number, 1 or more"


SectionSerializers = tuple[
    type[SectionOutputSerializer], type[SectionInputSerializer], type[SectionUpdateSerializer]
]


def section_serializers(section: Section) -> SectionSerializers:
    """The output, create and update serializers of a section, named after its model."""
    model = section.model
    name = model.__name__
    output = _output_serializer(section)
    declared = {
        field_name: _describe(form_field)
        for field_name, form_field in section.form_class.base_fields.items()
    }
    shared = {**declared, "section": section, "read_only_names": frozenset(output.Meta.fields)}
    create = type(
        f"{name}CreateSerializer",
        (SectionInputSerializer,),
        {**shared, "__doc__": f"A new {section.item_name}."},
    )
    update = type(
        f"{name}UpdateSerializer",
        (SectionUpdateSerializer,),
        {
            **shared,
            "__doc__": (
                f"A {section.item_name}'s new values: every field (an optional one left out "
                "is cleared) and the `version` you read."
            ),
        },
    )
    return output, create, update


def _output_serializer(section: Section) -> type[SectionOutputSerializer]:
    model = section.model
    pk = model._meta.pk
    others = [
        field.name
        for field in model._meta.concrete_fields
        if field is not pk and field.name not in {"child", "version"}
    ]
    form_names = [name for name in section.form_class.base_fields if name in others]
    names = ["id", "version", *form_names, *(name for name in others if name not in form_names)]
    # A field of another model the section shows (the child's responsible LA code on its
    # characteristics), read through the section model's attribute of the same name.
    borrowed = {
        name: serializers.ModelSerializer.serializer_field_mapping[
            type(other._meta.get_field(field_name))
        ](read_only=True, help_text=str(other._meta.get_field(field_name).help_text))
        for name, (other, field_name) in section.borrowed.items()
    }
    names += list(borrowed)
    meta = type("Meta", (), {"model": model, "fields": names, "read_only_fields": names})
    return type(
        f"{model.__name__}Serializer",
        (SectionOutputSerializer,),
        {
            "Meta": meta,
            "id": _id_field(pk),
            "borrowed": dict(section.borrowed),
            **borrowed,
            "__doc__": (
                f"A {section.item_name} on a child's record. `version` goes back with a change. "
                "Fields of a sensitive category are left out for a user without the "
                "sensitive-categories permission."
            ),
        },
    )


def _id_field(pk: models.Field) -> serializers.Field:
    """The row's id: its primary key (a number, or the child's id for a one-per-child row)."""
    target = pk.target_field if pk.is_relation else pk
    if isinstance(target, models.UUIDField):
        return serializers.UUIDField(source="pk", read_only=True)
    return serializers.IntegerField(source="pk", read_only=True)


# The pages' hint for a date ("For example, 27 3 2024") describes day, month and year boxes.
PAGE_DATE_HINT = re.compile(r"^For example, \d{1,2} \d{1,2} \d{4}$")


def _describe(field: forms.Field) -> serializers.Field:
    """A serializer field that describes a form field in the OpenAPI schema (shape only)."""
    common: dict[str, Any] = {
        "required": field.required,
        "help_text": str(field.help_text) or None,
        "label": TRAILING_ASIDE.sub("", str(field.label or "")) or None,
    }
    if isinstance(field, GovukDateField | forms.DateField):
        hint = common["help_text"] or ""
        hint = "" if PAGE_DATE_HINT.match(hint) else f"{hint}. " if hint else ""
        common["help_text"] = f"{hint}A date, YYYY-MM-DD"
        return serializers.DateField(allow_null=not field.required, **common)
    if isinstance(field, forms.ChoiceField):
        return _describe_choice(field, common)
    return _describe_scalar(field, common)


def _describe_choice(field: forms.ChoiceField, common: dict[str, Any]) -> serializers.Field:
    if isinstance(field, forms.ModelChoiceField):
        model = field.queryset.model
        common["help_text"] = f"The {field.to_field_name or 'id'} of a {model._meta.verbose_name}"
        if model is School:
            common["help_text"] += " (GET /api/schools/ lists them)"
        return serializers.PrimaryKeyRelatedField(
            queryset=field.queryset, allow_null=not field.required, **common
        )
    choices = _choices(field)
    if isinstance(field, forms.MultipleChoiceField):
        return serializers.MultipleChoiceField(choices=choices, **common)
    if {str(value) for value, _ in choices} == YES_NO:
        return serializers.BooleanField(allow_null=True, **common)
    return serializers.ChoiceField(
        choices=choices,
        allow_blank=not field.required,
        allow_null=not field.required,
        **common,
    )


def _describe_scalar(field: forms.Field, common: dict[str, Any]) -> serializers.Field:
    if isinstance(field, forms.BooleanField):
        return serializers.BooleanField(**common)
    if isinstance(field, forms.DecimalField):
        return serializers.DecimalField(
            max_digits=field.max_digits, decimal_places=field.decimal_places, **common
        )
    if isinstance(field, forms.IntegerField):
        return serializers.IntegerField(
            min_value=field.min_value, max_value=field.max_value, **common
        )
    if isinstance(field, forms.FloatField):
        return serializers.FloatField(**common)
    if isinstance(field, forms.CharField):
        return serializers.CharField(
            max_length=field.max_length, allow_blank=not field.required, **common
        )
    return serializers.JSONField(**common)


def _choices(field: forms.ChoiceField) -> list[tuple[Any, str]]:
    """The field's choices without the blank one ("Choose one", "Not recorded")."""
    flat: list[tuple[Any, str]] = []
    for value, label in field.choices:
        if isinstance(label, list | tuple):
            flat.extend((inner, str(inner_label)) for inner, inner_label in label)
        elif value not in ("", None):
            flat.append((value, str(label)))
    return flat
