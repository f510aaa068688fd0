"""Synthetic contacts and previous addresses for the demo. Names come from Faker's en_GB
provider seeded from the demo's random generator; telephone numbers are from Ofcom's ranges
reserved for drama (01632 960xxx, 07700 900xxx) and email addresses use example.org (reserved
by RFC 2606), so none reaches a real person."""

from __future__ import annotations

import random
from datetime import date, timedelta

from faker import Faker

from records.codes import Cohort
from records.models import Child, Contact, School
from records.services import contacts as services

_FAKER = Faker("en_GB")

FOSTERING = ("Demoshire Fostering Service", "Brightpath Fostering Agency")  # invented
SOCIAL_CARE_TEAMS = ("Children in Care Team", "Children's Social Work Team 2", "Leaving Care Team")


def synthetic_faker(rng: random.Random) -> Faker:
    """An en_GB Faker seeded from the demo's generator, so names are reproducible."""
    _FAKER.seed_instance(rng.getrandbits(32))
    return _FAKER


def person_name(fake: Faker) -> str:
    """A first and last name, without the titles and suffixes Faker sometimes adds."""
    return f"{fake.first_name()} {fake.last_name()}"


def landline(rng: random.Random) -> str:
    return f"01632 960{rng.randint(0, 999):03d}"


def mobile(rng: random.Random) -> str:
    return f"07700 900{rng.randint(0, 999):03d}"


def email_for(name: str) -> str:
    return f"{name.lower().replace(' ', '.').replace(chr(39), '')}@example.org"


def fill(*, rng: random.Random, child: Child, staff, schools: list[School], today: date) -> None:
    """Add the people around the child and, for some, the addresses they lived at before."""
    fake = synthetic_faker(rng)
    cohorts = {episode.cohort for episode in child.episodes.all()}
    people: list[tuple[str, str, str, str]] = []
    if Cohort.CLA in cohorts:
        people.append(
            (Contact.Relationship.CARER, person_name(fake), rng.choice(FOSTERING), "mobile")
        )
    else:
        people.append((Contact.Relationship.PARENT, person_name(fake), "", "mobile"))
    if cohorts & {Cohort.CLA, Cohort.CIN, Cohort.CPP}:
        team = f"Demoshire Children's Services, {rng.choice(SOCIAL_CARE_TEAMS)}"
        people.append((Contact.Relationship.SOCIAL_WORKER, person_name(fake), team, "landline"))
    if Cohort.CLA in cohorts and rng.random() < 0.5:
        people.append(
            (Contact.Relationship.IRO, person_name(fake), "Demoshire Children's Services", "")
        )
    school = child.enrolments.filter(end_date__isnull=True).select_related("school").first()
    if school is not None:
        people.append(
            (
                Contact.Relationship.DESIGNATED_TEACHER,
                person_name(fake),
                school.school.name,
                "landline",
            )
        )
    for relationship, name, organisation, phone in people:
        services.contact_record(
            actor=staff.manager,
            child=child,
            relationship=relationship,
            name=name,
            organisation=organisation,
            phone={"mobile": mobile, "landline": landline}[phone](rng) if phone else "",
            email=email_for(name) if organisation else "",
        )
    _previous_addresses(rng=rng, fake=fake, child=child, staff=staff, today=today)


def _previous_addresses(
    *, rng: random.Random, fake: Faker, child: Child, staff, today: date
) -> None:
    moved_out = today - timedelta(days=rng.randint(60, 900))
    for _ in range(rng.choice([0, 0, 1, 1, 2])):
        if moved_out <= child.date_of_birth:
            return
        moved_in = max(child.date_of_birth, moved_out - timedelta(days=rng.randint(90, 1200)))
        services.previous_address_record(
            actor=staff.manager,
            child=child,
            address_line_1=fake.street_address().split("\n")[0],
            town=fake.city(),
            postcode=fake.postcode(),
            from_date=moved_in,
            to_date=moved_out,
        )
        moved_out = moved_in - timedelta(days=1)
