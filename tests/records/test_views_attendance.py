"""The Attendance tab and the page that records sessions: who may use them, what they show,
what they refuse, and a fixed number of queries however long the history."""

import datetime

import pytest
from django.urls import reverse

from records.models import AccessLogEntry, AttendanceSession, BatchEvent
from records.services import enrolment_record
from records.services.attendance import attendance_record, attendance_record_range
from tests.factories import ChildFactory, SchoolFactory

pytestmark = pytest.mark.django_db
D = datetime.date
MONDAY = D(2025, 1, 6)


@pytest.fixture
def pupil():
    return ChildFactory(date_of_birth=D(2012, 5, 1))


def _tab(child):
    return reverse("records:tab", kwargs={"pk": child.pk, "tab": "attendance"})


def _record(child):
    return reverse("records:attendance-record", kwargs={"pk": child.pk})


def _week(manager, child, monday, code="/", absent=()):
    """Five days, both sessions: `code` except on the weekday numbers in `absent` (code O)."""
    marks = []
    for offset in range(5):
        day = monday + datetime.timedelta(days=offset)
        mark = "O" if offset in absent else code
        marks += [(day, "AM", mark), (day, "PM", mark if mark == "O" else "\\")]
    attendance_record(actor=manager, child=child, sessions=marks)


def test_the_tab_shows_terms_years_flags_reasons_and_recent_sessions(
    client_for, caseworker, allocate, manager, pupil
):
    allocate(pupil, caseworker)
    school = SchoolFactory(name="Oakfield Primary School")
    _week(manager, pupil, D(2024, 11, 4))  # autumn: 10 of 10
    _week(manager, pupil, MONDAY, absent=(0, 1))  # spring: 6 of 10, 4 unauthorised (O)
    attendance_record(actor=manager, child=pupil, sessions=[(D(2025, 1, 13), "AM", "I", school)])
    html = client_for(caseworker).get(_tab(pupil)).content.decode()
    assert "2024/25" in html
    assert "Autumn 2024" in html and "Spring 2025" in html and "Whole year" in html
    assert "100.0%" in html  # autumn attendance
    assert "54.5%" in html  # spring: 6 of 11 possible
    assert "Persistent absence" in html
    assert "Severe absence" not in html
    # absence by reason, with meanings
    assert "Absent in other or unknown circumstances" in html
    assert "Illness (not medical/dental appointments)" in html
    # recent sessions, latest first, with the school
    assert html.index("Mon 13 Jan 2025") < html.index("Fri 10 Jan 2025")
    assert "Oakfield Primary School" in html
    assert "Record attendance" in html


def test_a_severely_absent_year_is_tagged(client_for, manager, pupil):
    _week(manager, pupil, MONDAY, absent=(0, 1, 2))
    html = client_for(manager).get(_tab(pupil)).content.decode()
    assert "Severe absence" in html
    assert "Persistent absence" in html


def test_no_attendance_yet(client_for, manager, pupil):
    html = client_for(manager).get(_tab(pupil)).content.decode()
    assert "No attendance recorded." in html


def test_another_caseworker_gets_404_and_the_refusal_is_logged(client_for, other_caseworker, pupil):
    client = client_for(other_caseworker)
    assert client.get(_tab(pupil)).status_code == 404
    assert client.get(_record(pupil)).status_code == 404
    assert client.post(_record(pupil), {}).status_code == 404
    assert AccessLogEntry.objects.filter(
        user=other_caseworker, outcome=AccessLogEntry.Outcome.DENIED, page="attendance-record"
    ).exists()


