from __future__ import annotations

import datetime

import pytest

from sharing import services
from tests.factories import UserFactory
from virtualschool.roles import Role


@pytest.fixture
def admin2(db):
    return UserFactory(username="admin_b", role=Role.ADMIN)


@pytest.fixture
def organisation(admin_user):
    return services.organisation_add(
        actor=admin_user,
        name="Northshire Youth Service",
        type="youth_support",
        identifier_kind="la_code",
        identifier="330",
        contact_name="Ada Brook",
        contact_email="youth@example.invalid",
    )


def agreement_values(organisation, **changes):
    values = {
        "name": "Youth support: s507B",
        "organisation": organisation,
        "purpose": "Youth support services for young people aged 13 to 19",
        "lawful_basis": "6_1_e",
        "article9_condition": "",
        "statutes": ["ea1996_s507b"],
        "categories": ["identity", "contact"],
        "legal_statuses": ["CLA", "PLAC"],
        "min_age": 13,
        "max_age": 19,
        "scope": "all",
        "mode": "identifiable",
        "retention_months": 24,
        "dpia_reference": "DPIA-2026-07",
        "valid_from": datetime.date(2026, 4, 1),
        "valid_to": datetime.date(2027, 3, 31),
        "review_date": datetime.date(2027, 1, 31),
    }
    values.update(changes)
    return values


@pytest.fixture
def draft(admin_user, organisation):
    return services.agreement_draft(actor=admin_user, **agreement_values(organisation))
