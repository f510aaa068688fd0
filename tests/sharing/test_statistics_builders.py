"""The aggregate tables of sharing/statistics/builders.py against seeded children on
PostgreSQL: exact counts, the dashboards' scope (period, cohort precedence, visibility), and
one query each."""

import datetime

import pytest

from records.codes import Cohort, LegalStatus, PlacRoute
from records.models import Enrolment, Exclusion
from records.selectors.dashboards.scope import Period, Scope
from records.services import allocation_create
from records.services.attendance import attendance_record
from sharing.statistics import suppress
from sharing.statistics.builders import (
    children_by_cohort_and_attendance_band,
    children_by_cohort_and_year_group,
    exclusions_by_reason,
)
from tests.factories import ChildFactory, EpisodeFactory, SchoolFactory

pytestmark = pytest.mark.django_db
D = datetime.date
BORN = D(2012, 5, 1)  # Year 8 in 2024/25
YEAR = Scope(period=Period.year(2024))  # 2024/25, over: dimensions as at 31 July 2025
COHORTS = ("Looked after", "Child protection plan", "Child in need", "Previously looked after")


def _child(cohort=Cohort.CLA, *, born=BORN, **episode):
    child = ChildFactory(date_of_birth=born)
    extra = {
        Cohort.CLA: {"legal_status": LegalStatus.C2},
        Cohort.PLAC: {"legal_status": "", "plac_route": PlacRoute.choices[0][0]},
    }.get(cohort, {"legal_status": ""})
    EpisodeFactory(child=child, cohort=cohort, start_date=D(2024, 1, 1), **(extra | episode))
    return child


