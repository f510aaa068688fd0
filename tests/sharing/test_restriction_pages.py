"""Sharing restrictions on the child's record: who records and removes them (in the service,
whoever calls it), with every error at once and nothing saved; the block on the child's page;
and the "Shared with" block, shown to everyone who may open the child's page."""

from __future__ import annotations

import datetime

import pytest
from auditlog.models import LogEntry
from django.contrib.auth.models import Permission
from django.urls import reverse

from records import services as records_services
from records.datamap import DATA_MAP, Destruction
from records.models import AccessLogEntry
from sharing import datasets, services
from sharing.models import RemovedSharingRestriction, SharingAgreement, SharingRestriction
from tests.conftest import signed_in
from tests.factories import ChildFactory, EpisodeFactory, UserFactory
from tests.sharing.conftest import agreement_values
from virtualschool.errors import DomainError
from virtualschool.roles import Perm, Role

pytestmark = pytest.mark.django_db

VALID = {
    "kind": "do_not_share",
    "recipient_type": "other_la",
    "requested_by": "parent",
    "reason": "The parent asked at the review",
}


@pytest.fixture
def child(manager, caseworker):
    child = ChildFactory()
    records_services.allocation_create(actor=manager, child=child, caseworker=caseworker)
    return child


def _url(child):
    return reverse("restrictions:list", kwargs={"pk": child.pk})


# --- Who records and removes one -----------------------------------------------------------


def test_the_allocated_caseworker_records_and_removes_one(child, caseworker):
    restriction = services.restriction_add(actor=caseworker, child=child, **VALID)
    assert restriction.recorded_by == caseworker
    removed = services.restriction_remove(
        actor=caseworker, restriction=restriction, reason="The parent withdrew the request"
    )
    assert not SharingRestriction.objects.exists()
    assert (removed.kind, removed.recipient_type, removed.reason) == (
        "do_not_share",
        "other_la",
        VALID["reason"],
    )
    assert (removed.recorded_by, removed.removed_by) == (caseworker, caseworker)
    assert removed.removal_reason == "The parent withdrew the request"
    # Both are in the child's audit history, attributed to the caseworker.
    entries = LogEntry.objects.get_for_model(SharingRestriction).filter(
        additional_data__child_id=str(child.pk)
    )
    assert set(entries.values_list("action", flat=True)) == {
        LogEntry.Action.CREATE,
        LogEntry.Action.DELETE,
    }
    assert set(entries.values_list("actor", flat=True)) == {caseworker.pk}


def test_a_removed_restriction_restricts_nothing(admin_user, admin2, manager):
    organisation = services.organisation_add(
        actor=admin_user,
        name="Another council",
        type="other_la",
        identifier_kind="la_code",
        identifier="874",
        contact_name="O",
        contact_email="o@example.invalid",
    )
    agreement = services.agreement_draft(
        actor=admin_user,
        **agreement_values(
            organisation,
            statutes=["ca1989"],
            scope="la",
            min_age=None,
            max_age=None,
        ),
    )
    agreement = services.agreement_approve(actor=admin2, agreement=agreement)
    child = ChildFactory(date_of_birth=datetime.date(2012, 1, 1))
    # Placed in the other council's area (sharing/cohort.py's LA scope), so in its cohort.
    EpisodeFactory(child=child, start_date=datetime.date(2020, 1, 1), placement_la="874")
    day = datetime.date(2026, 6, 1)
    restriction = services.restriction_add(actor=manager, child=child, **VALID)
    assert not datasets.build(agreement=agreement, on=day).children.exists()
    services.restriction_remove(actor=manager, restriction=restriction, reason="Withdrawn")
    assert list(datasets.build(agreement=agreement, on=day).children) == [child]


