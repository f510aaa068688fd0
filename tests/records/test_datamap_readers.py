"""Every reader of a child's data follows the data map.

Each test declares one field sensitive for the test only (the model's `data_categories`, which
the map reads at each use, with the field moved into `health`) and sees it vanish for a
caseworker without the sensitive-categories permission, and stay for one with it: from the
section pages' lists and forms, the API, the change history, the drill-down lists and their
CSVs, and the attendance tab. A control first shows each value there without the move, so each
test can fail.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime
import io
from html import unescape

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from records import selectors
from records.categories import DataCategories, declare
from records.datamap import DATA_MAP
from records.history import history_rows
from records.models import (
    AttendanceSession,
    BatchEvent,
    Characteristics,
    Child,
    Enrolment,
    Exclusion,
)
from records.sections import TABS
from records.services import characteristics as characteristics_services
from records.services.attendance import attendance_record_range
from tests.conftest import signed_in
from tests.factories import ChildFactory, SchoolFactory, UserFactory
from tests.records.dashboards import test_exclusions_dashboard as exclusions_tests
from virtualschool.roles import Perm, Role

pytestmark = pytest.mark.django_db
D = datetime.date
cohort = exclusions_tests.cohort  # the exclusions dashboard's hand-worked children

FIRST_LANGUAGE = "Not known but believed to be other than English"  # OTB


def moved_to_health(model, *names: str) -> DataCategories:
    """The model's declaration with `names` moved into the health category."""
    old = model.data_categories
    by_category: dict[str, list[str]] = {}
    for name, category in old.fields.items():
        if name not in names:
            by_category.setdefault(category.value, []).append(name)
    by_category.setdefault("health", []).extend(names)
    return declare(not_personal=old.not_personal, by_row=old.by_row, **by_category)


@pytest.fixture
def make_sensitive(monkeypatch):
    def _make(model, *names: str) -> None:
        monkeypatch.setattr(model, "data_categories", moved_to_health(model, *names))
        entry = DATA_MAP.entry_for(model)
        assert all(entry.is_sensitive(name) for name in names)

    return _make


def _with_sensitive(user):
    user.user_permissions.add(Permission.objects.get(codename=Perm.VIEW_SENSITIVE.value))
    return type(user).objects.get(pk=user.pk)


@pytest.fixture
def sensitive_caseworker(db):
    return _with_sensitive(UserFactory(username="caseworker_s", role=Role.CASEWORKER))


@pytest.fixture
def record(manager, caseworker, sensitive_caseworker, allocate):
    child = ChildFactory(date_of_birth=D(2012, 5, 14))
    allocate(child, caseworker)
    allocate(child, sensitive_caseworker)
    characteristics_services.characteristics_record(
        actor=manager, child=child, ethnicity="WBRI", first_language="OTB"
    )
    return child


def _tab(child, tab="characteristics"):
    return reverse("records:tab", kwargs={"pk": child.pk, "tab": tab})


def _edit(child):
    return reverse(
        "records:section-edit",
        kwargs={
            "pk": child.pk,
            "tab": "characteristics",
            "section": "characteristics",
            "item": child.pk,
        },
    )


def _html(client, url, params=None) -> str:
    response = client.get(url, params or {})
    assert response.status_code == 200
    return unescape(response.content.decode())


def _csv(response) -> list[list[str]]:
    """A dashboard CSV's table: what follows the blank line that ends its preamble (the
    period, filters, breakdown and the day it was made, issue 16)."""
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][0].endswith(" dashboard") and rows[rows.index([]) - 1][:1] == ["Made on"]
    return rows[rows.index([]) + 1 :]


# --- The declaration the readers depend on ----------------------------------------------------


def test_every_column_names_fields_its_model_declares():
    """Each field a column shows is declared by the model it is on: the section's, or for a
    field the section borrows (Section.borrowed, the child's LA code on characteristics) the
    model it borrows from."""
    for tab in TABS:
        for section in tab.sections:
            for column in section.columns:
                assert column.fields, (section.slug, column.heading)
                for name in column.fields:
                    model, field_name = section.borrowed.get(name, (section.model, name))
                    declared = DATA_MAP.entry_for(model).declaration.declared
                    assert field_name in declared, (section.slug, column.heading, name)


