"""The attendance dashboard (records/selectors/dashboards/attendance.py and its pages) against
a hand-worked cohort: each figure, the breakdowns, trend and reasons, filters, the caseworker's
scope, drill-down lists, small numbers, CSV escaping and a query count that does not grow."""

import dataclasses
import datetime
from decimal import Decimal
from types import SimpleNamespace as Row

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from records.codes import Cohort, LegalStatus, PlacRoute
from records.models import Characteristics, Enrolment
from records.selectors.dashboards.attendance import attendance_children, attendance_dashboard
from records.selectors.dashboards.scope import (
    DIMENSION_BY_KEY,
    DIMENSIONS,
    Period,
    Scope,
    breakdowns_of,
    scope_children_sql,
    year_group_sql,
)
from records.services import allocation_create
from records.services.attendance import attendance_record
from records.services.schools import nc_year_on
from tests.conftest import signed_in
from tests.factories import ChildFactory, EpisodeFactory, SchoolFactory, UserFactory
from virtualschool.roles import Role

pytestmark = pytest.mark.django_db
D = datetime.date
YEAR = 2024  # 2024/25, wholly in the past, so dimensions are read at 31 July 2025
MONDAY = D(2024, 9, 2)
SPRING_MONDAY = D(2025, 1, 6)


def _days(first: datetime.date, count: int) -> list[datetime.date]:
    """`count` weekdays from `first`."""
    days, day = [], first
    while len(days) < count:
        if day.weekday() < 5:
            days.append(day)
        day += datetime.timedelta(days=1)
    return days


