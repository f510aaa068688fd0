"""The one way in for what the subject-access export writes: the access log and the child's
audit history (DESIGN.md, Access: every view of a child's record is in an access log, every
change in the audit history)."""

from __future__ import annotations

import uuid

from auditlog.models import LogEntry
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction

from records.models import Child
from records.services import access_log_record

PAGE = "subject-access export"
WARNING_PAGE = "subject-access export warning"


def subject_access_refusal_record(*, user: AbstractBaseUser, child_id: uuid.UUID) -> None:
    """A refused attempt at a child's export (a role that may not, or no such child)."""
    access_log_record(user=user, child_id=child_id, page=PAGE, allowed=False)


def subject_access_warning_record(*, user: AbstractBaseUser, child: Child) -> None:
    """The warning page names the child: a view of the record like any other."""
    access_log_record(user=user, child_id=child.pk, page=WARNING_PAGE, allowed=True)


@transaction.atomic
def subject_access_export_record(*, user: AbstractBaseUser, child: Child) -> LogEntry:
    """Record that `user` exported everything held on `child`: a line in the access log, and
    an "access" entry in the child's audit history (django-auditlog's ACCESS action, found by
    its indexed child id like every entry about the child). BatchEvent has no kind for it and
    adding one is a migration; the audit entry needs none, and destruction deletes it with the
    child's other entries."""
    access_log_record(user=user, child_id=child.pk, page=PAGE, allowed=True)
    return LogEntry.objects.log_create(
        child,
        force_log=True,
        action=LogEntry.Action.ACCESS,
        actor=user,
        serialized_data=None,
        additional_data={"child_id": str(child.pk), "subject_access_export": True},
    )
