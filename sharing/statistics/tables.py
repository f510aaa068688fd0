"""Aggregate tables of counts, and how they are published so that they identify no child.

A `Table` is rows × columns of counts with its row totals, column totals and grand total.
`suppress` turns it into a `PublishedTable` a statistics-only agreement may release:

- **Symbols.** The GSS symbols the DfE's statistics use (issue 13; Government Analysis
  Function, "Symbols in tables, definitions and help",
  analysisfunction.civilservice.gov.uk/policy-store/symbols-in-tables-definitions-and-help/;
  not held in shared/reference): `c` confidential (suppressed), `z` not applicable, `x` not
  available, `k` a value that rounds to zero. A true zero is shown as 0.
- **Primary suppression.** Every count from 1 to below the threshold (default 5, never below
  3), cells and totals alike, is shown as `c`.
- **Secondary suppression.** Each row of the table with its total, each column with its
  total, the row of column totals with the grand total and the column of row totals with the
  grand total is an equation a reader can solve. Put the table's rows and columns (totals
  included) as the two sides of a graph and each suppressed entry as an edge between its row
  and its column: a suppressed entry can be worked out from what is published exactly when it
  lies on no cycle of that graph (a bridge: summing the equations on one side of it leaves it
  alone), and it cannot be when it lies on one (adding and taking away one along the cycle
  changes no published figure). So, until no suppressed entry is a bridge, the smallest
  published entry that closes a cycle through a bridge is suppressed too (a non-zero count
  before a zero, a cell before a total as large), or, when none can yet, the smallest other
  entry of its row or column. Every row and column with a suppressed entry then has at least
  two. This protects against solving the equations; that counts are never negative still
  bounds a suppressed count by its totals (the usual limit of cell suppression), and is why a
  zero is taken as a complement only when nothing else will do.
- **Rounding.** Optionally every published total is rounded to the nearest 5 or 10, half up,
  as the DfE rounds national figures; a total that is not zero but rounds to zero is `k`.
- **Footnote.** Every published table states its method in words.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from virtualschool.errors import DomainError

DEFAULT_THRESHOLD = 5
# Below 3 a count is too easily a single child or a pair (issue 13: "never below 3").
MINIMUM_THRESHOLD = 3
ROUNDING_BASES = (5, 10)


class Symbol(StrEnum):
    """The GSS symbols (see the module docstring)."""

    CONFIDENTIAL = "c"
    NOT_APPLICABLE = "z"
    NOT_AVAILABLE = "x"
    ROUNDS_TO_ZERO = "k"


SYMBOL_MEANINGS = {
    Symbol.CONFIDENTIAL: "c: confidential, not shown so that no child can be identified",
    Symbol.NOT_APPLICABLE: "z: not applicable",
    Symbol.NOT_AVAILABLE: "x: not available",
    Symbol.ROUNDS_TO_ZERO: "k: a total that is not zero but rounds to zero",
}
# A table's cell: a count, or a cell that holds none (not applicable, or not available).
Count = int | Symbol
Published = int | str


def _value(count: Count) -> int:
    """What a cell adds to its totals: a cell with no count adds nothing."""
    return count if isinstance(count, int) else 0


@dataclass(frozen=True)
class Table:
    """Counts by two dimensions, with their totals. A cell is a count or `z`/`x`; totals are
    the sums of their cells (a `z` or `x` cell adds nothing), checked on creation."""

    title: str
    row_labels: tuple[str, ...]
    column_labels: tuple[str, ...]
    cells: tuple[tuple[Count, ...], ...]
    row_totals: tuple[int, ...]
    column_totals: tuple[int, ...]
    grand_total: int
    # Sentences about what is counted, added to the footnote.
    notes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if len(self.cells) != len(self.row_labels) or any(
            len(row) != len(self.column_labels) for row in self.cells
        ):
            raise ValueError(f"{self.title}: cells do not match the rows and columns")
        for row in self.cells:
            for count in row:
                if isinstance(count, Symbol):
                    if count not in (Symbol.NOT_APPLICABLE, Symbol.NOT_AVAILABLE):
                        raise ValueError(f"{self.title}: a cell may only be a count, z or x")
                elif count < 0:
                    raise ValueError(f"{self.title}: counts cannot be negative")
        rows = tuple(sum(_value(count) for count in row) for row in self.cells)
        columns = tuple(
            sum(_value(row[j]) for row in self.cells) for j in range(len(self.column_labels))
        )
        if (
            rows != tuple(self.row_totals)
            or columns != tuple(self.column_totals)
            or sum(rows) != self.grand_total
        ):
            raise ValueError(f"{self.title}: the totals are not the sums of the cells")

    @classmethod
    def of(
        cls,
        *,
        title: str,
        row_labels: Sequence[str],
        column_labels: Sequence[str],
        cells: Sequence[Sequence[Count]],
        notes: Sequence[str] = (),
    ) -> Table:
        """A table whose totals are summed from its cells."""
        grid = tuple(tuple(row) for row in cells)
        rows = tuple(sum(_value(count) for count in row) for row in grid)
        columns = tuple(sum(_value(row[j]) for row in grid) for j in range(len(column_labels)))
        return cls(
            title=title,
            row_labels=tuple(row_labels),
            column_labels=tuple(column_labels),
            cells=grid,
            row_totals=rows,
            column_totals=columns,
            grand_total=sum(rows),
            notes=tuple(notes),
        )


@dataclass(frozen=True)
class PublishedTable:
    """A table as released: each figure a count or a GSS symbol, and the footnote that says
    how it was made safe."""

    title: str
    row_labels: tuple[str, ...]
    column_labels: tuple[str, ...]
    cells: tuple[tuple[Published, ...], ...]
    row_totals: tuple[Published, ...]
    column_totals: tuple[Published, ...]
    grand_total: Published
    footnote: str

    def rows(self) -> list[list[Published]]:
        """The table as rows for a CSV or a page: a header, a row per row label, the totals."""
        return [
            ["", *self.column_labels, "Total"],
            *(
                [label, *cells, total]
                for label, cells, total in zip(
                    self.row_labels, self.cells, self.row_totals, strict=True
                )
            ),
            ["Total", *self.column_totals, self.grand_total],
        ]


def check_method(*, threshold: int, round_totals_to: int | None) -> None:
    """Refuse a threshold below 3 or a rounding other than to 5 or 10, with a message naming
    what is wrong (an agreement's form calls this too)."""
    if isinstance(threshold, bool) or not isinstance(threshold, int):
        raise DomainError({"threshold": "The suppression threshold must be a whole number."})
    if threshold < MINIMUM_THRESHOLD:
        raise DomainError(
            {
                "threshold": f"The suppression threshold must be at least {MINIMUM_THRESHOLD}"
                f" (counts below it are shown as c); {threshold} is too low."
            }
        )
    if round_totals_to is not None and round_totals_to not in ROUNDING_BASES:
        raise DomainError(
            {
                "round_totals_to": "Totals can be rounded to the nearest 5 or 10 only;"
                f" {round_totals_to} is not allowed."
            }
        )


Position = tuple[int, int]


def _grid(table: Table) -> list[list[Count]]:
    """The table with its totals as one grid: row totals as the last column, column totals
    as the last row, the grand total in the corner. Every line of it is an equation."""
    return [
        *([*row, total] for row, total in zip(table.cells, table.row_totals, strict=True)),
        [*table.column_totals, table.grand_total],
    ]


def _bridge_cut(suppressed: set[Position], edge: Position) -> tuple[set, set] | None:
    """The two sides of the graph of suppressed entries (vertices ("r", i) and ("c", j)) that
    `edge` alone joins, or None when another path joins them (it lies on a cycle)."""
    links: dict[tuple[str, int], set[tuple[str, int]]] = {}
    for i, j in suppressed:
        if (i, j) != edge:
            links.setdefault(("r", i), set()).add(("c", j))
            links.setdefault(("c", j), set()).add(("r", i))

    def reach(start: tuple[str, int]) -> set[tuple[str, int]]:
        seen, todo = {start}, [start]
        while todo:
            for other in links.get(todo.pop(), ()):
                if other not in seen:
                    seen.add(other)
                    todo.append(other)
        return seen

    row_side = reach(("r", edge[0]))
    if ("c", edge[1]) in row_side:
        return None
    return row_side, reach(("c", edge[1]))


def secondary_suppression(grid: Sequence[Sequence[Count]], primary: Iterable[Position]) -> set:
    """The positions of `grid` (a table with its totals, see _grid) to suppress so that none
    of them, `primary` included, can be worked out from the rest (the module docstring says
    why): suppressed entries are added until none is a bridge."""
    height, width = len(grid), len(grid[0])
    suppressed = set(primary)

    def open_(i: int, j: int) -> bool:
        return (i, j) not in suppressed and isinstance(grid[i][j], int)

    def order(position: Position) -> tuple:
        i, j = position
        value = grid[i][j]
        return (value == 0, value, i == height - 1 or j == width - 1, i, j)

    while True:
        for edge in sorted(suppressed):
            cut = _bridge_cut(suppressed, edge)
            if cut is not None:
                break
        else:
            return suppressed
        row_side, column_side = cut
        across = [
            (i, j)
            for sides in ((row_side, column_side), (column_side, row_side))
            for (kind_i, i) in sides[0]
            if kind_i == "r"
            for (kind_j, j) in sides[1]
            if kind_j == "c" and open_(i, j)
        ]
        in_its_lines = [(edge[0], j) for j in range(width) if open_(edge[0], j)] + [
            (i, edge[1]) for i in range(height) if open_(i, edge[1])
        ]
        candidates = across or in_its_lines
        if not candidates:  # every other entry of its lines holds no count: cannot happen
            raise AssertionError("no entry left to protect a suppressed figure")
        suppressed.add(min(candidates, key=order))


def rounded(value: int, base: int | None) -> Published:
    """A total rounded to the nearest `base`, half up; `k` when it is not zero but rounds
    to zero; unchanged without a base."""
    if base is None:
        return value
    result = (value + base // 2) // base * base
    return Symbol.ROUNDS_TO_ZERO.value if value and not result else result


def footnote(*, threshold: int, round_totals_to: int | None, symbols: Iterable[str] = ()) -> str:
    """The method, in words, as every published table states it."""
    method = (
        f"Counts below {threshold} are shown as c; further cells are suppressed so that none"
        " can be worked out from the totals"
    )
    if round_totals_to:
        method += f"; totals rounded to the nearest {round_totals_to}"
    shown = set(symbols)
    legend = [
        meaning
        for symbol, meaning in SYMBOL_MEANINGS.items()
        if symbol != Symbol.CONFIDENTIAL and symbol.value in shown
    ]
    return method + "." + "".join(f" {meaning}." for meaning in legend)


def suppress(
    table: Table, *, threshold: int = DEFAULT_THRESHOLD, round_totals_to: int | None = None
) -> PublishedTable:
    """`table` as it may be released: counts from 1 to below `threshold` shown as `c`, further
    entries suppressed until none can be worked out from what is shown, totals rounded when
    asked (to 5 or 10), and the footnote saying so. A threshold below 3 is refused."""
    check_method(threshold=threshold, round_totals_to=round_totals_to)
    grid = _grid(table)
    height, width = len(grid), len(grid[0])
    primary = {
        (i, j)
        for i in range(height)
        for j in range(width)
        if isinstance(grid[i][j], int) and 0 < grid[i][j] < threshold
    }
    hidden = secondary_suppression(grid, primary)

    def shown(i: int, j: int) -> Published:
        value = grid[i][j]
        if isinstance(value, Symbol):
            return value.value
        if (i, j) in hidden:
            return Symbol.CONFIDENTIAL.value
        if i == height - 1 or j == width - 1:
            return rounded(value, round_totals_to)
        return value

    published = [[shown(i, j) for j in range(width)] for i in range(height)]
    symbols = {value for row in published for value in row if isinstance(value, str)}
    notes = "".join(f" {note}" for note in table.notes)
    return PublishedTable(
        title=table.title,
        row_labels=table.row_labels,
        column_labels=table.column_labels,
        cells=tuple(tuple(row[:-1]) for row in published[:-1]),
        row_totals=tuple(row[-1] for row in published[:-1]),
        column_totals=tuple(published[-1][:-1]),
        grand_total=published[-1][-1],
        footnote=footnote(threshold=threshold, round_totals_to=round_totals_to, symbols=symbols)
        + notes,
    )
