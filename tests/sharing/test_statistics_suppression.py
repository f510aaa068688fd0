"""Suppression of aggregate tables (sharing/statistics/tables.py): the threshold and its
floor, the GSS symbols, rounding of totals, the footnote, and a property test that no
suppressed figure of a random table can be worked out from what is published."""

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sharing.statistics import PublishedTable, Symbol, Table, check_method, suppress
from virtualschool.errors import DomainError

Z, X = Symbol.NOT_APPLICABLE, Symbol.NOT_AVAILABLE
METHOD_5 = (
    "Counts below 5 are shown as c; further cells are suppressed so that none can be worked"
    " out from the totals"
)


def _table(cells, notes=()):
    labels = [f"r{i}" for i in range(len(cells))], [f"k{j}" for j in range(len(cells[0]))]
    return Table.of(
        title="T", row_labels=labels[0], column_labels=labels[1], cells=cells, notes=notes
    )


def _grid(published):
    """The published table with its totals as one grid (totals last, as the code lays it)."""
    return [
        *([*row, total] for row, total in zip(published.cells, published.row_totals, strict=True)),
        [*published.column_totals, published.grand_total],
    ]


# --- The property: nothing suppressed can be worked out ---------------------------------------


def _rank(rows: list[list[Fraction]]) -> int:
    """Rank of a matrix over the rationals, by Gaussian elimination."""
    matrix = [list(row) for row in rows]
    rank, width = 0, len(matrix[0]) if matrix else 0
    for column in range(width):
        pivot = next((r for r in range(rank, len(matrix)) if matrix[r][column] != 0), None)
        if pivot is None:
            continue
        matrix[rank], matrix[pivot] = matrix[pivot], matrix[rank]
        for r in range(len(matrix)):
            if r != rank and matrix[r][column] != 0:
                factor = matrix[r][column] / matrix[rank][column]
                matrix[r] = [a - factor * b for a, b in zip(matrix[r], matrix[rank], strict=True)]
        rank += 1
    return rank


def determined_cells(published) -> list[tuple[int, int]]:
    """The suppressed entries of `published` (cells or totals) a reader could work out.

    A reader knows that each row's cells sum to its total, each column's to its total, and
    the row totals and the column totals each to the grand total: one linear equation per line
    of the grid of cells and totals. Every published number (and, to be safe, even a rounded
    or `k` total, as if it were exact: a stronger reader than the real one) is a known
    constant; each `c` is an unknown. An unknown's value is fixed by the equations exactly when
    its unit vector lies in the row space of the equations' coefficients over the unknowns,
    that is when adding it as one more equation does not raise the rank. Constants only move
    the right-hand side, so the coefficients alone decide. This is sound (if the equations do
    not fix it, no combination of them does) and ignores that counts are not negative, which
    the brief accepts as the check."""
    grid = _grid(published)
    height, width = len(grid), len(grid[0])
    unknowns = [
        (i, j) for i in range(height) for j in range(width) if grid[i][j] == Symbol.CONFIDENTIAL
    ]
    if not unknowns:
        return []
    index = {position: n for n, position in enumerate(unknowns)}

    def equation(line):
        # cells of the line with +1, its total (the last entry) with -1
        row = [Fraction(0)] * len(unknowns)
        for k, position in enumerate(line):
            if position in index:
                row[index[position]] += 1 if k < len(line) - 1 else -1
        return row

    equations = [equation([(i, j) for j in range(width)]) for i in range(height)]
    equations += [equation([(i, j) for i in range(height)]) for j in range(width)]
    base = _rank(equations)
    found = []
    for position, n in index.items():
        unit = [Fraction(int(k == n)) for k in range(len(unknowns))]
        if _rank([*equations, unit]) == base:
            found.append(position)
    return found


counts = st.one_of(st.integers(0, 6), st.integers(0, 40))
cells = st.one_of(counts, counts, counts, counts, counts, counts, st.sampled_from([Z, X]))
tables = st.integers(1, 6).flatmap(
    lambda height: st.integers(1, 6).flatmap(
        lambda width: st.lists(
            st.lists(cells, min_size=width, max_size=width), min_size=height, max_size=height
        )
    )
)


@settings(max_examples=400, deadline=None)
@given(grid=tables, threshold=st.integers(3, 8), base=st.sampled_from([None, 5, 10]))
def test_no_suppressed_figure_can_be_worked_out(grid, threshold, base):
    table = _table(grid)
    published = suppress(table, threshold=threshold, round_totals_to=base)
    assert determined_cells(published) == []
    truth = [
        *([*row, total] for row, total in zip(table.cells, table.row_totals, strict=True)),
        [*table.column_totals, table.grand_total],
    ]
    shown = _grid(published)
    for i, row in enumerate(truth):
        for j, value in enumerate(row):
            is_total = i == len(truth) - 1 or j == len(row) - 1
            if isinstance(value, Symbol):
                assert shown[i][j] == value.value  # z and x stay as they are
            elif 0 < value < threshold:
                assert shown[i][j] == "c"  # every small count, cell or total
            elif shown[i][j] != "c" and not is_total:
                assert shown[i][j] == value  # a published cell is the true count
    # Every line with a suppressed entry has at least two (or nothing would hide the one).
    for line in [*shown, *zip(*shown, strict=True)]:
        assert list(line).count("c") != 1


