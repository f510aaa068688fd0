"""The contract every section of a child's record keeps, tested once for all of them.

Every `Section` of every `Tab` in records.sections.TABS is served by the same pages
(records/views/sections.py) and API (records/api/section_views.py), so every one of them is
held here to the same promises, through the pages and the API:

- create: a valid row is saved as given, at version 1;
- view: the tab lists it (with a link to change it) and the API returns it;
- edit: the form carries the version it was read at, and a save moves the row to version 2;
- stale edit refused: a save from a page (or a body) read before someone else's save is
  refused naming who made it, and their save is kept;
- bad input: refused with the rule's message next to its field, and the row is left exactly
  as it was (nothing added, nothing changed);
- another caseworker (not allocated) gets 404 for every page and endpoint, and it is logged;
- sensitive hidden: without the sensitive-categories permission a sensitive tab is neither
  linked nor reachable, and a sensitive row of an open tab is neither listed nor reachable;
- a fixed number of queries for the tab page and the API list, the same at two data sizes.

Sections are found from TABS, so a new one is tested without being named here; it fails until
INPUTS below says what a valid row of it, a change to it and an invalid row look like. The
expectations (what the tab shows, the message a rule gives, how a section is hidden) are
written out here, never read from the sections' own declarations. Each area's own rules are
tested in tests/records/test_services_<area>.py.
"""

from __future__ import annotations

import datetime
import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from auditlog.models import LogEntry
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db.models import Model
from django.urls import NoReverseMatch, reverse
from django.utils.html import escape

from records.codes.assessment import Measure
from records.datamap import DATA_MAP
from records.models import AccessLogEntry, Child, EntryRemoval
from records.sections import TABS, Section, Tab
from records.services.removal import NOT_YOURS, REASON_REQUIRED, entry_remove
from tests.factories import ChildFactory, SchoolFactory, UserFactory
from virtualschool.errors import DomainError
from virtualschool.roles import Perm, Role

pytestmark = pytest.mark.django_db
D = datetime.date

# Every date below is read against this day and a child born on BORN (17 on TODAY: in
# Reception 2012/13, year 6 2018/19, year 11 2023/24, post-16 from September 2024).
TODAY = D(2025, 11, 20)
BORN = D(2008, 3, 10)
MORE_ROWS = 6  # rows added to measure the query count at a second size
MAX_PAGE_QUERIES = 40
MAX_API_QUERIES = 14
STALE = "Your changes have not been saved"


class Hidden(enum.Enum):
    """How a section is kept from a caseworker without the sensitive-categories permission."""

    TAB = "its whole tab is sensitive: not linked, and every page and endpoint is a 404"
    ROWS = "its tab is open, but rows filed under a sensitive category are hidden and 404"
    NO = "it is open to whoever may see the child"


@dataclass(frozen=True)
class Ref:
    """A value that is a row of the reference tables, made when the test needs it."""

    name: str


SCHOOL = Ref("the school")  # one school, the same for every row of a test
NEW_SCHOOL = Ref("a new school")  # a school of its own, for each row that names it


@dataclass(frozen=True)
class Inputs:
    """What the contract needs to know of one section, written out for it."""

    # Every field of the section's form, as the service stores it (already tidied).
    valid: Mapping[str, Any]
    # Fields an edit changes (over `valid`).
    changed: Mapping[str, Any]
    # Fields that make `valid` refused by a rule (over `valid`), the field the refusal is
    # about and words of its message.
    invalid: Mapping[str, Any]
    refused: tuple[str, str]
    # Text of the `valid` row on the tab page.
    shown: tuple[str, ...]
    hidden: Hidden
    # The i-th further valid row, for the query count; None for a one-per-child section.
    more: Callable[[int], Mapping[str, Any]] | None
    # Hidden.ROWS only: a row filed under a sensitive category, and words of its text that
    # must not be on the page for a user without the permission.
    sensitive_row: Mapping[str, Any] | None = None
    sensitive_shown: str = ""
    # Whether records/api/urls.py serves the section.
    api: bool = True


