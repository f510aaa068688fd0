"""Every changes table reads as its page does (issue 16): an agreement's, an organisation's and
a staff account's changes name each field by its verbose name and show each value as the page
shows it (virtualschool.display.change_rows), never the stored codes ("6_1_e", "review_date",
"True", "2027-01-31")."""

from __future__ import annotations

import datetime
import html
import re

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from sharing import services
from sharing.models import SharingChange
from staff import services as staff_services
from tests.conftest import signed_in
from tests.sharing.conftest import agreement_values
from virtualschool.roles import Role

pytestmark = pytest.mark.django_db

CELL = re.compile(r'<td class="govuk-table__cell">(.*?)</td>', re.S)
TAG = re.compile(r"<[^>]+>")


def _changes_table(page: str) -> str:
    start = page.index(
        '<table class="govuk-table">', page.index('role="region" aria-label="Changes')
    )
    return page[start : page.index("</table>", start)]


def _rows(page: str) -> set[tuple[str, str, str]]:
    """(What, Before, After) of each row of the page's changes table, as a reader sees them."""
    rows = set()
    for row in _changes_table(page).split('<tr class="govuk-table__row">')[2:]:
        cells = [html.unescape(TAG.sub("", cell)).strip() for cell in CELL.findall(row)]
        rows.add(tuple(cells[2:]))
    return rows


@pytest.fixture
def college(admin_user):
    return services.organisation_add(
        actor=admin_user,
        name="Northshire College",
        type="post_16",
        identifier_kind="ukprn",
        identifier="10012345",
        contact_name="Cas Dale",
        contact_email="college@example.invalid",
    )


def _post_16_values(college, **changes):
    return agreement_values(college, scope="post_16", min_age=None, max_age=None, **changes)


@pytest.fixture
def edited(admin_user, college):
    """A draft whose choice, date, flag and lists were changed once."""
    agreement = services.agreement_draft(actor=admin_user, **_post_16_values(college))
    services.agreement_edit(
        actor=admin_user,
        agreement=agreement,
        **_post_16_values(
            college,
            lawful_basis="6_1_c",
            review_date=datetime.date(2027, 2, 28),
            include_all_post_16_age=True,
            categories=["identity", "contact", "attendance"],
            statutes=["ea1996_s507b", "cfa2014"],
        ),
    )
    return agreement


def _page(user, name: str, pk: int) -> str:
    return signed_in(user).get(reverse(name, kwargs={"pk": pk})).content.decode()


def _agreement_page(admin_user, agreement) -> str:
    return _page(admin_user, "sharing:agreement-detail", agreement.pk)


def test_an_agreements_changes_show_labels_dates_yes_no_and_lists_on_its_page(admin_user, edited):
    page = _agreement_page(admin_user, edited)
    rows = _rows(page)
    assert (
        "Lawful basis (UK GDPR Article 6)",
        "Article 6(1)(e): public task",
        "Article 6(1)(c): legal obligation",
    ) in rows
    assert ("Review date", "31 January 2027", "28 February 2027") in rows
    assert ("Also every child of post-16 age", "No", "Yes") in rows
    assert (
        "Categories",
        "Identity, Contact details",
        "Identity, Contact details, Attendance",
    ) in rows
    # A statute's name has a comma of its own, so a list of them is joined by semicolons.
    assert (
        "Statutes",
        "Education Act 1996, section 507B",
        "Children and Families Act 2014; Education Act 1996, section 507B",
    ) in rows
    # The draft's own rows: a choice, the related organisation, a number, a state.
    assert ("Mode", "–", "Identifiable") in rows
    assert ("Organisation", "–", "Northshire College") in rows
    assert ("Recipient may keep the data (months)", "–", "24") in rows
    assert ("State", "–", "Draft") in rows
    table = _changes_table(page)
    for raw in (
        "6_1_e",
        "6_1_c",
        "review_date",
        "2027-01-31",
        "include_all_post_16_age",
        "True",
        "identity, contact",
        "ea1996_s507b",
        "identifiable",
        "post_16",
        "lawful_basis",
    ):
        assert raw not in table, raw


def test_what_an_agreement_stores_of_a_change_stays_its_codes(edited):
    """Nothing stored is lost: the codes are kept and only the page reads them as labels."""
    change = SharingChange.objects.get(agreement=edited, field="categories", before__gt="")
    assert (change.before, change.after) == ("identity, contact", "identity, contact, attendance")
    flag = SharingChange.objects.get(agreement=edited, field="include_all_post_16_age")
    assert (flag.before, flag.after) == ("False", "True")


@time_machine.travel(datetime.datetime(2026, 12, 4, 12, tzinfo=datetime.UTC), tick=False)
def test_a_token_and_a_suspension_read_as_written(admin_user, admin2, edited):
    services.agreement_approve(actor=admin2, agreement=edited)
    services.token_issue(
        actor=admin_user, agreement=edited, name="College MIS", expires_on=datetime.date(2027, 3, 1)
    )
    services.agreement_suspend(actor=admin_user, agreement=edited, reason="Breach reported")
    rows = _rows(_agreement_page(admin_user, edited))
    assert ("State", "Approved", "Suspended") in rows
    assert ("Suspension reason", "–", "Breach reported") in rows
    (expires,) = [row for row in rows if row[0] == "Token expires"]
    assert expires[2].endswith(": end of 1 March 2027")


def test_the_changes_cost_no_query_per_change(admin_user, college, edited):
    client = signed_in(admin_user)
    url = reverse("sharing:agreement-detail", kwargs={"pk": edited.pk})

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    few = queries()
    for months in (12, 18, 30, 36):
        services.agreement_edit(
            actor=admin_user,
            agreement=edited,
            **_post_16_values(college, retention_months=months, include_all_post_16_age=True),
        )
    assert queries() == few


def test_an_organisations_changes_show_labels_on_its_page(admin_user, organisation):
    services.organisation_edit(
        actor=admin_user,
        organisation=organisation,
        name=organisation.name,
        type="other_la",
        identifier_kind="la_code",
        identifier="330",
        contact_name="Ada Brook",
        contact_email="team@example.invalid",
    )
    page = _page(admin_user, "sharing:organisation-detail", organisation.pk)
    rows = _rows(page)
    assert ("Type", "Youth support service", "Another local authority") in rows
    assert ("Type", "–", "Youth support service") in rows
    assert ("Identifier", "–", "LA code") in rows
    assert ("Identifier value", "–", "330") in rows
    assert ("Contact email", "youth@example.invalid", "team@example.invalid") in rows
    assert ("Organisation", "–", "Added") in rows
    table = _changes_table(page)
    for raw in ("youth_support", "other_la", "la_code", "identifier_kind", "contact_email"):
        assert raw not in table, raw


def test_a_staff_accounts_changes_show_labels_on_its_page(admin_user):
    person = staff_services.staff_add(
        actor=admin_user,
        username="cw_new",
        first_name="Cal",
        last_name="Wren",
        email="cal@example.invalid",
        role=Role.CASEWORKER,
    ).user
    staff_services.staff_role_set(
        actor=admin_user, user=person, role=Role.CASEWORKER, sensitive=True
    )
    page = _page(admin_user, "staff:detail", person.pk)
    rows = _rows(page)
    assert ("Role", "No role", "Caseworker") in rows
    assert ("Sensitive information", "No", "Yes") in rows
    assert ("First name", "–", "Cal") in rows
    assert ("Email address", "–", "cal@example.invalid") in rows
    table = _changes_table(page)
    for raw in ("first_name", "sensitive<", "email<", "two_factor"):
        assert raw not in table, raw
