"""Assessment results, EYFS to KS4, and post-16 courses."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q

from records.categories import declare
from records.codes.assessment import Measure
from records.models.base import ChildRecord
from records.models.child import Child


class AssessmentResult(ChildRecord):
    """One result of one measure in one academic year (per subject for GCSEs).

    `result` is stored as the DfE records it (a mark, a scaled score, a grade or an outcome
    code); which values a measure accepts is decided by records/codes/assessment.py.
    """

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="assessment_results")
    measure = models.CharField(max_length=10, choices=Measure.choices)
    subject = models.CharField(max_length=60, blank=True, help_text="GCSEs only")
    academic_year = models.PositiveSmallIntegerField(
        help_text="The year it starts: 2024 for 2024/25"
    )
    result = models.CharField(max_length=10)

    data_categories = declare(
        attainment=["measure", "subject", "academic_year", "result"],
        not_personal=["id", "child", "version"],
    )

    class Meta:
        ordering = ["academic_year", "measure", "subject"]
        constraints = [
            models.UniqueConstraint(
                fields=["child", "measure", "subject", "academic_year"],
                name="assessment_one_result_per_measure_year",
            ),
        ]

    def __str__(self) -> str:
        return f"Assessment result {self.pk}"


class Post16Course(ChildRecord):
    class Level(models.TextChoices):
        ENTRY = "entry", "Entry level"
        LEVEL_1 = "1", "Level 1"
        LEVEL_2 = "2", "Level 2"
        LEVEL_3 = "3", "Level 3"
        LEVEL_4 = "4", "Level 4 or above"

    class Status(models.TextChoices):
        ENROLLED = "enrolled", "Enrolled"
        COMPLETED = "completed", "Completed"
        WITHDRAWN = "withdrawn", "Withdrawn"
        TRANSFERRED = "transferred", "Transferred"

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="post16_courses")
    provider = models.CharField(max_length=200)
    course = models.CharField(max_length=200)
    level = models.CharField(max_length=5, choices=Level.choices)
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=11, choices=Status.choices, default=Status.ENROLLED)
    result = models.CharField(max_length=50, blank=True)

    data_categories = declare(
        post_16=["provider", "course", "level", "start_date", "end_date", "status", "result"],
        not_personal=["id", "child", "version"],
    )

    class Meta:
        ordering = ["-start_date"]
        verbose_name = "post-16 course"
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="post16_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"Post-16 course {self.pk}"
