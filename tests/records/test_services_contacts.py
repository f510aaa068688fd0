"""Contacts and previous addresses: through the pages and services, the optimistic lock, phone
and email shapes, and address dates refused when wrong."""

import datetime

import pytest
from django.urls import reverse

from records.models import AccessLogEntry, Contact, PreviousAddress
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


@pytest.fixture
def carer(manager, child):
    return services.contact_record(
        actor=manager,
        child=child,
        relationship="carer",
        name="Jo Example",
        organisation="Demoshire Fostering Service",
        phone="07700 900123",
        email="jo.example@example.org",
    )


@pytest.fixture
def address(manager, child):
    return services.previous_address_record(
        actor=manager,
        child=child,
        address_line_1="1 Example Road",
        town="Demotown",
        postcode="zz99 9zz",
        from_date=D(2018, 1, 1),
        to_date=D(2022, 6, 30),
    )


def _tab(child):
    return reverse("records:tab", kwargs={"pk": child.pk, "tab": TAB})


def _add(child, section="contacts"):
    return reverse("records:section-add", kwargs={"pk": child.pk, "tab": TAB, "section": section})


def _edit(child, item, section="contacts"):
    return reverse(
        "records:section-edit",
        kwargs={"pk": child.pk, "tab": TAB, "section": section, "item": item.pk},
    )


def _date(name, value):
    return {
        f"{name}_0": str(value.day),
        f"{name}_1": str(value.month),
        f"{name}_2": str(value.year),
    }


def test_create_a_contact_through_the_page(client_for, caseworker, child, allocate):
    allocate(child, caseworker)
    response = client_for(caseworker).post(
        _add(child),
        {
            "relationship": "designated_teacher",
            "name": "Sam Example",
            "organisation": "Elmfield Primary School",
            "phone": "01632 960 001",
            "email": "dt@example.org",
        },
    )
    assert response.status_code == 302
    contact = Contact.objects.get(child=child)
    assert (contact.relationship, contact.name, contact.phone) == (
        "designated_teacher",
        "Sam Example",
        "01632 960 001",
    )


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


def test_view_lists_the_rows(client_for, manager, child, carer, address):
    html = client_for(manager).get(_tab(child)).content.decode()
    for text in (
        "Carer",
        "Jo Example",
        "Demoshire Fostering Service",
        "07700 900123",
        "1 Example Road",
        "ZZ99 9ZZ",
        "30 Jun 2022",
    ):
        assert text in html


def test_edit_with_the_version_read(client_for, manager, child, carer):
    client = client_for(manager)
    assert 'name="expected_version" value="1"' in client.get(_edit(child, carer)).content.decode()
    response = client.post(
        _edit(child, carer),
        {
            "expected_version": "1",
            "relationship": "carer",
            "name": "Jo Example",
            "phone": "+44 7700 900999",
        },
    )
    assert response.status_code == 302
    carer.refresh_from_db()
    assert (carer.phone, carer.email, carer.version) == ("+44 7700 900999", "", 2)


def test_a_stale_save_is_refused_and_the_first_kept(client_for, manager, child, address):
    services.previous_address_update(
        actor=manager,
        instance=address,
        expected_version=1,
        address_line_1="First save",
        to_date=address.to_date,
    )
    response = client_for(manager).post(
        _edit(child, address, "previous-addresses"),
        {
            "expected_version": "1",
            "address_line_1": "Second save",
            **_date("to_date", address.to_date),
        },
    )
    assert response.status_code == 200
    assert "Your changes have not been saved" in response.content.decode()
    address.refresh_from_db()
    assert (address.address_line_1, address.version) == ("First save", 2)


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


def test_a_bad_change_leaves_the_row_as_it_was(manager, child, carer):
    with pytest.raises(DomainError):
        services.contact_update(
            actor=manager,
            instance=carer,
            expected_version=1,
            relationship="carer",
            name="Changed",
            phone="not a number",
        )
    carer.refresh_from_db()
    assert (carer.name, carer.phone, carer.version) == ("Jo Example", "07700 900123", 1)


def test_another_caseworker_cannot_reach_it(client_for, other_caseworker, child, carer):
    client = client_for(other_caseworker)
    for url in (_tab(child), _add(child), _edit(child, carer)):
        assert client.get(url).status_code == 404
    assert client.post(_add(child), {"relationship": "carer", "name": "X"}).status_code == 404
    assert Contact.objects.count() == 1
    assert AccessLogEntry.objects.filter(
        user=other_caseworker, outcome=AccessLogEntry.Outcome.DENIED, page="tab-contacts"
    ).exists()


def test_tab_query_count_is_fixed(client_for, manager, child, carer, django_assert_max_num_queries):
    client = client_for(manager)
    with django_assert_max_num_queries(40) as few:
        client.get(_tab(child))
    for year in range(2014, 2022):
        services.contact_record(actor=manager, child=child, relationship="other", name=f"P {year}")
        services.previous_address_record(
            actor=manager, child=child, address_line_1=f"{year} Road", to_date=D(year, 6, 1)
        )
    with django_assert_max_num_queries(40) as many:
        client.get(_tab(child))
    assert len(few.captured_queries) == len(many.captured_queries)
