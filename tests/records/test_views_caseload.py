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
