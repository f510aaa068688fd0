import datetime

import pytest
from django.urls import reverse

from records import services
from records.codes import Cohort, LegalStatus
from records.views.children import SEARCH_SESSION_KEY
from tests.factories import ChildFactory, SchoolFactory

pytestmark = pytest.mark.django_db


def _fill_caseload(manager, caseworker, count):
    school = SchoolFactory()
    for child in ChildFactory.create_batch(count):
        services.allocation_create(actor=manager, child=child, caseworker=caseworker)
        services.episode_add(
            actor=manager,
            child=child,
            cohort=Cohort.CLA,
            legal_status=LegalStatus.C2,
            start_date=child.date_of_birth,
        )
        services.episode_add(
            actor=manager, child=child, cohort=Cohort.CIN, start_date=child.date_of_birth
        )
        services.enrolment_record(
            actor=manager,
            child=child,
            school=school,
            start_date=child.date_of_birth + datetime.timedelta(days=5 * 365),
        )


def _queries_for_caseload(client, django_assert_max_num_queries, captured):
    with django_assert_max_num_queries(50) as queries:
        response = client.get(reverse("records:caseload"))
    assert response.status_code == 200
    captured.append(len(queries.captured_queries))
    return response


def test_caseload_query_count_does_not_grow_with_the_caseload(
    client_for, manager, caseworker, django_assert_max_num_queries
):
    counts: list[int] = []
    _fill_caseload(manager, caseworker, 10)
    client = client_for(caseworker)
    _queries_for_caseload(client, django_assert_max_num_queries, counts)
    _fill_caseload(manager, caseworker, 190)
    response = _queries_for_caseload(client, django_assert_max_num_queries, counts)
    assert counts[0] == counts[1]
    html = response.content.decode()
    assert "Looked after" in html
    assert "Child in need" in html
    assert "Test School" in html
    assert "200 children" in html


def test_caseload_lists_only_allocated_children(client_for, caseworker, allocate):
    mine = ChildFactory(last_name="Allocated")
    ChildFactory(last_name="Elsewhere")
    allocate(mine, caseworker)
    html = client_for(caseworker).get(reverse("records:caseload")).content.decode()
    assert "Allocated" in html
    assert "Elsewhere" not in html
    assert "My caseload" in html


def test_manager_list_shows_every_child(client_for, manager):
    ChildFactory(last_name="Firstfamily")
    ChildFactory(last_name="Secondfamily")
    html = client_for(manager).get(reverse("records:caseload")).content.decode()
    assert "Firstfamily" in html
    assert "Secondfamily" in html


def test_search_by_name_keeps_the_name_out_of_the_url(client_for, manager):
    ChildFactory(first_name="Isla", last_name="Pemberton")
    ChildFactory(first_name="Noah", last_name="Ashworth")
    client = client_for(manager)
    response = client.post(reverse("records:caseload"), {"q": "pember"})
    assert response.status_code == 302
    assert response["Location"] == reverse("records:caseload")
    assert client.session[SEARCH_SESSION_KEY] == "pember"
    html = client.get(response["Location"]).content.decode()
    assert "Pemberton" in html
    assert "Ashworth" not in html


def test_search_by_upn(client_for, manager):
    wanted = ChildFactory(last_name="Wanted")
    ChildFactory(last_name="Unwanted")
    client = client_for(manager)
    client.post(reverse("records:caseload"), {"q": wanted.upn.lower()})
    html = client.get(reverse("records:caseload")).content.decode()
    assert "Wanted" in html
    assert "Unwanted" not in html


def test_search_cannot_reach_unallocated_children(client_for, caseworker):
    ChildFactory(last_name="Hidden")
    client = client_for(caseworker)
    client.post(reverse("records:caseload"), {"q": "Hidden"})
    html = client.get(reverse("records:caseload")).content.decode()
    assert "Hidden</a>" not in html
    assert "govuk-table" not in html
    assert "0 children match" in html


def test_clearing_the_search(client_for, manager):
    ChildFactory(last_name="Pemberton")
    ChildFactory(last_name="Ashworth")
    client = client_for(manager)
    client.post(reverse("records:caseload"), {"q": "Pemberton"})
    client.post(reverse("records:caseload"), {"clear": "1"})
    html = client.get(reverse("records:caseload")).content.decode()
    assert "Ashworth" in html


def test_caseload_is_paginated(client_for, manager):
    ChildFactory.create_batch(30)
    client = client_for(manager)
    first = client.get(reverse("records:caseload")).content.decode()
    second = client.get(reverse("records:caseload") + "?page=2").content.decode()
    assert first.count('class="govuk-table__row"') == 26  # header + 25
    assert second.count('class="govuk-table__row"') == 6
    assert 'rel="next"' in first
