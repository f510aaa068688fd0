"""Schools (a reference table, not personal data) and the children on their rolls."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q

from records.categories import declare
from records.codes.census import NcYear, SchoolPhase
from records.models.base import ChildRecord


class School(models.Model):
    """A school or other setting, by its DfE unique reference number. Not personal data."""

    urn = models.PositiveIntegerField("URN", unique=True)
    # The UK Register of Learning Providers' number (8 digits beginning 1): how a post-16
    # provider is known to a sharing agreement (sharing/cohort.py). Blank when not known.
    ukprn = models.CharField(
        "UKPRN", max_length=8, blank=True, default="", db_default="", db_index=True
    )
    name = models.CharField(max_length=200)
    la_code = models.CharField("Local authority code", max_length=3, blank=True)
    la_name = models.CharField("Local authority", max_length=100, blank=True)
    establishment_number = models.CharField(max_length=4, blank=True)
    phase = models.CharField(max_length=16, choices=SchoolPhase.choices, blank=True)
    establishment_type = models.CharField(max_length=100, blank=True)
    is_open = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.urn})"

    @property
    def laestab(self) -> str:
        """The DfE LAESTAB: LA code followed by the establishment number."""
        if self.la_code and self.establishment_number:
            return f"{self.la_code}{self.establishment_number}"
        return ""


class Enrolment(ChildRecord):
    """A child on a school's roll from a start date, to an end date once they leave."""

    child = models.ForeignKey("records.Child", on_delete=models.CASCADE, related_name="enrolments")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="enrolments")
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    nc_year = models.CharField("NC year group", max_length=2, choices=NcYear.choices, blank=True)
    reason_for_leaving = models.CharField(max_length=200, blank=True)

    data_categories = declare(
        attendance=["school", "start_date", "end_date", "nc_year", "reason_for_leaving"],
        not_personal=["id", "child", "version"],
    )

    class Meta:
        ordering = ["-start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="enrolment_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"Enrolment {self.pk}"
