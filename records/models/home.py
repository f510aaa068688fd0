"""What the home page remembers of each person, and the removals of mistaken entries."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from records.categories import DataCategory, declare
from records.models.child import Child, ChildOwnedMixin


class HomeSeen(models.Model):
    """When a person last opened the list behind one item of their home page ("new
    suspensions and exclusions since you last looked"). Names a member of staff and an item,
    never a child, so it is not in the data map."""

    class Item(models.TextChoices):
        NEW_EXCLUSIONS = "new_exclusions", "New suspensions and exclusions"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    item = models.CharField(max_length=30, choices=Item.choices)
    seen_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "item"], name="home_seen_per_user_item")
        ]

    def __str__(self) -> str:
        return f"Home seen {self.pk}"


class EntryRemoval(ChildOwnedMixin, models.Model):
    """A mistaken entry removed from a child's record: which kind of row, who removed it,
    when and why. The row itself is gone (or redacted, as the data map says); this is what
    the history page shows in its place ("Removed by X: reason"). The reason is in the
    category of the entry it removed, so it is seen by those who could see that entry."""

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="removals")
    # The area of the record (a tab's slug) and the kind of row ("court order").
    area = models.CharField(max_length=30)
    item_name = models.CharField(max_length=100)
    category = models.CharField(max_length=20, choices=DataCategory.choices)
    reason = models.TextField()
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    removed_at = models.DateTimeField(default=timezone.now)

    data_categories = declare(
        by_row={"reason": "category", "category": "category"},
        not_personal=["id", "child", "area", "item_name", "removed_by", "removed_at"],
    )

    class Meta:
        ordering = ["-removed_at"]

    def __str__(self) -> str:
        return f"Entry removal {self.pk}"
