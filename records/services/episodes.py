"""Writes to legal status episodes: recording one, and changing one that has moved on (a
looked-after episode that has now ceased, a child-in-need case that has been closed), under
one set of rules."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date

from auditlog.context import set_actor
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format

from records.codes import Cohort
from records.lifecycle import dates_changed
from records.models import Child, LegalStatusEpisode
from records.services.locking import SyncOutcome, record_update
from virtualschool.errors import DomainError

PLACEMENT_LA_PATTERN = re.compile(r"[A-Z0-9]{1,9}")
PLACEMENT_LA_SHAPE = (
    "Placement local authority must be an LA code: up to 9 capital letters and digits, like 330"
)


def episode_add(
    *,
    actor: AbstractBaseUser | None,
    child: Child,
    cohort: str,
    start_date: date,
    end_date: date | None = None,
    legal_status: str = "",
    plac_route: str = "",
    closure_date: date | None = None,
    placement_la: str = "",
) -> LegalStatusEpisode:
    """Record a legal status episode.

    Rules: a looked-after episode has an SSDA903 legal status and a PLAC episode its route out
    of care (and no other cohort has either); only a child-in-need episode has a case closure
    date, and only a looked-after one a placement LA; an episode ends on or after its start;
    episodes of one cohort never overlap for a child (the database also refuses an overlap,
    under a row lock on the child).
    """
    errors = episode_shape_errors(
        cohort=cohort,
        start_date=start_date,
        end_date=end_date,
        legal_status=legal_status,
        plac_route=plac_route,
        closure_date=closure_date,
        placement_la=placement_la,
    )
    if errors:
        raise DomainError(errors)
    with transaction.atomic(), set_actor(actor):
        # Serialise episode writes per child so the overlap check below sees every episode.
        Child.objects.select_for_update().filter(pk=child.pk).first()
        overlapping = episode_overlap(
            _cohort_episodes(child_id=child.pk, cohort=cohort),
            cohort=cohort,
            start_date=start_date,
            end_date=end_date,
        )
        if overlapping is not None:
            raise DomainError({"start_date": [_overlap_message(overlapping)]})
        episode = LegalStatusEpisode.objects.create(
            child=child,
            cohort=cohort,
            legal_status=legal_status,
            plac_route=plac_route,
            start_date=start_date,
            end_date=end_date,
            closure_date=closure_date,
            placement_la=placement_la,
        )
        # Retention's destruction date counts from episodes: recomputed in this transaction.
        dates_changed(child_id=child.pk)
        return episode


def episode_shape_errors(
    *,
    cohort: str,
    start_date: date,
    end_date: date | None,
    legal_status: str,
    plac_route: str,
    closure_date: date | None,
    placement_la: str = "",
) -> dict[str, list[str]]:
    if cohort not in Cohort.values:
        return {"cohort": [f"Status must be one of: {', '.join(Cohort.labels)}"]}
    return {
        **_cohort_detail_errors(cohort=cohort, legal_status=legal_status, plac_route=plac_route),
        **placement_la_errors(cohort=cohort, placement_la=placement_la),
        **_episode_date_errors(
            cohort=cohort, start_date=start_date, end_date=end_date, closure_date=closure_date
        ),
    }


def _cohort_detail_errors(
    *, cohort: str, legal_status: str, plac_route: str
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if cohort == Cohort.CLA and not legal_status:
        errors["legal_status"] = ["Select the legal status (SSDA903 code) for a looked-after child"]
    if cohort != Cohort.CLA and legal_status:
        errors["legal_status"] = ["Only a looked-after episode has a legal status"]
    if cohort == Cohort.PLAC and not plac_route:
        errors["plac_route"] = ["Select how the child left care"]
    if cohort != Cohort.PLAC and plac_route:
        errors["plac_route"] = ["Only a previously looked-after episode has a route out of care"]
    return errors


def placement_la_errors(*, cohort: str, placement_la: str) -> dict[str, list[str]]:
    """A placement's LA is a code of letters and digits (the DfE's 3-digit LA number, or a
    9-character ONS code), on a looked-after episode only."""
    if not placement_la:
        return {}
    if cohort != Cohort.CLA:
        return {"placement_la": ["Only a looked-after episode has a placement local authority"]}
    if not PLACEMENT_LA_PATTERN.fullmatch(placement_la):
        return {"placement_la": [PLACEMENT_LA_SHAPE]}
    return {}


def _episode_date_errors(
    *, cohort: str, start_date: date | None, end_date: date | None, closure_date: date | None
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if start_date is None:  # the form has said what is missing (virtualschool.forms.submit)
        if closure_date is not None and cohort != Cohort.CIN:
            errors["closure_date"] = ["Only a child-in-need episode has a case closure date"]
        return errors
    if start_date > timezone.localdate():
        errors["start_date"] = ["Start date must be today or in the past"]
    if end_date is not None and end_date < start_date:
        errors["end_date"] = ["End date must be the same as or after the start date"]
    if closure_date is not None and cohort != Cohort.CIN:
        errors["closure_date"] = ["Only a child-in-need episode has a case closure date"]
    elif closure_date is not None and closure_date < start_date:
        errors["closure_date"] = ["Case closure date must be on or after the start date"]
    return errors


def _cohort_episodes(*, child_id: object, cohort: str) -> list[LegalStatusEpisode]:
    """The child's episodes of a cohort, in id order (episode_match's "first"), as the rules
    below take them."""
    return list(LegalStatusEpisode.objects.filter(child_id=child_id, cohort=cohort).order_by("pk"))


def episode_overlap(
    episodes: Iterable[LegalStatusEpisode],
    *,
    cohort: str,
    start_date: date,
    end_date: date | None,
    itself: LegalStatusEpisode | None = None,
) -> LegalStatusEpisode | None:
    """The rule that episodes of one cohort never overlap for a child, decided on the child's
    episodes as given (no query; for episode_add, episode_update and the returns' bulk path,
    records/services/children_bulk.py): the first by start date of the other episodes of the
    cohort that share a day with start_date to end_date (None: open), or None. `itself`, the
    episode being changed, is not compared with itself. The database refuses an overlap as
    well (the exclusion constraint episode_no_overlap_in_cohort)."""
    overlapping = [
        episode
        for episode in episodes
        if episode is not itself
        and (itself is None or itself.pk is None or episode.pk != itself.pk)
        and episode.cohort == cohort
        and (end_date is None or episode.start_date <= end_date)
        and (episode.end_date is None or episode.end_date >= start_date)
    ]
    return min(overlapping, key=lambda episode: episode.start_date, default=None)


def _overlap_message(episode: LegalStatusEpisode) -> str:
    until = f"to {_long_date(episode.end_date)}" if episode.end_date else "with no end date"
    return (
        f"This overlaps the {episode.get_cohort_display().lower()} episode from "
        f"{_long_date(episode.start_date)} {until}"
    )


def _long_date(value: date) -> str:
    return date_format(value, "j F Y")


EPISODE_FIELDS = (
    "legal_status",
    "plac_route",
    "start_date",
    "end_date",
    "closure_date",
    "placement_la",
)


def episode_update(
    *,
    actor: AbstractBaseUser | None,
    episode: LegalStatusEpisode,
    start_date: date,
    end_date: date | None = None,
    legal_status: str = "",
    plac_route: str = "",
    closure_date: date | None = None,
    placement_la: str = "",
) -> LegalStatusEpisode:
    """Change an episode's dates, legal status, route out of care or placement LA (its cohort
    stays).

    Rules (those of episode_add): a looked-after episode has an SSDA903 legal status and a PLAC
    episode its route out of care, and no other cohort has either; only a child-in-need episode
    has a case closure date; the episode ends on or after its start; it does not overlap
    another episode of its cohort for the child (checked under a row lock on the child, and
    refused by the database as well).
    """
    errors = episode_shape_errors(
        cohort=episode.cohort,
        start_date=start_date,
        end_date=end_date,
        legal_status=legal_status,
        plac_route=plac_route,
        closure_date=closure_date,
        placement_la=placement_la,
    )
    if errors:
        raise DomainError(errors)
    with transaction.atomic(), set_actor(actor):
        Child.objects.select_for_update().filter(pk=episode.child_id).first()
        current = LegalStatusEpisode.objects.select_for_update().get(pk=episode.pk)
        overlapping = episode_overlap(
            _cohort_episodes(child_id=current.child_id, cohort=current.cohort),
            cohort=current.cohort,
            start_date=start_date,
            end_date=end_date,
            itself=current,
        )
        if overlapping is not None:
            raise DomainError({"start_date": [_overlap_message(overlapping)]})
        changes = {
            "legal_status": legal_status,
            "plac_route": plac_route,
            "start_date": start_date,
            "end_date": end_date,
            "closure_date": closure_date,
            "placement_la": placement_la,
        }
        if all(getattr(current, name) == value for name, value in changes.items()):
            return current
        for name, value in changes.items():
            setattr(current, name, value)
        current.save(update_fields=list(EPISODE_FIELDS))
        dates_changed(child_id=current.child_id)
    return current


def episode_sync(
    *,
    actor: AbstractBaseUser | None,
    child: Child,
    cohort: str,
    start_date: date,
    end_date: date | None = None,
    legal_status: str = "",
    plac_route: str = "",
    closure_date: date | None = None,
    placement_la: str = "",
) -> SyncOutcome:
    """Record an episode from a return (SSDA903, CIN census), or bring the child's episode of
    that cohort with the same start date up to date: next month's return ends or closes the
    episode instead of adding a second one.

    The rules are episode_add's and episode_update's; a refusal raises their DomainError and
    saves nothing. An episode already as the file says is not written. Returns CREATED,
    UPDATED or UNCHANGED.
    """
    values = {
        "legal_status": legal_status,
        "plac_route": plac_route,
        "end_date": end_date,
        "closure_date": closure_date,
        "placement_la": placement_la,
    }
    with transaction.atomic():
        outcome, existing = episode_sync_plan(
            _cohort_episodes(child_id=child.pk, cohort=cohort),
            cohort=cohort,
            start_date=start_date,
            values=values,
        )
        if existing is None:
            episode_add(actor=actor, child=child, cohort=cohort, start_date=start_date, **values)
        elif outcome == SyncOutcome.UPDATED:
            episode_update(actor=actor, episode=existing, start_date=start_date, **values)
        return outcome


# The values a return gives an episode besides its cohort and start date, which match it.
EPISODE_VALUES = ("legal_status", "plac_route", "end_date", "closure_date", "placement_la")


def episode_sync_plan(
    episodes: Sequence[LegalStatusEpisode],
    *,
    cohort: str,
    start_date: date,
    values: Mapping[str, object],
) -> tuple[SyncOutcome, LegalStatusEpisode | None]:
    """episode_sync's match, decided on the child's episodes in id order (no query; for the
    service and the returns' bulk path, records/services/children_bulk.py): the episode of the
    cohort with that start date, the first by id, is the one the return means. CREATED with
    None when there is none; UNCHANGED when it already has `values` (EPISODE_VALUES), else
    UPDATED, with the episode. Only these values change: the start date is the match, so a
    sync never moves an episode's start (the bulk path relies on it, _update)."""
    existing = next(
        (e for e in episodes if (e.cohort, e.start_date) == (cohort, start_date)),
        None,
    )
    if existing is None:
        return SyncOutcome.CREATED, None
    if all(getattr(existing, name) == value for name, value in values.items()):
        return SyncOutcome.UNCHANGED, existing
    return SyncOutcome.UPDATED, existing


def child_death_record(
    *, actor: AbstractBaseUser | None, child: Child, date_of_death: date
) -> SyncOutcome:
    """Record that a child has died (the CIN census PersonDeathDate,
    ../shared/reference/DOMAIN.md section (i)): the child is marked with the date, and every
    episode of theirs still open (no end date) that started by then ends on it (a
    child-in-need case's closure date is left as the return gives it: retention counts from
    the case's closure).

    Rules: the date is today or in the past and not before the child's birth; an episode that
    starts after the date is left as it is (the return says otherwise; a person has to look).
    Returns UNCHANGED when the record already says so, else UPDATED. Raises DomainError.
    """
    if date_of_death > timezone.localdate():
        raise DomainError({"date_of_death": ["Date of death must be today or in the past"]})
    if date_of_death < child.date_of_birth:
        raise DomainError({"date_of_death": ["Date of death must be after the date of birth"]})
    changed = False
    with transaction.atomic(), set_actor(actor):
        current = Child.objects.select_for_update().get(pk=child.pk)
        if current.date_of_death != date_of_death:
            record_update(
                actor=actor,
                instance=current,
                expected_version=current.version,
                changes={"date_of_death": date_of_death},
            )
            changed = True
        still_open = LegalStatusEpisode.objects.filter(
            child=child, start_date__lte=date_of_death, end_date__isnull=True
        )
        for episode in still_open.order_by("start_date"):
            episode_update(
                actor=actor,
                episode=episode,
                start_date=episode.start_date,
                end_date=date_of_death,
                legal_status=episode.legal_status,
                plac_route=episode.plac_route,
                closure_date=episode.closure_date,
                placement_la=episode.placement_la,
            )
            changed = True
    return SyncOutcome.UPDATED if changed else SyncOutcome.UNCHANGED
