"""Health (a sensitive category): conditions and needs, and health professionals involved."""

from __future__ import annotations

from django.db import models

from records.categories import declare
from records.models.base import ChildRecord
from records.models.child import Child


class HealthCondition(ChildRecord):
    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="health_conditions")
    condition = models.CharField(max_length=200)
    needs = models.TextField("Needs and support at school", blank=True)

    data_categories = declare(
        health=["condition", "needs"], not_personal=["id", "child", "version"]
    )

    class Meta:
        ordering = ["condition"]

    def __str__(self) -> str:
        return f"Health condition {self.pk}"


class HealthProfessional(ChildRecord):
    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="health_professionals")
    role = models.CharField(max_length=200, help_text="For example, school nurse or CAMHS worker")
    name = models.CharField(max_length=200)
    organisation = models.CharField(max_length=200, blank=True)
    contact_details = models.CharField(max_length=200, blank=True)

    data_categories = declare(
        health=["role", "name", "organisation", "contact_details"],
        not_personal=["id", "child", "version"],
    )

    class Meta:
        ordering = ["role"]

    def __str__(self) -> str:
        return f"Health professional {self.pk}"
