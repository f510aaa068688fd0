"""The contract every importer keeps, and the report it returns.

An importer reads one file and writes what it finds through the record's services or, for
bulk data, in SQL (COPY into a temporary table, validate and upsert in the database). It runs
inside the transaction that records/services/imports.py opens for it, so a crash, a killed
worker or a rejected file leaves the database as it was: the executor rolls the whole file
back unless every row was valid or the user chose to import the valid rows.

An importer never lets one bad row stop the file: it adds a rejection (row number, field,
rule broken) and goes on. It raises FileUnreadableError only when the file as a whole cannot be
read (not the format it claims, binary, empty, too large, malformed beyond a row).
"""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from records.imports.progress import Progress
from records.models import ImportRun

# Rejections kept per file: past this the report says how many more there were.
MAX_REJECTIONS = 10_000


class FileUnreadableError(Exception):
    """The file as a whole cannot be imported; the message says why, for a person."""


@dataclass(frozen=True)
class Rejection:
    row: int  # 1 = the first row after any header; for XML, the n-th pupil/child element
    field: str
    reason: str  # the rule broken, never the rejected value itself
    child_id: uuid.UUID | None = None  # the child the row had been matched to, if it had been


@dataclass
class ImportReport:
    """What an importer found. `counts` keys are shown as they are named (e.g. rows_read,
    children_matched, sessions_created, sessions_updated, sessions_unchanged)."""

    counts: Counter[str] = field(default_factory=Counter)
    rejections: list[Rejection] = field(default_factory=list)
    rejected_rows: set[int] = field(default_factory=set)
    more_rejections: int = 0
    # The children the file wrote to, each with what was written for them (e.g.
    # {"sessions": 3}): records/services/imports.py gives each an access-log entry and a line
    # in their history. `created` are those the file added (gone again if it is rolled back).
    touched: dict[uuid.UUID, Counter[str]] = field(default_factory=dict)
    created: set[uuid.UUID] = field(default_factory=set)

    def reject(
        self, row: int, field_name: str, reason: str, *, child_id: uuid.UUID | None = None
    ) -> None:
        """Reject a row; `child_id` only when the row had been matched to exactly one child."""
        self.rejected_rows.add(row)
        if len(self.rejections) < MAX_REJECTIONS:
            self.rejections.append(Rejection(row, field_name, reason, child_id))
        else:
            self.more_rejections += 1

    def touch(self, child_id: uuid.UUID, *, created: bool = False, **counts: int) -> None:
        """Note that the file wrote to this child: `counts` of what (names in
        records/services/imports.py TOUCH_NAMES); kept only for rows that are kept."""
        self.touched.setdefault(child_id, Counter()).update(
            {name: value for name, value in counts.items() if value}
        )
        if created:
            self.created.add(child_id)

    @property
    def rejected(self) -> int:
        return len(self.rejected_rows)

    def as_counts(self) -> dict[str, Any]:
        return {**dict(self.counts), "rows_rejected": self.rejected}


class Importer(Protocol):
    """One file format. `kind` is an ImportKind value; `run` reads `path` and writes."""

    kind: str

    def run(self, *, run: ImportRun, path: Path, progress: Progress) -> ImportReport: ...
