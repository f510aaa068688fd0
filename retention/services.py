"""Retention's writes: changing a rule, and each child's destruction date (ADR 10).

Dates are calendar dates in Europe/London (settings.TIME_ZONE, timezone.localdate()). A
period of whole years is counted by records.calendar.years_after, the one home of the rule
that 29 February counts as 1 March in a year without one, so nothing is ever due a day early.
A record is kept through the last day of its period: the destruction date is the day after.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from celery import shared_task
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from records.calendar import birthday, years_after, years_after_sql
from records.models import Child, LegalStatusEpisode
from retention.destruction import (
    DestructionPlan,
    certificate_write,
    destroy_rows,
    destruction_plan,
)
from retention.models import (
    ChildRetention,
    CountsFrom,
    DestructionList,
    DestructionListEntry,
    LegalHold,
    RetentionRule,
    RetentionRuleChange,
)
from virtualschool.errors import DomainError
from virtualschool.roles import Role, user_has_role

# --- Rules -----------------------------------------------------------------------------------


def _rule_errors(
    *, rule: RetentionRule, years: int, basis: str | None, source: str | None
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not isinstance(years, int) or isinstance(years, bool) or years <= 0:
        errors["years"] = ["The period must be a whole number of years, more than 0"]
    elif rule.minimum_years is not None and years < rule.minimum_years:
        errors["years"] = [
            f"The period must be at least {rule.minimum_years} years, the legal minimum "
            f"({rule.legal_minimum})"
        ]
    if basis is not None and not basis.strip():
        errors["basis"] = ["Enter the basis for the rule"]
    if source is not None and not source.strip():
        errors["source"] = ["Enter the source of the rule"]
    return errors


def _check_admin(actor: Any) -> None:
    """Retention is information governance's: only an Admin changes a rule, places or lifts a
    hold, or proposes, approves, cancels or edits a destruction list (issue 14). The pages
    ask too; this is the rule, so the command, a task or a new page cannot skip it."""
    if not user_has_role(actor, Role.ADMIN):
        raise DomainError("Only an administrator can change retention.")


def retention_rule_change(
    *,
    rule: RetentionRule,
    actor: Any,
    years: int,
    basis: str | None = None,
    source: str | None = None,
) -> RetentionRule:
    """Change how long a rule keeps records (and, optionally, its basis and source).

    Rules: a whole number of years above zero, never below the rule's legal minimum. Each
    changed field is audited with its value before and after (RetentionRuleChange), and every
    child's destruction date is recomputed, in the same transaction. Raises DomainError naming
    what is wrong; nothing changes then.
    """
    _check_admin(actor)
    errors = _rule_errors(rule=rule, years=years, basis=basis, source=source)
    if errors:
        raise DomainError(errors)
    with transaction.atomic():
        current = RetentionRule.objects.select_for_update().get(pk=rule.pk)
        changes = {"years": years}
        if basis is not None:
            changes["basis"] = basis.strip()
        if source is not None:
            changes["source"] = source.strip()
        changed = [name for name, value in changes.items() if getattr(current, name) != value]
        for name in changed:
            RetentionRuleChange.objects.create(
                rule=current,
                actor=actor,
                field=name,
                before=str(getattr(current, name)),
                after=str(changes[name]),
            )
            setattr(current, name, changes[name])
        if changed:
            current.save(update_fields=changed)
            if "years" in changed:
                child_retention_recompute_all()
    return current


# --- Each child's destruction date -----------------------------------------------------------


@dataclass(frozen=True)
class Due:
    """A child's destruction date and the rule that set it. `date` is None when nothing may be
    destroyed yet whatever the day: a case is still open (`open_case`), or no rule applies."""

    date: date | None
    rule: RetentionRule | None
    open_case: bool = False


def _kept_until(rule: RetentionRule, *, born: date, episode: Any) -> date | None:
    """The last day the rule keeps the record for this episode; None while it is open."""
    if rule.counts_from == CountsFrom.EIGHTEENTH_BIRTHDAY:
        start = birthday(born, 18)
    elif rule.counts_from == CountsFrom.CLOSURE:
        ends = [day for day in (episode.closure_date, episode.end_date) if day is not None]
        if not ends:
            return None
        start = max(ends)
    else:
        if episode.end_date is None:
            return None
        start = episode.end_date
    return years_after(start, rule.years)


def due_for(*, born: date, episodes: Iterable[Any], rules: dict[str, RetentionRule]) -> Due:
    """The latest date of every rule that applies to the child's episodes (pure: no queries).

    A child ever looked after keeps the looked-after date however their later cases close; an
    open case (or a re-opened one) holds the date back until it closes.
    """
    latest: tuple[date, RetentionRule] | None = None
    for episode in episodes:
        rule = rules.get(episode.cohort)
        if rule is None:
            continue
        kept = _kept_until(rule, born=born, episode=episode)
        if kept is None:
            return Due(date=None, rule=rule, open_case=True)
        destroy_on = kept + timedelta(days=1)
        if latest is None or destroy_on > latest[0]:
            latest = (destroy_on, rule)
    if latest is None:
        return Due(date=None, rule=None)
    return Due(date=latest[0], rule=latest[1])


def _rules() -> dict[str, RetentionRule]:
    return {rule.cohort: rule for rule in RetentionRule.objects.all()}


def child_retention_recompute(*, child_id: Any) -> ChildRetention | None:
    """Recompute one child's destruction date, inside the caller's transaction (called by
    records through records/lifecycle.py when an episode, date of birth or closure changes)."""
    born = Child.objects.filter(pk=child_id).values_list("date_of_birth", flat=True).first()
    if born is None:
        return None
    episodes = LegalStatusEpisode.objects.filter(child_id=child_id).only(
        "cohort", "end_date", "closure_date"
    )
    due = due_for(born=born, episodes=episodes, rules=_rules())
    row, _ = ChildRetention.objects.update_or_create(
        child_id=child_id, defaults={"due_date": due.date, "rule": due.rule}
    )
    return row


def _due_sql(*, some: bool) -> str:
    """due_for as one SQL statement over every child (or, with `some`, the ids in the %(ids)s
    array): each episode's last kept day by its rule, the day after the latest of them,
    NULL while any case is open; upserted into ChildRetention where it changed. Returns
    (children evaluated, rows written). tests/retention/test_due_dates.py checks it gives
    due_for's date for random children."""
    child, episode = Child._meta.db_table, LegalStatusEpisode._meta.db_table
    rule, held = RetentionRule._meta.db_table, ChildRetention._meta.db_table
    birthday18 = years_after_sql("c.date_of_birth", "18")
    start = (
        f"CASE r.counts_from WHEN %(from_birthday)s THEN {birthday18} "
        "WHEN %(from_closure)s THEN GREATEST(e.closure_date, e.end_date) "
        "ELSE e.end_date END"
    )
    only = "WHERE c.id = ANY(%(ids)s)" if some else ""
    return f"""
        WITH kept AS (
            SELECT c.id AS child_id, r.id AS rule_id, {years_after_sql(start, "r.years")} AS day
            FROM {child} c
            JOIN {episode} e ON e.child_id = c.id
            JOIN {rule} r ON r.cohort = e.cohort
            {only}
        ), due AS (
            SELECT c.id AS child_id,
                   CASE WHEN bool_or(k.day IS NULL) THEN NULL ELSE max(k.day) + 1 END AS due_date,
                   (array_agg(k.rule_id ORDER BY k.day DESC NULLS FIRST, k.rule_id))[1] AS rule_id
            FROM {child} c LEFT JOIN kept k ON k.child_id = c.id
            {only}
            GROUP BY c.id
        ), written AS (
            INSERT INTO {held} AS h (child_id, due_date, rule_id, computed_at, due_since)
            SELECT child_id, due_date, rule_id, now(), NULL FROM due
            ON CONFLICT (child_id) DO UPDATE
               SET due_date = EXCLUDED.due_date, rule_id = EXCLUDED.rule_id,
                   computed_at = EXCLUDED.computed_at
             WHERE (h.due_date, h.rule_id) IS DISTINCT FROM (EXCLUDED.due_date, EXCLUDED.rule_id)
            RETURNING 1
        )
        SELECT (SELECT count(*) FROM due), (SELECT count(*) FROM written)
    """  # noqa: S608 - table names from the models, values as parameters


