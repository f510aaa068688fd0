"""Reads for personal education plans: a child's plans, one plan, when the next is due, and
the record's figures as they stood on a day (the plan's snapshot)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Q, QuerySet, Sum
from django.utils import timezone

from records.attendance import percent
from records.calendar import academic_year_label, academic_year_of, term_bounds, term_of
from records.codes import Cohort
from records.codes.pep import PepDue, pep_due
from records.models import (
    AssessmentResult,
    AttendanceWeek,
    Characteristics,
    Child,
    Enrolment,
    Exclusion,
    LegalStatusEpisode,
    Pep,
    PepEvent,
    PepTarget,
)
from records.models.pep import PepStatus
from records.permissions import UserLike, can_change_child


def care_entered(*, child: Child, on: date) -> date | None:
    """The day the child entered their care period open on `on` (touching looked-after
    episodes are one period: a change of legal status is not a new entry); None when they
    are not looked after that day."""
    episodes = list(
        LegalStatusEpisode.objects.filter(child=child, cohort=Cohort.CLA, start_date__lte=on)
        .order_by("-start_date")
        .values_list("start_date", "end_date")
    )
    if not episodes or (episodes[0][1] is not None and episodes[0][1] < on):
        return None
    entered = episodes[0][0]
    for start, end in episodes[1:]:
        if end is not None and (entered - end).days <= 1:
            entered = start
        else:
            break
    return entered


def first_care_start(*, child: Child) -> date | None:
    """The first day the child was ever looked after: no PEP meeting is before it."""
    return (
        LegalStatusEpisode.objects.filter(child=child, cohort=Cohort.CLA)
        .order_by("start_date")
        .values_list("start_date", flat=True)
        .first()
    )


def pep_next_due(*, child: Child, today: date | None = None) -> PepDue | None:
    """When the child's next PEP is due (records.codes.pep.pep_due, the one place the rules
    are applied), from the plans of their current care period; None when not in care."""
    today = today or timezone.localdate()
    entered = care_entered(child=child, on=today)
    if entered is None:
        return None
    plans = Pep.objects.filter(child=child, created_at__date__gte=entered)
    latest = (
        Pep.objects.filter(child=child, status=PepStatus.COMPLETE, meeting_date__gte=entered)
        .order_by("-meeting_date")
        .values_list("meeting_date", flat=True)
        .first()
    )
    return pep_due(entered_care=entered, started=plans.exists(), latest_meeting=latest)


def pep_snapshot(*, child: Child, on: date) -> dict[str, object]:
    """What the record holds that a plan shows, as it stood on `on`: the school the child was
    on roll at, attendance this academic year and this term up to that week, the latest
    results by then, SEN (characteristics hold no history: as recorded now) and exclusions
    this term up to that day. Stored with the plan, so nobody types it again."""
    year, term = academic_year_of(on), term_of(on)
    term_start, _term_end = term_bounds(year, term)
    enrolment = (
        Enrolment.objects.filter(child=child, start_date__lte=on)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=on))
        .select_related("school")
        .order_by("-start_date")
        .first()
    )
    weeks = AttendanceWeek.objects.filter(child=child, academic_year=year, week_start__lte=on)
    year_totals = weeks.aggregate(possible=Sum("possible"), attended=Sum("attended"))
    term_totals = weeks.filter(term=term).aggregate(
        possible=Sum("possible"), attended=Sum("attended")
    )
    results = list(
        AssessmentResult.objects.filter(child=child, academic_year__lte=year).order_by(
            "-academic_year", "measure", "subject"
        )
    )
    latest_year = results[0].academic_year if results else None
    characteristics = Characteristics.objects.filter(child=child).first()
    exclusions = list(
        Exclusion.objects.filter(child=child, start_date__gte=term_start, start_date__lte=on)
    )

    def rate(totals: dict) -> str | None:
        value = percent(totals["attended"] or 0, totals["possible"] or 0)
        return None if value is None else f"{value}"

    return {
        "as_at": on.isoformat(),
        "school": (
            {
                "name": enrolment.school.name,
                "urn": enrolment.school.urn,
                "nc_year": enrolment.nc_year,
            }
            if enrolment is not None
            else None
        ),
        "attendance": {
            "year": academic_year_label(year),
            "year_possible": year_totals["possible"] or 0,
            "year_attended": year_totals["attended"] or 0,
            "year_percent": rate(year_totals),
            "term_possible": term_totals["possible"] or 0,
            "term_attended": term_totals["attended"] or 0,
            "term_percent": rate(term_totals),
        },
        "results": [
            {
                "measure": result.get_measure_display(),
                "subject": result.subject,
                "year": academic_year_label(result.academic_year),
                "result": result.result,
            }
            for result in results
            if result.academic_year == latest_year
        ],
        "sen": (
            {
                "provision": characteristics.get_sen_provision_display(),
                "primary_need": characteristics.get_sen_primary_need_display(),
            }
            if characteristics is not None
            else None
        ),
        "exclusions": {
            "suspensions": sum(1 for row in exclusions if row.category != "PERM"),
            "sessions": sum(row.sessions or 0 for row in exclusions),
            "permanent": sum(1 for row in exclusions if row.category == "PERM"),
        },
    }


def pep_list_for_child(*, child: Child) -> QuerySet[Pep]:
    """The child's plans, newest first, in one query."""
    return Pep.objects.filter(child=child).order_by("-academic_year", "-created_at")


def pep_get(*, child: Child, plan_id: int) -> Pep | None:
    return Pep.objects.filter(child=child, pk=plan_id).first()


@dataclass(frozen=True)
class PlanPage:
    plan: Pep
    targets: list[PepTarget]
    to_review: list[PepTarget]
    events: list[PepEvent]


def pep_plan_page(*, plan: Pep) -> PlanPage:
    """One plan with its targets, the previous plan's targets it reviews, and its history."""
    targets = list(PepTarget.objects.filter(plan=plan))
    to_review = list(PepTarget.objects.filter(plan_id=plan.previous_id)) if plan.previous_id else []
    events = list(PepEvent.objects.filter(plan=plan).select_related("actor"))
    return PlanPage(plan=plan, targets=targets, to_review=to_review, events=events)


def pep_tab_context(*, child: Child, user: UserLike) -> dict[str, object]:
    """The PEP tab: every plan with its term, status, meeting, QA rating and who took part;
    when the next is due and by which rule; whether the user may start the next one."""
    plans = list(pep_list_for_child(child=child))
    return {
        "today": timezone.localdate(),
        "plans": plans,
        "next_due": pep_next_due(child=child),
        "can_start": can_change_child(user, child) and not any(plan.is_open for plan in plans),
    }
