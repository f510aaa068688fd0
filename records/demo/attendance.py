"""Synthetic attendance for the demo: every school day of the current academic year so far,
morning and afternoon, for children of compulsory school age.

Most sessions are present (/ in the morning, \\ in the afternoon); absences use real DfE
codes (illness, appointments, holidays, unexplained absence, suspension); a few children are
persistently or severely absent. Holidays and INSET closures (#) fall on the same days for
every child, as they would in one authority. Written through attendance_record, one batch per
child, so the summaries and the batch audit are made as a real recording makes them.

Children in care in year 10 are persistently absent more often than any other group (the
DfE's "Outcomes for children in need, including children looked after" release), so two in
three of them in the demo miss a fifth or more of their sessions: the manager's dashboard
then has looked-after children in year 10 to drill into. Their extra absences are drawn from
a generator of their own (seeded by the date of birth), so the shared one draws exactly what
it drew before, and every other child's demo rows stay as they were.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date, timedelta

from records.calendar import academic_year_of, easter_sunday
from records.codes import Cohort
from records.codes.assessment import year_group_in
from records.models import Child, School
from records.services.attendance import SessionMark, attendance_record

# Compulsory school age, roughly: the demo follows children aged 5 to 16 today.
FIRST_AGE, LAST_AGE = 5, 16
ABSENCE_CODES = ("I", "I", "I", "I", "M", "M", "O", "N", "G", "C", "E", "U")
# Share of days missed: most children attend well; some are persistently absent (10%+),
# a very few severely (50%+).
PROFILES = ((0.86, (0.0, 0.06)), (0.11, (0.11, 0.3)), (0.03, (0.5, 0.7)))
# The share of days a persistently absent child in care in year 10 misses, at least.
IN_CARE_YEAR_10_ABSENCE = (0.2, 0.3)
ATTENDED = frozenset({"/", "\\", "L"})


def _week_of(day: date) -> set[date]:
    monday = day - timedelta(days=day.weekday())
    return {monday + timedelta(days=offset) for offset in range(5)}


def _last_monday(year: int, month: int) -> date:
    day = date(year, month + 1, 1) - timedelta(days=1)
    return day - timedelta(days=day.weekday())


def _closed_days(academic_year: int) -> set[date]:
    """School holidays and INSET days of an invented authority calendar for the year."""
    autumn, spring = academic_year, academic_year + 1
    easter = easter_sunday(spring)
    holidays = (
        _week_of(_last_monday(autumn, 10))
        | {date(autumn, 12, 20) + timedelta(days=offset) for offset in range(15)}
        | _week_of(date(spring, 2, 17))
        | {easter - timedelta(days=9) + timedelta(days=offset) for offset in range(16)}
        | _week_of(_last_monday(spring, 5))
    )
    return holidays


def _inset_days(academic_year: int) -> set[date]:
    """Planned closures (#): the first weekday of September and the first day after Christmas."""
    first = date(academic_year, 9, 1)
    while first.weekday() >= 5:
        first += timedelta(days=1)
    january = date(academic_year + 1, 1, 4)
    while january.weekday() >= 5:
        january += timedelta(days=1)
    return {first, january}


def _school_days(academic_year: int, until: date) -> list[date]:
    closed = _closed_days(academic_year)
    day = date(academic_year, 9, 1)
    days = []
    while day <= until and day < date(academic_year + 1, 7, 22):
        if day.weekday() < 5 and day not in closed:
            days.append(day)
        day += timedelta(days=1)
    return days


def _absence_rate(rng: random.Random) -> float:
    draw = rng.random()
    for share, (low, high) in PROFILES:
        if draw < share:
            return rng.uniform(low, high)
        draw -= share
    return 0.0


def fill(*, rng: random.Random, child: Child, staff, schools: list[School], today: date) -> None:
    """Sessions for this academic year to yesterday (in the summer holiday, the whole of the
    year just ended) for a child of school age, at their latest school."""
    if not FIRST_AGE <= child.age_on(today) <= LAST_AGE:
        return
    enrolment = child.enrolments.select_related("school").order_by("-start_date").first()
    academic_year = academic_year_of(today)
    if today < date(academic_year, 9, 8):  # the summer holiday: show the year just ended
        academic_year -= 1
    start = max(date(academic_year, 9, 1), enrolment.start_date if enrolment else date.min)
    school = enrolment.school if enrolment else None
    inset = _inset_days(academic_year)
    rate = _absence_rate(rng)
    marks = []
    for day in _school_days(academic_year, today - timedelta(days=1)):
        if day < start:
            continue
        if day in inset:
            marks += [SessionMark(day, "AM", "#", school), SessionMark(day, "PM", "#", school)]
            continue
        if rng.random() < rate:
            code = rng.choice(ABSENCE_CODES)
            afternoon = code if rng.random() < 0.8 else "\\"
            marks += [
                SessionMark(day, "AM", code, school),
                SessionMark(day, "PM", afternoon, school),
            ]
            continue
        morning = "L" if rng.random() < 0.03 else "/"
        marks += [SessionMark(day, "AM", morning, school), SessionMark(day, "PM", "\\", school)]
    # The year group the school recorded, else the one of the child's age, as the dashboard
    # reads it (records/selectors/dashboards/scope.py).
    year_group = (enrolment.nc_year if enrolment else "") or str(
        year_group_in(child.date_of_birth, academic_year)
    )
    if _persistently_absent_in_care(child, year_group, today):
        marks = _with_more_absence(child, marks)
    if marks:
        attendance_record(actor=staff.manager, child=child, sessions=marks)


def _persistently_absent_in_care(child: Child, year_group: str, today: date) -> bool:
    """Two in three children in care (an open CLA episode) in year 10, by date of birth."""
    if year_group != "10":
        return False
    if child.date_of_birth.toordinal() % 3 == 0:
        return False
    return any(
        episode.cohort == Cohort.CLA and episode.is_open_on(today)
        for episode in child.episodes.all()
    )


def _with_more_absence(child: Child, marks: list[SessionMark]) -> list[SessionMark]:
    """The marks with more attended days turned into absent ones (both sessions, a real
    absence code), drawn from the child's own generator, not the shared one."""
    own = random.Random(child.date_of_birth.toordinal())  # noqa: S311 - demo data, not a secret
    rate = own.uniform(*IN_CARE_YEAR_10_ABSENCE)
    by_day: dict[date, list[SessionMark]] = {}
    for mark in marks:
        by_day.setdefault(mark.date, []).append(mark)
    changed = []
    for day_marks in by_day.values():
        if all(mark.code in ATTENDED for mark in day_marks) and own.random() < rate:
            code = own.choice(ABSENCE_CODES)
            day_marks = [replace(mark, code=code) for mark in day_marks]
        changed += day_marks
    return changed
