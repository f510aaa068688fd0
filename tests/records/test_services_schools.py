"""School history's own rules: the derived current school, the School reference table, the
schools offered, overlaps and dates outside the child's education refused.

Create, view, edit, the optimistic lock, refused input leaving the row, access and query
counts are the section contract's (tests/records/test_section_contract.py)."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from records.models import Enrolment, School
from records.selectors import schools as selectors
from records.services import schools as services
from tests.factories import SchoolFactory
from virtualschool.errors import DomainError

pytestmark = pytest.mark.django_db
D = datetime.date
TAB = "schools"


@pytest.fixture
def child(child):
    child.date_of_birth = D(2012, 5, 14)
    child.save()
    return child


@pytest.fixture
def primary(manager):
    return services.school_save(
        actor=manager,
        urn=190001,
        name="Elmfield Primary School",
        la_code="873",
        la_name="Demoshire",
        establishment_number="2001",
        phase="primary",
        establishment_type="Community school",
    )


@pytest.fixture
def secondary(manager):
    return services.school_save(
        actor=manager,
        urn=190002,
        name="Northgate High School",
        la_code="873",
        establishment_number="4001",
        phase="secondary",
    )


@pytest.fixture
def previous(manager, child, primary):
    return services.enrolment_record(
        actor=manager,
        child=child,
        school=primary,
        start_date=D(2016, 9, 1),
        end_date=D(2023, 7, 21),
        nc_year="R",
        reason_for_leaving="Transferred to secondary school",
    )


@pytest.fixture
def current(manager, child, secondary):
    return services.enrolment_record(
        actor=manager, child=child, school=secondary, start_date=D(2023, 9, 4), nc_year="7"
    )


def _tab(child):
    return reverse("records:tab", kwargs={"pk": child.pk, "tab": TAB})


def _add(child):
    return reverse(
        "records:section-add", kwargs={"pk": child.pk, "tab": TAB, "section": "enrolments"}
    )


def _form(school, **dates):
    form = {"school": str(school.pk), "nc_year": "7", "reason_for_leaving": ""}
    for name, value in dates.items():
        if value is not None:
            form.update(
                {
                    f"{name}_0": str(value.day),
                    f"{name}_1": str(value.month),
                    f"{name}_2": str(value.year),
                }
            )
    return form


def test_the_form_offers_schools_by_name_and_urn(client_for, manager, child, primary):
    closed = SchoolFactory(urn=190009, name="Old Mill Primary School", is_open=False)
    html = client_for(manager).get(_add(child)).content.decode()
    assert "Elmfield Primary School (URN 190001)" in html
    assert f"Old Mill Primary School (URN {closed.urn}, closed)" in html


def test_an_unknown_school_is_refused_on_the_page(client_for, manager, child):
    response = client_for(manager).post(
        _add(child),
        {"school": "999999", "start_date_0": "4", "start_date_1": "9", "start_date_2": "2023"},
    )
    assert response.status_code == 200
    assert "Choose a school from the list" in response.content.decode()
    assert not Enrolment.objects.exists()


def test_view_shows_the_history_with_current_and_previous(
    client_for, manager, child, previous, current
):
    html = client_for(manager).get(_tab(child)).content.decode()
    for text in (
        "Elmfield Primary School",
        "190001",
        "8732001",
        "Primary",
        "Reception",
        "Transferred to secondary school",
        "Northgate High School",
        "Year 7",
        "Current",
        "Previous",
    ):
        assert text in html
    assert html.index("Northgate High School") < html.index("Elmfield Primary School")


def test_current_and_previous_schools_are_derived(child, previous, current):
    history = selectors.school_history(child=child, on=D(2024, 1, 10))
    assert history.current == current
    assert history.previous == [previous]
    assert selectors.current_enrolment(child=child, on=D(2024, 1, 10)) == current
    assert selectors.current_enrolment(child=child, on=D(2023, 8, 10)) is None
    assert selectors.current_enrolment(child=child, on=D(2020, 1, 10)) == previous
    assert list(selectors.previous_enrolments(child=child, on=D(2024, 1, 10))) == [previous]
    assert selectors.school_history(child=child, on=D(2023, 8, 1)).upcoming == [current]


def test_an_overlapping_enrolment_is_refused_naming_the_other_school(
    manager, child, previous, secondary
):
    with pytest.raises(DomainError) as raised:
        services.enrolment_record(
            actor=manager, child=child, school=secondary, start_date=D(2023, 7, 1)
        )
    message = raised.value.message_dict["start_date"][0]
    assert "Elmfield Primary School (URN 190001)" in message
    assert "from 1 September 2016 to 21 July 2023" in message
    assert Enrolment.objects.count() == 1


def test_an_open_enrolment_overlaps_any_later_one(client_for, manager, child, current, primary):
    response = client_for(manager).post(_add(child), _form(primary, start_date=D(2024, 1, 8)))
    assert response.status_code == 200
    html = response.content.decode()
    assert "This overlaps the enrolment at Northgate High School (URN 190002)" in html
    assert "from 4 September 2023 with no end date" in html
    assert Enrolment.objects.count() == 1


def test_a_change_that_would_overlap_is_refused_and_nothing_changes(
    manager, child, previous, current, primary
):
    with pytest.raises(DomainError):
        services.enrolment_update(
            actor=manager,
            instance=previous,
            expected_version=1,
            school=primary,
            start_date=D(2016, 9, 1),
            end_date=D(2023, 9, 30),
            reason_for_leaving="Moved",
        )
    previous.refresh_from_db()
    assert (previous.end_date, previous.version) == (D(2023, 7, 21), 1)


def test_an_enrolment_does_not_overlap_itself(manager, child, current, secondary):
    services.enrolment_update(
        actor=manager,
        instance=current,
        expected_version=1,
        school=secondary,
        start_date=D(2023, 9, 1),
    )
    current.refresh_from_db()
    assert current.start_date == D(2023, 9, 1)


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"start_date": D(2013, 9, 1)}, "start_date", "while the child is between 2 and 25"),
        ({"start_date": D(2010, 9, 1)}, "start_date", "on or after the child's date of birth"),
        (
            {"start_date": D(2020, 9, 1), "end_date": D(2037, 7, 1)},
            "end_date",
            "while the child is between 2 and 25",
        ),
        (
            {"start_date": D(2020, 9, 1), "end_date": D(2020, 8, 31)},
            "end_date",
            "same as or after the start date",
        ),
        (
            {"start_date": D(2020, 9, 1), "reason_for_leaving": "Moved"},
            "reason_for_leaving",
            "only be given with an end date",
        ),
        (
            {"start_date": D(2020, 9, 1), "nc_year": "15"},
            "nc_year",
            "NC year group must be one of: N1 (Nursery 1), N2 (Nursery 2), R (Reception)",
        ),
        ({"start_date": D(2020, 9, 1), "school": None}, "school", "Choose a school"),
    ],
)
def test_bad_input_is_refused_and_nothing_saved(manager, child, primary, fields, field, message):
    values = {"school": primary, **fields}
    with pytest.raises(DomainError) as raised:
        services.enrolment_record(actor=manager, child=child, **values)
    assert message in " ".join(raised.value.message_dict[field])
    assert not Enrolment.objects.exists()


def test_a_place_agreed_for_next_term_may_start_in_the_future(manager, child, primary):
    start = timezone.localdate() + datetime.timedelta(days=30)
    enrolment = services.enrolment_record(
        actor=manager, child=child, school=primary, start_date=start
    )
    assert selectors.enrolment_status(enrolment, timezone.localdate()) == "Starting"


# --- The School reference table -------------------------------------------------------------


def test_school_save_adds_then_updates_by_urn(manager, primary):
    assert primary.laestab == "8732001"
    updated = services.school_save(
        actor=manager, urn=190001, name="Elmfield Academy", la_code="873", is_open=False
    )
    assert updated.pk == primary.pk
    assert (updated.name, updated.is_open, School.objects.count()) == ("Elmfield Academy", False, 1)


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"urn": 12345}, "urn", "URN must be a 6-digit number"),
        ({"name": "  "}, "name", "Enter the school's name"),
        ({"la_code": "87"}, "la_code", "Local authority code must be 3 digits"),
        ({"establishment_number": "20A1"}, "establishment_number", "must be 4 digits"),
        (
            {"phase": "infant"},
            "phase",
            "Phase must be one of: nursery (Nursery), primary (Primary)",
        ),
    ],
)
def test_bad_school_details_are_refused(manager, fields, field, message):
    values = {"urn": 190003, "name": "Brookside Academy", **fields}
    with pytest.raises(DomainError) as raised:
        services.school_save(actor=manager, **values)
    assert message in " ".join(raised.value.message_dict[field])
    assert not School.objects.exists()


@pytest.mark.parametrize(
    ("on", "expected"),
    [
        (D(2016, 9, 1), "R"),  # 4 on 31 August 2016
        (D(2017, 8, 31), "R"),
        (D(2017, 9, 1), "1"),
        (D(2023, 9, 4), "7"),
        (D(2015, 1, 1), "N1"),  # 2 on 31 August 2014
        (D(2016, 1, 1), "N2"),
        (D(2040, 1, 1), ""),
    ],
)
def test_nc_year_follows_age_on_31_august(on, expected):
    assert services.nc_year_on(date_of_birth=D(2012, 5, 14), on=on) == expected
