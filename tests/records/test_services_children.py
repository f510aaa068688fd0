import datetime

import pytest
import time_machine

from records import services
from records.models import Child
from tests.factories import ChildFactory
from virtualschool.errors import DomainError

pytestmark = pytest.mark.django_db

VALID = {
    "first_name": "Amelia",
    "last_name": "Hughes",
    "date_of_birth": datetime.date(2014, 5, 17),
    "gender": "F",
}


def test_child_create_saves_a_valid_child(manager):
    child = services.child_create(actor=manager, upn="b801200005001", **VALID)
    child.refresh_from_db()
    assert child.upn == "B801200005001"
    assert child.full_name == "Amelia Hughes"


@pytest.mark.parametrize(
    ("upn", "message"),
    [
        ("A801200005001", "check letter"),
        ("B80120000500", "13 characters"),
        ("I801200005001", "must start with a letter"),
    ],
)
def test_child_create_refuses_an_invalid_upn_and_saves_nothing(manager, upn, message):
    with pytest.raises(DomainError) as raised:
        services.child_create(actor=manager, upn=upn, **VALID)
    assert message in raised.value.message_dict["upn"][0]
    assert not Child.objects.exists()


def test_child_create_refuses_a_upn_another_child_has(manager):
    existing = ChildFactory()
    with pytest.raises(DomainError) as raised:
        services.child_create(actor=manager, upn=existing.upn, **VALID)
    assert raised.value.message_dict["upn"] == ["Another child already has this UPN"]
    assert Child.objects.count() == 1


@time_machine.travel(datetime.datetime(2026, 3, 1, 12, tzinfo=datetime.UTC))
def test_child_create_refuses_a_date_of_birth_in_the_future(manager):
    with pytest.raises(DomainError) as raised:
        services.child_create(
            actor=manager, **{**VALID, "date_of_birth": datetime.date(2026, 3, 2)}
        )
    assert raised.value.message_dict["date_of_birth"] == [
        "Date of birth must be today or in the past"
    ]
    assert not Child.objects.exists()


@time_machine.travel(datetime.datetime(2026, 3, 1, 23, 30, tzinfo=datetime.UTC))
def test_today_is_the_london_date(manager):
    # 23:30 UTC on 1 March is 23:30 GMT: 2 March is still in the future.
    with pytest.raises(DomainError):
        services.child_create(
            actor=manager, **{**VALID, "date_of_birth": datetime.date(2026, 3, 2)}
        )


@time_machine.travel(datetime.datetime(2026, 6, 1, 23, 30, tzinfo=datetime.UTC))
def test_a_birth_today_in_london_is_accepted_late_in_the_utc_day(manager):
    # 23:30 UTC on 1 June is 00:30 BST on 2 June in London.
    child = services.child_create(
        actor=manager, **{**VALID, "date_of_birth": datetime.date(2026, 6, 2)}
    )
    assert child.pk


def test_both_errors_are_reported_together(manager):
    with pytest.raises(DomainError) as raised:
        services.child_create(
            actor=manager,
            upn="A801200005001",
            **{**VALID, "date_of_birth": datetime.date(2999, 1, 1)},
        )
    assert set(raised.value.message_dict) == {"upn", "date_of_birth"}