INPUTS: dict[str, Inputs] = {
    "characteristics/characteristics": Inputs(
        valid={
            "ethnicity": "WBRI",
            "first_language": "ENG",
            "english_additional_language": False,
            "arrived_from_overseas": False,
            "unaccompanied_asylum_seeking": False,
            "sen_provision": "K",
            "sen_primary_need": "SEMH",
            "responsible_la_code": "935",
            "placed_in_borough": False,
        },
        changed={
            "ethnicity": "BAFR",
            "first_language": "OTH",
            "english_additional_language": True,
            "sen_provision": "E",
            "sen_primary_need": "SLCN",
        },
        invalid={"sen_provision": "N", "sen_primary_need": "ASD"},
        refused=(
            "sen_primary_need",
            "SEN primary need can only be recorded with SEN provision E",
        ),
        shown=(
            "White British",
            "SEN support – Social, emotional and mental health",
            "LA 935, placed out of borough",
        ),
        hidden=Hidden.NO,
        more=None,
    ),
    "characteristics/free-school-meals": Inputs(
        valid={"start_date": D(2019, 9, 1), "end_date": None},
        changed={"end_date": D(2021, 7, 20)},
        invalid={"end_date": D(2019, 8, 31)},
        refused=("end_date", "must be the same as or after the start date"),
        shown=("1 Sep 2019", "Continuing"),
        hidden=Hidden.NO,
        more=lambda i: {"start_date": D(2011 + i, 1, 1), "end_date": D(2011 + i, 6, 1)},
    ),
    "schools/enrolments": Inputs(
        valid={
            "school": SCHOOL,
            "start_date": D(2019, 9, 2),
            "end_date": D(2024, 7, 19),
            "nc_year": "7",
            "reason_for_leaving": "Finished year 11",
        },
        changed={"end_date": D(2024, 2, 9), "reason_for_leaving": "Moved placement"},
        invalid={"end_date": None},
        refused=("reason_for_leaving", "only be given with an end date"),
        shown=("Contract Academy", "190099", "Year 7", "Finished year 11", "Previous"),
        hidden=Hidden.NO,
        more=lambda i: {
            "school": NEW_SCHOOL,
            "start_date": D(2012 + i, 9, 3),
            "end_date": D(2013 + i, 7, 19),
            "nc_year": "",
            "reason_for_leaving": "",
        },
    ),
    "attainment/results": Inputs(
        valid={
            "measure": Measure.KS2_READING,
            "subject": "",
            "academic_year": 2018,
            "result": "104",
        },
        changed={"result": "112"},
        invalid={"result": "130"},
        refused=(
            "result",
            "The result for KS2 reading (scaled score) must be a scaled score from 80 to 120",
        ),
        shown=("2018/19", "KS2 reading (scaled score)", "104 – expected standard"),
        hidden=Hidden.NO,
        more=lambda i: {
            "measure": Measure.KS4_GCSE,
            "subject": ("Art", "Biology", "Chemistry", "English", "French", "History")[i],
            "academic_year": 2023,
            "result": "6",
        },
    ),
    "attainment/post-16-courses": Inputs(
        valid={
            "provider": "Bradford College",
            "course": "T Level in Digital Production",
            "level": "3",
            "start_date": D(2024, 9, 2),
            "end_date": D(2025, 7, 11),
            "status": "completed",
            "result": "Merit",
        },
        changed={"status": "withdrawn", "end_date": D(2024, 12, 20), "result": ""},
        invalid={"status": "enrolled"},
        refused=("result", "A result can only be recorded for a completed course"),
        shown=("Bradford College", "T Level in Digital Production", "Completed", "Merit"),
        hidden=Hidden.NO,
        more=lambda i: {
            "provider": "Bradford College",
            "course": f"Course {i}",
            "level": "3",
            "start_date": D(2025, 9, 1),
            "end_date": None,
            "status": "enrolled",
            "result": "",
        },
    ),
    "behaviour/exclusions": Inputs(
        valid={
            "school": SCHOOL,
            "category": "FIXD",
            "start_date": D(2025, 10, 6),
            "sessions": 4,
            "reasons": ["DB", "VA"],
            "outcome": "stands",
        },
        changed={"sessions": 3, "reasons": ["DB"], "outcome": "reinstated"},
        invalid={"category": "PERM"},
        refused=("sessions", "A permanent exclusion has no length"),
        shown=(
            "Suspension",
            "Contract Academy",
            "4 sessions (2 days)",
            "Persistent or general disruptive behaviour",
            "Verbal abuse or threatening behaviour against an adult",
            "Stands",
        ),
        hidden=Hidden.NO,
        more=lambda i: {
            "school": NEW_SCHOOL,
            "category": "FIXD",
            "start_date": D(2025, 1, 6) + datetime.timedelta(weeks=i + 1),
            "sessions": 2,
            "reasons": ["DB"],
            "outcome": "stands",
        },
    ),
    "behaviour/alternative-provision": Inputs(
        valid={
            "provider": "Riverside Pupil Referral Unit",
            "start_date": D(2025, 12, 1),
            "end_date": D(2026, 2, 13),
            "hours_per_week": Decimal("22.5"),
            "reason": "Awaiting a new school place",
        },
        changed={"hours_per_week": Decimal("25.0"), "end_date": D(2026, 1, 16)},
        invalid={"hours_per_week": Decimal("40.5")},
        refused=("hours_per_week", "more than 0 and at most 40"),
        shown=("Riverside Pupil Referral Unit", "22.5", "Awaiting a new school place"),
        hidden=Hidden.NO,
        more=lambda i: {
            "provider": f"Provider {i}",
            "start_date": D(2024, 1, 8) + datetime.timedelta(weeks=i),
            "end_date": None,
            "hours_per_week": Decimal("10.0"),
            "reason": "Part-time timetable",
        },
    ),
    "safeguarding/court-orders": Inputs(
        valid={
            "order_type": "interim_care",
            "court": "Family Court at Bradford",
            "made_on": D(2025, 3, 4),
            "expires_on": None,
        },
        changed={"order_type": "care", "court": "Family Court at York"},
        invalid={"expires_on": D(2025, 3, 3)},
        refused=("expires_on", "same as or after the date it was made"),
        shown=("Interim care order", "Family Court at Bradford", "4 Mar 2025"),
        hidden=Hidden.TAB,
        more=lambda i: {
            "order_type": "supervision",
            "court": f"Court {i}",
            "made_on": D(2016 + i, 1, 1),
            "expires_on": None,
        },
    ),
    "safeguarding/professionals": Inputs(
        valid={
            "agency": "CAMHS",
            "role": "Clinician",
            "contact_name": "Sam Example",
            "contact_details": "01632 960 001",
            "start_date": D(2023, 1, 9),
            "end_date": None,
        },
        changed={"role": "Lead clinician", "end_date": D(2024, 7, 1)},
        invalid={"end_date": D(2023, 1, 8)},
        refused=("end_date", "must be the same as or after the start date"),
        shown=("CAMHS", "Clinician", "Sam Example", "9 Jan 2023"),
        hidden=Hidden.TAB,
        more=lambda i: {
            "agency": "Youth offending team",
            "role": f"Officer {i}",
            "contact_name": "",
            "contact_details": "",
            "start_date": D(2016 + i, 1, 1),
            "end_date": None,
        },
    ),
    "health/conditions": Inputs(
        valid={"condition": "Asthma", "needs": "Inhaler kept in class"},
        changed={"needs": "Two inhalers"},
        invalid={"condition": "x" * 201},
        refused=("condition", "at most 200 characters"),
        shown=("Asthma", "Inhaler kept in class"),
        hidden=Hidden.TAB,
        more=lambda i: {"condition": f"Condition {i}", "needs": ""},
    ),
    "health/professionals": Inputs(
        valid={
            "role": "School nurse",
            "name": "Alex Example",
            "organisation": "0-19 Service",
            "contact_details": "01632 960 001",
        },
        changed={"organisation": "CAMHS"},
        invalid={"name": ""},
        refused=("name", "Enter the name"),
        shown=("School nurse", "Alex Example", "0-19 Service"),
        hidden=Hidden.TAB,
        more=lambda i: {
            "role": f"Role {i}",
            "name": "Sam Example",
            "organisation": "",
            "contact_details": "",
        },
    ),
    "notes/notes": Inputs(
        valid={
            "category": "housing",
            "written_on": D(2024, 3, 1),
            "text": "Carers moving house next month",
        },
        changed={"category": "employment", "text": "Move postponed"},
        invalid={"written_on": D(2025, 11, 21)},
        refused=("written_on", "Date must be today or in the past"),
        shown=("Carers moving house next month", "Housing", "1 Mar 2024"),
        hidden=Hidden.ROWS,
        more=lambda i: {
            "category": "family" if i % 2 else "referral",
            "written_on": D(2024, 4, 1 + i),
            "text": f"Note {i}",
        },
        sensitive_row={
            "category": "family",
            "written_on": D(2024, 4, 1),
            "text": "Contact with birth mother moved to Saturdays",
        },
        sensitive_shown="birth mother",
    ),
    "contacts/contacts": Inputs(
        valid={
            "relationship": "carer",
            "name": "Jo Example",
            "organisation": "Demoshire Fostering Service",
            "phone": "07700 900123",
            "email": "jo.example@example.org",
        },
        changed={"phone": "+44 7700 900999", "email": ""},
        invalid={"phone": "call the office"},
        refused=("phone", "Enter a telephone number, like 01632 960 001"),
        shown=("Carer", "Jo Example", "Demoshire Fostering Service", "07700 900123"),
        hidden=Hidden.NO,
        more=lambda i: {
            "relationship": "other",
            "name": f"Person {i}",
            "organisation": "",
            "phone": "",
            "email": "",
        },
    ),
    "contacts/previous-addresses": Inputs(
        valid={
            "address_line_1": "1 Example Road",
            "address_line_2": "",
            "town": "Demotown",
            "postcode": "ZZ99 9ZZ",
            "from_date": D(2018, 1, 1),
            "to_date": D(2022, 6, 30),
        },
        changed={"address_line_1": "2 Example Road", "from_date": None},
        invalid={"from_date": D(2022, 7, 1)},
        refused=("to_date", "Date moved out must be the same as or after the date moved in"),
        shown=("1 Example Road", "Demotown", "ZZ99 9ZZ", "1 Jan 2018", "30 Jun 2022"),
        hidden=Hidden.NO,
        more=lambda i: {
            "address_line_1": f"{i} Road",
            "address_line_2": "",
            "town": "",
            "postcode": "",
            "from_date": None,
            "to_date": D(2014 + i, 6, 1),
        },
    ),
}


