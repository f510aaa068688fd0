"""What every editable row of a child's record shares."""

from __future__ import annotations

from django.db import models

from records.models.child import ChildOwnedMixin


class ChildRecord(ChildOwnedMixin, models.Model):
    """A row of a child's record kept from the pages and the API.

    `version` is the optimistic lock: an update names the version it was read at and is refused
    when someone else saved first (records/services/locking.py). Subclasses declare `child`
    with their own related_name and list `version` under not_personal.
    """

    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        abstract = True
