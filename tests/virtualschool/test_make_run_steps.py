"""What `make run` does after installing: migrate, seed_demo, serve the home page to each user."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse

from records.models import Allocation, Child
from records.upn import is_valid_upn
from virtualschool import totp

pytestmark = pytest.mark.django_db
PASSWORD = "demo-password-for-tests"
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
DEMO_USERS = ["caseworker", "caseworker2", "manager", "admin"]


def test_migrations_are_complete():
    # A model change without its migration would make `make run` fail on a fresh database.
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def test_seed_demo_then_every_demo_user_gets_the_home_page():
    call_command("migrate", verbosity=0)
    call_command("seed_demo", children=12, password=PASSWORD, totp_secret=TOTP_SECRET, verbosity=0)
    assert Child.objects.count() == 12
    assert all(
        is_valid_upn(upn) for upn in Child.objects.exclude(upn="").values_list("upn", flat=True)
    )
    assert Allocation.objects.exists()
    for username in DEMO_USERS:
        client = Client()
        # As a newcomer does: the password, then the code printed for the shared secret.
        step = client.post(reverse("sign-in"), {"username": username, "password": PASSWORD})
        assert step["Location"] == reverse("sign-in-code"), username
        done = client.post(step["Location"], {"code": totp.code_now(TOTP_SECRET)})
        assert done["Location"] == reverse("home"), username
        response = client.get(reverse("home"))
        assert response.status_code == 200, username
        assert "Welcome" in response.content.decode()
        assert client.get(reverse("records:caseload")).status_code == 200


def test_seed_demo_is_reproducible_and_if_empty_adds_nothing_more():
    call_command("seed_demo", children=5, password=PASSWORD, seed=7, verbosity=0)
    first = sorted(Child.objects.values_list("first_name", "last_name", "date_of_birth"))
    call_command("seed_demo", children=5, password=PASSWORD, if_empty=True, verbosity=0)
    assert Child.objects.count() == 5
    Child.objects.all().delete()
    call_command("seed_demo", children=5, password=PASSWORD, seed=7, verbosity=0)
    # Dates of birth are relative to today; names and their order are fixed by the seed.
    again = sorted(Child.objects.values_list("first_name", "last_name", "date_of_birth"))
    assert [row[:2] for row in first] == [row[:2] for row in again]


def test_seed_demo_needs_a_password(monkeypatch):
    monkeypatch.delenv("DEMO_PASSWORD", raising=False)
    with pytest.raises(CommandError, match="password"):
        call_command("seed_demo", children=1, password="")


def test_the_demo_shows_a_caseworker_with_and_one_without_sensitive_access():
    from records.permissions import can_view_sensitive

    call_command("seed_demo", children=3, password=PASSWORD, verbosity=0)
    users = {user.username: user for user in get_user_model().objects.all()}
    assert can_view_sensitive(users["caseworker"])
    assert not can_view_sensitive(users["caseworker2"])
    assert can_view_sensitive(users["manager"])
    assert not can_view_sensitive(users["admin"])


def test_seed_demo_fills_every_area_of_the_record():
    from records import models

    call_command("seed_demo", children=30, password=PASSWORD, verbosity=0)
    for model in (
        models.Characteristics,
        models.FreeSchoolMealsPeriod,
        models.Enrolment,
        models.AttendanceSession,
        models.AttendanceSummary,
        models.AssessmentResult,
        models.Exclusion,
        models.CourtOrder,
        models.ProfessionalInvolvement,
        models.HealthCondition,
        models.Note,
        models.Contact,
    ):
        assert model.objects.exists(), model.__name__
