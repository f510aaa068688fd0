"""Writes a Common Transfer File import needs that no other service makes: a child's UPN
replaced by a new one (the old kept as a former UPN), and register marks recorded only where
they differ from what is held (former UPNs: records/services/children.py former_upn_add).

The CTF importer (records/imports/ctf.py) calls these inside its file's transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction

from records.models import AttendanceSession, Child
from records.services.attendance import SessionMark, attendance_record
from records.services.child_update import upn_checked_changes
from records.services.identifier_clash import identifier_clash_errors
from records.services.locking import record_update
from records.upn import normalise_upn, validate_upn
from virtualschool.errors import DomainError


def child_upn_change(*, actor: AbstractBaseUser | None, child: Child, upn: str) -> Child:
    """Give a child a new UPN and keep the one it replaces in `former_upns`.

    A school allocates a permanent UPN to a pupil who had a temporary one, and a CTF then
    carries the old one as BasicDetails/FormerUPN (../shared/reference/DOMAIN.md sections (e)
    and (g)). Rules: the new UPN passes the DfE check-letter rule (records/upn.py) and belongs
    to no other child, as for a UPN entered by hand (records/services/identifier_clash.py). The
    row is written under the optimistic lock (records/services/locking.py), so a caseworker's
    edit made meanwhile is never silently overwritten. The valid UPN clears "UPN needs
    checking", as a UPN entered by hand does (child_update.upn_checked_changes).
    """
    upn = normalise_upn(upn)
    try:
        validate_upn(upn)
    except ValidationError as error:
        raise DomainError({"upn": error.messages}) from error
    if clash := identifier_clash_errors(actor=actor, field="upn", value=upn, child=child):
        raise DomainError({"upn": clash})
    checked = upn_checked_changes(upn)
    if child.upn == upn and all(getattr(child, f) == v for f, v in checked.items()):
        return child
    former = [value for value in child.former_upns if value != upn]
    if child.upn and child.upn != upn and child.upn not in former:
        former.append(child.upn)
    return record_update(
        actor=actor,
        instance=child,
        expected_version=child.version,
        changes={"upn": upn, "former_upns": former, **checked},
    )


@dataclass(frozen=True)
class MarksOutcome:
    """How many of the marks given were new sessions, changed ones, and already held."""

    added: int
    changed: int
    unchanged: int


def attendance_marks_record(
    *, actor: AbstractBaseUser | None, child: Child, marks: Sequence[SessionMark]
) -> MarksOutcome:
    """Record the register marks that differ from the sessions held, through
    attendance_record (its rules, its term summaries, the history of a replaced code, and its
    batch audit event).

    Marks identical to the session held (same code and school) are not passed on, so the
    same file imported twice leaves no trace the second time (attendance_record writes a
    BatchEvent on every call). Marks that are passed on are checked by attendance_record's
    rules; a refusal saves nothing.
    """
    if not marks:
        return MarksOutcome(0, 0, 0)
    with transaction.atomic():
        Child.objects.select_for_update(no_key=True).filter(pk=child.pk).values_list("pk").get()
        dates = [mark.date for mark in marks]
        held = {
            (row.date, row.session): (row.code, row.school_id)
            for row in AttendanceSession.objects.filter(
                child=child, date__gte=min(dates), date__lte=max(dates)
            ).only("date", "session", "code", "school_id")
        }
        to_write = [
            mark
            for mark in marks
            if held.get((mark.date, mark.session))
            != (mark.code, mark.school.pk if mark.school is not None else None)
        ]
        if not to_write:
            return MarksOutcome(0, 0, len(marks))
        batch = attendance_record(actor=actor, child=child, sessions=to_write)
        return MarksOutcome(
            added=batch.details["added"],
            changed=batch.details["changed"],
            unchanged=len(marks) - len(to_write) + batch.details["unchanged"],
        )
