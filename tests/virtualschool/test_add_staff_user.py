import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

from virtualschool.roles import Role, user_roles

pytestmark = pytest.mark.django_db


def _answers(monkeypatch, *answers):
    replies = iter(answers)
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(replies))


def test_creates_an_admin_who_is_neither_staff_nor_superuser(monkeypatch):
    """No account reaches Django's admin site (is_staff) or passes every check
    (is_superuser): an Admin manages staff in the service's own pages (issue 11, door 1)."""
    _answers(monkeypatch, "a long enough passphrase", "a long enough passphrase")
    call_command("add_staff_user", "jsmith", role="Admin", first_name="Jo")
    user = get_user_model().objects.get(username="jsmith")
    assert user_roles(user) == [Role.ADMIN]
    assert not user.is_staff and not user.is_superuser
    assert user.check_password("a long enough passphrase")


def test_refuses_mismatched_or_weak_passwords_and_changes_nothing(monkeypatch):
    _answers(monkeypatch, "a long enough passphrase", "another passphrase")
    with pytest.raises(CommandError, match="do not match"):
        call_command("add_staff_user", "jsmith", role="Admin")
    _answers(monkeypatch, "short", "short")
    with pytest.raises(CommandError, match="too short"):
        call_command("add_staff_user", "jsmith", role="Admin")
    assert not get_user_model().objects.filter(username="jsmith").exists()
