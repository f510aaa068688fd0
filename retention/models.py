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


class LegalHold(models.Model):
    """A child's record may not be destroyed while a hold covers it: placed with a reason (an
    inquiry, litigation, an open subject access request, a complaint), by whom and until when
    (open-ended when `until` is empty); lifted with a reason."""

    child = models.ForeignKey("records.Child", on_delete=models.CASCADE, related_name="holds")
    reason = models.TextField()
    until = models.DateField(null=True, blank=True)
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    placed_at = models.DateTimeField(auto_now_add=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    lifted_at = models.DateTimeField(null=True, blank=True)
    lift_reason = models.TextField(blank=True)

    data_categories = declare(
        social_care=["reason", "until", "lift_reason"],
        not_personal=["id", "child", "placed_by", "placed_at", "lifted_by", "lifted_at"],
    )

    class Meta:
        ordering = ["-placed_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="legal_hold_has_reason"),
        ]

    def __str__(self) -> str:
        return f"Legal hold {self.pk}"


class DestructionList(models.Model):
    """Children proposed for destruction by one Admin, approved by another; approval sets
    the planned date, at least settings.RETENTION_LIST_NOTICE_DAYS later. Names no child
    itself: its entries do."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", "Proposed"
        APPROVED = "approved", "Approved"
        CANCELLED = "cancelled", "Cancelled"
        DONE = "done", "Destroyed"

    status = models.CharField(max_length=9, choices=Status.choices, default=Status.PROPOSED)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    proposed_on = models.DateField()
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_on = models.DateField(null=True, blank=True)
    planned_date = models.DateField(null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    cancelled_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-proposed_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(approved_by__isnull=True) | ~Q(approved_by=models.F("proposed_by")),
                name="destruction_list_second_admin",
            ),
        ]

    def __str__(self) -> str:
        return f"Destruction list {self.pk}"


class DestructionListEntry(models.Model):
    """One child on a destruction list (deleted with the child when they are destroyed)."""

    destruction_list = models.ForeignKey(
        DestructionList, on_delete=models.CASCADE, related_name="entries"
    )
    child = models.ForeignKey(
        "records.Child", on_delete=models.CASCADE, related_name="destruction_entries"
    )

    data_categories = declare(not_personal=["id", "destruction_list", "child"])

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["destruction_list", "child"], name="destruction_entry_once"
            ),
        ]

    def __str__(self) -> str:
        return f"Destruction list entry {self.pk}"


class DestructionCertificate(models.Model):
    """What was destroyed, identifying no one: `reference` is HMAC-SHA256 of the child's id
    with settings.RETENTION_CERTIFICATE_KEY, so "was child X destroyed?" is answerable given
    the id and nothing else. Written in the destruction's transaction; never edited."""

    reference = models.CharField(max_length=64, unique=True)
    rule = models.CharField(max_length=200)
    due_date = models.DateField()
    categories = models.JSONField(default=list)
    row_counts = models.JSONField(default=dict)
    destroyed_at = models.DateTimeField(auto_now_add=True)
    destruction_list = models.ForeignKey(
        DestructionList, on_delete=models.PROTECT, related_name="certificates"
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    software_version = models.CharField(max_length=40)

    class Meta:
        ordering = ["-destroyed_at", "-pk"]

    def __str__(self) -> str:
        return f"Destruction certificate {self.pk}"
