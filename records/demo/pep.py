"""Synthetic personal education plans for the demo: for most children in care, last term's
plan completed and QA-rated, and this term's started. Invented text about no real person.

It draws nothing from the shared random generator (it chooses by the child's date of birth),
so adding it left every other area's demo rows as they were."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from records.codes.ppplus import financial_year_of, pp_plus_allocation
from records.models import Child, School
from records.selectors.pep import care_entered
from records.services import pep as services
from records.services import ppplus


def _pp_plus(*, staff, plan, target, choice: int, day: date) -> None:
    """A request of £400 for the target at the plan: approved (for less, for one child in
    three) with some spent, or left for the virtual school to decide. None in a financial
    year whose allocation is not held (records/codes/pp_plus_rates.csv)."""
    if pp_plus_allocation(financial_year_of(day)) is None:
        return
    request = ppplus.ppplus_request_make(
        actor=staff.manager,
        plan=plan,
        amount=Decimal("400"),
        target_ids=[target.pk],
        purpose="Maths tutoring, two sessions a week",
        today=day,
    )
    if staff.decider is None or choice == 1:
        return
    request = ppplus.ppplus_request_approve(
        actor=staff.decider,
        request=request,
        expected_version=request.version,
        amount=Decimal("300") if choice == 3 else Decimal("400"),
    )
    ppplus.ppplus_spend_record(
        actor=staff.manager,
        request=request,
        spent_on=day + timedelta(days=14),
        amount=Decimal("250"),
        bought="Ten hours of maths tutoring",
    )


def fill(*, rng: random.Random, child: Child, staff, schools: list[School], today: date) -> None:
    choice = child.date_of_birth.toordinal() % 5
    held = today - timedelta(days=100)
    if choice == 0 or care_entered(child=child, on=held) is None:
        return
    manager = staff.manager
    plan = services.pep_start(actor=manager, child=child, today=held)
    plan = services.pep_details_update(
        actor=manager,
        plan=plan,
        expected_version=plan.version,
        kind=plan.kind,
        meeting_date=held,
        participants="Designated teacher\nSocial worker\nCarer\nVirtual school caseworker",
    )
    plan = services.pep_section_update(
        actor=manager,
        plan=plan,
        section="pupil_voice",
        expected_version=plan.version,
        voice_words="I like art and football. Maths is hard.",
        voice_how="Talked with the designated teacher before the meeting",
    )
    plan = services.pep_section_update(
        actor=manager,
        plan=plan,
        section="education",
        expected_version=plan.version,
        edu_strengths="Creative; works well in small groups",
        edu_needs="Confidence with number work",
        edu_interventions="Small-group maths twice a week",
    )
    plan = services.pep_section_update(
        actor=manager,
        plan=plan,
        section="sdq",
        expected_version=plan.version,
        sdq_score=8 + choice * 3,
    )
    target = services.pep_target_add(
        actor=manager,
        plan=plan,
        target="Know times tables to 10 by heart",
        actions="Tutor: two sessions a week; carer: practice at home",
        owner="Class teacher",
        due_by=held + timedelta(days=90),
        success_measure="Scores 45 out of 50 on the school's check",
        pp_plus_amount=400 if choice % 2 else None,
    )
    if choice % 2:
        _pp_plus(staff=staff, plan=plan, target=target, choice=choice, day=held)
    plan = services.pep_submit(actor=manager, plan=plan, expected_version=plan.version)
    plan = services.pep_qa_rate(
        actor=manager,
        plan=plan,
        expected_version=plan.version,
        rating="green" if choice < 3 else "amber",
        feedback="Clear targets; the child's voice is heard.",
    )
    services.pep_complete(actor=manager, plan=plan, expected_version=plan.version)
    if choice > 1:
        services.pep_start(actor=manager, child=child, today=today)
