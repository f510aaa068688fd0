"""Retention rules, each child's destruction date, and the audit of rule changes (ADR 10).

Depends on records (and sharing); neither imports retention: records calls retention through
the hooks it registers (records/lifecycle.py).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from records.categories import declare
from records.codes import Cohort


class CountsFrom(models.TextChoices):
    """The day a rule's period starts."""

    EIGHTEENTH_BIRTHDAY = "18th_birthday", "the child's 18th birthday"
    CLOSURE = "closure", "the case's closure (or the episode's end, if later)"
    EPISODE_END = "episode_end", "the end of the episode"


class RetentionRule(models.Model):
    """How long a cohort's records are kept: `years` after the day it `counts_from`, never
    fewer than `minimum_years` (the legal minimum, counted from the same day, where the law
    sets one). Rules are data: seeded by migration 0002 from the privacy notice, changed only
    through retention.services.retention_rule_change, which audits each change."""

    cohort = models.CharField(max_length=4, choices=Cohort.choices, unique=True)
    years = models.PositiveSmallIntegerField()
    counts_from = models.CharField(max_length=14, choices=CountsFrom.choices)
    minimum_years = models.PositiveSmallIntegerField(null=True, blank=True)
    basis = models.TextField(help_text="Why the records are kept this long")
    source = models.TextField(help_text="Where the period comes from")
    legal_minimum = models.TextField(blank=True, help_text="The law's minimum, in words")

    class Meta:
        ordering = ["cohort"]
        constraints = [
            models.CheckConstraint(condition=Q(years__gt=0), name="retention_rule_years_positive"),
            models.CheckConstraint(
                condition=Q(minimum_years__isnull=True) | Q(years__gte=models.F("minimum_years")),
                name="retention_rule_not_below_minimum",
            ),
        ]

    def __str__(self) -> str:
        after = self.get_counts_from_display()
        return f"{self.get_cohort_display()}: {self.years} years after {after}"


class RetentionRuleChange(models.Model):
    """One change to a rule: who, when, which field, before and after (as staff.StaffChange).
    Written by retention.services alone, in the change's transaction. Names no child."""

    rule = models.ForeignKey(RetentionRule, on_delete=models.PROTECT, related_name="changes")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)
    field = models.CharField(max_length=20)
    before = models.TextField(blank=True)
    after = models.TextField(blank=True)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"Retention rule change {self.pk}"


class ChildRetention(models.Model):
    """A child's destruction date: the latest date of every rule that applies (None while a
    case is open, or when no rule applies: nothing is destroyed without a date), and the rule
    that set it. Recomputed in the transaction that changes what it counts from
    (records/lifecycle.py) and by the daily sweep. `due_since` is the sweep's mark: the first
    day it found the child due."""

    child = models.OneToOneField(
        "records.Child", on_delete=models.CASCADE, related_name="retention", primary_key=True
    )
    due_date = models.DateField(null=True, blank=True)
    rule = models.ForeignKey(RetentionRule, on_delete=models.PROTECT, null=True, blank=True)
    computed_at = models.DateTimeField(auto_now=True)
    due_since = models.DateField(null=True, blank=True)

    data_categories = declare(
        social_care=["due_date", "rule", "due_since"],
        not_personal=["child", "computed_at"],
    )

    class Meta:
        indexes = [models.Index(fields=["due_date"], name="child_retention_due")]

    def __str__(self) -> str:
        return f"Retention of child {self.child_id}"
