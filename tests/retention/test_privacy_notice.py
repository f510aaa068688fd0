"""The public privacy notice (/privacy/, issue 14): written from the data map, the agreements in
force today and the retention rules, so it changes when they do; it names no child, reads in a
fixed number of queries, and every page's footer links to it."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import re

import pytest
import time_machine
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.urls import reverse

from records import services as records
from records.categories import declare
from records.codes import Cohort
from records.datamap import DATA_MAP
from retention import services
from retention.models import DestructionListEntry, RetentionRule
from sharing import services as sharing_services
from sharing.services import today
from tests.conftest import signed_in
from tests.factories import PASSWORD, ChildFactory, UserFactory
from tests.sharing.conftest import agreement_values
from virtualschool.roles import Role

pytestmark = pytest.mark.django_db

URL = "/privacy/"
HEADINGS = [
    "Who we are",
    "What information we hold",
    "Why we hold it, and the lawful basis",
    "Who we share it with",
    "How long we keep it",
    "Your rights",
    "Contact us",
]


def _text(html: str) -> str:
    """The page's words, tags stripped and spaces collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split()).replace("&#x27;", "'")


def _section(html: str, anchor: str) -> str:
    """The page from the element with this id to the next h2 (its words)."""
    start = html.index(f'id="{anchor}"')
    following = html.find("<h2", start)
    return _text(html[start : following if following != -1 else len(html)])


def _page(client: Client | None = None) -> str:
    response = (client or Client()).get(URL)
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def admin2(db):
    return UserFactory(username="admin_b", role=Role.ADMIN)


def _council(admin, name: str, identifier: str):
    """Another local authority, with the agreement scope that fits one."""
    return _organisation(admin, name, "other_la", identifier, "la_code")


def _organisation(admin, name: str, type_: str, identifier: str = "", kind: str = ""):
    return sharing_services.organisation_add(
        actor=admin,
        name=name,
        type=type_,
        identifier_kind=kind,
        identifier=identifier,
        contact_name="Ada Brook",
        contact_email="ada.brook@example.invalid",
    )


def _agreement(admin, approver, organisation, *, approve=True, **changes):
    on = today()
    values = agreement_values(
        organisation,
        valid_from=on - datetime.timedelta(days=30),
        valid_to=on + datetime.timedelta(days=300),
        review_date=on + datetime.timedelta(days=200),
    )
    values.update(changes)
    agreement = sharing_services.agreement_draft(actor=admin, **values)
    if approve:
        agreement = sharing_services.agreement_approve(actor=approver, agreement=agreement)
    return agreement


def test_the_url_is_public_and_the_named_route():
    assert reverse("privacy:notice") == URL
    response = Client().get(URL)
    assert response.status_code == 200
    assert "Location" not in response


def test_it_follows_a_published_notices_headings_in_order():
    html = _page()
    h2s = [_text(h) for h in re.findall(r'<h2 class="govuk-heading-m"[^>]*>(.*?)</h2>', html)]
    assert h2s == HEADINGS


def test_what_we_hold_is_every_category_of_the_data_map_with_the_records_that_hold_it():
    html = _page()
    held = _section(html, "what-we-hold") + _text(html[html.index('id="held"') :])
    for entry in DATA_MAP:
        for category in entry.categories:
            assert category.label in held, category
    row = _text(re.search(r'id="held-health">(.*?)</tr>', html, flags=re.S).group(1))
    assert row.startswith("Health and medical Sensitive")
    assert "Health condition" in row
    identity = _text(re.search(r'id="held-identity">(.*?)</tr>', html, flags=re.S).group(1))
    assert "Sensitive" not in identity and "Child" in identity


@contextlib.contextmanager
def _declared(model, categories):
    """The data map with `model`'s fields declared as given, as a change to the code would."""
    entry = DATA_MAP._entries[model]
    DATA_MAP._entries[model] = dataclasses.replace(entry, given=categories)
    try:
        yield
    finally:
        DATA_MAP._entries[model] = entry