@pytest.mark.parametrize("who", ["other caseworker", "recipient", "former"])
def test_anyone_who_may_not_change_the_child_is_refused_by_the_service(
    who, child, caseworker, manager, admin_user
):
    if who == "other caseworker":
        actor = UserFactory(username="someone_else", role=Role.CASEWORKER)
    elif who == "recipient":
        actor = UserFactory(username="a_recipient", role=Role.RECIPIENT)
    else:  # allocated once, allocation ended
        actor = UserFactory(username="was_allocated", role=Role.CASEWORKER)
        records_services.allocation_create(actor=manager, child=child, caseworker=actor)
        records_services.caseload_end(actor=admin_user, user=actor)
    with pytest.raises(DomainError):
        services.restriction_add(actor=actor, child=child, **VALID)
    assert not SharingRestriction.objects.exists()
    restriction = services.restriction_add(actor=caseworker, child=child, **VALID)
    with pytest.raises(DomainError):
        services.restriction_remove(actor=actor, restriction=restriction, reason="No")
    assert SharingRestriction.objects.get() == restriction
    assert not RemovedSharingRestriction.objects.exists()


def test_a_removal_needs_a_reason_and_nothing_changes(child, manager):
    restriction = services.restriction_add(actor=manager, child=child, **VALID)
    with pytest.raises(DomainError) as refused:
        services.restriction_remove(actor=manager, restriction=restriction, reason="  ")
    assert list(refused.value.message_dict) == ["reason"]
    assert SharingRestriction.objects.get() == restriction
    assert not RemovedSharingRestriction.objects.exists()


def test_a_removed_restriction_is_in_the_data_map_and_goes_with_the_child(child, manager):
    entry = DATA_MAP.entry_for(RemovedSharingRestriction)
    assert entry is not None and entry.destruction is Destruction.DELETE
    restriction = services.restriction_add(actor=manager, child=child, **VALID)
    services.restriction_remove(actor=manager, restriction=restriction, reason="Withdrawn")
    assert entry.rows_for_children([child.pk]).count() == 1
    child.delete()
    assert not RemovedSharingRestriction.objects.exists()


# --- The pages ------------------------------------------------------------------------------


def test_the_page_records_a_restriction_and_the_child_page_shows_it(child, caseworker):
    client = signed_in(caseworker)
    response = client.post(_url(child), VALID)
    assert response.status_code == 302
    restriction = SharingRestriction.objects.get()
    assert restriction.recorded_by == caseworker
    page = client.get(reverse("records:child-detail", kwargs={"pk": child.pk}))
    text = page.content.decode()
    assert 'id="sharing-restrictions"' in text
    assert "Do not share with another local authority" in text
    assert VALID["reason"] in text
    assert caseworker.get_full_name() in text
    assert "Record or remove a sharing restriction" in text


@pytest.mark.parametrize(
    ("data", "fields"),
    [
        ({}, {"kind", "requested_by", "reason"}),
        ({**VALID, "reason": ""}, {"reason"}),
        ({**VALID, "recipient_type": "martians"}, {"recipient_type"}),
        ({**VALID, "recipient_type": ""}, {"recipient_type"}),
        ({**VALID, "kind": "nad_only", "recipient_type": "school"}, {"recipient_type"}),
        ({**VALID, "requested_by": "neighbour", "reason": ""}, {"requested_by", "reason"}),
    ],
)
def test_bad_input_is_refused_with_every_field_named_and_nothing_saved(
    data, fields, child, manager
):
    response = signed_in(manager).post(_url(child), data)
    assert response.status_code == 200
    assert b"govuk-error-summary" in response.content
    form = response.context["form"]
    assert set(form.errors) == fields
    for name in fields:
        assert f'href="#id_{name}' in response.content.decode(), name
    assert not SharingRestriction.objects.exists()


def test_unknown_recipient_type_in_the_service_names_the_field(child, manager):
    with pytest.raises(DomainError) as refused:
        services.restriction_add(actor=manager, child=child, **{**VALID, "recipient_type": "x"})
    assert list(refused.value.message_dict) == ["recipient_type"]
    assert "type of recipient" in refused.value.message_dict["recipient_type"][0]
    assert not SharingRestriction.objects.exists()


