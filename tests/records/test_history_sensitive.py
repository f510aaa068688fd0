"""The change history shows a change only to a user who may see its field's category: a
caseworker without the sensitive-categories permission sees no health, safeguarding, family or
criminal value or field name on any page of it, and not even a row's heading."""

from __future__ import annotations

import datetime
import re
from html import unescape

import pytest
from auditlog.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from records import selectors, services
from records.codes import Cohort
from records.history import history_rows
from records.services import behaviour, health, notes, safeguarding
from tests.factories import ChildFactory, SchoolFactory, UserFactory
from virtualschool.roles import Perm, Role

pytestmark = pytest.mark.django_db
D = datetime.date

# Values written to the sensitive rows: none may reach a caseworker without the permission.
SENSITIVE_VALUES = [
    "Leeds Quokka Family Court",
    "Interim care order",
    "Youth Offending Quokka Team",
    "Quokka caseworker",
    "Pat Quokkason",
    "0113 496 0999",
    "Quokka syndrome",
    "Quokka paediatric nurse",
    "Quokka Community Trust",
    "Family and relationships",
    "Criminal and prosecution",
]
# The verbose names the history would print for those rows' fields, and the rows' headings.
SENSITIVE_LABELS = {
    "Order type",
    "Court",
    "Made on",
    "Expires on",
    "Agency",
    "Role",
    "Contact name",
    "Contact details",
    "Condition",
    "Needs and support at school",
    "Name",
    "Organisation",
}
SENSITIVE_HEADINGS = ["court order", "professional involvement", "health condition"]
SENSITIVE_HEADINGS += ["health professional"]


def _grant_sensitive(user):
    user.user_permissions.add(Permission.objects.get(codename=Perm.VIEW_SENSITIVE.value))
    return type(user).objects.get(pk=user.pk)


def _record_everything(manager, child):
    """Health, safeguarding, family and criminal entries on one child, plus a note moved from
    criminal to housing, and some history anyone who sees the child may read."""
    child.date_of_birth = D(2012, 5, 1)
    child.save()
    order = safeguarding.court_order_record(
        actor=manager,
        child=child,
        order_type="interim_care",
        court="Leeds Quokka Family Court",
        made_on=D(2020, 1, 6),
        expires_on=D(2021, 1, 6),
    )
    safeguarding.court_order_update(
        actor=manager,
        instance=order,
        expected_version=order.version,
        order_type="care",
        court="Leeds Quokka Family Court",
        made_on=D(2020, 1, 6),
    )
    safeguarding.professional_record(
        actor=manager,
        child=child,
        agency="Youth Offending Quokka Team",
        role="Quokka caseworker",
        contact_name="Pat Quokkason",
        contact_details="0113 496 0999",
        start_date=D(2021, 2, 1),
    )
    health.health_condition_record(
        actor=manager, child=child, condition="Quokka syndrome", needs="Rest breaks"
    )
    health.health_professional_record(
        actor=manager,
        child=child,
        role="Quokka paediatric nurse",
        name="Sam Quokka",
        organisation="Quokka Community Trust",
    )
    notes.note_record(
        actor=manager, child=child, category="family", text="Contact moved to Saturdays"
    )
    moved = notes.note_record(
        actor=manager, child=child, category="criminal", text="Referral order completed"
    )
    moved = notes.note_update(
        actor=manager,
        instance=moved,
        expected_version=moved.version,
        category="housing",
        text="Carers moving house next month",
    )
    notes.note_update(
        actor=manager,
        instance=moved,
        expected_version=moved.version,
        category="housing",
        text="Carers moved house",
    )
    services.episode_add(actor=manager, child=child, cohort=Cohort.CIN, start_date=D(2024, 1, 1))


def _pages(client, child) -> list[str]:
    """Every page of the child's history, as rendered."""
    url = reverse("records:child-history", kwargs={"pk": child.pk})
    pages = []
    number = 1
    while True:
        response = client.get(url, {"page": number})
        assert response.status_code == 200
        pages.append(response.content.decode())
        paginator = response.context["page"].paginator
        if number >= paginator.num_pages:
            return pages
        number += 1


def _labels(html: str) -> set[str]:
    return {
        unescape(label)
        for label in re.findall(r'<span class="govuk-!-font-weight-bold">([^<]*)</span>', html)
    }


