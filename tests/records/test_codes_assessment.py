"""What each assessment measure accepts, and what its results say about the standard."""

import datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from records.codes.assessment import (
    RULES,
    InvalidResultError,
    Level,
    Measure,
    academic_year_label,
    academic_year_of,
    clean_result,
    gcse_grade_at_least,
    gcse_points,
    gcse_standard_pass,
    gcse_strong_pass,
    meets_expected_standard,
    meets_higher_standard,
    needs_subject,
    normal_academic_year,
    numeric_result,
    plausible_academic_years,
    reception_year,
    result_is_valid,
    result_label,
    result_level,
)

D = datetime.date
KS2_TESTS = [Measure.KS2_READING, Measure.KS2_MATHS, Measure.KS2_GPS]
PHONICS = [Measure.PHONICS_Y1, Measure.PHONICS_Y2]
KS1_TA = [Measure.KS1_READING, Measure.KS1_WRITING, Measure.KS1_MATHS]


def test_every_measure_has_a_rule():
    assert set(RULES) == set(Measure)


@given(score=st.integers(min_value=80, max_value=120), measure=st.sampled_from(KS2_TESTS))
def test_every_ks2_scaled_score_from_80_to_120_is_accepted(score, measure):
    assert clean_result(measure, str(score)) == str(score)


@given(
    score=st.integers(min_value=0, max_value=999).filter(lambda n: not 80 <= n <= 120),
    measure=st.sampled_from(KS2_TESTS),
)
def test_any_other_ks2_score_is_refused(score, measure):
    assert not result_is_valid(measure, str(score))


@pytest.mark.parametrize("score", ["79", "121", "130", "-100", "100.5", "1e2", ""])
def test_ks2_scores_off_the_scale_are_refused_with_what_is_accepted(score):
    with pytest.raises(InvalidResultError) as raised:
        clean_result(Measure.KS2_READING, score)
    message = str(raised.value)
    assert "KS2 reading (scaled score)" in message
    assert "a scaled score from 80 to 120" in message
    assert "B (working below the standard of the test)" in message
    assert f"not “{score}”" in message


@pytest.mark.parametrize("code", ["A", "b", "N", "F", "P", "H", "J", "L", "M", "Q", "U", "T"])
def test_ks2_test_codes_are_accepted_in_their_dfe_spelling(code):
    assert clean_result(Measure.KS2_MATHS, code) == code.upper()


@given(grade=st.integers(min_value=1, max_value=9))
def test_gcse_grades_9_to_1_are_accepted(grade):
    assert clean_result(Measure.KS4_GCSE, str(grade)) == str(grade)


@pytest.mark.parametrize("value", ["10", "0", "A*", "C", "4.5", "-4", "X"])
def test_other_gcse_grades_are_refused(value):
    with pytest.raises(InvalidResultError) as raised:
        clean_result(Measure.KS4_GCSE, value)
    assert "a grade from 1 to 9, or one of these codes: U (ungraded)" in str(raised.value)


def test_gcse_u_is_accepted():
    assert clean_result(Measure.KS4_GCSE, " u ") == "U"


@given(mark=st.integers(min_value=0, max_value=40), measure=st.sampled_from(PHONICS))
def test_phonics_marks_0_to_40_are_accepted(mark, measure):
    assert clean_result(measure, str(mark)) == str(mark)


@pytest.mark.parametrize(
    ("value", "stored"),
    [("Wa", "Wa"), ("wt", "Wt"), ("A", "A"), ("d", "D"), ("L", "L"), ("Q", "Q"), ("07", "7")],
)
def test_phonics_codes_and_marks_are_stored_as_the_dfe_spells_them(value, stored):
    assert clean_result(Measure.PHONICS_Y1, value) == stored


@pytest.mark.parametrize("value", ["41", "-1", "W", "32.5"])
def test_phonics_off_the_scale_is_refused(value):
    assert not result_is_valid(Measure.PHONICS_Y2, value)


@pytest.mark.parametrize(
    ("mark", "met"), [("31", False), ("32", True), ("40", True), ("Wa", True), ("Wt", False)]
)
def test_phonics_threshold_is_32(mark, met):
    assert meets_expected_standard(Measure.PHONICS_Y1, mark) is met


def test_phonics_absent_judges_nothing():
    assert meets_expected_standard(Measure.PHONICS_Y1, "A") is None


@given(score=st.integers(min_value=0, max_value=25))
def test_mtc_scores_0_to_25_are_accepted_and_have_no_pass_mark(score):
    assert clean_result(Measure.MTC, str(score)) == str(score)
    assert meets_expected_standard(Measure.MTC, str(score)) is None


