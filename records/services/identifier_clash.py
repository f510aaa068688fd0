"""One rule for an identifier (a UPN, an LA child id, a former UPN) another child holds.

"Another child already has this UPN" told a caseworker that a UPN they typed, or a file
gave, belongs to a child outside their caseload: an oracle for whether a child exists
(issue 11, "imports stay within the importer's reach"; the same holds for the edit page).
So the answer depends on who asks:
- someone who may see the child holding it (a manager, a caseworker with both children, the
  operator's command with no user) is told precisely that another child holds it;
- anyone else is told only that the identifier cannot be used for this child and to ask a
  manager, words that do not confirm that anyone holds it, and the attempt is written to the
  access log as a refused attempt at the child holding it, so a manager can see probing.

Every service that gives a child a UPN, an LA child id or a former UPN asks
`identifier_clash_errors` (child_create, child_update, child_upn_change, former_upn_add,
child_identity_sync's identifiers); a former UPN clashes with another child's current UPN. Nothing
is stored when it answers a message, except that access-log entry.

An import's writes are rolled back when a row is rejected, and the entry would go with them:
inside `clash_probes_deferred()` (import_execute) the entries are collected instead, and the
import writes them once its file is read, whatever happened to its rows.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.contrib.auth.base_user import AbstractBaseUser

from records.models import Child
from records.permissions import can_view_all_children
from records.selectors.children import children_visible_to
from records.services.access_log import access_log_record

# Child field -> how a person names it.
IDENTIFIERS = {"upn": "UPN", "la_child_id": "LA child id", "former_upns": "former UPN"}
# Child field -> the field of another child that must not hold the value: a former UPN
# clashes with another child's current UPN (two children may share a former UPN: the
# identifier selectors refuse it as ambiguous, records/selectors/identifiers.py).
HOLDER_FIELD = {"upn": "upn", "la_child_id": "la_child_id", "former_upns": "upn"}
HELD = "Another child already has this {name}"
HELD_AS_CURRENT = {"former_upns": "A former UPN is another child's current UPN"}
REFUSED = "This {name} cannot be used for this child. If it is right, ask a manager to check it."
# The access log's page for a refused identifier outside an import.
PAGE = "{name} refused"

_deferred: ContextVar[set[uuid.UUID] | None] = ContextVar("clash_probes", default=None)


@contextmanager
def clash_probes_deferred() -> Iterator[set[uuid.UUID]]:
    """Collect, instead of writing, the ids of the children a refused identifier belonged
    to, for a caller whose writes may be rolled back (an import): it logs them itself."""
    probes: set[uuid.UUID] = set()
    token = _deferred.set(probes)
    try:
        yield probes
    finally:
        _deferred.reset(token)


def identifier_clash_errors(
    *, actor: AbstractBaseUser | None, field: str, value: str, child: Child | None = None
) -> list[str]:
    """The message for giving `child` (None: a child being added) this `field` value when
    another child holds it, or [] when none does (the module's rule)."""
    if not value:
        return []
    holders = Child.objects.filter(**{HOLDER_FIELD[field]: value})
    if child is not None and child.pk is not None:
        holders = holders.exclude(pk=child.pk)
    holder = holders.values_list("pk", flat=True).first()
    if holder is None:
        return []
    name = IDENTIFIERS[field]
    if (
        actor is None
        or can_view_all_children(actor)
        or children_visible_to(actor).filter(pk=holder).exists()
    ):
        return [HELD_AS_CURRENT.get(field, HELD.format(name=name))]
    probes = _deferred.get()
    if probes is not None:
        probes.add(holder)
    else:
        access_log_record(user=actor, child_id=holder, page=PAGE.format(name=name), allowed=False)
    return [REFUSED.format(name=name)]
