"""Health (sensitive): conditions and professionals through the pages and services, the
optimistic lock, bad input refused, and the tab hidden without the sensitive permission."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from records.models import AccessLogEntry, HealthCondition, HealthProfessional
from records.services import health as services
from virtualschool.errors import DomainError
from virtualschool.roles import Perm

pytestmark = pytest.mark.django_db
TAB = "health"


@pytest.fixture
def sensitive_caseworker(caseworker):
    caseworker.user_permissions.add(Permission.objects.get(codename=Perm.VIEW_SENSITIVE.value))
    return caseworker


@pytest.fixture
def condition(manager, child):
    return services.health_condition_record(
        actor=manager, child=child, condition="Asthma", needs="Inhaler kept in class"
    )


def _tab(child):
    return reverse("records:tab", kwargs={"pk": child.pk, "tab": TAB})


def _add(child, section="conditions"):
    return reverse("records:section-add", kwargs={"pk": child.pk, "tab": TAB, "section": section})


def _edit(child, item, section="conditions"):
    return reverse(
        "records:section-edit",
        kwargs={"pk": child.pk, "tab": TAB, "section": section, "item": item.pk},
    )


def test_create_a_condition_through_the_page(client_for, sensitive_caseworker, child, allocate):
    allocate(child, sensitive_caseworker)
    response = client_for(sensitive_caseworker).post(
        _add(child), {"condition": "  Epilepsy ", "needs": "Seizure plan in the office"}
    )
    assert response.status_code == 302
    row = HealthCondition.objects.get(child=child)
    assert (row.condition, row.needs) == ("Epilepsy", "Seizure plan in the office")


def test_create_a_professional_through_the_page(client_for, manager, child):
    response = client_for(manager).post(
        _add(child, "professionals"),
        {
            "role": "School nurse",
            "name": "Alex Example",
            "organisation": "0-19 Service",
            "contact_details": "01632 960 001",
        },
    )
    assert response.status_code == 302
    assert HealthProfessional.objects.get(child=child).role == "School nurse"


def test_view_lists_the_rows(client_for, manager, child, condition):
    services.health_professional_record(
        actor=manager, child=child, role="CAMHS practitioner", name="Sam Example"
    )
    html = client_for(manager).get(_tab(child)).content.decode()
    for text in ("Asthma", "Inhaler kept in class", "CAMHS practitioner", "Sam Example"):
        assert text in html


def test_edit_with_the_version_read(client_for, manager, child, condition):
    client = client_for(manager)
    assert (
        'name="expected_version" value="1"' in client.get(_edit(child, condition)).content.decode()
    )
    response = client.post(
        _edit(child, condition),
        {"expected_version": "1", "condition": "Asthma", "needs": "Two inhalers"},
    )
    assert response.status_code == 302
    condition.refresh_from_db()
    assert (condition.needs, condition.version) == ("Two inhalers", 2)


def test_a_stale_save_is_refused_and_the_first_kept(client_for, manager, child, condition):
    services.health_condition_update(
        actor=manager,
        instance=condition,
        expected_version=1,
        condition="Asthma",
        needs="First save",
    )
    response = client_for(manager).post(
        _edit(child, condition), {"expected_version": "1", "condition": "Asthma", "needs": "Second"}
    )
    assert response.status_code == 200
    assert "Your changes have not been saved" in response.content.decode()
    condition.refresh_from_db()
    assert (condition.needs, condition.version) == ("First save", 2)


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


def test_a_bad_change_leaves_the_row_as_it_was(manager, child, condition):
    with pytest.raises(DomainError):
        services.health_condition_update(
            actor=manager, instance=condition, expected_version=1, condition="", needs="Changed"
        )
    condition.refresh_from_db()
    assert (condition.condition, condition.needs, condition.version) == (
        "Asthma",
        "Inhaler kept in class",
        1,
    )


def test_without_the_sensitive_permission_the_tab_is_hidden_and_404(
    client_for, caseworker, child, allocate, condition
):
    allocate(child, caseworker)
    client = client_for(caseworker)
    summary = client.get(reverse("records:child-detail", kwargs={"pk": child.pk})).content.decode()
    assert f'href="{_tab(child)}"' not in summary
    for url in (_tab(child), _add(child), _edit(child, condition)):
        assert client.get(url).status_code == 404
    assert client.post(_add(child), {"condition": "Eczema"}).status_code == 404
    assert HealthCondition.objects.count() == 1
    assert AccessLogEntry.objects.filter(
        user=caseworker, outcome=AccessLogEntry.Outcome.DENIED, page="tab-health"
    ).exists()


def test_a_caseworker_with_it_sees_the_tab(
    client_for, sensitive_caseworker, child, allocate, condition
):
    allocate(child, sensitive_caseworker)
    client = client_for(sensitive_caseworker)
    summary = client.get(reverse("records:child-detail", kwargs={"pk": child.pk})).content.decode()
    assert f'href="{_tab(child)}"' in summary
    assert "Asthma" in client.get(_tab(child)).content.decode()


def test_another_caseworker_cannot_reach_it(client_for, other_caseworker, child, condition):
    other_caseworker.user_permissions.add(
        Permission.objects.get(codename=Perm.VIEW_SENSITIVE.value)
    )
    assert client_for(other_caseworker).get(_tab(child)).status_code == 404


def test_tab_query_count_is_fixed(
    client_for, manager, child, condition, django_assert_max_num_queries
):
    client = client_for(manager)
    with django_assert_max_num_queries(40) as few:
        client.get(_tab(child))
    for number in range(8):
        services.health_condition_record(
            actor=manager, child=child, condition=f"Condition {number}"
        )
        services.health_professional_record(
            actor=manager, child=child, role=f"Role {number}", name="Sam Example"
        )
    with django_assert_max_num_queries(40) as many:
        client.get(_tab(child))
    assert len(few.captured_queries) == len(many.captured_queries)
