"""Create the demo users and synthetic children: `manage.py seed_demo --children N`."""

from __future__ import annotations

import os

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from records.demo import DemoStaff, seed_children
from records.models import Child
from staff.services import staff_user_ensure
from virtualschool import two_factor
from virtualschool.demo import DemoContext, demo_parts
from virtualschool.errors import DomainError
from virtualschool.roles import Perm, Role

# username, first and last name, role, individual permissions. `caseworker` may see sensitive
# categories (health, safeguarding, family, criminal); `caseworker2` may not, so the demo
# shows both. Accounts are written through staff.services, as the staff pages write them.
DEMO_USERS = (
    ("caseworker", "Sam", "Okafor", Role.CASEWORKER, (Perm.VIEW_SENSITIVE,)),
    ("caseworker2", "Priya", "Sharma", Role.CASEWORKER, ()),
    ("manager", "Helen", "Carter", Role.MANAGER, ()),
    ("admin", "Tom", "Fletcher", Role.ADMIN, ()),
    # A second Admin, so the demo shows one Admin managing another (an Admin cannot change
    # their own role or account).
    ("admin2", "Grace", "Adeyemi", Role.ADMIN, ()),
)


class Command(BaseCommand):
    help = "Create the demo users and reproducible synthetic children (no real person)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--children", type=int, default=60, help="how many children")
        parser.add_argument(
            "--seed", type=int, default=2026, help="random seed (same seed, same data)"
        )
        parser.add_argument(
            "--password",
            default=os.environ.get("DEMO_PASSWORD", ""),
            help="the demo users' password (default: the DEMO_PASSWORD environment variable)",
        )
        parser.add_argument(
            "--totp-secret",
            default=os.environ.get("DEMO_TOTP_SECRET", ""),
            help=(
                "a base32 secret: every demo user's authenticator app, so one app (or "
                "`python -m virtualschool.totp`) gives the code for each of them (default: the "
                "DEMO_TOTP_SECRET environment variable; without one, each demo user sets up an "
                "app at first sign-in)"
            ),
        )
        parser.add_argument(
            "--api-token",
            default=os.environ.get("DEMO_API_TOKEN", ""),
            help=(
                "the secret of the demo's API token (the DfE's agreement): vs_ then at least 32 "
                "letters, digits, - or _ (default: the DEMO_API_TOKEN environment variable; "
                "without one, a token is made and its secret printed once)"
            ),
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="only add children when there are none yet (users are always brought up to date)",
        )

    def handle(
        self,
        *args,
        children: int,
        seed: int,
        password: str,
        totp_secret: str,
        api_token: str,
        if_empty: bool,
        **options,
    ):
        _check_options(password=password, children=children, totp_secret=totp_secret)
        with transaction.atomic():
            users = {
                username: staff_user_ensure(
                    username=username,
                    first_name=first,
                    last_name=last,
                    role=role,
                    password=password,
                    permissions=permissions,
                )
                for username, first, last, role, permissions in DEMO_USERS
            }
            if totp_secret:
                for user in users.values():
                    two_factor.authenticator_set(user=user, secret=totp_secret)
            today = timezone.localdate()
            created = None
            if not (if_empty and Child.objects.exists()):
                staff = DemoStaff(
                    manager=users["manager"],
                    caseworkers=(users["caseworker"], users["caseworker2"]),
                    decider=users["admin"],
                )
                created = seed_children(count=children, seed=seed, staff=staff, today=today)
            context = DemoContext(users=users, password=password, today=today, api_token=api_token)
            try:
                _other_parts(context, totp_secret)
            except DomainError as error:
                raise CommandError("; ".join(error.messages)) from None
        if created is None:
            self.stdout.write("Demo children already present; users brought up to date.")
        else:
            self.stdout.write(f"Created {created} synthetic children and the demo users.")
        for note in context.notes:
            self.stdout.write(note)


def _check_options(*, password: str, children: int, totp_secret: str) -> None:
    if not password:
        raise CommandError("Give the demo users' password with --password or DEMO_PASSWORD.")
    if children < 0:
        raise CommandError("--children must be 0 or more.")
    if totp_secret:
        try:
            two_factor.secret_from_base32(totp_secret)
        except DomainError as error:
            raise CommandError(f"--totp-secret / DEMO_TOTP_SECRET: {error.messages[0]}") from None


def _other_parts(context: DemoContext, totp_secret: str) -> None:
    """Other apps' demo data (sharing's organisations, agreements and recipient users), their
    accounts given the demo authenticator secret as the staff are."""
    for part in demo_parts():
        for user in part(context).values():
            if totp_secret:
                two_factor.authenticator_set(user=user, secret=totp_secret)
