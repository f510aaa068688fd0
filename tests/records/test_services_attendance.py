"""Recording attendance (records/services/attendance.py): sessions upserted, summaries kept equal
to a recomputation from the sessions, one batch audit event, and refusals that change nothing."""

import datetime
from collections import defaultdict

import pytest
import time_machine

from records.attendance import AttendanceFigures, attendance_figures, summary_key
from records.models import AttendanceSession, AttendanceSummary, AttendanceWeek, BatchEvent
from records.services.attendance import (
    SessionMark,
    attendance_record,
    attendance_record_range,
    attendance_summaries_refresh,
)
from tests.factories import ChildFactory, SchoolFactory
from virtualschool.errors import DomainError

pytestmark = pytest.mark.django_db
D = datetime.date
MONDAY = D(2025, 1, 6)  # spring term of 2024/25


@pytest.fixture
def pupil():
    return ChildFactory(date_of_birth=D(2012, 5, 1))


@pytest.fixture
def school():
    return SchoolFactory()


def _summary(child, year, term):
    return AttendanceSummary.objects.get(child=child, academic_year=year, term=term)


def _state(child):
    """Everything the service writes, to compare before and after a refusal."""
    return (
        sorted(
            AttendanceSession.objects.filter(child=child).values_list(
                "date", "session", "code", "school_id"
            )
        ),
        sorted(
            AttendanceSummary.objects.filter(child=child).values_list(
                "academic_year", "term", "possible", "attended", "authorised", "unauthorised"
            )
        ),
        BatchEvent.objects.count(),
    )


def _recomputed(child):
    """The summaries as they should be: attendance_figures over the stored sessions."""
    codes = defaultdict(list)
    for day, code in AttendanceSession.objects.filter(child=child).values_list("date", "code"):
        codes[summary_key(child.pk, day)[1:]].append(code)
    return {key: attendance_figures(values) for key, values in codes.items()}


def _stored(child):
    return {
        (row.academic_year, row.term): AttendanceFigures.from_summary(row)
        for row in AttendanceSummary.objects.filter(child=child)
    }


def test_recording_sessions_stores_them_and_their_summary(manager, pupil, school):
    event = attendance_record(
        actor=manager,
        child=pupil,
        sessions=[
            SessionMark(MONDAY, "AM", "/", school),
            SessionMark(MONDAY, "PM", "I", school),
            (MONDAY + datetime.timedelta(days=1), "AM", "#", None),
        ],
    )
    stored = AttendanceSession.objects.filter(child=pupil).order_by("date", "session")
    assert [(row.date, row.session, row.code, row.school_id) for row in stored] == [
        (MONDAY, "AM", "/", school.pk),
        (MONDAY, "PM", "I", school.pk),
        (D(2025, 1, 7), "AM", "#", None),
    ]
    summary = _summary(pupil, 2024, "spring")
    assert (summary.possible, summary.attended, summary.authorised, summary.unauthorised) == (
        2,
        1,
        1,
        0,
    )
    assert (summary.not_possible, summary.absence_by_code) == (1, {"I": 1})
    assert (event.kind, event.actor, event.child_id, event.rows) == (
        BatchEvent.Kind.ATTENDANCE,
        manager,
        pupil.pk,
        3,
    )
    assert (event.date_from, event.date_to) == (MONDAY, D(2025, 1, 7))
    assert event.details == {"added": 3, "changed": 0, "unchanged": 0, "terms": [[2024, "spring"]]}


def test_codes_are_taken_in_either_case_and_trimmed(manager, pupil):
    attendance_record(actor=manager, child=pupil, sessions=[(MONDAY, " am ", " y1 ")])
    assert AttendanceSession.objects.get(child=pupil).code == "Y1"


def test_re_recording_a_corrected_code_replaces_it_and_the_summary_follows(manager, pupil, school):
    attendance_record(
        actor=manager,
        child=pupil,
        sessions=[(MONDAY, "AM", "/", school), (MONDAY, "PM", "N", school)],
    )
    assert _summary(pupil, 2024, "spring").unauthorised == 1
    event = attendance_record(
        actor=manager,
        child=pupil,
        sessions=[(MONDAY, "AM", "/", school), (MONDAY, "PM", "M", school)],
    )
    assert AttendanceSession.objects.filter(child=pupil).count() == 2
    assert AttendanceSession.objects.get(child=pupil, session="PM").code == "M"
    summary = _summary(pupil, 2024, "spring")
    assert (summary.possible, summary.authorised, summary.unauthorised) == (2, 1, 0)
    assert summary.absence_by_code == {"M": 1}
    assert event.details["added"] == 0
    assert (event.details["changed"], event.details["unchanged"]) == (1, 1)
    assert BatchEvent.objects.filter(child_id=pupil.pk).count() == 2


