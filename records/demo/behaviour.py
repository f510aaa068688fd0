"""Synthetic behaviour data for the demo: suspensions for some school-age children (more often
at secondary age), a rare permanent exclusion, and alternative provision for a few. Real DfE
codes (records/codes/exclusions.py); invented providers; no real person."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from records.codes.assessment import reception_year
from records.codes.exclusions import CURRENT_REASONS, ExclusionCategory
from records.models import Child, Exclusion, School
from records.services import behaviour

# DB (persistent disruptive behaviour) is about half of all suspension reasons nationally
# (exclusion-reasons.csv); the other weights are invented for the demo.
REASON_WEIGHTS = {code: 2 for code, _ in CURRENT_REASONS} | {"DB": 30, "VA": 10, "PP": 8}
REASON_WEIGHTS.pop("PH")  # a COVID-era reason; not for recent demo suspensions
SESSIONS = (1, 2, 2, 2, 4, 4, 6, 10)
PROVIDERS = (
    "Northern Skills Centre",
    "Riverside Pupil Referral Unit",
    "Aire Valley Tuition Service",
    "Hillside Hospital Education Service",
)
AP_REASONS = (
    "Full-time provision from the sixth day of a suspension",
    "Awaiting a new school place after a permanent exclusion",
    "Part-time vocational programme agreed at the PEP meeting",
    "Medical needs: unable to attend school full time",
)
WEEKDAYS = 5


def _school_day(rng: random.Random, earliest: date, latest: date) -> date:
    day = earliest + timedelta(days=rng.randint(0, max(0, (latest - earliest).days)))
    while day.weekday() >= WEEKDAYS:
        day -= timedelta(days=1)
    return max(day, earliest)


def _reasons(rng: random.Random) -> list[str]:
    codes, weights = zip(*REASON_WEIGHTS.items(), strict=True)
    chosen: list[str] = []
    for _ in range(rng.choice((1, 1, 1, 2, 2, 3))):
        code = rng.choices(codes, weights=weights)[0]
        if code not in chosen:
            chosen.append(code)
    return chosen


def fill(*, rng: random.Random, child: Child, staff, schools: list[School], today: date) -> None:
    """Add plausible behaviour rows for one synthetic child, through the services."""
    school_start = date(reception_year(child.date_of_birth), 9, 1)
    if school_start + timedelta(days=365) > today:
        return
    enrolment = child.enrolments.select_related("school").first()
    school = enrolment.school if enrolment is not None else rng.choice(schools)
    secondary = child.age_on(today) >= 11
    earliest = max(school_start, today - timedelta(days=500))
    excluded = False
    if rng.random() < (0.25 if secondary else 0.06):
        starts = {_school_day(rng, earliest, today) for _ in range(rng.randint(1, 3))}
        for start in sorted(starts):
            lunchtime = rng.random() < 0.1
            behaviour.exclusion_record(
                actor=staff.manager,
                child=child,
                school=school,
                category=ExclusionCategory.LUNCHTIME if lunchtime else ExclusionCategory.SUSPENSION,
                start_date=start,
                sessions=rng.randint(1, 3) if lunchtime else rng.choice(SESSIONS),
                reasons=_reasons(rng),
            )
            excluded = True
        if secondary and rng.random() < 0.08:
            behaviour.exclusion_record(
                actor=staff.manager,
                child=child,
                school=school,
                category=ExclusionCategory.PERMANENT,
                start_date=_school_day(rng, max(starts), today),
                reasons=_reasons(rng),
                outcome=rng.choice([Exclusion.Outcome.STANDS, Exclusion.Outcome.PENDING]),
            )
    if rng.random() < (0.4 if excluded else 0.03):
        start = _school_day(rng, earliest, today)
        ended = rng.random() < 0.5
        behaviour.alternative_provision_record(
            actor=staff.manager,
            child=child,
            provider=rng.choice(PROVIDERS),
            start_date=start,
            end_date=start + timedelta(weeks=rng.randint(2, 12)) if ended else None,
            hours_per_week=Decimal(rng.choice(("10", "12.5", "15", "20", "25"))),
            reason=rng.choice(AP_REASONS),
        )
