"""The people around a child (carers, social worker, designated teacher) and past addresses."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q

from records.categories import declare
from records.models.base import ChildRecord
from records.models.child import Child


class Contact(ChildRecord):
    class Relationship(models.TextChoices):
        CARER = "carer", "Carer"
        PARENT = "parent", "Parent"
        SOCIAL_WORKER = "social_worker", "Social worker"
        DESIGNATED_TEACHER = "designated_teacher", "Designated teacher"
        IRO = "iro", "Independent reviewing officer"
        PERSONAL_ADVISER = "personal_adviser", "Personal adviser"
        OTHER = "other", "Other"

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="contacts")
    relationship = models.CharField(max_length=18, choices=Relationship.choices)
    name = models.CharField(max_length=200)
    organisation = models.CharField(max_length=200, blank=True)
    phone = models.CharField(max_length=30, blank=True)
    email = models.EmailField(blank=True)

    data_categories = declare(
        support_network=["relationship"],
        contact=["name", "organisation", "phone", "email"],
        not_personal=["id", "child", "version"],
    )

    class Meta:
        ordering = ["relationship", "name"]

    def __str__(self) -> str:
        return f"Contact {self.pk}"


class AddressChange(models.TextChoices):
    """Why a child's current address changed (records/services/child_update.py): only a move
    keeps the old address as a previous address."""

    CORRECTION = "correction", "Correcting a mistake in this address"
    MOVE = "move", "They have moved to a new address"


class PreviousAddress(ChildRecord):
    """An address the child lived at before the current one (kept on Child)."""

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="previous_addresses")
    address_line_1 = models.CharField("Address line 1", max_length=200)
    address_line_2 = models.CharField("Address line 2", max_length=200, blank=True)
    town = models.CharField("Town or city", max_length=100, blank=True)
    postcode = models.CharField(max_length=10, blank=True)
    from_date = models.DateField(null=True, blank=True)
    to_date = models.DateField()

    data_categories = declare(
        contact=["address_line_1", "address_line_2", "town", "postcode", "from_date", "to_date"],
        not_personal=["id", "child", "version"],
    )

    class Meta:
        ordering = ["-to_date"]
        verbose_name_plural = "previous addresses"
        constraints = [
            models.CheckConstraint(
                condition=Q(from_date__isnull=True) | Q(to_date__gte=F("from_date")),
                name="previous_address_to_after_from",
            ),
        ]

    def __str__(self) -> str:
        return f"Previous address {self.pk}"
