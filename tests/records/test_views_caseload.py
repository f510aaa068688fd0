import datetime
import re

import pytest
from django.contrib.sessions.models import Session
from django.urls import reverse

from records import services
from records.codes import Cohort, LegalStatus
from records.views.children import OLD_SEARCH_SESSION_KEY
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


def _queries_for_caseload(client, django_assert_max_num_queries, captured, url=None):
    with django_assert_max_num_queries(50) as queries:
        response = client.get(url or reverse("records:caseload"))
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


def _urls(html: str) -> list[str]:
    """Every URL the page links to or posts to."""
    return re.findall(r'(?:href|action|src)="([^"]*)"', html)


def _sessions_text() -> str:
    """Everything every session row holds, as stored and as decoded."""
    return " ".join(
        f"{session.session_data} {session.get_decoded()!r}" for session in Session.objects.all()
    )


def test_search_by_name_keeps_the_name_out_of_the_url(client_for, manager):
    ChildFactory(first_name="Isla", last_name="Pemberton")
    ChildFactory(first_name="Noah", last_name="Ashworth")
    client = client_for(manager)
    response = client.post(reverse("records:caseload"), {"q": "pember"})
    # The results are the answer to the post: no redirect to a URL that could carry the name.
    assert response.status_code == 200
    assert "Location" not in response
    html = response.content.decode()
    assert "Pemberton" in html
    assert "Ashworth" not in html
    assert not any("pember" in url.lower() for url in _urls(html))


def test_a_search_leaves_no_trace_in_the_session(client_for, manager):
    wanted = ChildFactory(first_name="Isla", last_name="Pemberton")
    client = client_for(manager)
    for text in ("Pemberton", wanted.upn):
        html = client.post(reverse("records:caseload"), {"q": text}).content.decode()
        assert "Pemberton" in html
        assert Session.objects.exists()
        stored = _sessions_text()
        assert text not in stored and text.lower() not in stored.lower()
    # Nor does a later visit bring it back.
    assert "Pemberton" in client.get(reverse("records:caseload")).content.decode()
    assert "Pemberton" not in _sessions_text()


def test_a_session_holding_an_old_search_loses_it(client_for, manager):
    client = client_for(manager)
    session = client.session
    session[OLD_SEARCH_SESSION_KEY] = "Pemberton"
    session.save()
    assert "Pemberton" in _sessions_text()
    client.get(reverse("records:caseload"))
    assert "Pemberton" not in _sessions_text()


def test_a_search_pages_through_its_results_without_the_url_or_session(client_for, manager):
    ChildFactory.create_batch(28, last_name="Pemberton")
    ChildFactory.create_batch(3, last_name="Ashworth")
    client = client_for(manager)
    first = client.post(reverse("records:caseload"), {"q": "Pemberton"}).content.decode()
    assert first.count('class="govuk-table__row"') == 26  # header + 25
    assert "28 children match" in first
    # The next page is a button posting the search again, not a link.
    assert '<input type="hidden" name="q" value="Pemberton">' in first
    assert 'name="page" value="2"' in first
    assert not any("Pemberton" in url for url in _urls(first))
    second = client.post(
        reverse("records:caseload"), {"q": "Pemberton", "page": "2"}
    ).content.decode()
    assert second.count('class="govuk-table__row"') == 4  # header + 3
    assert "Ashworth" not in second
    assert "Pemberton" not in _sessions_text()


def test_a_search_too_long_is_refused_with_a_message(client_for, manager):
    ChildFactory(last_name="Ashworth")
    response = client_for(manager).post(reverse("records:caseload"), {"q": "x" * 101})
    assert response.status_code == 200
    html = response.content.decode()
    assert "govuk-error-summary" in html and "<title>Error: " in html
    assert "Ashworth" in html  # the list, unsearched
    assert "x" * 101 not in _sessions_text()


def test_search_by_upn(client_for, manager):
    wanted = ChildFactory(last_name="Wanted")
    ChildFactory(last_name="Unwanted")
    client = client_for(manager)
    html = client.post(reverse("records:caseload"), {"q": wanted.upn.lower()}).content.decode()
    assert "Wanted" in html
    assert "Unwanted" not in html


def test_search_cannot_reach_unallocated_children(client_for, caseworker):
    ChildFactory(last_name="Hidden")
    client = client_for(caseworker)
    html = client.post(reverse("records:caseload"), {"q": "Hidden"}).content.decode()
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


# --- The managers' list: caseworkers, "not allocated", caseload sizes (issue 16) -------------


def _caseworker_cells(html: str) -> list[str]:
    table = html.split("<tbody", 1)[1]
    rows = re.findall(r"<tr class=\"govuk-table__row\">(.*?)</tr>", table, re.S)
    return [
        re.sub(r"<[^>]+>", " ", re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)[-1]).split()
        for row in rows
    ]


