"""The staff accounts' own audit trail."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class StaffChange(models.Model):
    """One change to a staff account: who made it, when, which part of the account, and its
    value before and after (ADR 7). Written by staff.services alone, in the same transaction
    as the change; never edited. `actor` is empty for a management command run on the server
    (add_staff_user, seed_demo). Values are role names, yes/no and states, never a password,
    a code or a link."""

    class Field(models.TextChoices):
        ACCOUNT = "account", "Account"
        USERNAME = "username", "Username"
        FIRST_NAME = "first_name", "First name"
        LAST_NAME = "last_name", "Last name"
        EMAIL = "email", "Email address"
        ROLE = "role", "Role"
        SENSITIVE = "sensitive", "Sensitive information"
        ACTIVE = "active", "Active"
        PASSWORD = "password", "Password"
        TWO_FACTOR = "two_factor", "Two-factor sign-in"
        LOCKOUT = "lockout", "Locked out"
        CASELOAD = "caseload", "Caseload"

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff_changes_made",
    )
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="staff_changes"
    )
    at = models.DateTimeField(auto_now_add=True)
    field = models.CharField(max_length=20, choices=Field.choices)
    before = models.CharField(max_length=200, blank=True)
    after = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["subject", "-at"], name="staff_change_subject_at")]

    def __str__(self) -> str:
        return f"Staff change {self.pk} ({self.field})"
