"""Writes to notes: what the record holds for the privacy notice's categories that have no
structured rows of their own (social care, housing, family, criminal, ...).

A note's text is in the category it is filed under (records/models/notes.py). Family and
criminal notes are sensitive (records/categories.py, DESIGN.md "Access"), so writing or
changing one needs the sensitive-categories permission as well as access to the child; this is
checked here, not only in the page, so the API and imports obey it too.
"""

from __future__ import annotations

from datetime import date

from django.contrib.auth.base_user import AbstractBaseUser
from django.utils import timezone

from records.categories import DataCategory
from records.models import Child, Note
from records.models.notes import NOTE_CATEGORIES
from records.permissions import can_see_category, visible_categories
from records.services.locking import record_create, record_update
from records.services.rules import date_errors, raise_if


def note_categories_for(user: AbstractBaseUser) -> list[DataCategory]:
    """The categories this user may file a note under: those they may see."""
    return visible_categories(user, NOTE_CATEGORIES)


def _sensitive_refusal(category: str) -> str:
    label = DataCategory(category).label
    return (
        f"{label} notes are sensitive: you need permission to see sensitive information to "
        "add or change them. Choose another category, or ask a manager"
    )


def _note_values(
    *, actor: AbstractBaseUser, child: Child, category: str, text: str, written_on: date | None
) -> dict[str, object]:
    text = text.strip()
    written_on = written_on or timezone.localdate()
    errors: dict[str, list[str]] = {}
    if category in set(NOTE_CATEGORIES) and not can_see_category(actor, DataCategory(category)):
        errors["category"] = [_sensitive_refusal(category)]
    if not text:
        errors["text"] = ["Enter the note"]
    date_errors(errors, child=child, field="written_on", label="Date", value=written_on)
    raise_if(errors)
    return {"category": category, "text": text, "written_on": written_on}


def note_record(
    *,
    actor: AbstractBaseUser,
    child: Child,
    category: str,
    text: str,
    written_on: date | None = None,
) -> Note:
    """Add a note to a child's record; its author is the person adding it.

    Rules: a category from the notes list (the model's choices); text that is not blank; a date
    (today when not given) not in the future and not before the child's birth; a family or
    criminal note only from someone with the sensitive-categories permission.
    """
    values = _note_values(
        actor=actor, child=child, category=category, text=text, written_on=written_on
    )
    return record_create(actor=actor, instance=Note(child=child, author=actor, **values))


def note_update(
    *,
    actor: AbstractBaseUser,
    instance: Note,
    expected_version: int,
    category: str,
    text: str,
    written_on: date | None = None,
) -> Note:
    """Change a note under the same rules, if nobody else changed it first. The author stays
    the person who wrote it (the audit history shows who changed it). A sensitive note cannot
    be changed, or refiled, by someone without the sensitive-categories permission."""
    if not can_see_category(actor, DataCategory(instance.category)):
        raise_if({"category": [_sensitive_refusal(instance.category)]})
    values = _note_values(
        actor=actor, child=instance.child, category=category, text=text, written_on=written_on
    )
    return record_update(
        actor=actor, instance=instance, expected_version=expected_version, changes=values
    )
