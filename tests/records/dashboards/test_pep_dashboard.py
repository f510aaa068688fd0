"""The PEP dashboard and the home page's PEP items (records/selectors/dashboards/pep.py): the
due-date rule in SQL agrees with `pep_next_due` on generated children, the figures and lists
on hand-built fixtures, each home item links to the child or the list, and the page and the
home page cost the same number of queries at two sizes."""

from __future__ import annotations

import datetime
from datetime import timedelta

import pytest
import time_machine
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from records.codes import Cohort
from records.models import Pep
from records.models.pep import PepKind, PepStatus, QaRating
from records.selectors.dashboards import pep as pep_selectors
from records.selectors.dashboards.scope import Period, Scope
from records.selectors.pep import pep_next_due
from records.todo import todo_items
from tests.conftest import signed_in
from tests.factories import ChildFactory, EpisodeFactory

pytestmark = pytest.mark.django_db
D = datetime.date
# Thursday 20 November 2025, autumn 2025/26.
TODAY = D(2025, 11, 20)


def _scope(today: D) -> Scope:
    from records.calendar import academic_year_of, term_of

    period = Period.of_term(academic_year_of(today), term_of(today))
    return Scope(
        period=period,
        period_params={"year": str(period.academic_year), "period": period.term},
        breakdowns=(),
    )


def _plan(
    child,
    *,
    created: D,
    status=PepStatus.IN_PROGRESS,
    meeting=None,
    rating="",
    year=None,
    term=None,
):
    from records.calendar import academic_year_of, term_of

    plan = Pep.objects.create(
        child=child,
        kind=PepKind.SCHOOL_AGE,
        academic_year=year if year is not None else academic_year_of(created),
        term=term or term_of(created),
        status=status,
        meeting_date=meeting,
        qa_rating=rating,
    )
    at = timezone.make_aware(datetime.datetime.combine(created, datetime.time(12)))
    Pep.objects.filter(pk=plan.pk).update(created_at=at)
    return plan


def _due_rows(manager, today):
    scope = _scope(today)
    with time_machine.travel(today, tick=False):
        soon_total, soon = pep_selectors.pep_children(
            user=manager, scope=scope, show=pep_selectors.SHOW_DUE_SOON
        )
        late_total, late = pep_selectors.pep_children(
            user=manager, scope=scope, show=pep_selectors.SHOW_OVERDUE
        )
        everyone_total, everyone = pep_selectors.pep_children(user=manager, scope=scope)
    return (
        {row.child_id for row in soon},
        {row.child_id for row in late},
        {row.child_id: row.entered for row in everyone},
    )


episodes_strategy = st.lists(
    st.tuples(st.integers(min_value=1, max_value=4), st.integers(min_value=1, max_value=400)),
    min_size=1,
    max_size=3,
)
child_strategy = st.fixed_dictionaries(
    {
        # Days before today the first episode began; gaps (1 to 4 days) and lengths between.
        "back": st.integers(min_value=0, max_value=900),
        "episodes": episodes_strategy,
        "last_open": st.booleans(),
        # Plans: days after entering care they were created, complete with a meeting or not.
        "plans": st.lists(
            st.tuples(st.integers(min_value=0, max_value=900), st.booleans()), max_size=3
        ),
    }
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    today=st.dates(min_value=D(2019, 3, 1), max_value=D(2027, 10, 1)),
    children=st.lists(child_strategy, min_size=1, max_size=4),
)
def test_the_sql_due_rule_agrees_with_pep_next_due(manager, today, children):
    with transaction.atomic():
        made = []
        for spec in children:
            child = ChildFactory(date_of_birth=D(2012, 1, 1))
            start = today - timedelta(days=spec["back"])
            for index, (gap, length) in enumerate(spec["episodes"]):
                last = index == len(spec["episodes"]) - 1
                end = None if last and spec["last_open"] else start + timedelta(days=length)
                EpisodeFactory(child=child, cohort=Cohort.CLA, start_date=start, end_date=end)
                start = (end or start) + timedelta(days=gap)
            first = today - timedelta(days=spec["back"])
            for after, complete in spec["plans"]:
                created = min(first + timedelta(days=after), today)
                _plan(
                    child,
                    created=created,
                    status=PepStatus.COMPLETE if complete else PepStatus.IN_PROGRESS,
                    meeting=created if complete else None,
                )
            made.append(child)
        soon, late, in_care = _due_rows(manager, today)
        for child in made:
            due = pep_next_due(child=child, today=today)
            assert (child.pk in in_care) == (due is not None)
            if due is None:
                continue
            assert (child.pk in late) == (due.due < today), (due, in_care[child.pk])
            assert (child.pk in soon) == (due.due <= today + timedelta(days=14)), due
        transaction.set_rollback(True)


