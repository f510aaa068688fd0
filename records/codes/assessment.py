"""Assessment and attainment measures a virtual school tracks, EYFS to KS4, and what each accepts.

Source: ../shared/reference/DOMAIN.md section (d) (DfE assessment frameworks; CTF result codes
from DFEAGILEDEVOPS/MTC admin/lib/consts/ctf-results.js; the KS1/KS2 result-code table at
help.junipereducation.org cited there).

Each measure's rule is data (`RULES`): the numbers it accepts (a mark, a scaled score, a grade
or a points score, with its range and thresholds), the outcome codes a school may return instead
(each with what it says about the standard, if anything), whether it needs a subject, and the
year group it is taken in. Services validate with `clean_result`; pages show `result_label`;
dashboards count with `meets_expected_standard`, `meets_higher_standard` and the GCSE helpers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from django.db import models

from records.calendar import academic_year_label, academic_year_of  # noqa: F401 - re-exported


class Measure(models.TextChoices):
    EYFS_GLD = "EYFS_GLD", "EYFS: good level of development"
    PHONICS_Y1 = "PHONICS_Y1", "Phonics screening check (year 1)"
    PHONICS_Y2 = "PHONICS_Y2", "Phonics screening check retake (year 2)"
    KS1_READING = "KS1_READ", "KS1 reading (teacher assessment)"
    KS1_WRITING = "KS1_WRIT", "KS1 writing (teacher assessment)"
    KS1_MATHS = "KS1_MAT", "KS1 maths (teacher assessment)"
    KS1_SCIENCE = "KS1_SCI", "KS1 science (teacher assessment)"
    MTC = "MTC", "Multiplication tables check"
    KS2_READING = "KS2_READ", "KS2 reading (scaled score)"
    KS2_MATHS = "KS2_MAT", "KS2 maths (scaled score)"
    KS2_GPS = "KS2_GPS", "KS2 grammar, punctuation and spelling (scaled score)"
    KS2_WRITING = "KS2_WRIT", "KS2 writing (teacher assessment)"
    KS2_SCIENCE = "KS2_SCI", "KS2 science (teacher assessment)"
    KS4_GCSE = "KS4_GCSE", "GCSE grade"
    KS4_ATTAINMENT_8 = "KS4_A8", "KS4 Attainment 8"
    KS4_PROGRESS_8 = "KS4_P8", "KS4 Progress 8"


class Level(StrEnum):
    """What a result says about the standard of its measure."""

    HIGHER = "higher"  # KS2 test 110+, greater depth (GDS)
    EXPECTED = "expected"  # at the expected standard (and not higher)
    BELOW = "below"  # a judgement that the standard was not reached


@dataclass(frozen=True)
class ResultCode:
    """An outcome a school returns instead of (or, for TA, as) the result.

    `level` is None when the code judges nothing (absent, left, not taken, annulled ...).
    """

    code: str
    meaning: str
    level: Level | None = None


@dataclass(frozen=True)
class Scale:
    """The numbers a measure accepts: `low` to `high` inclusive, with `places` decimal places
    (0: whole numbers). At or above `expected` meets the expected standard (the phonics
    threshold, KS2's 100); at or above `higher` the higher standard (KS2's 110)."""

    name: str
    low: Decimal
    high: Decimal
    places: int = 0
    expected: Decimal | None = None
    higher: Decimal | None = None
    out_of: bool = False  # shown as "35 out of 40"


@dataclass(frozen=True)
class MeasureRule:
    """What one measure accepts, and when a child takes it.

    `year_group` is the national curriculum year it is normally taken in (0 is Reception);
    `earliest_year_group`/`latest_year_group` widen that for children out of their year group
    (held back, ahead, resitting). `first_year` is the first academic year the scale existed;
    `not_calculated` lists academic years in which the DfE calculated no such result.
    """

    measure: Measure
    scale: Scale | None
    codes: tuple[ResultCode, ...]
    year_group: int
    earliest_year_group: int
    latest_year_group: int
    needs_subject: bool = False
    first_year: int | None = None
    not_calculated: frozenset[int] = frozenset()
    not_calculated_reason: str = ""

    @property
    def label(self) -> str:
        return str(self.measure.label)

    def code(self, value: str) -> ResultCode | None:
        """The outcome code `value` names, ignoring case ("wa" is Wa), or None."""
        wanted = value.strip().upper()
        return next((item for item in self.codes if item.code.upper() == wanted), None)

    def accepts(self) -> str:
        """What this measure accepts, in words, for a message: 'a scaled score from 80 to 120,
        or one of these codes: A (absent), ...'."""
        parts = []
        if self.scale is not None:
            scale = self.scale
            text = f"a {scale.name} from {_plain(scale.low)} to {_plain(scale.high)}"
            if scale.places:
                text += f" with up to {scale.places} decimal places"
            parts.append(text)
        if self.codes:
            listed = ", ".join(f"{item.code} ({item.meaning})" for item in self.codes)
            prefix = "one of these codes" if self.scale is not None else "one of"
            parts.append(f"{prefix}: {listed}")
        return ", or ".join(parts)


