"""The access log: who saw a child's record, or was refused it (DESIGN.md, Access)."""

from __future__ import annotations

import uuid

from django.contrib.auth.base_user import AbstractBaseUser

from records.models import AccessLogEntry


def access_log_record(
    *, user: AbstractBaseUser, child_id: uuid.UUID, page: str, allowed: bool
) -> AccessLogEntry:
    """Record a view of a child's record, or a refused attempt at one (DESIGN.md, Access)."""
    outcome = AccessLogEntry.Outcome.VIEWED if allowed else AccessLogEntry.Outcome.DENIED
    return AccessLogEntry.objects.create(child_id=child_id, user=user, page=page, outcome=outcome)


def access_log_record_many(
    *, user: AbstractBaseUser, child_ids: list[uuid.UUID], page: str, allowed: bool = True
) -> list[AccessLogEntry]:
    """Record that a list showed `user` each of these children (or, not `allowed`, that an
    attempt at each was refused), in one INSERT.

    The bulk counterpart of access_log_record, for list pages and imports; access log entries
    are not audited rows, so bulk_create loses nothing.
    """
    outcome = AccessLogEntry.Outcome.VIEWED if allowed else AccessLogEntry.Outcome.DENIED
    entries = [
        AccessLogEntry(child_id=child_id, user=user, page=page, outcome=outcome)
        for child_id in child_ids
    ]
    return AccessLogEntry.objects.bulk_create(entries) if entries else []