@pytest.mark.parametrize("code", list("ABJLQUXZ"))
def test_mtc_codes_are_accepted(code):
    assert clean_result(Measure.MTC, code.lower()) == code


@pytest.mark.parametrize("value", ["26", "C", "Wa"])
def test_mtc_refuses_other_values(value):
    assert not result_is_valid(Measure.MTC, value)


@pytest.mark.parametrize(
    "code", ["GDS", "EXS", "WTS", "PK1", "PK6", "EM", "A", "L", "F", "P", "Q", "exs"]
)
def test_ks2_writing_accepts_its_teacher_assessment_codes(code):
    assert clean_result(Measure.KS2_WRITING, code) == code.upper()


@pytest.mark.parametrize("value", ["PK7", "HNM", "104", "AS"])
def test_ks2_writing_refuses_other_values(value):
    assert not result_is_valid(Measure.KS2_WRITING, value)


def test_ks2_science_is_exs_or_hnm_with_no_greater_depth():
    assert clean_result(Measure.KS2_SCIENCE, "hnm") == "HNM"
    assert not result_is_valid(Measure.KS2_SCIENCE, "GDS")
    assert meets_higher_standard(Measure.KS2_SCIENCE, "EXS") is None


@pytest.mark.parametrize("measure", KS1_TA)
@pytest.mark.parametrize("code", ["GDS", "EXS", "WTS", "PKF", "BLW", "A", "D"])
def test_ks1_accepts_its_historic_codes(measure, code):
    assert clean_result(measure, code) == code


def test_ks1_science_is_exs_or_hnm():
    assert clean_result(Measure.KS1_SCIENCE, "HNM") == "HNM"
    assert not result_is_valid(Measure.KS1_SCIENCE, "GDS")
    assert not result_is_valid(Measure.KS1_READING, "HNM")


@pytest.mark.parametrize(("value", "stored"), [("Y", "Y"), ("n", "N")])
def test_eyfs_good_level_of_development_is_y_or_n(value, stored):
    assert clean_result(Measure.EYFS_GLD, value) == stored


@pytest.mark.parametrize("value", ["yes", "1", "2", "GLD"])
def test_eyfs_refuses_anything_else(value):
    with pytest.raises(InvalidResultError) as raised:
        clean_result(Measure.EYFS_GLD, value)
    assert "one of: Y (good level of development), N (not at a good level" in str(raised.value)


@given(
    score=st.decimals(min_value=0, max_value=90, places=2, allow_nan=False, allow_infinity=False)
)
def test_attainment_8_accepts_0_to_90_with_two_places(score):
    stored = clean_result(Measure.KS4_ATTAINMENT_8, str(score))
    assert Decimal(stored) == score


@pytest.mark.parametrize("value", ["90.01", "-1", "45.555", "91", "forty"])
def test_attainment_8_refuses_other_values(value):
    assert not result_is_valid(Measure.KS4_ATTAINMENT_8, value)


@given(
    score=st.decimals(
        min_value=Decimal("-9.99"),
        max_value=Decimal("9.99"),
        places=2,
        allow_nan=False,
        allow_infinity=False,
    )
)
def test_progress_8_accepts_minus_to_plus_9_99(score):
    assert Decimal(clean_result(Measure.KS4_PROGRESS_8, str(score))) == score


@pytest.mark.parametrize(
    ("value", "stored"), [("\u22120.5", "-0.5"), ("+1.25", "1.25"), ("-0.00", "0"), ("0.50", "0.5")]
)
def test_progress_8_is_stored_in_one_form(value, stored):
    assert clean_result(Measure.KS4_PROGRESS_8, value) == stored


@pytest.mark.parametrize("value", ["10", "-10", "1.234", "U"])
def test_progress_8_refuses_other_values(value):
    assert not result_is_valid(Measure.KS4_PROGRESS_8, value)


@pytest.mark.parametrize(
    ("score", "expected", "higher", "level"),
    [
        ("80", False, False, Level.BELOW),
        ("99", False, False, Level.BELOW),
        ("100", True, False, Level.EXPECTED),
        ("109", True, False, Level.EXPECTED),
        ("110", True, True, Level.HIGHER),
        ("120", True, True, Level.HIGHER),
        ("B", False, False, Level.BELOW),
        ("N", False, False, Level.BELOW),
        ("A", None, None, None),
    ],
)
def test_ks2_expected_and_higher_standard(score, expected, higher, level):
    assert result_level(Measure.KS2_READING, score) is level
    assert meets_expected_standard(Measure.KS2_READING, score) is expected
    assert meets_higher_standard(Measure.KS2_READING, score) is higher


