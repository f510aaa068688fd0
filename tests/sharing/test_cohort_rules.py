"""Cohort rules as structured fields, all applied (issue 13): another local authority sees the
children it is responsible for or who are placed in its area on the day; a post-16 provider
those enrolled with it (or of post-16 age, if the agreement says so); an EHC plan extends the
youth support range to the agreement's age. Every day is Europe/London's."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.test import override_settings

from records.codes import Cohort
from records.models import Enrolment
from records.services.characteristics import characteristics_record
from sharing import selectors, services
from sharing.cohort import cohort
from sharing.models import RecipientOrganisation
from tests.factories import ChildFactory, EpisodeFactory, SchoolFactory
from tests.sharing.conftest import agreement_values
from virtualschool.errors import DomainError

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 6, 1)
OURS, THEIRS, ELSEWHERE = "873", "874", "875"


def _looked_after(born=datetime.date(2012, 1, 1), *, placed="", end=None, **kwargs):
    child = ChildFactory(date_of_birth=born, **kwargs)
    EpisodeFactory(
        child=child, start_date=datetime.date(2020, 1, 1), end_date=end, placement_la=placed
    )
    return child


def _organisation(admin_user, type, kind, identifier, name="Recipient"):
    return services.organisation_add(
        actor=admin_user,
        name=name,
        type=type,
        identifier_kind=kind,
        identifier=identifier,
        contact_name="C",
        contact_email="c@example.invalid",
    )


def _covered(agreement, on=DAY):
    return set(cohort(agreement, on).children.values_list("pk", flat=True))


@pytest.fixture
def other_la(admin_user):
    organisation = _organisation(admin_user, "other_la", "la_code", THEIRS, "Southshire")
    return services.agreement_draft(
        actor=admin_user,
        **agreement_values(organisation, scope="la", min_age=None, max_age=None),
    )


# --- Another local authority -----------------------------------------------------------------


@override_settings(LOCAL_AUTHORITY_CODE=OURS)
def test_another_authority_sees_those_placed_in_its_area_or_it_is_responsible_for(other_la):
    placed_there = _looked_after(placed=THEIRS)
    responsible = _looked_after(placed=OURS, responsible_la_code=THEIRS)
    ours_placed_at_home = _looked_after(placed=OURS)
    placed_elsewhere = _looked_after(placed=ELSEWHERE, responsible_la_code=ELSEWHERE)
    no_placement_known = _looked_after()
    covered = _covered(other_la)
    assert covered == {placed_there.pk, responsible.pk}
    assert not covered & {ours_placed_at_home.pk, placed_elsewhere.pk, no_placement_known.pk}
    preview = selectors.agreement_preview(agreement=other_la, on=DAY)
    assert preview.children == 2
    assert preview.not_applied == []


def test_placed_in_the_area_is_on_the_day(other_la):
    """The episode placed in their area must be open that day: one that ended yesterday, or
    a child in need's episode, does not count (only looked-after episodes have a placement)."""
    ended = _looked_after(placed=THEIRS, end=DAY - datetime.timedelta(days=1))
    ends_today = _looked_after(placed=THEIRS, end=DAY)
    assert _covered(other_la) == {ends_today.pk}
    assert _covered(other_la, DAY - datetime.timedelta(days=1)) == {ended.pk, ends_today.pk}


@override_settings(LOCAL_AUTHORITY_CODE=OURS)
def test_our_own_children_are_the_councils_by_responsibility(admin_user):
    """A blank responsible authority is this one (settings.LOCAL_AUTHORITY_CODE): our own
    council service's LA-scoped agreement covers them; another authority's does not."""
    council = _organisation(admin_user, "council", "la_code", OURS, "Our social care")
    agreement = services.agreement_draft(
        actor=admin_user,
        **agreement_values(council, scope="la", min_age=None, max_age=None),
    )
    ours = _looked_after(placed=ELSEWHERE)
    theirs = _looked_after(placed=ELSEWHERE, responsible_la_code=THEIRS)
    assert _covered(agreement) == {ours.pk}
    assert theirs.pk not in _covered(agreement)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (datetime.datetime(2026, 6, 1, 22, 59, tzinfo=datetime.UTC), 1),  # 23:59 on the 1st
        (datetime.datetime(2026, 6, 1, 23, 0, tzinfo=datetime.UTC), 0),  # 00:00 on the 2nd
    ],
)
def test_the_placement_day_ends_at_midnight_in_london(other_la, now, expected):
    _looked_after(placed=THEIRS, end=DAY)
    with time_machine.travel(now, tick=False):
        assert selectors.agreement_preview(agreement=other_la).children == expected


# --- A post-16 provider ----------------------------------------------------------------------

UKPRN = "10012345"


