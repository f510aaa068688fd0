"""The designated teachers' portal (issue 13): a school's recipient users see, read-only, the
looked-after and previously looked-after children on their roll today as the school's
active agreement releases them, every view logged as a disclosure; anyone else gets 404."""

from __future__ import annotations

import datetime
import hashlib
import zoneinfo

import pytest
import time_machine
from django.urls import reverse

from records.codes import Cohort
from records.models import AccessLogEntry, AssessmentResult, AttendanceSession, Enrolment
from sharing import datasets, services
from sharing.models import DisclosureChild, DisclosureLogEntry
from tests.conftest import signed_in
from tests.factories import PASSWORD, ChildFactory, EpisodeFactory, SchoolFactory
from tests.sharing.conftest import agreement_values

pytestmark = pytest.mark.django_db

LONDON = zoneinfo.ZoneInfo("Europe/London")
DAY = datetime.date(2026, 6, 1)
NOON = datetime.datetime(2026, 6, 1, 12, tzinfo=LONDON)
URN = 123456
OTHER_URN = 123457


@pytest.fixture(autouse=True)
def _on_the_day():
    with time_machine.travel(NOON, tick=False):
        yield


def _school_organisation(admin_user, urn: int, name: str):
    return services.organisation_add(
        actor=admin_user,
        name=name,
        type="school",
        identifier_kind="urn",
        identifier=str(urn),
        contact_name="Dee Teacher",
        contact_email=f"dt{urn}@example.invalid",
    )


def _agreement(admin_user, admin2, organisation, *, approve=True, **changes):
    values = agreement_values(
        organisation,
        name="Designated teacher",
        purpose="The designated teacher's duties",
        statutes=["ca1989"],
        categories=["identity", "attendance", "attainment"],
        legal_statuses=["CLA", "PLAC"],
        min_age=None,
        max_age=None,
        scope="school_roll",
    )
    values.update(changes)
    agreement = services.agreement_draft(actor=admin_user, **values)
    if approve:
        agreement = services.agreement_approve(actor=admin2, agreement=agreement)
    return agreement


@pytest.fixture
def school(db):
    return SchoolFactory(urn=URN, name="Riverside Academy")


@pytest.fixture
def other_school(db):
    return SchoolFactory(urn=OTHER_URN, name="Hilltop School")


@pytest.fixture
def organisation(admin_user, school):
    return _school_organisation(admin_user, URN, school.name)


@pytest.fixture
def agreement(admin_user, admin2, organisation):
    return _agreement(admin_user, admin2, organisation)


def _teacher(organisation, username="teacher"):
    return services.recipient_user_ensure(
        organisation=organisation,
        username=username,
        first_name="Dee",
        last_name="Teacher",
        password=PASSWORD,
    )


@pytest.fixture
def teacher(organisation):
    return _teacher(organisation)


def _pupil(school, *, cohort=Cohort.CLA, end_date=None, **names):
    child = ChildFactory(date_of_birth=datetime.date(2014, 1, 1), **names)
    EpisodeFactory(
        child=child,
        cohort=cohort,
        legal_status="C2" if cohort == Cohort.CLA else "",
        plac_route="adoption" if cohort == Cohort.PLAC else "",
        start_date=datetime.date(2020, 1, 1),
    )
    Enrolment.objects.create(
        child=child, school=school, start_date=datetime.date(2024, 9, 1), end_date=end_date
    )
    return child


def _list(client):
    return client.get(reverse("portal:children"))


def _child_page(client, child):
    return client.get(reverse("portal:child", kwargs={"pk": child.pk}))


# --- Who is listed, and who may open a child ------------------------------------------------


def test_the_list_shows_the_schools_looked_after_children_on_roll_today(
    agreement, teacher, school, other_school
):
    on_roll = _pupil(school, first_name="Ada", last_name="Lovelace")
    adopted = _pupil(school, cohort=Cohort.PLAC, first_name="Grace", last_name="Hopper")
    in_need = _pupil(school, cohort=Cohort.CIN, first_name="Cin", last_name="Child")
    elsewhere = _pupil(other_school, first_name="Else", last_name="Where")
    left = _pupil(school, end_date=DAY - datetime.timedelta(days=1), first_name="Left")
    page = _list(signed_in(teacher))
    assert page.status_code == 200
    listed = {child.pk for child in page.context["listing"].children}
    assert listed == {on_roll.pk, adopted.pk}
    text = page.content.decode()
    assert "Ada Lovelace" in text and "Grace Hopper" in text
    for absent in (in_need, elsewhere, left):
        assert str(absent.pk) not in text
    assert "Riverside Academy" in text


