"""Reads of school history: the School reference table and a child's enrolments.

A child's current school is derived from the enrolments, never stored: the enrolment that has
started and not ended on the day asked about. The caseload list
(records/selectors/children.py, child_list_visible_to) uses the same definition in SQL.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db.models import (
    Case,
    DateField,
    Exists,
    F,
    OuterRef,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.utils import timezone

from records.models import Child, Enrolment, School
from records.spans import is_open, open_q

# How a school stands to the child a form is about (`child_rank` on school_choices' rows).
CURRENT_SCHOOL, CHILDS_SCHOOL, OTHER_SCHOOL = 0, 1, 2


def school_choices(*, child: Child | None = None, on: date | None = None) -> QuerySet[School]:
    """Schools a form may offer: open ones first, then closed ones (a child's history can
    include a school that has since closed), each by name. For a child (issue 16: a picker
    of every school in the register, thousands after a GIAS import, put the child's own last),
    the child's schools come first: the one whose roll they are on today (`child_rank`
    CURRENT_SCHOOL), then the others of their history, most recently started first
    (CHILDS_SCHOOL), then every other school (OTHER_SCHOOL). One query."""
    schools = School.objects.all()
    if child is None:
        return schools.order_by("-is_open", "name", "urn")
    on = on or timezone.localdate()
    enrolments = Enrolment.objects.filter(child=child, school=OuterRef("pk"))
    return schools.annotate(
        child_rank=Case(
            When(Exists(enrolments.filter(open_q(on))), then=Value(CURRENT_SCHOOL)),
            When(Exists(enrolments), then=Value(CHILDS_SCHOOL)),
            default=Value(OTHER_SCHOOL),
        ),
        child_started=Subquery(
            enrolments.order_by("-start_date").values("start_date")[:1],
            output_field=DateField(),
        ),
    ).order_by("child_rank", F("child_started").desc(nulls_last=True), "-is_open", "name", "urn")


def enrolments_for_child(*, child: Child) -> QuerySet[Enrolment]:
    """A child's enrolments, newest first, each with its school (one query)."""
    return (
        Enrolment.objects.filter(child=child)
        .select_related("school")
        .order_by("-start_date", "-pk")
    )


def enrolment_status(enrolment: Enrolment, on: date) -> str:
    """ "Current", "Previous" or "Starting" for an enrolment on a day (no query)."""
    if enrolment.start_date > on:
        return "Starting"
    if not is_open(enrolment.start_date, enrolment.end_date, on):
        return "Previous"
    return "Current"


@dataclass(frozen=True)
class SchoolHistory:
    current: Enrolment | None
    previous: list[Enrolment] = field(default_factory=list)
    upcoming: list[Enrolment] = field(default_factory=list)


def school_history(*, child: Child, on: date | None = None) -> SchoolHistory:
    """The child's current school, previous schools (most recent first) and any agreed place
    not started yet, on a day (today by default), in one query."""
    on = on or timezone.localdate()
    current: Enrolment | None = None
    previous: list[Enrolment] = []
    upcoming: list[Enrolment] = []
    for enrolment in enrolments_for_child(child=child):
        status = enrolment_status(enrolment, on)
        if status == "Current" and current is None:
            current = enrolment
        elif status == "Starting":
            upcoming.append(enrolment)
        else:
            previous.append(enrolment)
    return SchoolHistory(current=current, previous=previous, upcoming=upcoming[::-1])


def current_enrolment(*, child: Child, on: date | None = None) -> Enrolment | None:
    """The enrolment the child is on roll under on a day (today by default), with its school;
    None when they are on no school's roll. One query."""
    on = on or timezone.localdate()
    return enrolments_for_child(child=child).filter(open_q(on)).first()


def previous_enrolments(*, child: Child, on: date | None = None) -> QuerySet[Enrolment]:
    """Enrolments that ended before a day (today by default), most recent first. One query."""
    on = on or timezone.localdate()
    return enrolments_for_child(child=child).filter(end_date__lt=on)


def school_for_urn(*, urn: int) -> School | None:
    """The school with this URN (unique in the reference table), or None."""
    return School.objects.filter(urn=urn).first()


def school_for_laestab(*, la_code: str, establishment_number: str) -> School | None:
    """The school with this LA code and establishment number (the LAESTAB a CTF's `LEA` and
    `Estab` give), only when exactly one school has them: with two, the reference table does
    not say which one is meant, and guessing would misfile the child's history."""
    if not (la_code and establishment_number):
        return None
    schools = list(
        School.objects.filter(la_code=la_code, establishment_number=establishment_number)[:2]
    )
    return schools[0] if len(schools) == 1 else None
