"""Synthetic demo data: realistic, reproducible, and about no real person.

Names come from Faker's en_GB provider with a fixed seed; UPNs are made valid by computing
their check letter (records/upn.py); schools have invented names and URNs; codes are real
DfE codes. Everything is written through the services, so the demo has audit history too.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from django.contrib.auth.base_user import AbstractBaseUser
from faker import Faker

from records import services
from records.codes import Cohort, Gender, LegalStatus, PlacRoute
from records.demo import (
    attainment,
    attendance,
    behaviour,
    characteristics,
    contacts,
    health,
    notes,
    pep,
    safeguarding,
)
from records.demo import schools as schools_demo
from records.demo.closed_cases import closed_case_children
from records.models import Child, School
from records.upn import check_letter

# Each area of the record adds its own synthetic rows (records/demo/<area>.py).
AREAS = (
    characteristics,
    schools_demo,
    attendance,
    attainment,
    behaviour,
    safeguarding,
    health,
    notes,
    contacts,
    pep,
)

DEMO_LA_CODE = "873"  # an LA number used only as a prefix for synthetic UPNs and URNs
# Another authority's LA number, where some demo children are placed (sharing's demo "other
# local authority").
DEMO_PLACED_ELSEWHERE = "874"
SCHOOL_SUFFIXES = ("Primary School", "Academy", "High School", "C of E Primary School")
# Of every ten demo children, at most two in all, one is a child in need whose case closed
# so long ago that their record is due for destruction (records/demo/closed_cases.py).
CLOSED_CASES_MAX, CLOSED_CASE_EVERY = 2, 10


@dataclass(frozen=True)
class DemoStaff:
    manager: AbstractBaseUser
    caseworkers: tuple[AbstractBaseUser, ...]
    # Decides the demo's PP+ requests, which the manager makes (records/demo/pep.py): the
    # person deciding is never the one who asked.
    decider: AbstractBaseUser | None = None


def synthetic_upn(rng: random.Random, allocated_year: int) -> str:
    body = (
        f"{DEMO_LA_CODE}{rng.randint(2000, 7999):04d}{allocated_year % 100:02d}"
        f"{rng.randint(0, 999):03d}"
    )
    return check_letter(body) + body


def _schools(fake: Faker, rng: random.Random, count: int) -> list[School]:
    schools = []
    for index in range(count):
        urn = 190000 + index * 37 + rng.randint(0, 30)
        name = f"{fake.unique.city()} {rng.choice(SCHOOL_SUFFIXES)}"
        school, _ = School.objects.get_or_create(
            urn=urn, defaults={"name": name, "la_code": DEMO_LA_CODE}
        )
        schools.append(school)
    return schools


def seed_children(*, count: int, seed: int, staff: DemoStaff, today: date) -> int:
    """Create `count` synthetic children with statuses, schools and allocations; the last
    of them (one in ten, two at most) with a case closed long ago, due for destruction."""
    rng = random.Random(seed)  # noqa: S311 - reproducible demo data, not a secret
    fake = Faker("en_GB")
    fake.seed_instance(seed)
    schools = _schools(fake, rng, max(4, count // 8))
    closed = min(CLOSED_CASES_MAX, count // CLOSED_CASE_EVERY)
    created = 0
    for _ in range(count - closed):
        child = _child(fake, rng, staff, today)
        _status(rng, child, staff, today)
        for area in AREAS:
            area.fill(rng=rng, child=child, staff=staff, schools=schools, today=today)
        if rng.random() < 0.85:
            caseworker = rng.choice(staff.caseworkers)
            services.allocation_create(
                actor=staff.manager,
                child=child,
                caseworker=caseworker,
                start_date=today - timedelta(days=rng.randint(0, 700)),
            )
        created += 1
    made = closed_case_children(count=closed, fake=fake, rng=rng, staff=staff, today=today)
    return created + len(made)


def _child(fake: Faker, rng: random.Random, staff: DemoStaff, today: date) -> Child:
    age_days = rng.randint(3 * 365, 17 * 365)
    date_of_birth = today - timedelta(days=age_days)
    gender = rng.choice([Gender.MALE, Gender.FEMALE])
    first_name = fake.first_name_male() if gender == Gender.MALE else fake.first_name_female()
    school_age = age_days >= 4 * 365
    return services.child_create(
        actor=staff.manager,
        first_name=first_name,
        last_name=fake.last_name(),
        date_of_birth=date_of_birth,
        gender=gender,
        upn=synthetic_upn(rng, date_of_birth.year + 4) if school_age else "",
        address_line_1=fake.street_address().split("\n")[0],
        town=fake.city(),
        postcode=fake.postcode(),
    )


def _status(rng: random.Random, child: Child, staff: DemoStaff, today: date) -> None:
    start = today - timedelta(days=rng.randint(30, 1500))
    start = max(start, child.date_of_birth)
    cohort = rng.choices(
        [Cohort.CLA, Cohort.CIN, Cohort.CPP, Cohort.PLAC], weights=[60, 20, 10, 10]
    )[0]
    extra: dict[str, object] = {}
    if cohort == Cohort.CLA:
        extra["legal_status"] = rng.choices(
            [LegalStatus.C2, LegalStatus.C1, LegalStatus.V2, LegalStatus.E1],
            weights=[55, 15, 25, 5],
        )[0]
        # About one in five placed in Southshire (LA 874, sharing's demo "other local
        # authority"), picked by the start date so that the demo's random draws stay the same.
        extra["placement_la"] = DEMO_PLACED_ELSEWHERE if start.toordinal() % 5 == 0 else ""
    elif cohort == Cohort.PLAC:
        extra["plac_route"] = rng.choice(list(PlacRoute))
    services.episode_add(actor=staff.manager, child=child, cohort=cohort, start_date=start, **extra)
    if cohort == Cohort.CPP and rng.random() < 0.7:
        # Most children on a child protection plan are also children in need.
        services.episode_add(actor=staff.manager, child=child, cohort=Cohort.CIN, start_date=start)
