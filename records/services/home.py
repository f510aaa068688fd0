"""What the home page remembers per person: when they last opened the list behind an item."""

from __future__ import annotations

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from records.models import HomeSeen


def home_seen_mark(*, user: AbstractBaseUser, item: str) -> HomeSeen:
    """Record that `user` opened the list behind `item` now, so the home page counts only what
    is new after it ("since you last looked"). One row per person and item, replaced each time;
    it names no child, so nothing of anyone's record is written or audited."""
    with transaction.atomic():
        seen, _ = HomeSeen.objects.update_or_create(
            user=user, item=HomeSeen.Item(item), defaults={"seen_at": timezone.now()}
        )
    return seen
