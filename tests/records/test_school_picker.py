"""The school pickers (issue 16): the enrolment and the suspension forms offer every school
in the register, the child's own first (the current school, then the rest of their history,
most recent first), with the current school chosen for a new row; the select is marked for
the accessible autocomplete and stays a select without JavaScript. Server side only: the
autocomplete keeps the select's order (frontend/build.mjs)."""

from __future__ import annotations

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from records.models import Enrolment, Exclusion
from records.selectors.schools import school_choices
from tests.factories import SchoolFactory

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def schools(child):
    """Aardvark and Badger come first by name; the child was at Willow, then Yew, and is
    at Oak now; Zebra is closed."""
    child.date_of_birth = D(2012, 5, 14)
    child.save()
    made = {
        name: SchoolFactory(name=f"{name} School", urn=urn)
        for name, urn in (
            ("Aardvark", 110001),
            ("Badger", 110002),
            ("Oak", 110003),
            ("Willow", 110004),
            ("Yew", 110005),
        )
    }
    made["Zebra"] = SchoolFactory(name="Zebra School", urn=110006, is_open=False)
    Enrolment.objects.create(
        child=child, school=made["Willow"], start_date=D(2017, 9, 1), end_date=D(2021, 7, 20)
    )
    Enrolment.objects.create(
        child=child, school=made["Yew"], start_date=D(2021, 9, 1), end_date=D(2023, 7, 20)
    )
    Enrolment.objects.create(child=child, school=made["Oak"], start_date=D(2023, 9, 1))
    return made


def _options(page: str, name: str = "school") -> list[tuple[str, bool, str]]:
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', page, re.S)
    assert select is not None, page
    return [
        (value, bool(selected), label)
        for value, selected, label in re.findall(
            r'<option value="([^"]*)"( selected)?>([^<]*)</option>', select.group(1)
        )
    ]


def _add(child, tab: str, section: str) -> str:
    return reverse("records:section-add", kwargs={"pk": child.pk, "tab": tab, "section": section})


@pytest.mark.parametrize(
    ("tab", "section"), [("schools", "enrolments"), ("behaviour", "exclusions")]
)
def test_the_childs_schools_come_first_and_the_current_one_is_chosen(
    client_for, manager, child, schools, tab, section
):
    page = client_for(manager).get(_add(child, tab, section)).content.decode()
    options = _options(page)
    assert options[0] == ("", False, "Choose a school")
    assert [label for _value, _selected, label in options[1:]] == [
        "Oak School (URN 110003) – current school",
        "Yew School (URN 110005) – in the child&#x27;s school history",
        "Willow School (URN 110004) – in the child&#x27;s school history",
        "Aardvark School (URN 110001)",
        "Badger School (URN 110002)",
        "Zebra School (URN 110006, closed)",
    ]
    assert [value for value, selected, _label in options if selected] == [str(schools["Oak"].pk)]
    assert re.search(r'<select name="school"[^>]*data-module="app-autocomplete"', page)


def test_a_child_with_no_current_school_has_none_chosen(client_for, manager, child, schools):
    Enrolment.objects.filter(school=schools["Oak"]).update(end_date=D(2024, 7, 20))
    page = client_for(manager).get(_add(child, "behaviour", "exclusions")).content.decode()
    options = _options(page)
    assert [value for value, selected, _label in options if selected] == [""]
    assert options[1][2] == "Oak School (URN 110003) – in the child&#x27;s school history"


def test_changing_a_row_keeps_its_own_school_chosen(client_for, manager, child, schools):
    exclusion = Exclusion.objects.create(
        child=child,
        school=schools["Yew"],
        category="FIXD",
        start_date=D(2022, 3, 1),
        sessions=2,
        reasons=["PA"],
    )
    edit = reverse(
        "records:section-edit",
        kwargs={"pk": child.pk, "tab": "behaviour", "section": "exclusions", "item": exclusion.pk},
    )
    options = _options(client_for(manager).get(edit).content.decode())
    assert [value for value, selected, _label in options if selected] == [str(schools["Yew"].pk)]


def test_a_posted_choice_wins_over_the_default(client_for, manager, child, schools):
    response = client_for(manager).post(
        _add(child, "schools", "enrolments"),
        {
            "school": schools["Badger"].pk,
            "start_date_0": "",
            "start_date_1": "",
            "start_date_2": "",
        },
    )
    assert response.status_code == 200
    options = _options(response.content.decode())
    assert [value for value, selected, _label in options if selected] == [str(schools["Badger"].pk)]


def test_without_a_child_every_school_is_in_the_registers_order(schools):
    assert [school.name for school in school_choices()] == [
        "Aardvark School",
        "Badger School",
        "Oak School",
        "Willow School",
        "Yew School",
        "Zebra School",
    ]


def test_the_picker_costs_the_same_however_many_schools(client_for, manager, child, schools):
    client = client_for(manager)
    url = _add(child, "behaviour", "exclusions")
    client.get(url)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    few = count()
    for n in range(200):
        SchoolFactory(name=f"Register School {n:03d}", urn=120000 + n)
    assert count() == few
