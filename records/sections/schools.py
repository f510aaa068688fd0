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
from virtualschool.forms import GovukSelect

# What a school's label adds when it is the child's (selectors.school_choices' `child_rank`).
CHILD_RANK_NOTES = {
    selectors.CURRENT_SCHOOL: " – current school",
    selectors.CHILDS_SCHOOL: " – in the child's school history",
}


class SchoolChoiceField(forms.ModelChoiceField):
    """Schools from the reference table, shown with their URN so two of a name can be told
    apart, closed ones marked, and the child's own schools said to be theirs.

    A select of every school in the register (thousands after a GIAS import), written by
    GovukSelect in one pass. `data-module="app-autocomplete"` asks frontend/build.mjs's init
    script to enhance it with alphagov's accessible-autocomplete: without JavaScript it stays
    this select (progressive enhancement), with it the user types part of a name or URN and
    the suggestions keep the select's order, the child's schools first."""

    widget = GovukSelect(attrs={"data-module": "app-autocomplete"})

    def label_from_instance(self, obj: School) -> str:
        closed = ", closed" if not obj.is_open else ""
        note = CHILD_RANK_NOTES.get(getattr(obj, "child_rank", None), "")
        return f"{obj.name} (URN {obj.urn}{closed}){note}"


class ChildSchoolsForm(forms.Form):
    """A form with a `school` picker that lists the child's own schools first and, for a new
    row, chooses the child's current school (issue 16). Built without a child (the API, which
    takes ids), it offers every school in the register's usual order."""

    def __init__(self, *args: Any, child: Child | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "school" not in self.fields:
            return
        # Read the reference table when the form is built, not when the module is imported.
        self.fields["school"].queryset = selectors.school_choices(child=child)
        if child is not None and not self.is_bound and self.initial.get("school") is None:
            current = selectors.current_enrolment(child=child)
            if current is not None:
                self.initial["school"] = current.school_id


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
        help_text=(
            "Type part of the school's name or its DfE URN. The child's own schools are "
            "listed first"
        ),
        error_messages={
            "required": "Choose a school",
            "invalid_choice": "Choose a school from the list",
        },
    ),
)


class EnrolmentForm(ChildSchoolsForm, _generated):
    pass


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
    form_takes_child=True,
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
