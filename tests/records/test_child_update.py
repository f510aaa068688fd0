"""Changing a child's identity and address: the edit page, the optimistic lock, the UPN and
date-of-birth rules, and the old address kept when the address changes."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from records import services as child_services
from records.models import AccessLogEntry, Child, PreviousAddress
from records.selectors.children import child_list_visible_to
from records.services.child_update import (
    ADDRESS_CHANGE_REQUIRED,
    FIRST_LINE_NOT_RECORDED,
    child_update,
)
from tests.factories import ChildFactory, SchoolFactory
from virtualschool.errors import DomainError

pytestmark = pytest.mark.django_db
D = datetime.date
VALID_UPN = "B801200005001"


@pytest.fixture
def child(manager):
    return child_services.child_create(
        actor=manager,
        first_name="Freya",
        last_name="Whitlock",
        date_of_birth=D(2013, 9, 14),
        gender="F",
        upn=VALID_UPN,
        address_line_1="1 Example Road",
        town="Demotown",
        postcode="ZZ99 9ZZ",
    )


def _url(child):
    return reverse("records:child-edit", kwargs={"pk": child.pk})


def _values(child, **changes):
    values = {
        name: getattr(child, name)
        for name in (
            "first_name",
            "last_name",
            "date_of_birth",
            "gender",
            "upn",
            "address_line_1",
            "address_line_2",
            "town",
            "postcode",
        )
    }
    return {**values, **changes}


def _form(child, version, **changes):
    values = _values(child, **changes)
    born = values.pop("date_of_birth")
    return {
        **values,
        "date_of_birth_0": str(born.day),
        "date_of_birth_1": str(born.month),
        "date_of_birth_2": str(born.year),
        "expected_version": str(version),
    }


def _unchanged(child):
    stored = Child.objects.get(pk=child.pk)
    return (stored.first_name, stored.upn, stored.date_of_birth, stored.version) == (
        child.first_name,
        child.upn,
        child.date_of_birth,
        child.version,
    )


def test_the_edit_page_shows_the_details_and_version(client_for, manager, child):
    html = client_for(manager).get(_url(child)).content.decode()
    assert 'name="expected_version" value="1"' in html
    assert 'value="Freya"' in html
    assert f'value="{VALID_UPN}"' in html
    assert 'value="14"' in html


def test_an_allocated_caseworker_changes_the_name(client_for, caseworker, child, allocate):
    allocate(child, caseworker)
    response = client_for(caseworker).post(_url(child), _form(child, 1, first_name=" Freyja "))
    assert response.status_code == 302
    assert response["Location"] == reverse("records:child-detail", kwargs={"pk": child.pk})
    child.refresh_from_db()
    assert (child.first_name, child.version) == ("Freyja", 2)
    assert not PreviousAddress.objects.exists()


def test_a_stale_save_is_refused_and_the_first_kept(client_for, manager, child):
    child_update(
        actor=manager, child=child, expected_version=1, **_values(child, last_name="First")
    )
    response = client_for(manager).post(_url(child), _form(child, 1, last_name="Second"))
    assert response.status_code == 200
    assert "Your changes have not been saved" in response.content.decode()
    child.refresh_from_db()
    assert (child.last_name, child.version) == ("First", 2)


def test_a_bad_upn_is_refused_and_nothing_changed(client_for, manager, child):
    response = client_for(manager).post(
        _url(child), _form(child, 1, upn="A801200005001", first_name="Changed", town="Elsewhere")
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "UPN check letter does not match its numbers" in html
    assert 'href="#id_upn"' in html
    assert _unchanged(child)
    assert Child.objects.get(pk=child.pk).town == "Demotown"
    assert not PreviousAddress.objects.exists()


def test_another_childs_upn_is_refused(manager, child):
    other = ChildFactory()
    with pytest.raises(DomainError) as raised:
        child_update(
            actor=manager, child=child, expected_version=1, **_values(child, upn=other.upn)
        )
    assert raised.value.message_dict["upn"] == ["Another child already has this UPN"]
    assert _unchanged(child)


def test_the_childs_own_upn_and_a_blank_one_are_accepted(manager, child):
    updated = child_update(
        actor=manager, child=child, expected_version=1, **_values(child, upn=" b8012 00005001 ")
    )
    assert updated.upn == VALID_UPN
    updated = child_update(actor=manager, child=child, expected_version=2, **_values(child, upn=""))
    assert updated.upn == ""


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"date_of_birth": D(2999, 1, 1)}, "date_of_birth", "today or in the past"),
        ({"gender": "X"}, "gender", "Gender must be one of: M (Male), F (Female), U (Not known)"),
        ({"first_name": "x" * 101}, "first_name", "at most 100 characters"),
    ],
)
def test_bad_identity_is_refused_and_nothing_changed(manager, child, changes, field, message):
    with pytest.raises(DomainError) as raised:
        child_update(actor=manager, child=child, expected_version=1, **_values(child, **changes))
    assert message in " ".join(raised.value.message_dict[field])
    assert _unchanged(child)


def test_a_date_of_birth_after_the_first_enrolment_is_refused(manager, child):
    child_services.enrolment_record(
        actor=manager, child=child, school=SchoolFactory(), start_date=D(2018, 9, 4)
    )
    with pytest.raises(DomainError) as raised:
        child_update(
            actor=manager,
            child=child,
            expected_version=1,
            **_values(child, date_of_birth=D(2019, 1, 1)),
        )
    assert "on or before 4 September 2018" in raised.value.message_dict["date_of_birth"][0]
    assert _unchanged(child)
    updated = child_update(
        actor=manager,
        child=child,
        expected_version=1,
        **_values(child, date_of_birth=D(2014, 1, 1)),
    )
    assert updated.date_of_birth == D(2014, 1, 1)


def test_an_address_change_keeps_the_old_address(client_for, manager, child):
    response = client_for(manager).post(
        _url(child),
        _form(
            child,
            1,
            address_line_1="5 New Street",
            town="Newtown",
            postcode="zz98 8zz",
            address_change="move",
        ),
    )
    assert response.status_code == 302
    child.refresh_from_db()
    assert (child.address_line_1, child.postcode) == ("5 New Street", "ZZ98 8ZZ")
    kept = PreviousAddress.objects.get(child=child)
    assert (kept.address_line_1, kept.town, kept.postcode, kept.from_date, kept.to_date) == (
        "1 Example Road",
        "Demotown",
        "ZZ99 9ZZ",
        None,
        timezone.localdate(),
    )


def test_a_second_move_dates_the_address_moved_into(manager, child):
    child = child_update(
        actor=manager,
        child=child,
        expected_version=1,
        **_values(child, address_line_1="2 Road"),
        address_change="move",
    )
    child_update(
        actor=manager,
        child=child,
        expected_version=2,
        **_values(child, address_line_1="3 Road"),
        address_change="move",
    )
    latest = PreviousAddress.objects.filter(child=child).order_by("-pk").first()
    assert (latest.address_line_1, latest.from_date, latest.to_date) == (
        "2 Road",
        timezone.localdate(),
        timezone.localdate(),
    )
    assert PreviousAddress.objects.filter(child=child).count() == 2


def test_an_old_address_without_a_first_line_is_still_kept(manager, child):
    child = child_update(
        actor=manager,
        child=child,
        expected_version=1,
        **_values(child, address_line_1=""),
        address_change="move",
    )
    PreviousAddress.objects.all().delete()
    child_update(
        actor=manager,
        child=child,
        expected_version=2,
        **_values(child, postcode="ZZ1 1ZZ"),
        address_change="move",
    )
    kept = PreviousAddress.objects.get(child=child)
    assert (kept.address_line_1, kept.postcode) == (FIRST_LINE_NOT_RECORDED, "ZZ99 9ZZ")


def test_a_refused_change_keeps_no_previous_address(manager, child):
    child_update(actor=manager, child=child, expected_version=1, **_values(child, last_name="X"))
    with pytest.raises(DomainError):
        child_update(
            actor=manager,
            child=child,
            expected_version=1,
            **_values(child, address_line_1="9 Stale Street"),
            address_change="move",
        )
    assert not PreviousAddress.objects.exists()
    assert Child.objects.get(pk=child.pk).address_line_1 == "1 Example Road"


def test_only_those_who_may_change_the_child_reach_the_page(
    client_for, caseworker, other_caseworker, child
):
    for user in (caseworker, other_caseworker):
        client = client_for(user)
        assert client.get(_url(child)).status_code == 404
        assert client.post(_url(child), _form(child, 1, first_name="Nope")).status_code == 404
    assert _unchanged(child)
    assert AccessLogEntry.objects.filter(
        user=other_caseworker, outcome=AccessLogEntry.Outcome.DENIED, page="child-edit"
    ).exists()


def test_a_valid_upn_given_by_hand_clears_upn_needs_checking(manager, child):
    """A return's UPN that failed the DfE rules is not kept and the child is flagged (issue
    12); a person entering a valid UPN has checked it. A blank or invalid one leaves the flag."""
    Child.objects.filter(pk=child.pk).update(upn="", upn_needs_checking=True)
    child.refresh_from_db()

    updated = child_update(actor=manager, child=child, expected_version=1, **_values(child, upn=""))
    assert (updated.upn, updated.upn_needs_checking) == ("", True)

    with pytest.raises(DomainError):
        child_update(
            actor=manager, child=child, expected_version=2, **_values(child, upn="A801200005001")
        )
    assert Child.objects.get(pk=child.pk).upn_needs_checking is True

    updated = child_update(
        actor=manager, child=child, expected_version=2, **_values(child, upn=VALID_UPN)
    )
    assert (updated.upn, updated.upn_needs_checking) == (VALID_UPN, False)
    assert Child.objects.get(pk=child.pk).upn_needs_checking is False


def test_the_upn_needs_checking_filter_drops_a_child_whose_upn_was_corrected(
    client_for, manager, child
):
    """Through the edit page, as a person does it: the child leaves the "UPN needs checking"
    list once their UPN is corrected."""
    Child.objects.filter(pk=child.pk).update(upn="", upn_needs_checking=True)
    child.refresh_from_db()
    assert list(child_list_visible_to(user=manager, upn_needs_checking=True)) == [child]

    response = client_for(manager).post(_url(child), _form(child, 1, upn=VALID_UPN))

    assert response.status_code == 302
    assert list(child_list_visible_to(user=manager, upn_needs_checking=True)) == []


def test_correcting_a_typo_keeps_no_previous_address(client_for, manager, child):
    response = client_for(manager).post(
        _url(child),
        _form(child, 1, address_line_1="1 Exmaple Road", address_change="correction"),
    )
    assert response.status_code == 302
    child.refresh_from_db()
    assert child.address_line_1 == "1 Exmaple Road"
    assert not PreviousAddress.objects.exists()


def test_a_changed_address_without_saying_why_is_refused_and_nothing_changes(
    client_for, manager, child
):
    page = client_for(manager).post(_url(child), _form(child, 1, address_line_1="2 New Road"))
    html = page.content.decode()
    assert page.status_code == 200
    assert "govuk-error-summary" in html
    assert html.count(ADDRESS_CHANGE_REQUIRED) == 2  # in the summary and beside the radios
    assert "Correcting a mistake in this address" in html
    assert "They have moved to a new address" in html
    assert _unchanged(child)
    assert Child.objects.get(pk=child.pk).address_line_1 == "1 Example Road"
    assert not PreviousAddress.objects.exists()
    with pytest.raises(DomainError) as refused:
        child_update(
            actor=manager,
            child=child,
            expected_version=1,
            **_values(child, postcode="ZZ1 1ZZ"),
            address_change="typo",
        )
    assert refused.value.message_dict == {"address_change": [ADDRESS_CHANGE_REQUIRED]}
    assert _unchanged(child)


def test_no_reason_is_needed_when_the_address_stays(manager, child):
    updated = child_update(
        actor=manager, child=child, expected_version=1, **_values(child, first_name="Fre")
    )
    assert updated.first_name == "Fre"
    assert not PreviousAddress.objects.exists()
    # Not giving the address at all leaves it as it is.
    updated = child_update(
        actor=manager,
        child=updated,
        expected_version=2,
        first_name="Freya",
        last_name=updated.last_name,
        date_of_birth=updated.date_of_birth,
        gender=updated.gender,
        upn=updated.upn,
    )
    assert (updated.address_line_1, updated.postcode) == ("1 Example Road", "ZZ99 9ZZ")
