"""The Attainment tab: assessment results (EYFS to KS4) and post-16 courses."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone

from records.codes.assessment import (
    academic_year_label,
    academic_year_of,
    result_label,
)
from records.forms import record_form
from records.models import AssessmentResult, Child, Post16Course
from records.sections.base import Column, Section, Tab, attr
from records.services import attainment as services
from records.services.rules import EDUCATION_TO_AGE


def academic_year_choices() -> list[tuple[str, str]]:
    """The academic years a result may be for, newest first: the current year back as far as
    a record of education goes (records/services/rules.py). Worked out when a form is shown,
    so a long-running process never offers last year's list."""
    current = academic_year_of(timezone.localdate())
    years = range(current, current - EDUCATION_TO_AGE - 1, -1)
    return [("", "Choose a year"), *((str(year), academic_year_label(year)) for year in years)]


RESULT_FORM = record_form(
    AssessmentResult,
    ["measure", "subject", "academic_year", "result"],
    subject=forms.CharField(
        label="Subject (GCSEs only)",
        max_length=60,
        required=False,
        help_text="For example, English language. Leave blank for other measures",
        widget=forms.TextInput(attrs={"class": "govuk-input--width-20"}),
    ),
    academic_year=forms.TypedChoiceField(
        label="Academic year",
        choices=academic_year_choices,
        coerce=int,
        empty_value=None,
        help_text="The school year the assessment was taken in",
        error_messages={"required": "Select the academic year"},
    ),
    result=forms.CharField(
        label="Result",
        max_length=10,
        help_text=(
            "As the school reported it: a mark, scaled score, grade or code, for example "
            "104, EXS, 5 or Wa"
        ),
        widget=forms.TextInput(attrs={"class": "govuk-input--width-5", "spellcheck": "false"}),
        error_messages={"required": "Enter the result"},
    ),
)
RESULT_FORM.base_fields["measure"].label = "Measure"


def _results(child: Child, user: Any) -> QuerySet[AssessmentResult]:
    return AssessmentResult.objects.filter(child=child).order_by(
        "-academic_year", "measure", "subject"
    )


def _year(row: AssessmentResult) -> str:
    return academic_year_label(row.academic_year)


def _result(row: AssessmentResult) -> str:
    return result_label(row.measure, row.result)


RESULTS = Section(
    slug="results",
    title="Assessment results",
    item_name="result",
    model=AssessmentResult,
    form_class=RESULT_FORM,
    create=services.assessment_result_record,
    update=services.assessment_result_update,
    columns=(
        Column("Year", _year, fields=("academic_year",)),
        Column("Measure", attr("measure")),
        Column("Subject", attr("subject")),
        Column("Result", _result, fields=("measure", "result")),
    ),
    rows=_results,
)

COURSE_FORM = record_form(
    Post16Course,
    ["provider", "course", "level", "start_date", "end_date", "status", "result"],
    result=forms.CharField(
        label="Result (optional)",
        max_length=50,
        required=False,
        help_text="Completed courses only: for example, Distinction, Merit, Pass or a grade",
    ),
)
COURSE_FORM.base_fields["provider"].help_text = "The college, school or training provider"
COURSE_FORM.base_fields[
    "end_date"
].help_text = "The date it ended, or is expected to end. For example, 27 3 2024"

COURSES = Section(
    slug="post-16-courses",
    title="Post-16 courses",
    item_name="post-16 course",
    model=Post16Course,
    form_class=COURSE_FORM,
    create=services.post16_course_record,
    update=services.post16_course_update,
    columns=(
        Column("Provider", attr("provider")),
        Column("Course", attr("course")),
        Column("Level", attr("level")),
        Column("From", attr("start_date")),
        Column("To", attr("end_date")),
        Column("Status", attr("status")),
        Column("Result", attr("result")),
    ),
)

TAB = Tab(
    slug="attainment",
    title="Attainment",
    sections=(RESULTS, COURSES),
)
