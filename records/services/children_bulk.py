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
from django.db import connection
from django.db.models import Model, QuerySet
from django.utils import timezone

from records.lifecycle import many_dates_changed
from records.models import BatchEvent, Characteristics, Child, LegalStatusEpisode
from records.services.child_update import upn_checked_changes
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
    placement_la: str = ""


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
    """What the bulk path did with one child (child_identity_sync's outcome: CREATED, UPDATED
    or UNCHANGED) and with each of the episodes given (episode_sync's, in their order)."""

    child_id: uuid.UUID
    outcome: SyncOutcome
    episodes: tuple[SyncOutcome, ...] = ()


_EPISODE_VALUES = ("legal_status", "plac_route", "end_date", "closure_date", "placement_la")


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
    held, new = _held_and_new(children, create_missing=create_missing, within=within)
    changes: dict[int, _Changes] = {}
    for index, change in _held_changes(children, held).items():
        if change.changed:
            changes[index] = change
        else:
            results[index] = BulkOutcome(
                held[index]["id"], SyncOutcome.UNCHANGED, change.episode_outcomes
            )
    if len(changes) > AUDITLOG_ROWS_MAX:
        for index in _update(actor, held, changes, details):
            change = changes[index]
            outcome = SyncOutcome.UPDATED if change.child_changed else SyncOutcome.UNCHANGED
            results[index] = BulkOutcome(held[index]["id"], outcome, change.episode_outcomes)
    new = [index for index in new if _creatable(children[index])]
    if len(new) > AUDITLOG_ROWS_MAX:
        created = _create(actor, [children[i] for i in new], details)
        for index, child_id in zip(new, created, strict=True):
            episodes = (SyncOutcome.CREATED,) * len(children[index].episodes)
            results[index] = BulkOutcome(child_id, SyncOutcome.CREATED, episodes)
    return results


def _held_and_new(
    children: Sequence[ReturnChild], *, create_missing: bool, within: QuerySet[Child] | None
) -> tuple[dict[int, dict], list[int]]:
    """The batch's children (by index) the record holds, found by their LA child id alone and
    within reach (with their row), and those nobody holds any identifier of, for adding."""
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
        ):
            held[index] = rows[0]
    return held, new


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
    "date_of_birth", "gender", "version",
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


_CHILD_CHANGED = ("gender", "upn", "upn_unknown", "former_upns", "upn_needs_checking")


def _identity_changes(row: dict, identity: ChildIdentity) -> tuple[dict, int] | None:
    """The fields child_identity_sync would change for a held child, and how many versions
    its writes add (child_update's, then the identifiers'), worked out in memory by its
    rules; None when the service must decide: a changed date of birth (child_update checks a
    later one against the child's episodes and enrolments) or a UPN replaced (the old one
    becomes a former UPN, which the service checks for clashes)."""
    if identity.date_of_birth != row["date_of_birth"]:
        return None
    upn = identity.upn or row["upn"]
    if row["upn"] and row["upn"] != upn:
        return None
    current = {name: row[name] for name in _CHILD_CHANGED}
    versions = 0
    if (row["gender"], row["upn"]) != (identity.gender, upn):
        current.update(gender=identity.gender, upn=upn, **upn_checked_changes(upn))
        versions += 1
    former = list(current["former_upns"])
    value = identity.former_upn
    if value and value != current["upn"] and value not in former:
        former.append(value)
    identifiers = {
        "upn_unknown": "" if current["upn"] else identity.upn_unknown,
        "former_upns": former,
        "upn_needs_checking": identity.upn_needs_checking,
    }
    if any(current[name] != wanted for name, wanted in identifiers.items()):
        current.update(identifiers)
        versions += 1
    return {name: v for name, v in current.items() if v != row[name]}, versions


@dataclass
class _Changes:
    """What the services would write for a held child (worked out in memory)."""

    child: dict  # Child fields changed
    versions: int  # versions the child's row gains
    # (whether the child has Characteristics already, their version after, the ethnicity)
    ethnicity: tuple[bool, int, str] | None
    episode_outcomes: tuple[SyncOutcome, ...]
    episodes_new: list[dict]
    episodes_changed: list[dict]

    @property
    def child_changed(self) -> bool:
        return bool(self.child) or self.ethnicity is not None

    @property
    def changed(self) -> bool:
        return self.child_changed or bool(self.episodes_new or self.episodes_changed)


