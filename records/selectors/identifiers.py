"""Which child an identifier in a file means: the one rule every import uses.

A file names a child by the social care system's id (SSDA903 CHILD, CIN LAchildID), by a UPN,
or by a UPN the child had before (CTF BasicDetails/FormerUPN, CIN FormerUPN;
../shared/reference/DOMAIN.md sections (e), (g) and (i)). The rule, in order:

1. the LA child id: the child recorded with it (at most one, by the database's constraint);
2. the UPN as a child's current UPN (at most one, by the database's constraint);
3. otherwise the UPN as a child's former UPN, and each former UPN the file gives as a child's
   current or former UPN: every child these reach is a candidate, and there must be one.

Two children reached by one step are never resolved by picking one: the identifier is refused
(AmbiguousIdentifierError, a DomainError keyed by the Child field that names it), so a person
corrects the duplicate records first. The set-based form (children_for_upns) applies the same
rule to many UPNs in one query, for imports that match a whole file at once.

Reach: both take `within`, the children the importer may see (records/selectors/imports.py
import_reach: children_visible_to for a caseworker; None, the whole record, for a manager or
the operator's command). Every step is taken inside it, in SQL, so a child outside it is never
found, never makes an identifier ambiguous, and a row naming one is told NOT_IN_REACH, the same
words as for a UPN nobody has (issue 11: an import must not say whether another child exists).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from django.db import connection
from django.db.models import Q, QuerySet

from records.models import Child
from records.upn import normalise_upn
from virtualschool.errors import DomainError

LA_CHILD_ID, UPN, FORMER_UPN = "la_child_id", "upn", "former_upns"
# The one refusal for a row naming no child within the importer's reach, whether the UPN (or
# LA child id) belongs to a child out of reach or to nobody: it quotes nothing of anyone.
NOT_IN_REACH = "No child on your caseload has this UPN"
_NAMES = {LA_CHILD_ID: "LA child id", UPN: "UPN", FORMER_UPN: "former UPN"}


def ambiguity_message(identifier: str) -> str:
    """The refusal for an identifier (a Child field name) that reaches two children."""
    return (
        f"The {_NAMES[identifier]} matches more than one child: correct the duplicate records "
        "by hand before importing"
    )


class AmbiguousIdentifierError(DomainError):
    """An identifier reaches more than one child; `identifier` is the Child field naming it."""

    def __init__(self, identifier: str) -> None:
        super().__init__({identifier: [ambiguity_message(identifier)]})
        self.identifier = identifier


@dataclass(frozen=True)
class ChildMatch:
    """The child an identifier means, and which identifier found them: LA_CHILD_ID, UPN (the
    file's UPN is the child's current UPN) or FORMER_UPN (reached through a former UPN, the
    file's or the child's)."""

    child: Child
    by: str


def _one(children: Sequence[Child], identifier: str) -> Child | None:
    if len(children) > 1:
        raise AmbiguousIdentifierError(identifier)
    return children[0] if children else None


def _reach_empty(within: QuerySet[Child] | None) -> bool:
    return within is not None and within.query.is_empty()


def child_for_identifiers(
    *,
    la_child_id: str = "",
    upn: str = "",
    former_upns: Iterable[str] = (),
    within: QuerySet[Child] | None = None,
) -> ChildMatch | None:
    """The child these identifiers mean (the module's rule), or None when none has them;
    only children in `within` count (None: the whole record).

    Raises AmbiguousIdentifierError when a step reaches two children: keyed `upn` when the
    file's UPN alone reaches them, `former_upns` when its former UPNs do, `la_child_id` for
    the LA child id. At most three queries, each reading at most two rows.
    """
    la_child_id = la_child_id.strip()
    upn = normalise_upn(upn)
    formers = [value for value in dict.fromkeys(map(normalise_upn, former_upns)) if value]
    formers = [value for value in formers if value != upn]
    if _reach_empty(within):
        return None
    children = within if within is not None else Child.objects.all()
    if la_child_id:
        child = _one(list(children.filter(la_child_id=la_child_id)[:2]), LA_CHILD_ID)
        if child is not None:
            return ChildMatch(child=child, by=LA_CHILD_ID)
    if upn:
        child = _one(list(children.filter(upn=upn)[:2]), UPN)
        if child is not None:
            return ChildMatch(child=child, by=UPN)
    condition = Q(former_upns__contains=[upn]) if upn else Q()
    if formers:
        condition |= Q(upn__in=formers) | Q(former_upns__overlap=formers)
    if not condition:
        return None
    candidates = list(children.filter(condition).order_by("pk")[:2])
    if len(candidates) > 1:
        by_upn_alone = all(upn and upn in child.former_upns for child in candidates)
        raise AmbiguousIdentifierError(UPN if by_upn_alone else FORMER_UPN)
    return ChildMatch(child=candidates[0], by=FORMER_UPN) if candidates else None


@dataclass(frozen=True)
class UpnMatch:
    """What one UPN of a batch means: a child (id and date of birth, and whether through a
    former UPN), or `ambiguous` when it is the former UPN of more than one child."""

    child_id: uuid.UUID | None
    date_of_birth: date | None
    by: str
    ambiguous: bool = False


def children_for_upns(
    *, upns: Iterable[str], within: QuerySet[Child] | None = None
) -> dict[str, UpnMatch]:
    """Steps 2 and 3 of the module's rule for many UPNs in one query: each UPN (normalised)
    that reaches a child in `within` (None: the whole record) maps to its UpnMatch; a UPN no
    child in reach has is absent. One query however many UPNs, and the reach is a condition
    of that query, never a filter in Python.

    A UPN that is no child's current UPN and the former UPN of two or more children maps to
    an ambiguous UpnMatch (no child), which the caller refuses with ambiguity_message(UPN).
    """
    wanted = sorted({value for value in map(normalise_upn, upns) if value})
    if not wanted or _reach_empty(within):
        return {}
    table = Child._meta.db_table
    reach, reach_params = "", []
    if within is not None:
        sql, params = within.values("pk").query.sql_with_params()
        reach, reach_params = f"AND c.id IN ({sql})", list(params)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH wanted AS (SELECT unnest(%s::text[]) AS upn),
            current AS (
                SELECT w.upn, c.id, c.date_of_birth
                FROM wanted w JOIN {table} c ON c.upn = w.upn {reach}
            ),
            former AS (
                SELECT w.upn, min(c.id::text)::uuid AS id, min(c.date_of_birth) AS date_of_birth,
                       count(*) AS matches
                FROM wanted w JOIN {table} c ON c.former_upns @> ARRAY[w.upn]::varchar[]
                WHERE NOT EXISTS (SELECT 1 FROM current WHERE current.upn = w.upn) {reach}
                GROUP BY w.upn
            )
            SELECT upn, id, date_of_birth, 1 AS matches, true AS is_current FROM current
            UNION ALL
            SELECT upn, id, date_of_birth, matches, false FROM former
            """,  # noqa: S608 - the table name is the model's own, the reach Django's SQL
            [wanted, *reach_params, *reach_params],
        )
        rows = cursor.fetchall()
    found: dict[str, UpnMatch] = {}
    for upn, child_id, born, matches, is_current in rows:
        if matches > 1:
            found[upn] = UpnMatch(child_id=None, date_of_birth=None, by=UPN, ambiguous=True)
        else:
            by = UPN if is_current else FORMER_UPN
            found[upn] = UpnMatch(child_id=child_id, date_of_birth=born, by=by)
    return found
