"""Pupil characteristics: ethnicity, language, SEN, free school meals, placement in borough."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q

from records.categories import declare
from records.codes.census import Ethnicity, FirstLanguage, SenNeed, SenProvision
from records.models.base import ChildRecord
from records.models.child import Child


class Characteristics(ChildRecord):
    """One per child: the characteristics the school census and 903 return describe."""

    child = models.OneToOneField(
        Child, on_delete=models.CASCADE, primary_key=True, related_name="characteristics"
    )
    ethnicity = models.CharField(max_length=4, choices=Ethnicity.choices, blank=True)
    first_language = models.CharField(max_length=3, choices=FirstLanguage.choices, blank=True)
    english_additional_language = models.BooleanField(
        "English as an additional language", null=True, blank=True
    )
    arrived_from_overseas = models.BooleanField(null=True, blank=True)
    unaccompanied_asylum_seeking = models.BooleanField(
        "Unaccompanied asylum-seeking child", default=False
    )
    sen_provision = models.CharField(
        "SEN provision", max_length=1, choices=SenProvision.choices, blank=True
    )
    sen_primary_need = models.CharField(
        "SEN primary need", max_length=4, choices=SenNeed.choices, blank=True
    )
    placed_in_borough = models.BooleanField("Placed in borough", null=True, blank=True)

    data_categories = declare(
        characteristics=[
            "ethnicity",
            "first_language",
            "english_additional_language",
            "arrived_from_overseas",
            "sen_provision",
            "sen_primary_need",
        ],
        social_care=["unaccompanied_asylum_seeking", "placed_in_borough"],
        not_personal=["child", "version"],
    )

    class Meta:
        verbose_name_plural = "characteristics"
        constraints = [
            models.CheckConstraint(
                condition=Q(sen_primary_need="") | Q(sen_provision__in=["E", "K"]),
                name="characteristics_need_needs_provision",
            ),
        ]

    def __str__(self) -> str:
        return f"Characteristics of child {self.pk}"

    @property
    def responsible_la_code(self) -> str:
        """The responsible authority's LA code, held once, on the child
        (Child.responsible_la_code, which sharing's cohort rule reads): the characteristics
        page shows and sets it (issue 13; it replaced a free-text field here)."""
        return self.child.responsible_la_code


class FreeSchoolMealsPeriod(ChildRecord):
    """A period of eligibility for free school meals (FSM6 counts any in the last six years)."""

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="fsm_periods")
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)

    data_categories = declare(
        characteristics=["start_date", "end_date"], not_personal=["id", "child", "version"]
    )

    class Meta:
        ordering = ["-start_date"]
        verbose_name = "free school meals period"
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="fsm_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"FSM period {self.pk}"
