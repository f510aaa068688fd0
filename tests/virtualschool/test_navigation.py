"""The header's navigation, role by role (issue 14): each person is shown the pages their role
opens and no other, every item opens, and an item is current on every page of its part."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from sharing import services as sharing_services
from tests.factories import PASSWORD
from tests.sharing.conftest import organisation  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db

MENUS = {
    "caseworker": ["Home", "My caseload", "Dashboards", "Imports"],
    "manager": ["Home", "Children", "Dashboards", "Imports"],
    "admin_user": ["Home", "Imports", "Staff", "Sharing", "What we hold", "Retention"],
    # A recipient sees nothing of the staff's (issue 13).
    "recipient": ["Home"],
}


@pytest.fixture
def recipient(organisation):  # noqa: F811 - the fixture imported above
    return sharing_services.recipient_user_ensure(
        organisation=organisation,
        username="youth",
        first_name="Yan",
        last_name="Lee",
        password=PASSWORD,
    )


@pytest.mark.parametrize("who", list(MENUS))
def test_each_role_is_shown_the_pages_it_opens_and_each_opens(request, client_for, who):
    client = client_for(request.getfixturevalue(who))
    navigation = client.get(reverse("home")).context["navigation"]
    assert [item.label for item in navigation] == MENUS[who]
    for item in navigation:
        assert client.get(item.url).status_code == 200, item


def test_signed_out_there_is_no_menu():
    for url in (reverse("sign-in"), reverse("privacy:notice")):
        assert Client().get(url).context["navigation"] == []


@pytest.mark.parametrize(
    ("name", "label"),
    [
        ("retention:queue", "Retention"),
        ("retention:holds", "Retention"),
        ("retention:certificates", "Retention"),
        ("sharing:organisations", "Sharing"),
        ("staff:add", "Staff"),
        ("datamap:what-we-hold", "What we hold"),
    ],
)
def test_an_admins_item_is_current_on_every_page_of_its_part(client_for, admin_user, name, label):
    navigation = client_for(admin_user).get(reverse(name)).context["navigation"]
    assert [item.label for item in navigation if item.active] == [label]


def test_retention_itself_is_the_queue(client_for, admin_user):
    response = client_for(admin_user).get("/retention/")
    assert response.status_code == 302
    assert response["Location"] == reverse("retention:queue")


def test_an_admins_home_page_links_each_part(client_for, admin_user):
    page = client_for(admin_user).get(reverse("home")).content.decode()
    section = page[page.index("Administration") :]
    for name in ("staff:list", "sharing:agreements", "datamap:what-we-hold", "retention:queue"):
        assert f'href="{reverse(name)}"' in section, name