def _key(tab: Tab, section: Section) -> str:
    return f"{tab.slug}/{section.slug}"


SECTIONS = [
    pytest.param((tab, section), id=_key(tab, section)) for tab in TABS for section in tab.sections
]


def _declared(tab: Tab, section: Section) -> Inputs:
    inputs = INPUTS.get(_key(tab, section))
    if inputs is None:
        pytest.fail(
            f"The section {_key(tab, section)!r} has no inputs for the section contract. Add an "
            f"entry to INPUTS in {__name__.replace('.', '/')}.py: a valid row (every field of "
            f"{section.form_class.__name__}), a change to it, an invalid one with the field and "
            "message its rule gives, the text its row shows on the tab, and how it is hidden "
            "without the sensitive permission."
        )
    return inputs


def test_every_section_has_its_inputs_declared_and_no_others():
    sections = {_key(tab, section): section for tab in TABS for section in tab.sections}
    assert not set(sections) - set(INPUTS), (
        f"Sections without inputs in INPUTS (add them): {sorted(set(sections) - set(INPUTS))}"
    )
    assert not set(INPUTS) - set(sections), (
        f"INPUTS names sections that no tab has: {sorted(set(INPUTS) - set(sections))}"
    )
    for key, section in sections.items():
        fields = set(section.form_class.base_fields)
        inputs = INPUTS[key]
        assert set(inputs.valid) == fields, f"{key}: `valid` must give every field of the form"
        rows = [inputs.changed, inputs.invalid, inputs.sensitive_row or {}]
        for values in rows:
            assert set(values) <= fields, f"{key}: {sorted(set(values) - fields)} are not fields"
        if inputs.more is not None:
            assert set(inputs.more(0)) == fields, f"{key}: `more` must give every field"
        assert (inputs.hidden is Hidden.ROWS) == (inputs.sensitive_row is not None), key
        assert inputs.refused[0] in fields | {"__all__"}, key