def _whats(html: str) -> list[str]:
    rows = re.findall(r"<tr class=\"govuk-table__row\">(.*?)</tr>", html, flags=re.S)
    return [
        unescape(cells[2]).strip().lower()
        for row in rows
        if len(cells := re.findall(r"<td class=\"govuk-table__cell\">(.*?)</td>", row, re.S)) >= 4
    ]


@pytest.fixture
def history_child(manager, caseworker, allocate):
    child = ChildFactory()
    allocate(child, caseworker)
    _record_everything(manager, child)
    return child


def test_a_caseworker_without_the_permission_sees_no_sensitive_value_field_or_row(
    client_for, caseworker, history_child
):
    pages = _pages(client_for(caseworker), history_child)
    for html in pages:
        for value in SENSITIVE_VALUES:
            assert value not in unescape(html)
        assert not _labels(html) & SENSITIVE_LABELS
        for what in _whats(html):
            assert not any(heading in what for heading in SENSITIVE_HEADINGS), what
    whats = [what for html in pages for what in _whats(html)]
    # What they may see is still there: the episode, the allocation, the housing note's edit.
    assert "create legal status episode" in whats
    assert "create allocation" in whats
    assert whats.count("update note") == 1
    # The family note, the criminal note's creation and its move out of criminal are not.
    assert "create note" not in whats


def test_a_caseworker_without_the_permission_does_not_see_the_categories_of_notes(
    client_for, caseworker, history_child
):
    html = "".join(_pages(client_for(caseworker), history_child))
    content = html.split('<h2 class="govuk-heading-l">Change history</h2>')[1]
    # The one note row shown is the edit made while the note was filed under housing; it did
    # not change the category, so no category appears at all.
    assert "Category" not in _labels(html)
    assert "Text" in _labels(html)
    for label in ("Family and relationships", "Criminal and prosecution", "Housing"):
        assert label not in unescape(content)


def test_the_manager_and_a_sensitive_caseworker_see_it_all(
    client_for, manager, caseworker, other_caseworker, history_child, allocate
):
    allocate(history_child, other_caseworker)
    sensitive = _grant_sensitive(other_caseworker)
    for user in (manager, sensitive):
        pages = _pages(client_for(user), history_child)
        html = unescape("".join(pages))
        for value in SENSITIVE_VALUES:
            assert value in html, (user, value)
        labels = set().union(*(_labels(page) for page in pages))
        assert labels >= SENSITIVE_LABELS
        whats = [what for page in pages for what in _whats(page)]
        assert whats.count("create note") == 2
        assert "Criminal and prosecution → Housing" in html


def test_the_move_out_of_a_sensitive_category_is_hidden_and_the_later_edit_shown(
    caseworker, manager, history_child
):
    entries = selectors.child_history_visible_to(child=history_child, user=caseworker)
    rows = history_rows(entries, user=caseworker)
    note_rows = [row for row in rows if row.entry.content_type.model == "note"]
    assert [[change.field for change in row.changes] for row in note_rows] == [["Text"]]
    everything = history_rows(
        selectors.child_history_visible_to(child=history_child, user=manager), user=manager
    )
    assert len([row for row in everything if row.entry.content_type.model == "note"]) == 4


def test_the_selector_and_the_rows_agree_so_pages_are_full(caseworker, manager, history_child):
    for user in (caseworker, manager):
        entries = list(selectors.child_history_visible_to(child=history_child, user=user))
        assert len(history_rows(entries, user=user)) == len(entries)
    assert (
        selectors.child_history_visible_to(child=history_child, user=caseworker).count()
        < selectors.child_history_visible_to(child=history_child, user=manager).count()
    )


def test_a_note_whose_row_is_gone_and_whose_entry_has_no_category_is_hidden(
    caseworker, manager, child
):
    note = notes.note_record(actor=manager, child=child, category="housing", text="Moving")
    note = notes.note_update(
        actor=manager,
        instance=note,
        expected_version=note.version,
        category="housing",
        text="Moved",
    )
    edit = LogEntry.objects.get(
        content_type=ContentType.objects.get_for_model(note),
        object_pk=str(note.pk),
        action=LogEntry.Action.UPDATE,
    )
    assert "category" not in edit.changes
    assert [row.entry for row in history_rows([edit], user=caseworker)] == [edit]
    type(note).objects.filter(pk=note.pk).delete()
    assert history_rows([edit], user=caseworker) == []
    assert edit not in selectors.child_history_visible_to(child=child, user=caseworker)


