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
from records.services.children import (
    IDENTITY_FIELDS,
    PLACEHOLDER_FIRST_NAME,
    ChildIdentity,
    identifiers_changes,
    identity_plan,
    placeholder_last_name,
)
from records.services.episodes import (
    EPISODE_VALUES,
    episode_overlap,
    episode_shape_errors,
    episode_sync_plan,
)
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


_HOLDER_FIELDS = ("id", *IDENTITY_FIELDS, "version")


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


# Child fields the bulk UPDATE writes: those identity_plan may change (the date of birth and
# the LA child id never: a child whose date of birth changes goes to the services, and a held
# child is found by their LA child id).
_CHILD_CHANGED = tuple(
    name for name in IDENTITY_FIELDS if name not in ("date_of_birth", "la_child_id")
)


def _identity_changes(row: dict, identity: ChildIdentity) -> tuple[dict, int] | None:
    """The fields child_identity_sync would change for a held child, and how many versions
    its writes add, by its own rules (children.py identity_plan); None when the service must
    decide: a changed date of birth (child_update checks a later one against the child's
    episodes and enrolments) or a UPN replaced (the old one becomes a former UPN, which the
    service checks for clashes)."""
    child = Child(**row)
    plan = identity_plan(child, identity)
    if plan.replaced or (plan.update and plan.update["date_of_birth"] != child.date_of_birth):
        return None
    return plan.changes(child), plan.versions


@dataclass
class _Changes:
    """What the services would write for a held child (worked out in memory)."""

    child: dict  # Child fields changed
    versions: int  # versions the child's row gains
    # (whether the child has Characteristics already, their version after, the ethnicity)
    ethnicity: tuple[bool, int, str] | None
    episode_outcomes: tuple[SyncOutcome, ...]
    episodes_new: list[LegalStatusEpisode]  # unsaved, without their child
    episodes_changed: list[LegalStatusEpisode]  # with their new values

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
    episodes: dict[uuid.UUID, list[LegalStatusEpisode]] = {}
    rows = LegalStatusEpisode.objects.filter(child_id__in=ids).order_by("pk")
    for episode in rows.only("id", "child_id", "cohort", "start_date", *EPISODE_VALUES):
        episodes.setdefault(episode.child_id, []).append(episode)
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
    wants: Sequence[EpisodeWant], existing: list[LegalStatusEpisode]
) -> tuple[tuple[SyncOutcome, ...], list[LegalStatusEpisode], list[LegalStatusEpisode]] | None:
    """episode_sync for each episode in turn, by its own rules on the episodes in memory
    (episodes.py episode_shape_errors, episode_sync_plan and episode_overlap) as the earlier
    ones left them: the outcomes, the episodes to add and those changed. None at the first it
    would refuse (the service words it)."""
    state = list(existing)  # in id order; those added come after, as their ids will
    outcomes: list[SyncOutcome] = []
    new: list[LegalStatusEpisode] = []
    changed: list[LegalStatusEpisode] = []
    for want in wants:
        values = {name: getattr(want, name) for name in EPISODE_VALUES}
        if episode_shape_errors(cohort=want.cohort, start_date=want.start_date, **values):
            return None
        outcome, match = episode_sync_plan(
            state, cohort=want.cohort, start_date=want.start_date, values=values
        )
        outcomes.append(outcome)
        if outcome == SyncOutcome.UNCHANGED:
            continue
        if episode_overlap(
            state,
            cohort=want.cohort,
            start_date=want.start_date,
            end_date=want.end_date,
            itself=match,
        ):
            return None
        if match is None:
            match = LegalStatusEpisode(cohort=want.cohort, start_date=want.start_date, **values)
            state.append(match)
            new.append(match)
            continue
        for name, value in values.items():
            setattr(match, name, value)
        if match.pk is not None and all(m is not match for m in changed):
            changed.append(match)
    return tuple(outcomes), new, changed


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
    new_episodes = []
    for index in written:
        for episode in changes[index].episodes_new:
            episode.child_id = held[index]["id"]
            new_episodes.append(episode)
    changed_episodes = [e for index in written for e in changes[index].episodes_changed]
    # One statement for every change is safe against the exclusion constraint, which checks
    # each row as the UPDATE reaches it: a sync never moves a start date (the match,
    # episode_sync_plan), so whether two episodes of a cohort overlap depends on the earlier
    # one's end alone, and each row, old or new, agrees with the valid record before and the
    # one planned after (episode_overlap on each step). The new episodes are added after the
    # changes, so an episode that ends earlier has left the days a new one takes.
    _update_rows(
        LegalStatusEpisode,
        list(EPISODE_VALUES),
        [(e.pk, *(getattr(e, name) for name in EPISODE_VALUES)) for e in changed_episodes],
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
    # Each episode added in turn, by episode_sync's rules (an overlap, or two with one start
    # date, is for the service to decide).
    planned = _episodes_planned(child.episodes, [])
    return planned is not None and all(o == SyncOutcome.CREATED for o in planned[0])


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
    """The child as child_create and then child_identity_sync's identifiers
    (children.py identifiers_changes) leave them: a version for each write."""
    child = Child(
        first_name=PLACEHOLDER_FIRST_NAME,
        last_name=placeholder_last_name(identity.la_child_id),
        date_of_birth=identity.date_of_birth,
        gender=identity.gender,
        upn=identity.upn,
        version=1,
    )
    identifiers = identifiers_changes(
        {name: getattr(child, name) for name in IDENTITY_FIELDS}, identity
    )
    for name, value in (identifiers or {}).items():
        setattr(child, name, value)
    child.version += identifiers is not None
    return child


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