# --- The world of one test ----------------------------------------------------------------


def _with_sensitive(user):
    user.user_permissions.add(Permission.objects.get(codename=Perm.VIEW_SENSITIVE.value))
    return type(user).objects.get(pk=user.pk)  # permissions are cached on the user object


@dataclass
class Case:
    """One section under test, its child and the people around it."""

    tab: Tab
    section: Section
    inputs: Inputs
    child: Child
    school: Model
    manager: Any  # sees and changes every child
    sensitive: Any  # allocated, with the sensitive permission
    plain: Any  # allocated, without it
    stranger: Any  # not allocated, with it
    outsider: Any  # not allocated, without it
    client_for: Callable[[Any], Any]
    _clients: dict = field(default_factory=dict)

    @property
    def writer(self):
        """The least the section needs: the allocated caseworker, with the sensitive
        permission only for a sensitive tab."""
        return self.sensitive if self.inputs.hidden is Hidden.TAB else self.plain

    def client(self, user):
        if user.pk not in self._clients:
            self._clients[user.pk] = self.client_for(user)
        return self._clients[user.pk]

    # Values and rows

    def values(self, *layers: Mapping[str, Any]) -> dict[str, Any]:
        """The layers merged, with each Ref made into its row."""
        merged: dict[str, Any] = {}
        for layer in layers:
            merged.update(layer)
        return {name: self._resolve(value) for name, value in merged.items()}

    def _resolve(self, value: Any) -> Any:
        if value is SCHOOL:
            return self.school
        if value is NEW_SCHOOL:
            return SchoolFactory()
        return value

    def create(self, *layers: Mapping[str, Any], actor=None) -> Model:
        """A row made through the section's own create service (layers default to `valid`)."""
        return self.section.create(
            actor=actor or self.manager,
            child=self.child,
            **self.values(*(layers or (self.inputs.valid,))),
        )

    def rows(self):
        return self.section.model.objects.filter(child=self.child)

    def state(self, row: Model) -> dict[str, Any]:
        """Everything stored in the row, to show nothing changed."""
        return self.section.model.objects.filter(pk=row.pk).values().get()

    def assert_stored(self, row: Model, values: Mapping[str, Any], version: int) -> None:
        row = self.section.model.objects.get(pk=row.pk)
        stored = {name: getattr(row, name) for name in values}
        assert stored == dict(values)
        assert row.version == version

    # Addresses

    def tab_url(self) -> str:
        return reverse("records:tab", kwargs={"pk": self.child.pk, "tab": self.tab.slug})

    def summary_url(self) -> str:
        return reverse("records:child-detail", kwargs={"pk": self.child.pk})

    def add_url(self) -> str:
        return reverse(
            "records:section-add",
            kwargs={"pk": self.child.pk, "tab": self.tab.slug, "section": self.section.slug},
        )

    def edit_url(self, row: Model) -> str:
        return reverse(
            "records:section-edit",
            kwargs={
                "pk": self.child.pk,
                "tab": self.tab.slug,
                "section": self.section.slug,
                "item": row.pk,
            },
        )

    def api_list_url(self) -> str:
        return reverse(
            f"api:{self.tab.slug}-{self.section.slug}-list", kwargs={"pk": self.child.pk}
        )

    def api_item_url(self, row: Model) -> str:
        return reverse(
            f"api:{self.tab.slug}-{self.section.slug}-item",
            kwargs={"pk": self.child.pk, "item": row.pk},
        )

    # Requests

    def post_page(self, user, url: str, values: Mapping[str, Any], version: int | None = None):
        data = _page_data(values)
        if version is not None:
            data["expected_version"] = str(version)
        return self.client(user).post(url, data)

    def api_post(self, user, values: Mapping[str, Any]):
        return self.client(user).post(
            self.api_list_url(), _json_body(values), content_type="application/json"
        )

    def api_put(self, user, row: Model, values: Mapping[str, Any], version: int):
        return self.client(user).put(
            self.api_item_url(row),
            {**_json_body(values), "version": version},
            content_type="application/json",
        )


def _page_data(values: Mapping[str, Any]) -> dict[str, Any]:
    """Values as the section's HTML form posts them."""
    data: dict[str, Any] = {}
    for name, value in values.items():
        if value is None:
            continue
        if isinstance(value, datetime.date):
            data |= {f"{name}_0": value.day, f"{name}_1": value.month, f"{name}_2": value.year}
        elif isinstance(value, bool):
            data[name] = "true" if value else "false"
        elif isinstance(value, Model):
            data[name] = str(value.pk)
        elif isinstance(value, list):
            data[name] = [str(item) for item in value]
        else:
            data[name] = str(value)
    return data


