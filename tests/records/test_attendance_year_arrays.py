"""AttendanceYear's week arrays for date ranges (issue 16, migration 0018): each week's
authorised and unauthorised sessions, and each week's running total of each absence code,
kept by the one refresh that writes the summaries, and rebuilt from the summaries alone by
attendance_years_rebuild (the migration's backfill)."""

import datetime
from collections import Counter, defaultdict

import pytest

from records.attendance import ABSENCE_CODES
from records.calendar import year_week_index
from records.codes import Cohort, LegalStatus
from records.models import AttendanceSession, AttendanceWeek, AttendanceYear
from records.models.attendance import YEAR_WEEKS
from records.services.attendance import attendance_record, attendance_years_rebuild
from tests.factories import ChildFactory, EpisodeFactory

pytestmark = pytest.mark.django_db
D = datetime.date
# Autumn and spring 2024/25 with the week split between them (30 December, 2 January).
MARKS = [
    (D(2024, 9, 2), "AM", "I"),
    (D(2024, 9, 2), "PM", "/"),
    (D(2024, 9, 3), "AM", "O"),
    (D(2024, 9, 10), "AM", "I"),
    (D(2024, 9, 10), "PM", "M"),
    (D(2024, 12, 30), "AM", "O"),
    (D(2025, 1, 2), "AM", "I"),
    (D(2025, 1, 2), "PM", "G"),
    (D(2025, 3, 3), "AM", "/"),
]


@pytest.fixture
def child(manager):
    child = ChildFactory(date_of_birth=D(2012, 5, 1))
    EpisodeFactory(
        child=child, cohort=Cohort.CLA, start_date=D(2024, 1, 1), legal_status=LegalStatus.C2
    )
    attendance_record(actor=manager, child=child, sessions=MARKS)
    return child


def _expected(child):
    """The arrays as the week rows give them: per week slot, authorised and unauthorised
    sessions, and each code's running total."""
    authorised, unauthorised = [0] * YEAR_WEEKS, [0] * YEAR_WEEKS
    per_week = defaultdict(Counter)
    for week in AttendanceWeek.objects.filter(child=child, academic_year=2024):
        slot = year_week_index(week.week_start)
        authorised[slot] += week.authorised
        unauthorised[slot] += week.unauthorised
        per_week[slot].update(week.absence_by_code)
    running, total = [], Counter()
    for slot in range(YEAR_WEEKS):
        total.update(per_week[slot])
        running.append([total[code] for code in ABSENCE_CODES])
    return authorised, unauthorised, running


def test_the_refresh_writes_the_range_arrays(child):
    year = AttendanceYear.objects.get(child=child, academic_year=2024)
    authorised, unauthorised, running = _expected(child)
    assert year.week_authorised == authorised
    assert year.week_unauthorised == unauthorised
    assert year.week_absence_to == running
    assert sum(authorised) == year.authorised == 4  # I, I, M, I
    assert sum(unauthorised) == year.unauthorised == 3  # O, O, G
    # The last week's running totals are the year's counts of each code.
    assert dict(zip(ABSENCE_CODES, running[-1], strict=True)) == {
        code: year.absence_by_code.get(code, 0) for code in ABSENCE_CODES
    }


def test_the_arrays_follow_a_change_of_marks(manager, child):
    attendance_record(actor=manager, child=child, sessions=[(D(2024, 9, 10), "AM", "/")])
    year = AttendanceYear.objects.get(child=child, academic_year=2024)
    authorised, unauthorised, running = _expected(child)
    assert (year.week_authorised, year.week_unauthorised) == (authorised, unauthorised)
    assert year.week_absence_to == running
    assert year.authorised == 3


def test_rebuild_restores_the_arrays_from_the_summaries(child):
    before = AttendanceYear.objects.get(child=child, academic_year=2024)
    AttendanceYear.objects.filter(pk=before.pk).update(
        week_authorised=[], week_unauthorised=[], week_absence_to=[]
    )
    AttendanceSession.objects.filter(child=child).delete()  # the rebuild never reads them
    assert attendance_years_rebuild() == 1
    after = AttendanceYear.objects.get(pk=before.pk)
    assert after.week_authorised == before.week_authorised
    assert after.week_unauthorised == before.week_unauthorised
    assert after.week_absence_to == before.week_absence_to
    assert (after.possible, after.absence_by_code) == (before.possible, before.absence_by_code)
