"""The exclusions dashboard: every figure of a hand-worked cohort, its filters, a caseworker's
view, the drill-down lists behind the figures, and a fixed number of queries however many
children are in view."""

import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from records import services
from records.codes import Cohort
from records.models import Enrolment, Exclusion
from records.permissions import can_view_all_children
from records.selectors.dashboards.exclusions import (
    SHOW_ALL,
    SHOW_PERMANENT,
    SHOW_SUSPENDED,
    exclusions_children,
    exclusions_dashboard,
)
from records.selectors.dashboards.options import user_label
from records.selectors.dashboards.scope import Period, Scope
from tests.factories import ChildFactory, EpisodeFactory, SchoolFactory, UserFactory
from virtualschool.roles import Role

pytestmark = pytest.mark.django_db
D = datetime.date
YEAR = Period.year(2024)  # 1 August 2024 to 31 July 2025
ALLOCATED = D(2024, 9, 1)

FIXD, LNCH, PERM = "FIXD", "LNCH", "PERM"


def _child(first, last, cohort=Cohort.CLA, **episode):
    child = ChildFactory(first_name=first, last_name=last, date_of_birth=D(2012, 5, 1))
    if cohort == Cohort.CLA:
        EpisodeFactory(child=child, **episode)
    else:
        EpisodeFactory(child=child, cohort=cohort, legal_status="", **episode)
    return child


def _exclude(child, school, category, start, sessions=None, reasons=("DB",), outcome="stands"):
    return Exclusion.objects.create(
        child=child,
        school=school,
        category=category,
        start_date=start,
        sessions=sessions,
        reasons=list(reasons),
        outcome=outcome,
    )


@pytest.fixture
def cohort(manager, caseworker):
    """Five children in view and one who is not (worked figures in the tests below).

    Ava (CLA, at Oak): a 4-session suspension (PP, VA) and a 1-session lunchtime suspension
        (DB) at Oak; not counted: a 6-session suspension overturned with her reinstated, and a
        suspension before the period.
    Ben (CLA, at Oak since April, before that at Elm): a 10-session suspension (PA) and a
        permanent exclusion (PA, VA), both at Elm.
    Cara (CIN, no school recorded): a 2-session suspension (DB) at Birch, pending review.
    Dan and Finn (CLA, at Oak): no exclusions.
    Eve: her episode ended before the period, so she is not in view; her exclusion in the
        period is not counted.
    The caseworker is allocated Ava and Cara.
    """
    oak = SchoolFactory(name="Oak Primary School")
    elm = SchoolFactory(name="Elm High School")
    birch = SchoolFactory(name="Birch Academy")
    ava = _child("Ava", "Adams")
    ben = _child("Ben", "Brown")
    cara = _child("Cara", "Clark", cohort=Cohort.CIN)
    dan = _child("Dan", "Davies")
    finn = _child("Finn", "Ford")
    eve = _child("Eve", "Evans", end_date=D(2024, 6, 30))
    for child in (ava, dan, finn):
        Enrolment.objects.create(child=child, school=oak, start_date=D(2023, 9, 1))
    Enrolment.objects.create(
        child=ben, school=elm, start_date=D(2023, 9, 1), end_date=D(2025, 3, 10)
    )
    Enrolment.objects.create(child=ben, school=oak, start_date=D(2025, 4, 1))

    _exclude(ava, oak, FIXD, D(2024, 10, 1), 4, ("PP", "VA"))
    _exclude(ava, oak, LNCH, D(2025, 1, 15), 1, ("DB",))
    _exclude(ava, oak, FIXD, D(2025, 2, 3), 6, ("PP",), outcome="reinstated")
    _exclude(ava, oak, FIXD, D(2024, 7, 15), 2, ("DB",))  # before the period
    _exclude(ben, elm, FIXD, D(2024, 11, 5), 10, ("PA",))
    _exclude(ben, elm, PERM, D(2025, 3, 10), None, ("PA", "VA"))
    _exclude(cara, birch, FIXD, D(2025, 5, 1), 2, ("DB",), outcome="pending")
    _exclude(eve, oak, FIXD, D(2024, 10, 1), 8, ("PP",))  # not in view

    for child in (ava, cara):
        services.allocation_create(
            actor=manager, child=child, caseworker=caseworker, start_date=ALLOCATED
        )
    return SimpleNamespace(
        oak=oak, elm=elm, birch=birch, ava=ava, ben=ben, cara=cara, dan=dan, finn=finn, eve=eve
    )


def _figures(group):
    return (
        group.children,
        group.suspensions,
        group.suspended,
        group.permanent,
        group.permanently_excluded,
        group.sessions_lost,
    )