def test_a_change_of_school_alone_is_a_change(manager, pupil, school):
    attendance_record(actor=manager, child=pupil, sessions=[(MONDAY, "AM", "/", None)])
    event = attendance_record(actor=manager, child=pupil, sessions=[(MONDAY, "AM", "/", school)])
    assert event.details["changed"] == 1
    assert AttendanceSession.objects.get(child=pupil).school == school


def test_the_summary_equals_a_recomputation_from_the_sessions(manager, pupil):
    marks = []
    day = D(2023, 9, 4)
    codes = ["/", "\\", "I", "O", "#", "D", "L", "G", "Y", "H", "J", "B", "U", "Z", "M"]
    index = 0
    while day < D(2024, 8, 1):  # every weekday of 2023/24, before the 2024 codes
        if day.weekday() < 5:
            for part in ("AM", "PM"):
                marks.append((day, part, codes[index % len(codes)]))
                index += 1
        day += datetime.timedelta(days=1)
    attendance_record(actor=manager, child=pupil, sessions=marks)
    # Correct a few, in another term, through a second batch.
    attendance_record(
        actor=manager,
        child=pupil,
        sessions=[(D(2024, 1, 8), "AM", "N"), (D(2024, 7, 1), "PM", "I")],
    )
    assert set(_stored(pupil)) == {(2023, "autumn"), (2023, "spring"), (2023, "summer")}
    assert _stored(pupil) == _recomputed(pupil)


@pytest.mark.parametrize(
    ("day", "year", "term"),
    [
        (D(2024, 7, 31), 2023, "summer"),
        (D(2024, 8, 1), 2024, "autumn"),
        (D(2024, 12, 31), 2024, "autumn"),
        (D(2025, 1, 1), 2024, "spring"),
        (D(2025, 4, 18), 2024, "spring"),  # Good Friday, before Easter Sunday 20 April 2025
        (D(2025, 4, 21), 2024, "summer"),  # Easter Monday
        (D(2024, 3, 28), 2023, "spring"),  # before Easter Sunday 31 March 2024
        (D(2024, 4, 1), 2023, "summer"),
    ],
)
def test_sessions_count_in_the_term_and_year_of_their_date(manager, pupil, day, year, term):
    attendance_record(actor=manager, child=pupil, sessions=[(day, "AM", "/")])
    assert list(
        AttendanceSummary.objects.filter(child=pupil).values_list("academic_year", "term")
    ) == [(year, term)]


def test_one_batch_across_terms_refreshes_each_term(manager, pupil):
    event = attendance_record(
        actor=manager,
        child=pupil,
        sessions=[(D(2024, 12, 31), "AM", "I"), (D(2025, 1, 2), "AM", "/")],
    )
    assert event.details["terms"] == [[2024, "autumn"], [2024, "spring"]]
    assert _summary(pupil, 2024, "autumn").authorised == 1
    assert _summary(pupil, 2024, "spring").attended == 1


def test_other_childrens_summaries_are_not_touched(manager, pupil):
    other = ChildFactory(date_of_birth=D(2013, 1, 1))
    attendance_record(actor=manager, child=other, sessions=[(MONDAY, "AM", "/")])
    before = list(AttendanceSummary.objects.filter(child=other).values())
    attendance_record(actor=manager, child=pupil, sessions=[(MONDAY, "AM", "O")])
    assert list(AttendanceSummary.objects.filter(child=other).values()) == before