def _held_changes(children: Sequence[ReturnChild], held: dict[int, dict]) -> dict[int, _Changes]:
    """For each held child the services could be spared, what child_identity_sync and
    episode_sync would write (nothing, for a child held as the file says): two queries.
    A child left out needs the services (their rules need the database, or refuse)."""
    if not held:
        return {}
    ids = [row["id"] for row in held.values()]
    characteristics = {
        row["child_id"]: row
        for row in Characteristics.objects.filter(child_id__in=ids).values(
            "child_id", "ethnicity", "version"
        )
    }
    episodes: dict[uuid.UUID, list[dict]] = {}
    rows = LegalStatusEpisode.objects.filter(child_id__in=ids).order_by("pk")
    for row in rows.values("id", "child_id", "cohort", "start_date", *_EPISODE_VALUES):
        episodes.setdefault(row["child_id"], []).append(row)
    planned = {}
    for index, row in held.items():
        child = children[index]
        identity = _identity_changes(row, child.identity)
        outcomes = _episodes_planned(child.episodes, episodes.get(row["id"], []))
        if identity is None or outcomes is None:
            continue
        ethnicity = None
        wanted, found = child.identity.ethnicity, characteristics.get(row["id"])
        if wanted and found is None:
            ethnicity = (False, 1, wanted)
        elif wanted and found["ethnicity"] != wanted:
            ethnicity = (True, found["version"] + 1, wanted)
        planned[index] = _Changes(identity[0], identity[1], ethnicity, *outcomes)
    return planned


def _episodes_planned(
    wants: Sequence[EpisodeWant], existing: list[dict]
) -> tuple[tuple[SyncOutcome, ...], list[dict], list[dict]] | None:
    """episode_sync for each episode in turn, in memory: its match (child + cohort + start
    date, the first by id), its shape rules and its overlap check against the episodes as
    the earlier ones left them. None at the first it would refuse (the service words it)."""
    state = [dict(row) for row in existing]
    outcomes, new, changed = [], [], []
    for want in wants:
        values = {name: getattr(want, name) for name in _EPISODE_VALUES}
        if episode_shape_errors(cohort=want.cohort, start_date=want.start_date, **values):
            return None
        match = next(
            (e for e in state if (e["cohort"], e["start_date"]) == (want.cohort, want.start_date)),
            None,
        )
        if match is not None and all(match[name] == v for name, v in values.items()):
            outcomes.append(SyncOutcome.UNCHANGED)
            continue
        if _overlaps(state, want, match):
            return None
        if match is None:
            match = {"id": None, "cohort": want.cohort, "start_date": want.start_date, **values}
            state.append(match)
            new.append(match)
            outcomes.append(SyncOutcome.CREATED)
            continue
        match.update(values)
        if match["id"] is not None and all(m is not match for m in changed):
            changed.append(match)
        outcomes.append(SyncOutcome.UPDATED)
    return tuple(outcomes), new, changed


def _overlaps(state: list[dict], want: EpisodeWant, itself: dict | None) -> bool:
    """episodes._overlapping_episode's test, on the episodes in memory."""
    return any(
        e is not itself
        and e["cohort"] == want.cohort
        and (want.end_date is None or e["start_date"] <= want.end_date)
        and (e["end_date"] is None or e["end_date"] >= want.start_date)
        for e in state
    )