def test_the_managers_list_names_each_childs_caseworkers(
    client_for, manager, caseworker, other_caseworker
):
    shared = ChildFactory(last_name="Aaronson")
    alone = ChildFactory(last_name="Byrne")
    ended = ChildFactory(last_name="Carter")
    services.allocation_create(actor=manager, child=shared, caseworker=caseworker)
    services.allocation_create(actor=manager, child=shared, caseworker=other_caseworker)
    allocation = services.allocation_create(actor=manager, child=ended, caseworker=caseworker)
    services.allocation_end(actor=manager, allocation=allocation)
    html = client_for(manager).get(reverse("records:caseload")).content.decode()
    assert '<th scope="col" class="govuk-table__header">Caseworker</th>' in html
    names = sorted([caseworker.get_full_name(), other_caseworker.get_full_name()])
    cells = _caseworker_cells(html)
    assert " ".join(cells[0]) == " ".join(names)
    assert cells[1] == ["Not", "allocated"]
    assert cells[2] == ["Not", "allocated"]
    assert alone.last_name in html


def test_the_not_allocated_filter_lists_only_children_without_a_caseworker(
    client_for, manager, caseworker
):
    allocated = ChildFactory(last_name="Allocated")
    ChildFactory(last_name="Waiting")
    ended = ChildFactory(last_name="Formerly")
    services.allocation_create(actor=manager, child=allocated, caseworker=caseworker)
    allocation = services.allocation_create(actor=manager, child=ended, caseworker=caseworker)
    services.allocation_end(actor=manager, allocation=allocation)
    client = client_for(manager)
    page = client.get(reverse("records:caseload")).content.decode()
    assert "?not_allocated=1" in page
    html = client.get(reverse("records:caseload") + "?not_allocated=1").content.decode()
    assert "Waiting" in html
    assert "Formerly" in html
    assert "Allocated</a>" not in html and "Allocated, " not in html
    assert "Children not allocated to a caseworker. 2 children." in html
    searched = client.post(
        reverse("records:caseload"), {"q": "Formerly", "not_allocated": "1"}
    ).content.decode()
    assert "Formerly" in searched
    assert 'name="not_allocated" value="1"' in searched


def test_a_caseworkers_caseload_has_no_caseworker_column_or_filter(
    client_for, manager, caseworker, allocate
):
    mine = ChildFactory(last_name="Mine")
    allocate(mine, caseworker)
    client = client_for(caseworker)
    html = client.get(reverse("records:caseload")).content.decode()
    assert ">Caseworker</th>" not in html
    assert "not_allocated" not in html
    # The filter is the managers': for a caseworker the parameter changes nothing.
    filtered = client.get(reverse("records:caseload") + "?not_allocated=1").content.decode()
    assert "Mine" in filtered
    assert "Children not allocated" not in filtered


def test_an_admin_sees_no_children_and_no_caseworker_column(client_for, admin_user):
    ChildFactory(last_name="Hidden")
    html = client_for(admin_user).get(reverse("records:caseload")).content.decode()
    assert "Hidden" not in html
    assert ">Caseworker</th>" not in html


def test_the_managers_list_query_count_does_not_grow(
    client_for, manager, caseworker, django_assert_max_num_queries
):
    counts: list[int] = []
    _fill_caseload(manager, caseworker, 10)
    ChildFactory.create_batch(3)  # not allocated: the filtered page lists someone too
    client = client_for(manager)
    for url in (reverse("records:caseload"), reverse("records:caseload") + "?not_allocated=1"):
        _queries_for_caseload(client, django_assert_max_num_queries, counts, url=url)
    ChildFactory.create_batch(30)
    _fill_caseload(manager, caseworker, 190)
    for url in (reverse("records:caseload"), reverse("records:caseload") + "?not_allocated=1"):
        _queries_for_caseload(client, django_assert_max_num_queries, counts, url=url)
    assert counts[:2] == counts[2:]


def test_the_caseload_table_scrolls_in_a_labelled_region(client_for, manager):
    ChildFactory()
    html = client_for(manager).get(reverse("records:caseload")).content.decode()
    assert re.search(
        r'<div class="app-table-scroll" role="region" aria-label="All children" tabindex="0">\s*'
        r"<table",
        html,
    )


def test_the_allocation_picker_shows_each_caseworkers_caseload(
    client_for, manager, caseworker, other_caseworker, django_assert_max_num_queries
):
    child = ChildFactory()
    for other in ChildFactory.create_batch(3):
        services.allocation_create(actor=manager, child=other, caseworker=caseworker)
    ended = services.allocation_create(
        actor=manager, child=ChildFactory(), caseworker=other_caseworker
    )
    services.allocation_end(actor=manager, allocation=ended)
    services.allocation_create(actor=manager, child=ChildFactory(), caseworker=other_caseworker)
    client = client_for(manager)
    url = reverse("records:allocation-add", kwargs={"pk": child.pk})
    html = client.get(url).content.decode()
    assert f"{caseworker.get_full_name()} (3 children)" in html
    assert f"{other_caseworker.get_full_name()} (1 child)" in html
    with django_assert_max_num_queries(60) as few:
        client.get(url)
    for other in ChildFactory.create_batch(20):
        services.allocation_create(actor=manager, child=other, caseworker=other_caseworker)
    with django_assert_max_num_queries(60) as many:
        html = client.get(url).content.decode()
    assert f"{other_caseworker.get_full_name()} (21 children)" in html
    assert len(few.captured_queries) == len(many.captured_queries)
