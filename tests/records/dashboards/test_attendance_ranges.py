"""A date range on the attendance dashboard is read from whole precomputed periods plus its
partial edges (records/selectors/dashboards/attendance.py range_pieces, issue 16), and its
figures equal the sum of the range's week rows, the way ranges were counted before: compared
here on the same data over random ranges."""

import datetime
import random
from collections import Counter, defaultdict

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from records.attendance import PERSISTENT_ABSENCE, SEVERE_ABSENCE
from records.codes import Cohort, LegalStatus
from records.models import AttendanceWeek
from records.selectors.dashboards.attendance import (
    Piece,
    attendance_children,
    attendance_dashboard,
    range_pieces,
)
from records.selectors.dashboards.scope import Period, Scope
from records.services.attendance import attendance_record
from tests.factories import ChildFactory, EpisodeFactory

pytestmark = pytest.mark.django_db
D = datetime.date
YEAR = 2024  # 2024/25: 1 August 2024 to 31 July 2025; Easter Sunday 20 April 2025
FIRST, LAST = D(YEAR, 8, 1), D(YEAR + 1, 7, 31)
# School holidays without sessions: half-terms, Christmas, Easter and the summer.
HOLIDAYS = [
    (D(2024, 8, 1), D(2024, 9, 3)),
    (D(2024, 10, 28), D(2024, 11, 1)),
    (D(2025, 2, 17), D(2025, 2, 21)),
    (D(2025, 4, 7), D(2025, 4, 18)),
    (D(2025, 5, 26), D(2025, 5, 30)),
    (D(2025, 7, 23), D(2025, 7, 31)),
]
LEGAL = {
    Cohort.CLA: {"legal_status": LegalStatus.C2},
    Cohort.CIN: {"legal_status": ""},
    Cohort.CPP: {"legal_status": ""},
}
CODES = ["/", "\\"] * 8 + ["I", "M", "O", "G", "N", "X", "L", "C"]


def _school_days():
    day, days = FIRST, []
    while day <= LAST:
        if day.weekday() < 5 and not any(a <= day <= b for a, b in HOLIDAYS):
            days.append(day)
        day += datetime.timedelta(days=1)
    return days


@pytest.fixture
def year_of_sessions(manager):
    """Four children with sessions over the whole year, each on their own days (one on
    30 December and 2 January, the week split between autumn and spring), with random codes."""
    chooser = random.Random(16)  # noqa: S311 - test data, not security
    days = _school_days()
    for index, cohort in enumerate((Cohort.CLA, Cohort.CLA, Cohort.CIN, Cohort.CPP)):
        child = ChildFactory(date_of_birth=D(2012, 5, 1))
        EpisodeFactory(child=child, cohort=cohort, start_date=D(2024, 1, 1), **LEGAL[cohort])
        mine = [day for day in days if chooser.random() < 0.35 + 0.1 * index]
        if index == 0:
            mine = sorted({*mine, D(2024, 12, 30), D(2025, 1, 2)})
        attendance_record(
            actor=manager,
            child=child,
            sessions=[(day, half, chooser.choice(CODES)) for day in mine for half in ("AM", "PM")],
        )


def _reference(period: Period):
    """The range's figures the way they were counted before: every week row of the academic
    year whose Monday is from the Monday of the first day to the last day, summed per child."""
    first_monday = period.start - datetime.timedelta(days=period.start.weekday())
    weeks = AttendanceWeek.objects.filter(
        academic_year=period.academic_year, week_start__range=(first_monday, period.end)
    )
    per_child = defaultdict(Counter)
    reasons, trend = Counter(), defaultdict(Counter)
    for week in weeks:
        per_child[week.child_id].update(
            possible=week.possible,
            attended=week.attended,
            absent=week.authorised + week.unauthorised,
            authorised=week.authorised,
            unauthorised=week.unauthorised,
        )
        reasons.update(week.absence_by_code)
        trend[week.week_start].update(possible=week.possible, attended=week.attended)
    counted = {child: c for child, c in per_child.items() if c["possible"] > 0}
    totals = sum(counted.values(), Counter())
    return {
        "children": len(counted),
        "possible": totals["possible"],
        "attended": totals["attended"],
        "authorised": totals["authorised"],
        "unauthorised": totals["unauthorised"],
        "persistent": sum(
            c["absent"] >= PERSISTENT_ABSENCE * c["possible"] for c in counted.values()
        ),
        "severe": sum(c["absent"] >= SEVERE_ABSENCE * c["possible"] for c in counted.values()),
        "reasons": {code: n for code, n in reasons.items() if n},
        "trend": {day: (c["possible"], c["attended"]) for day, c in trend.items() if c["possible"]},
        "with_illness": sum(
            1
            for child, c in counted.items()
            if sum(w.absence_by_code.get("I", 0) for w in weeks if w.child_id == child)
        ),
    }


