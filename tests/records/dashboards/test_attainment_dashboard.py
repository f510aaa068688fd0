"""The attainment dashboard: hand-worked figures, denominators, breakdowns, visibility, the
children behind each figure, and a fixed number of queries."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from records import services
from records.codes import Cohort, PlacRoute
from records.codes.assessment import (
    GCSE_STANDARD_PASS,
    GCSE_STRONG_PASS,
    Measure,
    gcse_english_and_maths,
    is_english_subject,
    is_maths_subject,
)
from records.models import AssessmentResult, Term
from records.selectors.dashboards.attainment import (
    BENCHMARK_MEASURES,
    FIGURES,
    attainment_children,
    attainment_dashboard,
    latest_results_year,
)
from records.selectors.dashboards.scope import Period, Scope
from tests.factories import ChildFactory, EpisodeFactory

pytestmark = pytest.mark.django_db
D = datetime.date
YEAR = 2024
P, R, W, M = (
    Measure.PHONICS_Y1,
    Measure.KS2_READING,
    Measure.KS2_WRITING,
    Measure.KS2_MATHS,
)
A8, GCSE = Measure.KS4_ATTAINMENT_8, Measure.KS4_GCSE
CLA, CIN, CPP, PLAC = Cohort.CLA, Cohort.CIN, Cohort.CPP, Cohort.PLAC


def _child(name: str, cohort: str = Cohort.CLA, *results, year: int = YEAR, **episode):
    """A child in a cohort from April 2023 (so in view in 2024/25) with these results, each
    (measure, result) or (measure, subject, result)."""
    child = ChildFactory(first_name=name, last_name=f"{name}son")
    if cohort != CLA:
        episode.setdefault("legal_status", "")
    if cohort == PLAC:
        episode.setdefault("plac_route", PlacRoute.ADOPTION)
    EpisodeFactory(child=child, cohort=cohort, **episode)
    for item in results:
        measure, subject, result = item if len(item) == 3 else (item[0], "", item[1])
        AssessmentResult.objects.create(
            child=child, measure=measure, subject=subject, academic_year=year, result=result
        )
    return child


@pytest.fixture
def pupils(db, settings):
    """The hand-worked cohort of 2024/25 (see each figure's test for the arithmetic)."""
    settings.DASHBOARD_MIN_CHILDREN = 5
    kids = {
        # Phonics: 35 and 32 (the threshold) met; Wt not met; A absent, judges nothing.
        "p1": _child("Pam", CLA, (P, "35")),
        "p2": _child("Pat", CLA, (P, "Wt")),
        "p3": _child("Pip", CIN, (P, "A")),
        "p4": _child("Poppy", CLA, (P, "32")),
        # KS2.
        "k1": _child("Kai", CLA, (R, "104"), (W, "EXS"), (M, "100")),
        "k2": _child("Kim", CLA, (R, "A"), (W, "GDS"), (M, "110")),
        "k3": _child("Kit", CIN, (R, "99"), (W, "WTS"), (M, "105")),
        "k4": _child("Kev", CLA, (M, "101")),  # no reading or writing result
        "k5": _child("Kay", CPP, (R, "100"), (W, "EXS"), (M, "B")),
        "k6": _child("Ken", CLA, (Measure.KS2_GPS, "108")),  # GPS only: not in the KS2 cohort
        # KS4.
        "g1": _child(
            "Gus",
            CLA,
            (GCSE, "English literature", "5"),
            (GCSE, "English language", "3"),
            (GCSE, "Mathematics", "4"),
            (GCSE, "History", "7"),
            (A8, "45.5"),
        ),
        "g2": _child("Gil", CLA, (GCSE, "English Language", "6"), (GCSE, "Maths", "5"), (A8, "52")),
        "g3": _child(
            "Guy",
            CIN,
            (GCSE, "  english   language ", "9"),
            (GCSE, "Mathematics", "U"),
            (A8, "20.25"),
        ),
        "g4": _child("Gem", CLA, (GCSE, "History", "9"), (GCSE, "Geography", "8")),
        "g5": _child("Gia", CPP, (A8, "30")),  # Attainment 8 only: not in English and maths
        "g6": _child("Gwen", PLAC, (GCSE, "ENG", "5"), (GCSE, "MAT", "5")),  # CTF subject codes
        # In view without results.
        "n1": _child("Ned", CLA),
    }
    # Not counted: a result of another year; a child out of every cohort in 2024/25.
    kids["old"] = _child("Olly", CLA, (P, "40"), year=YEAR - 1)
    kids["gone"] = _child(
        "Gina",
        CLA,
        (R, "120"),
        (W, "GDS"),
        (M, "120"),
        start_date=D(2022, 4, 1),
        end_date=D(2024, 3, 31),
    )
    return kids


def _scope(**filters) -> Scope:
    return Scope(period=Period.year(YEAR), filters=filters)


def _figures(dashboard, group=None):
    group = group or dashboard.overall
    return {
        key: (figure.value, figure.children, figure.met, figure.not_judged)
        for key, figure in group.figures.items()
    }


def test_overall_figures_and_denominators(manager, pupils):
    dashboard = attainment_dashboard(user=manager, scope=_scope())

    assert dashboard.overall.children == 18  # 17 in view in 2024/25, and Olly
    assert dashboard.overall.with_results == 15
    assert _figures(dashboard) == {
        # value, denominator, met, counted as not met for a result that judges nothing
        "phonics": (Decimal("50.0"), 4, 2, 1),
        "ks2_rwm": (Decimal("20.0"), 5, 1, 2),
        "ks2_reading": (Decimal("40.0"), 5, 2, 2),
        "ks2_writing": (Decimal("60.0"), 5, 3, 1),
        "ks2_maths": (Decimal("80.0"), 5, 4, 0),
        "ks4_a8": (Decimal("36.9"), 4, None, 0),  # 147.75 / 4 = 36.9375
        "ks4_em4": (Decimal("60.0"), 5, 3, 0),
        "ks4_em5": (Decimal("40.0"), 5, 2, 0),
    }
    figures = dashboard.overall.figures
    assert figures["phonics"].small and not figures["ks2_rwm"].small
    assert figures["ks4_a8"].small and not figures["ks4_em4"].small
    assert figures["ks2_reading"].not_met == 3
    assert figures["ks4_a8"].not_met is None
    assert [spec.key for spec in FIGURES] == list(figures)


def test_benchmarks_for_the_six_measures(manager, pupils):
    dashboard = attainment_dashboard(user=manager, scope=_scope())

    assert (
        set(dashboard.benchmarks)
        == set(BENCHMARK_MEASURES)
        == {
            "ks2_rwm_pct",
            "ks2_reading_pct",
            "ks2_writing_pct",
            "ks2_maths_pct",
            "ks4_attainment8",
            "ks4_english_maths_4_pct",
        }
    )
    figures = dashboard.overall.figures
    assert [b.value for b in figures["ks2_rwm"].benchmarks] == [Decimal(35), Decimal(62)]
    assert figures["ks4_em4"].benchmarks[0].group == "CLA"
    assert figures["phonics"].benchmarks == () and figures["ks4_em5"].benchmarks == ()


def test_cohort_breakdown(manager, pupils):
    dashboard = attainment_dashboard(user=manager, scope=_scope())
    rows = dashboard.by_dimension["cohort"].rows

    assert [(row.value, row.label, row.children) for row in rows] == [
        (Cohort.CLA, "Looked after", 12),
        (Cohort.CPP, "Child protection plan", 2),
        (Cohort.CIN, "Child in need", 3),
        (Cohort.PLAC, "Previously looked after", 1),
    ]
    cla, cpp, cin, plac = (_figures(dashboard, row) for row in rows)
    assert cla == {
        "phonics": (Decimal("66.7"), 3, 2, 0),
        "ks2_rwm": (Decimal("33.3"), 3, 1, 2),
        "ks2_reading": (Decimal("33.3"), 3, 1, 2),
        "ks2_writing": (Decimal("66.7"), 3, 2, 1),
        "ks2_maths": (Decimal("100.0"), 3, 3, 0),
        "ks4_a8": (Decimal("48.8"), 2, None, 0),  # 48.75, half up
        "ks4_em4": (Decimal("66.7"), 3, 2, 0),
        "ks4_em5": (Decimal("33.3"), 3, 1, 0),
    }
    assert cin["phonics"] == (Decimal("0.0"), 1, 0, 1)
    assert cin["ks2_maths"] == (Decimal("100.0"), 1, 1, 0)
    assert cin["ks4_a8"] == (Decimal("20.3"), 1, None, 0)  # 20.25, half up
    assert cin["ks4_em4"] == (Decimal("0.0"), 1, 0, 0)
    assert cpp["ks2_reading"] == (Decimal("100.0"), 1, 1, 0)
    assert cpp["ks2_maths"] == (Decimal("0.0"), 1, 0, 0)  # B: judged below the standard
    assert cpp["ks4_em4"] == (None, 0, 0, 0)
    assert cpp["ks4_a8"] == (Decimal("30.0"), 1, None, 0)
    assert plac["ks4_em5"] == (Decimal("100.0"), 1, 1, 0)
    assert all(figure.small for row in rows for figure in row.figure_list)
    # Every breakdown adds up to the whole, children without a result included (they are
    # counted in SQL, not one by one).
    for breakdown in dashboard.breakdowns:
        for key, figure in dashboard.overall.figures.items():
            assert sum(row.figures[key].children for row in breakdown.rows) == figure.children
        assert sum(row.with_results for row in breakdown.rows) == dashboard.overall.with_results
    cohorts = dashboard.by_dimension["cohort"].rows
    assert sum(row.children for row in cohorts) == dashboard.overall.children == 18
    assert any(row.children > row.with_results for row in cohorts)


def test_a_filtered_scope_counts_only_its_children(manager, pupils):
    dashboard = attainment_dashboard(user=manager, scope=_scope(cohort=Cohort.CIN))

    assert dashboard.overall.children == 3
    assert dashboard.overall.figures["ks2_writing"].value == Decimal("0.0")


def test_a_term_scope_counts_the_whole_year(manager, pupils):
    term = Scope(period=Period.of_term(YEAR, Term.SPRING))
    dashboard = attainment_dashboard(user=manager, scope=term)

    assert dashboard.scope.period == Period.year(YEAR)
    assert dashboard.academic_year == YEAR
    assert _figures(dashboard) == _figures(attainment_dashboard(user=manager, scope=_scope()))


def test_a_caseworker_counts_only_their_allocated_children(
    caseworker, other_caseworker, allocate, pupils
):
    allocate(pupils["k1"], caseworker)
    allocate(pupils["k3"], caseworker)
    allocate(pupils["g2"], other_caseworker)

    dashboard = attainment_dashboard(user=caseworker, scope=_scope())

    assert dashboard.overall.children == 2
    figures = _figures(dashboard)
    assert figures["ks2_reading"] == (Decimal("50.0"), 2, 1, 0)
    assert figures["ks2_rwm"] == (Decimal("50.0"), 2, 1, 0)
    assert figures["phonics"] == (None, 0, 0, 0)
    assert figures["ks4_em4"] == (None, 0, 0, 0)
    assert {row.value for row in dashboard.by_dimension["cohort"].rows} == {Cohort.CLA, Cohort.CIN}
    ids = {
        row.child_id
        for row in attainment_children(user=caseworker, scope=_scope(), figure="ks2_rwm")
    }
    assert ids == {pupils["k1"].pk, pupils["k3"].pk}
    assert attainment_children(user=caseworker, scope=_scope(), figure="ks4_em4") == []


def test_nothing_in_view(caseworker, pupils):
    dashboard = attainment_dashboard(user=caseworker, scope=_scope())

    assert dashboard.overall.children == 0
    assert all(figure.value is None and figure.small for figure in dashboard.overall.figure_list)
    assert all(breakdown.rows == [] for breakdown in dashboard.breakdowns)


def _ids(rows):
    return [row.child_id for row in rows]


@pytest.mark.parametrize(
    ("figure", "met", "expected"),
    [
        ("phonics", None, ["p1", "p2", "p3", "p4"]),
        ("phonics", True, ["p1", "p4"]),
        ("phonics", False, ["p2", "p3"]),
        ("ks2_rwm", True, ["k1"]),
        ("ks2_rwm", False, ["k2", "k3", "k4", "k5"]),
        ("ks2_reading", False, ["k2", "k3", "k4"]),
        ("ks2_writing", True, ["k1", "k2", "k5"]),
        ("ks2_maths", False, ["k5"]),
        ("ks4_a8", None, ["g1", "g2", "g3", "g5"]),
        ("ks4_em4", True, ["g1", "g2", "g6"]),
        ("ks4_em4", False, ["g3", "g4"]),
        ("ks4_em5", True, ["g2", "g6"]),
    ],
)
def test_drill_down_lists_exactly_the_children_behind_a_figure(
    manager, pupils, figure, met, expected
):
    rows = attainment_children(user=manager, scope=_scope(), figure=figure, met=met)

    assert sorted(_ids(rows), key=str) == sorted((pupils[key].pk for key in expected), key=str)
    names = [row.name for row in rows]
    assert names == sorted(names, key=lambda name: name.split()[1])


def test_drill_down_agrees_with_every_figure(manager, pupils):
    dashboard = attainment_dashboard(user=manager, scope=_scope(cohort=Cohort.CLA))
    for key, figure in dashboard.overall.figures.items():
        rows = attainment_children(user=manager, scope=_scope(cohort=Cohort.CLA), figure=key)
        assert len(rows) == figure.children
        if figure.met is not None:
            assert sum(row.met for row in rows) == figure.met


def test_drill_down_rows_say_who_and_what(manager, pupils):
    (kai,) = attainment_children(user=manager, scope=_scope(), figure="ks2_rwm", met=True)
    assert (kai.child_id, kai.name, kai.cohort, kai.met) == (
        pupils["k1"].pk,
        "Kai Kaison",
        Cohort.CLA,
        True,
    )
    assert kai.summary == (
        "Reading: 104 – expected standard; Writing: EXS – working at the expected standard; "
        "Maths: 100 – expected standard"
    )
    kev = next(
        row
        for row in attainment_children(user=manager, scope=_scope(), figure="ks2_reading")
        if row.child_id == pupils["k4"].pk
    )
    assert (kev.met, kev.summary) == (False, "No result recorded")
    pip = next(
        row
        for row in attainment_children(user=manager, scope=_scope(), figure="phonics")
        if row.child_id == pupils["p3"].pk
    )
    assert pip.summary == "A – absent"
    gus = next(
        row
        for row in attainment_children(user=manager, scope=_scope(), figure="ks4_em5")
        if row.child_id == pupils["g1"].pk
    )
    assert (gus.met, gus.summary) == (
        False,
        "English language: 3, English literature: 5, Mathematics: 4",
    )
    gem = next(
        row
        for row in attainment_children(user=manager, scope=_scope(), figure="ks4_em4")
        if row.child_id == pupils["g4"].pk
    )
    assert gem.summary == "No English or maths GCSE recorded"
    a8 = {
        row.child_id: row
        for row in attainment_children(user=manager, scope=_scope(), figure="ks4_a8")
    }
    assert a8[pupils["g3"].pk].score == Decimal("20.25")
    assert a8[pupils["g3"].pk].met is None
    assert a8[pupils["g3"].pk].summary == "20.25 out of 90"


def test_drill_down_refuses_unknown_figures(manager):
    with pytest.raises(ValueError, match="Unknown"):
        attainment_children(user=manager, scope=_scope(), figure="ks3_anything")
    with pytest.raises(ValueError, match="average"):
        attainment_children(user=manager, scope=_scope(), figure="ks4_a8", met=True)


def test_latest_results_year(manager, caseworker, other_caseworker, allocate, pupils):
    assert latest_results_year(user=manager) == YEAR
    assert latest_results_year(user=caseworker) is None

    allocate(pupils["old"], caseworker)
    assert latest_results_year(user=caseworker) == YEAR - 1
    # A result the dashboard does not count (MTC) does not make a year "latest".
    AssessmentResult.objects.create(
        child=pupils["old"], measure=Measure.MTC, academic_year=YEAR + 1, result="20"
    )
    assert latest_results_year(user=caseworker) == YEAR - 1


def _more(count: int, start: int) -> None:
    for n in range(start, start + count):
        _child(f"Extra{n}", Cohort.CLA, (R, "104"), (W, "EXS"), (M, "99"), (P, "30"))
        _child(f"Gcse{n}", Cohort.CIN, (GCSE, "English language", "4"), (A8, "40"))


def _queries(call) -> int:
    with CaptureQueriesContext(connection) as captured:
        call()
    return len(captured)


def test_query_count_does_not_grow_with_children(
    manager, caseworker, pupils, django_assert_max_num_queries
):
    services.allocation_create(
        actor=manager, child=pupils["k1"], caseworker=caseworker, start_date=D(2024, 9, 2)
    )
    attainment_dashboard(user=manager, scope=_scope())  # the user's permissions are cached

    _more(2, 0)
    few = _queries(lambda: attainment_dashboard(user=manager, scope=_scope()))
    few_list = _queries(lambda: attainment_children(user=manager, scope=_scope(), figure="ks2_rwm"))
    _more(20, 100)
    with django_assert_max_num_queries(3):
        dashboard = attainment_dashboard(user=manager, scope=_scope())
    many = _queries(lambda: attainment_dashboard(user=manager, scope=_scope()))
    many_list = _queries(
        lambda: attainment_children(user=manager, scope=_scope(), figure="ks2_rwm")
    )

    assert dashboard.overall.figures["ks2_rwm"].children == 5 + 22
    assert [row.label for row in dashboard.by_dimension["caseworker"].rows][0] != "Not allocated"
    assert few == many
    assert few_list == many_list == 1


# --- Subject matching (records/codes/assessment.py) -------------------------------------------


@pytest.mark.parametrize(
    "subject",
    [
        "English",
        "English language",
        "English literature",
        "ENGLISH LITERATURE",
        " english  language ",
        "ENG",
        "English\tLanguage",
    ],
)
def test_english_subjects(subject):
    assert is_english_subject(subject)
    assert not is_maths_subject(subject)


@pytest.mark.parametrize("subject", ["Mathematics", "Maths", "MATHS", " mathematics ", "MAT"])
def test_maths_subjects(subject):
    assert is_maths_subject(subject)
    assert not is_english_subject(subject)


@pytest.mark.parametrize(
    "subject",
    [
        "",
        "History",
        "Englishlanguage",
        "English as a second language",
        "Further mathematics",
        "Statistics",
        "Combined science",
    ],
)
def test_other_subjects_count_for_neither(subject):
    assert not is_english_subject(subject)
    assert not is_maths_subject(subject)


@pytest.mark.parametrize(
    ("results", "at_4", "at_5"),
    [
        (
            [("English literature", "5"), ("English language", "3"), ("Mathematics", "4")],
            True,
            False,
        ),
        ([("English language", "9"), ("Maths", "U")], False, False),
        ([("English", "5"), ("Mathematics", "5")], True, True),
        ([("English language", "4")], False, False),
        ([("History", "9"), ("Mathematics", "9")], False, False),
        ([], False, False),
    ],
)
def test_english_and_maths(results, at_4, at_5):
    assert gcse_english_and_maths(results, GCSE_STANDARD_PASS) is at_4
    assert gcse_english_and_maths(results, GCSE_STRONG_PASS) is at_5
