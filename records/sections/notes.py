"""The Notes tab: notes filed under the privacy notice's categories that have no structured
record of their own. The tab is open to everyone who sees the child; family and criminal notes
(sensitive) are listed, offered and accepted only for users with the sensitive permission."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from records.forms import record_form
from records.models import Child, Note
from records.models.notes import NOTE_CATEGORIES
from records.permissions import visible_categories
from records.sections.base import Column, Section, Tab, attr
from records.services import notes as services


def _rows(child: Child, user: Any) -> QuerySet[Note]:
    """The child's notes this user may read, with their authors, in one query."""
    return (
        Note.objects.filter(child=child, category__in=visible_categories(user, NOTE_CATEGORIES))
        .select_related("author")
        .order_by("-written_on", "-id")
    )


def _author(row: Note) -> str:
    return row.author.get_full_name() or row.author.get_username()


_generated = record_form(
    Note,
    ["category", "written_on", "text"],
    required={"written_on": "Enter the date the note was written"},
)


class NoteForm(_generated):
    """A note's shape; the categories offered are those the user may file under."""

    def __init__(self, *args: Any, categories: list | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if categories is not None:
            allowed = {str(category) for category in categories}
            field = self.fields["category"]
            field.choices = [
                (value, label) for value, label in field.choices if value in allowed or value == ""
            ]


NoteForm.base_fields["category"].label = "Category"
NoteForm.base_fields["category"].error_messages["invalid_choice"] = (
    "Choose a category from the list"
)
NoteForm.base_fields["written_on"].label = "Date (optional)"
NoteForm.base_fields["written_on"].required = False
NoteForm.base_fields[
    "written_on"
].help_text = "The date the information was given or found out. Leave blank for today"
NoteForm.base_fields["text"].label = "Note"
NoteForm.base_fields["text"].error_messages["required"] = "Enter the note"


def _form_kwargs(user: Any) -> dict[str, Any]:
    return {"categories": services.note_categories_for(user)}


NOTES = Section(
    slug="notes",
    title="Notes",
    item_name="note",
    model=Note,
    form_class=NoteForm,
    create=services.note_record,
    update=services.note_update,
    columns=(
        Column("Date", attr("written_on")),
        Column("Category", attr("category")),
        Column("Author", _author, fields=("author",)),
        Column("Note", attr("text")),
    ),
    rows=_rows,
    form_kwargs=_form_kwargs,
)

TAB = Tab(
    slug="notes",
    title="Notes",
    sections=(NOTES,),
    description=(
        "Notes on social care, other agencies, housing, employment, other local authorities, "
        "family and relationships, criminal matters, the support network, and referrals and "
        "assessments."
    ),
)
