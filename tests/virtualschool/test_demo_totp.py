"""`make run`'s demo users share one TOTP secret; `python -m virtualschool.totp` prints the code
an authenticator app would show for it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from records.management.commands.seed_demo import DEMO_USERS
from virtualschool import totp

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "demo-password-for-tests"


def _code_from_the_command(secret: str) -> str:
    env = {**os.environ, "DEMO_TOTP_SECRET": secret}
    result = subprocess.run(  # noqa: S603 - fixed arguments
        [sys.executable, "-m", "virtualschool.totp"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


def test_every_demo_user_signs_in_with_the_printed_code():
    secret = totp.new_secret()
    call_command("seed_demo", children=0, password=PASSWORD, totp_secret=secret, verbosity=0)
    for username, *_ in DEMO_USERS:
        device = TOTPDevice.objects.get(user__username=username)
        assert device.confirmed
        client = Client()
        client.post(reverse("sign-in"), {"username": username, "password": PASSWORD})
        response = client.post(reverse("sign-in-code"), {"code": _code_from_the_command(secret)})
        assert response["Location"] == reverse("home"), username
        assert client.get(reverse("home")).status_code == 200


def test_seeding_again_keeps_the_device_and_a_new_secret_replaces_it():
    first = totp.new_secret()
    call_command("seed_demo", children=0, password=PASSWORD, totp_secret=first, verbosity=0)
    device = TOTPDevice.objects.get(user__username="manager")
    call_command("seed_demo", children=0, password=PASSWORD, totp_secret=first, verbosity=0)
    assert TOTPDevice.objects.get(user__username="manager").pk == device.pk
    second = totp.new_secret()
    call_command("seed_demo", children=0, password=PASSWORD, totp_secret=second, verbosity=0)
    replaced = TOTPDevice.objects.get(user__username="manager")
    assert replaced.bin_key == totp.parse_secret(second)


@pytest.mark.parametrize(
    ("secret", "message"),
    [
        ("not base32!", "base32"),
        ("ABCDEFGH", "16 to 64 base32 characters"),
        ("A" * 80, "16 to 64 base32 characters"),
    ],
)
def test_a_bad_demo_secret_is_refused_and_nothing_changes(secret, message):
    with pytest.raises(CommandError, match=message):
        call_command("seed_demo", children=0, password=PASSWORD, totp_secret=secret)
    assert not TOTPDevice.objects.exists()


def test_secrets_are_read_as_people_write_them():
    secret = "JBSWY3DPEHPK3PXP"
    assert totp.parse_secret("jbsw y3dp ehpk 3pxp") == totp.parse_secret(secret)
    assert totp.code_now(secret).isdigit() and len(totp.code_now(secret)) == 6


def test_the_command_explains_a_missing_secret(tmp_path):
    env = {key: value for key, value in os.environ.items() if key != "DEMO_TOTP_SECRET"}
    result = subprocess.run(  # noqa: S603 - fixed arguments
        [sys.executable, "-m", "virtualschool.totp", "bad!"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert "base32" in result.stderr