def child_retention_recompute_all(*, child_ids: list[Any] | None = None) -> int:
    """Recompute every child's destruction date (a rule changed; the daily sweep), or only
    `child_ids`' (a bulk import, through records/lifecycle.py), in one set-based statement
    (_due_sql), in the caller's transaction. Returns how many children were evaluated."""
    params: dict[str, Any] = {
        "from_birthday": CountsFrom.EIGHTEENTH_BIRTHDAY,
        "from_closure": CountsFrom.CLOSURE,
    }
    if child_ids is not None:
        params["ids"] = [uuid.UUID(str(pk)) for pk in child_ids]
    with connection.cursor() as cursor:
        cursor.execute(_due_sql(some=child_ids is not None), params)
        evaluated, _ = cursor.fetchone()
    return evaluated


# --- Legal holds -----------------------------------------------------------------------------


def hold_active_q(today: date) -> Q:
    """Holds in force on `today`: not lifted, and open-ended or until today or later."""
    return Q(lifted_at__isnull=True) & (Q(until__isnull=True) | Q(until__gte=today))


def legal_hold_place(
    *, child: Any, actor: Any, reason: str, until: date | None = None, today: date
) -> LegalHold:
    """Place a legal hold on a child: nothing of theirs is destroyed while it is in force.
    Rules: a reason; an end date, when given, not in the past. Raises DomainError."""
    _check_admin(actor)
    errors: dict[str, list[str]] = {}
    if not (reason or "").strip():
        errors["reason"] = ["Enter why the record is held (an inquiry, litigation, a request)"]
    if until is not None and until < today:
        errors["until"] = ["The hold must last until today or a later date"]
    if errors:
        raise DomainError(errors)
    with transaction.atomic():
        return LegalHold.objects.create(
            child_id=child.pk, reason=reason.strip(), until=until, placed_by=actor
        )