def _rows(dashboard, key):
    (breakdown,) = [b for b in dashboard.breakdowns if b.dimension.key == key]
    return {row.label: _figures(row) for row in breakdown.rows}


def _names(rows):
    return [row.name for row in rows]


def test_overall_figures_of_the_worked_cohort(manager, cohort):
    overall = exclusions_dashboard(user=manager, scope=Scope(YEAR)).overall
    # children, suspensions, children suspended, permanent, children permanently excluded,
    # sessions lost (4 + 1 + 10 + 2)
    assert _figures(overall) == (5, 4, 3, 1, 1, 17)
    assert overall.exclusions == 5
    assert overall.suspension_rate == Decimal("80.0")  # 4 per 5 children
    assert overall.suspended_pct == Decimal("60.0")
    assert overall.permanent_pct == Decimal("20.0")
    assert overall.label == "All children in view"


def test_breakdowns_by_the_childs_dimensions(manager, caseworker, cohort):
    dashboard = exclusions_dashboard(user=manager, scope=Scope(YEAR))
    assert [b.dimension.key for b in dashboard.breakdowns] == [
        "cohort",
        "school",
        "year_group",
        "borough",
        "sen",
        "caseworker",
    ]
    cohorts = {row.value: _figures(row) for row in dashboard.breakdowns[0].rows}
    assert cohorts == {Cohort.CLA: (4, 3, 2, 1, 1, 15), Cohort.CIN: (1, 1, 1, 0, 0, 2)}
    # Ben is counted at his school at the end of the period (Oak), not where he was excluded.
    assert _rows(dashboard, "school") == {
        "Oak Primary School": (4, 3, 2, 1, 1, 15),
        "No school recorded": (1, 1, 1, 0, 0, 2),
    }
    assert _rows(dashboard, "caseworker") == {
        user_label(caseworker): (2, 3, 2, 0, 0, 7),
        "Not allocated": (3, 1, 1, 1, 1, 10),
    }
    for breakdown in dashboard.breakdowns:  # each child is in exactly one row
        assert sum(row.children for row in breakdown.rows) == 5
        assert sum(row.suspensions for row in breakdown.rows) == 4


def test_reasons_count_each_reason_of_an_exclusion_once(manager, cohort):
    reasons = exclusions_dashboard(user=manager, scope=Scope(YEAR)).reasons
    # code: children, exclusions, suspensions, suspended, permanent, permanently excluded,
    # sessions lost; most exclusions first, then by code
    assert [
        (
            r.value,
            r.children,
            r.exclusions,
            r.suspensions,
            r.suspended,
            r.permanent,
            r.permanently_excluded,
            r.sessions_lost,
        )
        for r in reasons
    ] == [
        ("DB", 2, 2, 2, 2, 0, 0, 3),
        ("PA", 1, 2, 1, 1, 1, 1, 10),
        ("VA", 2, 2, 1, 1, 1, 1, 4),
        ("PP", 1, 1, 1, 1, 0, 0, 4),  # the reinstated PP suspension is not counted
    ]
    assert sum(r.exclusions for r in reasons) == 7  # more than the 5 exclusions
    assert reasons[0].label == "DB – Persistent or general disruptive behaviour"
    assert all(r.kind == "reason" for r in reasons)


def test_schools_that_excluded(manager, cohort):
    schools = exclusions_dashboard(user=manager, scope=Scope(YEAR)).exclusion_schools
    assert [
        (
            s.label,
            s.value,
            s.children,
            s.exclusions,
            s.suspensions,
            s.suspended,
            s.permanent,
            s.permanently_excluded,
            s.sessions_lost,
        )
        for s in schools
    ] == [
        ("Birch Academy", cohort.birch.pk, 1, 1, 1, 1, 0, 0, 2),
        ("Elm High School", cohort.elm.pk, 1, 2, 1, 1, 1, 1, 10),
        ("Oak Primary School", cohort.oak.pk, 1, 2, 2, 1, 0, 0, 5),
    ]


def test_a_cohort_filter_changes_every_figure(manager, cohort):
    dashboard = exclusions_dashboard(user=manager, scope=Scope(YEAR, {"cohort": Cohort.CLA}))
    overall = dashboard.overall
    assert _figures(overall) == (4, 3, 2, 1, 1, 15)
    assert overall.suspension_rate == Decimal("75.0")
    assert overall.suspended_pct == Decimal("50.0")
    assert overall.permanent_pct == Decimal("25.0")
    assert {r.value: r.exclusions for r in dashboard.reasons} == {
        "DB": 1,
        "PA": 2,
        "VA": 2,
        "PP": 1,
    }
    assert [s.label for s in dashboard.exclusion_schools] == [
        "Elm High School",
        "Oak Primary School",
    ]