def test_thresholds_are_the_latest_dates_pep_due_makes_due_by_the_day():
    from records.codes.pep import pep_due

    for day in (D(2025, 12, 24), D(2026, 4, 6), D(2026, 8, 15)):
        t = pep_selectors.due_thresholds(day)
        for started, latest in ((False, t.initiated), (True, t.first_review)):
            assert pep_due(entered_care=latest, started=started, latest_meeting=None).due <= day
            after = latest + timedelta(days=1)
            assert pep_due(entered_care=after, started=started, latest_meeting=None).due > day
        assert pep_due(entered_care=t.termly, started=True, latest_meeting=t.termly).due <= day
        after = t.termly + timedelta(days=1)
        assert pep_due(entered_care=after, started=True, latest_meeting=after).due > day


@pytest.fixture
def cohort(allocate, caseworker, other_caseworker):
    """Hand-built: in care all since 2024 unless said.

    - ann: complete plan this term (met 1 October), green: in date, completed.
    - ben: complete plan last summer (meeting 1 June 2025): due end of autumn, so due soon on
      20 November? No: due 31 December 2025, more than 14 days on; in date; this term's plan
      submitted (awaiting QA).
    - cat: latest complete meeting in spring 2025: due end of summer 2025: overdue; this
      term's plan QA-rated red.
    - dan: entered care 10 November 2025, nothing started: due in 10 working days (24
      November): in date, due soon.
    - eve: left care in 2025: not counted.
    - fay: ann's twin on other_caseworker's caseload, no plan: overdue.
    """
    with time_machine.travel(TODAY, tick=False):
        names = {}
        for name, start, end, worker in (
            ("ann", D(2024, 1, 8), None, caseworker),
            ("ben", D(2024, 1, 8), None, caseworker),
            ("cat", D(2024, 1, 8), None, caseworker),
            ("dan", D(2025, 11, 10), None, caseworker),
            ("eve", D(2024, 1, 8), D(2025, 3, 1), caseworker),
            ("fay", D(2024, 1, 8), None, other_caseworker),
        ):
            child = ChildFactory(
                first_name=name.title(), last_name="Test", date_of_birth=D(2012, 1, 1)
            )
            EpisodeFactory(child=child, cohort=Cohort.CLA, start_date=start, end_date=end)
            allocate(child, worker)
            names[name] = child
        _plan(
            names["ann"],
            created=D(2025, 9, 10),
            status=PepStatus.COMPLETE,
            meeting=D(2025, 10, 1),
            rating=QaRating.GREEN,
        )
        _plan(names["ben"], created=D(2025, 5, 1), status=PepStatus.COMPLETE, meeting=D(2025, 6, 1))
        _plan(names["ben"], created=D(2025, 10, 1), status=PepStatus.SUBMITTED)
        _plan(names["cat"], created=D(2025, 2, 1), status=PepStatus.COMPLETE, meeting=D(2025, 3, 1))
        _plan(names["cat"], created=D(2025, 10, 1), status=PepStatus.QA_RATED, rating=QaRating.RED)
    return names


def _dashboard(user):
    with time_machine.travel(TODAY, tick=False):
        return pep_selectors.pep_dashboard(user=user, scope=_scope(TODAY))


def test_the_figures_on_a_hand_built_cohort(manager, cohort):
    overall = _dashboard(manager).overall
    assert overall.children == 5  # eve left care
    assert overall.in_date == 3 and overall.overdue == 2  # cat and fay overdue
    assert overall.in_date_pct == 60
    assert overall.completed == 1 and overall.completed_pct == 20
    assert overall.awaiting_qa == 1
    assert (overall.red, overall.amber, overall.green, overall.not_rated) == (1, 0, 1, 1)


