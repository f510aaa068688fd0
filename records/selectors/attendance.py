"""Reads of attendance for a child's Attendance tab, in a fixed number of queries.

Figures come from AttendanceSummary (kept by records/services/attendance.py), never from
summing session rows, so the page costs the same for a child with one term or ten years.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from records.attendance import AttendanceFigures
from records.calendar import TERM_ORDER, academic_year_label, term_label
from records.codes.attendance import CODES, Category
from records.models import AttendanceSession, AttendanceSummary, Child
from records.permissions import UserLike, can_see_field

RECENT_SESSIONS = 20


@dataclass(frozen=True)
class AbsenceReason:
    """One absence code's sessions in a period, with what the code means."""

    code: str
    meaning: str
    authorised: bool
    sessions: int
    pct_of_possible: Decimal | None


@dataclass(frozen=True)
class TermAttendance:
    academic_year: int
    term: str
    label: str
    figures: AttendanceFigures


@dataclass(frozen=True)
class YearAttendance:
    """An academic year: its terms (in order, only those with sessions) and their total."""

    academic_year: int
    label: str
    figures: AttendanceFigures
    terms: list[TermAttendance]
    reasons: list[AbsenceReason] = field(default_factory=list)


@dataclass(frozen=True)
class RecentSession:
    date: date
    session: str
    code: str
    meaning: str
    school_name: str


@dataclass(frozen=True)
class AttendanceOverview:
    years: list[YearAttendance]  # most recent first
    recent_sessions: list[RecentSession]  # most recent first


def _reasons(figures: AttendanceFigures) -> list[AbsenceReason]:
    reasons = [
        AbsenceReason(
            code=code,
            meaning=CODES[code].meaning if code in CODES else "",
            authorised=code in CODES and CODES[code].category is Category.AUTHORISED,
            sessions=count,
            pct_of_possible=figures.reason_pct(code),
        )
        for code, count in figures.absence_by_code.items()
        if count
    ]
    return sorted(reasons, key=lambda reason: (-reason.sessions, reason.code))


def attendance_overview(*, child: Child, recent: int = RECENT_SESSIONS) -> AttendanceOverview:
    """A child's attendance by academic year and term, with the DfE figures and flags
    (records/attendance.py), absence by reason per year, and the `recent` latest sessions.

    Two queries whatever the history: one for the term summaries, one for the sessions. Year
    figures add up their terms' counts and recompute the rates and flags from the totals
    (persistent absence over a year is judged on the year's sessions, not term by term).
    """
    order = {term: position for position, term in enumerate(TERM_ORDER)}
    by_year: dict[int, list[TermAttendance]] = {}
    for summary in AttendanceSummary.objects.filter(child=child):
        by_year.setdefault(summary.academic_year, []).append(
            TermAttendance(
                academic_year=summary.academic_year,
                term=summary.term,
                label=term_label(summary.academic_year, summary.term),
                figures=AttendanceFigures.from_summary(summary),
            )
        )
    years = []
    for academic_year in sorted(by_year, reverse=True):
        terms = sorted(by_year[academic_year], key=lambda term: order[term.term])
        total = sum((term.figures for term in terms), AttendanceFigures())
        years.append(
            YearAttendance(
                academic_year=academic_year,
                label=academic_year_label(academic_year),
                figures=total,
                terms=terms,
                reasons=_reasons(total),
            )
        )
    recent_sessions = [
        RecentSession(
            date=row.date,
            session=row.session,
            code=row.code,
            meaning=CODES[row.code].meaning if row.code in CODES else "",
            school_name=row.school.name if row.school is not None else "",
        )
        for row in AttendanceSession.objects.filter(child=child)
        .select_related("school")
        .order_by("-date", "-session")[:recent]
    ]
    return AttendanceOverview(years=years, recent_sessions=recent_sessions)


# What each part of the Attendance tab shows, as fields of the data map: a part holding a field
# the user may not see is left out.
TAB_PARTS: dict[str, tuple[type, tuple[str, ...]]] = {
    "figures": (
        AttendanceSummary,
        ("academic_year", "term", "possible", "attended", "authorised", "unauthorised"),
    ),
    "reasons": (AttendanceSummary, ("academic_year", "absence_by_code")),
    "sessions": (AttendanceSession, ("date", "session", "code")),
    "school": (AttendanceSession, ("school",)),
}


def attendance_tab_context(*, child: Child, user: UserLike) -> dict[str, object]:
    """What the Attendance tab shows `user` (records/sections/attendance.py names this for the
    tab; records.views.sections.tab_detail renders it): the child's overview and, for each
    part of the page, whether the user may see every field it shows."""
    return {
        "overview": attendance_overview(child=child),
        "shows": {
            part: all(can_see_field(user, model, name) for name in names)
            for part, (model, names) in TAB_PARTS.items()
        },
    }