def legal_hold_lift(*, hold: LegalHold, actor: Any, reason: str) -> LegalHold:
    """Lift a hold. Rules: a reason; a hold is lifted once. Raises DomainError."""
    _check_admin(actor)
    if not (reason or "").strip():
        raise DomainError({"reason": ["Enter why the hold is lifted"]})
    with transaction.atomic():
        current = LegalHold.objects.select_for_update().get(pk=hold.pk)
        if current.lifted_at is not None:
            raise DomainError({"hold": ["This hold has already been lifted"]})
        current.lifted_at = timezone.now()
        current.lifted_by = actor
        current.lift_reason = reason.strip()
        current.save(update_fields=["lifted_at", "lifted_by", "lift_reason"])
    return current


# --- Destruction lists -----------------------------------------------------------------------

OPEN_LISTS = [DestructionList.Status.PROPOSED, DestructionList.Status.APPROVED]


def _not_destroyable(child_ids: list[Any], *, today: date) -> list[str]:
    """Why any of these children may not be destroyed on `today`, child by child."""
    due = set(
        ChildRetention.objects.filter(child_id__in=child_ids, due_date__lte=today).values_list(
            "child_id", flat=True
        )
    )
    held = set(
        LegalHold.objects.filter(hold_active_q(today), child_id__in=child_ids).values_list(
            "child_id", flat=True
        )
    )
    problems = []
    for child_id in child_ids:
        if child_id not in due:
            problems.append(f"Child {child_id} is not due for destruction on {today:%d/%m/%Y}")
        if child_id in held:
            problems.append(f"Child {child_id} is on a legal hold")
    return problems


def destruction_list_propose(
    *, child_ids: Iterable[Any], actor: Any, today: date
) -> DestructionList:
    """Propose a list of due children for destruction. Rules: at least one child; each is due
    on `today`, on no legal hold and on no other open list. Raises DomainError naming each
    child refused; nothing is stored then."""
    _check_admin(actor)
    ids = list(dict.fromkeys(_as_uuid(child_id) for child_id in child_ids))
    if not ids:
        raise DomainError({"child_ids": ["Choose at least one child"]})
    with transaction.atomic():
        problems = _not_destroyable(ids, today=today)
        listed = DestructionListEntry.objects.filter(
            child_id__in=ids, destruction_list__status__in=OPEN_LISTS
        ).values_list("child_id", flat=True)
        problems += [f"Child {child_id} is already on a destruction list" for child_id in listed]
        if problems:
            raise DomainError({"child_ids": problems})
        destruction_list = DestructionList.objects.create(proposed_by=actor, proposed_on=today)
        DestructionListEntry.objects.bulk_create(
            DestructionListEntry(destruction_list=destruction_list, child_id=child_id)
            for child_id in ids
        )
    return destruction_list