def _record(actor, child, codes):
    """One code per session, AM then PM, on weekdays from Monday 2 September 2024."""
    days, day = [], D(2024, 9, 2)
    while len(days) < (len(codes) + 1) // 2:
        if day.weekday() < 5:
            days.append(day)
        day += datetime.timedelta(days=1)
    sessions = [(days[n // 2], "AM" if n % 2 == 0 else "PM", c) for n, c in enumerate(codes)]
    attendance_record(actor=actor, child=child, sessions=sessions)


def _as_in_a_request(user):
    """The user as a request has them: permissions already read (once per request, by the
    view's own checks), so the count is the builder's own queries."""
    user.get_all_permissions()
    return user


def test_cohort_labels_are_the_codes_own():
    assert tuple(Cohort(c).label for c in ("CLA", "CPP", "CIN", "PLAC")) == COHORTS


def test_children_by_cohort_and_year_group(manager, django_assert_num_queries):
    """Three looked-after children in Year 8 (by age) and one in Year 5; one on a plan whose
    school records Year 10; two in need in Year 8; one previously looked after in Nursery 2;
    one in need and looked after counts as looked after; one whose episode ended before the
    year is not counted."""
    for _ in range(3):
        _child()
    _child(born=D(2014, 10, 1))  # Year 5 in 2024/25
    on_plan = _child(Cohort.CPP)
    Enrolment.objects.create(
        child=on_plan, school=SchoolFactory(), start_date=D(2023, 9, 1), nc_year="10"
    )
    _child(Cohort.CIN)
    both = _child(Cohort.CIN)
    EpisodeFactory(child=both, start_date=D(2024, 9, 1))  # also looked after: counts as CLA
    _child(Cohort.PLAC, born=D(2021, 1, 1))  # Nursery 2
    _child(end_date=D(2024, 6, 30))  # not in a cohort during the year

    user = _as_in_a_request(manager)
    with django_assert_num_queries(1):
        table = children_by_cohort_and_year_group(user=user, scope=YEAR)

    assert table.title == "Children by cohort and year group, Academic year 2024/25"
    assert table.row_labels == COHORTS
    assert table.column_labels == ("Nursery 2", "Year 5", "Year 8", "Year 10")
    assert table.cells == ((0, 1, 4, 0), (0, 0, 0, 1), (0, 0, 1, 0), (1, 0, 0, 0))
    assert table.row_totals == (5, 1, 1, 1)
    assert table.column_totals == (1, 1, 5, 1)
    assert table.grand_total == 8

    published = suppress(table)
    shown = [value for row in published.rows()[1:] for value in row[1:]]
    assert all(value in ("c", 0) or value >= 5 for value in shown)
    assert published.cells[0][2] == "c"  # four children in Year 8 looked after
    assert published.grand_total == 8


def test_a_caseworker_counts_only_their_caseload(manager, caseworker):
    mine = _child()
    _child()
    allocation_create(actor=manager, child=mine, caseworker=caseworker, start_date=D(2024, 1, 1))
    table = children_by_cohort_and_year_group(user=caseworker, scope=YEAR)
    assert table.grand_total == 1
    assert table.cells == ((1,), (0,), (0,), (0,))


def test_children_by_cohort_and_attendance_band(manager, django_assert_num_queries):
    """a: 10 present (band 0); b: 9 present, 1 absent, 10% (persistent, band 2); c (CIN):
    19 present, 1 absent, 5% (band 1); d (PLAC): 1 present, 1 absent, 50% (severe, band 3);
    e: only sessions that are not possible, not counted."""
    a, b, c, d, e = _child(), _child(), _child(Cohort.CIN), _child(Cohort.PLAC), _child()
    _record(manager, a, ["/", "\\"] * 5)
    _record(manager, b, ["/", "\\"] * 4 + ["/", "O"])
    _record(manager, c, ["/", "\\"] * 9 + ["/", "I"])
    _record(manager, d, ["/", "O"])
    _record(manager, e, ["X", "X"])

    user = _as_in_a_request(manager)
    with django_assert_num_queries(1):
        table = children_by_cohort_and_attendance_band(user=user, scope=YEAR)

    assert table.row_labels == COHORTS
    assert table.column_labels == (
        "Missed under 5%",
        "Missed 5% to under 10%",
        "Persistently absent (10% to under 50%)",
        "Severely absent (50% or more)",
    )
    assert table.cells == ((1, 0, 1, 0), (0, 0, 0, 0), (0, 1, 0, 0), (0, 0, 0, 1))
    assert table.row_totals == (2, 0, 1, 1)
    assert table.column_totals == (1, 1, 1, 1)
    assert table.grand_total == 4
    assert "children with no possible sessions in the period are not counted" in " ".join(
        table.notes
    )


def test_exclusions_by_reason(manager, django_assert_num_queries):
    """Counted: a suspension (PP, VA), a lunchtime suspension (DB), a permanent exclusion
    (PA, VA), a suspension pending review (DB). Not counted: one overturned with the pupil
    reinstated (PP), one before the year (DB), one of a child not in a cohort (PP)."""
    school = SchoolFactory()
    ava, ben, cara = _child(), _child(), _child(Cohort.CIN)
    gone = _child(end_date=D(2024, 6, 30))

    def exclude(child, category, start, reasons, outcome="stands", sessions=2):
        Exclusion.objects.create(
            child=child,
            school=school,
            category=category,
            start_date=start,
            sessions=None if category == "PERM" else sessions,
            reasons=list(reasons),
            outcome=outcome,
        )

    exclude(ava, "FIXD", D(2024, 10, 1), ("PP", "VA"))
    exclude(ava, "LNCH", D(2025, 1, 15), ("DB",), sessions=1)
    exclude(ava, "FIXD", D(2025, 2, 3), ("PP",), outcome="reinstated")
    exclude(ava, "FIXD", D(2024, 7, 15), ("DB",))
    exclude(ben, "PERM", D(2025, 3, 10), ("PA", "VA"))
    exclude(cara, "FIXD", D(2025, 5, 1), ("DB",), outcome="pending")
    exclude(gone, "FIXD", D(2024, 10, 1), ("PP",))

    user = _as_in_a_request(manager)
    with django_assert_num_queries(1):
        table = exclusions_by_reason(user=user, scope=YEAR)

    # Rows in the DfE's order of reason codes (records/codes/exclusions.py).
    assert [label.split(" ")[0] for label in table.row_labels] == ["PP", "PA", "VA", "DB"]
    assert table.column_labels == ("Suspensions", "Permanent exclusions")
    assert table.cells == ((1, 0), (0, 1), (1, 1), (2, 0))
    assert table.row_totals == (1, 1, 2, 2)
    assert table.column_totals == (4, 2)
    assert table.grand_total == 6

    published = suppress(table)
    # Every count but the grand total is below 5; two unknown column totals sum to it.
    assert published.grand_total == 6
    assert {value for row in published.rows()[1:] for value in row[1:-1]} <= {"c", 0}
    assert set(published.row_totals) == {"c"}


def test_a_filter_of_the_scope_narrows_every_table(manager):
    _child()
    _child(Cohort.CIN)
    narrowed = Scope(period=Period.year(2024), filters={"cohort": Cohort.CIN})
    table = children_by_cohort_and_year_group(user=manager, scope=narrowed)
    assert table.cells == ((0,), (0,), (1,), (0,))


def test_a_period_with_nothing_to_count_gives_empty_tables_that_still_publish(manager):
    _child()  # in view, with no sessions and no exclusions
    exclusions = exclusions_by_reason(user=manager, scope=YEAR)
    assert (exclusions.row_labels, exclusions.grand_total) == ((), 0)
    assert suppress(exclusions).rows() == [
        ["", "Suspensions", "Permanent exclusions", "Total"],
        ["Total", 0, 0, 0],
    ]
    bands = children_by_cohort_and_attendance_band(user=manager, scope=YEAR)
    assert bands.grand_total == 0
    assert suppress(bands).cells == ((0, 0, 0, 0),) * 4
    nobody = children_by_cohort_and_year_group(user=manager, scope=Scope(Period.year(2020)))
    assert (nobody.column_labels, nobody.row_totals) == ((), (0, 0, 0, 0))


def test_a_user_who_sees_no_child_counts_none(admin_user, manager):
    """An Admin sees no child's record, so every table counts nobody for them (visibility
    is the dashboards', children_visible_to)."""
    child = _child()
    _record(manager, child, ["/", "O"])
    Exclusion.objects.create(
        child=child,
        school=SchoolFactory(),
        category="FIXD",
        start_date=D(2024, 10, 1),
        sessions=1,
        reasons=["DB"],
        outcome="stands",
    )
    assert children_by_cohort_and_year_group(user=admin_user, scope=YEAR).grand_total == 0
    assert children_by_cohort_and_attendance_band(user=admin_user, scope=YEAR).grand_total == 0
    assert exclusions_by_reason(user=admin_user, scope=YEAR).grand_total == 0
    assert exclusions_by_reason(user=manager, scope=YEAR).grand_total == 1
