"""The attendance arithmetic (records/attendance.py), against examples worked by hand from the
DfE method (../shared/reference/DOMAIN.md (c), attendance-codes*.csv), and the SQL counts held
equal to the Python ones on random data."""

import datetime
from collections import defaultdict
from decimal import Decimal

import pytest
from django.db import transaction
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from records.attendance import (
    AttendanceFigures,
    SummaryKey,
    absence_flag_expressions,
    attendance_figures,
    code_not_in_use,
    figures_for_keys,
    summary_key,
)
from records.calendar import (
    academic_year_label,
    academic_year_of,
    easter_sunday,
    term_bounds,
    term_label,
    term_of,
)
from records.codes.attendance import CODES
from records.models import AttendanceSession, AttendanceSummary, Term
from records.services.attendance import attendance_summaries_refresh
from tests.factories import ChildFactory

D = datetime.date


def _codes(**counts):
    """_codes(present=3, I=2) -> ["/", "/", "/", "I", "I"]; `present` is "/"."""
    codes = []
    for code, number in counts.items():
        codes += [{"present": "/", "pm": "\\", "hash": "#"}.get(code, code)] * number
    return codes


# --- hand-worked examples ---------------------------------------------------------------------


def test_a_simple_term_by_hand():
    # 8 mornings and 8 afternoons present, 2 ill, 1 appointment, 1 unexplained:
    # possible 20, attended 16, absent 4 (20%) -> 80.0% attendance, persistent, not severe.
    figures = attendance_figures(_codes(present=8, pm=8, I=2, M=1, O=1))
    assert (figures.possible, figures.attended, figures.authorised, figures.unauthorised) == (
        20,
        16,
        3,
        1,
    )
    assert figures.not_possible == 0
    assert figures.absence_by_code == {"I": 2, "M": 1, "O": 1}
    assert figures.attendance_pct == Decimal("80.0")
    assert figures.absence_pct == Decimal("20.0")
    assert figures.authorised_pct == Decimal("15.0")
    assert figures.unauthorised_pct == Decimal("5.0")
    assert figures.reason_pct("I") == Decimal("10.0")
    assert figures.persistent is True
    assert figures.severe is False


def test_codes_that_are_not_possible_sessions_are_left_out():
    # D, X, Q, Y1-Y7, Z and # are not possible sessions: 12 of them and 10 present sessions
    # give 10 possible sessions, all attended.
    not_possible = ["D", "X", "Q", "Y1", "Y2", "Y3", "Y4", "Y5", "Y6", "Y7", "Z", "#"]
    figures = attendance_figures([*not_possible, *_codes(present=10)])
    assert (figures.possible, figures.attended, figures.not_possible) == (10, 10, 12)
    assert figures.attendance_pct == Decimal("100.0")
    assert figures.absence_pct == Decimal("0.0")
    assert figures.absence_by_code == {}
    assert not figures.persistent


def test_approved_educational_activities_and_late_count_as_attended():
    figures = attendance_figures(["/", "\\", "L", "K", "V", "P", "W", "B"])
    assert (figures.possible, figures.attended) == (8, 8)


def test_legacy_codes_count_as_they_did():
    # H and F: authorised absence; J (pre-2024 interview): attended; Y: not possible.
    # 10 present + 3 J = 13 attended; 2 H + 1 F = 3 authorised; possible 16; 4 Y left out.
    # 13/16 = 81.25% -> 81.3 (half up); 3/16 = 18.75% -> 18.8; persistent.
    figures = attendance_figures(_codes(present=10, J=3, H=2, F=1, Y=4))
    assert (figures.possible, figures.attended, figures.authorised, figures.not_possible) == (
        16,
        13,
        3,
        4,
    )
    assert figures.absence_by_code == {"H": 2, "F": 1}
    assert figures.attendance_pct == Decimal("81.3")
    assert figures.absence_pct == Decimal("18.8")
    assert figures.persistent


def test_j1_is_authorised_absence_where_old_j_was_attendance():
    assert attendance_figures(["J1"]).authorised == 1
    assert attendance_figures(["J"]).attended == 1


@pytest.mark.parametrize(
    ("present", "absent", "persistent"),
    [
        (36, 4, True),  # exactly 10%
        (342, 38, True),  # 38 of 380: exactly 10%
        (343, 37, False),  # 37 of 380: 9.7%
        (37, 4, False),  # 4 of 41: 9.8%
    ],
)
def test_persistent_absence_starts_at_exactly_ten_percent(present, absent, persistent):
    figures = attendance_figures(_codes(present=present, N=absent))
    assert figures.persistent is persistent


