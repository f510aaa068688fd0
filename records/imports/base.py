"""The contract every importer keeps, and the report it returns.

An importer reads one file and writes what it finds through the record's services or, for
bulk data, in SQL (COPY into a temporary table, validate and upsert in the database). It runs
inside the transaction that records/services/imports.py opens for it, so a crash, a killed
worker or a rejected file leaves the database as it was: the executor rolls the whole file
back unless every row was valid or the user chose to import the valid rows.

An importer never lets one bad row stop the file: it adds a rejection (row number, field,
rule broken) and goes on. A problem that leaves the row's meaning clear is a warning instead:
the row is imported, and the warning says what was set aside and why (an invalid UPN not kept
as the UPN, an unknown optional code dropped). Only errors stop a file being imported.
Rows are counted per table of the file (a 903 Header row 3 and Episodes row 3 are two rows),
and the run's totals are the sums of the tables. It raises FileUnreadableError only when the
file as a whole cannot be read (not the format it claims, binary, empty, too large, malformed
beyond a row).
"""

from __future__ import annotations

import re
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from records.imports.progress import Progress
from records.models import ImportRun

# Rejections kept per file: past this the report says how many more there were.
MAX_REJECTIONS = 10_000
ERROR, WARNING = "error", "warning"  # records.models.ImportRejection.Severity
_INDEX = re.compile(r"\[\d+\]")


class FileUnreadableError(Exception):
    """The file as a whole cannot be imported; the message says why, for a person."""


@dataclass(frozen=True)
class Rejection:
    row: int  # 1 = the first row after any header; for XML, the n-th pupil/child element
    field: str
    reason: str  # the rule broken, never the rejected value itself
    child_id: uuid.UUID | None = None  # the child the row had been matched to, if it had been
    severity: str = ERROR  # ERROR: the row was not imported; WARNING: imported, this set aside


@dataclass
class ImportReport:
    """What an importer found. `counts` keys are shown as they are named (e.g. rows_read,
    children_matched, sessions_created, sessions_updated, sessions_unchanged)."""

    counts: Counter[str] = field(default_factory=Counter)
    rejections: list[Rejection] = field(default_factory=list)
    # (table, row) of each row with an error, and of each with a warning; table "" for a file
    # of one table.
    rejected_rows: set[tuple[str, int]] = field(default_factory=set)
    warned_rows: set[tuple[str, int]] = field(default_factory=set)
    rows_read: Counter[str] = field(default_factory=Counter)  # per table, for table_counts
    # (severity, table, field, reason) -> rows; a field's [n] indices are dropped so that the
    # same problem in every CINdetails counts as one reason.
    reasons: Counter[tuple[str, str, str, str]] = field(default_factory=Counter)
    more_rejections: int = 0
    # The children the file wrote to, each with what was written for them (e.g.
    # {"sessions": 3}): records/services/imports.py gives each an access-log entry and a line
    # in their history. `created` are those the file added (gone again if it is rolled back).
    touched: dict[uuid.UUID, Counter[str]] = field(default_factory=dict)
    created: set[uuid.UUID] = field(default_factory=set)
    _counts: dict[tuple, Counter[str]] = field(default_factory=dict, repr=False)

    def read(self, table: str = "") -> None:
        """Count a row read from `table` (rows_read is the sum over the tables)."""
        self.counts["rows_read"] += 1
        self.rows_read[table] += 1

    def reject(
        self,
        row: int,
        field_name: str,
        reason: str,
        *,
        child_id: uuid.UUID | None = None,
        table: str = "",
        rule: str = "",
    ) -> None:
        """Reject a row; `child_id` only when the row had been matched to exactly one child.
        `rule` is the reason as it is counted, when `reason` names other rows."""
        self.rejected_rows.add((table, row))
        self._add(Rejection(row, field_name, reason, child_id, ERROR), table, rule)

    def warn(
        self,
        row: int,
        field_name: str,
        reason: str,
        *,
        child_id: uuid.UUID | None = None,
        table: str = "",
        rule: str = "",
    ) -> None:
        """Import the row, noting what was set aside and why (`reason`)."""
        self.warned_rows.add((table, row))
        self._add(Rejection(row, field_name, reason, child_id, WARNING), table, rule)

    def _add(self, problem: Rejection, table: str, rule: str) -> None:
        field_name = _INDEX.sub("", problem.field)
        self.reasons[(problem.severity, table, field_name, rule or problem.reason)] += 1
        if len(self.rejections) < MAX_REJECTIONS:
            self.rejections.append(problem)
        else:
            self.more_rejections += 1

    def table_counts(self) -> dict[str, dict[str, int]]:
        """Rows read, imported, warned (imported with a warning) and rejected, per table;
        empty for an importer that does not count its rows with read()."""
        if not self.rows_read:
            return {}
        tables = list(self.rows_read)
        tables += sorted({t for t, _ in self.rejected_rows | self.warned_rows} - set(tables))
        counts = {}
        for table in tables:
            rejected = sum(1 for t, _ in self.rejected_rows if t == table)
            warned = sum(
                1 for key in self.warned_rows if key[0] == table and key not in self.rejected_rows
            )
            read = max(self.rows_read[table], rejected)
            counts[table] = {
                "read": read,
                "imported": read - rejected,
                "warned": warned,
                "rejected": rejected,
            }
        return counts

    def reason_counts(self) -> list[dict[str, object]]:
        """Each problem with how many rows it hit: errors first, most frequent first."""
        ordered = sorted(
            self.reasons.items(), key=lambda item: (item[0][0] != ERROR, -item[1], item[0])
        )
        return [
            {"severity": severity, "table": table, "field": name, "reason": reason, "count": n}
            for (severity, table, name, reason), n in ordered
        ]

    def touch(self, child_id: uuid.UUID, *, created: bool = False, **counts: int) -> None:
        """Note that the file wrote to this child: `counts` of what (names in
        records/services/imports.py TOUCH_NAMES); kept only for rows that are kept."""
        wanted = {name: value for name, value in counts.items() if value}
        held = self.touched.get(child_id)
        if held is not None and wanted:
            wanted = held + Counter(wanted)
        elif held is not None:
            wanted = held
        # One Counter is shared by every child given the same counts (they are only read
        # afterwards): a return's 20,000 children need a few, not 20,000 (issue 12, memory).
        key = tuple(sorted(wanted.items()))
        shared = self._counts.get(key)
        if shared is None:
            shared = self._counts[key] = Counter(dict(key))
        self.touched[child_id] = shared
        if created:
            self.created.add(child_id)

    @property
    def rejected(self) -> int:
        return len(self.rejected_rows)

    @property
    def warned(self) -> int:
        """Rows imported with a warning (a row with an error is counted as rejected only)."""
        return len(self.warned_rows - self.rejected_rows)

    def as_counts(self) -> dict[str, Any]:
        counts = {**dict(self.counts), "rows_rejected": self.rejected}
        if self.warned_rows:
            counts["rows_warned"] = self.warned
        return counts


class Importer(Protocol):
    """One file format. `kind` is an ImportKind value; `run` reads `path` and writes."""

    kind: str

    def run(self, *, run: ImportRun, path: Path, progress: Progress) -> ImportReport: ...