def _update(
    actor: AbstractBaseUser | None,
    held: dict[int, dict],
    changes: dict[int, _Changes],
    details: dict[str, object],
) -> list[int]:
    """Write the changes to held children, one statement a table for the batch, under row
    locks; audited by one BatchEvent of kind RETURN. Returns the children written: one whose
    row changed since it was read (its version) is left to the services."""
    ids = {held[index]["id"]: index for index in changes}
    locked = dict(
        Child.objects.select_for_update().filter(pk__in=list(ids)).values_list("pk", "version")
    )
    written = [i for child_id, i in ids.items() if locked.get(child_id) == held[i]["version"]]
    now = timezone.now()
    children = [
        (
            held[index]["id"],
            *(changes[index].child.get(name, held[index][name]) for name in _CHILD_CHANGED),
            held[index]["version"] + changes[index].versions,
            now,
        )
        for index in written
        if changes[index].child
    ]
    _update_rows(Child, [*_CHILD_CHANGED, "version", "updated_at"], children)
    added, updated = [], []
    for index in written:
        ethnicity = changes[index].ethnicity
        if ethnicity is None:
            continue
        row = Characteristics(child_id=held[index]["id"], ethnicity=ethnicity[2])
        if ethnicity[0]:
            row.version = ethnicity[1]
            updated.append(row)
        else:
            added.append(row)
    Characteristics.objects.bulk_create(added)
    _update_rows(
        Characteristics,
        ["ethnicity", "version"],
        [(row.child_id, row.ethnicity, row.version) for row in updated],
    )
    new_episodes = [
        LegalStatusEpisode(
            child_id=held[index]["id"], **{k: v for k, v in values.items() if k != "id"}
        )
        for index in written
        for values in changes[index].episodes_new
    ]
    changed_episodes = [
        LegalStatusEpisode(
            pk=values["id"],
            start_date=values["start_date"],  # for the BatchEvent's dates: not written
            **{name: values[name] for name in _EPISODE_VALUES},
        )
        for index in written
        for values in changes[index].episodes_changed
    ]
    # Ended before the new ones are added, so that no overlap is seen on the way (the file's
    # new episode often starts the day after one it ends).
    _update_rows(
        LegalStatusEpisode,
        list(_EPISODE_VALUES),
        [(e.pk, *(getattr(e, name) for name in _EPISODE_VALUES)) for e in changed_episodes],
    )
    LegalStatusEpisode.objects.bulk_create(new_episodes)
    if not written:
        return written
    _batch_event(
        actor,
        new_episodes + changed_episodes,
        details,
        children_updated=len(children),
        characteristics_created=len(added),
        characteristics_updated=len(updated),
        episodes_created=len(new_episodes),
        episodes_updated=len(changed_episodes),
    )
    # Their destruction dates, in this transaction, as the services do one by one.
    many_dates_changed(child_ids=[held[index]["id"] for index in written])
    return written


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
            placement_la=episode.placement_la,
        ):
            return False
        by_cohort.setdefault(episode.cohort, []).append(episode)
    for episodes in by_cohort.values():
        episodes = sorted(episodes, key=lambda e: e.start_date)
        for previous, current in zip(episodes, episodes[1:], strict=False):
            if previous.end_date is None or current.start_date <= previous.end_date:
                return False  # an overlap, or two with one start date: episode_sync decides
    return True


def _update_rows(model: type[Model], fields: Sequence[str], rows: Sequence[tuple]) -> None:
    """UPDATE `fields` of the model's rows, each (pk, *values), in one statement: SET from a
    typed VALUES list joined on the primary key (Django's bulk_update builds a CASE a field,
    which grows with the square of the rows). Nothing for no rows."""
    if not rows:
        return
    meta = model._meta
    columns = [meta.pk, *(meta.get_field(name) for name in fields)]
    names = [connection.ops.quote_name(field.column) for field in columns]
    row_sql = "(" + ", ".join(f"%s::{field.db_type(connection)}" for field in columns) + ")"
    sql = (
        f"UPDATE {connection.ops.quote_name(meta.db_table)} AS t SET "  # noqa: S608 - model metadata
        + ", ".join(f"{name} = v.{name}" for name in names[1:])
        + f" FROM (VALUES {', '.join([row_sql] * len(rows))}) AS v ({', '.join(names)})"
        + f" WHERE t.{names[0]} = v.{names[0]}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [value for row in rows for value in row])


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
            placement_la=e.placement_la,
        )
        for row, child in zip(rows, children, strict=True)
        for e in child.episodes
    ]
    LegalStatusEpisode.objects.bulk_create(episodes)
    _batch_event(
        actor,
        episodes,
        details,
        children_created=len(rows),
        characteristics_created=len(characteristics),
        episodes_created=len(episodes),
    )
    # Their destruction dates, in this transaction, as episode_add does one by one.
    many_dates_changed(child_ids=[row.pk for row in rows])
    return [row.pk for row in rows]


def _batch_event(
    actor: AbstractBaseUser | None,
    episodes: list[LegalStatusEpisode],
    details: dict[str, object],
    **counts: int,
) -> None:
    """The batch's audit record (STYLE.md 10: auditlog sees no bulk write): who, the run,
    the rows of each table written (`counts`), the episodes' date range."""
    dates = [e.start_date for e in episodes] + [e.end_date for e in episodes if e.end_date]
    BatchEvent.objects.create(
        kind=BatchEvent.Kind.RETURN,
        actor=actor,
        rows=sum(counts.values()),
        date_from=min(dates, default=None),
        date_to=max(dates, default=None),
        details={**details, **counts},
    )
