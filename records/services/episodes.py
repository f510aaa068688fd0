"""Changing a legal status episode that is already recorded.

New episodes are recorded by records/services/children.py episode_add; this is its
counterpart for an episode that changes (a looked-after episode that has now ceased, a
child-in-need case that has been closed), under the same rules, checked by the same helpers.
"""

from __future__ import annotations

from datetime import date

from auditlog.context import set_actor
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction

from records.models import Child, LegalStatusEpisode
from records.services.children import _episode_shape_errors, _overlap_message
from virtualschool.errors import DomainError

EPISODE_FIELDS = ("legal_status", "plac_route", "start_date", "end_date", "closure_date")


def episode_update(
    *,
    actor: AbstractBaseUser | None,
    episode: LegalStatusEpisode,
    start_date: date,
    end_date: date | None = None,
    legal_status: str = "",
    plac_route: str = "",
    closure_date: date | None = None,
) -> LegalStatusEpisode:
    """Change an episode's dates, legal status or route out of care (its cohort stays).

    Rules (those of episode_add): a looked-after episode has an SSDA903 legal status and a PLAC
    episode its route out of care, and no other cohort has either; only a child-in-need episode
    has a case closure date; the episode ends on or after its start; it does not overlap
    another episode of its cohort for the child (checked under a row lock on the child, and
    refused by the database as well).
    """
    errors = _episode_shape_errors(
        cohort=episode.cohort,
        start_date=start_date,
        end_date=end_date,
        legal_status=legal_status,
        plac_route=plac_route,
        closure_date=closure_date,
    )
    if errors:
        raise DomainError(errors)
    with transaction.atomic(), set_actor(actor):
        Child.objects.select_for_update().filter(pk=episode.child_id).first()
        current = LegalStatusEpisode.objects.select_for_update().get(pk=episode.pk)
        others = LegalStatusEpisode.objects.filter(
            child_id=current.child_id, cohort=current.cohort
        ).exclude(pk=current.pk)
        if end_date is not None:
            others = others.filter(start_date__lte=end_date)
        overlapping = others.exclude(end_date__lt=start_date).order_by("start_date").first()
        if overlapping is not None:
            raise DomainError({"start_date": [_overlap_message(overlapping)]})
        changes = {
            "legal_status": legal_status,
            "plac_route": plac_route,
            "start_date": start_date,
            "end_date": end_date,
            "closure_date": closure_date,
        }
        if all(getattr(current, name) == value for name, value in changes.items()):
            return current
        for name, value in changes.items():
            setattr(current, name, value)
        current.save(update_fields=list(EPISODE_FIELDS))
    return current
