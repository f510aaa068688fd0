"""records/spans.py: "open on a day" and "open during a period", one rule in three forms."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from hypothesis import given
from hypothesis import strategies as st

from records.models import LegalStatusEpisode
from records.selectors.schools import current_enrolment, enrolment_status
from records.spans import is_open, open_q, open_sql, open_sql_params
from tests.factories import ChildFactory, EpisodeFactory, SchoolFactory

D = datetime.date
days = st.dates(min_value=D(2024, 1, 1), max_value=D(2024, 3, 31))


@given(start=days, length=st.none() | st.integers(0, 40), first=days, width=st.integers(0, 40))
def test_is_open_means_some_day_of_the_period_is_within_the_row(start, length, first, width):
    end = None if length is None else start + datetime.timedelta(days=length)
    last = first + datetime.timedelta(days=width)
    period = [first + datetime.timedelta(days=n) for n in range(width + 1)]
    expected = any(start <= day and (end is None or day <= end) for day in period)
    assert is_open(start, end, first, last) is expected
    assert is_open(start, end, first) is (start <= first and (end is None or first <= end))


def test_open_on_a_day_includes_both_ends():
    assert is_open(D(2024, 1, 1), D(2024, 1, 31), D(2024, 1, 1))
    assert is_open(D(2024, 1, 1), D(2024, 1, 31), D(2024, 1, 31))
    assert not is_open(D(2024, 1, 1), D(2024, 1, 31), D(2024, 2, 1))
    assert not is_open(D(2024, 1, 2), None, D(2024, 1, 1))
    assert is_open(D(2024, 1, 2), None, D(2099, 1, 1))


# Rows around the days asked about: ending before, on and after them, and not ended.
SPANS = [
    (D(2024, 1, 1), D(2024, 1, 9)),
    (D(2024, 1, 1), D(2024, 1, 10)),
    (D(2024, 1, 10), D(2024, 1, 10)),
    (D(2024, 1, 10), None),
    (D(2024, 1, 11), None),
    (D(2024, 1, 5), D(2024, 1, 20)),
    (D(2024, 1, 15), D(2024, 1, 31)),
    (D(2023, 6, 1), None),
]
QUESTIONS = [(D(2024, 1, 10), None), (D(2024, 1, 9), D(2024, 1, 11)), (D(2024, 1, 21), None)]
QUESTIONS += [(D(2024, 1, 12), D(2024, 1, 14)), (D(2024, 2, 1), D(2024, 3, 1))]


@pytest.mark.django_db
@pytest.mark.parametrize(("first", "last"), QUESTIONS)
def test_the_q_and_the_sql_pick_the_rows_the_predicate_picks(first, last):
    episodes = [
        EpisodeFactory(child=ChildFactory(), start_date=start, end_date=end) for start, end in SPANS
    ]
    expected = {e.pk for e in episodes if is_open(e.start_date, e.end_date, first, last)}
    assert expected, "every question has an answer"
    assert expected != {e.pk for e in episodes}, "and leaves some row out"
    by_q = set(LegalStatusEpisode.objects.filter(open_q(first, last)).values_list("pk", flat=True))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT e.id FROM {LegalStatusEpisode._meta.db_table} e WHERE {open_sql('e')}",  # noqa: S608
            open_sql_params(first, last),
        )
        by_sql = {pk for (pk,) in cursor.fetchall()}
    assert by_q == expected
    assert by_sql == expected
    if last is None:
        assert {e.pk for e in episodes if e.is_open_on(first)} == expected


@pytest.mark.django_db
def test_open_q_follows_a_relation():
    open_child, ended_child = ChildFactory(), ChildFactory()
    EpisodeFactory(child=open_child, start_date=D(2024, 1, 1))
    EpisodeFactory(child=ended_child, start_date=D(2024, 1, 1), end_date=D(2024, 1, 9))
    found = type(open_child).objects.filter(open_q(D(2024, 1, 10), prefix="episodes__"))
    assert list(found) == [open_child]


@pytest.mark.django_db
def test_the_current_enrolment_is_the_one_open_that_day():
    from records.models import Enrolment

    child = ChildFactory()
    school_a, school_b = SchoolFactory(), SchoolFactory()
    first = Enrolment.objects.create(
        child=child, school=school_a, start_date=D(2023, 9, 1), end_date=D(2024, 1, 9)
    )
    second = Enrolment.objects.create(child=child, school=school_b, start_date=D(2024, 1, 10))
    for day, expected, statuses in [
        (D(2024, 1, 9), first, ("Current", "Starting")),
        (D(2024, 1, 10), second, ("Previous", "Current")),
        (D(2023, 8, 31), None, ("Starting", "Starting")),
    ]:
        assert current_enrolment(child=child, on=day) == expected
        assert (enrolment_status(first, day), enrolment_status(second, day)) == statuses
    assert current_enrolment(child=child) == second  # today, by default