class InvalidResultError(ValueError):
    """A result the measure does not accept; the message says what it does accept."""


def _d(value: str) -> Decimal:
    return Decimal(value)


def _codes(*pairs: tuple[str, str, Level | None]) -> tuple[ResultCode, ...]:
    return tuple(ResultCode(code, meaning, level) for code, meaning, level in pairs)


E, H, B = Level.EXPECTED, Level.HIGHER, Level.BELOW

# Phonics screening check: a mark out of 40; the threshold has been 32 every year since 2012.
# Schools return the mark, or an outcome code when there is none (DOMAIN.md (d), phonics row).
PHONICS_SCALE = Scale("mark", _d("0"), _d("40"), expected=_d("32"), out_of=True)
PHONICS_CODES = _codes(
    ("Wa", "met the expected standard", E),
    ("Wt", "did not meet the expected standard", B),
    ("A", "absent", None),
    ("D", "disapplied, did not take the check", None),
    ("L", "left", None),
    ("Q", "maladministration", None),
)
PHONICS_FIRST_YEAR = 2011  # first check June 2012

# KS1 teacher assessment, statutory to 2022/23 (non-statutory from 2023/24). PK1-PK4 and EM
# are the later pre-key-stage and engagement-model codes (UNVERIFIED in DOMAIN.md; listed in
# the Juniper table it cites); Q (maladministration) from the same table.
KS1_CODES = _codes(
    ("GDS", "working at greater depth within the expected standard", H),
    ("EXS", "working at the expected standard", E),
    ("WTS", "working towards the expected standard", B),
    ("PKF", "pre-key stage: foundations for the expected standard", B),
    ("PK1", "pre-key stage standard 1", B),
    ("PK2", "pre-key stage standard 2", B),
    ("PK3", "pre-key stage standard 3", B),
    ("PK4", "pre-key stage standard 4", B),
    ("BLW", "below the standard of the pre-key stage", B),
    ("EM", "assessed against the engagement model", B),
    ("A", "absent", None),
    ("D", "disapplied", None),
    ("Q", "maladministration", None),
)
KS1_SCIENCE_CODES = _codes(
    ("EXS", "working at the expected standard", E),
    ("HNM", "has not met the expected standard", B),
    ("A", "absent", None),
    ("D", "disapplied", None),
)
KS1_FIRST_YEAR = 2015  # interim frameworks (GDS/EXS/WTS) from 2015/16

# Multiplication tables check: score 0-25, no pass mark. CTF codes: A absent, B working below,
# J just arrived, L left, Q annulled, U unable to access, X not taken, Z incorrect registration.
# Statutory from 2021/22; schools could take it voluntarily in June 2021.
MTC_SCALE = Scale("score", _d("0"), _d("25"), out_of=True)
MTC_CODES = _codes(
    ("A", "absent", None),
    ("B", "working below the expected standard, did not take the check", None),
    ("J", "just arrived", None),
    ("L", "left", None),
    ("Q", "annulled", None),
    ("U", "unable to access the check", None),
    ("X", "not taken", None),
    ("Z", "incorrect registration", None),
)
MTC_FIRST_YEAR = 2020