def _json_body(values: Mapping[str, Any]) -> dict[str, Any]:
    """Values as an API client sends them."""
    body: dict[str, Any] = {}
    for name, value in values.items():
        if isinstance(value, datetime.date):
            body[name] = value.isoformat()
        elif isinstance(value, Model):
            body[name] = value.pk
        elif isinstance(value, Decimal):
            body[name] = str(value)
        else:
            body[name] = value
    return body


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(datetime.datetime(2025, 11, 20, 12, tzinfo=datetime.UTC), tick=False):
        yield


@pytest.fixture(params=SECTIONS)
def case(request, manager, caseworker, other_caseworker, allocate, client_for) -> Case:
    return _case(request.param, manager, caseworker, other_caseworker, allocate, client_for)


def _case(param, manager, caseworker, other_caseworker, allocate, client_for) -> Case:
    tab, section = param
    inputs = _declared(tab, section)
    child = ChildFactory(date_of_birth=BORN)
    sensitive = _with_sensitive(UserFactory(username="caseworker_s", role=Role.CASEWORKER))
    allocate(child, sensitive)
    allocate(child, caseworker)
    return Case(
        tab=tab,
        section=section,
        inputs=inputs,
        child=child,
        school=SchoolFactory(urn=190099, name="Contract Academy"),
        manager=manager,
        sensitive=sensitive,
        plain=caseworker,
        stranger=_with_sensitive(other_caseworker),
        outsider=UserFactory(username="caseworker_c", role=Role.CASEWORKER),
        client_for=client_for,
    )


def _has_api(case: Case) -> bool:
    try:
        case.api_list_url()
    except NoReverseMatch:
        has = False
    else:
        has = True
    assert has == case.inputs.api, (
        f"{_key(case.tab, case.section)}: records/api/urls.py "
        f"{'serves' if has else 'does not serve'} this section; INPUTS says api={case.inputs.api}"
    )
    return has


def _html(response) -> str:
    return response.content.decode()


# --- Create ---------------------------------------------------------------------------------


def test_create_through_the_page(case):
    client = case.client(case.writer)
    assert client.get(case.add_url()).status_code == 200
    response = case.post_page(case.writer, case.add_url(), case.values(case.inputs.valid))
    assert response.status_code == 302, _html(response)
    assert response["Location"] == case.tab_url()
    [row] = case.rows()
    case.assert_stored(row, case.values(case.inputs.valid), version=1)
    if case.section.single:
        # Its add page now leads to the one row's edit page.
        again = client.get(case.add_url())
        assert (again.status_code, again["Location"]) == (302, case.edit_url(row))
    else:
        # A manager adds rows to any child's record.
        second = case.values(case.inputs.more(0))
        response = case.post_page(case.manager, case.add_url(), second)
        assert response.status_code == 302, _html(response)
        [added] = case.rows().exclude(pk=row.pk)
        case.assert_stored(added, second, version=1)


def test_create_through_the_api(case):
    if not _has_api(case):
        return
    response = case.api_post(case.writer, case.values(case.inputs.valid))
    assert response.status_code == 201, response.content
    [row] = case.rows()
    case.assert_stored(row, case.values(case.inputs.valid), version=1)
    created = response.json()
    assert created["version"] == 1
    assert response["Location"].endswith(case.api_item_url(row))
    assert case.client(case.writer).get(case.api_item_url(row)).json() == created
    if case.section.single:
        again = case.api_post(case.writer, case.values(case.inputs.valid))
        assert again.status_code == 409
        assert case.rows().count() == 1


# --- View -----------------------------------------------------------------------------------


def test_view_lists_the_row_with_a_link_to_change_it(case):
    row = case.create()
    for user in (case.writer, case.manager):
        client = case.client(user)
        summary = _html(client.get(case.summary_url()))
        assert f'href="{case.tab_url()}"' in summary
        assert escape(case.tab.title) in summary
        html = _html(client.get(case.tab_url()))
        for text in case.inputs.shown:
            assert escape(text) in html
        assert f'href="{case.edit_url(row)}"' in html


def test_view_through_the_api(case):
    if not _has_api(case):
        return
    row = case.create()
    client = case.client(case.writer)
    listed = client.get(case.api_list_url())
    assert listed.status_code == 200
    item = client.get(case.api_item_url(row))
    assert item.status_code == 200
    assert item.json() in listed.json()
    assert (str(item.json()["id"]), item.json()["version"]) == (str(row.pk), 1)
    assert AccessLogEntry.objects.filter(
        user=case.writer, child_id=case.child.pk, outcome=AccessLogEntry.Outcome.VIEWED
    ).exists()


# --- Edit -----------------------------------------------------------------------------------


def test_edit_through_the_page_with_the_version_read(case):
    row = case.create()
    page = _html(case.client(case.writer).get(case.edit_url(row)))
    assert 'name="expected_version" value="1"' in page
    edited = case.values(case.inputs.valid, case.inputs.changed)
    response = case.post_page(case.writer, case.edit_url(row), edited, version=1)
    assert response.status_code == 302, _html(response)
    assert response["Location"] == case.tab_url()
    case.assert_stored(row, edited, version=2)


