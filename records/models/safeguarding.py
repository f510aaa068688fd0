"""Safeguarding (a sensitive category): court orders and professionals involved."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q

from records.categories import declare
from records.models.base import ChildRecord
from records.models.child import Child


class CourtOrder(ChildRecord):
    class OrderType(models.TextChoices):
        INTERIM_CARE = "interim_care", "Interim care order"
        CARE = "care", "Care order"
        SUPERVISION = "supervision", "Supervision order"
        PLACEMENT = "placement", "Placement order"
        EMERGENCY_PROTECTION = "epo", "Emergency protection order"
        SPECIAL_GUARDIANSHIP = "sgo", "Special guardianship order"
        CHILD_ARRANGEMENTS = "cao", "Child arrangements order"
        SECURE_ACCOMMODATION = "secure", "Secure accommodation order"
        DEPRIVATION_OF_LIBERTY = "dol", "Deprivation of liberty order"
        OTHER = "other", "Other order"

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="court_orders")
    order_type = models.CharField(max_length=12, choices=OrderType.choices)
    court = models.CharField(max_length=200)
    made_on = models.DateField()
    expires_on = models.DateField(null=True, blank=True)

    data_categories = declare(
        safeguarding=["order_type", "court", "made_on", "expires_on"],
        not_personal=["id", "child", "version"],
    )

    class Meta:
        ordering = ["-made_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_on__isnull=True) | Q(expires_on__gte=F("made_on")),
                name="court_order_expires_after_made",
            ),
        ]

    def __str__(self) -> str:
        return f"Court order {self.pk}"


class ProfessionalInvolvement(ChildRecord):
    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="professionals")
    agency = models.CharField(max_length=200)
    role = models.CharField(max_length=200)
    contact_name = models.CharField(max_length=200, blank=True)
    contact_details = models.CharField(max_length=200, blank=True)
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)

    data_categories = declare(
        safeguarding=[
            "agency",
            "role",
            "contact_name",
            "contact_details",
            "start_date",
            "end_date",
        ],
        not_personal=["id", "child", "version"],
    )

    class Meta:
        ordering = ["-start_date"]
        verbose_name = "professional involvement"
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="professional_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"Professional involvement {self.pk}"
