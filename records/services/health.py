"""Writes to health (a sensitive category): conditions and needs, and health professionals.

Who may call these is decided by the caller's permission check (records/permissions.py:
can_change_child plus the sensitive-categories permission); these enforce the record's rules.
"""

from __future__ import annotations

from django.contrib.auth.base_user import AbstractBaseUser

from records.models import Child, HealthCondition, HealthProfessional
from records.services.locking import record_create, record_update
from records.services.rules import raise_if


def _required(errors: dict[str, list[str]], field: str, value: str, message: str) -> None:
    if not value:
        errors.setdefault(field, []).append(message)


def _condition_values(*, condition: str, needs: str) -> dict[str, str]:
    values = {"condition": condition.strip(), "needs": needs.strip()}
    errors: dict[str, list[str]] = {}
    _required(errors, "condition", values["condition"], "Enter the condition or medical need")
    raise_if(errors)
    return values


def health_condition_record(
    *, actor: AbstractBaseUser | None, child: Child, condition: str, needs: str = ""
) -> HealthCondition:
    """Record a medical condition and the support the child needs for it at school.

    Rules: the condition is named (not blank once spaces are removed).
    """
    return record_create(
        actor=actor,
        instance=HealthCondition(
            child=child, **_condition_values(condition=condition, needs=needs)
        ),
    )


def health_condition_update(
    *,
    actor: AbstractBaseUser | None,
    instance: HealthCondition,
    expected_version: int,
    condition: str,
    needs: str = "",
) -> HealthCondition:
    """Change a condition under the same rules, if nobody else changed it first."""
    return record_update(
        actor=actor,
        instance=instance,
        expected_version=expected_version,
        changes=_condition_values(condition=condition, needs=needs),
    )


def _professional_values(
    *, role: str, name: str, organisation: str, contact_details: str
) -> dict[str, str]:
    values = {
        "role": role.strip(),
        "name": name.strip(),
        "organisation": organisation.strip(),
        "contact_details": contact_details.strip(),
    }
    errors: dict[str, list[str]] = {}
    _required(errors, "role", values["role"], "Enter the professional's role")
    _required(errors, "name", values["name"], "Enter the professional's name")
    raise_if(errors)
    return values


def health_professional_record(
    *,
    actor: AbstractBaseUser | None,
    child: Child,
    role: str,
    name: str,
    organisation: str = "",
    contact_details: str = "",
) -> HealthProfessional:
    """Record a health professional involved with the child (school nurse, CAMHS, GP...).

    Rules: the role and name are given (not blank once spaces are removed).
    """
    return record_create(
        actor=actor,
        instance=HealthProfessional(
            child=child,
            **_professional_values(
                role=role, name=name, organisation=organisation, contact_details=contact_details
            ),
        ),
    )


def health_professional_update(
    *,
    actor: AbstractBaseUser | None,
    instance: HealthProfessional,
    expected_version: int,
    role: str,
    name: str,
    organisation: str = "",
    contact_details: str = "",
) -> HealthProfessional:
    """Change a health professional under the same rules, if nobody else changed it first."""
    return record_update(
        actor=actor,
        instance=instance,
        expected_version=expected_version,
        changes=_professional_values(
            role=role, name=name, organisation=organisation, contact_details=contact_details
        ),
    )
