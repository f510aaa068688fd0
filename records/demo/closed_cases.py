"""Synthetic children whose case closed so long ago that their record is due for destruction
today: the retention queue (an Admin's "Retention" pages) has someone to propose, and a
second Admin someone to approve (issue 16's destruction journey).

Each was a child in need: the case opened at 7, ended and was closed at 11, and the default
rule keeps a child in need's record for 10 years after the case closes (retention/defaults.py,
from the privacy notice), so their closure is set 10 years and some months before today.
Written through the record's services like every other demo child, so retention computes
their destruction date as it would for a real one (records/lifecycle.py). No caseworker is
allocated: the case is closed. Invented people, made after every other demo child so the
shared random generators draw what they drew before for the rest.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from faker import Faker

from records import services
from records.calendar import years_after
from records.categories import DataCategory
from records.codes import Cohort, Gender
from records.models import Child
from records.services import notes

# The default rule for children in need (retention/defaults.py): 10 years after closure.
CIN_YEARS_KEPT = 10
# How long past the rule's end each demo child's case closed, in days.
OVERDUE_DAYS = (200, 400)


def closed_case_children(
    *, count: int, fake: Faker, rng: random.Random, staff, today: date
) -> list[Child]:
    """`count` children whose child-in-need case closed over CIN_YEARS_KEPT years ago."""
    made = []
    for index in range(count):
        closed = years_after(today, -CIN_YEARS_KEPT) - timedelta(
            days=OVERDUE_DAYS[index % len(OVERDUE_DAYS)]
        )
        born = years_after(closed, -11) - timedelta(days=rng.randint(0, 300))
        gender = rng.choice([Gender.MALE, Gender.FEMALE])
        child = services.child_create(
            actor=staff.manager,
            first_name=fake.first_name_male()
            if gender == Gender.MALE
            else fake.first_name_female(),
            last_name=fake.last_name(),
            date_of_birth=born,
            gender=gender,
            upn="",
            address_line_1=fake.street_address().split("\n")[0],
            town=fake.city(),
            postcode=fake.postcode(),
        )
        services.episode_add(
            actor=staff.manager,
            child=child,
            cohort=Cohort.CIN,
            start_date=years_after(born, 7),
            end_date=closed,
            closure_date=closed,
        )
        notes.note_record(
            actor=staff.manager,
            child=child,
            category=DataCategory.SOCIAL_CARE,
            text="Case closed: needs met, no further social care involvement.",
            written_on=closed,
        )
        made.append(child)
    return made
