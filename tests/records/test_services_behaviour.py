"""Behaviour's own rules: suspensions, permanent exclusions (length, reasons, dates, one per
school and day) and alternative provision (hours, dates), and how they read on the tab.

Create, view, edit, the optimistic lock, refused input leaving the row, access and query
counts are the section contract's (tests/records/test_section_contract.py)."""

import datetime
import random
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from records.demo import DemoStaff
from records.demo import behaviour as demo
from records.models import AlternativeProvision, Exclusion, School
from records.services import behaviour, enrolment_record
from tests.factories import ChildFactory, SchoolFactory
from virtualschool.errors import DomainError

pytestmark = pytest.mark.django_db
D = datetime.date
TODAY = D(2025, 11, 20)


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel(datetime.datetime(2025, 11, 20, 12, tzinfo=datetime.UTC), tick=False):
        yield


@pytest.fixture
def child(db):
    return ChildFactory(date_of_birth=D(2011, 6, 15))


@pytest.fixture
def school(db):
    return SchoolFactory(name="Aire Valley Academy")


@pytest.fixture
def suspension(manager, child, school):
    return behaviour.exclusion_record(
        actor=manager,
        child=child,
        school=school,
        category="FIXD",
        start_date=D(2025, 10, 6),
        sessions=4,
        reasons=["DB", "VA"],
    )


@pytest.fixture
def placement(manager, child):
    return behaviour.alternative_provision_record(
        actor=manager,
        child=child,
        provider="Northern Skills Centre",
        start_date=D(2025, 10, 13),
        hours_per_week=Decimal("15"),
        reason="Full-time provision from the sixth day of a suspension",
    )


def _tab(child):
    return reverse("records:tab", kwargs={"pk": child.pk, "tab": "behaviour"})


def _add(child, section="exclusions"):
    return reverse(
        "records:section-add", kwargs={"pk": child.pk, "tab": "behaviour", "section": section}
    )


def _edit(child, item, section="exclusions"):
    return reverse(
        "records:section-edit",
        kwargs={"pk": child.pk, "tab": "behaviour", "section": section, "item": item.pk},
    )


def _date(name, value):
    day, month, year = (str(part) for part in (value.day, value.month, value.year))
    return {f"{name}_0": day, f"{name}_1": month, f"{name}_2": year}


def _exclusion_post(school, **fields):
    values = {
        "school": str(school.pk),
        "category": "FIXD",
        "sessions": "6",
        "reasons": ["PA"],
        "outcome": "stands",
        **_date("start_date", D(2025, 11, 3)),
    }
    values.update(fields)
    return values


def test_the_add_page_offers_schools_and_reason_checkboxes(client_for, manager, child, school):
    html = client_for(manager).get(_add(child)).content.decode()
    assert f'<option value="{school.pk}">Aire Valley Academy (URN {school.urn})</option>' in html
    assert 'type="checkbox" name="reasons" value="DB"' in html
    assert "DB – Persistent or general disruptive behaviour" in html


def test_create_a_permanent_exclusion_through_the_page(client_for, manager, child, school):
    response = client_for(manager).post(
        _add(child), _exclusion_post(school, category="PERM", sessions="", outcome="pending")
    )
    assert response.status_code == 302
    row = Exclusion.objects.get(child=child)
    assert (row.category, row.sessions, row.outcome) == ("PERM", None, "pending")


def test_view_lists_exclusions_and_placements(
    client_for, manager, child, school, suspension, placement
):
    html = client_for(manager).get(_tab(child)).content.decode()
    for text in (
        "Suspension",
        "Aire Valley Academy",
        "4 sessions (2 days)",
        "Persistent or general disruptive behaviour",
        "Verbal abuse or threatening behaviour against an adult",
        "Stands",
        "Northern Skills Centre",
        "15.0",
        "Add a placement in alternative provision",
    ):
        assert text in html


def test_edit_with_the_version_read(client_for, manager, child, school, suspension):
    client = client_for(manager)
    page = client.get(_edit(child, suspension)).content.decode()
    assert 'name="expected_version" value="1"' in page
    assert f'<option value="{school.pk}" selected>' in page
    assert 'value="DB" id="id_reasons_13" class="govuk-checkboxes__input" checked' in page
    response = client.post(
        _edit(child, suspension),
        {"expected_version": "1"}
        | _exclusion_post(school, reasons=["DB"], sessions="3", outcome="reinstated")
        | _date("start_date", suspension.start_date),
    )
    assert response.status_code == 302
    suspension.refresh_from_db()
    assert (suspension.sessions, suspension.reasons, suspension.outcome, suspension.version) == (
        3,
        ["DB"],
        "reinstated",
        2,
    )


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"sessions": None}, "sessions", "Enter the length of the suspension in sessions"),
        ({"sessions": 0}, "sessions", "must be at least 1 session"),
        (
            {"sessions": 91},
            "sessions",
            "A suspension can be at most 45 school days (90 sessions) in an academic year, "
            "so not 91 sessions",
        ),
        (
            {"category": "PERM", "sessions": 4},
            "sessions",
            "A permanent exclusion has no length: leave the number of sessions blank",
        ),
        ({"reasons": []}, "reasons", "Choose at least one reason (up to 3)"),
        ({"reasons": ["PP", "PA", "VP", "VA"]}, "reasons", "Choose up to 3 reasons, not 4"),
        ({"reasons": ["DB", "db"]}, "reasons", "Choose each reason once"),
        (
            {"reasons": ["ZZ"]},
            "reasons",
            "Reasons must be DfE exclusion reason codes (PP, PA, VP, VA, OW, BU, RA, LG, DS, "
            "SM, DA, DM, TH, DB, MT, PH, OT, BW,",
        ),
        ({"reasons": ["OT"]}, "reasons", "OT (Other) was withdrawn in autumn 2020"),
        (
            {"start_date": D(2025, 12, 5)},
            "start_date",
            "Start date must be no later than 4 December 2025 (14 days from today)",
        ),
        (
            {"start_date": D(2012, 1, 9)},
            "start_date",
            "Start date must be while the child is between 2 and 25",
        ),
        ({"start_date": None}, "start_date", "Enter the start date"),
        ({"school": None}, "school", "Choose the school from the list of schools"),
        (
            {"school": School(urn=999999, name="Not saved")},
            "school",
            "Choose the school from the list of schools",
        ),
        (
            {"category": "SUSP"},
            "category",
            "Category must be one of: PERM (Permanent exclusion), FIXD (Suspension), "
            "LNCH (Lunchtime suspension)",
        ),
    ],
)
def test_bad_exclusions_are_refused_and_nothing_saved(
    manager, child, school, fields, field, message
):
    values = {
        "school": school,
        "category": "FIXD",
        "start_date": D(2025, 11, 3),
        "sessions": 4,
        "reasons": ["DB"],
    } | fields
    with pytest.raises(DomainError) as raised:
        behaviour.exclusion_record(actor=manager, child=child, **values)
    assert message in " ".join(raised.value.message_dict[field])
    assert not Exclusion.objects.exists()