def test_rounding_never_decides_a_flag():
    # 79 of 791 is 9.987%, shown as 10.0%, and is not persistent absence.
    figures = attendance_figures({"/": 712, "I": 79})
    assert figures.absence_pct == Decimal("10.0")
    assert not figures.persistent


@pytest.mark.parametrize(
    ("present", "absent", "severe"),
    [(5, 5, True), (190, 190, True), (6, 5, False), (191, 190, False), (0, 3, True)],
)
def test_severe_absence_starts_at_exactly_half(present, absent, severe):
    figures = attendance_figures(_codes(present=present, G=absent))
    assert figures.severe is severe
    assert figures.persistent is True


@pytest.mark.parametrize("codes", [[], ["#", "#", "X", "D"], {"/": 0, "I": 0}])
def test_zero_possible_sessions(codes):
    figures = attendance_figures(codes)
    assert figures.possible == 0
    assert figures.attendance_pct is None
    assert figures.absence_pct is None
    assert figures.reason_pct("I") is None
    assert not figures.persistent
    assert not figures.severe


def test_counts_and_lists_give_the_same_figures():
    assert attendance_figures({"/": 3, "I": 2, "#": 1}) == attendance_figures(
        ["/", "I", "/", "#", "I", "/"]
    )


def test_an_unknown_code_is_refused_naming_the_allowed_ones():
    with pytest.raises(ValueError, match=r"'ZZ' is not an attendance code; use one of /, \\"):
        attendance_figures(["/", "ZZ"])


def test_terms_add_up_to_a_year_and_the_year_flag_is_judged_on_the_year():
    autumn = attendance_figures({"/": 38, "I": 2})  # 5%
    spring = attendance_figures({"/": 34, "O": 6, "I": 1})  # 17.1%
    year = autumn + spring
    assert (year.possible, year.attended, year.authorised, year.unauthorised) == (81, 72, 3, 6)
    assert year.absence_by_code == {"I": 3, "O": 6}
    assert (autumn.persistent, spring.persistent, year.persistent) == (False, True, True)
    assert sum([autumn, spring], AttendanceFigures()) == year


# --- years and terms --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "year", "term"),
    [
        (D(2024, 7, 31), 2023, Term.SUMMER),
        (D(2024, 8, 1), 2024, Term.AUTUMN),  # the DfE year starts on 1 August
        (D(2024, 9, 2), 2024, Term.AUTUMN),
        (D(2024, 12, 31), 2024, Term.AUTUMN),
        (D(2025, 1, 1), 2024, Term.SPRING),
        (D(2025, 4, 20), 2024, Term.SPRING),  # Easter Sunday 2025 ends spring
        (D(2025, 4, 21), 2024, Term.SUMMER),  # Easter Monday starts summer
        (D(2024, 3, 31), 2023, Term.SPRING),  # Easter Sunday 2024
        (D(2024, 4, 1), 2023, Term.SUMMER),
        (D(2025, 7, 31), 2024, Term.SUMMER),
    ],
)
def test_academic_year_and_term(day, year, term):
    assert academic_year_of(day) == year
    assert term_of(day) == term


@pytest.mark.parametrize(
    "easter",
    [D(2008, 3, 23), D(2019, 4, 21), D(2024, 3, 31), D(2025, 4, 20), D(2026, 4, 5), D(2038, 4, 25)],
)
def test_easter_sunday(easter):
    assert easter_sunday(easter.year) == easter
    assert easter.weekday() == 6


def test_term_bounds_and_labels():
    assert term_bounds(2024, Term.AUTUMN) == (D(2024, 8, 1), D(2024, 12, 31))
    assert term_bounds(2024, "spring") == (D(2025, 1, 1), D(2025, 4, 20))
    assert term_bounds(2024, Term.SUMMER) == (D(2025, 4, 21), D(2025, 7, 31))
    assert term_label(2024, Term.SPRING) == "Spring 2025"
    assert academic_year_label(2024) == "2024/25"
    assert academic_year_label(1999) == "1999/00"


@given(st.dates(min_value=D(1990, 1, 1), max_value=D(2100, 12, 31)))
def test_every_day_is_in_its_own_terms_bounds(day):
    year, term = academic_year_of(day), term_of(day)
    first, last = term_bounds(year, term)
    assert first <= day <= last