def test_a_term_counts_exclusions_starting_in_it(manager, cohort):
    dashboard = exclusions_dashboard(user=manager, scope=Scope(Period.of_term(2024, "autumn")))
    # Ava's 4-session suspension (1 October) and Ben's 10-session one (5 November)
    assert _figures(dashboard.overall) == (5, 2, 2, 0, 0, 14)
    assert dashboard.overall.suspension_rate == Decimal("40.0")


def test_a_caseworker_counts_only_their_allocated_children(caseworker, cohort):
    dashboard = exclusions_dashboard(user=caseworker, scope=Scope(YEAR))
    assert _figures(dashboard.overall) == (2, 3, 2, 0, 0, 7)
    assert dashboard.overall.suspension_rate == Decimal("150.0")
    assert dashboard.overall.suspended_pct == Decimal("100.0")
    assert dashboard.overall.permanent_pct == Decimal("0.0")
    assert {r.value for r in dashboard.reasons} == {"PP", "VA", "DB"}
    assert [s.label for s in dashboard.exclusion_schools] == [
        "Birch Academy",
        "Oak Primary School",
    ]
    total, rows = exclusions_children(user=caseworker, scope=Scope(YEAR))
    assert total == 2
    assert _names(rows) == ["Ava Adams", "Cara Clark"]


def test_another_caseworker_sees_nothing(other_caseworker, cohort):
    dashboard = exclusions_dashboard(user=other_caseworker, scope=Scope(YEAR))
    assert _figures(dashboard.overall) == (0, 0, 0, 0, 0, 0)
    assert dashboard.overall.suspension_rate is None
    assert dashboard.reasons == []
    assert dashboard.exclusion_schools == []
    assert all(breakdown.rows == [] for breakdown in dashboard.breakdowns)
    assert exclusions_children(user=other_caseworker, scope=Scope(YEAR)) == (0, [])


def test_small_groups_are_marked(manager, cohort, settings):
    settings.DASHBOARD_MIN_CHILDREN = 5
    dashboard = exclusions_dashboard(user=manager, scope=Scope(YEAR))
    assert not dashboard.overall.small
    assert dashboard.min_children == 5
    cohorts = {row.value: row.small for row in dashboard.breakdowns[0].rows}
    assert cohorts == {Cohort.CLA: True, Cohort.CIN: True}
    assert all(reason.small for reason in dashboard.reasons)
    settings.DASHBOARD_MIN_CHILDREN = 4
    dashboard = exclusions_dashboard(user=manager, scope=Scope(YEAR))
    cohorts = {row.value: row.small for row in dashboard.breakdowns[0].rows}
    assert cohorts == {Cohort.CLA: False, Cohort.CIN: True}
    settings.DASHBOARD_MIN_CHILDREN = 1
    dashboard = exclusions_dashboard(user=manager, scope=Scope(YEAR))
    assert not any(reason.small for reason in dashboard.reasons)


def test_benchmarks_for_the_three_measures(manager, cohort):
    benchmarks = exclusions_dashboard(user=manager, scope=Scope(YEAR)).benchmarks
    assert set(benchmarks) == {
        "suspension_rate",
        "one_plus_suspension_pct",
        "permanent_exclusion_pct",
    }
    assert benchmarks["suspension_rate"][0].value == Decimal("11.31")


def test_drill_down_lists_the_children_behind_each_figure(manager, cohort):
    scope = Scope(YEAR)

    def listed(**kwargs):
        total, rows = exclusions_children(user=manager, scope=scope, **kwargs)
        assert total == len(rows)
        return _names(rows)

    # most sessions lost first, then by name
    assert listed(show=SHOW_ALL) == [
        "Ben Brown",
        "Ava Adams",
        "Cara Clark",
        "Dan Davies",
        "Finn Ford",
    ]
    assert listed(show=SHOW_SUSPENDED) == ["Ben Brown", "Ava Adams", "Cara Clark"]
    assert listed(show=SHOW_PERMANENT) == ["Ben Brown"]
    assert listed(reason="DB") == ["Cara Clark", "Ava Adams"]
    assert listed(reason="PP") == ["Ava Adams"]
    assert listed(reason="VA", show=SHOW_PERMANENT) == ["Ben Brown"]
    assert listed(reason="VA", show=SHOW_SUSPENDED) == ["Ava Adams"]
    assert listed(exclusion_school=cohort.elm.pk) == ["Ben Brown"]
    assert listed(exclusion_school=cohort.oak.pk) == ["Ava Adams"]
    assert listed(exclusion_school=cohort.birch.pk, reason="PA") == []
    # a dimension row's list is the scope narrowed to it
    total, rows = exclusions_children(
        user=manager, scope=scope.narrowed("cohort", Cohort.CIN), show=SHOW_SUSPENDED
    )
    assert (total, _names(rows)) == (1, ["Cara Clark"])