def test_a_child_not_in_the_cohort_today_is_a_logged_404(
    agreement, teacher, school, other_school, admin_user
):
    client = signed_in(teacher)
    in_need = _pupil(school, cohort=Cohort.CIN)
    elsewhere = _pupil(other_school)
    left = _pupil(school, end_date=DAY - datetime.timedelta(days=1))
    restricted = _pupil(school)
    services.restriction_add(
        actor=admin_user,
        child=restricted,
        kind="do_not_share",
        recipient_type="school",
        requested_by="parent",
        reason="The parent asked",
    )
    for child in (in_need, elsewhere, left, restricted):
        assert _child_page(client, child).status_code == 404
        assert AccessLogEntry.objects.filter(
            child_id=child.pk, user=teacher, outcome="denied", page="portal-child"
        ).exists()
    assert not DisclosureLogEntry.objects.exists()
    assert _list(client).context["listing"].children == []


def test_the_child_page_shows_exactly_what_the_agreement_releases(agreement, teacher, school):
    child = _pupil(school, first_name="Ada", last_name="Lovelace")
    AssessmentResult.objects.create(
        child=child, measure="KS2_READ", academic_year=2024, result="105"
    )
    AttendanceSession.objects.create(
        child=child, school=school, date=datetime.date(2026, 5, 20), session="AM", code="/"
    )
    page = _child_page(signed_in(teacher), child)
    assert page.status_code == 200
    text = page.content.decode()
    assert "Ada Lovelace" in text
    assert "105" in text and "20 May 2026" in text and "Riverside Academy" in text
    # What the dataset of the agreement would send for the child, and nothing else.
    dataset = datasets.build(agreement=agreement, on=DAY)
    shown = page.context["child"]
    assert shown.fields == dataset.fields
    assert {block.block_id for block in shown.blocks} == {
        f"released-{plan.entry.table}" for plan in dataset.plans
    }
    # Contact (the address) and social care (the legal status) are not released.
    assert child.postcode not in text
    assert "Looked after" not in text
    # Labels keep their capitals, as the model writes them ("UPN", not "Upn").
    assert "UPN" in text and "Upn" not in text


def test_a_field_outside_the_categories_never_appears(admin_user, admin2, organisation, school):
    _agreement(admin_user, admin2, organisation, categories=["attainment"])
    teacher = _teacher(organisation)
    child = _pupil(school, first_name="Zebedee", last_name="Quartermaine")
    AssessmentResult.objects.create(
        child=child, measure="KS2_READ", academic_year=2024, result="99"
    )
    client = signed_in(teacher)
    listing = _list(client)
    assert "Zebedee" not in listing.content.decode()
    assert listing.context["listing"].fields == []
    page = _child_page(client, child)
    text = page.content.decode()
    assert "99" in text
    assert "Zebedee" not in text and "Quartermaine" not in text
    assert str(child.upn) not in text


# --- A child who leaves the roll: access ends that day, in Europe/London --------------------


def test_leaving_the_roll_ends_access_the_same_day(agreement, teacher, school, manager):
    child = _pupil(school)
    client = signed_in(teacher)
    assert _child_page(client, child).status_code == 200
    # The school tells the virtual school today that the child left yesterday.
    Enrolment.objects.filter(child=child).update(end_date=DAY - datetime.timedelta(days=1))
    assert _child_page(client, child).status_code == 404
    assert _list(client).context["listing"].children == []