def _ours(manager, period: Period):
    scope = Scope(period=period, breakdowns=("cohort",))
    dashboard = attendance_dashboard(user=manager, scope=scope)
    overall = dashboard.overall
    with_illness, _ = attendance_children(user=manager, scope=scope, reason="I")
    return {
        "children": overall.children,
        "possible": overall.figures.possible,
        "attended": overall.figures.attended,
        "authorised": overall.figures.authorised,
        "unauthorised": overall.figures.unauthorised,
        "persistent": overall.persistent,
        "severe": overall.severe,
        "reasons": {reason.code: reason.sessions for reason in dashboard.reasons},
        "trend": {
            week.week_start: (week.figures.possible, week.figures.attended)
            for week in dashboard.trend
        },
        "with_illness": with_illness,
    }


days_of_the_year = st.dates(min_value=FIRST, max_value=LAST)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(first=days_of_the_year, last=days_of_the_year)
def test_a_range_equals_the_sum_of_its_weeks(year_of_sessions, manager, first, last):
    first, last = sorted((first, last))
    period = Period.weeks(first, last)
    assert _ours(manager, period) == _reference(period)


@pytest.mark.parametrize(
    ("first", "last"),
    [
        (FIRST, LAST),  # the whole year: its AttendanceYear rows
        (D(2024, 9, 2), D(2024, 12, 20)),  # most of autumn: the term less its weeks outside
        (D(2024, 10, 1), D(2024, 10, 20)),  # a few weeks: those weeks
        (D(2024, 12, 30), D(2025, 1, 5)),  # the week split between autumn and spring
        (D(2024, 11, 4), D(2025, 7, 31)),  # part of autumn, spring and summer whole
    ],
)
def test_chosen_ranges_equal_the_sum_of_their_weeks(year_of_sessions, manager, first, last):
    period = Period.weeks(first, last)
    ours = _ours(manager, period)
    assert ours == _reference(period)
    assert ours["children"] > 0


def test_a_range_is_read_in_whole_periods_and_at_most_its_edges():
    def pieces(first, last):
        return range_pieces(Period.weeks(first, last))

    assert pieces(FIRST, LAST) == [Piece("year")]
    # Spring and summer whole; autumn from 4 November: 8 of its 22 weeks, read as weeks.
    assert pieces(D(2024, 11, 4), LAST) == [
        Piece("term", terms=("spring", "summer")),
        Piece("week", weeks=("autumn", D(2024, 11, 4), D(2024, 12, 30))),
    ]
    # Autumn from 2 September: its summary less the 5 weeks of August; the week of
    # 30 December holds spring's 1 January too.
    assert pieces(D(2024, 9, 2), D(2024, 12, 31)) == [
        Piece("term", terms=("autumn",)),
        Piece("week", weeks=("autumn", D(2024, 9, 2), D(2024, 12, 30)), outside=True),
        Piece("week", weeks=("spring", D(2024, 12, 30), D(2024, 12, 30))),
    ]
    # The week of 30 December is a week of autumn and a week of spring.
    assert pieces(D(2024, 12, 31), D(2025, 1, 1)) == [
        Piece("week", weeks=("autumn", D(2024, 12, 30), D(2024, 12, 30))),
        Piece("week", weeks=("spring", D(2024, 12, 30), D(2024, 12, 30))),
    ]
