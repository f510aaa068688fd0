"""Synthetic safeguarding data for the demo: court orders for looked-after children and the
professionals around children on a plan. Invented courts and agencies, no real person."""

from __future__ import annotations

import random
from datetime import date, timedelta

from records.codes import Cohort
from records.models import Child, School
from records.services import safeguarding

COURTS = ("Family Court at Leeds", "Family Court at Bradford", "Family Court at Sheffield")
AGENCIES = (
    ("Children's social care", "Social worker"),
    ("CAMHS", "Clinical psychologist"),
    ("Youth justice service", "Case manager"),
    ("Police", "Child protection officer"),
)


def fill(*, rng: random.Random, child: Child, staff, schools: list[School], today: date) -> None:
    cohorts = {episode.cohort for episode in child.episodes.all()}
    actor = staff.manager
    if Cohort.CLA in cohorts and rng.random() < 0.7:
        made_on = child.date_of_birth + timedelta(
            days=rng.randint(30, max(31, child.age_on(today) * 300))
        )
        safeguarding.court_order_record(
            actor=actor,
            child=child,
            order_type=rng.choice(["care", "interim_care", "placement"]),
            court=rng.choice(COURTS),
            made_on=min(made_on, today),
        )
    if Cohort.CPP in cohorts or rng.random() < 0.2:
        agency, role = rng.choice(AGENCIES)
        safeguarding.professional_record(
            actor=actor,
            child=child,
            agency=agency,
            role=role,
            start_date=max(child.date_of_birth, today - timedelta(days=rng.randint(10, 600))),
        )
