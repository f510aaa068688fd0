"""Attendance: one row per session mark, and the summaries dashboards read.

Session rows are written only by the attendance service (records/services/attendance.py),
in bulk, with a batch audit event; they are not tracked row by row by auditlog. The same
service keeps the summaries up to date for exactly the children and terms it touched: one
AttendanceWeek per child per week of a term (date ranges), one AttendanceSummary per child per
term (the sum of its weeks), and one AttendanceYear per child per academic year (the sum of its
terms, with its weeks as arrays: what a dashboard of a whole year reads, one row a child).
"""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.db import models

from records.calendar import Term
from records.categories import declare
from records.codes.attendance import CODE_CHOICES, MAX_CODE_LENGTH
from records.models.child import Child
from records.models.schools import School


class Session(models.TextChoices):
    AM = "AM", "Morning"
    PM = "PM", "Afternoon"


class AttendanceSession(models.Model):
    id = models.BigAutoField(primary_key=True)
    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="attendance_sessions")
    school = models.ForeignKey(School, on_delete=models.PROTECT, null=True, related_name="+")
    date = models.DateField()
    session = models.CharField(max_length=2, choices=Session.choices)
    code = models.CharField(max_length=MAX_CODE_LENGTH, choices=CODE_CHOICES)

    data_categories = declare(
        attendance=["school", "date", "session", "code"], not_personal=["id", "child"]
    )

    class Meta:
        ordering = ["date", "session"]
        constraints = [
            models.UniqueConstraint(
                fields=["child", "date", "session"], name="attendance_one_mark_per_session"
            ),
        ]

    def __str__(self) -> str:
        return f"Attendance session {self.pk}"


class AttendanceSummary(models.Model):
    """A child's attendance in one term of one academic year, from their session marks.

    `academic_year` is the year the academic year starts (2025 for 2025/26). Counts follow the
    DfE method (records/attendance.py): possible sessions exclude codes that are not possible
    sessions; `absence_by_code` counts each absence code.
    """

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="attendance_summaries")
    academic_year = models.PositiveSmallIntegerField()
    term = models.CharField(max_length=6, choices=Term.choices)
    possible = models.PositiveIntegerField(default=0)
    attended = models.PositiveIntegerField(default=0)
    authorised = models.PositiveIntegerField(default=0)
    unauthorised = models.PositiveIntegerField(default=0)
    not_possible = models.PositiveIntegerField(default=0)
    absence_by_code = models.JSONField(default=dict)

    data_categories = declare(
        attendance=[
            "academic_year",
            "term",
            "possible",
            "attended",
            "authorised",
            "unauthorised",
            "not_possible",
            "absence_by_code",
        ],
        not_personal=["id", "child"],
    )

    class Meta:
        ordering = ["academic_year", "term"]
        verbose_name_plural = "attendance summaries"
        constraints = [
            models.UniqueConstraint(
                fields=["child", "academic_year", "term"], name="attendance_summary_per_term"
            ),
        ]
        indexes = [models.Index(fields=["academic_year", "term"], name="attendance_summary_term")]

    def __str__(self) -> str:
        return f"Attendance summary {self.pk}"


class AttendanceWeek(models.Model):
    """A child's attendance in one week (Monday to Sunday) of one term: the finest grain a
    dashboard reads, for the weekly trend and for date ranges.

    A week that straddles a term boundary (New Year, 1 August) is two rows, one per term, so
    a term's weeks add up exactly to its AttendanceSummary. `week_start` is the Monday.
    Counts as AttendanceSummary's; only weeks with at least one session have a row.
    """

    id = models.BigAutoField(primary_key=True)
    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="attendance_weeks")
    academic_year = models.PositiveSmallIntegerField()
    term = models.CharField(max_length=6, choices=Term.choices)
    week_start = models.DateField()
    possible = models.PositiveSmallIntegerField(default=0)
    attended = models.PositiveSmallIntegerField(default=0)
    authorised = models.PositiveSmallIntegerField(default=0)
    unauthorised = models.PositiveSmallIntegerField(default=0)
    not_possible = models.PositiveSmallIntegerField(default=0)
    absence_by_code = models.JSONField(default=dict)

    data_categories = declare(
        attendance=[
            "academic_year",
            "term",
            "week_start",
            "possible",
            "attended",
            "authorised",
            "unauthorised",
            "not_possible",
            "absence_by_code",
        ],
        not_personal=["id", "child"],
    )

    class Meta:
        ordering = ["week_start", "term"]
        constraints = [
            models.UniqueConstraint(
                fields=["child", "academic_year", "term", "week_start"],
                name="attendance_week_per_term",
            ),
        ]
        indexes = [
            # The trend reads a year's weeks for a set of children, from the index alone.
            models.Index(
                fields=["academic_year", "child"],
                include=["week_start", "term", "possible", "attended", "authorised"],
                name="attendance_week_year",
            ),
        ]

    def __str__(self) -> str:
        return f"Attendance week {self.pk}"


# Weeks of an academic year, Monday to Sunday, from the week that holds 1 August: at most 53.
YEAR_WEEKS = 53


class AttendanceYear(models.Model):
    """A child's attendance in one academic year: the sum of its terms, with the week-by-week
    possible, attended, authorised and unauthorised sessions as arrays (index 0 is the week
    holding 1 August; records.calendar.year_week_index), so a dashboard reads one row per child
    for a year's figures, reasons and trend, and for a date range's too (issue 16): a range's
    counts are the sums of its weeks' slots, its reasons the difference of two rows of
    `week_absence_to`, each week's running total since 1 August of each absence code (in the
    order of records.attendance.ABSENCE_CODES; a change to that list needs
    records.services.attendance.attendance_years_rebuild). Kept by the same refresh as the
    other summaries. Its rows are never compressed or moved out of line (toast_tuple_target,
    migration 0018), so reading a slot does not decompress the row's arrays each time."""

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="attendance_years")
    academic_year = models.PositiveSmallIntegerField()
    possible = models.PositiveIntegerField(default=0)
    attended = models.PositiveIntegerField(default=0)
    authorised = models.PositiveIntegerField(default=0)
    unauthorised = models.PositiveIntegerField(default=0)
    not_possible = models.PositiveIntegerField(default=0)
    absence_by_code = models.JSONField(default=dict)
    week_possible = ArrayField(models.PositiveSmallIntegerField(), size=YEAR_WEEKS)
    week_attended = ArrayField(models.PositiveSmallIntegerField(), size=YEAR_WEEKS)
    week_authorised = ArrayField(models.PositiveSmallIntegerField(), size=YEAR_WEEKS)
    week_unauthorised = ArrayField(models.PositiveSmallIntegerField(), size=YEAR_WEEKS)
    week_absence_to = ArrayField(ArrayField(models.PositiveSmallIntegerField()), size=YEAR_WEEKS)

    data_categories = declare(
        attendance=[
            "academic_year",
            "possible",
            "attended",
            "authorised",
            "unauthorised",
            "not_possible",
            "absence_by_code",
            "week_possible",
            "week_attended",
            "week_authorised",
            "week_unauthorised",
            "week_absence_to",
        ],
        not_personal=["id", "child"],
    )

    class Meta:
        ordering = ["academic_year"]
        constraints = [
            models.UniqueConstraint(
                fields=["academic_year", "child"], name="attendance_year_per_child"
            ),
        ]

    def __str__(self) -> str:
        return f"Attendance year {self.pk}"
