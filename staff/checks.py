"""System checks for staff accounts."""

from __future__ import annotations

from django.core.checks import Error, Tags, register

from staff.access import on_leaving_role
from virtualschool.roles import Role


@register(Tags.security)
def check_caseworker_access_ends(app_configs, **kwargs) -> list[Error]:
    """Leaving the Caseworker role must end the person's per-child access (issue 11, door 4):
    records registers how from RecordsConfig.ready()."""
    if on_leaving_role(Role.CASEWORKER):
        return []
    return [
        Error(
            "Nothing ends a caseworker's access to children when they leave the role.",
            hint="Register it with staff.access.on_leaving_role_register (records does).",
            id="staff.E001",
        )
    ]