def test_edit_through_the_api_with_the_version_read(case):
    if not _has_api(case):
        return
    row = case.create()
    edited = case.values(case.inputs.valid, case.inputs.changed)
    response = case.api_put(case.writer, row, edited, version=1)
    assert response.status_code == 200, response.content
    assert response.json()["version"] == 2
    case.assert_stored(row, edited, version=2)


# --- Stale edit refused ---------------------------------------------------------------------


def test_a_stale_edit_on_the_page_is_refused_and_the_first_kept(case):
    row = case.create()
    first = case.values(case.inputs.valid, case.inputs.changed)
    assert case.post_page(case.manager, case.edit_url(row), first, version=1).status_code == 302
    response = case.post_page(
        case.writer, case.edit_url(row), case.values(case.inputs.valid), version=1
    )
    assert response.status_code == 200
    html = _html(response)
    assert STALE in html
    assert escape(case.manager.get_full_name()) in html
    case.assert_stored(row, first, version=2)


def test_a_stale_edit_through_the_api_is_refused_with_409_and_the_first_kept(case):
    if not _has_api(case):
        return
    row = case.create()
    first = case.values(case.inputs.valid, case.inputs.changed)
    assert case.api_put(case.manager, row, first, version=1).status_code == 200
    response = case.api_put(case.writer, row, case.values(case.inputs.valid), version=1)
    assert response.status_code == 409
    [message] = response.json()["non_field_errors"]
    assert STALE in message
    assert case.manager.get_full_name() in message
    case.assert_stored(row, first, version=2)


# --- Bad input leaves the row ---------------------------------------------------------------


def test_bad_input_on_the_page_is_explained_and_leaves_everything_as_it_was(case):
    field_name, message = case.inputs.refused
    bad = case.values(case.inputs.valid, case.inputs.invalid)
    response = case.post_page(case.writer, case.add_url(), bad)
    assert response.status_code == 200
    html = _html(response)
    assert "<title>Error:" in html
    assert escape(message) in html
    assert not case.rows().exists()

    row = case.create()
    before = case.state(row)
    response = case.post_page(case.writer, case.edit_url(row), bad, version=1)
    assert response.status_code == 200
    assert escape(message) in _html(response)
    assert case.state(row) == before
    assert case.rows().count() == 1


def test_bad_input_through_the_api_is_a_400_naming_the_field_and_changes_nothing(case):
    if not _has_api(case):
        return
    field_name, message = case.inputs.refused
    key = "non_field_errors" if field_name == "__all__" else field_name
    bad = case.values(case.inputs.valid, case.inputs.invalid)
    response = case.api_post(case.writer, bad)
    assert response.status_code == 400
    assert any(message in text for text in response.json()[key]), response.json()
    assert not case.rows().exists()

    row = case.create()
    before = case.state(row)
    response = case.api_put(case.writer, row, bad, version=1)
    assert response.status_code == 400
    assert any(message in text for text in response.json()[key]), response.json()
    assert case.state(row) == before


# --- Another caseworker gets 404 ------------------------------------------------------------


def _refused_everywhere(case: Case, user, row: Model) -> None:
    """Every page and endpoint of the section is a 404 for `user`, and nothing is saved."""
    before = case.state(row)
    client = case.client(user)
    for url in (case.tab_url(), case.add_url(), case.edit_url(row)):
        assert client.get(url).status_code == 404, url
    valid = case.values(case.inputs.valid, case.inputs.changed)
    assert case.post_page(user, case.add_url(), valid).status_code == 404
    assert case.post_page(user, case.edit_url(row), valid, version=1).status_code == 404
    if _has_api(case):
        assert client.get(case.api_list_url()).status_code == 404
        assert client.get(case.api_item_url(row)).status_code == 404
        assert case.api_post(user, valid).status_code == 404
        assert case.api_put(user, row, valid, version=1).status_code == 404
    assert case.rows().count() == 1
    assert case.state(row) == before
    assert AccessLogEntry.objects.filter(
        user=user,
        child_id=case.child.pk,
        outcome=AccessLogEntry.Outcome.DENIED,
        page=f"tab-{case.tab.slug}",
    ).exists()
    viewed = AccessLogEntry.objects.filter(user=user, outcome=AccessLogEntry.Outcome.VIEWED)
    section_pages = ("tab-", "add-", "edit-", "api-")
    assert not [entry.page for entry in viewed if entry.page.startswith(section_pages)]


def test_another_caseworker_gets_404_everywhere_and_changes_nothing(case):
    row = case.create()
    _refused_everywhere(case, case.stranger, row)
    _refused_everywhere(case, case.outsider, row)


# --- Sensitive hidden -----------------------------------------------------------------------


