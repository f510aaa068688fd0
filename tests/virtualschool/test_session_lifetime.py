"""Sessions end SESSION_ABSOLUTE_HOURS after sign-in, however active, beside the idle timeout."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.test import override_settings
from django.urls import reverse

from tests.conftest import signed_in

pytestmark = pytest.mark.django_db

START = datetime.datetime(2026, 1, 5, 8, 0, tzinfo=datetime.UTC)


def _keep_busy_until(client, clock, end: datetime.datetime) -> None:
    """A request every 20 minutes, inside the 30-minute idle timeout, up to `end`."""
    moment = START
    while moment + datetime.timedelta(minutes=20) < end:
        moment += datetime.timedelta(minutes=20)
        clock.move_to(moment)
        response = client.get(reverse("home"))
        assert response.status_code == 200, moment


def test_an_active_session_ends_twelve_hours_after_sign_in(caseworker):
    with time_machine.travel(START, tick=False) as clock:
        client = signed_in(caseworker)
        last_minute = START + datetime.timedelta(hours=12) - datetime.timedelta(minutes=1)
        _keep_busy_until(client, clock, last_minute)
        clock.move_to(last_minute)
        assert client.get(reverse("home")).status_code == 200
        clock.move_to(START + datetime.timedelta(hours=12))
        response = client.get(reverse("home"))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("sign-in"))
        # The session is gone, not just this request: the API refuses it too.
        assert client.get(reverse("api:child-list")).status_code == 403
        assert "_auth_user_id" not in client.session


@override_settings(SESSION_ABSOLUTE_HOURS=2)
def test_the_absolute_lifetime_is_configurable(caseworker):
    with time_machine.travel(START, tick=False) as clock:
        client = signed_in(caseworker)
        _keep_busy_until(client, clock, START + datetime.timedelta(hours=2))
        clock.move_to(START + datetime.timedelta(hours=2))
        assert client.get(reverse("home"))["Location"].startswith(reverse("sign-in"))
        # Signing in again starts a new lifetime.
        client = signed_in(caseworker)
        assert client.get(reverse("home")).status_code == 200


def test_a_signed_in_session_without_a_sign_in_time_is_ended(caseworker):
    from virtualschool.middleware import SIGNED_IN_AT_SESSION_KEY

    client = signed_in(caseworker)
    session = client.session
    del session[SIGNED_IN_AT_SESSION_KEY]
    session.save()
    assert client.get(reverse("home"))["Location"].startswith(reverse("sign-in"))


def test_the_setting_reads_the_environment():
    import os
    import subprocess
    import sys
    from pathlib import Path

    env = {**os.environ, "SESSION_ABSOLUTE_HOURS": "7"}
    result = subprocess.run(  # noqa: S603 - fixed arguments
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; "
            "print(settings.SESSION_ABSOLUTE_HOURS)",
        ],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip().splitlines()[-1] == "7"


@pytest.mark.parametrize("value", ["0", "-3", "twelve"])
def test_a_lifetime_that_is_not_a_positive_whole_number_stops_start_up(value):
    import os
    import subprocess
    import sys
    from pathlib import Path

    result = subprocess.run(  # noqa: S603 - fixed arguments
        [sys.executable, "manage.py", "check"],
        cwd=Path(__file__).resolve().parents[2],
        env={**os.environ, "SESSION_ABSOLUTE_HOURS": value},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "SESSION_ABSOLUTE_HOURS must be" in result.stderr