def _post_16(admin_user, **changes):
    college = RecipientOrganisation.objects.filter(identifier=UKPRN).first() or _organisation(
        admin_user, "post_16", "ukprn", UKPRN, "Northshire College"
    )
    return services.agreement_draft(
        actor=admin_user,
        **agreement_values(college, scope="post_16", min_age=None, max_age=None, **changes),
    )


def _enrol(child, school, *, end=None):
    Enrolment.objects.create(
        child=child, school=school, start_date=datetime.date(2025, 9, 1), end_date=end
    )


def test_a_post_16_provider_sees_the_children_enrolled_with_it_that_day(admin_user):
    college = SchoolFactory(ukprn=UKPRN)
    other = SchoolFactory(ukprn="10099999")
    enrolled = _looked_after(datetime.date(2009, 10, 1))  # 16, of post-16 age
    young_enrolled = _looked_after(datetime.date(2011, 1, 1))  # 15: enrolled all the same
    left = _looked_after(datetime.date(2009, 10, 1))
    elsewhere = _looked_after(datetime.date(2009, 10, 1))
    not_enrolled = _looked_after(datetime.date(2009, 10, 1))
    _enrol(enrolled, college)
    _enrol(young_enrolled, college)
    _enrol(left, college, end=DAY - datetime.timedelta(days=1))
    _enrol(elsewhere, other)
    agreement = _post_16(admin_user)
    assert _covered(agreement) == {enrolled.pk, young_enrolled.pk}
    assert not_enrolled.pk not in _covered(agreement)
    preview = selectors.agreement_preview(agreement=agreement, on=DAY)
    assert preview.not_applied == []
    assert any(f"UKPRN {UKPRN}" in rule for rule in preview.applied)


def test_or_every_child_of_post_16_age_when_the_agreement_says_so(admin_user):
    college = SchoolFactory(ukprn=UKPRN)
    # Post-16 age: 16 or over on 31 August 2025 (the start of the school year of DAY).
    sixteen_by_august = _looked_after(datetime.date(2009, 8, 31))
    sixteen_in_september = _looked_after(datetime.date(2009, 9, 1))
    young_enrolled = _looked_after(datetime.date(2012, 1, 1))
    _enrol(young_enrolled, college)
    only_enrolled = _post_16(admin_user)
    assert _covered(only_enrolled) == {young_enrolled.pk}
    with_age = _post_16(admin_user, name="Participation", include_all_post_16_age=True)
    assert _covered(with_age) == {sixteen_by_august.pk, young_enrolled.pk}
    assert sixteen_in_september.pk not in _covered(with_age)


# --- EHC plan to 25, a structured field --------------------------------------------------------


def _with_ehc_plan(born):
    child = _looked_after(born)
    characteristics_record(actor=None, child=child, sen_provision="E", sen_primary_need="ASD")
    return child


def test_an_ehc_plan_covers_the_24th_birthday_and_not_the_25th(admin_user, organisation):
    agreement = services.agreement_draft(
        actor=admin_user, **agreement_values(organisation, ehc_plan_until_age=25)
    )
    twenty_four_today = _with_ehc_plan(datetime.date(2002, 6, 1))
    twenty_five_today = _with_ehc_plan(datetime.date(2001, 6, 1))
    twenty_five_tomorrow = _with_ehc_plan(datetime.date(2001, 6, 2))
    twenty_four_no_plan = _looked_after(datetime.date(2002, 6, 1))
    assert _covered(agreement) == {twenty_four_today.pk, twenty_five_tomorrow.pk}
    assert _covered(agreement, DAY + datetime.timedelta(days=1)) == {twenty_four_today.pk}
    assert twenty_five_today.pk not in _covered(agreement)
    assert twenty_four_no_plan.pk not in _covered(agreement)


def test_the_ehc_plan_age_is_the_agreements_not_the_statutes(admin_user, organisation):
    """An agreement under another statute can have it; an s507B one without it has none."""
    under_22 = services.agreement_draft(
        actor=admin_user,
        **agreement_values(organisation, statutes=["ca1989"], ehc_plan_until_age=22),
    )
    s507b_without = services.agreement_draft(actor=admin_user, **agreement_values(organisation))
    twenty_one = _with_ehc_plan(datetime.date(2005, 1, 1))
    twenty_two = _with_ehc_plan(datetime.date(2004, 1, 1))
    assert _covered(under_22) == {twenty_one.pk}
    assert twenty_two.pk not in _covered(under_22)
    assert _covered(s507b_without) == set()


