"""Writes to behaviour: suspensions, permanent exclusions and alternative provision placements.

Rules from ../shared/reference/DOMAIN.md ("Exclusions") and exclusion-reasons.csv, with the
code lists in records/codes/exclusions.py.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from django.contrib.auth.base_user import AbstractBaseUser
from django.utils import timezone
from django.utils.formats import date_format

from records.codes.exclusions import (
    MAX_REASONS,
    REASON_CHOICES,
    RETIRED_REASONS,
    ExclusionCategory,
)
from records.models import AlternativeProvision, Child, Enrolment, Exclusion, School
from records.services.locking import record_create, record_update
from records.services.rules import date_errors, period_errors, raise_if

Errors = dict[str, list[str]]

# A suspension may last at most 45 school days in an academic year (DOMAIN.md, Exclusions);
# a day is 2 sessions, so no single suspension can be longer than 90 sessions. A lunchtime
# suspension counts each lunchtime as half a day: one session.
MAX_SUSPENSION_SESSIONS = 90
# A head may decide a suspension that starts on a later day (parents are told first); a start
# further ahead than this is taken to be a typing error.
EXCLUSION_NOTICE_DAYS = 14
# "OT Other" was withdrawn in autumn 2020 (exclusion-reasons.csv); only older exclusions use it.
RETIRED_FROM = date(2020, 9, 1)
REASON_CODES = tuple(code for code, _ in REASON_CHOICES)
RETIRED_CODES = frozenset(code for code, _ in RETIRED_REASONS)

# Alternative provision is recorded in hours a week. A full school week is about 32.5 hours;
# up to 40 allows for extended provision, and more is taken to be a typing error.
MAX_AP_HOURS = Decimal(40)


def _add(errors: Errors, field: str, message: str) -> None:
    errors.setdefault(field, []).append(message)


def _long(value: date) -> str:
    return date_format(value, "j F Y")


def _clean_reasons(reasons: Iterable[str] | None) -> list[str]:
    return [str(code).strip().upper() for code in (reasons or [])]


def _reason_errors(errors: Errors, reasons: list[str], start_date: date | None) -> None:
    """1 to 3 distinct reason codes from the DfE list; OT only before autumn 2020."""
    if not reasons:
        _add(errors, "reasons", f"Choose at least one reason (up to {MAX_REASONS})")
        return
    if len(reasons) > MAX_REASONS:
        _add(errors, "reasons", f"Choose up to {MAX_REASONS} reasons, not {len(reasons)}")
    if len(set(reasons)) != len(reasons):
        _add(errors, "reasons", "Choose each reason once")
    unknown = [code for code in reasons if code not in REASON_CODES]
    if unknown:
        _add(
            errors,
            "reasons",
            f"Reasons must be DfE exclusion reason codes ({', '.join(REASON_CODES)}), "
            f"not {', '.join(unknown)}",
        )
    retired = [code for code in reasons if code in RETIRED_CODES]
    if retired and start_date is not None and start_date >= RETIRED_FROM:
        _add(
            errors,
            "reasons",
            f"{', '.join(retired)} (Other) was withdrawn in autumn 2020: choose the reason "
            "that fits",
        )


def _sessions_errors(errors: Errors, category: str, sessions: int | None) -> None:
    """Suspensions have a length in sessions (1 to 90); permanent exclusions have none."""
    if category == ExclusionCategory.PERMANENT:
        if sessions is not None:
            _add(
                errors,
                "sessions",
                "A permanent exclusion has no length: leave the number of sessions blank",
            )
        return
    if category not in ExclusionCategory.values:
        return
    if sessions is None:
        _add(errors, "sessions", "Enter the length of the suspension in sessions (a day is 2)")
    elif sessions < 1:
        _add(errors, "sessions", "The length of a suspension must be at least 1 session")
    elif sessions > MAX_SUSPENSION_SESSIONS:
        _add(
            errors,
            "sessions",
            f"A suspension can be at most 45 school days ({MAX_SUSPENSION_SESSIONS} sessions) "
            f"in an academic year, so not {sessions} sessions",
        )


def _exclusion_checked(
    *,
    child: Child,
    school: School | None,
    category: str,
    start_date: date | None,
    sessions: int | None,
    reasons: list[str],
    instance: Exclusion | None = None,
) -> None:
    errors: Errors = {}
    if school is None or school.pk is None or not School.objects.filter(pk=school.pk).exists():
        _add(errors, "school", "Choose the school from the list of schools")
    if category not in ExclusionCategory.values:
        allowed = ", ".join(f"{value} ({label})" for value, label in ExclusionCategory.choices)
        _add(errors, "category", f"Category must be one of: {allowed}")
    if start_date is None:
        _add(errors, "start_date", "Enter the start date")
    date_errors(
        errors,
        child=child,
        field="start_date",
        label="Start date",
        value=start_date,
        allow_future=True,
        education=True,
    )
    latest = timezone.localdate() + timedelta(days=EXCLUSION_NOTICE_DAYS)
    if start_date is not None and start_date > latest:
        _add(
            errors,
            "start_date",
            f"Start date must be no later than {_long(latest)} "
            f"({EXCLUSION_NOTICE_DAYS} days from today)",
        )
    _sessions_errors(errors, category, sessions)
    _reason_errors(errors, reasons, start_date)
    if not errors:
        same = Exclusion.objects.filter(
            child=child, school=school, category=category, start_date=start_date
        )
        if instance is not None:
            same = same.exclude(pk=instance.pk)
        if same.exists():
            what = ExclusionCategory(category).label.lower()
            _add(
                errors,
                "start_date",
                f"A {what} from this school starting {_long(start_date)} is already "
                "recorded: change that one instead",
            )
    raise_if(errors)


def exclusion_record(
    *,
    actor: AbstractBaseUser | None,
    child: Child,
    school: School | None,
    category: str,
    start_date: date | None,
    reasons: Iterable[str],
    sessions: int | None = None,
    outcome: str = Exclusion.Outcome.STANDS,
) -> Exclusion:
    """Record a suspension or permanent exclusion. Rules: a school on our list; start date
    within the child's education and at most 14 days ahead; a suspension's length 1 to 90
    sessions (45 school days), a permanent exclusion none; 1 to 3 distinct DfE reason codes
    (OT only before autumn 2020); not the same exclusion twice. Outcome from its list."""
    codes = _clean_reasons(reasons)
    _exclusion_checked(
        child=child,
        school=school,
        category=category,
        start_date=start_date,
        sessions=sessions,
        reasons=codes,
    )
    return record_create(
        actor=actor,
        instance=Exclusion(
            child=child,
            school=school,
            category=category,
            start_date=start_date,
            sessions=sessions,
            reasons=codes,
            outcome=outcome,
        ),
    )


def exclusion_update(
    *,
    actor: AbstractBaseUser | None,
    instance: Exclusion,
    expected_version: int,
    school: School | None,
    category: str,
    start_date: date | None,
    reasons: Iterable[str],
    sessions: int | None = None,
    outcome: str = Exclusion.Outcome.STANDS,
) -> Exclusion:
    """Change a suspension or exclusion, under the same rules, if nobody else changed it
    first."""
    codes = _clean_reasons(reasons)
    _exclusion_checked(
        child=instance.child,
        school=school,
        category=category,
        start_date=start_date,
        sessions=sessions,
        reasons=codes,
        instance=instance,
    )
    return record_update(
        actor=actor,
        instance=instance,
        expected_version=expected_version,
        changes={
            "school": school,
            "category": category,
            "start_date": start_date,
            "sessions": sessions,
            "reasons": codes,
            "outcome": outcome,
        },
    )


def exclusion_school_notice(exclusion: Exclusion) -> str:
    """A warning to show once a suspension or exclusion is saved from a school the record has
    no enrolment of the child at ("" when it has one). Saved all the same: the school excluded
    the child, and the enrolment may simply not be recorded yet (issue 16 asks for a warning,
    not a refusal)."""
    if Enrolment.objects.filter(
        child_id=exclusion.child_id, school_id=exclusion.school_id
    ).exists():
        return ""
    return (
        f"The record has no enrolment at {exclusion.school.name} (URN {exclusion.school.urn}). "
        "Check the school is right, and record the child's enrolment there on the Schools tab"
    )


# --- Alternative provision --------------------------------------------------------------------


def _hours(value: object) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return Decimal("NaN")


def _provision_errors(
    *,
    child: Child,
    provider: str,
    start_date: date | None,
    end_date: date | None,
    hours_per_week: Decimal | None,
    reason: str,
) -> Errors:
    errors: Errors = {}
    if not provider:
        _add(errors, "provider", "Enter the provider")
    if not reason:
        _add(errors, "reason", "Enter the reason for the placement")
    if start_date is None:
        _add(errors, "start_date", "Enter the start date")
    # A placement is arranged ahead, so both dates may be in the future.
    for field, label, value in (
        ("start_date", "Start date", start_date),
        ("end_date", "End date", end_date),
    ):
        date_errors(
            errors,
            child=child,
            field=field,
            label=label,
            value=value,
            allow_future=True,
            education=True,
        )
    period_errors(
        errors, start_field="start_date", start=start_date, end_field="end_date", end=end_date
    )
    if hours_per_week is None:
        _add(errors, "hours_per_week", "Enter the number of hours a week")
    elif not hours_per_week.is_finite():
        _add(errors, "hours_per_week", "Hours a week must be a number, for example 12.5")
    elif not Decimal(0) < hours_per_week <= MAX_AP_HOURS:
        _add(
            errors,
            "hours_per_week",
            f"Hours a week must be more than 0 and at most {MAX_AP_HOURS}",
        )
    return errors


def alternative_provision_record(
    *,
    actor: AbstractBaseUser | None,
    child: Child,
    provider: str,
    start_date: date | None,
    hours_per_week: Decimal | float | int | str | None,
    reason: str,
    end_date: date | None = None,
) -> AlternativeProvision:
    """Record an alternative provision placement. Rules: provider and reason given; dates
    within the child's education (future dates allowed: placements are arranged ahead), the
    end on or after the start; more than 0 and at most 40 hours a week."""
    provider, reason, hours = provider.strip(), reason.strip(), _hours(hours_per_week)
    raise_if(
        _provision_errors(
            child=child,
            provider=provider,
            start_date=start_date,
            end_date=end_date,
            hours_per_week=hours,
            reason=reason,
        )
    )
    return record_create(
        actor=actor,
        instance=AlternativeProvision(
            child=child,
            provider=provider,
            start_date=start_date,
            end_date=end_date,
            hours_per_week=hours,
            reason=reason,
        ),
    )


def alternative_provision_update(
    *,
    actor: AbstractBaseUser | None,
    instance: AlternativeProvision,
    expected_version: int,
    provider: str,
    start_date: date | None,
    hours_per_week: Decimal | float | int | str | None,
    reason: str,
    end_date: date | None = None,
) -> AlternativeProvision:
    """Change an alternative provision placement, under the same rules, if nobody else
    changed it first."""
    provider, reason, hours = provider.strip(), reason.strip(), _hours(hours_per_week)
    raise_if(
        _provision_errors(
            child=instance.child,
            provider=provider,
            start_date=start_date,
            end_date=end_date,
            hours_per_week=hours,
            reason=reason,
        )
    )
    return record_update(
        actor=actor,
        instance=instance,
        expected_version=expected_version,
        changes={
            "provider": provider,
            "start_date": start_date,
            "end_date": end_date,
            "hours_per_week": hours,
            "reason": reason,
        },
    )
