"""Synthetic health information for the demo: common childhood conditions with the support a
school gives, and the health professionals around a looked-after child. No real person."""

from __future__ import annotations

import random
from datetime import date

from records.codes import Cohort
from records.demo.contacts import email_for, landline, person_name, synthetic_faker
from records.models import Child, School
from records.services import health as services

CONDITIONS = (
    ("Asthma", "Reliever inhaler kept in class and taken on trips; care plan held by school."),
    ("Eczema", "Emollient applied at lunchtime; avoid wool uniform."),
    ("Epilepsy", "Seizure plan in school office; staff trained in emergency medication."),
    ("Type 1 diabetes", "Blood glucose checks before lunch and PE; snacks allowed in lessons."),
    ("Peanut allergy", "Two adrenaline auto-injectors in school; nut-free lunch table."),
    ("ADHD", "Movement breaks and a quiet workspace; medication given at home."),
    ("Glue ear", "Sits near the front; hearing reviewed by audiology."),
)
# Every looked-after child has statutory health assessments, usually led by a specialist
# nurse for children in care.
PROFESSIONALS = (
    ("Children in care nurse", "Demoshire Community Health NHS Trust"),
    ("School nurse", "Demoshire 0-19 Service"),
    ("CAMHS practitioner", "Demoshire CAMHS"),
    ("Community paediatrician", "Demoshire Child Development Centre"),
)


def fill(*, rng: random.Random, child: Child, staff, schools: list[School], today: date) -> None:
    """Add conditions for some children and the health professionals involved."""
    for condition, needs in rng.sample(CONDITIONS, rng.choice([0, 0, 0, 1, 1, 2])):
        services.health_condition_record(
            actor=staff.manager, child=child, condition=condition, needs=needs
        )
    looked_after = child.episodes.filter(cohort=Cohort.CLA).exists()
    if not looked_after and rng.random() < 0.7:
        return
    fake = synthetic_faker(rng)
    chosen = [PROFESSIONALS[0]] if looked_after else []
    if rng.random() < 0.4:
        chosen.append(rng.choice(PROFESSIONALS[1:]))
    for role, organisation in chosen:
        name = person_name(fake)
        services.health_professional_record(
            actor=staff.manager,
            child=child,
            role=role,
            name=name,
            organisation=organisation,
            contact_details=f"{landline(rng)}, {email_for(name)}",
        )
