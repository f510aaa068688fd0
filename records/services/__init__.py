"""Writes to the child record, one module per area. Every change goes through a service.

Each service validates, writes inside one transaction, and leaves its audit trail
(django-auditlog entries attributed to `actor`). A refused change raises DomainError with
messages keyed by field, and nothing is saved. HTML views, API views and management commands
all call these same functions.
"""

from records.services.access_log import access_log_record, access_log_record_many
from records.services.children import (
    allocation_create,
    allocation_end,
    allocation_reallocate,
    caseload_end,
    child_create,
)
from records.services.episodes import episode_add, episode_update
from records.services.schools import enrolment_record

__all__ = [
    "access_log_record",
    "access_log_record_many",
    "allocation_create",
    "allocation_end",
    "caseload_end",
    "allocation_reallocate",
    "child_create",
    "enrolment_record",
    "episode_add",
    "episode_update",
]
