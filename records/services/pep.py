"""Writes to personal education plans (issue 15): starting the next plan, its meeting, its
sections, targets and their reviews, and its workflow:

    not started → in progress → submitted → returned (with a reason) → in progress ...
                                submitted → QA-rated (red, amber, green) → complete
                                submitted → complete

Each section is written only by its owner (records.permissions.can_write_pep_section),
checked here whoever calls: the caseworkers' pages and the school portal. Every change
is audited (django-auditlog on the plan and its targets) and each change of state also leaves
a `PepEvent` saying who, and on whose behalf. Refusals are a DomainError keyed by field, every
error at once, nothing saved.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import NON_FIELD_ERRORS
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format

from records.calendar import academic_year_of, age_on, term_of
from records.models import Child, Pep, PepEvent, PepTarget
from records.models.pep import (
    SDQ_MAX,
    Owner,
    PepKind,
    PepStatus,
    QaRating,
    TargetReview,
    pep_section,
)
from records.permissions import can_change_child, can_write_pep_section, pep_acts_on_behalf
from records.selectors.pep import care_entered, first_care_start, pep_snapshot
from records.services.locking import record_create, record_update
from records.services.rules import raise_if
from virtualschool.errors import DomainError

Errors = dict[str, list[str]]
EDITABLE = frozenset({PepStatus.NOT_STARTED, PepStatus.IN_PROGRESS, PepStatus.RETURNED})
PP_PLUS_MAX = Decimal("99999.99")


def _long(day: date) -> str:
    return date_format(day, "j F Y")


def _owner_refusal(owner: str) -> str:
    who = Owner(owner).label.lower()
    return f"Only the {who} (or someone acting for them) can change this section"


def _event(
    *,
    actor: AbstractBaseUser,
    plan: Pep,
    action: str,
    before: str = "",
    section: str = "",
    owner: str = "",
) -> None:
    PepEvent.objects.create(
        child_id=plan.child_id,
        plan=plan,
        action=action,
        section=section,
        from_status=before,
        to_status=plan.status,
        actor=actor,
        on_behalf_of=owner if owner and pep_acts_on_behalf(actor, plan.child, owner) else "",
    )


def kind_for(child: Child, academic_year: int) -> PepKind:
    """The plan a child's age calls for in an academic year, by their age on 31 August before
    it (the school-year cohort rule): under 4, early years; 16 and over, post-16."""
    age = age_on(child.date_of_birth, date(academic_year, 8, 31))
    if age < 4:
        return PepKind.EARLY_YEARS
    if age >= 16:
        return PepKind.POST_16
    return PepKind.SCHOOL_AGE


def pep_start(*, actor: AbstractBaseUser, child: Child, today: date | None = None) -> Pep:
    """Start the child's next plan with one click: this term's, of the kind their age calls
    for, its snapshot taken from the record as it stands today (retaken when the meeting
    date is set), the previous plan's targets waiting to be reviewed.

    Rules: the actor may change the child; the child is in care today; the last plan is
    complete (one open plan at a time).
    """
    today = today or timezone.localdate()
    errors: Errors = {}
    if not can_change_child(actor, child):
        errors[NON_FIELD_ERRORS] = ["You cannot start a plan for this child"]
    elif care_entered(child=child, on=today) is None:
        errors[NON_FIELD_ERRORS] = [
            "A personal education plan is for a child in care: this child is not in care today"
        ]
    previous = Pep.objects.filter(child=child).order_by("-created_at", "-id").first()
    if previous is not None and previous.is_open:
        errors.setdefault(NON_FIELD_ERRORS, []).append(
            "The last plan is not complete yet: finish it before starting the next"
        )
    raise_if(errors)
    year = academic_year_of(today)
    with transaction.atomic():
        plan = record_create(
            actor=actor,
            instance=Pep(
                child=child,
                kind=kind_for(child, year),
                academic_year=year,
                term=term_of(today),
                previous=previous,
                snapshot=pep_snapshot(child=child, on=today),
                snapshot_on=today,
            ),
        )
        _event(actor=actor, plan=plan, action=PepEvent.Action.STARTED)
    return plan


def _editable(errors: Errors, plan: Pep) -> None:
    if plan.status not in EDITABLE:
        errors.setdefault(NON_FIELD_ERRORS, []).append(
            f"This plan is {plan.get_status_display().lower()}: it can be changed only when "
            "in progress or returned"
        )


def _started(plan: Pep) -> dict[str, object]:
    """A first change of a plan not yet started puts it in progress."""
    return {"status": PepStatus.IN_PROGRESS} if plan.status == PepStatus.NOT_STARTED else {}


def _meeting_errors(errors: Errors, *, child: Child, meeting_date: date | None) -> None:
    if meeting_date is None:
        return
    if meeting_date > timezone.localdate():
        errors.setdefault("meeting_date", []).append("Meeting date must be today or in the past")
        return
    came_into_care = first_care_start(child=child)
    if came_into_care is None or meeting_date < came_into_care:
        errors.setdefault("meeting_date", []).append(
            "Meeting date must be on or after the day the child came into care"
            + (f", {_long(came_into_care)}" if came_into_care else "")
        )


def pep_details_update(
    *,
    actor: AbstractBaseUser,
    plan: Pep,
    expected_version: int,
    kind: str,
    meeting_date: date | None,
    participants: str,
) -> Pep:
    """The plan's kind, meeting date and who took part (the virtual school's, recorded by
    the caseworker or a manager). Setting the meeting date retakes the snapshot as at that
    day.

    Rules: the meeting is not in the future nor before the child came into care; the kind is
    one of the three.
    """
    errors: Errors = {}
    if not can_change_child(actor, plan.child):
        errors[NON_FIELD_ERRORS] = ["You cannot change this plan"]
    _editable(errors, plan)
    if kind not in PepKind.values:
        errors["kind"] = ["Select the kind of plan: early years, school age or post-16"]
    _meeting_errors(errors, child=plan.child, meeting_date=meeting_date)
    raise_if(errors)
    changes: dict[str, object] = {
        "kind": kind,
        "meeting_date": meeting_date,
        "participants": participants.strip(),
        **_started(plan),
    }
    if meeting_date is not None and meeting_date != plan.snapshot_on:
        changes["snapshot"] = pep_snapshot(child=plan.child, on=meeting_date)
        changes["snapshot_on"] = meeting_date
    with transaction.atomic():
        before = plan.status
        plan = record_update(
            actor=actor, instance=plan, expected_version=expected_version, changes=changes
        )
        _event(
            actor=actor,
            plan=plan,
            action=PepEvent.Action.DETAILS,
            before=before if before != plan.status else "",
        )
    return plan


def pep_section_update(
    *,
    actor: AbstractBaseUser,
    plan: Pep,
    section: str,
    expected_version: int,
    **values: object,
) -> Pep:
    """Write one section of the plan (pupil voice, education, care and placement, SDQ).

    Rules: only the section's owner, or whoever may act for them, writes it (checked here,
    not only on the page); the plan is in progress or returned; the SDQ score is 0 to 40;
    the section's own fields only.
    """
    spec = pep_section(section)
    errors: Errors = {}
    if spec is None or section in {"targets", "qa"}:
        raise DomainError({"section": [f"There is no section {section!r} to write this way"]})
    if not can_write_pep_section(actor, plan.child, spec.owner):
        errors["section"] = [_owner_refusal(spec.owner)]
    _editable(errors, plan)
    unknown = sorted(set(values) - set(spec.fields))
    if unknown:
        errors.setdefault("section", []).append(
            f"Not fields of {spec.title.lower()}: {', '.join(unknown)}"
        )
    changes: dict[str, object] = {}
    for name in spec.fields:
        value = values.get(name, getattr(plan, name))
        changes[name] = value.strip() if isinstance(value, str) else value
    score = changes.get("sdq_score")
    if score is not None and not 0 <= int(score) <= SDQ_MAX:  # type: ignore[call-overload]
        errors["sdq_score"] = [f"SDQ score must be between 0 and {SDQ_MAX}"]
    raise_if(errors)
    with transaction.atomic():
        before = plan.status
        plan = record_update(
            actor=actor,
            instance=plan,
            expected_version=expected_version,
            changes={**changes, **_started(plan)},
        )
        _event(
            actor=actor,
            plan=plan,
            action=PepEvent.Action.SECTION,
            section=section,
            before=before if before != plan.status else "",
            owner=spec.owner,
        )
    return plan


def _target_owner_check(errors: Errors, actor: AbstractBaseUser, plan: Pep) -> None:
    owner = Owner.DESIGNATED_TEACHER
    if not can_write_pep_section(actor, plan.child, owner):
        errors["section"] = [_owner_refusal(owner)]


def pep_target_add(
    *,
    actor: AbstractBaseUser,
    plan: Pep,
    target: str,
    owner: str,
    due_by: date | None,
    actions: str = "",
    success_measure: str = "",
    pp_plus_amount: Decimal | None = None,
) -> PepTarget:
    """Add a SMART target: what, who will do what, who is responsible, by when, how success
    is measured, and the Pupil Premium Plus attached.

    Rules: the targets section's owner writes it; the plan is in progress or returned; the
    target, who is responsible and the date are given; the date is not before the plan's
    meeting (or today); the PP+ amount is not negative.
    """
    errors: Errors = {}
    _target_owner_check(errors, actor, plan)
    _editable(errors, plan)
    if not target.strip():
        errors["target"] = ["Enter the target"]
    if not owner.strip():
        errors["owner"] = ["Enter who is responsible for the target"]
    if due_by is None:
        errors["due_by"] = ["Enter the date the target is to be met by"]
    else:
        since = plan.meeting_date or timezone.localdate()
        if due_by < since:
            errors["due_by"] = [f"By when must be on or after {_long(since)}"]
    if pp_plus_amount is not None and not Decimal(0) <= pp_plus_amount <= PP_PLUS_MAX:
        errors["pp_plus_amount"] = ["PP+ amount must be £0 or more, up to £99,999.99"]
    raise_if(errors)
    with transaction.atomic():
        row = record_create(
            actor=actor,
            instance=PepTarget(
                child_id=plan.child_id,
                plan=plan,
                target=target.strip(),
                owner=owner.strip(),
                due_by=due_by,
                actions=actions.strip(),
                success_measure=success_measure.strip(),
                pp_plus_amount=pp_plus_amount,
            ),
        )
        if plan.status == PepStatus.NOT_STARTED:
            Pep.objects.filter(pk=plan.pk).update(status=PepStatus.IN_PROGRESS)
            plan.status = PepStatus.IN_PROGRESS
            _event(
                actor=actor, plan=plan, action=PepEvent.Action.TARGET, before=PepStatus.NOT_STARTED
            )
        else:
            _event(
                actor=actor,
                plan=plan,
                action=PepEvent.Action.TARGET,
                owner=Owner.DESIGNATED_TEACHER,
            )
    return row


def pep_target_review(
    *, actor: AbstractBaseUser, plan: Pep, target: PepTarget, review: str
) -> PepTarget:
    """At this plan, review a target of the previous plan: met, partly met or not met.

    Rules: the targets section's owner writes it; the plan is in progress or returned; the
    target is the previous plan's; the review is one of the three.
    """
    errors: Errors = {}
    _target_owner_check(errors, actor, plan)
    _editable(errors, plan)
    if plan.previous_id is None or target.plan_id != plan.previous_id:
        errors["target"] = ["Only the previous plan's targets are reviewed at this plan"]
    if review not in TargetReview.values:
        errors["review"] = ["Select met, partly met or not met"]
    raise_if(errors)
    with transaction.atomic():
        row = record_update(
            actor=actor,
            instance=target,
            expected_version=target.version,
            changes={"review": review, "reviewed_in_id": plan.pk},
        )
        _event(
            actor=actor, plan=plan, action=PepEvent.Action.TARGET, owner=Owner.DESIGNATED_TEACHER
        )
    return row


def _transition(
    *,
    actor: AbstractBaseUser,
    plan: Pep,
    expected_version: int,
    action: str,
    changes: dict,
    owner: str = "",
) -> Pep:
    with transaction.atomic():
        before = plan.status
        plan = record_update(
            actor=actor, instance=plan, expected_version=expected_version, changes=changes
        )
        _event(actor=actor, plan=plan, action=action, before=before, owner=owner)
    return plan


def pep_submit(*, actor: AbstractBaseUser, plan: Pep, expected_version: int) -> Pep:
    """The designated teacher submits the plan for the virtual school's QA, in the school
    portal; a caseworker or manager may submit on the teacher's behalf (the history says so).

    Rules: the plan is in progress or returned; the actor may act for the designated teacher.
    A plan rated red that is submitted again has been revised and may then be completed.
    """
    errors: Errors = {}
    if not can_write_pep_section(actor, plan.child, Owner.DESIGNATED_TEACHER):
        errors["status"] = [
            _owner_refusal(Owner.DESIGNATED_TEACHER).replace(
                "change this section", "submit the plan"
            )
        ]
    if plan.status not in {PepStatus.IN_PROGRESS, PepStatus.RETURNED}:
        errors.setdefault("status", []).append(
            "Only a plan in progress or returned can be submitted; this one is "
            f"{plan.get_status_display().lower()}"
        )
    raise_if(errors)
    return _transition(
        actor=actor,
        plan=plan,
        expected_version=expected_version,
        action=PepEvent.Action.SUBMITTED,
        changes={"status": PepStatus.SUBMITTED, "red_outstanding": False},
        owner=Owner.DESIGNATED_TEACHER,
    )


def pep_return(*, actor: AbstractBaseUser, plan: Pep, expected_version: int, reason: str) -> Pep:
    """The virtual school returns a submitted plan for more work, saying why.

    Rules: a caseworker or manager who may change the child; the plan is submitted or
    QA-rated; a reason is given.
    """
    errors: Errors = {}
    if not can_change_child(actor, plan.child):
        errors[NON_FIELD_ERRORS] = ["You cannot return this plan"]
    if plan.status not in {PepStatus.SUBMITTED, PepStatus.QA_RATED}:
        errors["status"] = ["Only a submitted plan can be returned"]
    if not reason.strip():
        errors["returned_reason"] = ["Enter the reason for returning the plan"]
    raise_if(errors)
    return _transition(
        actor=actor,
        plan=plan,
        expected_version=expected_version,
        action=PepEvent.Action.RETURNED,
        changes={"status": PepStatus.RETURNED, "returned_reason": reason.strip()},
    )


def pep_qa_rate(
    *, actor: AbstractBaseUser, plan: Pep, expected_version: int, rating: str, feedback: str
) -> Pep:
    """The virtual school's quality assurance: a red, amber or green rating with written
    feedback. A red plan must be revised (returned, then submitted again) before it can be
    completed (FEATURES.md row 8).

    Rules: a Manager (the QA section's owner); the plan is submitted (or already rated, to
    rate again); a rating of the three; feedback is written.
    """
    errors: Errors = {}
    if not can_write_pep_section(actor, plan.child, Owner.VIRTUAL_SCHOOL):
        errors["qa_rating"] = [
            _owner_refusal(Owner.VIRTUAL_SCHOOL).replace("change this section", "rate the plan")
        ]
    if plan.status not in {PepStatus.SUBMITTED, PepStatus.QA_RATED}:
        errors.setdefault("qa_rating", []).append("Only a submitted plan can be given a QA rating")
    if rating not in QaRating.values:
        errors.setdefault("qa_rating", []).append("Select a QA rating: red, amber or green")
    if not feedback.strip():
        errors["qa_feedback"] = ["Enter the QA feedback"]
    raise_if(errors)
    return _transition(
        actor=actor,
        plan=plan,
        expected_version=expected_version,
        action=PepEvent.Action.QA_RATED,
        changes={
            "status": PepStatus.QA_RATED,
            "qa_rating": rating,
            "qa_feedback": feedback.strip(),
            "red_outstanding": rating == QaRating.RED,
        },
    )


def pep_complete(*, actor: AbstractBaseUser, plan: Pep, expected_version: int) -> Pep:
    """Complete the plan. Its snapshot is taken a last time as at the meeting date and never
    again: a later import does not rewrite a completed plan.

    Rules: a caseworker or manager who may change the child; the plan is submitted or
    QA-rated; not rated red unless revised since; the meeting date is recorded.
    """
    errors: Errors = {}
    if not can_change_child(actor, plan.child):
        errors[NON_FIELD_ERRORS] = ["You cannot complete this plan"]
    if plan.status not in {PepStatus.SUBMITTED, PepStatus.QA_RATED}:
        errors["status"] = ["Only a submitted plan can be completed"]
    if plan.red_outstanding:
        errors["qa_rating"] = [
            "A plan rated red cannot be completed until it has been revised: return it, and "
            "complete it once it is submitted again"
        ]
    if plan.meeting_date is None:
        errors["meeting_date"] = ["Enter the meeting date before completing the plan"]
    raise_if(errors)
    assert plan.meeting_date is not None  # noqa: S101
    return _transition(
        actor=actor,
        plan=plan,
        expected_version=expected_version,
        action=PepEvent.Action.COMPLETED,
        changes={
            "status": PepStatus.COMPLETE,
            "snapshot": pep_snapshot(child=plan.child, on=plan.meeting_date),
            "snapshot_on": plan.meeting_date,
        },
    )
