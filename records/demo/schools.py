"""Synthetic school history for the demo: the invented schools get reference details (phase,
type, LAESTAB), and children get a current school and sometimes a previous one. No real school
or person."""

from __future__ import annotations

import random
from datetime import date, timedelta

from records.codes.census import SchoolPhase
from records.models import Child, Enrolment, School
from records.services import schools as services
from records.services.rules import birthday_at

DEMO_LA_NAME = "Demoshire"  # invented
LEAVING_REASONS = (
    "Moved to a new foster placement",
    "Placement moved out of the area",
    "Moved to live with kinship carers",
    "Managed move",
    "Moved to a specialist setting to meet SEN",
)


def _phase_and_type(name: str, rng: random.Random) -> tuple[str, str]:
    if "Primary" in name:
        kind = "Voluntary aided school" if "C of E" in name else "Community school"
        return SchoolPhase.PRIMARY, kind
    if "High" in name:
        return SchoolPhase.SECONDARY, rng.choice(["Community school", "Foundation school"])
    return rng.choice([SchoolPhase.SECONDARY, SchoolPhase.ALL_THROUGH]), "Academy converter"


def _describe(schools: list[School], staff) -> None:
    """Give the demo schools the reference details the School table holds, once."""
    for index, school in enumerate(schools):
        if school.establishment_number:
            continue
        phase, kind = _phase_and_type(school.name, random.Random(school.urn))  # noqa: S311
        number = (2000 if phase == SchoolPhase.PRIMARY else 4000) + index
        saved = services.school_save(
            actor=staff.manager,
            urn=school.urn,
            name=school.name,
            la_code=school.la_code or "873",
            la_name=DEMO_LA_NAME,
            establishment_number=f"{number:04d}",
            phase=phase,
            establishment_type=kind,
        )
        for name in ("la_code", "la_name", "establishment_number", "phase", "establishment_type"):
            setattr(school, name, getattr(saved, name))


def _first_september_after(day: date) -> date:
    return date(day.year if day.month < 9 else day.year + 1, 9, 1)


PRIMARY_YEARS = frozenset({"N1", "N2", "R", "1", "2", "3", "4", "5", "6"})


def _school_for(
    rng: random.Random, schools: list[School], child: Child, on: date, *, avoid: int | None = None
) -> tuple[School, str]:
    """A school of the phase that fits the child's year group on a day, and that year group."""
    year = services.nc_year_on(date_of_birth=child.date_of_birth, on=on)
    primary = year in PRIMARY_YEARS
    fitting = [
        school
        for school in schools
        if (school.phase == SchoolPhase.PRIMARY) == primary and school.pk != avoid
    ]
    return rng.choice(fitting or schools), year


def fill(*, rng: random.Random, child: Child, staff, schools: list[School], today: date) -> None:
    """Give a school-age child a current school (or its NC year, when it has one without) and
    sometimes the school they were at before."""
    _describe(schools, staff)
    in_reception = _first_september_after(birthday_at(child, 4))
    if in_reception > today or not schools:
        return
    enrolments = list(Enrolment.objects.filter(child=child).order_by("start_date"))
    if not enrolments:
        start = max(in_reception, today - timedelta(days=rng.randint(20, 900)))
        school, year = _school_for(rng, schools, child, start)
        earliest = services.enrolment_record(
            actor=staff.manager, child=child, school=school, start_date=start, nc_year=year
        )
    else:
        earliest = enrolments[0]
        if not earliest.nc_year and earliest.start_date >= birthday_at(child, 2):
            earliest = services.enrolment_update(
                actor=staff.manager,
                instance=earliest,
                expected_version=earliest.version,
                school=earliest.school,
                start_date=earliest.start_date,
                end_date=earliest.end_date,
                nc_year=services.nc_year_on(
                    date_of_birth=child.date_of_birth, on=earliest.start_date
                ),
            )
    _previous(
        rng=rng, child=child, staff=staff, schools=schools, before=earliest, start=in_reception
    )


def _previous(
    *,
    rng: random.Random,
    child: Child,
    staff,
    schools: list[School],
    before: Enrolment,
    start: date,
) -> None:
    end = before.start_date - timedelta(days=rng.randint(1, 40))
    if rng.random() > 0.5 or end - start < timedelta(days=120):
        return
    begin = max(start, end - timedelta(days=rng.randint(200, 1400)))
    school, year = _school_for(rng, schools, child, begin, avoid=before.school_id)
    services.enrolment_record(
        actor=staff.manager,
        child=child,
        school=school,
        start_date=begin,
        end_date=end,
        nc_year=year,
        reason_for_leaving=rng.choice(LEAVING_REASONS),
    )
