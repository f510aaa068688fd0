"""Synthetic notes for the demo, in each category a note can be filed under. Invented text
about no real person; family and criminal notes are written by the manager, who holds the
sensitive-categories permission."""

from __future__ import annotations

import random
from datetime import date, timedelta

from records.categories import DataCategory
from records.models import Child, School
from records.permissions import needs_sensitive_permission
from records.services import notes as services

TEXTS = {
    DataCategory.SOCIAL_CARE: (
        "Social worker confirmed the placement is stable. Next looked-after review booked.",
        "Care plan updated after the review; education section unchanged.",
    ),
    DataCategory.OTHER_AGENCIES: (
        "Educational psychologist assessment requested through the SEN team.",
        "Youth service mentor now meeting the young person weekly.",
    ),
    DataCategory.HOUSING: (
        "Carers moving house within the area next month; school place unaffected.",
    ),
    DataCategory.EMPLOYMENT: (
        "Work experience placement agreed with a local garage for two weeks in June.",
    ),
    DataCategory.OTHER_LA: (
        "Host authority's virtual school informed of the placement; PEP shared.",
    ),
    DataCategory.FAMILY: (
        "Contact with birth mother moved to alternate Saturdays; school informed.",
        "Sibling placed separately; carers arranging regular contact.",
    ),
    DataCategory.CRIMINAL: ("Referral order completed; youth justice worker closing the case.",),
    DataCategory.SUPPORT_NETWORK: ("Grandparents attend parents' evenings with the carers.",),
    DataCategory.REFERRAL: (
        "Referral made to the speech and language therapy service.",
        "Early help assessment completed; no further action needed.",
    ),
}


def fill(*, rng: random.Random, child: Child, staff, schools: list[School], today: date) -> None:
    """Add up to three notes, dated in the last two years and not before the child's birth."""
    for category in rng.sample(list(TEXTS), rng.randint(0, 3)):
        author = (
            staff.manager
            if needs_sensitive_permission(category)
            else rng.choice([staff.manager, *staff.caseworkers])
        )
        written_on = max(child.date_of_birth, today - timedelta(days=rng.randint(0, 730)))
        services.note_record(
            actor=author,
            child=child,
            category=category,
            text=rng.choice(TEXTS[category]),
            written_on=written_on,
        )