def destruction_list_approve(
    *, destruction_list: DestructionList, actor: Any, today: date
) -> DestructionList:
    """Approve a proposed list: a different Admin; every child on it due and on no hold. The
    planned date is settings.RETENTION_LIST_NOTICE_DAYS (at least 1) after today. Raises
    DomainError; nothing changes then."""
    _check_admin(actor)
    notice = settings.RETENTION_LIST_NOTICE_DAYS
    if notice < 1:
        raise ImproperlyConfigured("RETENTION_LIST_NOTICE_DAYS must be at least 1")
    with transaction.atomic():
        current = DestructionList.objects.select_for_update().get(pk=destruction_list.pk)
        if current.status != DestructionList.Status.PROPOSED:
            raise DomainError({"destruction_list": ["Only a proposed list can be approved"]})
        if current.proposed_by_id == actor.pk:
            raise DomainError(
                {"destruction_list": ["A list must be approved by an Admin who did not propose it"]}
            )
        ids = list(current.entries.values_list("child_id", flat=True))
        if not ids:
            raise DomainError({"destruction_list": ["The list has no children on it"]})
        if problems := _not_destroyable(ids, today=today):
            raise DomainError({"destruction_list": problems})
        current.status = DestructionList.Status.APPROVED
        current.approved_by = actor
        current.approved_on = today
        current.planned_date = today + timedelta(days=notice)
        current.save(update_fields=["status", "approved_by", "approved_on", "planned_date"])
    return current


def destruction_list_cancel(
    *, destruction_list: DestructionList, actor: Any, today: date
) -> DestructionList:
    """Cancel a list before its planned date. Raises DomainError."""
    _check_admin(actor)
    with transaction.atomic():
        current = DestructionList.objects.select_for_update().get(pk=destruction_list.pk)
        _still_changeable(current, today=today)
        current.status = DestructionList.Status.CANCELLED
        current.cancelled_by = actor
        current.cancelled_on = today
        current.save(update_fields=["status", "cancelled_by", "cancelled_on"])
    return current


def destruction_list_remove_child(
    *, destruction_list: DestructionList, child_id: Any, actor: Any, today: date
) -> DestructionList:
    """Take a child off a list before its planned date. Raises DomainError."""
    _check_admin(actor)
    with transaction.atomic():
        current = DestructionList.objects.select_for_update().get(pk=destruction_list.pk)
        _still_changeable(current, today=today)
        removed, _ = current.entries.filter(child_id=child_id).delete()
        if not removed:
            raise DomainError({"child_id": ["That child is not on this list"]})
    return current


def _still_changeable(current: DestructionList, *, today: date) -> None:
    if current.status not in OPEN_LISTS:
        raise DomainError({"destruction_list": ["This list is no longer open"]})
    if current.planned_date is not None and today >= current.planned_date:
        raise DomainError(
            {"destruction_list": ["The planned date has come: the list can no longer change"]}
        )


def _as_uuid(value: Any) -> Any:
    try:
        return uuid.UUID(str(value))
    except ValueError as error:
        raise DomainError({"child_ids": [f"{value} is not a child's id"]}) from error


# --- Destruction and the daily sweep ---------------------------------------------------------


@dataclass
class SweepReport:
    today: date
    evaluated: int = 0
    newly_due: list[Any] = field(default_factory=list)
    destroyed: list[Any] = field(default_factory=list)
    held: list[Any] = field(default_factory=list)
    skipped: list[Any] = field(default_factory=list)

    def lines(self) -> list[str]:
        return [
            f"Retention sweep for {self.today.isoformat()}",
            f"Children evaluated: {self.evaluated}",
            f"Newly due: {len(self.newly_due)}",
            *(f"  due: child {child_id}" for child_id in self.newly_due),
            f"To destroy: {len(self.destroyed)}",
            *(f"  destroy: child {child_id}" for child_id in self.destroyed),
            f"Held back by a legal hold: {len(self.held)}",
            *(f"  held: child {child_id}" for child_id in self.held),
        ]


def _candidates(today: date) -> list[tuple[Any, int]]:
    """(child id, list id) for each child of an approved list whose planned date has come."""
    return list(
        DestructionListEntry.objects.filter(
            destruction_list__status=DestructionList.Status.APPROVED,
            destruction_list__planned_date__lte=today,
        )
        .order_by("child_id")
        .values_list("child_id", "destruction_list_id")
    )