def test_without_the_sensitive_permission_sensitive_data_is_hidden(case):
    row = case.create()
    user = case.plain
    client = case.client(user)
    summary = _html(client.get(case.summary_url()))
    if case.inputs.hidden is Hidden.TAB:
        assert f'href="{case.tab_url()}"' not in summary
        assert escape(case.tab.title) not in summary
        _refused_everywhere(case, user, row)
        return

    # An open tab: linked, listed and changeable.
    assert f'href="{case.tab_url()}"' in summary
    assert escape(case.tab.title) in summary
    html = _html(client.get(case.tab_url()))
    for text in case.inputs.shown:
        assert escape(text) in html
    assert f'href="{case.edit_url(row)}"' in html
    assert client.get(case.edit_url(row)).status_code == 200
    if _has_api(case):
        ids = [item["id"] for item in client.get(case.api_list_url()).json()]
        assert len(ids) == 1
    if case.inputs.hidden is Hidden.NO:
        return

    # Hidden.ROWS: a row filed under a sensitive category is neither listed nor reachable.
    hidden = case.create(case.inputs.sensitive_row)
    before = case.state(hidden)
    html = _html(client.get(case.tab_url()))
    assert escape(case.inputs.sensitive_shown) not in html
    assert case.edit_url(hidden) not in html
    assert client.get(case.edit_url(hidden)).status_code == 404
    overwrite = case.values(case.inputs.valid)
    assert case.post_page(user, case.edit_url(hidden), overwrite, version=1).status_code == 404
    if _has_api(case):
        assert len(client.get(case.api_list_url()).json()) == 1
        assert client.get(case.api_item_url(hidden)).status_code == 404
        assert case.api_put(user, hidden, overwrite, version=1).status_code == 404
    assert case.state(hidden) == before
    # ... while a caseworker who holds the permission sees it.
    assert escape(case.inputs.sensitive_shown) in _html(
        case.client(case.sensitive).get(case.tab_url())
    )


def test_with_the_sensitive_permission_a_caseworker_sees_it(case):
    row = case.create()
    client = case.client(case.sensitive)
    assert f'href="{case.tab_url()}"' in _html(client.get(case.summary_url()))
    assert client.get(case.tab_url()).status_code == 200
    assert client.get(case.edit_url(row)).status_code == 200


# --- A fixed number of queries --------------------------------------------------------------


def test_the_tab_page_and_the_api_list_run_a_fixed_number_of_queries(
    case, django_assert_max_num_queries
):
    """For a manager and for allocated caseworkers with and without the sensitive permission
    (where they may see the tab): the same count with no row, one row and several rows, each
    added by someone else (notes show their author)."""
    readers = [case.manager, case.sensitive]
    if case.inputs.hidden is not Hidden.TAB:
        readers.append(case.plain)
    api = _has_api(case)

    def counts() -> list[int]:
        found = []
        for user in readers:
            client = case.client(user)
            with django_assert_max_num_queries(MAX_PAGE_QUERIES) as page:
                assert client.get(case.tab_url()).status_code == 200
            found.append(len(page.captured_queries))
            if api:
                with django_assert_max_num_queries(MAX_API_QUERIES) as listed:
                    assert client.get(case.api_list_url()).status_code == 200
                found.append(len(listed.captured_queries))
        return found

    none = counts()
    case.create()
    assert counts() == none
    if case.inputs.more is not None:  # a one-per-child section has no more rows
        for i in range(MORE_ROWS):
            case.create(case.inputs.more(i), actor=UserFactory(role=Role.MANAGER))
        assert case.rows().count() == 1 + MORE_ROWS
        assert counts() == none


# --- Removing a mistaken entry (issue 15) -------------------------------------------------

REMOVAL_REASON = "Recorded against the wrong child"


def _remove_url(case: Case, row: Model) -> str:
    return reverse(
        "records:section-remove",
        kwargs={
            "pk": case.child.pk,
            "tab": case.tab.slug,
            "section": case.section.slug,
            "item": row.pk,
        },
    )


def _logged(row: Model) -> list:
    return list(
        LogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(type(row)), object_pk=str(row.pk)
        )
        .order_by("pk")
        .values_list("action", "changes")
    )


def test_remove_through_the_page_with_a_reason(case):
    row = case.create()
    pk = row.pk
    history_url = reverse("records:child-history", kwargs={"pk": case.child.pk})
    client = case.client(case.writer)
    assert f'href="{_remove_url(case, row)}"' in _html(client.get(case.edit_url(row)))
    page = _html(client.get(_remove_url(case, row)))
    assert f"Remove this {case.section.item_name}" in page
    response = client.post(_remove_url(case, row), {"reason": f"  {REMOVAL_REASON} "})
    assert response.status_code == 302, _html(response)
    assert response["Location"] == case.tab_url()
    assert not case.section.model.objects.filter(pk=pk).exists()
    removal = EntryRemoval.objects.get(child=case.child)
    assert (removal.reason, removal.removed_by, removal.area) == (
        REMOVAL_REASON,
        case.writer,
        case.tab.slug,
    )
    tab = _html(client.get(case.tab_url()))  # shows the success message, once
    assert f"{case.section.item_name[:1].upper()}{case.section.item_name[1:]} removed" in tab
    assert case.edit_url(row) not in tab
    # The history keeps that it was there and who removed it and why, not what it said.
    history = _html(client.get(history_url))
    name = case.writer.get_full_name() or case.writer.get_username()
    assert f"Removed by {escape(name)}: {REMOVAL_REASON}" in history
    # A category filed row by row (a note's) stays: it decides who may see the entry was there.
    entry = DATA_MAP.entry_for(case.section.model)
    filed = {
        str(dict(case.section.model._meta.get_field(source).flatchoices)[getattr(row, source)])
        for source in entry.declaration.by_row.values()
    }
    for text in set(case.inputs.shown) - filed:
        assert escape(text) not in history, text


