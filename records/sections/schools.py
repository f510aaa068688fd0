"""The Schools tab: a child's school history, the current school derived from it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone

from records.forms import record_form
from records.models import Child, Enrolment, School
from records.sections.base import Column, Section, Tab, attr
from records.selectors import schools as selectors
from records.services import schools as services


class SchoolChoiceField(forms.ModelChoiceField):
    """Schools from the reference table, shown with their URN so two of a name can be told
    apart, and closed ones marked."""

    def label_from_instance(self, obj: School) -> str:
        closed = ", closed" if not obj.is_open else ""
        return f"{obj.name} (URN {obj.urn}{closed})"


def _rows(child: Child, user: Any) -> QuerySet[Enrolment]:
    return selectors.enrolments_for_child(child=child)


def _status(row: Enrolment) -> str:
    return selectors.enrolment_status(row, timezone.localdate())


def _school(name: str) -> Callable[[Enrolment], object]:
    """A column value read from the enrolment's school (its choices shown by label)."""

    def read(row: Enrolment) -> object:
        value = getattr(row.school, name)
        display = getattr(row.school, f"get_{name}_display", None)
        return display() if callable(display) else value

    return read


_generated = record_form(
    Enrolment,
    ["school", "start_date", "end_date", "nc_year", "reason_for_leaving"],
    school=SchoolChoiceField(
        queryset=School.objects.none(),
        label="School",
        empty_label="Choose a school",
        help_text="Schools are listed by name with their DfE URN",
        error_messages={
            "required": "Choose a school",
            "invalid_choice": "Choose a school from the list",
        },
    ),
)


class EnrolmentForm(_generated):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Read the reference table when the form is built, not when the module is imported.
        self.fields["school"].queryset = selectors.school_choices()


EnrolmentForm.base_fields["end_date"].help_text = "Leave blank while the child is on roll"
EnrolmentForm.base_fields[
    "reason_for_leaving"
].help_text = "For example, moved placement, or transferred to secondary school"

ENROLMENTS = Section(
    slug="enrolments",
    title="School history",
    item_name="school",
    model=Enrolment,
    form_class=EnrolmentForm,
    create=services.enrolment_record,
    update=services.enrolment_update,
    columns=(
        Column("School", _school("name"), fields=("school",)),
        Column("URN", _school("urn"), fields=("school",)),
        Column("LAESTAB", _school("laestab"), fields=("school",)),
        Column("Phase", _school("phase"), fields=("school",)),
        Column("NC year", attr("nc_year")),
        Column("From", attr("start_date")),
        Column("To", attr("end_date")),
        Column("Reason for leaving", attr("reason_for_leaving")),
        Column("Status", _status, fields=("start_date", "end_date")),
    ),
    rows=_rows,
)

TAB = Tab(
    slug="schools",
    title="Schools",
    sections=(ENROLMENTS,),
    description=(
        "Every school the child has been on the roll of, newest first. The current school is "
        "the one whose enrolment has started and not ended; the others are previous schools."
    ),
)
