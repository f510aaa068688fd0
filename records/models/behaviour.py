"""Suspensions, permanent exclusions and alternative provision placements."""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from records.categories import declare
from records.codes.exclusions import MAX_REASONS, ExclusionCategory
from records.models.base import ChildRecord
from records.models.child import Child
from records.models.schools import School


class Exclusion(ChildRecord):
    """A suspension (length in sessions) or a permanent exclusion (no length)."""

    class Outcome(models.TextChoices):
        STANDS = "stands", "Stands"
        PENDING = "pending", "Awaiting governors' or panel review"
        REINSTATED = "reinstated", "Overturned: pupil reinstated"
        NOT_REINSTATED = "not_reinstated", "Overturned, pupil not reinstated"

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="exclusions")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    category = models.CharField(max_length=4, choices=ExclusionCategory.choices)
    start_date = models.DateField()
    sessions = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Suspensions only: length in sessions (a day is 2)"
    )
    reasons = ArrayField(models.CharField(max_length=2), size=MAX_REASONS)
    outcome = models.CharField(max_length=14, choices=Outcome.choices, default=Outcome.STANDS)
    # When the row was added to the record, for "new since you last looked" on the home page.
    recorded_at = models.DateTimeField(default=timezone.now, editable=False, db_index=True)

    data_categories = declare(
        behaviour=["school", "category", "start_date", "sessions", "reasons", "outcome"],
        not_personal=["id", "child", "version", "recorded_at"],
    )

    class Meta:
        ordering = ["-start_date"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(category="PERM") & Q(sessions__isnull=True))
                | (~Q(category="PERM") & Q(sessions__gt=0)),
                name="exclusion_sessions_for_suspensions_only",
            ),
        ]

    def __str__(self) -> str:
        return f"Exclusion {self.pk}"


class AlternativeProvision(ChildRecord):
    child = models.ForeignKey(
        Child, on_delete=models.CASCADE, related_name="alternative_provisions"
    )
    provider = models.CharField(max_length=200)
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    hours_per_week = models.DecimalField(max_digits=4, decimal_places=1)
    reason = models.CharField(max_length=500)

    data_categories = declare(
        behaviour=["provider", "start_date", "end_date", "hours_per_week", "reason"],
        not_personal=["id", "child", "version"],
    )

    class Meta:
        ordering = ["-start_date"]
        verbose_name = "alternative provision placement"
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="ap_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"Alternative provision {self.pk}"