def _record(actor, child, codes, first=MONDAY):
    """One code per session, AM then PM, on consecutive weekdays from `first`."""
    days = _days(first, (len(codes) + 1) // 2)
    marks = [(days[n // 2], "AM" if n % 2 == 0 else "PM", code) for n, code in enumerate(codes)]
    attendance_record(actor=actor, child=child, sessions=marks)


BORN = D(2012, 5, 1)


def _child(cohort, *, school=None, sen="", in_borough=None, born=BORN, **episode):
    child = ChildFactory(date_of_birth=born)
    extra = {
        Cohort.CLA: {"legal_status": LegalStatus.C2},
        Cohort.PLAC: {"legal_status": "", "plac_route": PlacRoute.choices[0][0]},
    }.get(cohort, {"legal_status": ""})
    EpisodeFactory(child=child, cohort=cohort, start_date=D(2024, 1, 1), **(extra | episode))
    if school is not None:
        Enrolment.objects.create(child=child, school=school, start_date=D(2023, 9, 1))
    if sen or in_borough is not None:
        Characteristics.objects.create(child=child, sen_provision=sen, placed_in_borough=in_borough)
    return child


@pytest.fixture
def world(manager, caseworker, other_caseworker):
    """Four children counted in 2024/25, and three that must not be.

    a: CLA, school 1, SEN support, in borough; 8 present, 1 I, 1 O (+ X, X, # not possible)
       -> 10 possible, 20% absent: persistent, band 2
    b: CLA, school 2, EHC plan, out of borough; 9 present + 1 L (late, present) -> 100%, band 0
    c: CIN, school 1, spring term: 1 present, 3 N -> 75% absent: persistent and severe, band 3
    d: CPP, no school: 19 present, 1 M -> 5% absent, band 1
    """
    school_1 = SchoolFactory(name="Alpha Primary")
    school_2 = SchoolFactory(name='=HYPERLINK("http://evil")')
    a = _child(Cohort.CLA, school=school_1, sen="K", in_borough=True)
    b = _child(Cohort.CLA, school=school_2, sen="E", in_borough=False)
    c = _child(Cohort.CIN, school=school_1)
    d = _child(Cohort.CPP)
    _record(manager, a, ["/", "\\"] * 4 + ["I", "O", "X", "X", "#"])
    _record(manager, b, ["/", "\\"] * 4 + ["/", "L"])
    _record(manager, c, ["/", "N", "N", "N"], first=SPRING_MONDAY)
    _record(manager, d, ["/", "\\"] * 9 + ["/", "M"])
    # Not counted: only sessions that are not possible; a cohort that ended before the year;
    # sessions in another year.
    e = _child(Cohort.CLA)
    _record(manager, e, ["X", "X"])
    f = _child(Cohort.PLAC, end_date=D(2024, 3, 1))
    _record(manager, f, ["O", "O"])
    g = _child(Cohort.CLA)
    _record(manager, g, ["O", "O"], first=D(2025, 9, 1))
    allocation_create(actor=manager, child=a, caseworker=caseworker, start_date=D(2024, 1, 1))
    allocation_create(actor=manager, child=c, caseworker=caseworker, start_date=D(2024, 1, 1))
    return {"a": a, "b": b, "c": c, "d": d, "school_1": school_1, "school_2": school_2}


def _scope(period=None, **filters):
    return Scope(period=period or Period.year(YEAR), filters=filters)


def _rows(dashboard, key):
    breakdown = next(b for b in dashboard.breakdowns if b.dimension.key == key)
    return {row.label: row for row in breakdown.rows}


def test_headline_figures_follow_the_dfe_method(world, manager):
    overall = attendance_dashboard(user=manager, scope=_scope()).overall
    assert overall.children == 4
    figures = overall.figures
    assert (figures.possible, figures.attended, figures.authorised, figures.unauthorised) == (
        44,
        38,
        2,
        4,
    )
    assert figures.attendance_pct == Decimal("86.4")
    assert figures.authorised_pct == Decimal("4.5")
    assert figures.unauthorised_pct == Decimal("9.1")
    assert (overall.persistent, overall.persistent_pct) == (2, Decimal("50.0"))
    assert (overall.severe, overall.severe_pct) == (1, Decimal("25.0"))
    assert overall.bands == (1, 1, 1, 1)


def test_breakdowns_put_each_child_in_one_row(world, manager, caseworker):
    dashboard = attendance_dashboard(user=manager, scope=_scope())
    cohorts = _rows(dashboard, "cohort")
    assert list(cohorts) == ["Looked after", "Child protection plan", "Child in need"]
    assert cohorts["Looked after"].children == 2
    assert cohorts["Looked after"].figures.attendance_pct == Decimal("90.0")
    assert cohorts["Looked after"].persistent == 1
    assert cohorts["Child in need"].severe == 1
    schools = _rows(dashboard, "school")
    assert {label: row.children for label, row in schools.items()} == {
        "Alpha Primary": 2,
        '=HYPERLINK("http://evil")': 1,
        "No school recorded": 1,
    }
    assert {label: row.children for label, row in _rows(dashboard, "sen").items()} == {
        "Education, health and care plan": 1,
        "SEN support": 1,
        "Not recorded": 2,
    }
    assert {label: row.children for label, row in _rows(dashboard, "borough").items()} == {
        "Placed in borough": 1,
        "Placed out of borough": 1,
        "Not recorded": 2,
    }
    caseworkers = _rows(dashboard, "caseworker")
    assert caseworkers["Not allocated"].children == 2
    assert sum(row.children for row in caseworkers.values()) == 4
    # Born 1 May 2012: 12 on 31 August 2024, so Year 8 in 2024/25.
    assert {label: row.children for label, row in _rows(dashboard, "year_group").items()} == {
        "Year 8": 4
    }


def test_trend_and_reasons(world, manager):
    dashboard = attendance_dashboard(user=manager, scope=_scope())
    first = dashboard.trend[0]
    # Week of 2 September: a (8 possible from 10 sessions in the week: 5 days x 2 minus the
    # not-possible ones), b (10), d (10).
    assert first.week_start == MONDAY
    assert dashboard.trend[-1].week_start == SPRING_MONDAY
    assert sum(week.figures.possible for week in dashboard.trend) == 44
    assert sum(week.figures.attended for week in dashboard.trend) == 38
    autumn = attendance_dashboard(user=manager, scope=_scope(Period.of_term(YEAR, "autumn")))
    # a's and d's sessions run into a second week; c's are all in the spring.
    assert [week.week_start for week in autumn.trend] == [MONDAY, D(2024, 9, 9)]
    assert sum(week.figures.possible for week in autumn.trend) == 10 + 10 + 20
    one_week = attendance_dashboard(
        user=manager, scope=_scope(Period.weeks(SPRING_MONDAY, SPRING_MONDAY))
    )
    assert [(w.week_start, w.figures.possible) for w in one_week.trend] == [(SPRING_MONDAY, 4)]
    assert [(r.code, r.sessions, r.pct_of_possible) for r in dashboard.reasons] == [
        ("N", 3, Decimal("6.8")),
        ("I", 1, Decimal("2.3")),
        ("M", 1, Decimal("2.3")),
        ("O", 1, Decimal("2.3")),
    ]


def test_filters_narrow_the_children_counted(world, manager):
    assert attendance_dashboard(user=manager, scope=_scope(cohort="CLA")).overall.children == 2
    only_a = attendance_dashboard(
        user=manager, scope=_scope(school=str(world["school_1"].pk), sen="K")
    )
    assert only_a.overall.children == 1
    assert only_a.overall.figures.attendance_pct == Decimal("80.0")
    no_school = attendance_dashboard(user=manager, scope=_scope(school="unknown")).overall
    assert no_school.children == 1 and no_school.bands == (0, 1, 0, 0)
    autumn = attendance_dashboard(user=manager, scope=_scope(Period.of_term(YEAR, "autumn")))
    assert autumn.overall.children == 3  # c's sessions are all in the spring term
    weeks = Period.weeks(D(2025, 1, 8), D(2025, 1, 8))
    assert (weeks.start, weeks.end) == (D(2025, 1, 6), D(2025, 1, 12))
    week = attendance_dashboard(user=manager, scope=_scope(weeks)).overall
    assert (week.children, week.figures.possible, week.severe) == (1, 4, 1)


def test_a_caseworker_counts_only_their_caseload(world, caseworker, other_caseworker):
    mine = attendance_dashboard(user=caseworker, scope=_scope()).overall
    assert mine.children == 2
    assert (mine.figures.possible, mine.persistent, mine.severe) == (14, 2, 1)
    assert attendance_dashboard(user=other_caseworker, scope=_scope()).overall.children == 0
    total, rows = attendance_children(user=caseworker, scope=_scope())
    assert total == 2
    assert {row.child_id for row in rows} == {world["a"].pk, world["c"].pk}


def test_drill_down_lists_the_children_behind_each_figure(world, manager):
    def ids(**kwargs):
        total, rows = attendance_children(
            user=manager, scope=kwargs.pop("scope", _scope()), **kwargs
        )
        assert total == len(rows)
        return [row.child_id for row in rows]

    w = world
    assert ids() == [w["c"].pk, w["a"].pk, w["d"].pk, w["b"].pk]  # lowest attendance first
    assert set(ids(show="persistent")) == {w["a"].pk, w["c"].pk}
    assert ids(show="severe") == [w["c"].pk]
    assert ids(band=1) == [w["d"].pk]
    assert ids(reason="N") == [w["c"].pk]
    assert ids(scope=_scope(Period.of_term(YEAR, "autumn")), reason="I") == [w["a"].pk]
    assert ids(scope=_scope(Period.weeks(SPRING_MONDAY, SPRING_MONDAY)), reason="N") == [w["c"].pk]
    assert ids(scope=_scope(Period.weeks(SPRING_MONDAY, SPRING_MONDAY)), reason="I") == []
    assert ids(scope=_scope(cohort="CLA"), show="persistent") == [w["a"].pk]


def test_the_page_marks_small_numbers_and_links_each_figure(world, manager, settings):
    client = signed_in(manager)
    url = reverse("dashboards:attendance")
    page = client.get(url, {"year": YEAR}).content.decode()
    # The whole view (4 children) and each row of the one breakdown shown, by cohort by
    # default: none has 5 children.
    dashboard = attendance_dashboard(user=manager, scope=_scope())
    cohorts = _rows(dashboard, "cohort")
    assert page.count("(fewer than 5 children)") == 1 + len(cohorts)
    assert "By cohort" in page and "By school" not in page
    by_school = client.get(url, {"year": YEAR, "by": "school"}).content.decode()
    schools = _rows(dashboard, "school")
    assert by_school.count("(fewer than 5 children)") == 1 + len(schools)
    assert "By school" in by_school and "By cohort" not in by_school
    assert "86.4%" in page
    assert "20.3%" in page and "(2024/25)" in page  # national figure for CLA, with its year
    children_url = reverse("dashboards:attendance-children")
    assert f"{children_url}?year={YEAR}&amp;show=persistent" in page
    assert f"{children_url}?year={YEAR}&amp;cohort=CLA" in page
    settings.DASHBOARD_MIN_CHILDREN = 1
    page = client.get(url, {"year": YEAR}).content.decode()
    assert "(fewer than 1 children)" not in page


def test_drill_down_page_and_csv(world, manager):
    client = signed_in(manager)
    url = reverse("dashboards:attendance-children")
    page = client.get(url, {"year": YEAR, "show": "severe"}).content.decode()
    assert escape(world["c"].full_name) in page
    assert escape(world["a"].full_name) not in page
    assert client.get(url, {"year": YEAR, "show": "nonsense"}).status_code == 404
    csv = b"".join(client.get(url, {"year": YEAR, "download": "csv"}).streaming_content).decode()
    assert world["b"].first_name in csv
    assert "'=HYPERLINK" in csv and ",=HYPERLINK" not in csv


def test_dashboard_csv_escapes_formulas(world, manager):
    response = signed_in(manager).get(
        reverse("dashboards:attendance"), {"year": YEAR, "download": "csv"}
    )
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode()
    assert "'=HYPERLINK" in text
    assert ",=" not in text and "\n=" not in text
    assert "All,All children in view,4,44,86.4,4.5,9.1,2,50.0,1,25.0" in text


def test_bad_filters_get_a_clear_message(world, manager):
    client = signed_in(manager)
    page = client.get(
        reverse("dashboards:attendance"),
        {
            "year": YEAR,
            "period": "range",
            "date_from_0": "1",
            "date_from_1": "9",
            "date_from_2": "2024",
            "date_to_0": "1",
            "date_to_1": "9",
            "date_to_2": "2025",
        },
    ).content.decode()
    assert "There is a problem" in page
    assert "To date must be in the same academic year as the from date" in page
    page = client.get(reverse("dashboards:attendance"), {"cohort": "XYZ"}).content.decode()
    assert "Select a valid choice" in page


def test_admins_and_strangers_cannot_see_dashboards(world, admin_user, client):
    assert signed_in(admin_user).get(reverse("dashboards:attendance")).status_code == 404
    assert client.get(reverse("dashboards:attendance")).status_code == 302


def test_query_count_does_not_grow_with_the_cohort(world, manager):
    client = signed_in(manager)
    url = reverse("dashboards:attendance")
    params = {"year": YEAR, "cohort": "CLA", "sen": "K"}

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url, params).status_code == 200
            assert client.get(url, {"year": YEAR}).status_code == 200
            for dimension in DIMENSIONS:  # every breakdown, the schools' and caseworkers' too
                assert client.get(url, {"year": YEAR, "by": dimension.key}).status_code == 200
        return len(captured)

    small = queries()
    school = SchoolFactory()
    for index in range(25):
        child = _child(Cohort.CLA, school=school if index % 2 else SchoolFactory(), sen="K")
        _record(manager, child, ["/", "I", "\\", "O"])
        allocation_create(
            actor=manager,
            child=child,
            caseworker=UserFactory(role=Role.CASEWORKER),
            start_date=D(2024, 1, 1),
        )
    assert queries() == small


@pytest.mark.parametrize("academic_year", [2020, 2024, 2030])
def test_year_group_sql_matches_the_python_rule(academic_year):
    """The SQL year group a child of this age is in is the one records.services.schools
    nc_year_on gives on the first day of the school year."""
    days = [D(2008, 1, 1) + datetime.timedelta(days=n) for n in range(0, 365 * 14, 17)]
    days += [D(2015, 8, 31), D(2015, 9, 1), D(2016, 2, 29)]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT d, {year_group_sql('d', academic_year)} FROM unnest(%s::date[]) AS d",  # noqa: S608
            [days],
        )
        found = dict(cursor.fetchall())
    first_day = D(academic_year, 9, 1)
    for day in days:
        assert found[day] == nc_year_on(date_of_birth=day, on=first_day), day


def test_long_breakdowns_show_their_largest_rows(world, manager, monkeypatch):
    from records.views.dashboards import common

    monkeypatch.setattr(common, "ROWS_SHOWN", 1)
    page = signed_in(manager).get(reverse("dashboards:attendance"), {"year": YEAR, "by": "school"})
    (by_school,) = page.context["shown_breakdowns"]
    assert by_school.dimension.key == "school"
    assert [row.label for row in by_school.rows] == ["Alpha Primary"]  # 2 children
    assert by_school.hidden == 2
    assert "2 more are in the CSV download" in page.content.decode()


def test_every_number_on_the_page_links_to_its_children(world, manager):
    """Each link's list holds the children of its figure: the headline rates all children,
    a week's attendance the children with sessions that week."""
    import re

    client = signed_in(manager)
    children_url = reverse("dashboards:attendance-children")
    links = set()
    for dimension in DIMENSIONS:  # each breakdown is a page of its own (?by=)
        page = client.get(reverse("dashboards:attendance"), {"year": YEAR, "by": dimension.key})
        links |= set(re.findall(rf'href="{children_url}\?([^"]*)"', page.content.decode()))
    for key in ("school", "caseworker"):  # rows of the breakdowns not shown by default
        assert any(f"&amp;{key}=" in link and f"by={key}" in link for link in links), key
    assert len(links) > 20
    for query in links:
        response = client.get(f"{children_url}?{query.replace('&amp;', '&')}")
        assert response.status_code == 200, query
    week = (
        f"year={YEAR}&amp;period=range&amp;date_from_0=6&amp;date_from_1=1&amp;date_from_2=2025"
        "&amp;date_to_0=12&amp;date_to_1=1&amp;date_to_2=2025"
    )
    assert week in links
    listed = client.get(f"{children_url}?{week.replace('&amp;', '&')}").content.decode()
    assert escape(world["c"].full_name) in listed
    assert escape(world["a"].full_name) not in listed


def test_a_caseworker_who_left_the_role_can_still_be_drilled_into(world, manager, caseworker):
    """Past allocations head breakdown rows after a caseworker leaves the role; the row's
    link filters by them, so they stay a valid choice."""
    caseworker.groups.clear()
    client = signed_in(manager)
    url = reverse("dashboards:attendance-children")
    response = client.get(url, {"year": YEAR, "caseworker": caseworker.pk})
    assert response.status_code == 200
    assert escape(world["a"].full_name) in response.content.decode()


def test_each_breakdown_alone_has_the_figures_it_has_among_all(world, manager):
    """A page reads one breakdown (?by=): its rows, the whole view, the trend and the reasons
    are those of the statement that reads every breakdown (the CSV's)."""
    every = attendance_dashboard(user=manager, scope=_scope())
    for dimension in DIMENSIONS:
        scope = dataclasses.replace(_scope(), breakdowns=(dimension.key,))
        alone = attendance_dashboard(user=manager, scope=scope)
        assert [breakdown.dimension for breakdown in alone.breakdowns] == [dimension]
        assert alone.breakdowns[0] in every.breakdowns
        assert (alone.overall, alone.trend, alone.reasons) == (
            every.overall,
            every.trend,
            every.reasons,
        )
    headline_only = dataclasses.replace(_scope(), breakdowns=())
    assert attendance_dashboard(user=manager, scope=headline_only).overall == every.overall


def test_the_scope_joins_only_the_tables_its_dimensions_come_from(manager):
    cohort_only = dataclasses.replace(_scope(), breakdowns=("cohort",))
    sql, _ = scope_children_sql(user=manager, scope=cohort_only)
    for table in ("records_enrolment", "records_characteristics", "records_allocation"):
        assert table not in sql
    filtered = dataclasses.replace(cohort_only, filters={"caseworker": "1"})
    sql, _ = scope_children_sql(user=manager, scope=filtered)
    assert "records_allocation" in sql and "records_enrolment" not in sql
    sql, _ = scope_children_sql(user=manager, scope=cohort_only, also=("school",))
    assert "records_enrolment" in sql and "records_allocation" not in sql


def test_breakdown_rows_are_in_a_readers_order():
    """breakdowns_of, the one place every dashboard's rows are ordered: schools and
    caseworkers by name, cohorts by precedence, year groups in school order, 'not recorded'
    last; rows of dimensions not asked for are left out."""
    rows = [
        Row(dimension="school", value=None, label="No school recorded"),
        Row(dimension="school", value=7, label="birch Academy"),
        Row(dimension="school", value=3, label="Oak Primary"),
        Row(dimension="cohort", value="PLAC", label="Previously looked after"),
        Row(dimension="cohort", value="CLA", label="Looked after"),
        Row(dimension="cohort", value="CIN", label="Child in need"),
        Row(dimension="year_group", value="10", label="Year 10"),
        Row(dimension="year_group", value="unknown", label="Not recorded"),
        Row(dimension="year_group", value="R", label="Reception"),
        Row(dimension="year_group", value="2", label="Year 2"),
        Row(dimension="sen", value="K", label="SEN support"),
    ]
    keys = ("cohort", "school", "year_group")
    breakdowns = breakdowns_of(rows, tuple(DIMENSION_BY_KEY[key] for key in keys))
    assert [
        (breakdown.dimension.key, [row.value for row in breakdown.rows]) for breakdown in breakdowns
    ] == [
        ("cohort", ["CLA", "CIN", "PLAC"]),
        ("school", [7, 3, None]),
        ("year_group", ["R", "2", "10", "unknown"]),
    ]


def test_dates_typed_choose_the_period_dates(world, manager):
    """Issue 16: dates typed under "Choose dates" are used even when the period select was left
    at the whole year: bad ones get their message, good ones set the period to "Dates"."""
    client = signed_in(manager)
    dates = {"date_from_0": "1", "date_from_1": "9", "date_from_2": str(YEAR)}
    bad = {**dates, "date_to_0": "1", "date_to_1": "9", "date_to_2": str(YEAR + 1)}
    page = client.get(reverse("dashboards:attendance"), {"year": YEAR, **bad}).content.decode()
    assert "To date must be in the same academic year as the from date" in page
    good = {**dates, "date_to_0": "30", "date_to_1": "9", "date_to_2": str(YEAR)}
    page = client.get(reverse("dashboards:attendance"), {"year": YEAR, **good}).content.decode()
    assert "There is a problem" not in page
    # The period is radios now, "Dates" revealing the date inputs (issue 16).
    assert 'value="range" checked>' in page
    assert (
        'id="conditional-dates" data-app-reveal-name="period" data-app-reveal-for="range"' in page
    )
