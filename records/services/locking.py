"""Shared write steps for the rows of a child's record: create, and update under an
optimistic lock, so two people editing the same row never silently overwrite each other."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Generic, TypeVar

from auditlog.context import set_actor
from auditlog.models import LogEntry
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.formats import date_format

from virtualschool.errors import DomainError

M = TypeVar("M", bound=models.Model)

STALE_MESSAGE = (
    "{who} changed this {what} at {when}, after you opened it. Your changes have not been "
    "saved. Go back to the record to see their changes, then make yours again."
)


class SyncOutcome(StrEnum):
    """What a service that syncs a row from a file did with it (formatted as its value, so an
    import counts it as e.g. `episodes_created`)."""

    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


@dataclass(frozen=True)
class Synced(Generic[M]):
    """A row a sync service wrote or found as the file says, and what it did."""

    row: M
    outcome: SyncOutcome


@dataclass(frozen=True)
class SyncCounts:
    """What a service that syncs many rows from a file at once did with them."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0


def _validated(instance: models.Model) -> None:
    """Field types, choices and database constraints, reported per field.

    A value outside a field's code list is reported with the values allowed, so an API client
    or an import learns what to send.
    """
    try:
        instance.full_clean()
    except ValidationError as error:
        raise DomainError(
            {
                name: [_explained(instance, name, item) for item in items]
                for name, items in error.error_dict.items()
            }
        ) from error


def _explained(instance: models.Model, name: str, error: ValidationError) -> str:
    if error.code == "invalid_choice" and name != NON_FIELD_ERRORS:
        field = instance._meta.get_field(name)
        allowed = ", ".join(f"{value} ({label})" for value, label in field.flatchoices)
        label = str(field.verbose_name)
        return f"{label[:1].upper()}{label[1:]} must be one of: {allowed}"
    return " ".join(error.messages)


def record_create(*, actor: AbstractBaseUser | None, instance: M) -> M:
    """Save a new row after model validation, in a transaction, attributed to `actor`."""
    _validated(instance)
    with transaction.atomic(), set_actor(actor):
        instance.save()
    return instance


def record_update(
    *,
    actor: AbstractBaseUser | None,
    instance: M,
    expected_version: int,
    changes: dict[str, object],
) -> M:
    """Apply `changes` if the row is still at `expected_version`; refuse with a message that
    says who changed it otherwise. The row is locked while it is checked and written."""
    model = type(instance)
    with transaction.atomic(), set_actor(actor):
        current = model.objects.select_for_update().get(pk=instance.pk)
        if current.version != expected_version:
            raise DomainError({NON_FIELD_ERRORS: [_stale_message(current)]})
        for name, value in changes.items():
            setattr(current, name, value)
        current.version += 1
        _validated(current)
        current.save()
    return current


def _stale_message(current: models.Model) -> str:
    last = (
        LogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(current), object_pk=str(current.pk)
        )
        .select_related("actor")
        .order_by("-timestamp")
        .first()
    )
    who = "Someone else"
    when = "a time since"
    if last is not None:
        if last.actor is not None:
            who = last.actor.get_full_name() or last.actor.get_username()
        when = date_format(timezone.localtime(last.timestamp), "H:i \\o\\n j F Y")
    return STALE_MESSAGE.format(who=who, what=current._meta.verbose_name, when=when)
