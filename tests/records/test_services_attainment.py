"""Attainment: assessment results and post-16 courses, through the pages and the services."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from records.codes.assessment import Measure
from records.demo import DemoStaff
from records.demo import attainment as demo
from records.models import AccessLogEntry, AssessmentResult, Post16Course
from records.services import attainment, enrolment_record
from tests.factories import ChildFactory, SchoolFactory
from virtualschool.errors import DomainError

pytestmark = pytest.mark.django_db
D = datetime.date

# Born 10 March 2008: Reception 2012/13, year 6 2018/19, year 11 2023/24, post-16 from
# September 2024 (September 2023 accepted for a child a year ahead).
BORN = D(2008, 3, 10)


@pytest.fixture
def child(db):
    return ChildFactory(date_of_birth=BORN)


@pytest.fixture
def result(manager, child):
    return attainment.assessment_result_record(
        actor=manager, child=child, measure=Measure.KS2_READING, academic_year=2018, result="104"
    )


@pytest.fixture
def course(manager, child):
    return attainment.post16_course_record(
        actor=manager,
        child=child,
        provider="Leeds City College",
        course="Level 2 Diploma in Carpentry",
        level=Post16Course.Level.LEVEL_2,
        start_date=D(2024, 9, 4),
    )


def _tab(child):
    return reverse("records:tab", kwargs={"pk": child.pk, "tab": "attainment"})


def _add(child, section="results"):
    return reverse(
        "records:section-add", kwargs={"pk": child.pk, "tab": "attainment", "section": section}
    )


def _edit(child, item, section="results"):
    return reverse(
        "records:section-edit",
        kwargs={"pk": child.pk, "tab": "attainment", "section": section, "item": item.pk},
    )


def _date(name, value):
    return {
        f"{name}_0": str(value.day),
        f"{name}_1": str(value.month),
        f"{name}_2": str(value.year),
    }


def test_the_add_page_offers_measures_and_years(client_for, manager, child):
    html = client_for(manager).get(_add(child)).content.decode()
    assert "KS2 reading (scaled score)" in html
    assert '<option value="2018">2018/19</option>' in html
    assert "the year it starts" not in html  # a select of years needs no such hint


def test_create_a_result_through_the_page(client_for, caseworker, child, allocate):
    allocate(child, caseworker)
    response = client_for(caseworker).post(
        _add(child),
        {"measure": Measure.KS4_GCSE, "subject": " English  language ", "academic_year": "2023"}
        | {"result": "5"},
    )
    assert response.status_code == 302
    row = AssessmentResult.objects.get(child=child)
    assert (row.measure, row.subject, row.academic_year, row.result, row.version) == (
        "KS4_GCSE",
        "English language",
        2023,
        "5",
        1,
    )


def test_codes_are_stored_as_the_dfe_spells_them(manager, child):
    row = attainment.assessment_result_record(
        actor=manager, child=child, measure=Measure.PHONICS_Y1, academic_year=2014, result=" wa "
    )
    assert row.result == "Wa"


def test_view_lists_results_as_a_caseworker_reads_them(client_for, manager, child, result, course):
    attainment.assessment_result_record(
        actor=manager,
        child=child,
        measure=Measure.KS4_GCSE,
        subject="Mathematics",
        academic_year=2023,
        result="4",
    )
    html = client_for(manager).get(_tab(child)).content.decode()
    for text in (
        "2018/19",
        "KS2 reading (scaled score)",
        "104 – expected standard",
        "2023/24",
        "Mathematics",
        "4 – grade 4+ (standard pass)",
        "Leeds City College",
        "Level 2 Diploma in Carpentry",
        "Enrolled",
    ):
        assert text in html
    assert html.index("2023/24") < html.index("2018/19")  # newest first


def test_edit_with_the_version_read(client_for, manager, child, result):
    client = client_for(manager)
    page = client.get(_edit(child, result)).content.decode()
    assert 'name="expected_version" value="1"' in page
    assert '<option value="2018" selected>2018/19</option>' in page
    response = client.post(
        _edit(child, result),
        {
            "expected_version": "1",
            "measure": Measure.KS2_READING,
            "subject": "",
            "academic_year": "2018",
            "result": "112",
        },
    )
    assert response.status_code == 302
    result.refresh_from_db()
    assert (result.result, result.version) == ("112", 2)


def test_a_second_save_from_a_stale_page_is_refused_and_the_first_kept(manager, child, result):
    fields = {"measure": Measure.KS2_READING, "academic_year": 2018}
    attainment.assessment_result_update(
        actor=manager, instance=result, expected_version=1, result="105", **fields
    )
    with pytest.raises(DomainError) as raised:
        attainment.assessment_result_update(
            actor=manager, instance=result, expected_version=1, result="95", **fields
        )
    assert "Your changes have not been saved" in raised.value.messages[0]
    result.refresh_from_db()
    assert (result.result, result.version) == ("105", 2)


def test_stale_save_through_the_page_shows_the_message(client_for, manager, child, result):
    attainment.assessment_result_update(
        actor=manager,
        instance=result,
        expected_version=1,
        measure=Measure.KS2_READING,
        academic_year=2018,
        result="105",
    )
    response = client_for(manager).post(
        _edit(child, result),
        {"expected_version": "1", "measure": Measure.KS2_READING, "academic_year": "2018"}
        | {"result": "95"},
    )
    assert response.status_code == 200
    assert "Your changes have not been saved" in response.content.decode()
    result.refresh_from_db()
    assert result.result == "105"


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        (
            {"measure": Measure.KS2_READING, "academic_year": 2018, "result": "130"},
            "result",
            "The result for KS2 reading (scaled score) must be a scaled score from 80 to 120",
        ),
        (
            {"measure": Measure.KS4_GCSE, "subject": "History", "academic_year": 2023}
            | {"result": "10"},
            "result",
            "The result for GCSE grade must be a grade from 1 to 9, or one of these codes: "
            "U (ungraded), not “10”",
        ),
        (
            {"measure": Measure.KS4_GCSE, "subject": "History", "academic_year": 2023}
            | {"result": "0"},
            "result",
            "not “0”",
        ),
        (
            {"measure": Measure.KS4_GCSE, "academic_year": 2023, "result": "5"},
            "subject",
            "Enter the subject: GCSE grade results are per subject",
        ),
        (
            {"measure": Measure.MTC, "subject": "Maths", "academic_year": 2016, "result": "20"},
            "subject",
            "Only GCSE results have a subject",
        ),
        (
            {"measure": Measure.KS2_MATHS, "academic_year": 2014, "result": "100"},
            "academic_year",
            "KS2 maths (scaled score) is taken in year 6: for a child born 10 March 2008 that is "
            "2018/19, and 2017/18 to 2019/20 are accepted",
        ),
        (
            {"measure": Measure.EYFS_GLD, "academic_year": 2011, "result": "Y"},
            "academic_year",
            "is taken in Reception",
        ),
        (
            {"measure": Measure.KS4_GCSE, "subject": "Art", "academic_year": 2099}
            | {"result": "5"},
            "academic_year",
            "Academic year 2099/00 has not started",
        ),
        (
            {"measure": Measure.KS4_PROGRESS_8, "academic_year": 2024, "result": "0.5"},
            "academic_year",
            "There are no KS4 Progress 8 results for 2024/25",
        ),
        (
            {"measure": Measure.KS2_GPS, "academic_year": 2019, "result": "100"},
            "academic_year",
            "no KS2 tests were held that year",
        ),
        (
            {"measure": "KS3_SAT", "academic_year": 2018, "result": "5"},
            "measure",
            "Measure must be one of: EYFS_GLD (EYFS: good level of development)",
        ),
        (
            {"measure": Measure.MTC, "academic_year": None, "result": "20"},
            "academic_year",
            "Enter the academic year",
        ),
    ],
)
def test_bad_results_are_refused_and_nothing_saved(manager, child, fields, field, message):
    with pytest.raises(DomainError) as raised:
        attainment.assessment_result_record(actor=manager, child=child, **fields)
    assert message in " ".join(raised.value.message_dict[field])
    assert not AssessmentResult.objects.exists()


def test_one_result_per_measure_subject_and_year(manager, child):
    fields = {"measure": Measure.KS4_GCSE, "academic_year": 2023}
    attainment.assessment_result_record(
        actor=manager, child=child, subject="French", result="6", **fields
    )
    with pytest.raises(DomainError) as raised:
        attainment.assessment_result_record(
            actor=manager, child=child, subject="french", result="7", **fields
        )
    assert "There is already a GCSE grade (french) result for 2023/24" in " ".join(
        raised.value.message_dict["academic_year"]
    )
    assert list(AssessmentResult.objects.values_list("result", flat=True)) == ["6"]


def test_a_refused_edit_leaves_the_row_as_it_was(manager, child, result):
    with pytest.raises(DomainError):
        attainment.assessment_result_update(
            actor=manager,
            instance=result,
            expected_version=1,
            measure=Measure.KS2_READING,
            academic_year=2018,
            result="121",
        )
    result.refresh_from_db()
    assert (result.result, result.version) == ("104", 1)


def test_bad_input_through_the_page_shows_the_message_and_saves_nothing(client_for, manager, child):
    response = client_for(manager).post(
        _add(child),
        {"measure": Measure.KS2_READING, "subject": "", "academic_year": "2018", "result": "130"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "must be a scaled score from 80 to 120" in html
    assert "<title>Error:" in html
    assert not AssessmentResult.objects.exists()


def test_create_a_post16_course_through_the_page(client_for, caseworker, child, allocate):
    allocate(child, caseworker)
    response = client_for(caseworker).post(
        _add(child, "post-16-courses"),
        {
            "provider": "Bradford College",
            "course": "T Level in Digital Production",
            "level": Post16Course.Level.LEVEL_3,
            "status": Post16Course.Status.COMPLETED,
            "result": "Merit",
        }
        | _date("start_date", D(2024, 9, 2))
        | _date("end_date", D(2025, 7, 11)),
    )
    assert response.status_code == 302
    row = Post16Course.objects.get(child=child)
    assert (row.course, row.level, row.status, row.result, row.end_date) == (
        "T Level in Digital Production",
        "3",
        "completed",
        "Merit",
        D(2025, 7, 11),
    )


def test_edit_a_post16_course_with_the_version_read(client_for, manager, child, course):
    client = client_for(manager)
    assert (
        'name="expected_version" value="1"'
        in client.get(_edit(child, course, "post-16-courses")).content.decode()
    )
    response = client.post(
        _edit(child, course, "post-16-courses"),
        {
            "expected_version": "1",
            "provider": course.provider,
            "course": course.course,
            "level": course.level,
            "status": Post16Course.Status.WITHDRAWN,
        }
        | _date("start_date", course.start_date)
        | _date("end_date", D(2024, 12, 20)),
    )
    assert response.status_code == 302
    course.refresh_from_db()
    assert (course.status, course.end_date, course.version) == ("withdrawn", D(2024, 12, 20), 2)


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"result": "Pass"}, "result", "A result can only be recorded for a completed course"),
        ({"status": "completed"}, "end_date", "Enter the date the course ended: it is completed"),
        (
            {"start_date": D(2023, 6, 1)},
            "start_date",
            "Start date must be on or after 1 September 2023: post-16 courses start after year 11",
        ),
        (
            {"end_date": D(2024, 9, 1)},
            "end_date",
            "End date must be the same as or after the start date",
        ),
        (
            {"status": "completed", "end_date": D(2999, 1, 1)},
            "end_date",
            "End date must be today or in the past",
        ),
        (
            {"start_date": D(2033, 9, 1)},
            "start_date",
            "Start date must be while the child is between 2 and 25",
        ),
        ({"provider": "  "}, "provider", "Enter the provider"),
        ({"level": "9"}, "level", "Level must be one of: entry (Entry level)"),
    ],
)
def test_bad_courses_are_refused_and_nothing_saved(manager, child, fields, field, message):
    values = {
        "provider": "Leeds City College",
        "course": "A levels",
        "level": "3",
        "start_date": D(2024, 9, 4),
    } | fields
    with pytest.raises(DomainError) as raised:
        attainment.post16_course_record(actor=manager, child=child, **values)
    assert message in " ".join(raised.value.message_dict[field])
    assert not Post16Course.objects.exists()


def test_an_enrolled_course_may_start_in_the_future(manager, child):
    row = attainment.post16_course_record(
        actor=manager,
        child=child,
        provider="Leeds City College",
        course="Access to HE",
        level="3",
        start_date=D(2032, 9, 1),
    )
    assert row.status == "enrolled"


def test_another_caseworker_cannot_reach_it(client_for, other_caseworker, child, result, course):
    client = client_for(other_caseworker)
    for url in (
        _tab(child),
        _add(child),
        _edit(child, result),
        _edit(child, course, "post-16-courses"),
    ):
        assert client.get(url).status_code == 404
    response = client.post(
        _edit(child, result),
        {"expected_version": "1", "measure": Measure.KS2_READING, "academic_year": "2018"}
        | {"result": "80"},
    )
    assert response.status_code == 404
    result.refresh_from_db()
    assert (result.result, result.version) == ("104", 1)
    assert AccessLogEntry.objects.filter(
        user=other_caseworker, outcome=AccessLogEntry.Outcome.DENIED, page="tab-attainment"
    ).exists()


def test_an_allocated_caseworker_sees_the_tab(client_for, caseworker, child, allocate, result):
    allocate(child, caseworker)
    client = client_for(caseworker)
    summary = client.get(reverse("records:child-detail", kwargs={"pk": child.pk})).content.decode()
    assert "Attainment" in summary
    assert "104 – expected standard" in client.get(_tab(child)).content.decode()


def test_tab_query_count_is_fixed(
    client_for, manager, child, result, course, django_assert_max_num_queries
):
    client = client_for(manager)
    with django_assert_max_num_queries(40) as few:
        client.get(_tab(child))
    for subject in ("Art", "Biology", "Chemistry", "English", "French", "History", "Music"):
        attainment.assessment_result_record(
            actor=manager,
            child=child,
            measure=Measure.KS4_GCSE,
            subject=subject,
            academic_year=2023,
            result="6",
        )
    for year in (2025, 2026):
        attainment.post16_course_record(
            actor=manager,
            child=child,
            provider="Leeds City College",
            course=f"Course {year}",
            level="3",
            start_date=D(year, 9, 1),
        )
    with django_assert_max_num_queries(40) as many:
        client.get(_tab(child))
    assert len(few.captured_queries) == len(many.captured_queries)


def test_demo_data_is_valid_for_children_of_every_age(manager, caseworker):
    today = timezone.localdate()
    staff = DemoStaff(manager=manager, caseworkers=(caseworker,))
    schools = [SchoolFactory()]
    for age in range(3, 18):
        for seed in range(3):
            rng = __import__("random").Random(age * 10 + seed)
            born = today.replace(year=today.year - age) - datetime.timedelta(
                days=rng.randint(0, 360)
            )
            pupil = ChildFactory(date_of_birth=born)
            if age >= 4:
                enrolment_record(actor=manager, child=pupil, school=schools[0], start_date=today)
            demo.fill(rng=rng, child=pupil, staff=staff, schools=schools, today=today)
    measures = set(AssessmentResult.objects.values_list("measure", flat=True))
    assert {Measure.EYFS_GLD, Measure.PHONICS_Y1, Measure.KS2_READING, Measure.KS4_GCSE} <= measures
    assert Post16Course.objects.exists()
