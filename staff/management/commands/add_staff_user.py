"""Create or update a staff account with one role: how production gets its first Admin."""

from __future__ import annotations

import getpass

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from staff.services import staff_user_ensure
from virtualschool.roles import STAFF_ROLES, Role


class Command(BaseCommand):
    help = "Create or update a staff account with one role (Caseworker, Manager or Admin)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=[role.value for role in STAFF_ROLES])
        parser.add_argument("--first-name", default="")
        parser.add_argument("--last-name", default="")

    def handle(self, *args, username: str, role: str, first_name: str, last_name: str, **options):
        password = getpass.getpass(f"Password for {username}: ")
        if password != getpass.getpass("Password again: "):
            raise CommandError("The passwords do not match; nothing was changed.")
        try:
            validate_password(password)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        staff_user_ensure(
            username=username,
            first_name=first_name,
            last_name=last_name,
            role=Role(role),
            password=password,
        )
        self.stdout.write(f"{username} is now a {role}.")