def child_destroy(
    *,
    child_id: Any,
    destruction_list_id: int,
    today: date,
    plan: DestructionPlan | None = None,
) -> str:
    """Destroy one child of an approved list, in its own transaction, under a row lock taken
    with SKIP LOCKED: another sweep holding the child skips it. Checked again under the lock:
    still on the approved list, its date come, due, and on no hold. `plan` is the data map
    compiled once for a sweep's children (retention.destruction.destruction_plan). Returns
    "destroyed", "held" or "skipped"."""
    with transaction.atomic():
        # One query: the child's row locked (SKIP LOCKED: None when another sweep holds it),
        # their entry on this approved list whose date has come, their destruction date and
        # rule, and whether a hold covers them today.
        entry = (
            DestructionListEntry.objects.select_for_update(skip_locked=True, of=("child",))
            .select_related("destruction_list", "child__retention__rule")
            .annotate(
                held=Exists(
                    LegalHold.objects.filter(hold_active_q(today), child_id=OuterRef("child_id"))
                )
            )
            .filter(
                child_id=child_id,
                destruction_list_id=destruction_list_id,
                destruction_list__status=DestructionList.Status.APPROVED,
                destruction_list__planned_date__lte=today,
            )
            .first()
        )
        if entry is None:
            return "skipped"
        if entry.held:
            return "held"
        retention = getattr(entry.child, "retention", None)
        if retention is None or retention.due_date is None or retention.due_date > today:
            return "skipped"
        rule, due_date = str(retention.rule), retention.due_date
        destruction_list = entry.destruction_list
        counts, categories = destroy_rows(child_id=child_id, plan=plan)
        certificate_write(
            child_id=child_id,
            rule=rule,
            due_date=due_date,
            destruction_list=destruction_list,
            counts=counts,
            categories=categories,
        )
        if not destruction_list.entries.exists():
            DestructionList.objects.filter(pk=destruction_list.pk).update(
                status=DestructionList.Status.DONE
            )
    return "destroyed"


def retention_sweep(*, today: date, dry_run: bool = False) -> SweepReport:
    """The daily sweep: recompute every due date, mark the newly due, and destroy the children
    of approved lists whose planned date has come unless a hold now covers them, each child
    in its own transaction (a sweep killed part-way leaves each child whole or destroyed with
    its certificate; the next completes the rest). With `dry_run`, report what it would do
    and change nothing."""
    report = SweepReport(today=today)
    with transaction.atomic():
        report.evaluated = child_retention_recompute_all()
        newly = ChildRetention.objects.filter(due_date__lte=today, due_since__isnull=True)
        report.newly_due = list(newly.order_by("child_id").values_list("child_id", flat=True))
        newly.update(due_since=today)
        ChildRetention.objects.filter(Q(due_date__isnull=True) | Q(due_date__gt=today)).exclude(
            due_since__isnull=True
        ).update(due_since=None)
        candidates = _candidates(today)
        if dry_run:
            held = set(
                LegalHold.objects.filter(
                    hold_active_q(today), child_id__in=[c for c, _ in candidates]
                ).values_list("child_id", flat=True)
            )
            due = set(
                ChildRetention.objects.filter(
                    child_id__in=[c for c, _ in candidates], due_date__lte=today
                ).values_list("child_id", flat=True)
            )
            for child_id, _ in candidates:
                target = report.held if child_id in held else report.destroyed
                if child_id in due or child_id in held:
                    target.append(child_id)
                else:
                    report.skipped.append(child_id)
            transaction.set_rollback(True)
            return report
    plan = destruction_plan() if candidates else None
    for child_id, list_id in candidates:
        outcome = child_destroy(
            child_id=child_id, destruction_list_id=list_id, today=today, plan=plan
        )
        {"destroyed": report.destroyed, "held": report.held, "skipped": report.skipped}[
            outcome
        ].append(child_id)
    return report


# Queue "retention" (settings.CELERY_TASK_ROUTES), a single-concurrency worker
# (docker-compose.yml retention-worker); acks late, with limits at most half the broker's
# visibility timeout (an hour), so Redis never redelivers it while it runs, and a task
# delivered twice finds the work done: the sweep is idempotent and each child is destroyed
# once, under its row lock. 100,000 children and 1,000 destructions take well under a minute
# (docs/performance.md); at the soft limit the child in hand rolls back whole.
@shared_task(name="retention.sweep", acks_late=True, time_limit=25 * 60, soft_time_limit=20 * 60)
def retention_sweep_task() -> dict[str, int]:
    """The daily sweep (settings.CELERY_BEAT_SCHEDULE "retention-sweep"), for today in
    Europe/London."""
    report = retention_sweep(today=timezone.localdate())
    return {
        "evaluated": report.evaluated,
        "newly_due": len(report.newly_due),
        "destroyed": len(report.destroyed),
        "held": len(report.held),
    }


def child_retention_recompute_many(*, child_ids: list[Any]) -> None:
    """Recompute these children's destruction dates, in the caller's transaction, in one
    statement (records/lifecycle.py, from a bulk import)."""
    child_retention_recompute_all(child_ids=child_ids)
