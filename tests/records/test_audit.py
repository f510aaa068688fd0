"""Every change is in the child's audit history; identity values never are."""

import datetime

import pytest
from auditlog.context import set_actor
from auditlog.models import LogEntry
from django.urls import reverse
from django.utils.html import escape

from records import selectors, services
from records.audit import REDACTED
from records.codes import Cohort
from tests.factories import ChildFactory

pytestmark = pytest.mark.django_db


def test_creating_a_child_is_audited_with_its_actor_and_without_its_name(manager):
    child = services.child_create(
        actor=manager,
        first_name="Olivia",
        last_name="Brennan",
        date_of_birth=datetime.date(2013, 2, 3),
        gender="F",
        upn="B801200005001",
        postcode="LS1 4AP",
    )
    entry = selectors.child_history(child=child).get()
    assert entry.actor == manager
    assert entry.action == LogEntry.Action.CREATE
    stored = f"{entry.changes} {entry.object_repr} {entry.additional_data}"
    for secret in ("Olivia", "Brennan", "2013-02-03", "B801200005001", "LS1 4AP"):
        assert secret not in stored
    assert entry.changes["first_name"] == ["None", REDACTED]


def test_episodes_and_allocations_are_in_the_childs_history(manager, caseworker, child):
    other_child = ChildFactory()
    services.episode_add(
        actor=manager, child=child, cohort=Cohort.CIN, start_date=datetime.date(2024, 1, 1)
    )
    allocation = services.allocation_create(actor=manager, child=child, caseworker=caseworker)
    services.allocation_end(actor=manager, allocation=allocation)
    services.episode_add(
        actor=manager, child=other_child, cohort=Cohort.CIN, start_date=datetime.date(2024, 1, 1)
    )

    history = list(selectors.child_history(child=child))
    models = [entry.content_type.model for entry in history]
    assert models.count("legalstatusepisode") == 1
    assert models.count("allocation") == 2  # created, then ended
    ended = history[0]
    assert ended.action == LogEntry.Action.UPDATE
    assert ended.changes["end_date"][0] == "None"
    assert all(entry.actor == manager for entry in history if entry.content_type.model != "child")


def test_history_page_shows_who_changed_what(client_for, manager, child):
    services.episode_add(
        actor=manager,
        child=child,
        cohort=Cohort.CIN,
        start_date=datetime.date(2024, 1, 1),
        closure_date=datetime.date(2024, 3, 1),
    )
    html = (
        client_for(manager)
        .get(reverse("records:child-history", kwargs={"pk": child.pk}))
        .content.decode()
    )
    assert escape(manager.get_full_name()) in html
    assert "Child in need" in html
    assert "Case closure date" in html


def test_history_page_query_count_is_fixed(
    client_for, manager, child, django_assert_max_num_queries
):
    client = client_for(manager)
    url = reverse("records:child-history", kwargs={"pk": child.pk})
    counts = []
    for start in (datetime.date(2020, 1, 1), datetime.date(2021, 1, 1)):
        services.episode_add(
            actor=manager, child=child, cohort=Cohort.CIN, start_date=start, end_date=start
        )
        with django_assert_max_num_queries(30) as queries:
            client.get(url)
        counts.append(len(queries.captured_queries))
    for year in range(2010, 2020):
        services.episode_add(
            actor=manager,
            child=child,
            cohort=Cohort.CPP,
            start_date=datetime.date(year, 1, 1),
            end_date=datetime.date(year, 2, 1),
        )
    with django_assert_max_num_queries(30) as queries:
        client.get(url)
    assert len(queries.captured_queries) == counts[0] == counts[1]


def test_child_page_query_count_is_fixed(
    client_for, manager, caseworker, child, django_assert_max_num_queries
):
    client = client_for(manager)
    url = reverse("records:child-detail", kwargs={"pk": child.pk})
    with django_assert_max_num_queries(30) as small:
        client.get(url)
    services.allocation_create(actor=manager, child=child, caseworker=caseworker)
    for year in range(2010, 2020):
        services.episode_add(
            actor=manager,
            child=child,
            cohort=Cohort.CIN,
            start_date=datetime.date(year, 1, 1),
            end_date=datetime.date(year, 6, 1),
        )
    with django_assert_max_num_queries(30) as large:
        client.get(url)
    assert len(small.captured_queries) == len(large.captured_queries)


def test_a_name_change_is_recorded_though_its_values_are_redacted(manager, child):
    from records.history import history_rows

    child.last_name = "Changed"
    with set_actor(manager):
        child.save()
    rows = history_rows(selectors.child_history(child=child))
    update = next(row for row in rows if row.entry.action == LogEntry.Action.UPDATE)
    assert [(c.field, c.before, c.after) for c in update.changes] == [
        ("Last name", REDACTED, REDACTED)
    ]


def test_history_shows_only_the_declared_fields(manager, child):
    from records.history import history_rows

    services.episode_add(
        actor=manager, child=child, cohort=Cohort.CIN, start_date=datetime.date(2024, 1, 1)
    )
    rows = history_rows(selectors.child_history(child=child))
    episode = next(row for row in rows if row.entry.content_type.model == "legalstatusepisode")
    assert [(c.field, c.after) for c in episode.changes] == [
        ("Cohort", "Child in need"),
        ("Start date", "1 January 2024"),
    ]


def test_attendance_recorded_in_bulk_is_in_the_history_page(client_for, manager, child):
    from records.services.attendance import attendance_record_range

    child.date_of_birth = datetime.date(2015, 5, 1)
    child.save()
    attendance_record_range(
        actor=manager,
        child=child,
        date_from=datetime.date(2025, 9, 8),
        date_to=datetime.date(2025, 9, 12),
        code="/",
    )
    html = (
        client_for(manager)
        .get(reverse("records:child-history", kwargs={"pk": child.pk}))
        .content.decode()
    )
    assert "Attendance recorded" in html
    assert "10 from 8 Sep 2025 to 12 Sep 2025" in html
    assert escape(manager.get_full_name()) in html
