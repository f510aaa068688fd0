"""Personal education plans: starting one, owners, each state change and each refusal, the
snapshot that a later import does not rewrite (records/services/pep.py)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import time_machine
from auditlog.models import LogEntry

from records.models import Enrolment, Pep, PepEvent, PepTarget
from records.models.pep import Owner, PepKind, PepStatus
from records.permissions import DESIGNATED_TEACHER_CHECKS
from records.selectors.pep import pep_next_due, pep_snapshot
from records.services import pep as services
from records.services.attendance import attendance_record
from tests.factories import ChildFactory, SchoolFactory, UserFactory
from virtualschool.errors import DomainError
from virtualschool.roles import Role

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("pep_today")]


def _errors(excinfo) -> dict:
    return excinfo.value.message_dict


def _fresh(plan: Pep) -> Pep:
    return Pep.objects.get(pk=plan.pk)


def _submitted(caseworker, child) -> Pep:
    plan = services.pep_start(actor=caseworker, child=child)
    plan = services.pep_details_update(
        actor=caseworker,
        plan=plan,
        expected_version=plan.version,
        kind=PepKind.SCHOOL_AGE,
        meeting_date=date(2025, 11, 3),
        participants="Ann Lee, designated teacher",
    )
    return services.pep_submit(actor=caseworker, plan=plan, expected_version=plan.version)


def test_starting_a_plan_takes_the_term_the_kind_and_the_record_as_it_stands(caseworker, in_care):
    school = SchoolFactory(name="Hill Academy")
    Enrolment.objects.create(child=in_care, school=school, start_date=date(2025, 9, 3), nc_year="6")
    plan = services.pep_start(actor=caseworker, child=in_care)
    assert (plan.academic_year, plan.term, plan.kind) == (2025, "autumn", PepKind.SCHOOL_AGE)
    assert plan.status == PepStatus.NOT_STARTED
    assert plan.snapshot["school"]["name"] == "Hill Academy"
    assert plan.snapshot_on == date(2025, 11, 12)  # tests/records/conftest.py PEP_TODAY
    event = PepEvent.objects.get(plan=plan)
    assert (event.action, event.actor, event.to_status) == ("started", caseworker, "not_started")
    assert LogEntry.objects.filter(object_pk=str(plan.pk)).exists()


def test_a_second_plan_waits_for_the_first_and_a_child_out_of_care_has_none(
    caseworker, in_care, allocate
):
    services.pep_start(actor=caseworker, child=in_care)
    with pytest.raises(DomainError, match="not complete"):
        services.pep_start(actor=caseworker, child=in_care)
    out = ChildFactory()
    allocate(out, caseworker)
    with pytest.raises(DomainError, match="not in care"):
        services.pep_start(actor=caseworker, child=out)
    assert Pep.objects.count() == 1


def test_the_whole_workflow_each_change_recorded(caseworker, manager, in_care):
    plan = services.pep_start(actor=caseworker, child=in_care)
    plan = services.pep_section_update(
        actor=caseworker,
        plan=plan,
        section="education",
        expected_version=plan.version,
        edu_strengths="Reading",
    )
    assert plan.status == PepStatus.IN_PROGRESS
    services.pep_target_add(
        actor=caseworker,
        plan=plan,
        target="Read daily",
        owner="Class teacher",
        due_by=date(2026, 2, 1),
        pp_plus_amount=Decimal("400"),
    )
    plan = services.pep_details_update(
        actor=caseworker,
        plan=_fresh(plan),
        expected_version=_fresh(plan).version,
        kind=PepKind.SCHOOL_AGE,
        meeting_date=date(2025, 11, 3),
        participants="Ann Lee, designated teacher\nSam Roy, social worker",
    )
    plan = services.pep_submit(actor=caseworker, plan=plan, expected_version=plan.version)
    assert plan.status == PepStatus.SUBMITTED
    plan = services.pep_return(
        actor=manager, plan=plan, expected_version=plan.version, reason="Targets are vague"
    )
    assert (plan.status, plan.returned_reason) == (PepStatus.RETURNED, "Targets are vague")
    plan = services.pep_submit(actor=caseworker, plan=plan, expected_version=plan.version)
    plan = services.pep_qa_rate(
        actor=manager, plan=plan, expected_version=plan.version, rating="green", feedback="Good"
    )
    assert plan.status == PepStatus.QA_RATED
    plan = services.pep_complete(actor=caseworker, plan=plan, expected_version=plan.version)
    assert plan.status == PepStatus.COMPLETE
    actions = list(
        PepEvent.objects.filter(plan=plan).order_by("id").values_list("action", flat=True)
    )
    assert actions[-5:] == ["submitted", "returned", "submitted", "qa_rated", "completed"]
    submitted = PepEvent.objects.filter(plan=plan, action="submitted").first()
    assert submitted.on_behalf_of == Owner.DESIGNATED_TEACHER


def test_a_red_plan_cannot_be_completed_until_revised(caseworker, manager, in_care):
    plan = _submitted(caseworker, in_care)
    plan = services.pep_qa_rate(
        actor=manager, plan=plan, expected_version=plan.version, rating="red", feedback="No voice"
    )
    with pytest.raises(DomainError) as excinfo:
        services.pep_complete(actor=manager, plan=plan, expected_version=plan.version)
    assert "qa_rating" in _errors(excinfo)
    assert _fresh(plan).status == PepStatus.QA_RATED
    plan = services.pep_return(
        actor=manager, plan=plan, expected_version=plan.version, reason="Revise"
    )
    plan = services.pep_section_update(
        actor=caseworker,
        plan=plan,
        section="pupil_voice",
        expected_version=plan.version,
        voice_words="I like maths",
    )
    plan = services.pep_submit(actor=caseworker, plan=plan, expected_version=plan.version)
    plan = services.pep_complete(actor=manager, plan=plan, expected_version=plan.version)
    assert plan.status == PepStatus.COMPLETE


def test_a_qa_rating_on_a_plan_not_submitted_is_refused(manager, caseworker, in_care):
    plan = services.pep_start(actor=caseworker, child=in_care)
    with pytest.raises(DomainError) as excinfo:
        services.pep_qa_rate(
            actor=manager, plan=plan, expected_version=plan.version, rating="amber", feedback=""
        )
    errors = _errors(excinfo)
    assert "submitted" in " ".join(errors["qa_rating"])
    assert errors["qa_feedback"] == ["Enter the QA feedback"]
    assert _fresh(plan).qa_rating == ""


def test_the_caseworker_does_not_rate_and_a_return_needs_a_reason(caseworker, in_care):
    plan = _submitted(caseworker, in_care)
    with pytest.raises(DomainError) as excinfo:
        services.pep_qa_rate(
            actor=caseworker,
            plan=plan,
            expected_version=plan.version,
            rating="green",
            feedback="Fine",
        )
    assert "virtual school" in " ".join(_errors(excinfo)["qa_rating"])
    with pytest.raises(DomainError) as excinfo:
        services.pep_return(actor=caseworker, plan=plan, expected_version=plan.version, reason="  ")
    assert _errors(excinfo)["returned_reason"] == ["Enter the reason for returning the plan"]
    assert _fresh(plan).status == PepStatus.SUBMITTED


def test_a_section_is_written_only_by_its_owner_checked_in_the_service(
    caseworker, in_care, other_caseworker
):
    plan = services.pep_start(actor=caseworker, child=in_care)
    teacher = UserFactory(role=Role.RECIPIENT)
    for section, field in (("education", "edu_needs"), ("care", "care_plan")):
        with pytest.raises(DomainError) as excinfo:
            services.pep_section_update(
                actor=other_caseworker,
                plan=plan,
                section=section,
                expected_version=plan.version,
                **{field: "x"},
            )
        assert "section" in _errors(excinfo)
    # The designated teacher (a check the school portal will register) writes education, not care.
    DESIGNATED_TEACHER_CHECKS.append(lambda user, child: user == teacher)
    try:
        written = services.pep_section_update(
            actor=teacher,
            plan=plan,
            section="education",
            expected_version=plan.version,
            edu_needs="Phonics",
        )
        assert written.edu_needs == "Phonics"
        assert PepEvent.objects.filter(plan=plan, section="education").get().on_behalf_of == ""
        with pytest.raises(DomainError) as excinfo:
            services.pep_section_update(
                actor=teacher,
                plan=written,
                section="care",
                expected_version=written.version,
                care_plan="x",
            )
        assert "social worker" in " ".join(_errors(excinfo)["section"])
    finally:
        DESIGNATED_TEACHER_CHECKS.pop()
    assert _fresh(plan).care_plan == ""


def test_meeting_date_before_care_or_in_the_future_is_refused(caseworker, in_care):
    plan = services.pep_start(actor=caseworker, child=in_care)
    for day, words in (
        (date(2025, 6, 1), "came into care, 2 June 2025"),
        (date(2025, 11, 13), "today or in the past"),
    ):
        with pytest.raises(DomainError) as excinfo:
            services.pep_details_update(
                actor=caseworker,
                plan=plan,
                expected_version=plan.version,
                kind="school_age",
                meeting_date=day,
                participants="",
            )
        assert words in " ".join(_errors(excinfo)["meeting_date"])
    assert _fresh(plan).meeting_date is None


def test_a_target_with_no_date_or_no_owner_is_refused(caseworker, in_care):
    plan = services.pep_start(actor=caseworker, child=in_care)
    with pytest.raises(DomainError) as excinfo:
        services.pep_target_add(actor=caseworker, plan=plan, target="Read", owner=" ", due_by=None)
    errors = _errors(excinfo)
    assert errors["owner"] == ["Enter who is responsible for the target"]
    assert errors["due_by"] == ["Enter the date the target is to be met by"]
    assert not PepTarget.objects.exists()


def test_sdq_above_17_is_flagged_and_above_40_refused(caseworker, in_care):
    plan = services.pep_start(actor=caseworker, child=in_care)
    with pytest.raises(DomainError) as excinfo:
        services.pep_section_update(
            actor=caseworker, plan=plan, section="sdq", expected_version=plan.version, sdq_score=41
        )
    assert "sdq_score" in _errors(excinfo)
    plan = services.pep_section_update(
        actor=caseworker, plan=plan, section="sdq", expected_version=plan.version, sdq_score=18
    )
    assert plan.sdq_flagged
    plan = services.pep_section_update(
        actor=caseworker, plan=plan, section="sdq", expected_version=plan.version, sdq_score=17
    )
    assert not plan.sdq_flagged


def test_the_next_plan_reviews_the_previous_targets(caseworker, manager, in_care):
    plan = _submitted(caseworker, in_care)
    plan = services.pep_return(
        actor=manager, plan=plan, expected_version=plan.version, reason="Add a target"
    )
    target = services.pep_target_add(
        actor=caseworker, plan=plan, target="Read", owner="Teacher", due_by=date(2026, 1, 10)
    )
    plan = services.pep_submit(
        actor=caseworker, plan=_fresh(plan), expected_version=_fresh(plan).version
    )
    services.pep_complete(actor=manager, plan=plan, expected_version=plan.version)
    with time_machine.travel(date(2026, 2, 2), tick=False):
        following = services.pep_start(actor=caseworker, child=in_care)
        assert (following.term, following.previous_id) == ("spring", plan.pk)
        reviewed = services.pep_target_review(
            actor=caseworker, plan=following, target=target, review="partly_met"
        )
    assert (reviewed.review, reviewed.reviewed_in_id) == ("partly_met", following.pk)


def test_a_completed_plan_keeps_its_figures_when_attendance_is_imported_later(
    caseworker, manager, in_care
):
    plan = _submitted(caseworker, in_care)
    plan = services.pep_complete(actor=manager, plan=plan, expected_version=plan.version)
    before = dict(plan.snapshot)
    assert before["attendance"]["year_possible"] == 0
    assert plan.snapshot_on == date(2025, 11, 3)
    # The same write the attendance import makes: sessions before the meeting date.
    attendance_record(
        actor=manager,
        child=in_care,
        sessions=[(date(2025, 10, 20), "AM", "/"), (date(2025, 10, 20), "PM", "O")],
    )
    assert _fresh(plan).snapshot == before
    # The figures were there to be read: a plan taken now as at that day would show them.
    assert pep_snapshot(child=in_care, on=date(2025, 11, 3))["attendance"]["year_possible"] == 2


def test_the_next_due_date_follows_the_plans_of_the_care_period(caseworker, manager, in_care):
    due = pep_next_due(child=in_care)
    assert due.due == date(2025, 6, 16)  # 10 working days from Monday 2 June 2025
    plan = _submitted(caseworker, in_care)
    assert pep_next_due(child=in_care).due == date(2025, 6, 30)  # 20 working days
    services.pep_complete(actor=manager, plan=plan, expected_version=plan.version)
    assert pep_next_due(child=in_care).due == date(2026, 4, 5)  # end of spring 2026


def test_the_snapshot_is_the_record_as_it_stood_on_the_day(manager, in_care):
    from records.services.behaviour import exclusion_record

    old, new = SchoolFactory(name="Old Primary"), SchoolFactory(name="New Academy")
    Enrolment.objects.create(
        child=in_care, school=old, start_date=date(2024, 9, 2), end_date=date(2025, 10, 31)
    )
    Enrolment.objects.create(child=in_care, school=new, start_date=date(2025, 11, 3))
    for day in (date(2025, 6, 10), date(2025, 10, 6), date(2025, 11, 10)):
        exclusion_record(
            actor=manager,
            child=in_care,
            school=old,
            category="FIXD",
            start_date=day,
            reasons=["DB"],
            sessions=2,
        )
    snapshot = pep_snapshot(child=in_care, on=date(2025, 10, 20))
    assert snapshot["school"]["name"] == "Old Primary"
    # This term (autumn, from 1 August) up to that day: the October suspension only.
    assert snapshot["exclusions"] == {"suspensions": 1, "sessions": 2, "permanent": 0}
    assert pep_snapshot(child=in_care, on=date(2025, 11, 12))["school"]["name"] == "New Academy"