def test_the_last_day_on_roll_ends_at_midnight_in_london(agreement, teacher, school):
    child = _pupil(school, end_date=DAY)
    # 23:30 in London on the last day (22:30 UTC): still on roll.
    with time_machine.travel(datetime.datetime(2026, 6, 1, 23, 30, tzinfo=LONDON), tick=False):
        assert _child_page(signed_in(teacher), child).status_code == 200
    # 00:30 in London the next day is still 1 June in UTC: off the roll.
    with time_machine.travel(datetime.datetime(2026, 6, 2, 0, 30, tzinfo=LONDON), tick=False):
        client = signed_in(teacher)
        assert _child_page(client, child).status_code == 404
        assert _list(client).context["listing"].children == []


# --- No release without an active agreement --------------------------------------------------


@pytest.mark.parametrize("state", ["none", "draft", "suspended", "expired", "not-yet"])
def test_without_an_active_agreement_the_portal_says_so_and_shows_no_child(
    state, admin_user, admin2, organisation, school
):
    if state == "draft":
        _agreement(admin_user, admin2, organisation, approve=False)
    elif state == "suspended":
        agreement = _agreement(admin_user, admin2, organisation)
        services.agreement_suspend(actor=admin2, agreement=agreement, reason="A breach")
    elif state == "expired":
        with time_machine.travel(datetime.datetime(2026, 5, 1, 12, tzinfo=LONDON)):
            _agreement(
                admin_user,
                admin2,
                organisation,
                valid_from=datetime.date(2026, 4, 1),
                valid_to=datetime.date(2026, 5, 31),
                review_date=datetime.date(2026, 5, 1),
            )
    elif state == "not-yet":
        _agreement(
            admin_user,
            admin2,
            organisation,
            valid_from=datetime.date(2026, 6, 2),
            valid_to=datetime.date(2027, 5, 31),
        )
    teacher = _teacher(organisation)
    child = _pupil(school, first_name="Ada")
    client = signed_in(teacher)
    page = _list(client)
    assert page.status_code == 200
    assert b'id="no-agreement"' in page.content
    assert b"Ada" not in page.content and str(child.pk).encode() not in page.content
    assert _child_page(client, child).status_code == 404
    assert not DisclosureLogEntry.objects.exists()


def test_a_pseudonymised_agreement_opens_no_portal(admin_user, admin2, organisation, school):
    _agreement(admin_user, admin2, organisation, mode="pseudonymised")
    teacher = _teacher(organisation)
    child = _pupil(school)
    client = signed_in(teacher)
    assert b'id="no-agreement"' in _list(client).content
    assert _child_page(client, child).status_code == 404


# --- Who reaches the portal ------------------------------------------------------------------


def test_the_designated_teacher_of_another_school_sees_none_of_this_schools_children(
    agreement, admin_user, admin2, school, other_school
):
    theirs = _school_organisation(admin_user, OTHER_URN, other_school.name)
    _agreement(admin_user, admin2, theirs)
    other_teacher = _teacher(theirs, username="other_teacher")
    mine = _pupil(school, first_name="Ada")
    their_pupil = _pupil(other_school, first_name="Hilda")
    client = signed_in(other_teacher)
    listed = {child.pk for child in _list(client).context["listing"].children}
    assert listed == {their_pupil.pk}
    assert _child_page(client, mine).status_code == 404
    assert _child_page(client, their_pupil).status_code == 200


def test_staff_and_other_recipients_get_404(agreement, school, admin_user, manager, caseworker):
    child = _pupil(school)
    youth = services.organisation_add(
        actor=admin_user,
        name="Youth",
        type="youth_support",
        identifier_kind="la_code",
        identifier="330",
        contact_name="Y",
        contact_email="y@example.invalid",
    )
    youth_user = _teacher(youth, username="youth")
    for user in (manager, caseworker, admin_user, youth_user):
        client = signed_in(user)
        assert _list(client).status_code == 404, user
        assert _child_page(client, child).status_code == 404, user
    assert not DisclosureLogEntry.objects.exists()


def test_the_home_page_links_a_designated_teacher_to_the_portal(teacher, admin_user):
    page = signed_in(teacher).get(reverse("home"))
    assert b'id="portal-link"' in page.content
    staff_page = signed_in(admin_user).get(reverse("home"))
    assert b'id="portal-link"' not in staff_page.content


