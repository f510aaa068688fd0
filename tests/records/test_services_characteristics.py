"""Characteristics' own rules: the one-per-child census record (its codes, SEN and EAL rules,
how it reads) and free school meal periods (no overlaps, dates within the child's education).

Create, view, edit, the optimistic lock, refused input leaving the row, access and query
counts are the section contract's (tests/records/test_section_contract.py)."""

import datetime
import re

import pytest
from django.urls import reverse

from records.models import Characteristics, FreeSchoolMealsPeriod
from records.services import characteristics as services
from virtualschool.errors import DomainError

pytestmark = pytest.mark.django_db
D = datetime.date
TAB = "characteristics"


@pytest.fixture
def child(child):
    child.date_of_birth = D(2012, 5, 14)
    child.save()
    return child


@pytest.fixture
def record(manager, child):
    return services.characteristics_record(
        actor=manager,
        child=child,
        ethnicity="WBRI",
        first_language="ENG",
        english_additional_language=False,
        sen_provision="K",
        sen_primary_need="SEMH",
        responsible_la_code="935",
        placed_in_borough=False,
    )


def _tab(child):
    return reverse("records:tab", kwargs={"pk": child.pk, "tab": TAB})


def _add(child, section="characteristics"):
    return reverse("records:section-add", kwargs={"pk": child.pk, "tab": TAB, "section": section})


def _edit(child, item, section="characteristics"):
    return reverse(
        "records:section-edit",
        kwargs={"pk": child.pk, "tab": TAB, "section": section, "item": item.pk},
    )


FORM = {
    "ethnicity": "BAFR",
    "first_language": "OTH",
    "english_additional_language": "true",
    "arrived_from_overseas": "true",
    "unaccompanied_asylum_seeking": "true",
    "sen_provision": "E",
    "sen_primary_need": "SLCN",
    "responsible_la_code": "935",
    "placed_in_borough": "true",
}


def test_create_through_the_page(client_for, caseworker, child, allocate):
    allocate(child, caseworker)
    response = client_for(caseworker).post(_add(child), FORM)
    assert response.status_code == 302
    row = Characteristics.objects.get(child=child)
    assert (
        row.ethnicity,
        row.first_language,
        row.english_additional_language,
        row.unaccompanied_asylum_seeking,
        row.sen_provision,
        row.sen_primary_need,
        row.placed_in_borough,
    ) == ("BAFR", "OTH", True, True, "E", "SLCN", True)
    assert row.pk == child.pk


def test_a_second_record_is_refused(manager, child, record):
    with pytest.raises(DomainError) as raised:
        services.characteristics_record(actor=manager, child=child, ethnicity="WOTH")
    assert "already recorded" in " ".join(raised.value.messages)
    assert Characteristics.objects.get().ethnicity == "WBRI"


def test_view_shows_the_codes_by_name(client_for, manager, child, record):
    html = client_for(manager).get(_tab(child)).content.decode()
    assert "White British" in html
    assert "SEN support – Social, emotional and mental health" in html
    assert "LA 935, placed out of borough" in html
    assert "No free school meals eligibility recorded" in html


def test_edit_with_the_version_read(client_for, manager, child, record):
    client = client_for(manager)
    page = client.get(_edit(child, record)).content.decode()
    assert 'name="expected_version" value="1"' in page
    assert re.search(r'name="sen_provision" value="K"[^>]*checked', page)
    response = client.post(_edit(child, record), {**FORM, "expected_version": "1"})
    assert response.status_code == 302
    record.refresh_from_db()
    assert (record.ethnicity, record.sen_provision, record.version) == ("BAFR", "E", 2)


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        (
            {"sen_provision": "N", "sen_primary_need": "ASD"},
            "sen_primary_need",
            "only be recorded with SEN provision E",
        ),
        ({"sen_primary_need": "ASD"}, "sen_primary_need", "only be recorded with SEN provision"),
        (
            {"first_language": "ENG", "english_additional_language": True},
            "english_additional_language",
            "cannot be Yes when the first language is English",
        ),
        (
            {"first_language": "OTH", "english_additional_language": False},
            "english_additional_language",
            "cannot be No",
        ),
        (
            {"ethnicity": "XXXX"},
            "ethnicity",
            "Ethnicity must be one of: WBRI (White British), WIRI (White Irish)",
        ),
        ({"sen_provision": "S"}, "sen_provision", "SEN provision must be one of: E (Education"),
    ],
)
def test_bad_input_is_refused_and_nothing_saved(manager, child, fields, field, message):
    with pytest.raises(DomainError) as raised:
        services.characteristics_record(actor=manager, child=child, **fields)
    assert message in " ".join(raised.value.message_dict[field])
    assert not Characteristics.objects.exists()


# --- Free school meals periods -------------------------------------------------------------


def _fsm(manager, child, start, end=None):
    return services.fsm_period_record(actor=manager, child=child, start_date=start, end_date=end)