def test_a_field_declared_in_a_category_appears_under_it():
    def housing() -> str:
        html = _page()
        return _text(re.search(r'id="held-housing">(.*?)</tr>', html, flags=re.S).group(1))

    assert "Destruction list entry" not in housing()
    with _declared(
        DestructionListEntry, declare(housing=["destruction_list"], not_personal=["id", "child"])
    ):
        assert "Destruction list entry" in housing()
    assert "Destruction list entry" not in housing()


def test_an_agreement_in_force_is_listed_with_its_purpose_basis_and_law(admin_user, admin2):
    youth = _organisation(admin_user, "Northshire Youth Service", "youth_support", "330", "la_code")
    before = _page()
    assert "Northshire Youth Service" not in before
    assert "we share no information about children" in _text(before)
    assert 'id="youth-support-right"' not in before
    _agreement(
        admin_user,
        admin2,
        youth,
        purpose="Youth support services for young people aged 13 to 19",
        categories=["identity", "contact", "health"],
        article9_condition="9_2_g",
        statutes=["ea1996_s507b", "ca1989"],
        ehc_plan_until_age=25,
    )
    html = _page()
    shared = _text(html[html.index('id="recipients-youth_support"') : html.index('id="how-long"')])
    assert shared.startswith('id="recipients-youth_support">Youth support service')
    for words in (
        "Northshire Youth Service",
        "Youth support services for young people aged 13 to 19",
        "Identifiable: Identity, Contact details, Health and medical",
        "About children aged 13 to 19 (or up to 24 with an EHC plan): looked after, "
        "previously looked after",
        "They may keep it for 24 months",
        "Article 6(1)(e): public task",
        "Article 9(2)(g): substantial public interest",
        "Education Act 1996, section 507B",
        "Children Act 1989",
    ):
        assert words in shared, words
    why = _section(html, "why")
    assert "Today they rest on: Article 6(1)(e): public task Article 9(2)(g)" in why
    # The right that goes with sharing with youth support services appears with it.
    assert 'id="youth-support-right"' in html
    # The organisation's contact is a person: not on a public page.
    assert "Ada Brook" not in html and "ada.brook@" not in html


def test_a_draft_suspended_expired_or_future_agreement_is_not_listed(admin_user, admin2):
    on = today()
    cases = {
        "Draft Council": {"approve": False},
        "Suspended Council": {},
        "Expired Council": {
            "valid_from": on - datetime.timedelta(days=400),
            "valid_to": on - datetime.timedelta(days=1),
            "review_date": on - datetime.timedelta(days=100),
        },
        "Future Council": {
            "valid_from": on + datetime.timedelta(days=1),
            "valid_to": on + datetime.timedelta(days=300),
        },
    }
    for number, (name, changes) in enumerate(cases.items()):
        organisation = _council(admin_user, name, str(870 + number))
        approve = changes.pop("approve", True)
        changes["scope"] = "la"
        if name == "Expired Council":
            # Approved while it was in force; it has ended since.
            with time_machine.travel(on - datetime.timedelta(days=200), tick=False):
                agreement = _agreement(admin_user, admin2, organisation, **changes)
            assert agreement.state == "approved"
            continue
        agreement = _agreement(admin_user, admin2, organisation, approve=approve, **changes)
        if name == "Suspended Council":
            sharing_services.agreement_suspend(
                actor=admin_user, agreement=agreement, reason="A breach was reported"
            )
    in_force = _council(admin_user, "Listed Council", "880")
    _agreement(admin_user, admin2, in_force, scope="la")
    html = _page()
    assert "Listed Council" in html
    for name in cases:
        assert name not in html, name