@time_machine.travel(datetime.datetime(2025, 3, 5, 12, tzinfo=datetime.UTC))
@pytest.mark.parametrize(
    ("marks", "field", "message"),
    [
        ([(MONDAY, "AM", "ZZ")], "code", "“ZZ” is not an attendance code. Use one of: /, \\, L"),
        ([(MONDAY, "AM", "ZZ")], "code", "the withdrawn codes H, F, J, Y"),
        ([(MONDAY, "XX", "/")], "session", "Session must be AM (morning) or PM (afternoon)"),
        (
            [(D(2025, 1, 4), "AM", "/")],
            "date",
            "Saturday 4 January 2025 is a Saturday: registers are taken on school days",
        ),
        (
            [(D(2025, 3, 6), "AM", "/")],
            "date",
            "The date Thursday 6 March 2025 must be today or in the past",
        ),
        (
            [(D(2014, 4, 30), "AM", "/")],
            "date",
            "must be while the child is between 2 and 25 (1 May 2014 to 1 May 2037)",
        ),
        ([(D(2012, 4, 30), "AM", "/")], "date", "on or after the child's date of birth"),
        (
            [(D(2024, 9, 2), "AM", "H")],
            "code",
            "Code H was withdrawn on 19 August 2024, so it cannot be recorded for 2 September 2024",
        ),
        (
            [(D(2024, 5, 13), "AM", "K")],
            "code",
            "Code K came into use on 19 August 2024, so it cannot be recorded for 13 May 2024",
        ),
        (
            [(MONDAY, "AM", "/"), (MONDAY, "AM", "I")],
            "__all__",
            "The morning of Monday 6 January 2025 is listed more than once",
        ),
        ([], "__all__", "Enter at least one session to record"),
        (
            [(MONDAY, "AM", "/"), (MONDAY, "PM", "nonsense")],  # one bad row refuses the batch
            "code",
            "“NONSENSE” is not an attendance code",
        ),
    ],
)
def test_refused_input_changes_nothing(manager, pupil, school, marks, field, message):
    attendance_record(actor=manager, child=pupil, sessions=[(MONDAY, "PM", "I", school)])
    before = _state(pupil)
    with pytest.raises(DomainError) as raised:
        attendance_record(actor=manager, child=pupil, sessions=marks)
    assert message in " ".join(raised.value.message_dict[field])
    assert _state(pupil) == before


def test_an_unsaved_school_is_refused(manager, pupil):
    from records.models import School

    with pytest.raises(DomainError) as raised:
        attendance_record(
            actor=manager, child=pupil, sessions=[(MONDAY, "AM", "/", School(urn=1, name="X"))]
        )
    assert "School must be a school on the system" in raised.value.message_dict["school"][0]
    assert not AttendanceSession.objects.exists()


def test_a_mistake_repeated_through_a_long_batch_is_reported_briefly(manager, pupil):
    days = [D(2025, 1, 6) + datetime.timedelta(days=offset) for offset in range(0, 60, 7)]
    marks = [(day, "AM", "/") for day in days] + [(D(2030, 1, 7 + n), "AM", "/") for n in range(5)]
    marks += [(day, "PM", "Q9") for day in days]
    with pytest.raises(DomainError) as raised:
        attendance_record(actor=manager, child=pupil, sessions=marks)
    errors = raised.value.message_dict
    assert len(errors["code"]) == 1
    assert len(errors["date"]) == 5
    assert not AttendanceSession.objects.exists()


def test_too_many_sessions_at_once_are_refused(manager, pupil):
    day = D(2023, 9, 4)
    marks = []
    while len(marks) <= 2 * 5 * 53:
        if day.weekday() < 5:
            marks += [(day, "AM", "/"), (day, "PM", "\\")]
        day += datetime.timedelta(days=1)
    with pytest.raises(DomainError) as raised:
        attendance_record(actor=manager, child=pupil, sessions=marks)
    assert "Record at most 530 sessions at a time" in raised.value.messages[0]
    assert not AttendanceSession.objects.exists()


def test_refresh_removes_the_summary_of_a_term_left_without_sessions(manager, pupil):
    attendance_record(actor=manager, child=pupil, sessions=[(MONDAY, "AM", "/")])
    AttendanceSession.objects.filter(child=pupil).delete()  # as an import replacing a term would
    assert attendance_summaries_refresh(keys=[summary_key(pupil.pk, MONDAY)]) == 1
    assert not AttendanceSummary.objects.filter(child=pupil).exists()


def test_refresh_of_no_keys_does_nothing():
    assert attendance_summaries_refresh(keys=[]) == 0


# --- a date range, as the page records it ---------------------------------------------------