# KS2 tests (reading, maths, GPS): scaled scores 80-120, 100 = expected standard, 110+ = high
# score (the "higher standard"). Codes instead of a score: B and N (no scaled score: too few
# marks) count as not reaching the standard; the rest judge nothing. T is the older code for
# "unable to access". Scaled scores since 2015/16.
KS2_TEST_SCALE = Scale("scaled score", _d("80"), _d("120"), expected=_d("100"), higher=_d("110"))
KS2_TEST_CODES = _codes(
    ("A", "absent", None),
    ("B", "working below the standard of the test", B),
    ("N", "no scaled score awarded", B),
    ("D", "disapplied", None),
    ("F", "will take the test in future", None),
    ("P", "took the test in the past", None),
    ("H", "result withheld: pupil cheating", None),
    ("J", "just arrived in school", None),
    ("L", "left", None),
    ("M", "missing", None),
    ("Q", "maladministration", None),
    ("U", "unable to access the test", None),
    ("T", "unable to access the test, older code", None),
)
KS2_FIRST_YEAR = 2015
# No KS2 tests were held in 2019/20 or 2020/21 (COVID-19; general knowledge, not re-read from a
# DfE source), so no scaled score exists for those years.
KS2_TESTS_NOT_HELD = frozenset({2019, 2020})

# KS2 writing TA: GDS, EXS, WTS; below the standard PK1-PK6 or EM; other A, L, F, P (and Q,
# maladministration, from the Juniper table). Science TA: EXS or HNM, with the same others.
KS2_OTHER_TA_CODES = (
    ("A", "absent", None),
    ("L", "left", None),
    ("F", "will be assessed in future", None),
    ("P", "assessed in the past", None),
    ("Q", "maladministration", None),
)
KS2_WRITING_CODES = _codes(
    ("GDS", "working at greater depth within the expected standard", H),
    ("EXS", "working at the expected standard", E),
    ("WTS", "working towards the expected standard", B),
    *((f"PK{n}", f"pre-key stage standard {n}", B) for n in range(1, 7)),
    ("EM", "assessed against the engagement model", B),
    *KS2_OTHER_TA_CODES,
)
KS2_SCIENCE_CODES = _codes(
    ("EXS", "working at the expected standard", E),
    ("HNM", "has not met the expected standard", B),
    *KS2_OTHER_TA_CODES,
)

# KS4: GCSEs graded 9-1 (9 top; 4 standard pass, 5 strong pass), U ungraded; 9-1 grades from
# 2016/17. Attainment 8: points over 8 slots, out of 90. Progress 8: value added, 0 = national
# average, not calculated for 2024/25 and 2025/26 (no KS2 baseline: COVID).
GCSE_SCALE = Scale("grade", _d("1"), _d("9"))
GCSE_CODES = _codes(("U", "ungraded", None))
GCSE_FIRST_YEAR = 2016
GCSE_STANDARD_PASS = 4
GCSE_STRONG_PASS = 5
ATTAINMENT_8_SCALE = Scale("score", _d("0"), _d("90"), places=2, out_of=True)
PROGRESS_8_SCALE = Scale("score", _d("-9.99"), _d("9.99"), places=2)
KS4_HEADLINE_FIRST_YEAR = 2015  # Attainment 8 and Progress 8 headline measures from 2016
PROGRESS_8_NOT_CALCULATED = frozenset({2024, 2025})

# The oldest a result may be: education records run to the 25th birthday (records/services/
# rules.py), so the last year group is the one a 24-year-old would be in.
LAST_YEAR_GROUP = 20
# A year either side of the normal year group is accepted for a child out of their year group.
OUT_OF_YEAR = 1


def _rule(
    measure: Measure,
    scale: Scale | None,
    codes: tuple[ResultCode, ...],
    year_group: int,
    **extra,
) -> MeasureRule:
    extra.setdefault("earliest_year_group", year_group - OUT_OF_YEAR)
    extra.setdefault("latest_year_group", year_group + OUT_OF_YEAR)
    return MeasureRule(measure=measure, scale=scale, codes=codes, year_group=year_group, **extra)


