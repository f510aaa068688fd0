"""The services an import syncs a file's rows through: each says whether it created, updated or
left a row unchanged, applies the area's rules, and leaves its audit trail."""

from __future__ import annotations

import datetime

import pytest
from auditlog.models import LogEntry

from records.codes import Cohort, Gender, LegalStatus
from records.codes.assessment import Measure
from records.models import (
    AssessmentResult,
    BatchEvent,
    Characteristics,
    Child,
    Enrolment,
    LegalStatusEpisode,
    School,
)
from records.selectors import AmbiguousIdentifierError
from records.services.attainment import assessment_result_sync
from records.services.children import (
    PLACEHOLDER_FIRST_NAME,
    ChildIdentity,
    child_identity_sync,
    former_upn_add,
)
from records.services.episodes import episode_sync
from records.services.locking import SyncCounts, SyncOutcome
from records.services.schools import SchoolValues, enrolment_sync, school_sync
from tests.factories import ChildFactory, SchoolFactory
from tests.records.imports.socialcare_files import upn, wrong_check_letter
from virtualschool.errors import DomainError

pytestmark = pytest.mark.django_db
D = datetime.date
CREATED, UPDATED, UNCHANGED = SyncOutcome.CREATED, SyncOutcome.UPDATED, SyncOutcome.UNCHANGED


def _log_entries(model) -> int:
    return LogEntry.objects.filter(content_type__model=model._meta.model_name).count()


# --- Episodes ------------------------------------------------------------------------------


def test_episode_sync_creates_then_finds_unchanged_then_updates(manager, child):
    values = {"cohort": Cohort.CLA, "start_date": D(2024, 5, 1), "legal_status": LegalStatus.C2}

    assert episode_sync(actor=manager, child=child, **values) == CREATED
    logged = _log_entries(LegalStatusEpisode)
    assert episode_sync(actor=manager, child=child, **values) == UNCHANGED
    assert _log_entries(LegalStatusEpisode) == logged  # nothing written
    assert episode_sync(actor=manager, child=child, end_date=D(2024, 9, 1), **values) == UPDATED

    [episode] = LegalStatusEpisode.objects.filter(child=child)
    assert episode.end_date == D(2024, 9, 1)
    assert str(UPDATED) == "updated"  # importers count it as e.g. episodes_updated


def test_episode_sync_refuses_what_episode_add_refuses(manager, child):
    with pytest.raises(DomainError) as raised:
        episode_sync(actor=manager, child=child, cohort=Cohort.CLA, start_date=D(2024, 5, 1))

    assert "legal_status" in raised.value.message_dict
    assert not LegalStatusEpisode.objects.exists()


# --- Enrolments ----------------------------------------------------------------------------


@pytest.fixture
def pupil():
    return ChildFactory(date_of_birth=D(2013, 10, 10))


def test_enrolment_sync_creates_then_unchanged_then_updates_the_leaving_date(manager, pupil):
    school = SchoolFactory()
    start = D(2020, 9, 1)

    assert enrolment_sync(actor=manager, child=pupil, school=school, start_date=start) == CREATED
    assert enrolment_sync(actor=manager, child=pupil, school=school, start_date=start) == UNCHANGED
    outcome = enrolment_sync(
        actor=manager, child=pupil, school=school, start_date=start, end_date=D(2024, 7, 19)
    )
    assert outcome == UPDATED
    # A file without a leaving date is older news than the one held.
    assert enrolment_sync(actor=manager, child=pupil, school=school, start_date=start) == UNCHANGED

    [enrolment] = Enrolment.objects.filter(child=pupil)
    assert enrolment.end_date == D(2024, 7, 19)
    assert enrolment.version == 2


def test_enrolment_sync_refuses_an_overlap_and_writes_nothing(manager, pupil):
    enrolment_sync(actor=manager, child=pupil, school=SchoolFactory(), start_date=D(2020, 9, 1))

    with pytest.raises(DomainError, match="overlaps"):
        enrolment_sync(actor=manager, child=pupil, school=SchoolFactory(), start_date=D(2022, 9, 1))

    assert Enrolment.objects.filter(child=pupil).count() == 1


# --- Assessment results --------------------------------------------------------------------


def test_assessment_result_sync_creates_then_unchanged_then_corrects(manager):
    child = ChildFactory(date_of_birth=D(2008, 3, 10))
    values = {"measure": Measure.KS2_READING, "academic_year": 2018}

    assert assessment_result_sync(actor=manager, child=child, result="104", **values) == CREATED
    assert assessment_result_sync(actor=manager, child=child, result="104", **values) == UNCHANGED
    assert assessment_result_sync(actor=manager, child=child, result="108", **values) == UPDATED

    [result] = AssessmentResult.objects.filter(child=child)
    assert (result.result, result.version) == ("108", 2)


def test_assessment_result_sync_matches_a_gcse_subject_in_any_case(manager):
    child = ChildFactory(date_of_birth=D(2008, 3, 10))
    values = {"measure": Measure.KS4_GCSE, "academic_year": 2023}
    assessment_result_sync(actor=manager, child=child, result="5", subject="Maths", **values)

    outcome = assessment_result_sync(
        actor=manager, child=child, result="6", subject="MATHS", **values
    )

    assert outcome == UPDATED
    [result] = AssessmentResult.objects.filter(child=child)
    assert (result.subject, result.result) == ("Maths", "6")


def test_assessment_result_sync_refuses_an_invalid_result(manager):
    child = ChildFactory(date_of_birth=D(2008, 3, 10))

    with pytest.raises(DomainError):
        assessment_result_sync(
            actor=manager, child=child, measure=Measure.KS2_READING, academic_year=2018,
            result="200",
        )  # fmt: skip

    assert not AssessmentResult.objects.exists()