@pytest.mark.parametrize(
    ("code", "expected", "higher"),
    [("GDS", True, True), ("EXS", True, False), ("WTS", False, False), ("PK3", False, False)],
)
def test_ks2_writing_standards(code, expected, higher):
    assert meets_expected_standard(Measure.KS2_WRITING, code) is expected
    assert meets_higher_standard(Measure.KS2_WRITING, code) is higher


@pytest.mark.parametrize(
    ("result", "points", "four", "five"),
    [("9", 9, True, True), ("5", 5, True, True), ("4", 4, True, False), ("3", 3, False, False)]
    + [("U", 0, False, False), ("X", None, None, None)],
)
def test_gcse_helpers(result, points, four, five):
    assert gcse_points(result) == points
    assert gcse_standard_pass(result) is four
    assert gcse_strong_pass(result) is five
    assert gcse_grade_at_least(result, 7) is (None if points is None else points >= 7)


def test_gcse_grades_have_no_expected_standard_of_their_own():
    assert meets_expected_standard(Measure.KS4_GCSE, "7") is None


def test_numeric_result():
    assert numeric_result(Measure.KS4_ATTAINMENT_8, "45.5") == Decimal("45.5")
    assert numeric_result(Measure.KS2_READING, "B") is None


@pytest.mark.parametrize(
    ("measure", "result", "label"),
    [
        (Measure.KS2_READING, "104", "104 – expected standard"),
        (Measure.KS2_MATHS, "112", "112 – higher standard"),
        (Measure.KS2_GPS, "95", "95 – below the expected standard"),
        (Measure.KS2_WRITING, "EXS", "EXS – working at the expected standard"),
        (Measure.KS4_GCSE, "5", "5 – grade 5+ (strong pass)"),
        (Measure.KS4_GCSE, "4", "4 – grade 4+ (standard pass)"),
        (Measure.KS4_GCSE, "3", "3 – below grade 4"),
        (Measure.KS4_GCSE, "U", "U – ungraded"),
        (Measure.PHONICS_Y1, "35", "35 out of 40 – met the expected standard"),
        (Measure.PHONICS_Y2, "20", "20 out of 40 – did not meet the expected standard"),
        (Measure.MTC, "21", "21 out of 25"),
        (Measure.KS4_ATTAINMENT_8, "45.5", "45.5 out of 90"),
        (Measure.KS4_PROGRESS_8, "0.25", "+0.25"),
        (Measure.KS4_PROGRESS_8, "-1.5", "-1.5"),
        (Measure.EYFS_GLD, "Y", "Y – good level of development"),
        (Measure.KS2_READING, "legacy", "legacy"),
    ],
)
def test_result_labels(measure, result, label):
    assert result_label(measure, result) == label


def test_only_gcses_need_a_subject():
    assert [measure for measure in Measure if needs_subject(measure)] == [Measure.KS4_GCSE]


@pytest.mark.parametrize(
    ("year", "label"), [(2024, "2024/25"), (1999, "1999/00"), (2009, "2009/10")]
)
def test_academic_year_labels(year, label):
    assert academic_year_label(year) == label


def test_attainment_uses_the_one_academic_year_of_the_record():
    # records/calendar.py: 1 August to 31 July, as the DfE's census years (and attendance) run.
    from records import attendance, calendar

    assert academic_year_of is calendar.academic_year_of is attendance.academic_year_of
    assert academic_year_of(D(2024, 7, 31)) == 2023
    assert academic_year_of(D(2024, 8, 1)) == 2024


def test_children_born_1_september_to_31_august_start_reception_together():
    assert reception_year(D(2018, 9, 1)) == reception_year(D(2019, 8, 31)) == 2023
    assert reception_year(D(2019, 9, 1)) == 2024


def test_plausible_years_are_the_normal_year_and_one_either_side():
    born = D(2013, 5, 3)  # Reception 2017/18, year 6 2023/24
    assert normal_academic_year(Measure.KS2_READING, born) == 2023
    assert list(plausible_academic_years(Measure.KS2_READING, born)) == [2022, 2023, 2024]
    assert normal_academic_year(Measure.EYFS_GLD, born) == 2017
    assert list(plausible_academic_years(Measure.EYFS_GLD, born)) == [2017, 2018]


def test_gcses_run_from_year_9_to_the_end_of_education():
    years = plausible_academic_years(Measure.KS4_GCSE, D(2008, 3, 10))  # Reception 2012/13
    assert (years[0], years[-1]) == (2021, 2032)
