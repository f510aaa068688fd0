"""Removing a mistaken entry (records/services/removal.py): what the history keeps, and who
sees the reason. Every section's remove page is in tests/records/test_section_contract.py."""

from __future__ import annotations

import pytest
from auditlog.models import LogEntry
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from records.audit import REDACTED
from records.models import EntryRemoval, Note
from records.services.notes import note_record
from records.services.removal import REASON_TOO_LONG, entry_remove
from tests.factories import ChildFactory, UserFactory
from virtualschool.errors import DomainError
from virtualschool.roles import Perm, Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def sensitive(allocate):
    user = UserFactory(username="caseworker_s", role=Role.CASEWORKER)
    user.user_permissions.add(Permission.objects.get(codename=Perm.VIEW_SENSITIVE.value))
    return type(user).objects.get(pk=user.pk)


def _history(client, child):
    return client.get(reverse("records:child-history", kwargs={"pk": child.pk})).content.decode()


def test_the_reason_is_seen_only_by_those_who_could_see_the_entry(
    manager, caseworker, sensitive, allocate, client_for
):
    child = ChildFactory()
    allocate(child, caseworker)
    allocate(child, sensitive)
    family = note_record(actor=manager, child=child, category="family", text="Mother unwell")
    housing = note_record(actor=manager, child=child, category="housing", text="Moved flat")
    entry_remove(actor=manager, row=family, reason="Belongs to the sibling's record")
    entry_remove(actor=caseworker, row=housing, reason="Duplicate of the 3 May note")

    plain = _history(client_for(caseworker), child)
    assert "Duplicate of the 3 May note" in plain
    assert "Belongs to the sibling" not in plain
    assert "Removed by" in plain
    full = _history(client_for(sensitive), child)
    assert "Belongs to the sibling&#x27;s record" in full
    assert "Mother unwell" not in full and "Moved flat" not in full
    assert not Note.objects.filter(child=child).exists()
    assert EntryRemoval.objects.filter(child=child).count() == 2
    # Every value the notes' audit entries copied is redacted; the category they were filed
    # under stays, since it decides who may see that they were there.
    logged_entries = LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Note),
        object_pk__in=[str(family.pk), str(housing.pk)],
    )
    assert logged_entries.count() == 4  # each note's creation and deletion
    for logged in logged_entries:
        assert {value for value in logged.changes["text"] if value != "None"} == {REDACTED}
        assert set(logged.changes["category"]) <= {"family", "housing", "None"}


def test_a_reason_too_long_is_refused(manager):
    child = ChildFactory()
    note = note_record(actor=manager, child=child, category="housing", text="Moved")
    with pytest.raises(DomainError) as refused:
        entry_remove(actor=manager, row=note, reason="x" * 2001)
    assert refused.value.message_dict == {"reason": [REASON_TOO_LONG]}
    assert Note.objects.filter(pk=note.pk).exists()


def test_a_row_removed_twice_is_refused_the_second_time(manager):
    child = ChildFactory()
    note = note_record(actor=manager, child=child, category="housing", text="Moved")
    entry_remove(actor=manager, row=note, reason="Mistake")
    with pytest.raises(DomainError, match="already been removed"):
        entry_remove(actor=manager, row=note, reason="Mistake")
    assert EntryRemoval.objects.count() == 1
