"""Each demo agreement's cohort against the seeded data (issue 13): who is included is what
the agreement's fields say, worked out here child by child in Python from the record."""

from __future__ import annotations

import datetime

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from records.models import Child
from sharing.cohort import POST_16_AGE, cohort
from sharing.models import Scope, SharingAgreement

pytestmark = pytest.mark.django_db


def _open(start, end, on):
    return start <= on and (end is None or end >= on)


def _age_fits(agreement: SharingAgreement, child: Child, on: datetime.date) -> bool:
    age = child.age_on(on)
    if agreement.min_age is not None and age < agreement.min_age:
        return False
    if agreement.max_age is None or age <= agreement.max_age:
        return True
    ehc = hasattr(child, "characteristics") and child.characteristics.sen_provision == "E"
    until = agreement.ehc_plan_until_age
    return ehc and until is not None and age < until


def _scope_fits(agreement: SharingAgreement, child: Child, episodes, on) -> bool:
    code = agreement.organisation.identifier
    enrolments = [e for e in child.enrolments.all() if _open(e.start_date, e.end_date, on)]
    if agreement.scope == Scope.SCHOOL_ROLL:
        return any(str(e.school.urn) == code for e in enrolments)
    if agreement.scope == Scope.LA_RESPONSIBLE_OR_PLACED:
        responsible = child.responsible_la_code or settings.LOCAL_AUTHORITY_CODE
        placed = any(e.cohort == "CLA" and e.placement_la == code for e in episodes)
        return responsible == code or placed
    if agreement.scope == Scope.POST_16:
        start_of_year = datetime.date(on.year if on.month >= 9 else on.year - 1, 8, 31)
        enrolled = any(e.school.ukprn == code for e in enrolments)
        post_16_age = child.age_on(start_of_year) >= POST_16_AGE
        return enrolled or (agreement.include_all_post_16_age and post_16_age)
    return True


def _expected(agreement: SharingAgreement, on: datetime.date) -> set:
    wanted = set()
    for child in Child.objects.prefetch_related(
        "episodes", "enrolments__school", "characteristics", "sharing_restrictions"
    ):
        if child.date_of_death is not None and child.date_of_death <= on:
            continue
        episodes = [e for e in child.episodes.all() if _open(e.start_date, e.end_date, on)]
        restricted = any(
            r.kind == "do_not_share" and r.recipient_type == agreement.organisation.type
            for r in child.sharing_restrictions.all()
        )
        if (
            any(e.cohort in agreement.legal_statuses for e in episodes)
            and not restricted
            and _age_fits(agreement, child, on)
            and _scope_fits(agreement, child, episodes, on)
        ):
            wanted.add(child.pk)
    return wanted


def test_every_demo_agreement_covers_exactly_whom_its_fields_say():
    call_command("seed_demo", children=60, password="a demo passphrase of some length", verbosity=0)
    on = timezone.localdate()
    seen = {}
    for agreement in SharingAgreement.objects.select_related("organisation"):
        covered = set(cohort(agreement, on).children.values_list("pk", flat=True))
        assert covered == _expected(agreement, on), agreement.name
        seen[agreement.organisation.type] = len(covered)
    youth = SharingAgreement.objects.get(organisation__type="youth_support")
    assert (youth.ehc_plan_until_age, youth.max_age) == (25, 19)
    # The demo places some looked-after children in Southshire: the other LA sees them.
    assert seen["other_la"] > 0
    assert seen["school"] > 0
