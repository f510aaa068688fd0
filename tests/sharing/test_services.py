"""sharing.services: every write, its audit trail, and every refusal storing nothing."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction

from sharing import selectors, services
from sharing.models import (
    RecipientMembership,
    RecipientOrganisation,
    SharingAgreement,
    SharingChange,
)
from staff import services as staff_services
from tests.factories import UserFactory
from tests.sharing.conftest import agreement_values
from virtualschool.errors import DomainError
from virtualschool.roles import Role, user_has_role

pytestmark = pytest.mark.django_db

User = get_user_model()


def _state():
    return (
        RecipientOrganisation.objects.count(),
        SharingAgreement.objects.count(),
        SharingChange.objects.count(),
        RecipientMembership.objects.count(),
        User.objects.count(),
    )


def _refused(call) -> dict[str, list[str]]:
    before = _state()
    with pytest.raises(DomainError) as raised:
        call()
    assert _state() == before
    error = raised.value
    return error.message_dict if hasattr(error, "error_dict") else {"": error.messages}


# --- Organisations --------------------------------------------------------------------------


def test_an_organisation_is_added_with_its_changes_recorded(organisation, admin_user):
    assert organisation.identifier == "330"
    fields = set(
        SharingChange.objects.filter(organisation=organisation).values_list("field", flat=True)
    )
    assert {"organisation", "name", "type", "identifier", "contact_email"} <= fields
    assert SharingChange.objects.filter(organisation=organisation, actor=admin_user).exists()


@pytest.mark.parametrize(
    ("type_", "kind", "value", "field"),
    [
        ("school", "urn", "12345", "identifier"),  # 5 digits
        ("school", "urn", "1234567", "identifier"),
        ("post_16", "ukprn", "20012345", "identifier"),  # must begin 1
        ("post_16", "ukprn", "1001234", "identifier"),
        ("other_la", "la_code", "33", "identifier"),
        ("other_la", "la_code", "33A", "identifier"),
        ("nhs_trust", "ods", "12", "identifier"),
        ("nhs_trust", "ods", "1234", "identifier"),  # no letter
        ("nhs_trust", "ods", "RJ1234X", "identifier"),  # 7 characters
        ("school", "ukprn", "10012345", "identifier_kind"),  # a school is known by its URN
        ("school", "", "", "identifier_kind"),
        ("dfe", "urn", "100001", "identifier_kind"),
    ],
)
def test_an_identifier_of_the_wrong_shape_is_refused(admin_user, type_, kind, value, field):
    errors = _refused(
        lambda: services.organisation_add(
            actor=admin_user,
            name="X",
            type=type_,
            identifier_kind=kind,
            identifier=value,
            contact_name="C",
            contact_email="c@example.invalid",
        )
    )
    assert list(errors) == [field]


@pytest.mark.parametrize(
    ("type_", "kind", "value"),
    [
        ("school", "urn", "100123"),
        ("post_16", "ukprn", "10012345"),
        ("other_la", "la_code", "938"),
        ("nhs_trust", "ods", "rj1"),
        ("health", "ods", "RJ122"),
        ("dfe", "", ""),
    ],
)
def test_identifiers_of_the_right_shape_are_accepted(admin_user, type_, kind, value):
    organisation = services.organisation_add(
        actor=admin_user,
        name="X",
        type=type_,
        identifier_kind=kind,
        identifier=value,
        contact_name="C",
        contact_email="c@example.invalid",
    )
    assert organisation.identifier == value.upper()


def test_every_organisation_error_at_once(admin_user):
    errors = _refused(
        lambda: services.organisation_add(
            actor=admin_user, name="", type="", contact_name="", contact_email="nope"
        )
    )
    assert set(errors) == {"name", "type", "contact_name", "contact_email"}


def test_an_identifier_is_one_organisations(admin_user, organisation):
    errors = _refused(
        lambda: services.organisation_add(
            actor=admin_user,
            name="Again",
            type="youth_support",
            identifier_kind="la_code",
            identifier="330",
            contact_name="C",
            contact_email="c@example.invalid",
        )
    )
    assert "already has this identifier" in errors["identifier"][0]
    # The same council's social care may share the youth support service's LA code.
    council = services.organisation_add(
        actor=admin_user,
        name="Northshire Children's Services",
        type="council",
        identifier_kind="la_code",
        identifier="330",
        contact_name="C",
        contact_email="c@example.invalid",
    )
    assert council.identifier == organisation.identifier


def test_an_edit_records_before_and_after(admin_user, organisation):
    values = {n: getattr(organisation, n) for n in services.ORGANISATION_FIELDS}
    changed = services.organisation_edit(
        actor=admin_user, organisation=organisation, **{**values, "contact_name": "Bo Lake"}
    )
    assert changed == 1
    change = SharingChange.objects.filter(organisation=organisation, field="contact_name").first()
    assert (change.before, change.after) == ("Ada Brook", "Bo Lake")


@pytest.mark.parametrize("role", [Role.MANAGER, Role.CASEWORKER, Role.RECIPIENT])
def test_only_an_admin_changes_sharing(role, organisation):
    someone = UserFactory(role=role)
    _refused(lambda: services.organisation_edit(actor=someone, organisation=organisation))
    _refused(lambda: services.agreement_draft(actor=someone, **agreement_values(organisation)))


# --- Recipient users ------------------------------------------------------------------------


def test_a_recipient_user_belongs_to_their_organisation(admin_user, organisation):
    added = services.recipient_user_add(
        actor=admin_user,
        organisation=organisation,
        username="youth1",
        first_name="Yan",
        last_name="Lee",
    )
    assert user_has_role(added.user, Role.RECIPIENT)
    assert added.user.recipient_membership.organisation == organisation
    assert added.set_password_path.startswith("/set-password/")
    assert list(selectors.organisation_members(organisation=organisation)) == [added.user]


def test_a_recipient_user_without_an_organisation_is_refused(admin_user):
    errors = _refused(
        lambda: services.recipient_user_add(
            actor=admin_user, organisation=None, username="x", first_name="X", last_name="Y"
        )
    )
    assert errors == {"organisation": [services.NO_ORGANISATION_MESSAGE]}
    _refused(
        lambda: services.recipient_user_ensure(
            organisation=None, username="x", first_name="X", last_name="Y", password="p" * 12
        )
    )


def test_the_staff_pages_cannot_make_a_recipient(admin_user):
    """Neither the staff add nor a role change gives the Recipient role: it comes with an
    organisation or not at all."""
    errors = _refused(
        lambda: staff_services.staff_add(
            actor=admin_user, username="r", first_name="R", last_name="S", role=Role.RECIPIENT
        )
    )
    assert errors["role"] == [staff_services.RECIPIENT_MESSAGE]
    person = UserFactory(role=Role.CASEWORKER)
    _refused(
        lambda: staff_services.staff_role_set(actor=admin_user, user=person, role=Role.RECIPIENT)
    )
    _refused(
        lambda: staff_services.staff_user_ensure(
            username="r", first_name="R", last_name="S", role=Role.RECIPIENT, password="p" * 12
        )
    )


def test_leaving_the_recipient_role_ends_the_membership(admin_user, organisation):
    added = services.recipient_user_add(
        actor=admin_user, organisation=organisation, username="y2", first_name="Y", last_name="Z"
    )
    staff_services.staff_role_set(actor=admin_user, user=added.user, role=Role.CASEWORKER)
    assert not RecipientMembership.objects.filter(user=added.user).exists()
    assert SharingChange.objects.filter(
        organisation=organisation, field="member", before="y2", after=""
    ).exists()


def test_a_person_belongs_to_one_organisation_only(admin_user, organisation):
    added = services.recipient_user_add(
        actor=admin_user, organisation=organisation, username="y3", first_name="Y", last_name="Z"
    )
    other = services.organisation_add(
        actor=admin_user,
        name="Other",
        type="dfe",
        contact_name="C",
        contact_email="c@example.invalid",
    )
    with transaction.atomic(), pytest.raises(IntegrityError):
        RecipientMembership.objects.create(user=added.user, organisation=other)


# --- Agreements -----------------------------------------------------------------------------


def test_a_draft_is_stored_and_audited(draft, admin_user):
    assert draft.state == "draft"
    assert draft.created_by == admin_user
    assert SharingChange.objects.filter(agreement=draft, field="state", after="Draft").exists()
    assert SharingChange.objects.filter(agreement=draft, field="categories").exists()


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"lawful_basis": ""}, "lawful_basis", "Article 6"),
        ({"categories": []}, "categories", "at least one data category"),
        (
            {"valid_to": datetime.date(2026, 3, 1)},
            "valid_to",
            "same as or after the start date",
        ),
        ({"min_age": 19, "max_age": 13}, "max_age", "minimum age (19)"),
        ({"categories": ["identity", "health"]}, "article9_condition", "Health and medical"),
        ({"categories": ["safeguarding"]}, "article9_condition", "special category"),
        ({"statutes": []}, "statutes", "statute"),
        ({"legal_statuses": []}, "legal_statuses", "legal statuses"),
        ({"scope": "school_roll"}, "scope", "youth support service"),
    ],
)
def test_bad_input_is_refused_naming_the_field(admin_user, organisation, changes, field, words):
    errors = _refused(
        lambda: services.agreement_draft(
            actor=admin_user, **agreement_values(organisation, **changes)
        )
    )
    assert list(errors) == [field]
    assert words in errors[field][0]


def test_every_agreement_error_at_once(admin_user, organisation):
    errors = _refused(
        lambda: services.agreement_draft(
            actor=admin_user,
            **agreement_values(
                organisation,
                lawful_basis="",
                categories=[],
                valid_to=datetime.date(2020, 1, 1),
                min_age=10,
                max_age=5,
            ),
        )
    )
    assert {"lawful_basis", "categories", "valid_to", "max_age"} <= set(errors)


def test_special_category_with_an_article_9_condition_is_accepted(admin_user, organisation):
    agreement = services.agreement_draft(
        actor=admin_user,
        **agreement_values(
            organisation, categories=["identity", "health"], article9_condition="9_2_h"
        ),
    )
    assert agreement.categories == ["identity", "health"]


def test_an_nhs_trust_receives_statistics_only(admin_user):
    trust = services.organisation_add(
        actor=admin_user,
        name="Northshire NHS Trust",
        type="nhs_trust",
        identifier_kind="ods",
        identifier="RX1",
        contact_name="C",
        contact_email="c@example.invalid",
    )
    errors = _refused(lambda: services.agreement_draft(actor=admin_user, **agreement_values(trust)))
    assert list(errors) == ["mode"]


def test_the_author_cannot_approve(draft, admin_user):
    before = SharingChange.objects.count()
    with pytest.raises(DomainError, match="another administrator must approve"):
        services.agreement_approve(actor=admin_user, agreement=draft)
    draft.refresh_from_db()
    assert draft.state == "draft"
    assert SharingChange.objects.count() == before


def test_the_database_refuses_an_own_approval_too(draft, admin_user):
    with transaction.atomic(), pytest.raises(IntegrityError):
        SharingAgreement.objects.filter(pk=draft.pk).update(
            state="approved", approved_by=admin_user
        )


@time_machine.travel(datetime.datetime(2026, 6, 1, 12, tzinfo=datetime.UTC), tick=False)
def test_a_second_admin_approves_and_it_is_active(draft, admin2):
    services.agreement_approve(actor=admin2, agreement=draft)
    draft.refresh_from_db()
    assert (draft.state, draft.approved_by) == ("approved", admin2)
    assert list(selectors.agreements_active()) == [draft]
    with pytest.raises(DomainError, match="Only a draft"):
        services.agreement_approve(actor=admin2, agreement=draft)
    with pytest.raises(DomainError, match="Only a draft can be changed"):
        services.agreement_edit(
            actor=admin2, agreement=draft, **agreement_values(draft.organisation)
        )


@time_machine.travel(datetime.datetime(2026, 6, 1, 12, tzinfo=datetime.UTC), tick=False)
def test_suspending_ends_release_at_once(draft, admin2, admin_user):
    services.agreement_approve(actor=admin2, agreement=draft)
    assert _refused(
        lambda: services.agreement_suspend(actor=admin_user, agreement=draft, reason=" ")
    ) == {"reason": ["Enter why the agreement is suspended"]}
    services.agreement_suspend(actor=admin_user, agreement=draft, reason="Breach reported")
    assert not selectors.agreements_active().exists()
    draft.refresh_from_db()
    assert draft.status_on(datetime.date(2026, 6, 1)) == "Suspended"


def test_active_is_in_date_on_the_london_day(draft, admin2):
    """valid_to 31 March 2027: at 23:30 UTC on 31 March (00:30 on 1 April in London, BST) it
    has expired; at 23:30 UTC on 30 March it is still active."""
    with time_machine.travel(datetime.datetime(2026, 6, 1, tzinfo=datetime.UTC), tick=False):
        services.agreement_approve(actor=admin2, agreement=draft)
    with time_machine.travel(datetime.datetime(2027, 3, 30, 23, 30, tzinfo=datetime.UTC)):
        assert selectors.agreements_active().exists()
    with time_machine.travel(datetime.datetime(2027, 3, 31, 23, 30, tzinfo=datetime.UTC)):
        assert not selectors.agreements_active().exists()
        draft.refresh_from_db()
        assert draft.status_on(services.today()) == "Expired"
    assert not selectors.agreements_active(on=datetime.date(2026, 3, 31)).exists()


def test_due_for_review(draft, admin2):
    with time_machine.travel(datetime.datetime(2026, 6, 1, tzinfo=datetime.UTC), tick=False):
        services.agreement_approve(actor=admin2, agreement=draft)
    assert not selectors.agreements_due_for_review(on=datetime.date(2026, 12, 31)).exists()
    assert list(selectors.agreements_due_for_review(on=datetime.date(2027, 1, 1))) == [draft]
    assert list(selectors.agreements_due_for_review(on=datetime.date(2027, 2, 15))) == [draft]
    # Expired: not for review any more.
    assert not selectors.agreements_due_for_review(on=datetime.date(2027, 4, 1)).exists()


def test_the_staff_forms_do_not_offer_the_recipient_role():
    from staff.forms import StaffAddForm, StaffRoleForm

    for form in (StaffAddForm(), StaffRoleForm()):
        assert Role.RECIPIENT.value not in dict(form.fields["role"].choices)
