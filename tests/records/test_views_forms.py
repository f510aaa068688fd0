"""Bad input through the pages: a message next to the field, in the summary, nothing saved."""

import pytest
from django.urls import reverse
from django.utils import timezone

from records.models import Allocation, Child, LegalStatusEpisode
from tests.factories import UserFactory
from virtualschool.roles import Role

pytestmark = pytest.mark.django_db

CHILD = {
    "first_name": "Freya",
    "last_name": "Whitlock",
    "date_of_birth_0": "14",
    "date_of_birth_1": "9",
    "date_of_birth_2": "2013",
    "gender": "F",
    "upn": "B801200005001",
}


def _post(client, url, data):
    response = client.post(url, data)
    return response, response.content.decode()


def test_manager_adds_a_child(client_for, manager):
    response, _ = _post(client_for(manager), reverse("records:child-add"), CHILD)
    child = Child.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("records:child-detail", kwargs={"pk": child.pk})


def test_wrong_upn_check_letter_is_shown_next_to_the_field(client_for, manager):
    response, html = _post(
        client_for(manager), reverse("records:child-add"), {**CHILD, "upn": "A801200005001"}
    )
    assert response.status_code == 200
    assert "govuk-error-summary" in html
    assert 'href="#id_upn"' in html
    assert "UPN check letter does not match its numbers" in html
    assert "<title>Error:" in html
    assert not Child.objects.exists()


def test_date_of_birth_in_the_future_is_refused(client_for, manager):
    # Next year: a future date inside the years the service takes (2999 is refused as outside
    # 1900-2100 before the rule about the future is reached).
    next_year = str(timezone.localdate().year + 1)
    response, html = _post(
        client_for(manager), reverse("records:child-add"), {**CHILD, "date_of_birth_2": next_year}
    )
    assert "Date of birth must be today or in the past" in html
    assert 'href="#id_date_of_birth_0"' in html
    assert not Child.objects.exists()


def test_overlapping_episode_is_refused_on_the_page(client_for, manager, child):
    client = client_for(manager)
    url = reverse("records:episode-add", kwargs={"pk": child.pk})
    first = {
        "cohort": "CIN",
        "start_date_0": "1",
        "start_date_1": "4",
        "start_date_2": "2024",
    }
    assert client.post(url, first).status_code == 302
    response, html = _post(client, url, {**first, "start_date_1": "9"})
    assert response.status_code == 200
    assert "This overlaps the child in need episode from 1 April 2024 with no end date" in html
    assert LegalStatusEpisode.objects.count() == 1


def test_allocation_to_a_non_caseworker_is_refused_on_the_page(client_for, manager, child):
    another_manager = UserFactory(role=Role.MANAGER)
    response, html = _post(
        client_for(manager),
        reverse("records:allocation-add", kwargs={"pk": child.pk}),
        {"caseworker": another_manager.pk},
    )
    assert response.status_code == 200
    assert "Choose a caseworker from the list" in html
    assert 'href="#id_caseworker"' in html
    assert not Allocation.objects.exists()


def test_manager_allocates_and_ends_an_allocation(client_for, manager, caseworker, child):
    client = client_for(manager)
    response = client.post(
        reverse("records:allocation-add", kwargs={"pk": child.pk}), {"caseworker": caseworker.pk}
    )
    assert response.status_code == 302
    allocation = Allocation.objects.get()
    assert allocation.end_date is None
    client.post(
        reverse("records:allocation-end", kwargs={"pk": child.pk, "allocation_id": allocation.pk})
    )
    allocation.refresh_from_db()
    assert allocation.end_date is not None


def test_caseworker_adds_a_status_to_an_allocated_child(client_for, caseworker, child, allocate):
    allocate(child, caseworker)
    response = client_for(caseworker).post(
        reverse("records:episode-add", kwargs={"pk": child.pk}),
        {
            "cohort": "CLA",
            "legal_status": "C2",
            "start_date_0": "3",
            "start_date_1": "3",
            "start_date_2": "2025",
        },
    )
    assert response.status_code == 302
    assert child.episodes.get().legal_status == "C2"


def test_manager_reallocates_from_the_page(
    client_for, manager, caseworker, other_caseworker, child, allocate
):
    allocate(child, caseworker)
    response = client_for(manager).post(
        reverse("records:allocation-add", kwargs={"pk": child.pk}),
        {"caseworker": other_caseworker.pk, "reallocate": "on"},
    )
    assert response.status_code == 302
    open_allocations = Allocation.objects.filter(child=child, end_date__isnull=True)
    assert [a.caseworker for a in open_allocations] == [other_caseworker]
