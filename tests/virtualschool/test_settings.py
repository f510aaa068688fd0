import datetime
import os
import subprocess
import sys
from pathlib import Path

import pytest
import time_machine
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[2]


def test_check_deploy_is_clean_in_production_mode():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "virtualschool.settings.production",
        "SECRET_KEY": "x" * 30 + "-a-long-random-production-secret-key",
        "ALLOWED_HOSTS": "virtualschool.example.gov.uk",
        "DEBUG": "false",
    }
    result = subprocess.run(  # noqa: S603 - fixed arguments
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    env["DJANGO_SETTINGS_MODULE"] = "virtualschool.settings.production"
    result = subprocess.run(  # noqa: S603 - fixed arguments
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "Set the SECRET_KEY environment variable" in result.stderr


@pytest.mark.django_db
def test_a_session_ends_after_thirty_idle_minutes_and_each_request_renews_it(caseworker):
    from tests.conftest import signed_in

    start = datetime.datetime(2026, 1, 5, 9, 0, tzinfo=datetime.UTC)
    with time_machine.travel(start, tick=False) as clock:
        client = signed_in(caseworker)
        clock.move_to(start + datetime.timedelta(minutes=25))
        assert client.get(reverse("home")).status_code == 200
        clock.move_to(start + datetime.timedelta(minutes=50))  # 25 idle minutes again
        assert client.get(reverse("home")).status_code == 200
        clock.move_to(start + datetime.timedelta(minutes=81))  # 31 idle minutes
        response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("sign-in"))


@pytest.mark.django_db
def test_sign_in_and_out(client, caseworker):
    from tests.conftest import second_factor_pass
    from tests.factories import PASSWORD

    page = client.get(reverse("sign-in"))
    assert page.status_code == 200
    bad = client.post(reverse("sign-in"), {"username": caseworker.username, "password": "wrong"})
    assert bad.status_code == 200
    assert "govuk-error-summary" in bad.content.decode()
    assert "Enter a correct username and password" in bad.content.decode()
    empty = client.post(reverse("sign-in"), {"username": "", "password": ""}).content.decode()
    assert "Enter your username" in empty
    assert 'href="#id_username"' in empty
    good = client.post(reverse("sign-in"), {"username": caseworker.username, "password": PASSWORD})
    assert good.status_code == 302
    # The password alone reaches only the second step.
    assert good["Location"].startswith(reverse("sign-in-code"))
    assert client.get(reverse("home"))["Location"].startswith(reverse("sign-in-code"))
    second_factor_pass(client, caseworker)
    assert client.get(reverse("home")).status_code == 200
    client.post(reverse("sign-out"))
    assert client.get(reverse("home")).status_code == 302
