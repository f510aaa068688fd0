"""Attainment's own rules: which measures, years, results and subjects a result may have,
how results read on the tab, and when a post-16 course may start, end and have a result.

Create, view, edit, the optimistic lock, refused input leaving the row, access and query
counts are the section contract's (tests/records/test_section_contract.py)."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from records.codes.assessment import Measure
from records.demo import DemoStaff
from records.demo import attainment as demo
from records.models import AssessmentResult, Post16Course
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