RULES: dict[Measure, MeasureRule] = {
    rule.measure: rule
    for rule in (
        # EYFS profile at the end of Reception: Y has a good level of development, N has not.
        _rule(
            Measure.EYFS_GLD,
            None,
            _codes(
                ("Y", "good level of development", E),
                ("N", "not at a good level of development", B),
            ),
            0,
            earliest_year_group=0,
        ),
        _rule(
            Measure.PHONICS_Y1,
            PHONICS_SCALE,
            PHONICS_CODES,
            1,
            first_year=PHONICS_FIRST_YEAR,
        ),
        _rule(
            Measure.PHONICS_Y2,
            PHONICS_SCALE,
            PHONICS_CODES,
            2,
            first_year=PHONICS_FIRST_YEAR + 1,
        ),
        _rule(Measure.KS1_READING, None, KS1_CODES, 2, first_year=KS1_FIRST_YEAR),
        _rule(Measure.KS1_WRITING, None, KS1_CODES, 2, first_year=KS1_FIRST_YEAR),
        _rule(Measure.KS1_MATHS, None, KS1_CODES, 2, first_year=KS1_FIRST_YEAR),
        _rule(Measure.KS1_SCIENCE, None, KS1_SCIENCE_CODES, 2, first_year=KS1_FIRST_YEAR),
        _rule(Measure.MTC, MTC_SCALE, MTC_CODES, 4, first_year=MTC_FIRST_YEAR),
        _rule(
            Measure.KS2_READING,
            KS2_TEST_SCALE,
            KS2_TEST_CODES,
            6,
            first_year=KS2_FIRST_YEAR,
            not_calculated=KS2_TESTS_NOT_HELD,
            not_calculated_reason="no KS2 tests were held that year",
        ),
        _rule(
            Measure.KS2_MATHS,
            KS2_TEST_SCALE,
            KS2_TEST_CODES,
            6,
            first_year=KS2_FIRST_YEAR,
            not_calculated=KS2_TESTS_NOT_HELD,
            not_calculated_reason="no KS2 tests were held that year",
        ),
        _rule(
            Measure.KS2_GPS,
            KS2_TEST_SCALE,
            KS2_TEST_CODES,
            6,
            first_year=KS2_FIRST_YEAR,
            not_calculated=KS2_TESTS_NOT_HELD,
            not_calculated_reason="no KS2 tests were held that year",
        ),
        _rule(Measure.KS2_WRITING, None, KS2_WRITING_CODES, 6, first_year=KS2_FIRST_YEAR),
        _rule(Measure.KS2_SCIENCE, None, KS2_SCIENCE_CODES, 6, first_year=KS2_FIRST_YEAR),
        # GCSEs: early entry from year 9, resits in post-16 education up to the 25th birthday.
        _rule(
            Measure.KS4_GCSE,
            GCSE_SCALE,
            GCSE_CODES,
            11,
            earliest_year_group=9,
            latest_year_group=LAST_YEAR_GROUP,
            needs_subject=True,
            first_year=GCSE_FIRST_YEAR,
        ),
        _rule(
            Measure.KS4_ATTAINMENT_8,
            ATTAINMENT_8_SCALE,
            (),
            11,
            first_year=KS4_HEADLINE_FIRST_YEAR,
        ),
        _rule(
            Measure.KS4_PROGRESS_8,
            PROGRESS_8_SCALE,
            (),
            11,
            first_year=KS4_HEADLINE_FIRST_YEAR,
            not_calculated=PROGRESS_8_NOT_CALCULATED,
            not_calculated_reason=(
                "the DfE did not calculate it, as this cohort has no KS2 results to measure "
                "progress from"
            ),
        ),
    )
}

RWM_MEASURES = (Measure.KS2_READING, Measure.KS2_WRITING, Measure.KS2_MATHS)
"""KS2's headline: the expected standard in the reading test, writing TA and maths test."""


def rule_for(measure: str) -> MeasureRule:
    """The rule for a measure code; KeyError for a code that is not a measure."""
    return RULES[Measure(measure)]


def needs_subject(measure: str) -> bool:
    return rule_for(measure).needs_subject


# --- Reading and checking a result -----------------------------------------------------------

WHOLE_NUMBER = re.compile(r"\d{1,3}")
SIGNED_DECIMAL = re.compile(r"[+-]?\d{1,3}(?:\.(\d+))?")


def _plain(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "+0") else text


def _number(rule: MeasureRule, value: str) -> Decimal | None:
    """The number `value` holds if it is on the rule's scale, else None."""
    scale = rule.scale
    if scale is None:
        return None
    text = value.strip().replace("\u2212", "-")  # a typographic minus sign
    if scale.places == 0:
        if not WHOLE_NUMBER.fullmatch(text):
            return None
    else:
        match = SIGNED_DECIMAL.fullmatch(text)
        if not match or len(match.group(1) or "") > scale.places:
            return None
        if text[:1] in "+-" and scale.low >= 0:
            return None
    try:
        number = Decimal(text)
    except InvalidOperation:  # pragma: no cover - the patterns above only pass numbers
        return None
    return number if scale.low <= number <= scale.high else None