# --- Schools (the GIAS register) -----------------------------------------------------------


def _school(urn: int, name: str = "Fen Primary School", **changes) -> SchoolValues:
    values = {
        "urn": urn,
        "name": name,
        "la_code": "873",
        "la_name": "Cambridgeshire",
        "establishment_number": "2001",
        "phase": "",
        "establishment_type": "Community school",
        "is_open": True,
    }
    return SchoolValues(**{**values, **changes})


def test_school_sync_counts_created_updated_and_unchanged_and_audits_each_school(manager):
    # Issue 11: the shared register is audited school by school (was one batch per sync).
    first = school_sync(actor=manager, schools=[_school(873001), _school(873002)])
    assert first == SyncCounts(created=2, updated=0, unchanged=0)
    events = BatchEvent.objects.filter(kind=BatchEvent.Kind.SCHOOLS).order_by("pk")
    assert [(e.actor, e.rows, e.child_id, e.details["urn"]) for e in events] == [
        (manager, 1, None, 873001),
        (manager, 1, None, 873002),
    ]
    assert events[0].details["action"] == "created"
    assert events[0].details["changes"]["name"] == [None, _school(873001).name]

    second = school_sync(
        actor=manager,
        schools=[_school(873001), _school(873002, is_open=False), _school(873003)],
    )

    assert second == SyncCounts(created=1, updated=1, unchanged=1)
    assert not School.objects.get(urn=873002).is_open
    later = BatchEvent.objects.filter(kind=BatchEvent.Kind.SCHOOLS).order_by("pk")[2:]
    assert [(e.details["urn"], e.details["action"]) for e in later] == [
        (873002, "updated"),
        (873003, "created"),
    ]
    assert later[0].details["changes"] == {"is_open": [True, False]}


def test_school_sync_of_an_unchanged_register_writes_nothing(manager):
    schools = [_school(873001), _school(873002)]
    school_sync(actor=manager, schools=schools)
    events = BatchEvent.objects.count()

    assert school_sync(actor=manager, schools=schools) == SyncCounts(unchanged=2)
    assert BatchEvent.objects.count() == events


@pytest.mark.parametrize(
    ("schools", "field"),
    [
        ([_school(873001), _school(873001, name="Again")], "urn"),
        ([_school(873001), _school(873002, la_code="87")], "la_code"),
        ([_school(12)], "urn"),
        ([_school(873001, name="")], "name"),
    ],
)
def test_school_sync_refuses_a_bad_register_and_writes_nothing(manager, schools, field):
    with pytest.raises(DomainError) as raised:
        school_sync(actor=manager, schools=schools)

    assert list(raised.value.message_dict) == [field]
    assert not School.objects.exists()
    assert not BatchEvent.objects.exists()


# --- Former UPNs ---------------------------------------------------------------------------


def test_former_upn_add_adds_once_then_is_unchanged(manager):
    child = ChildFactory(upn=upn(801))

    added = former_upn_add(actor=manager, child=child, upns=[upn(802), upn(802), child.upn])
    again = former_upn_add(actor=manager, child=added.row, upns=[upn(802)])

    assert added.outcome == UPDATED
    assert again.outcome == UNCHANGED
    child.refresh_from_db()
    assert child.former_upns == [upn(802)]
    assert child.version == 2


def test_former_upn_add_refuses_an_invalid_upn_or_another_childs(manager):
    child = ChildFactory(upn=upn(801))
    other = ChildFactory(upn=upn(803))

    for upns in ([wrong_check_letter(upn(804))], [other.upn]):
        with pytest.raises(DomainError) as raised:
            former_upn_add(actor=manager, child=child, upns=upns)
        assert "former_upns" in raised.value.message_dict
    child.refresh_from_db()
    assert child.former_upns == []


# --- A child's identity from a social care return ------------------------------------------


def _identity(**changes) -> ChildIdentity:
    values = {
        "la_child_id": "LAC800",
        "date_of_birth": D(2012, 3, 4),
        "gender": Gender.MALE,
        "upn": upn(810),
        "ethnicity": "WBRI",
    }
    return ChildIdentity(**{**values, **changes})


def test_child_identity_sync_creates_then_unchanged_then_updates(manager):
    created = child_identity_sync(actor=manager, identity=_identity(), create_missing=True)
    assert created.outcome == CREATED
    assert created.row.first_name == PLACEHOLDER_FIRST_NAME

    again = child_identity_sync(actor=manager, identity=_identity(), create_missing=False)
    assert (again.outcome, again.row.pk) == (UNCHANGED, created.row.pk)

    moved = child_identity_sync(
        actor=manager, identity=_identity(upn=upn(811), ethnicity="BAFR"), create_missing=False
    )

    assert moved.outcome == UPDATED
    child = Child.objects.get()
    assert (child.upn, child.former_upns) == (upn(811), [upn(810)])
    assert Characteristics.objects.get(child=child).ethnicity == "BAFR"


def test_child_identity_sync_refuses_a_missing_child_unless_asked_to_add(manager):
    with pytest.raises(DomainError) as raised:
        child_identity_sync(actor=manager, identity=_identity(), create_missing=False)

    assert "la_child_id" in raised.value.message_dict
    assert not Child.objects.exists()


def test_child_identity_sync_refuses_an_ambiguous_upn(manager):
    ChildFactory(upn=upn(812), former_upns=[upn(810)])
    ChildFactory(upn=upn(813), former_upns=[upn(810)])

    with pytest.raises(AmbiguousIdentifierError, match="matches more than one child"):
        child_identity_sync(actor=manager, identity=_identity(), create_missing=True)

    assert Child.objects.count() == 2
