"""Every error on the first submit, and input that is checked (issue 16).

Before, a form's own checks (shape) ran first and the service's rules only once the form was
valid, so the pages revealed errors in rounds. virtualschool.forms.submit rehearses the
service when the form is invalid, so both kinds show together.
"""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils.html import escape

from records.models import Child, Exclusion, PreviousAddress
from records.postcode import POSTCODE_MESSAGE, normalise_postcode, validate_postcode
from tests.factories import ChildFactory, SchoolFactory

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(datetime.datetime(2025, 11, 20, 12, tzinfo=datetime.UTC), tick=False):
        yield


def _suspension(school, **changes) -> dict:
    """A suspension as the form posts it, with `changes`."""
    return {
        "school": school.pk if school is not None else "",
        "category": "FIXD",
        "start_date_0": "6",
        "start_date_1": "10",
        "start_date_2": "2025",
        "sessions": "4",
        "reasons": ["DB"],
        "outcome": "stands",
        **changes,
    }


def _exclusions_url(child) -> str:
    return reverse(
        "records:section-add", kwargs={"pk": child.pk, "tab": "behaviour", "section": "exclusions"}
    )


def _errors_beside(html: str) -> set[str]:
    """The fields with a message beside them."""
    import re

    return set(re.findall(r'id="id_([a-z0-9_]+)_error"', html))


def test_change_details_with_four_bad_fields_shows_four_errors_at_once(client_for, manager):
    child = ChildFactory(date_of_birth=D(2012, 5, 1), postcode="LS1 4AP")
    before = Child.objects.filter(pk=child.pk).values().get()
    response = client_for(manager).post(
        reverse("records:child-edit", kwargs={"pk": child.pk}),
        {
            "expected_version": child.version,
            "first_name": "",  # the form: required
            "last_name": child.last_name,
            "date_of_birth_0": "1",  # the service: in the future
            "date_of_birth_1": "1",
            "date_of_birth_2": "2030",
            "gender": child.gender,
            "upn": "B801200005009",  # the service: wrong check letter
            "postcode": "not a postcode",  # the service: not a postcode (and no reason given)
        },
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert {"first_name", "date_of_birth", "upn", "postcode", "address_change"} <= _errors_beside(
        html
    )
    assert "Date of birth must be today or in the past" in html
    assert escape(POSTCODE_MESSAGE) in html
    assert Child.objects.filter(pk=child.pk).values().get() == before


def test_the_suspension_form_reports_school_date_outcome_and_reasons_together(client_for, manager):
    child = ChildFactory(date_of_birth=D(2012, 5, 1))
    response = client_for(manager).post(
        _exclusions_url(child),
        _suspension(
            None, start_date_0="31", start_date_1="2", reasons=["DB", "VA", "PA", "BU"], outcome=""
        ),
    )
    html = response.content.decode()
    assert {"school", "start_date", "outcome", "reasons"} <= _errors_beside(html)
    assert "Choose up to 3 reasons, not 4" in html
    assert not Exclusion.objects.exists()


def test_a_permanent_exclusion_refuses_a_length_on_the_page(client_for, manager):
    child = ChildFactory(date_of_birth=D(2012, 5, 1))
    response = client_for(manager).post(
        _exclusions_url(child), _suspension(SchoolFactory(), category="PERM")
    )
    assert "A permanent exclusion has no length" in response.content.decode()
    assert not Exclusion.objects.exists()


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("ls14ap", "LS1 4AP"),
        (" sw1a  2aa ", "SW1A 2AA"),
        ("M1 1AE", "M1 1AE"),
        ("B33 8TH", "B33 8TH"),
        ("CR2 6XH", "CR2 6XH"),
        ("DN55 1PT", "DN55 1PT"),
        ("W1A 0AX", "W1A 0AX"),
        ("EC1A 1BB", "EC1A 1BB"),
        ("gir 0aa", "GIR 0AA"),
    ],
)
def test_a_postcode_is_stored_in_its_one_written_form(typed, stored):
    assert normalise_postcode(typed) == stored
    validate_postcode(stored)


@pytest.mark.parametrize(
    "typed",
    ["not a postcode", "LS1", "12345", "LS1 4A", "LS1 4AAA", "LS1 4AC", "1LS 4AP", "LS1 AAP"],
)
def test_a_postcode_of_the_wrong_shape_is_refused(typed):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="Enter a real postcode"):
        validate_postcode(normalise_postcode(typed))


def test_change_details_stores_the_postcode_normalised(client_for, manager):
    child = ChildFactory(date_of_birth=D(2012, 5, 1), postcode="")
    response = client_for(manager).post(
        reverse("records:child-edit", kwargs={"pk": child.pk}),
        {
            "expected_version": child.version,
            "first_name": child.first_name,
            "last_name": child.last_name,
            "date_of_birth_0": "1",
            "date_of_birth_1": "5",
            "date_of_birth_2": "2012",
            "gender": child.gender,
            "upn": child.upn,
            "address_line_1": "1 Park Row",
            "postcode": "ls14ap",
            "address_change": "correction",
        },
    )
    assert response.status_code == 302, response.content.decode()
    child.refresh_from_db()
    assert child.postcode == "LS1 4AP"


def test_a_long_postcode_is_refused_by_name_not_cut_short(client_for, manager):
    child = ChildFactory(date_of_birth=D(2012, 5, 1))
    response = client_for(manager).post(
        reverse(
            "records:section-add",
            kwargs={"pk": child.pk, "tab": "contacts", "section": "previous-addresses"},
        ),
        {
            "address_line_1": "1 Park Row",
            "postcode": "not a postcode at all, really",
            "to_date_0": "1",
            "to_date_1": "9",
            "to_date_2": "2024",
        },
    )
    assert escape(POSTCODE_MESSAGE) in response.content.decode()
    assert not PreviousAddress.objects.exists()


def test_a_suspension_from_a_school_never_attended_is_saved_with_a_warning(client_for, manager):
    child = ChildFactory(date_of_birth=D(2012, 5, 1))
    school = SchoolFactory(name="Elsewhere Academy")
    url = _exclusions_url(child)
    response = client_for(manager).post(url, _suspension(school), follow=True)
    html = response.content.decode()
    assert Exclusion.objects.filter(child=child, school=school).exists()
    assert "The record has no enrolment at Elsewhere Academy" in html


def test_a_suspension_from_the_child_s_school_has_no_warning(client_for, manager):
    from records.models import Enrolment

    child = ChildFactory(date_of_birth=D(2012, 5, 1))
    school = SchoolFactory(name="Home Academy")
    Enrolment.objects.create(child=child, school=school, start_date=D(2023, 9, 4))
    url = _exclusions_url(child)
    html = client_for(manager).post(url, _suspension(school), follow=True).content.decode()
    assert Exclusion.objects.filter(child=child, school=school).exists()
    assert "no enrolment at" not in html