def test_overlapping_fsm_periods_are_refused(manager, child):
    _fsm(manager, child, D(2019, 9, 1), D(2021, 7, 20))
    with pytest.raises(DomainError) as raised:
        _fsm(manager, child, D(2021, 7, 20))
    assert (
        "overlaps the free school meals period from 1 September 2019 to 20 July 2021"
        in raised.value.message_dict["start_date"][0]
    )
    assert FreeSchoolMealsPeriod.objects.count() == 1
    _fsm(manager, child, D(2021, 7, 21))
    assert FreeSchoolMealsPeriod.objects.count() == 2


def test_an_open_period_overlaps_any_later_one(manager, child):
    _fsm(manager, child, D(2019, 9, 1))
    with pytest.raises(DomainError) as raised:
        _fsm(manager, child, D(2016, 1, 1), D(2024, 1, 1))
    assert "with no end date" in raised.value.message_dict["start_date"][0]


def test_changing_a_period_does_not_overlap_itself(manager, child):
    period = _fsm(manager, child, D(2019, 9, 1), D(2020, 7, 20))
    services.fsm_period_update(
        actor=manager,
        instance=period,
        expected_version=1,
        start_date=D(2019, 8, 1),
        end_date=D(2020, 7, 20),
    )
    period.refresh_from_db()
    assert period.start_date == D(2019, 8, 1)


@pytest.mark.parametrize(
    ("start", "end", "field", "message"),
    [
        (D(2013, 1, 1), None, "start_date", "while the child is between 2 and 25"),
        (D(2999, 1, 1), None, "start_date", "today or in the past"),
        (D(2011, 1, 1), None, "start_date", "on or after the child's date of birth"),
        (D(2020, 1, 1), D(2019, 1, 1), "end_date", "same as or after the start date"),
        (D(2020, 1, 1), D(2037, 6, 1), "end_date", "while the child is between 2 and 25"),
    ],
)
def test_fsm_dates_outside_the_childs_education_are_refused(
    manager, child, start, end, field, message
):
    with pytest.raises(DomainError) as raised:
        _fsm(manager, child, start, end)
    assert message in " ".join(raised.value.message_dict[field])
    assert not FreeSchoolMealsPeriod.objects.exists()


# --- One responsible local authority (issue 13) ----------------------------------------------


def test_the_page_sets_the_childs_responsible_la_code(client_for, caseworker, child, allocate):
    allocate(child, caseworker)
    client = client_for(caseworker)
    assert client.post(_add(child), FORM).status_code == 302
    child.refresh_from_db()
    assert child.responsible_la_code == "935"
    row = Characteristics.objects.get(child=child)
    page = client.get(_edit(child, row)).content.decode()
    assert re.search(r'name="responsible_la_code"[^>]*value="935"', page)
    assert "LA 935" in client.get(_tab(child)).content.decode()
    response = client.post(
        _edit(child, row), {**FORM, "responsible_la_code": "", "expected_version": "1"}
    )
    assert response.status_code == 302
    child.refresh_from_db()
    assert child.responsible_la_code == ""
    assert "This authority" in client.get(_tab(child)).content.decode()


@pytest.mark.parametrize("code", ["", " 873 "])
def test_this_authoritys_own_code_is_kept_blank(settings, manager, child, code):
    settings.LOCAL_AUTHORITY_CODE = "873"
    child.responsible_la_code = "935"
    child.save()
    services.characteristics_record(actor=manager, child=child, responsible_la_code=code)
    child.refresh_from_db()
    assert child.responsible_la_code == ""


@pytest.mark.parametrize("typed", ["Leeds City Council", "87", "8731", "87A", "123456789012"])
def test_a_responsible_la_that_is_not_a_code_is_refused_by_name(
    client_for, caseworker, child, allocate, typed
):
    allocate(child, caseworker)
    response = client_for(caseworker).post(_add(child), {**FORM, "responsible_la_code": typed})
    assert response.status_code == 200
    page = response.content.decode()
    assert services.RESPONSIBLE_LA_MESSAGE in page
    assert 'href="#id_responsible_la_code"' in page
    assert not Characteristics.objects.filter(child=child).exists()
    child.refresh_from_db()
    assert child.responsible_la_code == ""


def test_leaving_the_code_out_leaves_it_as_it_is(manager, child, record):
    """A caller that does not give the code (the CTF's ethnicity sync) keeps the child's."""
    services.characteristics_update(
        actor=manager, instance=record, expected_version=record.version, ethnicity="WOTH"
    )
    child.refresh_from_db()
    assert child.responsible_la_code == "935"


def test_the_code_is_in_the_history_and_the_old_free_text_still_reads(
    client_for, manager, child, record
):
    from auditlog.models import LogEntry
    from django.contrib.contenttypes.models import ContentType

    LogEntry.objects.create(
        content_type=ContentType.objects.get_for_model(Characteristics),
        object_pk=str(child.pk),
        object_repr="Characteristics",
        action=LogEntry.Action.UPDATE,
        changes={"responsible_la": ["", "Leeds City Council"]},
        additional_data={"child_id": str(child.pk)},
    )
    page = (
        client_for(manager)
        .get(reverse("records:child-history", kwargs={"pk": child.pk}))
        .content.decode()
    )
    assert "Responsible local authority code" in page
    assert "935" in page
    assert "Responsible local authority" in page
    assert "Leeds City Council" in page