def test_entries_of_a_model_the_map_does_not_know_are_shown_to_nobody(manager, child):
    user_model = get_user_model()
    stranger = LogEntry.objects.create(
        content_type=ContentType.objects.get_for_model(user_model),
        object_pk=str(manager.pk),
        object_id=manager.pk,
        object_repr="User",
        action=LogEntry.Action.UPDATE,
        changes={"email": ["a@example.invalid", "b@example.invalid"]},
        additional_data={"child_id": str(child.pk)},
    )
    assert stranger in selectors.child_history(child=child)
    assert stranger not in selectors.child_history_visible_to(child=child, user=manager)
    assert history_rows([stranger], user=manager) == []


def test_without_a_user_the_rows_are_as_for_someone_without_the_permission(
    caseworker, history_child
):
    everything = list(selectors.child_history(child=history_child))
    assert [row.entry for row in history_rows(everything)] == [
        row.entry for row in history_rows(everything, user=caseworker)
    ]


def _more_history(manager, child, count: int, first: int = 0) -> None:
    """Per round, six entries: a court order, a criminal note, a housing note and its edit,
    an episode; and, newest, a suspension naming its school (a foreign key, as an allocation
    names a caseworker), so that every page of the history resolves one."""
    school = SchoolFactory()
    for number in range(first, first + count):
        safeguarding.court_order_record(
            actor=manager,
            child=child,
            order_type="supervision",
            court=f"Court {number}",
            made_on=D(2019, 1, 1) + datetime.timedelta(days=number),
        )
        note = notes.note_record(
            actor=manager, child=child, category="housing", text=f"Housing {number}"
        )
        notes.note_update(
            actor=manager,
            instance=note,
            expected_version=note.version,
            category="housing",
            text=f"Housing {number}, changed",
        )
        notes.note_record(actor=manager, child=child, category="criminal", text=f"Crime {number}")
        services.episode_add(
            actor=manager,
            child=child,
            cohort=Cohort.CPP,
            start_date=D(2000, 1, 1) + datetime.timedelta(days=40 * number),
            end_date=D(2000, 1, 10) + datetime.timedelta(days=40 * number),
        )
        behaviour.exclusion_record(
            actor=manager,
            child=child,
            school=school,
            category="FIXD",
            start_date=D(2010, 1, 4) + datetime.timedelta(days=7 * number),
            sessions=2,
            reasons=["DB"],
        )


@pytest.mark.parametrize("sensitive", [False, True], ids=["without", "with"])
def test_history_page_query_count_is_fixed_at_two_sizes(
    client_for, manager, caseworker, allocate, django_assert_max_num_queries, sensitive
):
    child = ChildFactory(date_of_birth=D(1999, 6, 1))
    allocate(child, caseworker)
    user = _grant_sensitive(caseworker) if sensitive else caseworker
    client = client_for(user)
    url = reverse("records:child-history", kwargs={"pk": child.pk})
    counts = []
    # Both sizes fill more than a page, so the first page names the same kinds of rows.
    for first, added in ((0, 15), (15, 25)):
        _more_history(manager, child, added, first)
        with django_assert_max_num_queries(30) as queries:
            response = client.get(url)
        assert response.status_code == 200
        counts.append(len(queries.captured_queries))
    assert counts[0] == counts[1]
    # The second size fills more than one page; every page but the last is full.
    paginator = response.context["page"].paginator
    assert paginator.num_pages >= 2
    assert len(response.context["rows"]) == 50


def test_a_later_page_of_a_caseworker_without_the_permission_is_full_too(
    client_for, manager, caseworker, allocate
):
    child = ChildFactory(date_of_birth=D(1999, 6, 1))
    allocate(child, caseworker)
    _more_history(manager, child, 30)
    client = client_for(caseworker)
    url = reverse("records:child-history", kwargs={"pk": child.pk})
    first = client.get(url)
    second = client.get(url, {"page": 2})
    assert len(first.context["rows"]) == 50
    shown = first.context["page"].paginator.count
    assert len(second.context["rows"]) == min(50, shown - 50)
    for response in (first, second):
        html = unescape(response.content.decode())
        assert "Crime" not in html
        assert "court order" not in html.lower()


def test_a_user_without_sight_of_the_child_gets_no_history(client_for, other_caseworker, child):
    url = reverse("records:child-history", kwargs={"pk": child.pk})
    assert client_for(UserFactory(role=Role.CASEWORKER)).get(url).status_code == 404
    assert client_for(other_caseworker).get(url).status_code == 404
