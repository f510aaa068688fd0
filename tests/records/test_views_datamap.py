"""The Admin's "What we hold" page: the data map grouped by category, for Admins only."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from records.categories import SENSITIVE_CATEGORIES, DataCategory
from records.datamap import field_rows, holdings

pytestmark = pytest.mark.django_db

URL = "/what-we-hold/"


def _section(html: str, anchor: str) -> str:
    """The page from the heading with this id to the next h2."""
    start = html.index(f'id="{anchor}"')
    following = html.find("<h2", start)
    return html[start : following if following != -1 else len(html)]


def _rows(section: str) -> list[list[str]]:
    """Each body row's cells, tags stripped."""
    body = section[section.index("<tbody") :]
    return [
        [re.sub(r"<[^>]+>", " ", cell).split() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row)]
        for row in re.findall(r"<tr class=\"govuk-table__row\">(.*?)</tr>", body, flags=re.S)
    ]


@pytest.fixture
def page(client_for, admin_user):
    response = client_for(admin_user).get(URL)
    assert response.status_code == 200
    return response.content.decode()


def test_the_url_is_the_named_route():
    assert reverse("datamap:what-we-hold") == URL


def test_each_category_is_a_section_of_its_fields(page):
    grouped = holdings(field_rows())
    for section in grouped.by_category:
        html = _section(page, f"category-{section.category.value}")
        assert section.category.label in html
        assert ("Sensitive</strong>" in html) == (section.category in SENSITIVE_CATEGORIES)
        assert f"Fields holding {section.category.label.lower()} data</caption>" in html
        rows = _rows(html)
        assert len(rows) == len(section.rows), section.category
        for shown, row in zip(rows, section.rows, strict=True):
            assert [" ".join(cell) for cell in shown[2:4]] == [
                row.table,
                "Yes" if section.sensitive else "No",
            ]


def test_identity_lists_the_childs_name_with_what_destruction_does(page):
    rows = _rows(_section(page, "category-identity"))
    assert [
        ["Child"],
        ["First", "name"],
        ["records_child"],
        ["No"],
        ["Deleted", "with", "the", "row"],
    ] in rows


def test_a_notes_text_is_under_every_category_a_note_may_be_filed_in(page):
    for category in (DataCategory.HOUSING, DataCategory.FAMILY, DataCategory.CRIMINAL):
        html = _section(page, f"category-{category.value}")
        assert "<code>records_note</code>" in html
        assert f"Only where the row is filed under {category.label.lower()}" in html
    assert "records_note" not in _section(page, "category-health")


def test_copies_and_tables_with_nothing_personal_have_their_own_headings(page):
    copies = _section(page, "copies")
    assert [row[2] for row in _rows(copies)] == [["auditlog_logentry"]] * 3
    assert "As the field it copies" in copies
    other = _section(page, "no-personal-data")
    tables = {row[1][0]: row for row in _rows(other)}
    assert {
        "records_accesslogentry",
        "records_childuserobjectpermission",
        "records_childgroupobjectpermission",
        "records_importrun",
        "records_importrejection",
        # A child's place on a destruction list (retention): the row names the child only.
        "retention_destructionlistentry",
        # A child a disclosure released (sharing's disclosure log): the row names the child only.
        "sharing_disclosurechild",
        # A child an extract file holds (sharing's extract files): the row names the child only.
        "sharing_extractchild",
        # Which of a plan's targets a PP+ request is for: the row names the request only.
        "records_ppplusrequesttarget",
    } == set(tables)
    assert " ".join(tables["records_accesslogentry"][2]) == "Child_id column: child_id"
    assert " ".join(tables["records_importrun"][3]) == "Kept: its rows name no child"
    # Tables that hold personal data are not in this list.
    assert "records_child<" not in other and "auditlog_logentry" not in other


@pytest.mark.parametrize("role", ["caseworker", "manager"])
def test_other_roles_get_a_404_and_no_link(request, client_for, role):
    client = client_for(request.getfixturevalue(role))
    assert client.get(URL).status_code == 404
    home = client.get(reverse("home")).content.decode()
    assert URL not in home


def test_an_admin_is_linked_to_it_from_the_navigation_and_the_home_page(client_for, admin_user):
    home = client_for(admin_user).get(reverse("home")).content.decode()
    assert home.count(f'href="{URL}"') == 2
    page = client_for(admin_user).get(URL).content.decode()
    assert f'href="{URL}" aria-current="page"' in page


def test_the_page_reads_no_table(client_for, admin_user, django_assert_num_queries):
    client = client_for(admin_user)
    # The session, its user and the user's role groups, then the session's idle timer saved
    # (a savepoint, an update, its release); the map itself is code.
    with django_assert_num_queries(6):
        assert client.get(URL).status_code == 200


def test_only_get(client_for, admin_user):
    assert client_for(admin_user).post(URL).status_code == 405
