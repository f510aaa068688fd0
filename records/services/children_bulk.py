"""The bulk path of the social care returns (SSDA903, CIN census; issue 12, "Speed"): a batch
of a return's children, each with the episodes the return gives them, is decided in a fixed
number of queries whatever its size, instead of some 57 queries a child through
child_identity_sync and episode_sync.

What the bulk path decides, and what it leaves to the per-child services:
- a child the record holds exactly as the return says (found by their LA child id, within the
  importer's reach; identity, identifiers, ethnicity and every episode already as the file
  gives them) is UNCHANGED, and nothing is written: the services would write nothing either;
- a child nobody on the record has any of the identifiers of (LA child id, UPN, former UPN),
  whose values pass the rules child_create, characteristics_record and episode_add apply,
  is CREATED, with their episodes, by one INSERT a table for the batch. The batch's audit
  record is one BatchEvent of kind RETURN (STYLE.md 10: auditlog sees no bulk INSERT): who,
  the import run, how many rows of each table, the episodes' date range;
- every other child (a change to a held child, a refusal, an identifier two of the batch's
  children share, a death date) is None: the caller sends them through child_identity_sync and
  episode_sync, which hold every rule and its words, one child at a time;
- when a batch would create at most AUDITLOG_ROWS_MAX children, they are None too: for so few
  rows the services' row-by-row auditlog entries (each field's value) are kept.
The caller runs inside the import's one transaction per file; children created here are seen
by no one else until it commits, so no row lock is needed.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone

from records.lifecycle import many_dates_changed
from records.models import BatchEvent, Characteristics, Child, LegalStatusEpisode
from records.services.children import (
    PLACEHOLDER_FIRST_NAME,
    ChildIdentity,
    placeholder_last_name,
)
from records.services.episodes import episode_shape_errors
from records.services.locking import SyncOutcome

# At or below this many children created in a batch, the per-child services write them, so
# that each row has its own django-auditlog entry; above it the batch's BatchEvent is the
# audit record.
AUDITLOG_ROWS_MAX = 50
# Children decided together: the queries are per batch, and only one batch's rows are held.
BATCH_SIZE = 500


@dataclass(frozen=True)
class EpisodeWant:
    """An episode as a return gives it (episode_sync's arguments)."""

    cohort: str
    start_date: date
    end_date: date | None = None
    legal_status: str = ""
    plac_route: str = ""
    closure_date: date | None = None


@dataclass(frozen=True)
class ReturnChild:
    """A child as a return gives them. `bulk` False: the caller writes them one by one
    whatever this service finds (their rows have errors), but their identifiers still count
    as shared with the batch's other children."""

    identity: ChildIdentity
    episodes: tuple[EpisodeWant, ...] = ()
    bulk: bool = True


@dataclass(frozen=True)
class BulkOutcome:
    """What the bulk path did with one child, and with each of their episodes: CREATED or
    UNCHANGED."""

    child_id: uuid.UUID
    outcome: SyncOutcome


_EPISODE_VALUES = ("legal_status", "plac_route", "end_date", "closure_date")


def return_children_sync_bulk(
    *,
    actor: AbstractBaseUser | None,
    children: Sequence[ReturnChild],
    create_missing: bool,
    within: QuerySet[Child] | None,
    details: dict[str, object],
) -> list[BulkOutcome | None]:
    """Decide a batch of a return's children in bulk (the module's rules): for each, a
    BulkOutcome, or None for the per-child services. `details` (the run, the kind of return;
    never personal data) goes into the batch's BatchEvent."""
    results: list[BulkOutcome | None] = [None] * len(children)
    candidates = [index for index in _unshared(children) if children[index].bulk]
    holders = _holders([children[i] for i in candidates])
    reachable = _reachable(within, {h["id"] for rows in holders.values() for h in rows})
    held: dict[int, dict] = {}
    new: list[int] = []
    for index in candidates:
        identity = children[index].identity
        rows = _holders_of(identity, holders)
        if not rows:
            if within is None and create_missing:
                new.append(index)
        elif (
            len(rows) == 1
            and rows[0]["la_child_id"] == identity.la_child_id
            and rows[0]["id"] in reachable
            and _identity_unchanged(rows[0], identity)
        ):
            held[index] = rows[0]
    for index in _episodes_unchanged(children, held):
        results[index] = BulkOutcome(held[index]["id"], SyncOutcome.UNCHANGED)
    new = [index for index in new if _creatable(children[index])]
    if len(new) > AUDITLOG_ROWS_MAX:
        created = _create(actor, [children[i] for i in new], details)
        for index, child_id in zip(new, created, strict=True):
            results[index] = BulkOutcome(child_id, SyncOutcome.CREATED)
    return results


def _identifiers(identity: ChildIdentity) -> list[str]:
    return [
        value
        for value in (f"la:{identity.la_child_id}", identity.upn, identity.former_upn)
        if value and value != "la:"
    ]


def _unshared(children: Sequence[ReturnChild]) -> list[int]:
    """The batch's children that share no identifier with another of the batch (a UPN is
    compared with former UPNs as well): the others' order matters, so they go one by one."""
    seen = Counter(value for child in children for value in set(_identifiers(child.identity)))
    return [
        index
        for index, child in enumerate(children)
        if all(seen[value] == 1 for value in set(_identifiers(child.identity)))
    ]


_HOLDER_FIELDS = (
    "id", "la_child_id", "upn", "former_upns", "upn_unknown", "upn_needs_checking",
    "date_of_birth", "gender",
)  # fmt: skip


def _holders(children: Sequence[ReturnChild]) -> dict[str, list[dict]]:
    """Every child on the whole record holding one of the batch's identifiers, by identifier
    (`la:` + an LA child id, or a UPN current or former): one query."""
    la_ids = [c.identity.la_child_id for c in children if c.identity.la_child_id]
    upns = list({u for c in children for u in (c.identity.upn, c.identity.former_upn) if u})
    if not la_ids and not upns:
        return {}
    # The `<> ''` lets PostgreSQL use the partial unique indexes (it cannot prove it from an
    # IN list of more than 100 values); skipping empty arrays first makes the overlap's scan
    # cheap (the planner does not take the GIN index for a list this long).
    known = Child.objects.order_by().values(*_HOLDER_FIELDS)
    holders = known.filter(la_child_id__in=la_ids).exclude(la_child_id="")
    if upns:
        holders = holders.union(
            known.filter(upn__in=upns).exclude(upn=""),
            known.exclude(former_upns=[]).filter(former_upns__overlap=upns),
        )
    wanted_upns = set(upns)
    found: dict[str, list[dict]] = {}
    for row in holders:
        keys = {f"la:{row['la_child_id']}"} if row["la_child_id"] else set()
        keys |= {u for u in [row["upn"], *row["former_upns"]] if u in wanted_upns}
        for key in keys:
            found.setdefault(key, []).append(row)
    return found


def _holders_of(identity: ChildIdentity, holders: dict[str, list[dict]]) -> list[dict]:
    rows = {row["id"]: row for key in _identifiers(identity) for row in holders.get(key, [])}
    return list(rows.values())


def _reachable(within: QuerySet[Child] | None, ids: set[uuid.UUID]) -> set[uuid.UUID]:
    if within is None or not ids:
        return ids
    return set(within.filter(pk__in=ids).values_list("pk", flat=True))


def _identity_unchanged(row: dict, identity: ChildIdentity) -> bool:
    """child_identity_sync would change nothing of the child (its comparisons, in memory);
    ethnicity is compared with the episodes."""
    upn = identity.upn or row["upn"]
    former = identity.former_upn
    if former and former != row["upn"] and former not in row["former_upns"]:
        return False
    return (
        (row["date_of_birth"], row["gender"], row["upn"]) == (
            identity.date_of_birth, identity.gender, upn,
        )
        and row["upn_unknown"] == ("" if row["upn"] else identity.upn_unknown)
        and row["upn_needs_checking"] == identity.upn_needs_checking
    )  # fmt: skip


def _episodes_unchanged(children: Sequence[ReturnChild], held: dict[int, dict]) -> list[int]:
    """The held children whose ethnicity and every episode are already as the file says
    (episode_sync's match: child + cohort + start date, the first by id): two queries."""
    if not held:
        return []
    ids = [row["id"] for row in held.values()]
    ethnicity = dict(
        Characteristics.objects.filter(child_id__in=ids).values_list("child_id", "ethnicity")
    )
    episodes: dict[tuple, dict] = {}
    rows = LegalStatusEpisode.objects.filter(child_id__in=ids).order_by("pk")
    for row in rows.values("child_id", "cohort", "start_date", *_EPISODE_VALUES):
        episodes.setdefault((row["child_id"], row["cohort"], row["start_date"]), row)
    unchanged = []
    for index, row in held.items():
        child = children[index]
        wanted = child.identity.ethnicity
        if wanted and ethnicity.get(row["id"]) != wanted:
            continue
        if all(
            (found := episodes.get((row["id"], e.cohort, e.start_date))) is not None
            and all(found[name] == getattr(e, name) for name in _EPISODE_VALUES)
            for e in child.episodes
        ):
            unchanged.append(index)
    return unchanged


def _creatable(child: ReturnChild) -> bool:
    """The child and their episodes pass the rules child_create, characteristics_record and
    episode_add would apply (checked in memory: nobody holds their identifiers, see
    _holders); anything else is for the services to refuse in their words."""
    identity = child.identity
    if identity.date_of_birth > timezone.localdate():
        return False
    try:
        _child_row(identity).clean_fields()
    except ValidationError:
        return False
    by_cohort: dict[str, list[EpisodeWant]] = {}
    for episode in child.episodes:
        if episode_shape_errors(
            cohort=episode.cohort,
            start_date=episode.start_date,
            end_date=episode.end_date,
            legal_status=episode.legal_status,
            plac_route=episode.plac_route,
            closure_date=episode.closure_date,
        ):
            return False
        by_cohort.setdefault(episode.cohort, []).append(episode)
    for episodes in by_cohort.values():
        episodes = sorted(episodes, key=lambda e: e.start_date)
        for previous, current in zip(episodes, episodes[1:], strict=False):
            if previous.end_date is None or current.start_date <= previous.end_date:
                return False  # an overlap, or two with one start date: episode_sync decides
    return True


def _child_row(identity: ChildIdentity) -> Child:
    """The child as child_create and then child_identity_sync's identifiers leave them (the
    version is 2: created, then the identifiers written under the lock)."""
    return Child(
        first_name=PLACEHOLDER_FIRST_NAME,
        last_name=placeholder_last_name(identity.la_child_id),
        date_of_birth=identity.date_of_birth,
        gender=identity.gender,
        upn=identity.upn,
        la_child_id=identity.la_child_id,
        upn_unknown="" if identity.upn else identity.upn_unknown,
        former_upns=[identity.former_upn]
        if identity.former_upn and identity.former_upn != identity.upn
        else [],
        upn_needs_checking=identity.upn_needs_checking,
        version=2,
    )


def _create(
    actor: AbstractBaseUser | None, children: list[ReturnChild], details: dict[str, object]
) -> list[uuid.UUID]:
    rows = [_child_row(child.identity) for child in children]
    Child.objects.bulk_create(rows)
    characteristics = [
        Characteristics(child=row, ethnicity=child.identity.ethnicity)
        for row, child in zip(rows, children, strict=True)
        if child.identity.ethnicity
    ]
    Characteristics.objects.bulk_create(characteristics)
    episodes = [
        LegalStatusEpisode(
            child=row,
            cohort=e.cohort,
            start_date=e.start_date,
            end_date=e.end_date,
            legal_status=e.legal_status,
            plac_route=e.plac_route,
            closure_date=e.closure_date,
        )
        for row, child in zip(rows, children, strict=True)
        for e in child.episodes
    ]
    LegalStatusEpisode.objects.bulk_create(episodes)
    dates = [e.start_date for e in episodes] + [e.end_date for e in episodes if e.end_date]
    BatchEvent.objects.create(
        kind=BatchEvent.Kind.RETURN,
        actor=actor,
        rows=len(rows) + len(characteristics) + len(episodes),
        date_from=min(dates, default=None),
        date_to=max(dates, default=None),
        details={
            **details,
            "children_created": len(rows),
            "characteristics_created": len(characteristics),
            "episodes_created": len(episodes),
        },
    )
    # Their destruction dates, in this transaction, as episode_add does one by one.
    many_dates_changed(child_ids=[row.pk for row in rows])
    return [row.pk for row in rows]
