"""The Pupil Premium Plus position: allocated, requested, approved and spent by child, by
school and in total, from a hand-built fixture of two schools and three children
(records/selectors/ppplus.py); one statement over a children subquery at any size."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from records.codes import Cohort
from records.models import Child, Enrolment
from records.selectors.ppplus import (
    children_in_care_during,
    ppplus_by_school,
    ppplus_child_rows,
    ppplus_position,
)
from records.services import pep as pep_services
from records.services import ppplus as services
from tests.factories import ChildFactory, EpisodeFactory, SchoolFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("pep_today")]


def _child(school, allocate, caseworker):
    child = ChildFactory(date_of_birth=date(2014, 3, 3))
    EpisodeFactory(child=child, cohort=Cohort.CLA, start_date=date(2025, 6, 2))
    if school is not None:
        Enrolment.objects.create(child=child, school=school, start_date=date(2025, 9, 3))
    allocate(child, caseworker)
    return child


def _request(caseworker, manager, child, amount, approve=None, spend=None):
    plan = pep_services.pep_start(actor=caseworker, child=child)
    target = pep_services.pep_target_add(
        actor=caseworker, plan=plan, target="Read", owner="Teacher", due_by=date(2026, 1, 5)
    )
    request = services.ppplus_request_make(
        actor=caseworker, plan=plan, amount=Decimal(amount), target_ids=[target.pk]
    )
    if approve is not None:
        request = services.ppplus_request_approve(
            actor=manager,
            request=request,
            expected_version=request.version,
            amount=Decimal(approve),
        )
    if spend is not None:
        services.ppplus_spend_record(
            actor=caseworker,
            request=request,
            spent_on=date(2025, 11, 11),
            amount=Decimal(spend),
            bought="Tutoring",
        )
    return request


@pytest.fixture
def cohort(caseworker, manager, allocate):
    """Hill has Amy (asked 1,000, approved 800, spent 500) and Ben (asked 400, undecided);
    Vale has Cal (asked 2,630, refused... then nothing else: requested counts it)."""
    hill, vale = SchoolFactory(name="Hill Academy"), SchoolFactory(name="Vale School")
    amy, ben, cal = (_child(s, allocate, caseworker) for s in (hill, hill, vale))
    _request(caseworker, manager, amy, "1000", approve="800", spend="500")
    _request(caseworker, manager, ben, "400")
    refused = _request(caseworker, manager, cal, "2630")
    services.ppplus_request_refuse(
        actor=manager, request=refused, expected_version=refused.version, reason="No plan"
    )
    return {"hill": hill, "vale": vale, "amy": amy, "ben": ben, "cal": cal}


def test_the_totals_add_up_by_child_by_school_and_in_all(cohort):
    rows = {row.pk: row for row in ppplus_child_rows(children=Child.objects.all(), year=2025)}
    amy, ben, cal = (rows[cohort[name].pk] for name in ("amy", "ben", "cal"))
    assert (amy.allocated, amy.requested, amy.approved, amy.spent) == (
        Decimal("2630"),
        Decimal("1000"),
        Decimal("800"),
        Decimal("500"),
    )
    assert (ben.requested, ben.approved, ben.spent) == (Decimal("400"), 0, 0)
    assert (cal.requested, cal.approved, cal.school_id) == (
        Decimal("2630"),
        0,
        cohort["vale"].pk,
    )
    by_school = {
        p.school.name: p.figures for p in ppplus_by_school(children=Child.objects.all(), year=2025)
    }
    assert by_school["Hill Academy"].children == 2
    assert by_school["Hill Academy"].allocated == Decimal("5260")
    assert by_school["Hill Academy"].requested == Decimal("1400")
    assert by_school["Hill Academy"].approved == Decimal("800")
    assert by_school["Hill Academy"].spent == Decimal("500")
    assert by_school["Vale School"].requested == Decimal("2630")
    total = ppplus_position(children=Child.objects.all(), year=2025)
    assert (total.children, total.allocated, total.requested, total.approved, total.spent) == (
        3,
        Decimal("7890"),
        Decimal("4030"),
        Decimal("800"),
        Decimal("500"),
    )
    assert total.unallocated == Decimal("7090")


def test_the_position_is_scoped_to_the_children_given_and_the_year(cohort):
    only_vale = Child.objects.filter(enrolments__school=cohort["vale"])
    assert ppplus_position(children=only_vale, year=2025).requested == Decimal("2630")
    other_year = ppplus_position(children=Child.objects.all(), year=2024)
    assert (other_year.allocated, other_year.requested) == (Decimal("7710"), 0)
    assert ppplus_position(children=Child.objects.none(), year=2025).children == 0
    assert set(children_in_care_during(2025)) == {cohort["amy"], cohort["ben"], cohort["cal"]}
    assert not children_in_care_during(2023).exists()


@pytest.mark.parametrize("extra", [0, 6])
def test_the_total_is_one_statement_whatever_the_number(
    cohort, extra, caseworker, manager, allocate, django_assert_num_queries
):
    for _ in range(extra):
        child = _child(cohort["hill"], allocate, caseworker)
        _request(caseworker, manager, child, "100", approve="100", spend="50")
    with django_assert_num_queries(1):
        total = ppplus_position(children=Child.objects.all(), year=2025)
    assert total.spent == Decimal("500") + 50 * extra
    with django_assert_num_queries(2):
        ppplus_by_school(children=Child.objects.all(), year=2025)