# --- Section pages: the list and the form -----------------------------------------------------


def test_a_column_of_a_field_declared_sensitive_leaves_the_list(
    client_for, caseworker, sensitive_caseworker, record, make_sensitive
):
    before = _html(client_for(caseworker), _tab(record))
    assert "First language" in before and FIRST_LANGUAGE in before

    make_sensitive(Characteristics, "first_language")
    page = _html(client_for(caseworker), _tab(record))
    assert "First language" not in page
    assert FIRST_LANGUAGE not in page
    assert "Ethnicity" in page and "White British" in page
    shown = _html(client_for(sensitive_caseworker), _tab(record))
    assert "First language" in shown and FIRST_LANGUAGE in shown


def test_a_form_field_declared_sensitive_is_left_out_and_its_value_kept(
    client_for, caseworker, sensitive_caseworker, record, make_sensitive
):
    assert 'name="first_language"' in _html(client_for(caseworker), _edit(record))

    make_sensitive(Characteristics, "first_language")
    client = client_for(caseworker)
    form = _html(client, _edit(record))
    assert 'name="first_language"' not in form
    assert FIRST_LANGUAGE not in form
    response = client.post(
        _edit(record), {"ethnicity": "BAFR", "first_language": "ENG", "expected_version": "1"}
    )
    assert response.status_code == 302
    row = Characteristics.objects.get(child=record)
    # The field the caseworker may not see is kept as it was, whatever was posted for it.
    assert (row.ethnicity, row.first_language, row.version) == ("BAFR", "OTB", 2)
    assert 'name="first_language"' in _html(client_for(sensitive_caseworker), _edit(record))


def test_a_new_row_gets_the_default_for_a_field_the_user_may_not_see(
    client_for, caseworker, allocate, make_sensitive
):
    child = ChildFactory(date_of_birth=D(2012, 5, 14))
    allocate(child, caseworker)
    make_sensitive(Characteristics, "first_language")
    add = reverse(
        "records:section-add",
        kwargs={"pk": child.pk, "tab": "characteristics", "section": "characteristics"},
    )
    response = client_for(caseworker).post(add, {"ethnicity": "WBRI", "first_language": "OTB"})
    assert response.status_code == 302
    row = Characteristics.objects.get(child=child)
    assert (row.ethnicity, row.first_language) == ("WBRI", "")


# --- The API ----------------------------------------------------------------------------------


def _api(name, **kwargs):
    return reverse(f"api:{name}", kwargs=kwargs)


def test_the_api_section_leaves_out_a_field_declared_sensitive(
    client_for, caseworker, sensitive_caseworker, record, make_sensitive
):
    url = _api("characteristics-characteristics-list", pk=record.pk)
    assert client_for(caseworker).get(url).json()[0]["first_language"] == "OTB"

    make_sensitive(Characteristics, "first_language")
    row = client_for(caseworker).get(url).json()[0]
    assert "first_language" not in row
    assert row["ethnicity"] == "WBRI"
    shown = client_for(sensitive_caseworker).get(url).json()[0]
    assert shown["first_language"] == "OTB"


