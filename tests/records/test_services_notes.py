"""Notes' own rules: filed under a category, written by the person adding them, and family
and criminal notes neither offered to nor accepted from users without the sensitive
permission.

Create, view, edit, the optimistic lock, refused input leaving the row, access, sensitive rows
hidden and query counts are the section contract's (tests/records/test_section_contract.py)."""

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from records.categories import DataCategory
from records.datamap import DATA_MAP
from records.models import Note
from records.services import notes as services
from tests.factories import UserFactory
from virtualschool.errors import DomainError
from virtualschool.roles import Perm, Role

pytestmark = pytest.mark.django_db
D = datetime.date
TAB = "notes"


def _grant_sensitive(user):
    user.user_permissions.add(Permission.objects.get(codename=Perm.VIEW_SENSITIVE.value))
    # Django caches permissions on the user object; read them afresh.
    return type(user).objects.get(pk=user.pk)


@pytest.fixture
def housing_note(manager, child):
    return services.note_record(
        actor=manager,
        child=child,
        category="housing",
        text="Carers moving house next month",
        written_on=max(child.date_of_birth, D(2024, 3, 1)),
    )


@pytest.fixture
def family_note(manager, child):
    return services.note_record(
        actor=manager,
        child=child,
        category="family",
        text="Contact with birth mother moved to Saturdays",
        written_on=max(child.date_of_birth, D(2024, 4, 1)),
    )


def _tab(child):
    return reverse("records:tab", kwargs={"pk": child.pk, "tab": TAB})


def _add(child):
    return reverse("records:section-add", kwargs={"pk": child.pk, "tab": TAB, "section": "notes"})


def _edit(child, item):
    return reverse(
        "records:section-edit",
        kwargs={"pk": child.pk, "tab": TAB, "section": "notes", "item": item.pk},
    )


def test_create_through_the_page_with_the_author_and_today(client_for, caseworker, child, allocate):
    allocate(child, caseworker)
    response = client_for(caseworker).post(
        _add(child), {"category": "social_care", "text": "  Placement stable. "}
    )
    assert response.status_code == 302
    note = Note.objects.get(child=child)
    assert (note.category, note.text, note.author, note.written_on) == (
        "social_care",
        "Placement stable.",
        caseworker,
        timezone.localdate(),
    )


def test_the_author_is_not_a_form_field(client_for, caseworker, manager, child, allocate):
    allocate(child, caseworker)
    client_for(caseworker).post(
        _add(child), {"category": "housing", "text": "Note", "author": str(manager.pk)}
    )
    assert Note.objects.get().author == caseworker


def test_view_lists_notes_with_the_authors_name(client_for, manager, child, housing_note):
    html = client_for(manager).get(_tab(child)).content.decode()
    assert "Carers moving house next month" in html
    assert "Housing" in html
    assert escape(manager.get_full_name()) in html


def test_without_it_family_and_criminal_are_not_offered_nor_accepted(
    client_for, caseworker, child, allocate
):
    allocate(child, caseworker)
    client = client_for(caseworker)
    form = client.get(_add(child)).content.decode()
    assert 'value="housing"' in form
    assert 'value="family"' not in form
    assert 'value="criminal"' not in form
    response = client.post(_add(child), {"category": "family", "text": "Sibling contact"})
    assert response.status_code == 200
    assert "Choose a category from the list" in response.content.decode()
    assert not Note.objects.exists()


def test_the_service_refuses_a_sensitive_note_without_the_permission(caseworker, child):
    with pytest.raises(DomainError) as raised:
        services.note_record(actor=caseworker, child=child, category="criminal", text="Caution")
    assert (
        "Criminal and prosecution notes are sensitive" in raised.value.message_dict["category"][0]
    )
    assert not Note.objects.exists()


def test_nor_changing_or_refiling_one(caseworker, child, family_note, housing_note):
    with pytest.raises(DomainError) as raised:
        services.note_update(
            actor=caseworker,
            instance=family_note,
            expected_version=1,
            category="housing",
            text="Rewritten",
            written_on=family_note.written_on,
        )
    assert (
        "Family and relationships notes are sensitive" in raised.value.message_dict["category"][0]
    )
    with pytest.raises(DomainError):
        services.note_update(
            actor=caseworker,
            instance=housing_note,
            expected_version=1,
            category="family",
            text="Refiled",
            written_on=housing_note.written_on,
        )
    family_note.refresh_from_db()
    housing_note.refresh_from_db()
    assert (family_note.category, family_note.version) == ("family", 1)
    assert (housing_note.category, housing_note.text) == (
        "housing",
        "Carers moving house next month",
    )


def test_with_the_permission_a_caseworker_sees_and_adds_them(
    client_for, caseworker, child, allocate, family_note
):
    allocate(child, caseworker)
    sensitive = _grant_sensitive(caseworker)
    client = client_for(sensitive)
    assert "birth mother" in client.get(_tab(child)).content.decode()
    assert 'value="criminal"' in client.get(_add(child)).content.decode()
    response = client.post(
        _add(child), {"category": "criminal", "text": "Referral order completed"}
    )
    assert response.status_code == 302
    assert Note.objects.filter(category="criminal", author=caseworker).exists()


def test_edit_with_the_version_read(client_for, manager, child, housing_note):
    client = client_for(manager)
    page = client.get(_edit(child, housing_note)).content.decode()
    assert 'name="expected_version" value="1"' in page
    day = housing_note.written_on
    response = client.post(
        _edit(child, housing_note),
        {
            "expected_version": "1",
            "category": "housing",
            "text": "Move postponed",
            "written_on_0": str(day.day),
            "written_on_1": str(day.month),
            "written_on_2": str(day.year),
        },
    )
    assert response.status_code == 302
    housing_note.refresh_from_db()
    assert (housing_note.text, housing_note.version, housing_note.author) == (
        "Move postponed",
        2,
        manager,
    )


def test_an_edit_by_someone_else_keeps_the_author(manager, child, housing_note):
    other_manager = UserFactory(role=Role.MANAGER)
    services.note_update(
        actor=other_manager,
        instance=housing_note,
        expected_version=1,
        category="housing",
        text="Corrected",
        written_on=housing_note.written_on,
    )
    housing_note.refresh_from_db()
    assert (housing_note.text, housing_note.author) == ("Corrected", manager)


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"written_on": D(2999, 1, 1)}, "written_on", "Date must be today or in the past"),
        ({"written_on": D(1990, 1, 1)}, "written_on", "on or after the child's date of birth"),
        ({"text": "   "}, "text", "Enter the note"),
        (
            {"category": "attendance"},
            "category",
            "Category must be one of: social_care (Social care), other_agencies",
        ),
    ],
)
def test_bad_input_is_refused_and_nothing_saved(manager, child, fields, field, message):
    values = {"category": "housing", "text": "A note", **fields}
    with pytest.raises(DomainError) as raised:
        services.note_record(actor=manager, child=child, **values)
    assert message in " ".join(raised.value.message_dict[field])
    assert not Note.objects.exists()


def test_a_note_can_be_filed_under_education(manager, child):
    """Issue 15: notes gain an "Education" category, the education plans category of the
    data map, so it is shared and destroyed as education information is."""
    note = services.note_record(
        actor=manager, child=child, category="education_plans", text="Spoke to the school"
    )
    assert note.get_category_display() == "Education"
    assert DATA_MAP.category_of(Note, "text", note) == DataCategory.EDUCATION_PLANS