@given(st.integers(min_value=1990, max_value=2100))
def test_the_terms_of_a_year_follow_each_other_without_gaps(year):
    bounds = [term_bounds(year, term) for term in (Term.AUTUMN, Term.SPRING, Term.SUMMER)]
    assert bounds[0][0] == D(year, 8, 1)
    assert bounds[-1][1] == D(year + 1, 7, 31)
    for (_, end), (start, _) in zip(bounds, bounds[1:], strict=False):
        assert start == end + datetime.timedelta(days=1)


@pytest.mark.parametrize(
    ("code", "day", "allowed"),
    [
        ("H", D(2024, 8, 16), True),
        ("H", D(2024, 8, 19), False),
        ("J", D(2024, 9, 2), False),
        ("Y", D(2023, 1, 9), True),
        ("F", D(2013, 8, 30), True),
        ("F", D(2013, 9, 2), False),
        ("K", D(2024, 8, 16), False),
        ("K", D(2024, 8, 19), True),
        ("Y3", D(2020, 1, 6), False),
        ("/", D(2001, 1, 8), True),
    ],
)
def test_codes_are_usable_between_their_introduction_and_withdrawal(code, day, allowed):
    assert (code_not_in_use(code, day) is None) is allowed


def test_a_withdrawn_code_names_its_replacement():
    assert code_not_in_use("H", D(2024, 9, 2)) == (
        "Code H was withdrawn on 19 August 2024, so it cannot be recorded for 2 September 2024; "
        "use C instead"
    )


# --- the SQL counts equal the Python ones -----------------------------------------------------

rows_strategy = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=1),
        st.dates(min_value=D(2019, 6, 1), max_value=D(2026, 10, 31)),
        st.sampled_from(["AM", "PM"]),
        st.sampled_from(sorted(CODES)),
    ),
    unique_by=lambda row: (row[0], row[1], row[2]),
    max_size=60,
)


@pytest.fixture
def two_children(db):
    return [ChildFactory(date_of_birth=D(2010, 1, 1)), ChildFactory(date_of_birth=D(2011, 1, 1))]


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=rows_strategy)
def test_sql_counts_equal_python_counts(two_children, rows):
    with transaction.atomic():
        AttendanceSession.objects.bulk_create(
            AttendanceSession(child=two_children[i], date=day, session=part, code=code)
            for i, day, part, code in rows
        )
        codes_by_key = defaultdict(list)
        for i, day, _, code in rows:
            codes_by_key[summary_key(two_children[i].pk, day)].append(code)
        empty = SummaryKey(two_children[1].pk, 2030, "autumn")
        keys = [*codes_by_key, empty]

        expected = {key: attendance_figures(codes) for key, codes in codes_by_key.items()}
        assert figures_for_keys(keys) == expected

        attendance_summaries_refresh(keys=keys)
        stored = {
            SummaryKey(row.child_id, row.academic_year, row.term): AttendanceFigures.from_summary(
                row
            )
            for row in AttendanceSummary.objects.all()
        }
        assert stored == expected
        transaction.set_rollback(True)


@pytest.mark.django_db
def test_dashboard_flag_expressions_agree_with_python(child):
    cases = {  # academic year: (present, absent) in the child's autumn term
        2020: (36, 4),  # 10%: persistent
        2021: (37, 4),  # 9.8%: neither
        2022: (5, 5),  # 50%: severe
        2023: (0, 0),  # only closures: no possible sessions
    }
    for year, (present, absent) in cases.items():
        AttendanceSummary.objects.create(
            child=child,
            academic_year=year,
            term="autumn",
            possible=present + absent,
            attended=present,
            unauthorised=absent,
            not_possible=2,
        )
    rows = (
        AttendanceSummary.objects.filter(child=child)
        .values("academic_year")
        .annotate(
            **absence_flag_expressions(
                possible=Sum("possible"), absent=Sum("authorised") + Sum("unauthorised")
            )
        )
    )
    in_sql = {row["academic_year"]: (row["persistent"], row["severe"]) for row in rows}
    in_python = {}
    for year, (present, absent) in cases.items():
        figures = attendance_figures({"/": present, "O": absent})
        in_python[year] = (figures.persistent, figures.severe)
    assert (
        in_sql
        == in_python
        == {
            2020: (True, False),
            2021: (False, False),
            2022: (True, True),
            2023: (False, False),
        }
    )