def test_a_range_records_every_weekday_both_sessions(manager, pupil, school):
    event = attendance_record_range(
        actor=manager,
        child=pupil,
        date_from=D(2025, 1, 9),  # Thursday
        date_to=D(2025, 1, 14),  # the Tuesday after
        session="both",
        code="I",
        school=school,
    )
    days = sorted(set(AttendanceSession.objects.filter(child=pupil).values_list("date", flat=True)))
    assert days == [D(2025, 1, 9), D(2025, 1, 10), D(2025, 1, 13), D(2025, 1, 14)]
    assert event.rows == 8
    assert _summary(pupil, 2024, "spring").absence_by_code == {"I": 8}


@pytest.mark.parametrize("chosen", ["/", "\\"])
def test_present_over_a_range_is_each_sessions_own_mark(manager, pupil, chosen):
    attendance_record_range(actor=manager, child=pupil, date_from=MONDAY, code=chosen)
    assert sorted(AttendanceSession.objects.values_list("session", "code")) == [
        ("AM", "/"),
        ("PM", "\\"),
    ]


def test_a_range_of_one_day_and_one_session(manager, pupil):
    attendance_record_range(
        actor=manager, child=pupil, date_from=MONDAY, date_to=None, session="PM", code="\\"
    )
    assert list(AttendanceSession.objects.values_list("session", "code")) == [("PM", "\\")]


@time_machine.travel(datetime.datetime(2025, 3, 5, 12, tzinfo=datetime.UTC))
@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"date_from": None}, "date_from", "Enter the first date to record"),
        (
            {"date_from": MONDAY, "date_to": D(2025, 1, 3)},
            "date_to",
            "To date must be the same as or after the from date",
        ),
        (
            {"date_from": D(2025, 1, 4), "date_to": D(2025, 1, 5)},
            "date_from",
            "The dates entered are a weekend",
        ),
        ({"date_from": D(2025, 3, 7)}, "date_from", "From date must be today or in the past"),
        ({"date_to": D(2025, 3, 7)}, "date_to", "To date must be today or in the past"),
        (
            {"date_from": D(2023, 9, 4), "date_to": D(2024, 9, 4)},
            "date_to",
            "record at most a year at a time",
        ),
        ({"session": "evening"}, "session", "Select both sessions, morning (AM) or afternoon"),
        ({"code": "A"}, "code", "“A” is not an attendance code"),
        ({"code": ""}, "code", "is not an attendance code"),
    ],
)
def test_a_bad_range_is_refused_and_nothing_saved(manager, pupil, fields, field, message):
    values = {"date_from": MONDAY, "date_to": D(2025, 1, 10), "session": "both", "code": "/"}
    with pytest.raises(DomainError) as raised:
        attendance_record_range(actor=manager, child=pupil, **{**values, **fields})
    assert message in " ".join(raised.value.message_dict[field])
    assert not AttendanceSession.objects.exists()
    assert not BatchEvent.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_writers_of_one_childs_term_leave_a_summary_with_both(manager):
    """The second writer waits for the first (the child row lock) and then counts its
    sessions too; without the lock its summary would miss the first writer's session."""
    import threading

    from django.db import connection, transaction

    pupil = ChildFactory(date_of_birth=D(2012, 5, 1))
    first_written, let_first_commit = threading.Event(), threading.Event()
    failures = []

    def first():
        try:
            with transaction.atomic():
                attendance_record(actor=manager, child=pupil, sessions=[(MONDAY, "AM", "/")])
                first_written.set()
                let_first_commit.wait(10)
        except Exception as error:  # noqa: BLE001 - reported to the test below
            failures.append(error)
        finally:
            connection.close()

    def second():
        try:
            first_written.wait(10)
            attendance_record(actor=manager, child=pupil, sessions=[(MONDAY, "PM", "O")])
        except Exception as error:  # noqa: BLE001 - reported to the test below
            failures.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    first_written.wait(10)
    threading.Event().wait(0.5)  # let the second writer reach the lock
    let_first_commit.set()
    for thread in threads:
        thread.join(20)
    assert failures == []
    summary = _summary(pupil, 2024, "spring")
    assert (summary.possible, summary.attended, summary.unauthorised) == (2, 1, 1)
    assert _stored(pupil) == _recomputed(pupil)


def _weeks(child):
    return {
        (row.academic_year, row.term, row.week_start): AttendanceFigures.from_summary(row)
        for row in AttendanceWeek.objects.filter(child=child)
    }


