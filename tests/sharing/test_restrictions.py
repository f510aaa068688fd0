"""Per-child sharing restrictions: what each one is, who recorded it, refusals, history."""

from __future__ import annotations

import pytest
from auditlog.models import LogEntry

from records.datamap import DATA_MAP, Destruction
from sharing import services
from sharing.models import SharingRestriction
from tests.factories import ChildFactory, UserFactory
from virtualschool.errors import DomainError
from virtualschool.roles import Role

pytestmark = pytest.mark.django_db


def test_name_address_and_dob_only_is_for_youth_support(admin_user):
    child = ChildFactory()
    restriction = services.restriction_add(
        actor=admin_user,
        child=child,
        kind="nad_only",
        requested_by="parent",
        reason="The parent asked, as the model privacy notice allows",
    )
    assert restriction.recipient_type == "youth_support"
    assert (restriction.recorded_by, restriction.recorded_at is not None) == (admin_user, True)
    with pytest.raises(DomainError) as refused:
        services.restriction_add(
            actor=admin_user,
            child=child,
            kind="nad_only",
            recipient_type="school",
            requested_by="parent",
            reason="x",
        )
    assert "youth support" in refused.value.message_dict["recipient_type"][0]


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"kind": "no_such"}, "kind"),
        ({"recipient_type": ""}, "recipient_type"),
        ({"requested_by": "neighbour"}, "requested_by"),
        ({"reason": "  "}, "reason"),
    ],
)
def test_bad_restrictions_are_refused_and_nothing_is_stored(manager, values, field):
    base = {
        "kind": "do_not_share",
        "recipient_type": "other_la",
        "requested_by": "child",
        "reason": "Asked not to",
    }
    with pytest.raises(DomainError) as refused:
        services.restriction_add(actor=manager, child=ChildFactory(), **{**base, **values})
    assert list(refused.value.message_dict) == [field]
    assert not SharingRestriction.objects.exists()


def test_a_caseworker_or_recipient_cannot_record_one():
    for role in (Role.CASEWORKER, Role.RECIPIENT):
        with pytest.raises(DomainError):
            services.restriction_add(
                actor=UserFactory(role=role),
                child=ChildFactory(),
                kind="do_not_share",
                recipient_type="dfe",
                requested_by="parent",
                reason="x",
            )
    assert not SharingRestriction.objects.exists()


def test_a_restriction_is_in_the_data_map_and_the_childs_history(admin_user):
    entry = DATA_MAP.entry_for(SharingRestriction)
    assert entry is not None and entry.destruction is Destruction.DELETE
    child = ChildFactory()
    restriction = services.restriction_add(
        actor=admin_user,
        child=child,
        kind="do_not_share",
        recipient_type="post_16",
        requested_by="child",
        reason="Private reason",
    )
    log = LogEntry.objects.get_for_object(restriction).get()
    assert log.additional_data == {"child_id": str(child.pk)}
    assert "Private reason" not in str(log.changes)
    assert list(entry.rows_for_children([child.pk])) == [restriction]