def test_an_api_change_keeps_a_field_the_user_may_not_see(
    client_for, caseworker, allocate, record, make_sensitive
):
    make_sensitive(Characteristics, "first_language")
    client = client_for(caseworker)
    item = _api("characteristics-characteristics-item", pk=record.pk, item=record.pk)
    # Every field is sent on a change (an omitted one is cleared), except those the user may
    # not see: they are kept, and a value sent for one is ignored.
    for body in (
        {"ethnicity": "BAFR", "version": 1},
        {"ethnicity": "WBRI", "first_language": "ENG", "version": 2},
    ):
        response = client.put(item, body, content_type="application/json")
        assert response.status_code == 200, response.content
        assert "first_language" not in response.json()
    row = Characteristics.objects.get(child=record)
    assert (row.ethnicity, row.first_language, row.version) == ("WBRI", "OTB", 3)

    child = ChildFactory(date_of_birth=D(2012, 5, 14))
    allocate(child, caseworker)
    response = client.post(
        _api("characteristics-characteristics-list", pk=child.pk),
        {"ethnicity": "WBRI", "first_language": "OTB"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert Characteristics.objects.get(child=child).first_language == ""


def test_the_child_list_and_detail_leave_out_a_field_declared_sensitive(
    client_for, caseworker, sensitive_caseworker, record, make_sensitive
):
    def _seen(user):
        client = client_for(user)
        listed = client.get(_api("child-list")).json()["results"]
        detail = client.get(_api("child-detail", pk=record.pk)).json()
        return listed[0], detail

    listed, detail = _seen(caseworker)
    assert listed["gender"] == detail["gender"] == record.gender

    make_sensitive(Child, "gender", "date_of_birth")
    listed, detail = _seen(caseworker)
    for shown in (listed, detail):
        assert "gender" not in shown and "date_of_birth" not in shown
        assert shown["first_name"] == record.first_name
    assert "age" not in detail  # worked out from the date of birth
    listed, detail = _seen(sensitive_caseworker)
    assert listed["gender"] == detail["gender"] == record.gender
    assert detail["age"] == record.age_on(timezone.localdate())


def test_the_child_detail_leaves_out_a_school_declared_sensitive(
    client_for, caseworker, sensitive_caseworker, record, make_sensitive
):
    school = SchoolFactory(name="Quokka Primary School")
    Enrolment.objects.create(child=record, school=school, start_date=D(2020, 9, 1))
    url = _api("child-detail", pk=record.pk)
    [enrolment] = client_for(caseworker).get(url).json()["schools"]
    assert enrolment["school_name"] == "Quokka Primary School"

    make_sensitive(Enrolment, "school")
    [enrolment] = client_for(caseworker).get(url).json()["schools"]
    assert "school_name" not in enrolment and "school_urn" not in enrolment
    assert enrolment["start_date"] == "2020-09-01"
    listed = client_for(caseworker).get(_api("child-list")).json()["results"][0]
    assert "current_school" not in listed
    [enrolment] = client_for(sensitive_caseworker).get(url).json()["schools"]
    assert enrolment["school_name"] == "Quokka Primary School"


# --- The change history -----------------------------------------------------------------------


def _history(client, child) -> str:
    return _html(client, reverse("records:child-history", kwargs={"pk": child.pk}))


def test_the_history_leaves_out_a_change_to_a_field_declared_sensitive(
    client_for, manager, caseworker, sensitive_caseworker, record, make_sensitive
):
    row = Characteristics.objects.get(child=record)
    characteristics_services.characteristics_update(
        actor=manager,
        instance=row,
        expected_version=row.version,
        ethnicity="WBRI",
        first_language="OTH",
    )
    before = _history(client_for(caseworker), record)
    assert "First language" in before and "Other than English" in before

    make_sensitive(Characteristics, "first_language")
    page = _history(client_for(caseworker), record)
    assert "First language" not in page
    assert FIRST_LANGUAGE not in page and "Other than English" not in page
    # The update changed nothing else, so the row is gone; the creation, with its ethnicity,
    # stays.
    rows = history_rows(
        selectors.child_history_visible_to(child=record, user=caseworker), user=caseworker
    )
    characteristics = [r for r in rows if r.entry.content_type.model == "characteristics"]
    assert [[c.field for c in r.changes] for r in characteristics] == [
        ["Ethnicity", "Unaccompanied asylum-seeking child"]
    ]
    shown = _history(client_for(sensitive_caseworker), record)
    assert "First language" in shown and "Other than English" in shown


def test_the_history_leaves_out_recorded_attendance_when_its_dates_are_declared_sensitive(
    client_for, manager, caseworker, sensitive_caseworker, record, monkeypatch
):
    attendance_record_range(
        actor=manager, child=record, date_from=D(2025, 9, 8), date_to=D(2025, 9, 8), code="/"
    )
    assert "Attendance recorded" in _history(client_for(caseworker), record)

    # A batch event's categories are given at registration (records/datamap_entries.py), so
    # the test moves them in the map itself.
    entry = DATA_MAP.entry_for(BatchEvent)
    declared = entry.declaration
    moved = declare(
        health=["date_from", "date_to"],
        not_personal=declared.not_personal,
    )
    monkeypatch.setitem(DATA_MAP._entries, BatchEvent, dataclasses.replace(entry, given=moved))
    page = _history(client_for(caseworker), record)
    assert "Attendance recorded" not in page and "8 Sep 2025" not in page
    assert "Attendance recorded" in _history(client_for(sensitive_caseworker), record)


# --- Dashboards' drill-down lists and their CSVs ----------------------------------------------


EXCLUSIONS_CHILDREN = reverse("dashboards:exclusions-children")


def test_a_drill_down_leaves_out_a_column_declared_sensitive(caseworker, cohort, make_sensitive):
    params = {"year": 2024}
    client = signed_in(caseworker)
    page = _html(client, EXCLUSIONS_CHILDREN, params)
    assert ">School</th>" in page and "Oak Primary School" in page
    assert _csv(client.get(EXCLUSIONS_CHILDREN, {**params, "download": "csv"}))[0] == [
        "Name",
        "UPN",
        "Cohort",
        "School",
        "Caseworker",
        "Suspensions",
        "Permanent exclusions",
        "Sessions lost",
    ]

    make_sensitive(Enrolment, "school")
    make_sensitive(Exclusion, "sessions")
    page = _html(client, EXCLUSIONS_CHILDREN, params)
    assert ">School</th>" not in page and "Oak Primary School" not in page
    assert "No school recorded" not in page
    assert "Sessions lost" not in page
    assert "Ava Adams" in page and "Cara Clark" in page
    rows = _csv(client.get(EXCLUSIONS_CHILDREN, {**params, "download": "csv"}))
    assert rows[0] == ["Name", "UPN", "Cohort", "Caseworker", "Suspensions", "Permanent exclusions"]
    assert all(len(row) == 6 for row in rows)
    assert not any("Oak Primary School" in cell for row in rows for cell in row)

    shown = _with_sensitive(caseworker)
    rows = _csv(signed_in(shown).get(EXCLUSIONS_CHILDREN, {**params, "download": "csv"}))
    assert rows[0][3] == "School" and rows[0][-1] == "Sessions lost"


def test_a_drill_down_without_names_still_links_to_each_record(caseworker, cohort, make_sensitive):
    make_sensitive(Child, "first_name", "last_name")
    client = signed_in(caseworker)
    page = _html(client, EXCLUSIONS_CHILDREN, {"year": 2024})
    assert "Ava" not in page and "Cara" not in page
    assert page.count(">View record</a>") == 2
    rows = _csv(client.get(EXCLUSIONS_CHILDREN, {"year": 2024, "download": "csv"}))
    assert rows[0][:2] == ["UPN", "Cohort"]
    assert not any("Adams" in cell or "Clark" in cell for row in rows for cell in row)


# --- The attendance tab -----------------------------------------------------------------------


def test_the_attendance_tab_leaves_out_parts_holding_a_field_declared_sensitive(
    client_for, manager, caseworker, sensitive_caseworker, record, make_sensitive
):
    school = SchoolFactory(name="Quokka Academy")
    attendance_record_range(
        actor=manager,
        child=record,
        date_from=D(2025, 9, 8),
        date_to=D(2025, 9, 9),
        code="I",
        school=school,
    )
    before = _html(client_for(caseworker), _tab(record, "attendance"))
    assert "Most recent sessions" in before and "Quokka Academy" in before

    make_sensitive(AttendanceSession, "school")
    page = _html(client_for(caseworker), _tab(record, "attendance"))
    assert "Quokka Academy" not in page
    assert "Most recent sessions" in page
    make_sensitive(AttendanceSession, "school", "code")
    page = _html(client_for(caseworker), _tab(record, "attendance"))
    assert "Most recent sessions" not in page
    assert "Possible sessions" in page  # the term figures are not sessions' codes
    shown = _html(client_for(sensitive_caseworker), _tab(record, "attendance"))
    assert "Most recent sessions" in shown and "Quokka Academy" in shown


def test_the_attendance_tab_closes_when_all_it_holds_is_declared_sensitive(
    client_for, caseworker, sensitive_caseworker, record, make_sensitive
):
    from records.datamap import Area

    assert ">Attendance</a>" in _html(client_for(caseworker), _tab(record))
    for entry in DATA_MAP:
        if entry.area == Area.ATTENDANCE:
            make_sensitive(entry.model, *entry.declaration.fields)
    url = _tab(record, "attendance")
    assert client_for(caseworker).get(url).status_code == 404
    assert ">Attendance</a>" not in _html(client_for(caseworker), _tab(record))
    assert client_for(sensitive_caseworker).get(url).status_code == 200


# --- The caseload, the child's summary and header, the child edit form ------------------------


CASELOAD = reverse("records:caseload")


def test_a_caseload_column_of_a_field_declared_sensitive_leaves_the_list(
    client_for, caseworker, sensitive_caseworker, record, make_sensitive
):
    school = SchoolFactory(name="Quokka Primary School")
    Enrolment.objects.create(child=record, school=school, start_date=D(2020, 9, 1))
    before = _html(client_for(caseworker), CASELOAD)
    assert ">UPN</th>" in before and record.upn in before
    assert ">School</th>" in before and "Quokka Primary School" in before

    make_sensitive(Child, "upn")
    make_sensitive(Enrolment, "school")
    page = _html(client_for(caseworker), CASELOAD)
    assert ">UPN</th>" not in page and record.upn not in page
    assert ">School</th>" not in page and "Quokka Primary School" not in page
    assert record.last_name in page and ">Age</th>" in page
    shown = _html(client_for(sensitive_caseworker), CASELOAD)
    assert record.upn in shown and "Quokka Primary School" in shown

    make_sensitive(Child, "first_name", "last_name")
    page = _html(client_for(caseworker), CASELOAD)
    assert record.last_name not in page and record.first_name not in page
    assert ">View record</a>" in page


def _detail(child):
    return reverse("records:child-detail", kwargs={"pk": child.pk})


def test_the_summary_and_header_leave_out_fields_declared_sensitive(
    client_for, caseworker, sensitive_caseworker, record, make_sensitive
):
    school = SchoolFactory(name="Quokka Primary School")
    Enrolment.objects.create(child=record, school=school, start_date=D(2020, 9, 1))
    before = _html(client_for(caseworker), _detail(record))
    assert f"UPN {record.upn}" in before and ">Gender</dt>" in before
    assert "Quokka Primary School" in before and "14 May 2012" in before

    make_sensitive(Child, "upn", "gender", "date_of_birth")
    make_sensitive(Enrolment, "school")
    page = _html(client_for(caseworker), _detail(record))
    assert record.upn not in page
    assert ">Gender</dt>" not in page and ">Date of birth</dt>" not in page
    assert "14 May 2012" not in page
    assert "Quokka Primary School" not in page
    assert record.full_name in page
    # The header on every page of the record follows the same map.
    assert record.upn not in _html(client_for(caseworker), _tab(record))
    shown = _html(client_for(sensitive_caseworker), _detail(record))
    assert f"UPN {record.upn}" in shown and "Quokka Primary School" in shown

    make_sensitive(Child, "first_name", "last_name")
    for url in (_detail(record), _tab(record)):
        page = _html(client_for(caseworker), url)
        assert record.first_name not in page and record.last_name not in page
        assert '<h1 class="govuk-heading-l">Child record</h1>' in page
    assert record.full_name in _html(client_for(sensitive_caseworker), _detail(record))


def _child_edit(child):
    return reverse("records:child-edit", kwargs={"pk": child.pk})


def test_the_child_edit_form_leaves_out_a_field_declared_sensitive_and_keeps_its_value(
    client_for, caseworker, sensitive_caseworker, record, make_sensitive
):
    assert 'name="upn"' in _html(client_for(caseworker), _child_edit(record))

    make_sensitive(Child, "upn", "gender")
    client = client_for(caseworker)
    form = _html(client, _child_edit(record))
    assert 'name="upn"' not in form and 'name="gender"' not in form
    assert record.upn not in form
    upn, gender = record.upn, record.gender
    other = "F" if gender == "M" else "M"
    response = client.post(
        _child_edit(record),
        {
            "expected_version": record.version,
            "first_name": "Renamed",
            "last_name": record.last_name,
            "date_of_birth_0": "14",
            "date_of_birth_1": "5",
            "date_of_birth_2": "2012",
            "gender": other,
            "upn": "",
            "postcode": record.postcode,
        },
    )
    assert response.status_code == 302, response.content.decode()
    record.refresh_from_db()
    # The fields the caseworker may not see are kept, whatever was posted for them.
    assert (record.first_name, record.upn, record.gender) == ("Renamed", upn, gender)
    shown = _html(client_for(sensitive_caseworker), _child_edit(record))
    assert 'name="upn"' in shown and 'name="gender"' in shown


# --- Dashboards' school filter and breakdowns -------------------------------------------------


EXCLUSIONS = reverse("dashboards:exclusions")


def test_the_school_filter_and_breakdown_follow_the_map(caseworker, cohort, make_sensitive):
    client = signed_in(caseworker)
    before = _html(client, EXCLUSIONS, {"year": 2024})
    assert 'name="school"' in before and "by=school" in before
    assert "Oak Primary School" in _html(client, EXCLUSIONS, {"year": 2024, "by": "school"})

    make_sensitive(Enrolment, "school")
    page = _html(client, EXCLUSIONS, {"year": 2024})
    assert 'name="school"' not in page and "by=school" not in page
    assert "by=sen" in page
    # A breakdown by school is refused, a filter by school is not applied, and the CSV (every
    # breakdown) has no school rows.
    refused = _html(client, EXCLUSIONS, {"year": 2024, "by": "school"})
    assert "Choose what to break the figures down by" in refused
    assert "Oak Primary School" not in refused
    filtered = client.get(EXCLUSIONS, {"year": 2024, "school": str(cohort.oak.pk)})
    assert filtered.context["scope"].filters.get("school") is None
    rows = _csv(client.get(EXCLUSIONS, {"year": 2024, "download": "csv"}))
    assert not any(row and row[0] == "School" for row in rows)
    assert any(row and row[0] == "SEN provision" for row in rows)

    shown = signed_in(_with_sensitive(caseworker))
    assert "Oak Primary School" in _html(shown, EXCLUSIONS, {"year": 2024, "by": "school"})


def test_the_reason_and_excluding_school_tables_follow_the_map(caseworker, cohort, make_sensitive):
    params = {"year": 2024}
    client = signed_in(caseworker)

    def table(name: str) -> list[list[str]]:
        return _csv(client.get(EXCLUSIONS, {**params, "download": "csv", "table": name}))

    def seen():
        page = _html(client, EXCLUSIONS, params)
        # Each table is a CSV of its own (issue 16); a table the map hides has no rows.
        tables = [table("reasons"), table("schools")]
        rows = [row for each in tables for row in each]
        sections = [each[0][0] for each in tables if len(each) > 1]
        by_reason = client.get(EXCLUSIONS_CHILDREN, {**params, "reason": "DB"}).status_code
        by_school = client.get(
            EXCLUSIONS_CHILDREN, {**params, "exclusion_school": cohort.birch.pk}
        ).status_code
        return page, sections, rows, by_reason, by_school

    page, sections, rows, by_reason, by_school = seen()
    assert "By reason" in page and "Physical assault against a pupil" in page
    assert "reason=DB" in page
    assert "By the school that excluded" in page and f"exclusion_school={cohort.birch.pk}" in page
    assert {"Reason", "Excluding school"} <= set(sections)
    assert any(row and row[0] == "Birch Academy" for row in rows)
    assert (by_reason, by_school) == (200, 200)

    make_sensitive(Exclusion, "reasons")
    page, sections, rows, by_reason, by_school = seen()
    assert "By reason" not in page and "Physical assault against a pupil" not in page
    assert "reason=" not in page
    assert "Reason" not in sections
    assert not any("Physical assault" in cell for row in rows for cell in row)
    assert by_reason == 404
    # The excluding school is still the user's to see.
    assert "By the school that excluded" in page and "Excluding school" in sections
    assert by_school == 200

    make_sensitive(Exclusion, "school")
    page, sections, rows, by_reason, by_school = seen()
    assert "By the school that excluded" not in page and "exclusion_school=" not in page
    assert "Excluding school" not in sections
    assert not any(row and row[0] == "Birch Academy" for row in rows)
    assert (by_reason, by_school) == (404, 404)
    assert "Sessions lost to suspensions" in page  # the dashboard's own figures stay

    client = signed_in(_with_sensitive(caseworker))
    page, sections, rows, by_reason, by_school = seen()
    assert "Physical assault against a pupil" in page and "By the school that excluded" in page
    assert {"Reason", "Excluding school"} <= set(sections)
    assert (by_reason, by_school) == (200, 200)
