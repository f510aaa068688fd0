"""Imports of files: what was imported, by whom, how far it has got, and what was rejected.

An ImportRun is operational data about a file, not a child's record: it names no child.
Rejection reasons name the row, the field and the rule, never the value (a rejected UPN or
name is not copied into the report).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from records.categories import declare
from records.models.attendance import Session
from records.models.child import BatchEvent, Child


class ImportKind(models.TextChoices):
    ATTENDANCE = "attendance", "Attendance (school extract, CSV)"
    CTF = "ctf", "Common Transfer File (XML)"
    SCHOOLS = "schools", "Schools register (GIAS establishments CSV)"
    SSDA903 = "903", "SSDA903 looked-after children return (CSV or XML)"
    CIN = "cin", "Children in Need census (XML)"


class ImportRun(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting to start"
        RUNNING = "running", "Importing"
        SUCCEEDED = "succeeded", "Imported"
        REJECTED = "rejected", "Not imported: rows were rejected"
        FAILED = "failed", "Not imported: the file could not be read"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=12, choices=ImportKind.choices)
    file_name = models.CharField(max_length=255)
    stored_path = models.CharField(max_length=500, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    size = models.BigIntegerField(default=0)
    import_valid_rows = models.BooleanField(
        default=False, help_text="Import the valid rows even when some rows are rejected"
    )
    options = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    # Progress, written while the import runs (see records/imports/progress.py).
    total_rows = models.PositiveIntegerField(null=True, blank=True)
    processed_rows = models.PositiveIntegerField(default=0)
    # rows_read, children_matched, created, updated, unchanged, rejected, ... per kind.
    counts = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True, help_text="Why the file as a whole could not be read")
    # Per table of the file: {"Header": {"read": n, "imported": n, "warned": n, "rejected": n}};
    # the run's totals are their sums (records/imports/base.py ImportReport.table_counts).
    table_counts = models.JSONField(default=dict, blank=True)
    # [{"severity", "table", "field", "reason", "count"}]: how many rows each problem hit.
    reason_counts = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "created_at"], name="import_status_idx")]

    def __str__(self) -> str:
        return f"Import {self.pk}"

    @property
    def finished(self) -> bool:
        return self.status in {
            self.Status.SUCCEEDED,
            self.Status.REJECTED,
            self.Status.FAILED,
        }


class ImportRejection(models.Model):
    """A problem with a row: an error (the row was not imported) or a warning (it was
    imported, and `reason` says what was set aside and why)."""

    class Severity(models.TextChoices):
        ERROR = "error", "Not imported"
        WARNING = "warning", "Imported with a warning"

    run = models.ForeignKey(ImportRun, on_delete=models.CASCADE, related_name="rejections")
    severity = models.CharField(max_length=7, choices=Severity.choices, default=Severity.ERROR)
    row_number = models.PositiveIntegerField(help_text="1 is the first row after the header")
    field = models.CharField(max_length=100, blank=True)
    reason = models.CharField(max_length=500)
    # The child the rejected row had been matched to, when it had been: no foreign key (a
    # rejection outlives nothing and blocks nothing), but indexed, so the data map reaches a
    # rejection from its child and retention removes a child's rejections with them. Never
    # set for a row whose identifiers matched no child, or more than one.
    child_id = models.UUIDField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["row_number", "id"]
        indexes = [models.Index(fields=["run", "row_number"], name="import_rejection_row_idx")]

    def __str__(self) -> str:
        return f"Rejection {self.pk}"


class AttendanceCodeChange(models.Model):
    """A session's code replaced by a later file or edit: the history the session row lost."""

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="+")
    date = models.DateField()
    session = models.CharField(max_length=2, choices=Session.choices)
    old_code = models.CharField(max_length=2)
    new_code = models.CharField(max_length=2)
    batch = models.ForeignKey(BatchEvent, on_delete=models.SET_NULL, null=True, related_name="+")
    changed_at = models.DateTimeField(auto_now_add=True)

    data_categories = declare(
        attendance=["date", "session", "old_code", "new_code"],
        not_personal=["id", "child", "batch", "changed_at"],
    )

    class Meta:
        ordering = ["date", "session", "changed_at"]
        indexes = [models.Index(fields=["child", "date"], name="attendance_change_child_idx")]

    def __str__(self) -> str:
        return f"Attendance code change {self.pk}"
