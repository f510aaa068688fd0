"""Fixtures shared by the API tests: users in every role, and a child with rows."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from records import services
from records.codes import Cohort
from records.services import notes, safeguarding
from tests.factories import ChildFactory, UserFactory
from virtualschool.roles import Perm, Role

ANON = "anonymous"
CASEWORKER = "caseworker"  # allocated the child, without the sensitive-categories permission
SENSITIVE_CASEWORKER = "caseworker with sensitive"  # allocated, with it
OTHER_CASEWORKER = "other caseworker"  # not allocated
MANAGER = "manager"
ADMIN = "admin"
ROLES = [ANON, CASEWORKER, SENSITIVE_CASEWORKER, OTHER_CASEWORKER, MANAGER, ADMIN]


def grant_sensitive(user):
    user.user_permissions.add(Permission.objects.get(codename=Perm.VIEW_SENSITIVE.value))
    return user


@pytest.fixture
def sensitive_caseworker(db):
    return grant_sensitive(UserFactory(username="caseworker_s", role=Role.CASEWORKER))


@pytest.fixture
def world(db, client_for, manager, caseworker, sensitive_caseworker, other_caseworker, admin_user):
    """One child allocated to two caseworkers (one with the sensitive permission), with a
    court order (sensitive), a housing note (open to all who see the child) and a family note
    (sensitive, hidden row by row)."""
    child = ChildFactory()
    services.episode_add(
        actor=manager, child=child, cohort=Cohort.CIN, start_date=child.date_of_birth
    )
    allocation = services.allocation_create(actor=manager, child=child, caseworker=caseworker)
    services.allocation_create(actor=manager, child=child, caseworker=sensitive_caseworker)
    made_on = max(child.date_of_birth, datetime.date(2024, 1, 1))
    court_order = safeguarding.court_order_record(
        actor=manager,
        child=child,
        order_type="care",
        court="Family Court at Leeds",
        made_on=made_on,
    )
    housing_note = notes.note_record(
        actor=manager, child=child, category="housing", text="Moved to a new flat", written_on=None
    )
    family_note = notes.note_record(
        actor=manager,
        child=child,
        category="family",
        text="Contact with birth father",
        written_on=None,
    )
    users = {
        CASEWORKER: caseworker,
        SENSITIVE_CASEWORKER: sensitive_caseworker,
        OTHER_CASEWORKER: other_caseworker,
        MANAGER: manager,
        ADMIN: admin_user,
    }
    return {
        "child": child,
        "allocation": allocation,
        "court_order": court_order,
        "housing_note": housing_note,
        "family_note": family_note,
        "users": users,
        "clients": {role: client_for(user) for role, user in users.items()},
    }


def api_url(name: str, **kwargs) -> str:
    return reverse(f"api:{name}", kwargs=kwargs or None)