def test_a_removal_without_a_reason_is_refused_and_changes_nothing(case):
    row = case.create()
    before, logged = case.state(row), _logged(row)
    for reason in ("", "   "):
        response = case.client(case.writer).post(_remove_url(case, row), {"reason": reason})
        html = _html(response)
        assert response.status_code == 200
        assert "govuk-error-summary" in html
        assert html.count(REASON_REQUIRED) == 2  # in the summary and beside the field
    with pytest.raises(DomainError) as refused:
        entry_remove(actor=case.writer, row=row, reason="")
    assert refused.value.message_dict == {"reason": [REASON_REQUIRED]}
    assert case.state(row) == before
    assert _logged(row) == logged
    assert not EntryRemoval.objects.exists()


def test_removal_is_refused_to_whoever_may_not_change_the_row(case):
    row = case.create()
    before, logged = case.state(row), _logged(row)
    refused_people = [case.stranger, case.outsider]
    if case.inputs.hidden is Hidden.TAB:
        refused_people.append(case.plain)
    for user in refused_people:
        client = case.client(user)
        assert client.get(_remove_url(case, row)).status_code == 404
        assert client.post(_remove_url(case, row), {"reason": "x"}).status_code == 404
        with pytest.raises(DomainError) as refused:
            entry_remove(actor=user, row=row, reason="x")
        assert refused.value.message_dict == {"__all__": [NOT_YOURS]}
    if case.inputs.hidden is Hidden.ROWS:
        hidden = case.create(case.inputs.sensitive_row)
        client = case.client(case.plain)
        assert client.post(_remove_url(case, hidden), {"reason": "x"}).status_code == 404
        with pytest.raises(DomainError):
            entry_remove(actor=case.plain, row=hidden, reason="x")
        assert case.section.model.objects.filter(pk=hidden.pk).exists()
    assert case.state(row) == before
    assert _logged(row) == logged
    assert not EntryRemoval.objects.exists()


# --- Every error at once ------------------------------------------------------------------


def _typed_wrong(form_field) -> dict[str, Any] | None:
    """Post data the form itself rejects for one field (its shape), or None when no typed value
    can be wrong for it (a checkbox)."""
    from django import forms as django_forms

    from virtualschool.forms import GovukDateField

    if isinstance(form_field, GovukDateField):
        return {"_0": "31", "_1": "2", "_2": "2025"}
    if isinstance(form_field, django_forms.MultipleChoiceField):
        return {"": ["not-a-choice"]}
    if isinstance(form_field, django_forms.ChoiceField | django_forms.ModelChoiceField):
        return {"": "not-a-choice"}
    if isinstance(form_field, django_forms.IntegerField | django_forms.DecimalField):
        return {"": "lots"}
    if isinstance(form_field, django_forms.CharField) and form_field.max_length:
        return {"": "x" * (form_field.max_length + 1)}
    return None


# The field typed wrong must be one the refused rule does not read. By default the first
# field outside `invalid` and the refused field; here where that one is read by the rule, or
# None where every field is (the section's rule and typing errors are then about the same
# fields, and tests/records/test_services_<area>.py covers them).
TYPED_WRONG_FIELD: dict[str, str | None] = {
    "attainment/results": "subject",  # the result's range depends on the measure
    "characteristics/free-school-meals": None,  # the rule compares its only two dates
    "health/conditions": None,  # the refusal is the form's own (too long)
}


@pytest.fixture(
    params=[
        param
        for param in SECTIONS
        if TYPED_WRONG_FIELD.get(param.id, "") is not None  # type: ignore[union-attr]
    ]
)
def independent_case(request, manager, caseworker, other_caseworker, allocate, client_for):
    return _case(request.param, manager, caseworker, other_caseworker, allocate, client_for)


def test_a_rule_and_a_typing_error_are_shown_together_on_the_first_submit(independent_case):
    """The invalid row breaks one of the section's rules (the service's); one other field is
    also typed wrong (the form's). One submit shows both, on the add page and the edit page,
    and saves nothing (issue 16: forms revealed their errors in rounds)."""
    case = independent_case
    refused_field, message = case.inputs.refused
    fields = case.section.form_class.base_fields
    involved = set(case.inputs.invalid) | {refused_field}
    chosen = TYPED_WRONG_FIELD.get(_key(case.tab, case.section))
    wrong = next(
        (
            (name, typed)
            for name, form_field in fields.items()
            if name not in involved
            and (chosen is None or name == chosen)
            and (typed := _typed_wrong(form_field)) is not None
        ),
        None,
    )
    assert wrong is not None, f"{_key(case.tab, case.section)}: no other field to type wrong"
    name, typed = wrong
    data = _page_data(case.values(case.inputs.valid, case.inputs.invalid))
    for suffix in ("", "_0", "_1", "_2"):
        data.pop(f"{name}{suffix}", None)
    data |= {f"{name}{suffix}": value for suffix, value in typed.items()}

    response = case.client(case.writer).post(case.add_url(), data)
    html = _html(response)
    assert response.status_code == 200
    assert f'id="id_{name}_error"' in html, f"{name} typed wrong has no message beside it"
    assert escape(message) in html, "the rule's message waits for a second submit"
    assert not case.rows().exists()

    row = case.create()
    before = case.state(row)
    response = case.client(case.writer).post(case.edit_url(row), {**data, "expected_version": 1})
    html = _html(response)
    assert f'id="id_{name}_error"' in html
    assert escape(message) in html
    assert case.state(row) == before
