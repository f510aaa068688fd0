"""Safeguarding: create, view, edit, refused, sensitive hidden, and the optimistic lock.

This file is the pattern for every section of the record (records/sections/)."""

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from records.models import AccessLogEntry, CourtOrder
from records.services import safeguarding
from virtualschool.errors import DomainError
from virtualschool.roles import Perm

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def sensitive_caseworker(caseworker):
    caseworker.user_permissions.add(Permission.objects.get(codename=Perm.VIEW_SENSITIVE.value))
    return caseworker


@pytest.fixture
def order(manager, child):
    return safeguarding.court_order_record(
        actor=manager,
        child=child,
        order_type="care",
        court="Family Court at Leeds",
        made_on=max(child.date_of_birth, D(2024, 1, 1)),
    )


def _tab(child):
    return reverse("records:tab", kwargs={"pk": child.pk, "tab": "safeguarding"})


def _add(child, section="court-orders"):
    return reverse(
        "records:section-add", kwargs={"pk": child.pk, "tab": "safeguarding", "section": section}
    )


def _edit(child, item, section="court-orders"):
    return reverse(
        "records:section-edit",
        kwargs={"pk": child.pk, "tab": "safeguarding", "section": section, "item": item.pk},
    )


def test_create_through_the_page(client_for, sensitive_caseworker, child, allocate):
    allocate(child, sensitive_caseworker)
    response = client_for(sensitive_caseworker).post(
        _add(child),
        {
            "order_type": "interim_care",
            "court": "Family Court at Bradford",
            "made_on_0": "4",
            "made_on_1": "3",
            "made_on_2": "2025",
        },
    )
    assert response.status_code == 302
    order = CourtOrder.objects.get(child=child)
    assert (order.order_type, order.made_on, order.expires_on) == (
        "interim_care",
        D(2025, 3, 4),
        None,
    )


def test_view_lists_the_rows(client_for, manager, child, order):
    html = client_for(manager).get(_tab(child)).content.decode()
    assert "Family Court at Leeds" in html
    assert "Care order" in html


def test_edit_with_the_version_read(client_for, manager, child, order):
    client = client_for(manager)
    page = client.get(_edit(child, order)).content.decode()
    assert 'name="expected_version" value="1"' in page
    response = client.post(
        _edit(child, order),
        {
            "expected_version": "1",
            "order_type": "care",
            "court": "Family Court at York",
            "made_on_0": str(order.made_on.day),
            "made_on_1": str(order.made_on.month),
            "made_on_2": str(order.made_on.year),
        },
    )
    assert response.status_code == 302
    order.refresh_from_db()
    assert (order.court, order.version) == ("Family Court at York", 2)


def test_a_second_save_from_a_stale_page_is_refused_and_the_first_kept(manager, child, order):
    fields = {"order_type": "care", "made_on": order.made_on}
    safeguarding.court_order_update(
        actor=manager, instance=order, expected_version=1, court="First save", **fields
    )
    with pytest.raises(DomainError) as raised:
        safeguarding.court_order_update(
            actor=manager, instance=order, expected_version=1, court="Second save", **fields
        )
    message = raised.value.messages[0]
    assert manager.get_full_name() in message
    assert "Your changes have not been saved" in message
    order.refresh_from_db()
    assert (order.court, order.version) == ("First save", 2)


def test_stale_save_through_the_page_shows_the_message(client_for, manager, child, order):
    safeguarding.court_order_update(
        actor=manager,
        instance=order,
        expected_version=1,
        court="First save",
        order_type="care",
        made_on=order.made_on,
    )
    response = client_for(manager).post(
        _edit(child, order),
        {
            "expected_version": "1",
            "order_type": "care",
            "court": "Second save",
            "made_on_0": str(order.made_on.day),
            "made_on_1": str(order.made_on.month),
            "made_on_2": str(order.made_on.year),
        },
    )
    assert response.status_code == 200
    assert "Your changes have not been saved" in response.content.decode()
    order.refresh_from_db()
    assert order.court == "First save"


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"made_on": D(2999, 1, 1)}, "made_on", "today or in the past"),
        ({"made_on": D(1990, 1, 1)}, "made_on", "on or after the child's date of birth"),
        (
            {"made_on": D(2025, 1, 10), "expires_on": D(2025, 1, 9)},
            "expires_on",
            "same as or after the date it was made",
        ),
        (
            {"made_on": D(2025, 1, 10), "order_type": "nonsense"},
            "order_type",
            "Order type must be one of: interim_care (Interim care order), care",
        ),
    ],
)
def test_bad_input_is_refused_and_nothing_saved(manager, child, fields, field, message):
    values = {"order_type": "care", "court": "Court", **fields}
    child.date_of_birth = min(child.date_of_birth, D(2015, 1, 1))
    child.save()
    with pytest.raises(DomainError) as raised:
        safeguarding.court_order_record(actor=manager, child=child, **values)
    assert message in " ".join(raised.value.message_dict[field])
    assert not CourtOrder.objects.exists()


def test_without_the_sensitive_permission_the_tab_is_hidden_and_404(
    client_for, caseworker, child, allocate, order
):
    allocate(child, caseworker)
    client = client_for(caseworker)
    summary = client.get(reverse("records:child-detail", kwargs={"pk": child.pk})).content.decode()
    assert "Safeguarding" not in summary
    for url in (_tab(child), _add(child), _edit(child, order)):
        assert client.get(url).status_code == 404
    assert AccessLogEntry.objects.filter(
        user=caseworker, outcome=AccessLogEntry.Outcome.DENIED, page="tab-safeguarding"
    ).exists()


def test_a_caseworker_with_it_sees_the_tab(
    client_for, sensitive_caseworker, child, allocate, order
):
    allocate(child, sensitive_caseworker)
    client = client_for(sensitive_caseworker)
    summary = client.get(reverse("records:child-detail", kwargs={"pk": child.pk})).content.decode()
    assert "Safeguarding" in summary
    assert "Family Court at Leeds" in client.get(_tab(child)).content.decode()


def test_another_caseworker_cannot_reach_it(client_for, other_caseworker, child, order):
    other_caseworker.user_permissions.add(
        Permission.objects.get(codename=Perm.VIEW_SENSITIVE.value)
    )
    assert client_for(other_caseworker).get(_tab(child)).status_code == 404


def test_tab_query_count_is_fixed(client_for, manager, child, order, django_assert_max_num_queries):
    client = client_for(manager)
    with django_assert_max_num_queries(40) as few:
        client.get(_tab(child))
    for year in range(2016, 2024):
        safeguarding.professional_record(
            actor=manager,
            child=child,
            agency="CAMHS",
            role="Clinician",
            start_date=max(child.date_of_birth, D(year, 1, 1)),
        )
    with django_assert_max_num_queries(40) as many:
        client.get(_tab(child))
    assert len(few.captured_queries) == len(many.captured_queries)