def test_the_portal_takes_only_get(agreement, teacher, school):
    child = _pupil(school)
    client = signed_in(teacher)
    assert client.post(reverse("portal:children")).status_code == 405
    assert client.post(reverse("portal:child", kwargs={"pk": child.pk})).status_code == 405


# --- Every page view is a disclosure ---------------------------------------------------------


def test_the_list_is_logged_with_its_children_and_fields(agreement, teacher, school):
    children = {_pupil(school).pk for _ in range(2)}
    page = _list(signed_in(teacher))
    entry = DisclosureLogEntry.objects.get()
    assert (entry.agreement, entry.recipient, entry.format) == (agreement, teacher, "html")
    assert set(DisclosureChild.objects.values_list("child_id", flat=True)) == children
    assert entry.fields == [
        "records_child.first_name",
        "records_child.last_name",
        "records_child.date_of_birth",
    ]
    assert (entry.child_count, entry.row_count, entry.disclosure_date) == (2, 2, DAY)
    assert entry.sha256 == hashlib.sha256(page.content).hexdigest()
    assert entry.size == len(page.content) and entry.complete
    assert AccessLogEntry.objects.filter(user=teacher, page="portal").count() == 2


def test_the_child_page_is_logged_with_the_child_and_the_released_fields(
    agreement, teacher, school
):
    child = _pupil(school)
    _pupil(school)
    AssessmentResult.objects.create(
        child=child, measure="KS2_READ", academic_year=2024, result="105"
    )
    page = _child_page(signed_in(teacher), child)
    entry = DisclosureLogEntry.objects.get()
    assert list(DisclosureChild.objects.values_list("child_id", flat=True)) == [child.pk]
    assert entry.fields == datasets.build(agreement=agreement, on=DAY).fields
    assert entry.row_count == 3  # the child's row, the enrolment, the result
    assert entry.sha256 == hashlib.sha256(page.content).hexdigest()
    assert AccessLogEntry.objects.filter(
        child_id=child.pk, user=teacher, outcome="viewed", page="portal-child"
    ).exists()
    # Each view is a disclosure of its own.
    _child_page(signed_in(teacher), child)
    assert DisclosureLogEntry.objects.count() == 2


def test_the_childs_page_says_it_was_shared_with_the_school(agreement, teacher, school, manager):
    child = _pupil(school)
    _child_page(signed_in(teacher), child)
    page = signed_in(manager).get(reverse("records:child-detail", kwargs={"pk": child.pk}))
    text = page.content.decode()
    assert "Riverside Academy" in text and "Dee Teacher" in text


# --- A fixed number of queries ---------------------------------------------------------------


def _queries(django_assert_num_queries, client, url, count):
    with django_assert_num_queries(count):
        assert client.get(url).status_code == 200


@pytest.mark.parametrize("size", [1, 6])
def test_the_list_reads_in_a_fixed_number_of_queries(
    size, agreement, teacher, school, django_assert_num_queries
):
    for _ in range(size):
        _pupil(school)
    client = signed_in(teacher)
    _queries(django_assert_num_queries, client, reverse("portal:children"), LIST_QUERIES)


@pytest.mark.parametrize("size", [1, 6])
def test_the_child_page_reads_in_a_fixed_number_of_queries(
    size, agreement, teacher, school, django_assert_num_queries
):
    child = _pupil(school)
    for year in range(size):
        AssessmentResult.objects.create(
            child=child, measure="KS2_READ", academic_year=2018 + year, result="100"
        )
        AttendanceSession.objects.create(
            child=child,
            school=school,
            date=datetime.date(2026, 5, 4 + year),
            session="AM",
            code="/",
        )
    client = signed_in(teacher)
    url = reverse("portal:child", kwargs={"pk": child.pk})
    _queries(django_assert_num_queries, client, url, CHILD_QUERIES)


# The request's session, user and devices; the membership; the agreement; the release's
# check; the list; the access log; the disclosure (its entry and its children, in a
# transaction). The child's page: the same, with the cohort's check and one query per table
# the agreement releases instead of the list, and the schools the rows name.
LIST_QUERIES = 15
CHILD_QUERIES = 24