def test_the_page_removes_a_restriction_with_a_reason(child, manager):
    restriction = services.restriction_add(actor=manager, child=child, **VALID)
    client = signed_in(manager)
    url = reverse("restrictions:remove", kwargs={"pk": child.pk, "restriction_id": restriction.pk})
    refused = client.post(url, {"reason": ""})
    assert refused.status_code == 200 and b"govuk-error-summary" in refused.content
    assert SharingRestriction.objects.exists()
    assert client.post(url, {"reason": "Withdrawn by the parent"}).status_code == 302
    assert not SharingRestriction.objects.exists()
    page = client.get(_url(child)).content.decode()
    assert "Withdrawn by the parent" in page and 'id="restrictions-removed"' in page
    # Gone: a second removal is a 404.
    assert client.get(url).status_code == 404


def test_another_childs_restriction_is_404(child, manager):
    other = ChildFactory()
    restriction = services.restriction_add(actor=manager, child=other, **VALID)
    url = reverse("restrictions:remove", kwargs={"pk": child.pk, "restriction_id": restriction.pk})
    assert signed_in(manager).post(url, {"reason": "x"}).status_code == 404
    assert SharingRestriction.objects.get() == restriction


def test_who_may_open_the_restrictions_page(child, caseworker, manager, admin_user):
    other = UserFactory(username="other_cw", role=Role.CASEWORKER)
    assert signed_in(caseworker).get(_url(child)).status_code == 200
    assert signed_in(manager).get(_url(child)).status_code == 200
    for user in (other, admin_user):
        assert signed_in(user).get(_url(child)).status_code == 404
        assert AccessLogEntry.objects.filter(
            child_id=child.pk, user=user, outcome="denied"
        ).exists()


# --- "Shared with": everyone who may open the child's page ------------------------------------


@pytest.fixture
def shared_child(child, manager, admin_user, admin2):
    """The child, sent in one disclosure of an agreement."""

    organisation = services.organisation_add(
        actor=admin_user,
        name="Northshire Youth Service",
        type="youth_support",
        identifier_kind="la_code",
        identifier="330",
        contact_name="Y",
        contact_email="y@example.invalid",
    )
    agreement = services.agreement_draft(
        actor=admin_user, **agreement_values(organisation, min_age=None, max_age=None)
    )
    agreement = services.agreement_approve(actor=admin2, agreement=agreement)
    EpisodeFactory(child=child, start_date=datetime.date(2020, 1, 1))
    dataset = datasets.build(agreement=agreement, on=datetime.date(2026, 6, 1))
    b"".join(datasets.logged_stream(dataset, "csv"))
    assert SharingAgreement.objects.count() == 1
    return child


@pytest.mark.parametrize("role", ["caseworker", "sensitive caseworker", "manager"])
def test_shared_with_shows_to_everyone_who_may_open_the_page(
    role, shared_child, caseworker, manager
):
    if role == "caseworker":
        user = caseworker
    elif role == "manager":
        user = manager
    else:
        user = UserFactory(username="sens", role=Role.CASEWORKER)
        user.user_permissions.add(Permission.objects.get(codename=Perm.VIEW_SENSITIVE.value))
        records_services.allocation_create(actor=manager, child=shared_child, caseworker=user)
    page = signed_in(user).get(reverse("records:child-detail", kwargs={"pk": shared_child.pk}))
    assert page.status_code == 200
    text = page.content.decode()
    assert 'id="shared-with"' in text
    assert "Northshire Youth Service" in text
    assert "has not been shared" not in text


@pytest.mark.parametrize("role", ["other caseworker", "admin", "recipient"])
def test_shared_with_is_not_shown_to_who_may_not_open_the_page(role, shared_child, admin_user):
    user = {
        "other caseworker": lambda: UserFactory(username="other", role=Role.CASEWORKER),
        "admin": lambda: admin_user,
        "recipient": lambda: UserFactory(username="rec", role=Role.RECIPIENT),
    }[role]()
    page = signed_in(user).get(reverse("records:child-detail", kwargs={"pk": shared_child.pk}))
    assert page.status_code == 404
    assert b"Northshire Youth Service" not in page.content