def clean_result(measure: str, value: str) -> str:
    """The result as stored, if `measure` accepts `value`: a number in its canonical form
    ("07" is "7", "45.50" is "45.5") or the code as the DfE spells it ("wa" is "Wa").

    Raises InvalidResultError with a message naming the measure and what it accepts.
    """
    rule = rule_for(measure)
    text = (value or "").strip()
    number = _number(rule, text)
    if number is not None:
        return _plain(number)
    code = rule.code(text)
    if code is not None:
        return code.code
    raise InvalidResultError(f"The result for {rule.label} must be {rule.accepts()}, not “{text}”")


def result_is_valid(measure: str, value: str) -> bool:
    try:
        clean_result(measure, value)
    except (InvalidResultError, KeyError, ValueError):
        return False
    return True


def numeric_result(measure: str, result: str) -> Decimal | None:
    """The mark, score or grade a stored result holds (None for an outcome code)."""
    return _number(rule_for(measure), result)


def result_level(measure: str, result: str) -> Level | None:
    """What a result says about its measure's standard: higher, expected, below, or None
    when the measure has no standard (MTC, GCSE grades, Attainment 8, Progress 8) or the
    result judges nothing (absent, left, not taken ...)."""
    rule = rule_for(measure)
    number = _number(rule, result)
    if number is not None:
        scale = rule.scale
        assert scale is not None  # noqa: S101 - a number is only read from a scale
        if scale.expected is None:
            return None
        if scale.higher is not None and number >= scale.higher:
            return Level.HIGHER
        return Level.EXPECTED if number >= scale.expected else Level.BELOW
    code = rule.code(result)
    return code.level if code is not None else None


def meets_expected_standard(measure: str, result: str) -> bool | None:
    """True at or above the expected standard: KS2 test scaled score 100+, EXS or GDS, a
    phonics mark at the threshold (32) or Wa, EYFS good level of development (Y).

    False for a judgement below it (WTS, pre-key stage, 99 or less, B, N, Wt ...). None when
    the measure has no expected standard or the result judges nothing: DfE headline measures
    count pupils with such codes (absent, unable to access ...) as not reaching it, so a
    dashboard's percentage should treat None as "not met" but may show it separately.
    """
    level = result_level(measure, result)
    return None if level is None else level in (Level.EXPECTED, Level.HIGHER)


def meets_higher_standard(measure: str, result: str) -> bool | None:
    """True for KS2 test scaled score 110+ or greater depth (GDS); False for any other
    judgement; None when the measure has no higher standard or the result judges nothing."""
    rule = rule_for(measure)
    has_higher = (rule.scale is not None and rule.scale.higher is not None) or any(
        code.level == Level.HIGHER for code in rule.codes
    )
    level = result_level(measure, result)
    if not has_higher or level is None:
        return None
    return level == Level.HIGHER


def gcse_points(result: str) -> int | None:
    """A GCSE result's points: the grade 9-1, U is 0; None if it is not a GCSE result."""
    number = _number(RULES[Measure.KS4_GCSE], result)
    if number is not None:
        return int(number)
    return 0 if result.strip().upper() == "U" else None


def gcse_grade_at_least(result: str, grade: int) -> bool | None:
    """Whether a GCSE result is `grade` or better (U is below every grade)."""
    points = gcse_points(result)
    return None if points is None else points >= grade


def gcse_standard_pass(result: str) -> bool | None:
    """Grade 4 or above ("grade 4+")."""
    return gcse_grade_at_least(result, GCSE_STANDARD_PASS)


def gcse_strong_pass(result: str) -> bool | None:
    """Grade 5 or above ("grade 5+")."""
    return gcse_grade_at_least(result, GCSE_STRONG_PASS)


