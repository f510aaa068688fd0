"""Contacts' own rules: phone and email shapes, postcodes tidied, and address dates refused
when wrong.

Create, view, edit, the optimistic lock, refused input leaving the row, access and query
counts are the section contract's (tests/records/test_section_contract.py)."""

import datetime

import pytest
from django.urls import reverse

from records.models import Contact, PreviousAddress
from records.services import contacts as services
from virtualschool.errors import DomainError

pytestmark = pytest.mark.django_db
D = datetime.date
TAB = "contacts"


@pytest.fixture
def child(child):
    child.date_of_birth = D(2012, 5, 14)
    child.save()
    return child


def _add(child, section="contacts"):
    return reverse("records:section-add", kwargs={"pk": child.pk, "tab": TAB, "section": section})


def _date(name, value):
    return {
        f"{name}_0": str(value.day),
        f"{name}_1": str(value.month),
        f"{name}_2": str(value.year),
    }


def test_create_a_previous_address_through_the_page(client_for, manager, child):
    response = client_for(manager).post(
        _add(child, "previous-addresses"),
        {
            "address_line_1": "2 Example Street",
            "postcode": "zz99 1zz",
            **_date("from_date", D(2016, 3, 1)),
            **_date("to_date", D(2019, 4, 2)),
        },
    )
    assert response.status_code == 302
    row = PreviousAddress.objects.get(child=child)
    assert (row.postcode, row.from_date, row.to_date) == ("ZZ99 1ZZ", D(2016, 3, 1), D(2019, 4, 2))


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"phone": "call the office"}, "phone", "Enter a telephone number, like 01632 960 001"),
        ({"phone": "01632 96"}, "phone", "10 to 15 digits"),
        ({"phone": "0163+2960001"}, "phone", "a leading +"),
        ({"email": "jo.example"}, "email", "Enter an email address in the correct format"),
        ({"name": "  "}, "name", "Enter the contact's name"),
        ({"relationship": "aunt"}, "relationship", "Relationship must be one of: carer (Carer)"),
    ],
)
def test_bad_contact_is_refused_and_nothing_saved(manager, child, fields, field, message):
    values = {"relationship": "carer", "name": "Jo Example", **fields}
    with pytest.raises(DomainError) as raised:
        services.contact_record(actor=manager, child=child, **values)
    assert message in " ".join(raised.value.message_dict[field])
    assert not Contact.objects.exists()


def test_a_bad_email_on_the_page_is_explained(client_for, manager, child):
    response = client_for(manager).post(
        _add(child), {"relationship": "carer", "name": "Jo Example", "email": "jo@"}
    )
    assert response.status_code == 200
    assert "Enter an email address in the correct format, like name@example.com" in (
        response.content.decode()
    )
    assert not Contact.objects.exists()


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"to_date": D(2999, 1, 1)}, "to_date", "Date moved out must be today or in the past"),
        ({"to_date": D(2010, 1, 1)}, "to_date", "on or after the child's date of birth"),
        ({"from_date": D(2010, 1, 1)}, "from_date", "on or after the child's date of birth"),
        (
            {"from_date": D(2020, 1, 2), "to_date": D(2020, 1, 1)},
            "to_date",
            "Date moved out must be the same as or after the date moved in",
        ),
        ({"address_line_1": " "}, "address_line_1", "Enter the first line of the address"),
    ],
)
def test_bad_address_is_refused_and_nothing_saved(manager, child, fields, field, message):
    values = {"address_line_1": "1 Example Road", "to_date": D(2020, 1, 1), **fields}
    with pytest.raises(DomainError) as raised:
        services.previous_address_record(actor=manager, child=child, **values)
    assert message in " ".join(raised.value.message_dict[field])
    assert not PreviousAddress.objects.exists()