def test_changing_a_rule_changes_how_long_we_keep_it(admin_user):
    def rules() -> dict[str, str]:
        html = _page()
        table = html[html.index('id="rules"') :]
        rows = re.findall(r"<tr class=\"govuk-table__row\">(.*?)</tr>", table, flags=re.S)[1:]
        return {_text(re.search(r"<th[^>]*>(.*?)</th>", row).group(1)): _text(row) for row in rows}

    assert set(rules()) == set(Cohort.labels)
    assert "10 years after the case's closure" in rules()["Child in need"]
    looked_after = rules()["Looked after"]
    assert "75 years after the child's 18th birthday" in looked_after
    assert "The law's minimum: Care Planning, Placement and Case Review" in looked_after
    services.retention_rule_change(
        rule=RetentionRule.objects.get(cohort=Cohort.CIN), actor=admin_user, years=12
    )
    assert "12 years after the case's closure" in rules()["Child in need"]
    assert "10 years after the case's closure" not in rules()["Child in need"]


def test_no_childs_data_appears(admin_user, admin2, manager):
    child = ChildFactory(first_name="Peregrina", last_name="Oakenshaw", upn="A123456789012")
    records.episode_add(
        actor=manager, child=child, cohort=Cohort.CIN, start_date=child.date_of_birth
    )
    school = _organisation(admin_user, "Northshire Academy", "school", "190098", "urn")
    _agreement(admin_user, admin2, school, scope="school_roll")
    html = _page()
    assert "Northshire Academy" in html
    for needle in (child.first_name, child.last_name, child.upn, str(child.pk)):
        assert needle not in html, needle
    # Nor anyone's: the page reads no person, signed out or in.
    for needle in (admin_user.username, admin2.username, manager.username):
        assert needle not in html, needle


def test_the_query_count_is_fixed(admin_user, admin2, django_assert_num_queries):
    def add(count: int, start: int) -> None:
        for number in range(start, start + count):
            organisation = _council(admin_user, f"Council {number}", str(800 + number))
            _agreement(admin_user, admin2, organisation, scope="la")

    add(1, 0)
    client = Client()
    # The rules and the agreements in force, with their organisations.
    with django_assert_num_queries(2):
        assert client.get(URL).status_code == 200
    add(6, 1)
    with django_assert_num_queries(2):
        page = client.get(URL)
    assert page.content.decode().count("<strong>Council ") == 7


def test_signed_out_before_the_code_or_after_it_is_the_same_page(admin_user, manager):
    half = Client()
    # The password step only: every other page sends this session to the code step.
    assert half.login(
        request=RequestFactory().post("/sign-in/"), username=manager.username, password=PASSWORD
    )
    assert half.get(reverse("home"))["Location"].startswith(reverse("sign-in-code"))
    pages = [_page(client) for client in (Client(), half, signed_in(admin_user))]
    for html in pages:
        assert _section(html, "what-we-hold") == _section(pages[0], "what-we-hold")
        assert _section(html, "how-long") == _section(pages[0], "how-long")


@pytest.mark.parametrize("where", ["sign-in", "home", "what-we-hold", "missing", "privacy"])
def test_the_footer_links_to_it_on_every_page(client_for, admin_user, where):
    link = f'<a class="govuk-footer__link" href="{URL}">Privacy notice</a>'
    if where == "sign-in":
        response = Client().get(reverse("sign-in"))
    elif where == "missing":
        response = client_for(admin_user).get("/no-such-page/")
        assert response.status_code == 404
    elif where == "privacy":
        response = Client().get(URL)
    else:
        name = "home" if where == "home" else "datamap:what-we-hold"
        response = client_for(admin_user).get(reverse(name))
    assert link in response.content.decode()


def test_the_standalone_error_pages_link_to_it_too():
    for template in ("400.html", "500.html", "403_csrf.html"):
        assert f'href="{URL}"' in render_to_string(template), template


def test_only_get(client_for, admin_user):
    assert Client().post(URL).status_code == 405
    assert client_for(admin_user).post(URL).status_code == 405