def test_the_check_finds_a_figure_that_can_be_worked_out():
    """The checker itself can fail: one c in a row with its total shown is found."""
    naive = suppress(_table([[6, 7], [8, 9]]))
    leaky = type(naive)(**{**naive.__dict__, "cells": (("c", 7), (8, 9))})
    assert determined_cells(leaky) == [(0, 0)]
    # Two 2x2 blocks of c joined by one more c: every row and column has two c or more, yet
    # the joining cell is the total of one block's side less the other's (a bridge).
    # (The figures need not add up: only where the c are decides what can be worked out.)
    c = "c"
    bridged = PublishedTable(
        title="T",
        row_labels=("a", "b", "d", "e"),
        column_labels=("f", "g", "h", "i"),
        cells=((c, c, 9, 9), (c, c, c, 9), (9, 9, c, c), (9, 9, c, c)),
        row_totals=(30, 40, 30, 30),
        column_totals=(30, 30, 40, 30),
        grand_total=130,
        footnote="",
    )
    assert determined_cells(bridged) == [(1, 2)]


# --- Examples -------------------------------------------------------------------------------


def test_a_small_cell_and_its_complements_form_a_block():
    published = suppress(_table([[1, 10, 12], [8, 9, 20], [15, 11, 7]]))
    assert published.cells == (("c", "c", 12), ("c", "c", 20), (15, 11, 7))
    assert published.row_totals == (23, 37, 33)
    assert published.column_totals == (24, 30, 39)
    assert published.grand_total == 93


def test_a_small_total_is_suppressed_and_protected():
    published = suppress(_table([[1, 2], [10, 20]]))
    assert published.row_totals[0] == "c"  # 3 children in the row
    assert published.cells[0] == ("c", "c")
    assert determined_cells(published) == []


def test_counts_at_the_threshold_are_shown_and_true_zeros_are_zero():
    published = suppress(_table([[5, 0], [7, 9]]))
    assert published.cells == ((5, 0), (7, 9))
    assert published.row_totals == (5, 16)


def test_the_threshold_can_be_raised_or_lowered_to_3_but_not_below():
    table = _table([[3, 4], [9, 9]])
    assert suppress(table, threshold=3).cells == ((3, 4), (9, 9))
    assert suppress(table, threshold=4).cells[0][0] == "c"
    with pytest.raises(DomainError) as refused:
        suppress(table, threshold=2)
    assert refused.value.message_dict == {
        "threshold": [
            "The suppression threshold must be at least 3 (counts below it are shown as c);"
            " 2 is too low."
        ]
    }
    with pytest.raises(DomainError, match="whole number"):
        check_method(threshold="5", round_totals_to=None)


def test_rounding_to_anything_but_5_or_10_is_refused():
    with pytest.raises(DomainError) as refused:
        suppress(_table([[9]]), round_totals_to=3)
    assert refused.value.message_dict == {
        "round_totals_to": ["Totals can be rounded to the nearest 5 or 10 only; 3 is not allowed."]
    }


def test_totals_are_rounded_half_up_and_cells_are_not():
    published = suppress(_table([[12, 11], [13, 14]]), round_totals_to=5)
    assert published.cells == ((12, 11), (13, 14))
    assert published.row_totals == (25, 25)  # 23 -> 25, 27 -> 25
    assert published.column_totals == (25, 25)  # 25 stays, 25 stays
    assert published.grand_total == 50
    tens = suppress(_table([[12, 13], [9, 11]]), round_totals_to=10)
    assert tens.row_totals == (30, 20)  # 25 -> 30 (half up), 20
    assert tens.footnote == METHOD_5 + "; totals rounded to the nearest 10."


def test_a_total_that_rounds_to_zero_is_k():
    published = suppress(_table([[3, 0], [0, 4]]), threshold=3, round_totals_to=10)
    assert published.cells == ((3, 0), (0, 4))
    assert published.row_totals == ("k", "k")
    assert published.column_totals == ("k", "k")
    assert published.grand_total == 10
    assert published.footnote == (
        "Counts below 3 are shown as c; further cells are suppressed so that none can be"
        " worked out from the totals; totals rounded to the nearest 10."
        " k: a total that is not zero but rounds to zero."
    )


def test_not_applicable_and_not_available_cells_are_shown_and_never_counted():
    published = suppress(_table([[Z, 10, 12], [X, 9, 20]]))
    assert published.cells == (("z", 10, 12), ("x", 9, 20))
    assert published.row_totals == (22, 29)
    assert published.column_totals == (0, 19, 32)
    assert published.footnote == METHOD_5 + ". z: not applicable. x: not available."


def test_a_cell_with_no_count_never_hides_a_small_one():
    """A z beside a small count cannot protect it: the next smallest count is taken."""
    published = suppress(_table([[2, Z, 30], [6, 40, 50]]))
    assert published.cells[0][1] == "z"
    assert published.cells == (("c", "z", "c"), ("c", 40, "c"))
    assert determined_cells(published) == []


def test_the_footnote_states_the_method_and_the_tables_notes():
    published = suppress(_table([[9, 9]], notes=("Each child is counted once.",)))
    assert published.footnote == METHOD_5 + ". Each child is counted once."
    rounded = suppress(_table([[9, 9]]), round_totals_to=5)
    assert rounded.footnote == METHOD_5 + "; totals rounded to the nearest 5."


def test_published_rows_for_a_csv():
    published = suppress(_table([[9, 6]]))
    assert published.rows() == [["", "k0", "k1", "Total"], ["r0", 9, 6, 15], ["Total", 9, 6, 15]]


def test_a_table_whose_totals_are_not_its_sums_is_refused():
    with pytest.raises(ValueError, match="not the sums"):
        Table(
            title="T",
            row_labels=("a",),
            column_labels=("b",),
            cells=((3,),),
            row_totals=(4,),
            column_totals=(3,),
            grand_total=3,
        )
    with pytest.raises(ValueError, match="only be a count, z or x"):
        _table([[Symbol.CONFIDENTIAL]])