# --- Bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"min_age": 19, "max_age": 13}, "max_age", "must be the same as or more than"),
        ({"ehc_plan_until_age": 19}, "ehc_plan_until_age", "must be more than the maximum age"),
        ({"ehc_plan_until_age": 26}, "ehc_plan_until_age", "from 0 to 25"),
        ({"max_age": None, "ehc_plan_until_age": 25}, "ehc_plan_until_age", "maximum age"),
        ({"include_all_post_16_age": True}, "include_all_post_16_age", "post-16 provider"),
    ],
)
def test_bad_cohort_fields_are_refused_naming_the_field(
    admin_user, organisation, changes, field, words
):
    values = agreement_values(organisation, **changes)
    errors = services.agreement_check(values=values)
    assert words in errors[field][0]
    with pytest.raises(DomainError):
        services.agreement_draft(actor=admin_user, **values)
    assert not organisation.agreements.exists()


def test_every_error_at_once(organisation):
    values = agreement_values(
        organisation, min_age=19, max_age=13, ehc_plan_until_age=12, include_all_post_16_age=True
    )
    errors = services.agreement_check(values=values)
    assert {"max_age", "ehc_plan_until_age", "include_all_post_16_age"} <= set(errors)


def test_cohorts_are_a_fixed_number_of_queries(django_assert_num_queries, other_la):
    for _ in range(3):
        _looked_after(placed=THEIRS)
    with django_assert_num_queries(1):
        assert len(_covered(other_la)) == 3
    for _ in range(6):
        _looked_after(placed=THEIRS)
    with django_assert_num_queries(1):
        assert len(_covered(other_la)) == 9


def test_legal_statuses_still_apply_to_the_la_rule(other_la):
    child = ChildFactory(date_of_birth=datetime.date(2012, 1, 1), responsible_la_code=THEIRS)
    EpisodeFactory(child=child, cohort=Cohort.CIN, legal_status="")
    assert _covered(other_la) == set()


@override_settings(LOCAL_AUTHORITY_CODE=OURS)
def test_the_responsible_authority_set_on_the_characteristics_page_is_the_cohort_rules(
    other_la, client_for, manager
):
    """Issue 13: the code the characteristics page sets is the one the cohort rule reads."""
    from django.urls import reverse

    child = _looked_after(placed=OURS)
    assert child.pk not in _covered(other_la)
    add = reverse(
        "records:section-add",
        kwargs={"pk": child.pk, "tab": "characteristics", "section": "characteristics"},
    )
    response = client_for(manager).post(
        add, {"responsible_la_code": THEIRS, "unaccompanied_asylum_seeking": "false"}
    )
    assert response.status_code == 302
    assert child.pk in _covered(other_la)


# --- PL_LA as an ONS code ---------------------------------------------------------------------
# The SSDA903 validator derives PL_LA from the placement's postcode as the ONS code of the
# upper-tier authority (E10000003), so an authority may give its ONS code beside its LA code.


def test_an_authority_s_ons_code_also_finds_the_children_placed_in_its_area(admin_user):
    organisation = _organisation(admin_user, "other_la", "la_code", THEIRS, "Southshire")
    agreement = services.agreement_draft(
        actor=admin_user,
        **agreement_values(organisation, scope="la", min_age=None, max_age=None),
    )
    by_ons = _looked_after(placed="E10000003")
    by_code = _looked_after(placed=THEIRS)
    assert _covered(agreement) == {by_code.pk}

    services.organisation_edit(
        actor=admin_user,
        organisation=organisation,
        name="Southshire",
        type="other_la",
        identifier_kind="la_code",
        identifier=THEIRS,
        ons_code="e10000003",
        contact_name="C",
        contact_email="c@example.invalid",
    )
    agreement.organisation.refresh_from_db()
    assert agreement.organisation.ons_code == "E10000003"
    assert _covered(agreement) == {by_code.pk, by_ons.pk}
    assert any("or ONS code E10000003" in rule for rule in cohort(agreement, DAY).applied)


@pytest.mark.parametrize(
    ("type", "kind", "identifier", "ons_code", "message"),
    [
        ("other_la", "la_code", THEIRS, "E07000001", "Enter a real ONS code"),
        ("other_la", "la_code", THEIRS, "874", "Enter a real ONS code"),
        ("school", "urn", "100123", "E09000033", "Only an authority identified by its LA code"),
    ],
)
def test_a_bad_ons_code_is_refused_naming_the_field(
    admin_user, type, kind, identifier, ons_code, message
):
    with pytest.raises(DomainError) as refused:
        services.organisation_add(
            actor=admin_user,
            name="Recipient",
            type=type,
            identifier_kind=kind,
            identifier=identifier,
            ons_code=ons_code,
            contact_name="C",
            contact_email="c@example.invalid",
        )
    assert message in " ".join(refused.value.message_dict["ons_code"])
    assert not RecipientOrganisation.objects.exists()