def test_recording_through_the_page(client_for, caseworker, allocate, manager, pupil):
    allocate(pupil, caseworker)
    school = SchoolFactory(name="Oakfield Primary School")
    enrolment_record(actor=manager, child=pupil, school=school, start_date=D(2024, 9, 2))
    client = client_for(caseworker)
    page = client.get(_record(pupil)).content.decode()
    assert "Oakfield Primary School" in page
    assert "Withdrawn codes (older sessions only)" in page
    response = client.post(
        _record(pupil),
        {
            "date_from_0": "10",
            "date_from_1": "1",
            "date_from_2": "2025",
            "date_to_0": "13",
            "date_to_1": "1",
            "date_to_2": "2025",
            "session": "AM",
            "code": "M",
            "school": str(school.pk),
        },
    )
    assert response.status_code == 302
    assert response.url == _tab(pupil)
    stored = AttendanceSession.objects.filter(child=pupil).order_by("date")
    assert [(row.date, row.session, row.code, row.school) for row in stored] == [
        (D(2025, 1, 10), "AM", "M", school),
        (D(2025, 1, 13), "AM", "M", school),
    ]
    assert BatchEvent.objects.get(child_id=pupil.pk).actor == caseworker
    followed = client.get(response.url).content.decode()
    assert "2 sessions recorded" in followed


@pytest.mark.parametrize(
    ("posted", "message"),
    [
        ({"code": "ZZ"}, "“ZZ” is not an attendance code. Use one of: /, \\, L"),
        ({"code": ""}, "Select an attendance code"),
        ({"session": ""}, "Select which sessions to record"),
        ({"date_from_0": "", "date_from_1": "", "date_from_2": ""}, "Enter the first date"),
        ({"date_from_0": "31", "date_from_1": "2"}, "From must be a real date"),
        (
            {"date_from_0": "4", "date_to_0": "5"},
            "The dates entered are a weekend: choose at least one weekday",
        ),
        ({"date_from_2": "2099", "date_to_2": "2099"}, "From date must be today or in the past"),
        ({"date_to_0": "3"}, "To date must be the same as or after the from date"),
        ({"school": "999999"}, "Select a school from the list"),
        ({"code": "H"}, "Code H was withdrawn on 19 August 2024"),
    ],
)
def test_bad_input_shows_the_error_summary_and_saves_nothing(
    client_for, manager, pupil, posted, message
):
    values = {
        "date_from_0": "6",
        "date_from_1": "1",
        "date_from_2": "2025",
        "date_to_0": "10",
        "date_to_1": "1",
        "date_to_2": "2025",
        "session": "both",
        "code": "/",
        "school": "",
    }
    response = client_for(manager).post(_record(pupil), {**values, **posted})
    html = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in html
    assert "<title>Error: " in html
    assert message in html.replace("&ldquo;", "“").replace("&rdquo;", "”")
    assert not AttendanceSession.objects.exists()
    assert not BatchEvent.objects.exists()


def test_the_tab_takes_the_same_queries_for_a_week_or_years(
    client_for, manager, pupil, django_assert_max_num_queries
):
    client = client_for(manager)
    _week(manager, pupil, MONDAY)
    with django_assert_max_num_queries(40) as few:
        assert client.get(_tab(pupil)).status_code == 200
    for year in range(2019, 2025):
        attendance_record_range(
            actor=manager,
            child=pupil,
            date_from=D(year, 9, 2),
            date_to=D(year + 1, 7, 18),
            session="both",
            code="B" if year % 2 else "I",
        )
    with django_assert_max_num_queries(40) as many:
        assert client.get(_tab(pupil)).status_code == 200
    assert len(few.captured_queries) == len(many.captured_queries)


def test_the_overview_reads_two_queries_and_orders_years_and_terms(
    manager, pupil, django_assert_num_queries
):
    from records.selectors.attendance import attendance_overview

    _week(manager, pupil, D(2025, 4, 28))  # summer 2024/25
    _week(manager, pupil, D(2024, 11, 4))  # autumn 2024/25
    _week(manager, pupil, D(2024, 1, 8), absent=(4,))  # spring 2023/24
    with django_assert_num_queries(2):
        overview = attendance_overview(child=pupil, recent=3)
    assert [year.label for year in overview.years] == ["2024/25", "2023/24"]
    assert [term.label for term in overview.years[0].terms] == ["Autumn 2024", "Summer 2025"]
    assert overview.years[0].figures.possible == 20
    assert [(r.code, r.sessions, r.authorised) for r in overview.years[1].reasons] == [
        ("O", 2, False)
    ]
    assert [(s.date, s.session) for s in overview.recent_sessions] == [
        (D(2025, 5, 2), "PM"),
        (D(2025, 5, 2), "AM"),
        (D(2025, 5, 1), "PM"),
    ]
