"""Safeguarding's own rules: what a court order may be (its dates and type).

The pages, API, optimistic lock and access of its sections are the section contract's
(tests/records/test_section_contract.py)."""

import datetime

import pytest

from records.models import CourtOrder
from records.services import safeguarding
from virtualschool.errors import DomainError

pytestmark = pytest.mark.django_db
D = datetime.date


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
