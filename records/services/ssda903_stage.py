"""Where an SSDA903 import keeps its checked rows until it has read both tables (issue 12,
memory): a temporary table in the import's own transaction, filled by one COPY as the rows are
read and read back grouped by CHILD through a server-side cursor, a batch of children at a
time. Python holds one batch, never the whole return, however long the file. (A service, as
every COPY and cursor is: records/imports/ssda903.py parses and calls it. Nothing of the
record is written here: the table is the import's scratch space.)

The Header and Episodes are separate tables of the return (in the XML, elements of one CHILD),
so a child's identity and episodes are together only once both are read. The children come
back in the order the importer first met them (by their first Header row; then those with
only Episodes rows, by their first good row; then those with only bad rows), each child's rows
by table and row number.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from django.db import connection

from records.services.children import ChildIdentity

_TABLE = "ssda903_import_stage"
_CURSOR = "ssda903_import_children"
HEADER_ROW, EPISODE_ROW, BAD_EPISODE_ROW = 0, 1, 2
COLUMNS = (
    "child", "kind", "row", "has_identity", "dob", "gender", "upn", "upn_unknown",
    "ethnicity", "needs_checking", "decom", "dec", "ls", "rec", "pl_la",
)  # fmt: skip
# Each child's rows, the children in the order they were first met (the module's docstring).
_READ_BACK = (
    f"DECLARE {_CURSOR} NO SCROLL CURSOR FOR "  # noqa: S608 - this module's constants
    f"SELECT s.{', s.'.join(COLUMNS)} FROM {_TABLE} s JOIN ("
    f"  SELECT child, min(kind * 4294967296::bigint + row) AS first FROM {_TABLE} "
    "  GROUP BY child"
    ") f ON f.child = s.child ORDER BY f.first, s.kind, s.row"
)
# Rows fetched from the cursor at a time (a child's rows may straddle two fetches).
FETCH_ROWS = 2000


class Stage:
    """The temporary table, inside the transaction the import runs in (DDL is transactional:
    a rolled-back import leaves no table). Use as a context manager around the reading."""

    def __enter__(self) -> Stage:
        self.cursor = connection.cursor()
        self.cursor.execute(f"DROP TABLE IF EXISTS {_TABLE}")
        self.cursor.execute(
            f"CREATE TEMPORARY TABLE {_TABLE} (child text NOT NULL, kind smallint NOT NULL, "
            "row integer NOT NULL, has_identity boolean, dob date, gender text, upn text, "
            "upn_unknown text, ethnicity text, needs_checking boolean, decom date, dec date, "
            "ls text, rec text, pl_la text)"
        )
        self._copying = self.cursor.copy(f"COPY {_TABLE} ({', '.join(COLUMNS)}) FROM STDIN")
        self._copy = self._copying.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self._end_copy(*exc)
        if exc[0] is not None:
            self.cursor.close()

    def _end_copy(self, *exc) -> None:
        if self._copying is not None:
            self._copying.__exit__(*exc)
            self._copying = None

    def header(self, row: int, child_id: str, identity: ChildIdentity | None) -> None:
        if identity is None:
            self._copy.write_row((child_id, HEADER_ROW, row, False, *([None] * 11)))
            return
        self._copy.write_row(
            (
                # str(): a code's value (a choices enum would be written as its name)
                child_id, HEADER_ROW, row, True, identity.date_of_birth, str(identity.gender),
                identity.upn, str(identity.upn_unknown), str(identity.ethnicity),
                identity.upn_needs_checking, None, None, None, None, None,
            )
        )  # fmt: skip

    def episode(
        self,
        child_id: str,
        row: int,
        decom: date,
        dec: date | None,
        ls: str,
        rec: str,
        pl_la: str = "",
    ) -> None:
        self._copy.write_row(
            (child_id, EPISODE_ROW, row, *([None] * 7), decom, dec, str(ls), str(rec), pl_la)
        )

    def bad_episode(self, child_id: str, row: int) -> None:
        self._copy.write_row((child_id, BAD_EPISODE_ROW, row, *([None] * 12)))

    def children(self, batch_size: int) -> Iterator[list[list[tuple]]]:
        """The staged children, `batch_size` at a time, each as its rows (the columns of
        COLUMNS), in the order of the module's docstring. Ends the COPY first."""
        self._end_copy(None, None, None)
        cursor = self.cursor
        cursor.execute(_READ_BACK)
        batch: list[list[tuple]] = []
        current: list[tuple] = []
        while True:
            cursor.execute(f"FETCH {FETCH_ROWS} FROM {_CURSOR}")
            rows = cursor.fetchall()
            if not rows:
                break
            for values in rows:
                if current and values[0] != current[0][0]:
                    batch.append(current)
                    current = []
                    if len(batch) == batch_size:
                        yield batch
                        batch = []
                current.append(values)
        if current:
            batch.append(current)
        if batch:
            yield batch
        cursor.execute(f"CLOSE {_CURSOR}")
        cursor.execute(f"DROP TABLE {_TABLE}")
        cursor.close()
