"""Pupil Premium Plus (PP+) requests made at a child's PEP, their approval, and the spend
recorded against them (issue 15; shared/reference/DOMAIN.md, section (b)).

A `PpPlusRequest` is a school's request for an amount, made at one plan and tied to one or
more of its targets (`PpPlusRequestTarget`). An Admin or Manager approves it (with an amount
no more than asked) or refuses it (with a reason); the person deciding is never the one who
asked. `PpPlusSpend` rows are what the approved money bought. The allocation per child per
financial year is data: records.codes.ppplus.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from records.categories import declare
from records.models.base import ChildRecord
from records.models.child import Child, ChildOwnedMixin
from records.models.pep import Pep, PepTarget


class PpPlusStatus(models.TextChoices):
    REQUESTED = "requested", "Requested"
    APPROVED = "approved", "Approved"
    REFUSED = "refused", "Refused"


class PpPlusRequest(ChildRecord):
    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="pp_plus_requests")
    plan = models.ForeignKey(Pep, on_delete=models.CASCADE, related_name="pp_plus_requests")
    financial_year = models.PositiveSmallIntegerField(
        help_text="The financial year it is funded from, by the year it starts: 2025 for 2025-26"
    )
    amount = models.DecimalField("Amount requested (£)", max_digits=7, decimal_places=2)
    purpose = models.TextField("What it is for", blank=True)
    status = models.CharField(
        max_length=9, choices=PpPlusStatus.choices, default=PpPlusStatus.REQUESTED
    )
    approved_amount = models.DecimalField(
        "Amount approved (£)", max_digits=7, decimal_places=2, null=True, blank=True
    )
    refused_reason = models.TextField("Reason for refusing", blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    data_categories = declare(
        education_plans=[
            "financial_year",
            "amount",
            "purpose",
            "status",
            "approved_amount",
            "refused_reason",
        ],
        not_personal=[
            "id",
            "child",
            "version",
            "plan",
            "requested_by",
            "decided_by",
            "decided_at",
            "created_at",
        ],
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "PP+ request"
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0), name="ppplus_request_amount_positive"
            ),
            # The person deciding is never the one who asked (issue 15).
            models.CheckConstraint(
                condition=Q(decided_by__isnull=True) | ~Q(decided_by=F("requested_by")),
                name="ppplus_request_decider_not_requester",
            ),
            models.CheckConstraint(
                condition=~Q(status="approved")
                | Q(approved_amount__gt=0, approved_amount__lte=F("amount")),
                name="ppplus_request_approved_within_amount",
            ),
            models.CheckConstraint(
                condition=~Q(status="refused") | ~Q(refused_reason=""),
                name="ppplus_request_refused_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(status="requested") | Q(decided_by__isnull=False),
                name="ppplus_request_decided_by_someone",
            ),
        ]
        indexes = [models.Index(fields=["child", "financial_year"], name="ppplus_child_year")]

    def __str__(self) -> str:
        return f"PP+ request {self.pk}"


class PpPlusRequestTarget(ChildOwnedMixin, models.Model):
    """A target of the plan a request is tied to."""

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="+")
    request = models.ForeignKey(PpPlusRequest, on_delete=models.CASCADE, related_name="links")
    target = models.ForeignKey(PepTarget, on_delete=models.CASCADE, related_name="+")

    data_categories = declare(not_personal=["id", "child", "request", "target"])

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["request", "target"], name="ppplus_request_target_once")
        ]

    def __str__(self) -> str:
        return f"PP+ request target {self.pk}"


class PpPlusSpend(ChildRecord):
    """Money spent from an approved request: when, how much, and what it bought."""

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="pp_plus_spends")
    request = models.ForeignKey(PpPlusRequest, on_delete=models.CASCADE, related_name="spends")
    spent_on = models.DateField("Date spent")
    amount = models.DecimalField("Amount spent (£)", max_digits=7, decimal_places=2)
    bought = models.TextField("What it bought")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    data_categories = declare(
        education_plans=["spent_on", "amount", "bought"],
        not_personal=["id", "child", "version", "request", "recorded_by", "created_at"],
    )

    class Meta:
        ordering = ["spent_on", "id"]
        verbose_name = "PP+ spend"
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="ppplus_spend_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"PP+ spend {self.pk}"
