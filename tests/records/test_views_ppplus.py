"""Pupil Premium Plus pages: a request from a plan's page, the child's position on the PEP
tab, and /pupil-premium-plus/ (Admins by school, Managers by child with decisions and spend)
with its CSV; every refusal in the GOV.UK error summary, nothing saved; fixed query counts."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from records.codes import Cohort
from records.models import AccessLogEntry, Enrolment, PpPlusRequest, PpPlusSpend, PpPlusStatus
from records.services import pep as pep_services
from records.services import ppplus as services
from tests.conftest import signed_in
from tests.factories import ChildFactory, EpisodeFactory, SchoolFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("pep_today")]
PAGE = "/pupil-premium-plus/"


def _post(client, url, data):
    return client.post(url, {**data, "csrfmiddlewaretoken": client.cookies["csrftoken"].value})


def _plan_url(plan) -> str:
    return reverse("records:pep-plan", kwargs={"pk": plan.child_id, "plan": plan.pk})


def _plan_with_target(actor, child, due_by=date(2026, 2, 1)):
    plan = pep_services.pep_start(actor=actor, child=child)
    target = pep_services.pep_target_add(
        actor=actor, plan=plan, target="Read daily", owner="Teacher", due_by=due_by
    )
    plan.refresh_from_db()
    return plan, target


def _child_at(school, name):
    child = ChildFactory(date_of_birth=date(2014, 3, 3), first_name=name, last_name="Test")
    EpisodeFactory(child=child, cohort=Cohort.CLA, start_date=date(2025, 6, 2))
    Enrolment.objects.create(child=child, school=school, start_date=date(2025, 9, 3))
    return child


def test_a_request_from_the_plan_page_and_the_position_on_the_tab(caseworker, in_care):
    plan, target = _plan_with_target(caseworker, in_care)
    client = signed_in(caseworker)
    page = client.get(_plan_url(plan)).content.decode()
    assert "Request PP+" in page and "£2630.00" in page
    response = _post(
        client,
        _plan_url(plan),
        {"form": "ppplus", "ppplus-amount": "700", "ppplus-targets": [target.pk]},
    )
    assert response.status_code == 302
    request = PpPlusRequest.objects.get()
    assert request.amount == Decimal("700") and request.links.get().target == target
    tab = client.get(reverse("records:tab", kwargs={"pk": in_care.pk, "tab": "pep"}))
    body = tab.content.decode()
    assert "Pupil Premium Plus 2025–26" in body
    assert "£700.00" in body and "£1930.00" in body  # requested, and left to request


def test_a_request_too_large_and_with_no_target_is_refused_on_the_page(caseworker, in_care):
    plan, _target = _plan_with_target(caseworker, in_care)
    client = signed_in(caseworker)
    response = _post(client, _plan_url(plan), {"form": "ppplus", "ppplus-amount": "2630.01"})
    body = response.content.decode()
    assert response.status_code == 200 and "govuk-error-summary" in body
    assert "remaining PP+ allocation for 2025–26, £2,630.00" in body
    assert "Select at least one of the plan&#x27;s targets the PP+ is for" in body
    assert not PpPlusRequest.objects.exists()


def test_who_sees_the_managers_page(caseworker, manager, admin_user):
    assert signed_in(caseworker).get(PAGE).status_code == 404
    assert signed_in(manager).get(PAGE).status_code == 200
    assert signed_in(admin_user).get(PAGE).status_code == 200


def _more_requests(school, caseworker, allocate, count):
    """`count` more children at the school ("ExtraN"), each with a plan and a £10 request."""
    for number in range(count):
        child = _child_at(school, f"Extra{number}")
        allocate(child, caseworker)
        plan, target = _plan_with_target(caseworker, child)
        services.ppplus_request_make(
            actor=caseworker, plan=plan, amount=Decimal("10"), target_ids=[target.pk]
        )


@pytest.fixture
def two_schools(caseworker, manager, allocate):
    hill, vale = SchoolFactory(name="Hill Academy"), SchoolFactory(name="Vale School")
    amy, ben, cal = _child_at(hill, "Amy"), _child_at(hill, "Ben"), _child_at(vale, "Cal")
    for child in (amy, ben, cal):
        allocate(child, caseworker)
    for child, amount in ((amy, "1000"), (cal, "300")):
        plan, target = _plan_with_target(caseworker, child)
        services.ppplus_request_make(
            actor=caseworker, plan=plan, amount=Decimal(amount), target_ids=[target.pk]
        )
    return {"hill": hill, "vale": vale, "amy": amy, "ben": ben, "cal": cal}


def test_a_manager_decides_and_records_spend_and_an_admin_sees_schools_only(
    two_schools, manager, admin_user
):
    client = signed_in(manager)
    page = client.get(PAGE).content.decode()
    assert "Amy Test" in page and "Cal Test" in page and "Ben Test" not in page
    request = PpPlusRequest.objects.get(child=two_schools["amy"])
    refused = _post(
        client,
        PAGE,
        {
            "form": "decide",
            "decide-request": request.pk,
            "decide-expected_version": request.version,
            "decide-decision": "approve",
            "decide-approved_amount": "1200",
        },
    )
    assert refused.status_code == 200
    assert "no more than the amount requested, £1,000.00" in refused.content.decode()
    request.refresh_from_db()
    assert request.status == PpPlusStatus.REQUESTED
    done = _post(
        client,
        PAGE,
        {
            "form": "decide",
            "decide-request": request.pk,
            "decide-expected_version": request.version,
            "decide-decision": "approve",
            "decide-approved_amount": "900",
        },
    )
    assert done.status_code == 302
    spent = _post(
        client,
        PAGE,
        {
            "form": "spend",
            "spend-request": request.pk,
            "spend-spent_on_0": "10",
            "spend-spent_on_1": "11",
            "spend-spent_on_2": "2025",
            "spend-amount": "250",
            "spend-bought": "Tutoring",
        },
    )
    assert spent.status_code == 302 and PpPlusSpend.objects.get().amount == Decimal("250")
    admin_page = signed_in(admin_user).get(PAGE).content.decode()
    assert "Hill Academy" in admin_page and "Amy Test" not in admin_page
    assert _post(signed_in(admin_user), PAGE, {"form": "decide"}).status_code == 404


def test_the_csv_has_each_school_and_each_child(two_schools, manager):
    response = signed_in(manager).get(PAGE, {"year": "2025", "download": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0] == [
        "Level",
        "School URN",
        "School",
        "Child",
        "Financial year",
        "Allocated",
        "Requested",
        "Approved",
        "Spent",
    ]
    schools = {row[2]: row for row in rows if row[0] == "School"}
    assert schools["Hill Academy"][5:] == ["5260.00", "1000.00", "0.00", "0.00"]
    assert schools["Vale School"][5:] == ["2630.00", "300.00", "0.00", "0.00"]
    children = {row[3]: row for row in rows if row[0] == "Child"}
    assert set(children) == {"Amy Test", "Ben Test", "Cal Test"}
    logged = AccessLogEntry.objects.filter(user=manager, page="CSV: Pupil Premium Plus")
    assert logged.count() == 3
    assert children["Ben Test"][2] == "Hill Academy" and children["Ben Test"][6] == "0.00"
    filtered = signed_in(manager).get(
        PAGE, {"year": "2025", "school": two_schools["vale"].pk, "download": "csv"}
    )
    rows = list(csv.reader(io.StringIO(b"".join(filtered.streaming_content).decode())))
    assert [row[3] for row in rows if row[0] == "Child"] == ["Cal Test"]


def test_the_page_reads_a_fixed_number_of_queries(
    two_schools, caseworker, manager, allocate, django_assert_max_num_queries
):
    client = signed_in(manager)
    with django_assert_max_num_queries(40) as few:
        assert client.get(PAGE).status_code == 200
    _more_requests(two_schools["vale"], caseworker, allocate, 5)
    with django_assert_max_num_queries(40) as many:
        page = client.get(PAGE)
    assert page.content.decode().count("Extra") >= 5
    assert len(few.captured_queries) == len(many.captured_queries)


NOT_HELD = "No Pupil Premium Plus allocation is held for 2026–27"


def test_with_no_rate_for_the_year_the_plan_page_says_so_and_offers_no_request(caseworker, in_care):
    """No 2026-27 rate is in shared/reference, so none is held (issue 15): the plan page says
    that nothing can be requested for the year and what to do, instead of a form that could
    only be refused."""
    with time_machine.travel(date(2026, 12, 4), tick=False):
        plan, _target = _plan_with_target(caseworker, in_care, due_by=date(2027, 2, 1))
        client = signed_in(caseworker)
        page = client.get(_plan_url(plan)).content.decode()
        assert NOT_HELD in page and "PP+ amount of each target" in page
        assert 'value="ppplus"' not in page
        tab = client.get(reverse("records:tab", kwargs={"pk": in_care.pk, "tab": "pep"}))
        assert NOT_HELD in tab.content.decode()
        refused = _post(client, _plan_url(plan), {"form": "ppplus", "ppplus-amount": "100"})
        assert "No PP+ allocation is held for 2026–27" in refused.content.decode()
        assert not PpPlusRequest.objects.exists()


def test_with_no_rate_for_the_year_the_managers_page_shows_the_latest_year_held(
    manager, admin_user
):
    with time_machine.travel(date(2026, 12, 4), tick=False):
        for user in (manager, admin_user):
            page = signed_in(user).get(PAGE).content.decode()
            assert '<h1 class="govuk-heading-l">Pupil Premium Plus 2025–26</h1>' in page
            assert NOT_HELD in page and "the latest year with a rate" in page
            assert '<option value="2025" selected>' in page


def test_in_a_year_with_a_rate_the_pages_say_nothing_is_missing(caseworker, manager, in_care):
    plan, _target = _plan_with_target(caseworker, in_care)
    assert (
        "allocation is held for" not in signed_in(caseworker).get(_plan_url(plan)).content.decode()
    )
    assert "allocation is held for" not in signed_in(manager).get(PAGE).content.decode()


QUEUE = "/pupil-premium-plus/requests/"


def _decide(client, request, **fields):
    return _post(
        client,
        QUEUE,
        {
            "form": "decide",
            "decide-request": request.pk,
            "decide-expected_version": request.version,
            **{f"decide-{name}": value for name, value in fields.items()},
        },
    )


def test_who_sees_the_queue_of_requests_to_decide(caseworker, manager, admin_user):
    assert signed_in(caseworker).get(QUEUE).status_code == 404
    assert signed_in(manager).get(QUEUE).status_code == 200
    assert signed_in(admin_user).get(QUEUE).status_code == 200


def test_an_admin_sees_each_waiting_request_without_the_child_and_decides_it(
    two_schools, admin_user
):
    amy = PpPlusRequest.objects.get(child=two_schools["amy"])
    PpPlusRequest.objects.filter(pk=amy.pk).update(purpose="Tutoring for Amy")
    client = signed_in(admin_user)
    page = client.get(QUEUE).content.decode()
    assert f"Request {amy.pk}" in page and "Hill Academy" in page and "Vale School" in page
    assert "£1000.00" in page and "2025–26" in page
    for private in ("Amy", "Cal", "Test", "Tutoring", "Read daily", "/pep/"):
        assert private not in page
    assert not AccessLogEntry.objects.filter(user=admin_user).exists()
    assert _decide(client, amy, decision="approve", approved_amount="800").status_code == 302
    amy.refresh_from_db()
    assert amy.status == PpPlusStatus.APPROVED and amy.approved_amount == Decimal("800")
    assert amy.decided_by == admin_user
    assert f"Request {amy.pk}" not in client.get(QUEUE).content.decode()


def test_a_manager_sees_the_child_and_purpose_and_refusing_needs_a_reason(two_schools, manager):
    cal = PpPlusRequest.objects.get(child=two_schools["cal"])
    client = signed_in(manager)
    page = client.get(QUEUE).content.decode()
    assert "Amy Test" in page and "Cal Test" in page and "Read daily" in page
    assert AccessLogEntry.objects.filter(user=manager, page="PP+ requests to decide").count() == 2
    refused = _decide(client, cal, decision="refuse", refused_reason=" ")
    assert refused.status_code == 200 and "govuk-error-summary" in refused.content.decode()
    assert "Enter the reason for refusing the request" in refused.content.decode()
    cal.refresh_from_db()
    assert cal.status == PpPlusStatus.REQUESTED
    done = _decide(client, cal, decision="refuse", refused_reason="Not tied to a need")
    assert done.status_code == 302
    cal.refresh_from_db()
    assert cal.status == PpPlusStatus.REFUSED and cal.refused_reason == "Not tied to a need"


def test_whoever_made_a_request_cannot_decide_it_on_the_queue(manager, in_care):
    plan, target = _plan_with_target(manager, in_care)
    mine = services.ppplus_request_make(
        actor=manager, plan=plan, amount=Decimal("50"), target_ids=[target.pk]
    )
    response = _decide(signed_in(manager), mine, decision="approve", approved_amount="50")
    assert response.status_code == 200
    assert "You made this request, so someone else must decide it" in response.content.decode()
    mine.refresh_from_db()
    assert mine.status == PpPlusStatus.REQUESTED and mine.decided_by is None


def test_the_queue_reads_a_fixed_number_of_queries(
    two_schools, caseworker, manager, admin_user, allocate, django_assert_max_num_queries
):
    clients = {user: signed_in(user) for user in (manager, admin_user)}
    few = {}
    for user, client in clients.items():
        with django_assert_max_num_queries(30) as counted:
            assert client.get(QUEUE).status_code == 200
        few[user] = len(counted.captured_queries)
    _more_requests(two_schools["vale"], caseworker, allocate, 5)
    for user, client in clients.items():
        with django_assert_max_num_queries(30) as counted:
            page = client.get(QUEUE).content.decode()
        assert page.count('id="request-') == 7
        assert len(counted.captured_queries) == few[user]
