"""Synthetic attainment data for the demo: results at each stage the child has passed through,
drawn around one invented "strength" per child so a child's results hang together, and a
post-16 course for those past year 11. Real DfE scales and codes; no real person."""

from __future__ import annotations

import random
from datetime import date

from records.codes.assessment import (
    KS2_TESTS_NOT_HELD,
    PROGRESS_8_NOT_CALCULATED,
    Measure,
    academic_year_of,
    normal_academic_year,
    reception_year,
)
from records.models import Child, School
from records.services import attainment

KS1_LAST_YEAR = 2022  # KS1 teacher assessment non-statutory from 2023/24 (DOMAIN.md (d))
MTC_FIRST_STATUTORY_YEAR = 2021
GCSE_SUBJECTS = (
    "English language",
    "English literature",
    "Mathematics",
    "Combined science",
    "History",
    "Geography",
    "Art and design",
    "Religious studies",
    "French",
    "Computer science",
)
COURSES = (
    ("Leeds City College", "Level 2 Diploma in Carpentry and Joinery", "2"),
    ("Bradford College", "T Level in Digital Production, Design and Development", "3"),
    ("Kirklees College", "Level 1 Certificate in Hair and Beauty", "1"),
    ("Calderdale College", "A levels: psychology, sociology, English literature", "3"),
    ("Northern Skills Centre", "Entry level Functional Skills in English and maths", "entry"),
)
NATIONAL_AVERAGE_A8 = 46  # for a plausible invented Progress 8 only


def _clamp(value: float, low: int, high: int) -> int:
    return max(low, min(high, round(value)))


def _ta(rng: random.Random, strength: float, pre_key_stage: str) -> str:
    draw = strength + rng.gauss(0, 0.12)
    if draw > 0.85:
        return "GDS"
    if draw > 0.4:
        return "EXS"
    if draw > 0.1:
        return "WTS"
    return pre_key_stage


Row = tuple[str, int, str, str]  # measure, academic year, result, subject
PHONICS_THRESHOLD = 32


def _early(rng: random.Random, done, strength: float) -> list[Row]:
    """EYFS, phonics (and the retake below the threshold), KS1 and the MTC."""
    rows: list[Row] = []
    if (year := done(Measure.EYFS_GLD)) is not None:
        gld = "Y" if strength + rng.gauss(0, 0.15) > 0.45 else "N"
        rows.append((Measure.EYFS_GLD, year, gld, ""))
    if (year := done(Measure.PHONICS_Y1)) is not None:
        mark = _clamp(rng.gauss(18 + 22 * strength, 5), 0, 40)
        rows.append((Measure.PHONICS_Y1, year, str(mark), ""))
        if mark < PHONICS_THRESHOLD and (retake := done(Measure.PHONICS_Y2)) is not None:
            second = _clamp(mark + rng.gauss(6, 3), 0, 40)
            rows.append((Measure.PHONICS_Y2, retake, str(second), ""))
    if (year := done(Measure.KS1_READING)) is not None and year <= KS1_LAST_YEAR:
        for measure in (Measure.KS1_READING, Measure.KS1_WRITING, Measure.KS1_MATHS):
            rows.append((measure, year, _ta(rng, strength, "PKF"), ""))
        science = "EXS" if strength + rng.gauss(0, 0.1) > 0.3 else "HNM"
        rows.append((Measure.KS1_SCIENCE, year, science, ""))
    if (year := done(Measure.MTC)) is not None and year >= MTC_FIRST_STATUTORY_YEAR:
        rows.append((Measure.MTC, year, str(_clamp(rng.gauss(10 + 14 * strength, 4), 0, 25)), ""))
    return rows


def _ks2(rng: random.Random, year: int, strength: float) -> list[Row]:
    rows: list[Row] = []
    for measure in (Measure.KS2_READING, Measure.KS2_MATHS, Measure.KS2_GPS):
        score = _clamp(rng.gauss(92 + 20 * strength, 5), 80, 120)
        result = "B" if strength < 0.1 and rng.random() < 0.5 else str(score)
        rows.append((measure, year, result, ""))
    rows.append((Measure.KS2_WRITING, year, _ta(rng, strength, "PK6"), ""))
    science = "EXS" if strength + rng.gauss(0, 0.1) > 0.35 else "HNM"
    rows.append((Measure.KS2_SCIENCE, year, science, ""))
    return rows


def _results(rng: random.Random, born: date, current: int, strength: float) -> list[Row]:
    """Results for every stage the child finished before this academic year."""

    def done(measure: Measure) -> int | None:
        year = normal_academic_year(measure, born)
        return year if year < current else None

    rows = _early(rng, done, strength)
    if (year := done(Measure.KS2_READING)) is not None and year not in KS2_TESTS_NOT_HELD:
        rows.extend(_ks2(rng, year, strength))
    if (year := done(Measure.KS4_GCSE)) is not None:
        rows.extend(_ks4(rng, year, strength))
    return rows


def _ks4(rng: random.Random, year: int, strength: float) -> list[Row]:
    subjects = GCSE_SUBJECTS[: rng.randint(5, len(GCSE_SUBJECTS))]
    grades = {}
    for subject in subjects:
        grade = _clamp(rng.gauss(1 + 7 * strength, 1.2), 0, 9)
        grades[subject] = grade
    rows = [
        (Measure.KS4_GCSE, year, str(grade) if grade else "U", subject)
        for subject, grade in grades.items()
    ]
    english = max(grades["English language"], grades["English literature"])
    others = sorted(
        (grade for subject, grade in grades.items() if not subject.startswith(("English", "Math"))),
        reverse=True,
    )[:6]
    attainment_8 = 2 * english + 2 * grades["Mathematics"] + sum(others)
    rows.append((Measure.KS4_ATTAINMENT_8, year, str(attainment_8), ""))
    if year not in PROGRESS_8_NOT_CALCULATED:
        progress = max(-9.99, min(9.99, (attainment_8 - NATIONAL_AVERAGE_A8) / 10 - 0.5))
        rows.append((Measure.KS4_PROGRESS_8, year, f"{progress:.2f}", ""))
    return rows


def fill(*, rng: random.Random, child: Child, staff, schools: list[School], today: date) -> None:
    """Add plausible attainment rows for one synthetic child, through the services."""
    born = child.date_of_birth
    current = academic_year_of(today)
    strength = min(1.0, max(0.0, rng.betavariate(2.2, 2.4)))
    for measure, year, result, subject in _results(rng, born, current, strength):
        attainment.assessment_result_record(
            actor=staff.manager,
            child=child,
            measure=measure,
            academic_year=year,
            result=result,
            subject=subject,
        )
    post16_year = reception_year(born) + 12
    if post16_year <= current and rng.random() < 0.8:
        provider, course, level = rng.choice(COURSES)
        start = date(post16_year, 9, rng.randint(2, 9))
        attainment.post16_course_record(
            actor=staff.manager,
            child=child,
            provider=provider,
            course=course,
            level=level,
            start_date=min(start, today),
        )