def test_the_longest_suspension_is_90_sessions(manager, child, school):
    row = behaviour.exclusion_record(
        actor=manager,
        child=child,
        school=school,
        category="FIXD",
        start_date=D(2025, 9, 8),
        sessions=90,
        reasons=["pa"],
    )
    assert (row.sessions, row.reasons) == (90, ["PA"])


def test_other_is_accepted_for_exclusions_before_autumn_2020(manager, child, school):
    row = behaviour.exclusion_record(
        actor=manager,
        child=child,
        school=school,
        category="LNCH",
        start_date=D(2020, 3, 2),
        sessions=1,
        reasons=["OT"],
    )
    assert row.reasons == ["OT"]


def test_the_same_exclusion_is_not_recorded_twice(manager, child, school, suspension):
    with pytest.raises(DomainError) as raised:
        behaviour.exclusion_record(
            actor=manager,
            child=child,
            school=school,
            category="FIXD",
            start_date=suspension.start_date,
            sessions=2,
            reasons=["BU"],
        )
    assert "A suspension from this school starting 6 October 2025 is already recorded" in (
        " ".join(raised.value.message_dict["start_date"])
    )
    assert Exclusion.objects.count() == 1


def test_an_unknown_school_through_the_page_is_refused(client_for, manager, child, school):
    response = client_for(manager).post(_add(child), _exclusion_post(school) | {"school": "987654"})
    assert response.status_code == 200
    assert "Choose a school from the list" in response.content.decode()
    assert not Exclusion.objects.exists()


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"hours_per_week": 0}, "hours_per_week", "more than 0 and at most 40"),
        ({"hours_per_week": Decimal("-3")}, "hours_per_week", "more than 0 and at most 40"),
        ({"hours_per_week": Decimal("40.5")}, "hours_per_week", "more than 0 and at most 40"),
        ({"hours_per_week": None}, "hours_per_week", "Enter the number of hours a week"),
        ({"hours_per_week": "lots"}, "hours_per_week", "must be a number"),
        (
            {"end_date": D(2025, 10, 1)},
            "end_date",
            "End date must be the same as or after the start date",
        ),
        (
            {"start_date": D(2010, 1, 1)},
            "start_date",
            "Start date must be on or after the child's date of birth",
        ),
        ({"provider": " "}, "provider", "Enter the provider"),
        ({"reason": ""}, "reason", "Enter the reason for the placement"),
    ],
)
def test_bad_placements_are_refused_and_nothing_saved(manager, child, fields, field, message):
    values = {
        "provider": "Northern Skills Centre",
        "start_date": D(2025, 10, 13),
        "hours_per_week": Decimal("15"),
        "reason": "Medical needs",
    } | fields
    with pytest.raises(DomainError) as raised:
        behaviour.alternative_provision_record(actor=manager, child=child, **values)
    assert message in " ".join(raised.value.message_dict[field])
    assert not AlternativeProvision.objects.exists()


def test_forty_hours_a_week_is_accepted(manager, child):
    row = behaviour.alternative_provision_record(
        actor=manager,
        child=child,
        provider="Northern Skills Centre",
        start_date=D(2026, 1, 5),
        hours_per_week=40,
        reason="Full-time provision",
    )
    assert row.hours_per_week == Decimal("40")


def test_demo_data_is_valid_for_children_of_every_age(manager, caseworker):
    staff = DemoStaff(manager=manager, caseworkers=(caseworker,))
    schools = [SchoolFactory(), SchoolFactory()]
    for age in range(3, 18):
        for seed in range(8):
            rng = random.Random(age * 100 + seed)  # noqa: S311 - demo data, not a secret
            born = D(TODAY.year - age, 1, 1) + datetime.timedelta(days=rng.randint(0, 360))
            pupil = ChildFactory(date_of_birth=born)
            if age >= 4 and seed % 2:
                enrolment_record(actor=manager, child=pupil, school=schools[1], start_date=TODAY)
            demo.fill(rng=rng, child=pupil, staff=staff, schools=schools, today=TODAY)
    assert Exclusion.objects.filter(category="FIXD").exists()
    assert AlternativeProvision.objects.exists()