def result_label(measure: str, result: str) -> str:
    """A result as a caseworker reads it: "104 – expected standard", "112 – higher standard",
    "5 – grade 5+ (strong pass)", "EXS – working at the expected standard", "35 out of 40 –
    met the expected standard"."""
    try:
        rule = rule_for(measure)
    except (KeyError, ValueError):
        return result
    number = _number(rule, result)
    if number is None:
        code = rule.code(result)
        return f"{code.code} – {code.meaning}" if code is not None else result
    scale = rule.scale
    assert scale is not None  # noqa: S101 - a number is only read from a scale
    shown = _plain(number)
    if scale.out_of:
        shown = f"{shown} out of {_plain(scale.high)}"
    elif scale.low < 0 and number > 0:
        shown = f"+{shown}"
    if rule.measure == Measure.KS4_GCSE:
        grade = int(number)
        if grade >= GCSE_STRONG_PASS:
            return f"{shown} – grade 5+ (strong pass)"
        if grade >= GCSE_STANDARD_PASS:
            return f"{shown} – grade 4+ (standard pass)"
        return f"{shown} – below grade 4"
    level = result_level(measure, result)
    if level is None:
        return shown
    if rule.measure in (Measure.PHONICS_Y1, Measure.PHONICS_Y2):
        met = "met" if level != Level.BELOW else "did not meet"
        return f"{shown} – {met} the expected standard"
    words = {
        Level.HIGHER: "higher standard",
        Level.EXPECTED: "expected standard",
        Level.BELOW: "below the expected standard",
    }
    return f"{shown} – {words[level]}"


# --- Academic years and year groups ---------------------------------------------------------

# Year groups: children born from 1 September to 31 August are one cohort.
YEAR_GROUP_BIRTH_MONTH = 9


def reception_year(date_of_birth: date) -> int:
    """The academic year a child starts Reception in their own year group: children born
    from 1 September to 31 August start together, in the September after the youngest turns 4."""
    born_cohort = (
        date_of_birth.year
        if date_of_birth.month >= YEAR_GROUP_BIRTH_MONTH
        else date_of_birth.year - 1
    )
    return born_cohort + 5


def year_group_in(date_of_birth: date, academic_year: int) -> int:
    """The year group a child of this age is in (0 Reception, 1 to 13, and on)."""
    return academic_year - reception_year(date_of_birth)


def normal_academic_year(measure: str, date_of_birth: date) -> int:
    """The academic year a child born on `date_of_birth` normally takes `measure`."""
    return reception_year(date_of_birth) + rule_for(measure).year_group


def plausible_academic_years(measure: str, date_of_birth: date) -> range:
    """The academic years in which a child of this age could have this result: the normal
    year, widened for children out of their year group (and, for GCSEs, resits)."""
    rule = rule_for(measure)
    start = reception_year(date_of_birth)
    return range(start + rule.earliest_year_group, start + rule.latest_year_group + 1)


# --- KS4 English and maths -------------------------------------------------------------------

# The DfE's KS4 headline "grade 4 or above (5 or above) in English and maths" (DOMAIN.md (d),
# KS4 row; DfE "Secondary accountability measures: guide", sections "English qualifications"
# and "Maths qualifications"): English is met by the grade in either GCSE English language or
# GCSE English literature (the better of the two; the older single GCSE "English" counts too),
# maths by GCSE mathematics. Subjects are stored as free text, as typed or as a CTF gives them
# (records/imports/ctf.py keeps the CTF subject code: ENG, MAT), so they are compared with case
# and spacing ignored.
ENGLISH_SUBJECTS = frozenset({"english", "english language", "english literature", "eng"})
MATHS_SUBJECTS = frozenset({"mathematics", "maths", "mat"})


def _subject_key(subject: str) -> str:
    return " ".join(subject.split()).casefold()


def is_english_subject(subject: str) -> bool:
    """Whether a GCSE subject counts as English for the English and maths measures: English
    language, English literature or English (any case and spacing; CTF code ENG)."""
    return _subject_key(subject) in ENGLISH_SUBJECTS


def is_maths_subject(subject: str) -> bool:
    """Whether a GCSE subject counts as maths for the English and maths measures: mathematics
    or maths (any case and spacing; CTF code MAT)."""
    return _subject_key(subject) in MATHS_SUBJECTS


def gcse_english_and_maths(results: Iterable[tuple[str, str]], grade: int) -> bool:
    """Whether a pupil's GCSE results, as (subject, result) pairs, include `grade` or better in
    an English subject and `grade` or better in a maths subject (the DfE's "English and maths"
    measure: GCSE_STANDARD_PASS for 4+, GCSE_STRONG_PASS for 5+). A U or a missing subject is
    not met."""
    english = maths = False
    for subject, result in results:
        key = _subject_key(subject)
        counts_for = (key in ENGLISH_SUBJECTS, key in MATHS_SUBJECTS)
        if any(counts_for) and gcse_grade_at_least(result, grade):
            english, maths = english or counts_for[0], maths or counts_for[1]
    return english and maths
