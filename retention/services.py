"""Retention's writes: changing a rule, and each child's destruction date (ADR 10).

Dates are calendar dates in Europe/London (settings.TIME_ZONE, timezone.localdate()). A
period of whole years is counted by records.calendar.years_after, the one home of the rule
that 29 February counts as 1 March in a year without one, so nothing is ever due a day early.
A record is kept through the last day of its period: the destruction date is the day after.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db import transaction

from records.calendar import birthday, years_after
from records.models import Child, LegalStatusEpisode
from retention.models import ChildRetention, CountsFrom, RetentionRule, RetentionRuleChange
from virtualschool.errors import DomainError

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


def child_retention_recompute_all(*, batch_size: int = 2000) -> int:
    """Recompute every child's destruction date (a rule changed; the daily sweep). Returns
    how many children were evaluated."""
    rules = _rules()
    evaluated = 0
    children = Child.objects.order_by("pk").values_list("pk", "date_of_birth")
    last: Any = None
    while True:
        page = children.filter(pk__gt=last) if last is not None else children
        chunk = list(page[:batch_size])
        if not chunk:
            return evaluated
        last = chunk[-1][0]
        ids = [pk for pk, _ in chunk]
        by_child: dict[Any, list[Any]] = {pk: [] for pk in ids}
        for episode in LegalStatusEpisode.objects.filter(child_id__in=ids).only(
            "child_id", "cohort", "end_date", "closure_date"
        ):
            by_child[episode.child_id].append(episode)
        existing = {row.child_id: row for row in ChildRetention.objects.filter(child_id__in=ids)}
        create, update = [], []
        for pk, born in chunk:
            due = due_for(born=born, episodes=by_child[pk], rules=rules)
            row = existing.get(pk)
            if row is None:
                create.append(ChildRetention(child_id=pk, due_date=due.date, rule=due.rule))
            elif (row.due_date, row.rule_id) != (due.date, due.rule.pk if due.rule else None):
                row.due_date, row.rule = due.date, due.rule
                update.append(row)
        ChildRetention.objects.bulk_create(create)
        ChildRetention.objects.bulk_update(update, ["due_date", "rule"])
        evaluated += len(chunk)
