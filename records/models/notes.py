"""Notes for the categories that have no structured record of their own."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from records.categories import DataCategory, declare
from records.models.base import ChildRecord
from records.models.child import Child

# The privacy-notice categories a note can be filed under (family and criminal are sensitive).
NOTE_CATEGORIES = (
    DataCategory.SOCIAL_CARE,
    DataCategory.OTHER_AGENCIES,
    DataCategory.HOUSING,
    DataCategory.EMPLOYMENT,
    DataCategory.OTHER_LA,
    DataCategory.FAMILY,
    DataCategory.CRIMINAL,
    DataCategory.SUPPORT_NETWORK,
    DataCategory.REFERRAL,
    DataCategory.EDUCATION_PLANS,
)
# A note about the child's education (a call with the designated teacher, a PEP meeting's
# follow-up) is filed under the education plans category, shown as "Education" (issue 15).
NOTE_LABELS = {DataCategory.EDUCATION_PLANS: "Education"}
NOTE_CATEGORY_CHOICES = [
    (category.value, NOTE_LABELS.get(category, category.label)) for category in NOTE_CATEGORIES
]


class Note(ChildRecord):
    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="notes")
    category = models.CharField(max_length=20, choices=NOTE_CATEGORY_CHOICES)
    text = models.TextField()
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    written_on = models.DateField()

    # What a note is filed under says something of the child too ("criminal"), so the category
    # field is in its own row's category, and audited like the text.
    data_categories = declare(
        by_row={"text": "category", "category": "category"},
        not_personal=["id", "child", "version", "author", "written_on"],
    )

    class Meta:
        ordering = ["-written_on", "-id"]
        indexes = [models.Index(fields=["child", "category"], name="note_child_category")]

    def __str__(self) -> str:
        return f"Note {self.pk}"