def test_drill_down_rows_carry_each_childs_figures(manager, cohort):
    _, rows = exclusions_children(user=manager, scope=Scope(YEAR), show=SHOW_SUSPENDED)
    assert [
        (row.child_id, row.cohort, row.school, row.suspensions, row.permanent, row.sessions_lost)
        for row in rows
    ] == [
        (cohort.ben.pk, Cohort.CLA, "Oak Primary School", 1, 1, 10),
        (cohort.ava.pk, Cohort.CLA, "Oak Primary School", 2, 0, 5),
        (cohort.cara.pk, Cohort.CIN, "", 1, 0, 2),
    ]
    _, rows = exclusions_children(user=manager, scope=Scope(YEAR), reason="DB")
    assert [(row.name, row.suspensions, row.sessions_lost) for row in rows] == [
        ("Cara Clark", 1, 2),
        ("Ava Adams", 1, 1),
    ]


def test_drill_down_totals_match_the_dashboard(manager, cohort):
    scope = Scope(YEAR)
    dashboard = exclusions_dashboard(user=manager, scope=scope)

    def total(**kwargs):
        return exclusions_children(user=manager, scope=scope, **kwargs)[0]

    overall = dashboard.overall
    assert total(show=SHOW_ALL) == overall.children
    assert total(show=SHOW_SUSPENDED) == overall.suspended
    assert total(show=SHOW_PERMANENT) == overall.permanently_excluded
    for reason in dashboard.reasons:
        assert total(reason=reason.value) == reason.children
        assert total(reason=reason.value, show=SHOW_SUSPENDED) == reason.suspended
        assert total(reason=reason.value, show=SHOW_PERMANENT) == reason.permanently_excluded
    for school in dashboard.exclusion_schools:
        assert total(exclusion_school=school.value) == school.children
        assert total(exclusion_school=school.value, show=SHOW_SUSPENDED) == school.suspended


def test_drill_down_limit_keeps_the_total(manager, cohort):
    total, rows = exclusions_children(user=manager, scope=Scope(YEAR), limit=2)
    assert total == 5
    assert _names(rows) == ["Ben Brown", "Ava Adams"]


def test_drill_down_refuses_an_unknown_show(manager, cohort):
    with pytest.raises(ValueError, match="show must be one of"):
        exclusions_children(user=manager, scope=Scope(YEAR), show="persistent")


def _many(count, manager, caseworkers):
    """`count` children, each at their own school, suspended by another, allocated."""
    for index in range(count):
        child = _child(f"Child{index}", f"Many{index}")
        Enrolment.objects.create(child=child, school=SchoolFactory(), start_date=D(2023, 9, 1))
        _exclude(child, SchoolFactory(), FIXD, D(2024, 10, 1), 2, ("DB", "PP"))
        if index % 3 == 0:
            _exclude(child, SchoolFactory(), PERM, D(2025, 1, 6), None, ("PA",))
        services.allocation_create(
            actor=manager,
            child=child,
            caseworker=caseworkers[index % len(caseworkers)],
            start_date=ALLOCATED,
        )


def _as_in_a_request(user):
    """The user as a request has them: a fresh instance whose permissions were already read
    (once per request, by the view's own checks)."""
    user = get_user_model().objects.get(pk=user.pk)
    can_view_all_children(user)
    return user


def _queries(user, scope):
    user = _as_in_a_request(user)
    with CaptureQueriesContext(connection) as context:
        dashboard = exclusions_dashboard(user=user, scope=scope)
    return len(context.captured_queries), dashboard


def test_query_count_does_not_grow_with_the_cohort(manager, caseworker, other_caseworker):
    caseworkers = [caseworker, other_caseworker, UserFactory(role=Role.CASEWORKER)]
    _many(3, manager, caseworkers)
    few, dashboard = _queries(manager, Scope(YEAR))
    assert dashboard.overall.children == 3
    few_own, dashboard = _queries(caseworker, Scope(YEAR))
    assert dashboard.overall.children == 1
    _many(27, manager, caseworkers)
    many, dashboard = _queries(manager, Scope(YEAR))
    assert dashboard.overall.children == 30
    assert _figures(dashboard.overall) == (30, 30, 30, 10, 10, 60)
    assert len(dashboard.exclusion_schools) == 40
    many_own, dashboard = _queries(caseworker, Scope(YEAR))
    assert dashboard.overall.children == 10
    # the statement, then school names and caseworker names
    assert few == many == 3
    assert few_own == many_own == 3
    user = _as_in_a_request(manager)
    with CaptureQueriesContext(connection) as context:
        total, rows = exclusions_children(user=user, scope=Scope(YEAR))
    assert (total, len(rows)) == (30, 30)
    assert len(context.captured_queries) == 1
