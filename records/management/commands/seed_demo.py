"""Create the demo users and synthetic children: `manage.py seed_demo --children N`."""

from __future__ import annotations

import os

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from records.demo import DemoStaff, seed_children
from records.models import Child
from virtualschool.roles import Perm, Role
from virtualschool.services import staff_user_ensure

# username, first and last name, role, individual permissions. `caseworker` may see sensitive
# categories (health, safeguarding, family, criminal); `caseworker2` may not, so the demo
# shows both.
DEMO_USERS = (
    ("caseworker", "Sam", "Okafor", Role.CASEWORKER, (Perm.VIEW_SENSITIVE,)),
    ("caseworker2", "Priya", "Sharma", Role.CASEWORKER, ()),
    ("manager", "Helen", "Carter", Role.MANAGER, ()),
    ("admin", "Tom", "Fletcher", Role.ADMIN, ()),
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
            "--if-empty",
            action="store_true",
            help="only add children when there are none yet (users are always brought up to date)",
        )

    def handle(self, *args, children: int, seed: int, password: str, if_empty: bool, **options):
        if not password:
            raise CommandError("Give the demo users' password with --password or DEMO_PASSWORD.")
        if children < 0:
            raise CommandError("--children must be 0 or more.")
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
            if if_empty and Child.objects.exists():
                self.stdout.write("Demo children already present; users brought up to date.")
                return
            staff = DemoStaff(
                manager=users["manager"], caseworkers=(users["caseworker"], users["caseworker2"])
            )
            created = seed_children(
                count=children, seed=seed, staff=staff, today=timezone.localdate()
            )
        self.stdout.write(f"Created {created} synthetic children and the demo users.")
