"""The Attendance tab of a child's record: a page of its own (term and year figures, absence
by reason, recent sessions) rather than generic section lists, and the form that records
sessions by hand. Attendance is not a sensitive category: whoever may see the child sees it."""

from __future__ import annotations

from typing import Any

from django import forms

from records.codes.attendance import CURRENT_CODES, LEGACY_CODES, Category
from records.models import Child, School
from records.sections.base import Tab
from records.selectors.attendance import attendance_tab_context
from records.services.attendance import BOTH_SESSIONS
from virtualschool.forms import GovukDateField

CATEGORY_HEADINGS = {
    Category.PRESENT: "Present or approved educational activity",
    Category.AUTHORISED: "Authorised absence",
    Category.UNAUTHORISED: "Unauthorised absence",
    Category.NOT_REQUIRED: "Attendance not required (not a possible session)",
    Category.NOT_COUNTED: "Unable to attend (not a possible session)",
}


def _code_choices() -> list[tuple[str, Any]]:
    """The DfE codes grouped as the register guidance groups them, withdrawn codes last."""
    groups: list[tuple[str, Any]] = [("", "Choose a code")]
    for category, heading in CATEGORY_HEADINGS.items():
        groups.append(
            (
                heading,
                [
                    (code.code, f"{code.code} – {code.meaning}")
                    for code in CURRENT_CODES
                    if code.category is category
                ],
            )
        )
    groups.append(
        (
            "Withdrawn codes (older sessions only)",
            [
                (code.code, f"{code.code} – {code.meaning} ({code.withdrawn})")
                for code in LEGACY_CODES
            ],
        )
    )
    return groups


class AttendanceRecordForm(forms.Form):
    """Shape only: the service (attendance_record_range) checks dates, codes and sessions and
    says what is allowed; an unknown code posted here reaches it and gets its message."""

    date_from = GovukDateField(
        label="From",
        help_text="The first school day to record, for example 6 1 2025",
        error_messages={"required": "Enter the first date to record"},
    )
    date_to = GovukDateField(
        label="To (optional)",
        required=False,
        help_text="Leave blank to record one day. Saturdays and Sundays in between are skipped",
    )
    session = forms.CharField(
        label="Sessions",
        initial=BOTH_SESSIONS,
        widget=forms.RadioSelect(
            choices=[
                (BOTH_SESSIONS, "Morning and afternoon"),
                ("AM", "Morning only (AM)"),
                ("PM", "Afternoon only (PM)"),
            ]
        ),
        error_messages={"required": "Select which sessions to record"},
    )
    code = forms.CharField(
        label="Attendance code",
        help_text="The DfE register code for every session recorded",
        widget=forms.Select(choices=_code_choices()),
        error_messages={"required": "Select an attendance code"},
    )
    school = forms.ModelChoiceField(
        label="School (optional)",
        queryset=School.objects.none(),
        required=False,
        empty_label="Not recorded",
        error_messages={"invalid_choice": "Select a school from the list"},
    )

    def __init__(self, *args: Any, child: Child, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The schools the child has been on the roll of; any school if none is recorded yet.
        enrolled = School.objects.filter(enrolments__child=child).distinct().order_by("name")
        self.fields["school"].queryset = (
            enrolled if enrolled.exists() else School.objects.order_by("name")
        )


TAB = Tab(
    slug="attendance",
    title="Attendance",
    template="records/attendance.html",
    context=attendance_tab_context,
    description="Sessions attended and missed, by term and academic year, counted the DfE way.",
)
