"""The home page's "What needs doing" (records/todo.py, records/selectors/todo.py): each item
counts exactly the children behind it, over a caseworker's own caseload or a manager's
cohort, links to the child or the list, and costs the same however many children."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from records.codes import Cohort, LegalStatus
from records.models import Enrolment, Exclusion, HomeSeen
from records.services import allocation_create
from records.services.attendance import attendance_record
from records.services.behaviour import exclusion_record
from records.todo import todo_items
from records.views.home import home_part
from tests.factories import ChildFactory, EpisodeFactory, SchoolFactory, UserFactory
from virtualschool.roles import Role

pytestmark = pytest.mark.django_db
D = datetime.date
# Thursday 20 November 2025: the autumn term of 2025/26 (1 August to 31 December).
NOW = datetime.datetime(2025, 11, 20, 12, tzinfo=datetime.UTC)
AUTUMN_MONDAY = D(2025, 11, 3)
BORN = D(2012, 5, 1)


@pytest.fixture(autouse=True)
def _autumn_2025():
    with time_machine.travel(NOW, tick=False):
        yield


def _child(*, school=None, upn_check=False, closed=False):
    child = ChildFactory(date_of_birth=BORN, upn_needs_checking=upn_check)
    EpisodeFactory(
        child=child,
        cohort=Cohort.CLA,
        legal_status=LegalStatus.C2,
        start_date=D(2024, 1, 1),
        end_date=D(2025, 3, 1) if closed else None,
    )
    if school is not None:
        Enrolment.objects.create(child=child, school=school, start_date=D(2023, 9, 1))
    return child


def _sessions(actor, child, codes):
    """One code per session, AM then PM, on consecutive weekdays from 3 November 2025."""
    days, day = [], AUTUMN_MONDAY
    while len(days) < (len(codes) + 1) // 2:
        if day.weekday() < 5:
            days.append(day)
        day += datetime.timedelta(days=1)
    marks = [(days[n // 2], "AM" if n % 2 == 0 else "PM", code) for n, code in enumerate(codes)]
    attendance_record(actor=actor, child=child, sessions=marks)


SUSPENDED_ON = D(2025, 11, 10)


def _exclude(actor, child, school, start=SUSPENDED_ON):
    return exclusion_record(
        actor=actor,
        child=child,
        school=school,
        category="FIXD",
        start_date=start,
        sessions=2,
        reasons=["DB"],
    )


@pytest.fixture
def world(manager, caseworker, other_caseworker):
    """mine_a: at school, persistently absent (2 of 4 sessions), suspended this term.
    mine_b: no school, UPN to check, attends every session.
    theirs: another caseworker's child, with every item: no school, UPN to check,
      persistently absent, suspended.
    closed: no caseworker, case closed in March, no school, UPN to check: counted for UPNs
      only (no school is judged for children in a cohort today).
    old: a suspension recorded before this term began: not new to anyone who never looked."""
    school = SchoolFactory(name="Alpha Primary")
    mine_a = _child(school=school)
    mine_b = _child(upn_check=True)
    theirs = _child(upn_check=True)
    closed = _child(upn_check=True, closed=True)
    old = _child(school=school)
    for child in (mine_a, mine_b):
        allocation_create(
            actor=manager, child=child, caseworker=caseworker, start_date=D(2024, 1, 1)
        )
    allocation_create(
        actor=manager, child=theirs, caseworker=other_caseworker, start_date=D(2024, 1, 1)
    )
    _sessions(manager, mine_a, ["/", "N", "N", "\\"])
    _sessions(manager, mine_b, ["/", "\\", "/", "\\"])
    _sessions(manager, theirs, ["O", "O", "/", "\\"])
    _exclude(manager, mine_a, school)
    _exclude(manager, theirs, school)
    Exclusion.objects.filter(pk=_exclude(manager, old, school, start=D(2025, 6, 2)).pk).update(
        recorded_at=datetime.datetime(2025, 7, 1, 9, tzinfo=datetime.UTC)
    )
    return {"mine_a": mine_a, "mine_b": mine_b, "theirs": theirs, "closed": closed, "old": old}


def _items(user):
    return {item.key: item for item in todo_items(user)}


def _tab(child, tab):
    return reverse("records:tab", kwargs={"pk": child.pk, "tab": tab})


def test_a_caseworker_counts_their_own_caseload_and_is_sent_to_the_child(world, caseworker):
    items = _items(caseworker)
    assert {key: item.count for key, item in items.items()} == {
        "new_exclusions": 1,
        "persistent_absence": 1,
        "no_school": 1,
        "upn_check": 1,
        # In care since 2024 with no plan: each PEP overdue (tests/records/dashboards/).
        "pep_due": 2,
        "pep_awaiting_qa": 0,
    }
    assert items["persistent_absence"].url == _tab(world["mine_a"], "attendance")
    assert items["no_school"].url == _tab(world["mine_b"], "schools")
    assert items["upn_check"].url == reverse(
        "records:child-detail", kwargs={"pk": world["mine_b"].pk}
    )
    assert items["new_exclusions"].url == reverse("records:new-exclusions")
    assert items["upn_check"].text == "UPN that needs checking"


def test_another_caseworker_counts_only_theirs(world, other_caseworker):
    items = _items(other_caseworker)
    assert {key: item.count for key, item in items.items()} == {
        "new_exclusions": 1,
        "persistent_absence": 1,
        "no_school": 1,
        "upn_check": 1,
        "pep_due": 1,
        "pep_awaiting_qa": 0,
    }
    assert items["no_school"].url == _tab(world["theirs"], "schools")


def test_a_manager_counts_the_cohort_and_is_sent_to_the_lists(world, manager):
    items = _items(manager)
    assert {key: item.count for key, item in items.items()} == {
        "new_exclusions": 2,
        "persistent_absence": 2,
        "no_school": 2,
        "upn_check": 3,
        "pep_due": 4,
        "pep_awaiting_qa": 0,
    }
    assert items["no_school"].url == f"{reverse('records:caseload')}?no_school=1"
    assert items["upn_check"].url == f"{reverse('records:caseload')}?upn_check=1"
    assert items["persistent_absence"].url == (
        f"{reverse('dashboards:attendance-children')}?year=2025&period=autumn&show=persistent"
    )
    assert items["upn_check"].text == "UPNs that need checking"


def test_the_headline_figures(world, manager, caseworker):
    """Five children; four looked after today (the closed case is not); one of those in a
    cohort today with no caseworker ('old'; the closed case is in no cohort). A caseworker's
    headline is only how many children they see."""
    figures = home_part(manager)
    assert figures["sees_all_children"] is True
    assert {key: figures[key] for key in ("child_count", "looked_after_count")} == {
        "child_count": 5,
        "looked_after_count": 4,
    }
    assert figures["unallocated_count"] == 1
    figures = home_part(caseworker)
    assert figures["child_count"] == 2
    assert "looked_after_count" not in figures and "unallocated_count" not in figures


def test_each_list_behind_an_item_holds_exactly_its_children(world, client_for, manager):
    client = client_for(manager)
    for key, expected in (
        ("no_school", {"mine_b", "theirs"}),
        ("upn_check", {"mine_b", "theirs", "closed"}),
        ("persistent_absence", {"mine_a", "theirs"}),
    ):
        page = client.get(_items(manager)[key].url).content.decode()
        shown = {name for name, child in world.items() if str(child.pk) in page}
        assert shown == expected, key


def test_opening_the_list_marks_the_exclusions_seen(world, client_for, caseworker, manager):
    page = client_for(caseworker).get(reverse("records:new-exclusions")).content.decode()
    assert str(world["mine_a"].pk) in page
    assert str(world["theirs"].pk) not in page
    assert str(world["old"].pk) not in page
    seen = HomeSeen.objects.get(user=caseworker, item=HomeSeen.Item.NEW_EXCLUSIONS)
    assert seen.seen_at == timezone.now()
    assert _items(caseworker)["new_exclusions"].count == 0
    # Someone else's look changes nothing for them.
    assert _items(manager)["new_exclusions"].count == 2
    with time_machine.travel(NOW + datetime.timedelta(hours=1), tick=False):
        _exclude(manager, world["mine_b"], SchoolFactory(name="Beta"), start=D(2025, 11, 17))
        assert _items(caseworker)["new_exclusions"].count == 1
        page = client_for(caseworker).get(reverse("records:new-exclusions")).content.decode()
        assert str(world["mine_b"].pk) in page
        assert str(world["mine_a"].pk) not in page


def test_the_home_page_shows_the_items(world, client_for, caseworker, manager):
    page = client_for(caseworker).get(reverse("home")).content.decode()
    assert "What needs doing" in page
    assert "1 child persistently absent this term (Autumn 2025 term)" in page
    assert f'href="{_tab(world["mine_b"], "schools")}">1 child with no school' in page
    page = client_for(manager).get(reverse("home")).content.decode()
    assert "2 children with no school" in page
    assert "Looked after today" in page


def test_nothing_to_do_says_so(client_for, caseworker):
    page = client_for(caseworker).get(reverse("home")).content.decode()
    assert "No new suspensions and exclusions since you last looked" in page
    assert "No UPNs that need checking" in page


def test_admins_have_no_items_and_no_list(client_for, admin_user, world):
    assert home_part(admin_user)["todo"] is None
    assert client_for(admin_user).get(reverse("records:new-exclusions")).status_code == 404


def test_a_recipients_home_page_counts_no_children(world):
    recipient = UserFactory(username="recipient_r", role=Role.RECIPIENT)
    with CaptureQueriesContext(connection) as queries:
        assert home_part(recipient) == {}
    assert not [q for q in queries.captured_queries if "records_" in q["sql"]]


def _more(manager, caseworker, other_caseworker, n):
    """n more children of each kind, for each caseworker."""
    school = SchoolFactory(name="Gamma")
    for _ in range(n):
        for person in (caseworker, other_caseworker):
            child = _child(upn_check=True)
            allocation_create(
                actor=manager, child=child, caseworker=person, start_date=D(2024, 1, 1)
            )
            _sessions(manager, child, ["/", "N", "N", "\\"])
            _exclude(manager, child, school)
        _child(closed=True)


@pytest.mark.parametrize("role", ["caseworker", "manager"])
def test_the_home_page_costs_the_same_at_two_sizes(
    world, client_for, request, role, manager, caseworker, other_caseworker
):
    user = request.getfixturevalue(role)
    client = client_for(user)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("home")).status_code == 200
        return len(captured)

    small = queries()
    _more(manager, caseworker, other_caseworker, 3)
    assert queries() == small
    items = _items(user)
    assert items["persistent_absence"].count == (2 + 6 if role == "manager" else 1 + 3)


def test_the_new_exclusions_list_costs_the_same_at_two_sizes(
    world, client_for, manager, caseworker, other_caseworker
):
    client = client_for(manager)

    def queries():
        HomeSeen.objects.filter(user=manager).delete()
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("records:new-exclusions")).status_code == 200
        return len(captured)

    small = queries()
    _more(manager, caseworker, other_caseworker, 3)
    assert queries() == small
