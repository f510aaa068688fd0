"""Recipients are confined (issue 13): to a person with the Recipient role every route is a
404 but signing in and out, the home page and the routes marked for recipients
(virtualschool.middleware.RecipientConfinementMiddleware). The access matrix
(tests/access_matrix.py, column "recipient") checks every route for every recipient type;
this checks the home page, the menu, the logging of refusals and the marking."""

from __future__ import annotations

import logging
import uuid

import pytest
from django.test import Client, RequestFactory, override_settings
from django.urls import reverse

from records.models import AccessLogEntry
from sharing import services
from tests.conftest import signed_in
from tests.factories import PASSWORD, ChildFactory, UserFactory
from virtualschool.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def recipient(admin_user, organisation):
    return services.recipient_user_ensure(
        organisation=organisation,
        username="youth",
        first_name="Yan",
        last_name="Lee",
        password=PASSWORD,
    )


def test_the_home_page_names_the_organisation_and_nothing_of_the_staff(recipient):
    page = signed_in(recipient).get(reverse("home"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Northshire Youth Service" in text
    assert "shared with you through the API or the designated teachers" in text
    for staff_part in ("caseload", "What we hold", "Dashboards", "Imports", "Staff"):
        assert staff_part not in text, staff_part
    assert [item.label for item in page.context["navigation"]] == ["Home"]


def test_staff_still_see_their_menu(admin_user):
    page = signed_in(admin_user).get(reverse("home"))
    assert "Staff" in [item.label for item in page.context["navigation"]]
    assert "designated teachers" not in page.content.decode()


def test_the_records_api_is_a_json_404(recipient):
    client = signed_in(recipient)
    for name in ("api:child-list", "api:school-list", "api:docs", "api:schema"):
        response = client.get(reverse(name))
        assert response.status_code == 404, name
        if name != "api:docs":
            assert response.json() == {"detail": "Not found."}, name


def test_a_refusal_naming_a_child_is_in_its_access_log(recipient):
    child = ChildFactory()
    client = signed_in(recipient)
    assert client.get(reverse("records:child-detail", kwargs={"pk": child.pk})).status_code == 404
    url = reverse("api:child-detail", kwargs={"pk": child.pk})
    assert client.get(url).status_code == 404
    entries = AccessLogEntry.objects.filter(child_id=child.pk, user=recipient)
    assert sorted(entries.values_list("page", "outcome")) == [
        ("recipient: api:child-detail", AccessLogEntry.Outcome.DENIED),
        ("recipient: records:child-detail", AccessLogEntry.Outcome.DENIED),
    ]


def test_a_refusal_naming_no_child_is_logged(recipient, caplog):
    client = signed_in(recipient)
    with caplog.at_level(logging.WARNING, logger="virtualschool.access"):
        assert client.get(reverse("records:caseload")).status_code == 404
        run = uuid.uuid4()
        assert client.get(reverse("records:import-detail", kwargs={"pk": run})).status_code == 404
    messages = [r.getMessage() for r in caplog.records if r.name == "virtualschool.access"]
    assert f"recipient refused: user {recipient.pk}, GET records:caseload" in messages
    assert f"recipient refused: user {recipient.pk}, GET records:import-detail" in messages
    # An import run's id is not a child's: nothing in any access log.
    assert not AccessLogEntry.objects.filter(child_id=run).exists()


def test_staff_are_not_logged_as_refused(admin_user, caplog):
    client = signed_in(admin_user)
    with caplog.at_level(logging.WARNING, logger="virtualschool.access"):
        assert client.get(reverse("staff:list")).status_code == 200
    assert not [r for r in caplog.records if "recipient refused" in r.getMessage()]


@override_settings(ROOT_URLCONF="tests.sharing.confinement_urls")
def test_a_marked_route_reaches_a_recipient_and_an_unmarked_one_does_not(recipient):
    client = signed_in(recipient)
    assert client.get("/test-marked/").content == b"marked"
    assert client.get("/api/test-marked/").json() == {"marked": True}
    assert client.get("/test-unmarked/").status_code == 404
    caseworker = signed_in(UserFactory(role=Role.CASEWORKER))
    assert caseworker.get("/test-unmarked/").content == b"unmarked"
    # The sharing API's permission keeps staff out of a recipients' route.
    assert caseworker.get("/api/test-marked/").status_code == 404


def test_a_recipient_still_passes_the_second_factor_first(recipient):
    client = Client()
    assert client.login(
        request=RequestFactory().post("/sign-in/"), username="youth", password=PASSWORD
    )
    response = client.get(reverse("records:caseload"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("sign-in-code"))
