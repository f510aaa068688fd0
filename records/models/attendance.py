"""Attendance: one row per session mark, and the per-term summaries dashboards read.

Session rows are written only by the attendance service (records/services/attendance.py),
in bulk, with a batch audit event; they are not tracked row by row by auditlog. The same
service keeps AttendanceSummary up to date for exactly the children and terms it touched.
"""

from __future__ import annotations

from django.db import models

from records.categories import declare
from records.codes.attendance import CODE_CHOICES, MAX_CODE_LENGTH
from records.models.child import Child
from records.models.schools import School


class Session(models.TextChoices):
    AM = "AM", "Morning"
    PM = "PM", "Afternoon"


class Term(models.TextChoices):
    AUTUMN = "autumn", "Autumn"
    SPRING = "spring", "Spring"
    SUMMER = "summer", "Summer"


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