def test_weeks_are_kept_per_monday_and_split_at_the_new_year(manager, pupil):
    # Monday 29 December 2025 to Friday 2 January 2026 is one calendar week in two terms.
    attendance_record(
        actor=manager,
        child=pupil,
        sessions=[
            (D(2025, 12, 29), "AM", "/"),
            (D(2025, 12, 31), "PM", "I"),
            (D(2026, 1, 2), "AM", "O"),
            (D(2026, 1, 2), "PM", "#"),
            (D(2026, 1, 5), "AM", "M"),
        ],
    )
    monday = D(2025, 12, 29)
    assert _weeks(pupil) == {
        (2025, "autumn", monday): attendance_figures(["/", "I"]),
        (2025, "spring", monday): attendance_figures(["O", "#"]),
        (2025, "spring", D(2026, 1, 5)): attendance_figures(["M"]),
    }
    spring = _summary(pupil, 2025, "spring")
    assert AttendanceFigures.from_summary(spring) == attendance_figures(["O", "#", "M"])
    assert spring.absence_by_code == {"O": 1, "M": 1}


def test_a_term_is_the_sum_of_its_weeks_after_corrections(manager, pupil):
    days = [
        MONDAY + datetime.timedelta(days=offset)
        for offset in range(0, 26)
        if (MONDAY + datetime.timedelta(days=offset)).weekday() < 5
    ]
    codes = ["/", "I", "O", "M", "#", "L", "G", "X"]
    attendance_record(
        actor=manager,
        child=pupil,
        sessions=[
            (day, part, codes[(n + k) % len(codes)])
            for n, day in enumerate(days)
            for k, part in enumerate(["AM", "PM"])
        ],
    )
    attendance_record(actor=manager, child=pupil, sessions=[(days[3], "AM", "/")])
    weeks = _weeks(pupil)
    total = sum(weeks.values(), AttendanceFigures())
    assert {week for _, _, week in weeks} == {
        MONDAY + datetime.timedelta(weeks=n) for n in range(4)
    }
    assert total == _recomputed(pupil)[(2024, "spring")] == _stored(pupil)[(2024, "spring")]


def test_removing_a_terms_sessions_removes_its_weeks(manager, pupil):
    attendance_record(actor=manager, child=pupil, sessions=[(MONDAY, "AM", "/")])
    AttendanceSession.objects.filter(child=pupil).delete()
    attendance_summaries_refresh(keys=[summary_key(pupil.pk, MONDAY)])
    assert not AttendanceWeek.objects.filter(child=pupil).exists()
    assert not AttendanceSummary.objects.filter(child=pupil).exists()


def test_a_year_is_the_sum_of_its_terms_with_its_weeks_as_arrays(manager, pupil):
    from records.calendar import year_week_index
    from records.models import AttendanceYear

    attendance_record(
        actor=manager,
        child=pupil,
        sessions=[
            (D(2024, 9, 2), "AM", "/"),
            (D(2024, 9, 2), "PM", "I"),
            (D(2024, 12, 31), "AM", "O"),
            (D(2025, 1, 2), "AM", "/"),
            (D(2025, 1, 2), "PM", "X"),
            (D(2025, 6, 30), "AM", "N"),
        ],
    )
    year = AttendanceYear.objects.get(child=pupil, academic_year=2024)
    assert AttendanceFigures.from_summary(year) == attendance_figures(
        ["/", "I", "O", "/", "X", "N"]
    )
    assert year.absence_by_code == {"I": 1, "O": 1, "N": 1}
    # 1 August 2024 is a Thursday: week 0 starts Monday 29 July 2024.
    assert year_week_index(D(2024, 9, 2)) == 5
    expected_possible = [0] * 53
    expected_attended = [0] * 53
    expected_possible[5], expected_attended[5] = 2, 1
    new_year_week = year_week_index(D(2024, 12, 31))
    assert new_year_week == year_week_index(D(2025, 1, 2)) == 22
    expected_possible[22], expected_attended[22] = 2, 1  # O, and / (X is not possible)
    expected_possible[year_week_index(D(2025, 6, 30))] = 1
    assert year.week_possible == expected_possible
    assert year.week_attended == expected_attended
    AttendanceSession.objects.filter(child=pupil).delete()
    attendance_summaries_refresh(
        keys=[summary_key(pupil.pk, day) for day in (D(2024, 9, 2), D(2025, 1, 2), D(2025, 6, 30))]
    )
    assert not AttendanceYear.objects.filter(child=pupil).exists()
