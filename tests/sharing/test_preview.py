"""An agreement's preview: how many children, and which fields, it would release on a day."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from records.codes import Cohort
from records.models import Enrolment
from records.services.characteristics import characteristics_record
from sharing import selectors, services
from tests.factories import ChildFactory, EpisodeFactory, SchoolFactory
from tests.sharing.conftest import agreement_values

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 6, 1)


def _looked_after(born, **kwargs):
    child = ChildFactory(date_of_birth=born, **kwargs)
    EpisodeFactory(child=child, start_date=datetime.date(2020, 1, 1))
    return child


def test_age_on_the_day_decides_the_youth_cohort(draft):
    """13 to 19 on the day: the child whose 13th birthday is tomorrow is not counted today,
    and is tomorrow; the one who turned 20 today is not."""
    _looked_after(datetime.date(2013, 6, 2))  # 13 tomorrow
    _looked_after(datetime.date(2013, 6, 1))  # 13 today
    _looked_after(datetime.date(2006, 6, 1))  # 20 today
    _looked_after(datetime.date(2006, 6, 2))  # 19, 20 tomorrow
    assert selectors.agreement_preview(agreement=draft, on=DAY).children == 2
    assert selectors.agreement_preview(agreement=draft, on=DAY.replace(day=2)).children == 2
    assert selectors.agreement_preview(agreement=draft, on=DAY.replace(day=3)).children == 2


def test_only_the_legal_statuses_covered_and_open_that_day(draft):
    _looked_after(datetime.date(2010, 1, 1))
    in_need = ChildFactory(date_of_birth=datetime.date(2010, 1, 1))
    EpisodeFactory(child=in_need, cohort=Cohort.CIN, legal_status="")
    ended = ChildFactory(date_of_birth=datetime.date(2010, 1, 1))
    EpisodeFactory(
        child=ended, start_date=datetime.date(2020, 1, 1), end_date=datetime.date(2026, 5, 31)
    )
    preview = selectors.agreement_preview(agreement=draft, on=DAY)
    assert preview.children == 1
    assert any("Looked after" in rule for rule in preview.applied)


def test_a_do_not_share_restriction_keeps_the_child_out(draft, admin_user):
    child = _looked_after(datetime.date(2010, 1, 1))
    assert selectors.agreement_preview(agreement=draft, on=DAY).children == 1
    services.restriction_add(
        actor=admin_user,
        child=child,
        kind="do_not_share",
        recipient_type="youth_support",
        requested_by="parent",
        reason="The parent asked",
    )
    assert selectors.agreement_preview(agreement=draft, on=DAY).children == 0


def test_name_address_and_dob_only_is_counted(draft, admin_user):
    child = _looked_after(datetime.date(2010, 1, 1))
    services.restriction_add(
        actor=admin_user,
        child=child,
        kind="nad_only",
        requested_by="child",
        reason="Aged 16, asked for it",
    )
    preview = selectors.agreement_preview(agreement=draft, on=DAY)
    assert (preview.children, preview.name_address_dob_only) == (1, 1)


def test_a_school_sees_its_roll_that_day(admin_user):
    school = SchoolFactory(urn=123456)
    elsewhere = SchoolFactory(urn=123457)
    organisation = services.organisation_add(
        actor=admin_user,
        name=school.name,
        type="school",
        identifier_kind="urn",
        identifier="123456",
        contact_name="DT",
        contact_email="dt@example.invalid",
    )
    agreement = services.agreement_draft(
        actor=admin_user,
        **agreement_values(
            organisation,
            scope="school_roll",
            categories=["attendance", "attainment"],
            min_age=None,
            max_age=None,
        ),
    )
    on_roll = _looked_after(datetime.date(2014, 1, 1))
    left = _looked_after(datetime.date(2014, 1, 1))
    other = _looked_after(datetime.date(2014, 1, 1))
    Enrolment.objects.create(child=on_roll, school=school, start_date=datetime.date(2024, 9, 1))
    Enrolment.objects.create(
        child=left,
        school=school,
        start_date=datetime.date(2024, 9, 1),
        end_date=datetime.date(2026, 5, 31),
    )
    Enrolment.objects.create(child=other, school=elsewhere, start_date=datetime.date(2024, 9, 1))
    preview = selectors.agreement_preview(agreement=agreement, on=DAY)
    assert preview.children == 1
    assert not preview.not_applied


def test_the_fields_come_from_the_data_map(draft):
    preview = selectors.agreement_preview(agreement=draft, on=DAY)
    assert [section.category.value for section in preview.categories] == ["identity", "contact"]
    identity = {(f.table, f.field) for f in preview.categories[0].fields}
    assert ("Child", "Date of birth") in identity
    assert ("Child", "First name") in identity
    assert ("Child", "UPN") in identity  # the model's capitals kept, not "Upn"
    # Nothing outside the record: no audit-log copies, grants or import rejections.
    assert not any("log" in table.lower() for table, _ in identity)


def test_the_la_rule_is_applied_not_said_to_be_missing(admin_user):
    other_la = services.organisation_add(
        actor=admin_user,
        name="Southshire",
        type="other_la",
        identifier_kind="la_code",
        identifier="331",
        contact_name="C",
        contact_email="c@example.invalid",
    )
    agreement = services.agreement_draft(
        actor=admin_user, **agreement_values(other_la, scope="la", min_age=None, max_age=None)
    )
    preview = selectors.agreement_preview(agreement=agreement, on=DAY)
    assert not preview.not_applied
    assert any("responsible" in rule for rule in preview.applied)


def test_the_preview_is_two_queries_whatever_the_cohort(draft):
    for year in range(2008, 2013):
        _looked_after(datetime.date(year, 1, 1))
    with CaptureQueriesContext(connection) as few:
        selectors.agreement_preview(agreement=draft, on=DAY)
    for year in range(2008, 2013):
        _looked_after(datetime.date(year, 2, 1))
    with CaptureQueriesContext(connection) as more:
        selectors.agreement_preview(agreement=draft, on=DAY)
    assert len(few) == len(more) <= 3


# --- Youth support: 13 to 19, or to 25 with an EHC plan (issue 13; s507B) --------------------


def _with_ehc_plan(born):
    child = _looked_after(born)
    characteristics_record(actor=None, child=child, sen_provision="E", sen_primary_need="ASD")
    return child


@pytest.mark.parametrize(
    ("on", "expected"),
    [
        # The one with an EHC plan turns 25 on 2026-06-02; the one without turns 20 then.
        (datetime.datetime(2026, 6, 1, 22, 59, tzinfo=datetime.UTC), 2),  # 23:59 in London
        (datetime.datetime(2026, 6, 1, 23, 0, tzinfo=datetime.UTC), 0),  # 00:00 on the 2nd
    ],
)
def test_an_ehc_plan_keeps_a_young_person_in_the_youth_cohort_to_25(
    admin_user, organisation, on, expected
):
    # The agreement's structured field (issue 13), as the demo's s507B agreement sets it.
    draft = services.agreement_draft(
        actor=admin_user, **agreement_values(organisation, ehc_plan_until_age=25)
    )
    _with_ehc_plan(datetime.date(2001, 6, 2))  # 25 on 2 June 2026
    _looked_after(datetime.date(2006, 6, 2))  # no plan: 20 on 2 June 2026
    _with_ehc_plan(datetime.date(2001, 6, 1))  # already 25: out
    with time_machine.travel(on, tick=False):
        preview = selectors.agreement_preview(agreement=draft)
    assert preview.children == expected
    assert any("EHC plan" in rule for rule in preview.applied)


def test_without_the_ehc_plan_age_an_ehc_plan_changes_nothing(admin_user, organisation):
    """The extension is the agreement's field, no longer read from its statutes: s507B
    without the field extends nothing."""
    agreement = services.agreement_draft(actor=admin_user, **agreement_values(organisation))
    _with_ehc_plan(datetime.date(2004, 1, 1))  # 22 on the day
    preview = selectors.agreement_preview(agreement=agreement, on=DAY)
    assert preview.children == 0
    assert not any("EHC plan" in rule for rule in preview.applied)


def test_sen_support_is_not_an_ehc_plan(draft):
    child = _looked_after(datetime.date(2004, 1, 1))  # 22 on the day
    characteristics_record(actor=None, child=child, sen_provision="K", sen_primary_need="ASD")
    assert selectors.agreement_preview(agreement=draft, on=DAY).children == 0