def test_a_caseworker_counts_only_their_caseload(caseworker, cohort):
    overall = _dashboard(caseworker).overall
    assert overall.children == 4 and overall.overdue == 1


def test_the_lists_behind_the_figures(manager, cohort):
    scope = _scope(TODAY)

    def names(show):
        with time_machine.travel(TODAY, tick=False):
            total, rows = pep_selectors.pep_children(user=manager, scope=scope, show=show)
        assert total == len(rows)
        return {row.name.split()[0] for row in rows}

    assert names("overdue") == {"Cat", "Fay"}
    assert names("due_soon") == {"Cat", "Fay", "Dan"}
    assert names("in_date") == {"Ann", "Ben", "Dan"}
    assert names("completed") == {"Ann"}
    assert names("awaiting_qa") == {"Ben"}
    assert names("qa_red") == {"Cat"}
    assert names("qa_green") == {"Ann"}
    assert names("qa_none") == {"Ben"}


def test_home_items_count_and_link(caseworker, manager, cohort):
    with time_machine.travel(TODAY, tick=False):
        by_key = {item.key: item for item in todo_items(caseworker)}
        due, qa = by_key["pep_due"], by_key["pep_awaiting_qa"]
        assert due.count == 2  # cat and dan; fay is not theirs
        assert due.url.startswith(reverse("dashboards:pep-children")) and "show=due_soon" in due.url
        assert qa.count == 1
        assert qa.url == reverse("records:tab", kwargs={"pk": cohort["ben"].pk, "tab": "pep"})
        manager_items = {item.key: item for item in todo_items(manager)}
        assert manager_items["pep_due"].count == 3


def test_the_page_and_its_csv(manager, cohort):
    client = signed_in(manager)
    with time_machine.travel(TODAY, tick=False):
        page = client.get(reverse("dashboards:pep"), {"year": "2025", "period": "autumn"})
        csv = client.get(
            reverse("dashboards:pep"), {"year": "2025", "period": "autumn", "download": "csv"}
        )
        listing = client.get(
            reverse("dashboards:pep-children"),
            {"year": "2025", "period": "autumn", "show": "overdue"},
        )
    assert page.status_code == 200
    text = page.content.decode()
    assert "60.0%" in text or "60%" in text
    assert 'id="pp-plus-position"' in text
    assert reverse("dashboards:pep") in text  # in the dashboards' navigation
    body = b"".join(csv.streaming_content).decode()
    assert "With an in-date PEP" in body and "All,All children in view,5,3" in body
    assert listing.status_code == 200 and "Cat" in listing.content.decode()


def _more_children(allocate, caseworker, count):
    for index in range(count):
        child = ChildFactory(date_of_birth=D(2012, 1, 1))
        EpisodeFactory(child=child, cohort=Cohort.CLA, start_date=D(2024, 1, 8))
        allocate(child, caseworker)
        _plan(
            child,
            created=D(2025, 10, 1),
            status=PepStatus.SUBMITTED if index % 2 else PepStatus.COMPLETE,
            meeting=D(2025, 10, 2),
        )


def _count_queries(func):
    with CaptureQueriesContext(connection) as queries, time_machine.travel(TODAY, tick=False):
        func()
    return len(queries)


def test_fixed_queries_at_two_sizes(manager, caseworker, allocate, cohort):
    client = signed_in(manager)
    client.get(reverse("home"))

    def page():
        assert client.get(reverse("dashboards:pep"), {"by": "school"}).status_code == 200

    def home():
        assert client.get(reverse("home")).status_code == 200

    def items():
        todo_items(manager)

    items()  # the user's roles, read once per user object
    small = [_count_queries(page), _count_queries(home), _count_queries(items)]
    _more_children(allocate, caseworker, 12)
    large = [_count_queries(page), _count_queries(home), _count_queries(items)]
    assert small == large
    with time_machine.travel(TODAY, tick=False):
        # One query an item, and one for both PEP items (pep_todo).
        assert small[2] == len(todo_items(manager)) - 1
