"""The shared strict CSV reader (records/imports/csvfile.py, issue 12): no database."""

from __future__ import annotations

import pytest

from records.imports.base import FileUnreadableError
from records.imports.csvfile import read_csv


@pytest.mark.parametrize(
    "data",
    [
        "NAME,TOWN\r\nRenée,Châteauroux\r\n".encode(),
        "NAME,TOWN\r\nRenée,Châteauroux\r\n".encode("utf-8-sig"),
        "NAME,TOWN\r\nRenée,Châteauroux\r\n".encode("cp1252"),
    ],
)
def test_utf_8_with_or_without_a_bom_and_windows_1252_read_the_same(data):
    table = read_csv(data, "f.csv")
    assert table.columns == ["NAME", "TOWN"]
    assert [table.values(row) for row in table.rows] == [{"NAME": "Renée", "TOWN": "Châteauroux"}]


def test_rows_of_the_wrong_length_are_kept_with_their_problem_and_blank_rows_skipped():
    table = read_csv(b"A,B,C\r\n1,2,3\r\n\r\n1,2\r\n1,2,3,4\r\n", "f.csv")
    assert [(row.number, bool(row.problem)) for row in table.rows] == [
        (1, False),
        (3, True),
        (4, True),
    ]
    assert "The row has 2 fields; the header row has 3" in table.rows[1].problem


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"A;B\r\n1;2\r\n", "separates its fields with semicolons (;), not commas"),
        (b"A|B\r\n1|2\r\n", "separates its fields with vertical bars (|)"),
        (b'A,B\r\n1,"2\r\n3,4\r\n', 'has a quote (") on line 2 that is never closed'),
        (b'A,B\r\n1,"2"x\r\n', 'has a misplaced quote (") on line 2'),
        (b"", "is empty"),
        (b"A,B\x00\r\n", "binary data"),
    ],
)
def test_a_file_that_is_not_comma_separated_text_is_refused_naming_why(data, reason):
    with pytest.raises(FileUnreadableError) as refused:
        read_csv(data, "f.csv")
    assert reason in str(refused.value)
