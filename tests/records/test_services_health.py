"""Health's own rules: a condition and a professional as the service tidies and refuses them.

The pages, API, optimistic lock, sensitive hiding and access of its sections are the section
contract's (tests/records/test_section_contract.py)."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from records.models import HealthCondition, HealthProfessional
from records.services import health as services
from virtualschool.errors import DomainError
from virtualschool.roles import Perm

pytestmark = pytest.mark.django_db
TAB = "health"


@pytest.fixture
def sensitive_caseworker(caseworker):
    caseworker.user_permissions.add(Permission.objects.get(codename=Perm.VIEW_SENSITIVE.value))
    return caseworker


def _add(child, section="conditions"):
    return reverse("records:section-add", kwargs={"pk": child.pk, "tab": TAB, "section": section})


def test_create_a_condition_through_the_page(client_for, sensitive_caseworker, child, allocate):
    allocate(child, sensitive_caseworker)
    response = client_for(sensitive_caseworker).post(
        _add(child), {"condition": "  Epilepsy ", "needs": "Seizure plan in the office"}
    )
    assert response.status_code == 302
    row = HealthCondition.objects.get(child=child)
    assert (row.condition, row.needs) == ("Epilepsy", "Seizure plan in the office")


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"condition": "   "}, "condition", "Enter the condition or medical need"),
        ({"condition": "x" * 201}, "condition", "at most 200 characters"),
    ],
)
def test_bad_condition_is_refused_and_nothing_saved(manager, child, fields, field, message):
    with pytest.raises(DomainError) as raised:
        services.health_condition_record(actor=manager, child=child, **fields)
    assert message in " ".join(raised.value.message_dict[field])
    assert not HealthCondition.objects.exists()


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"role": " ", "name": "Sam Example"}, "role", "Enter the professional's role"),
        ({"role": "GP", "name": ""}, "name", "Enter the professional's name"),
    ],
)
def test_bad_professional_is_refused_and_nothing_saved(manager, child, fields, field, message):
    with pytest.raises(DomainError) as raised:
        services.health_professional_record(actor=manager, child=child, **fields)
    assert message in " ".join(raised.value.message_dict[field])
    assert not HealthProfessional.objects.exists()
