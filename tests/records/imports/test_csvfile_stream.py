"""stream_csv (records/imports/csvfile.py): the shared reader's rules for a file read as a
stream, as the attendance and schools imports read theirs. It must say what read_csv says of
the same bytes, row for row and refusal for refusal. No database."""

from __future__ import annotations

import pytest

from records.imports.base import FileUnreadableError
from records.imports.csvfile import encoding_of, read_csv, stream_csv

GOOD = [
    "NAME,TOWN\r\nRenée,Châteauroux\r\n".encode(),
    "NAME,TOWN\r\nRenée,Châteauroux\r\n".encode("utf-8-sig"),
    "NAME,TOWN\r\nRenée,Châteauroux\r\n".encode("cp1252"),
    b"A,B,C\r\n1,2,3\r\n\r\n1,2\r\n1,2,3,4\r\n,,\r\n",
    b'A,B\r\n"1\r\nstill 1",2\r\n3,4\r\n',
]
BAD = [
    b"A;B\r\n1;2\r\n",
    b"A\tB\r\n1\t2\r\n",
    b"A|B\r\n1|2\r\n",
    b'A,B\r\n1,"2\r\n3,4\r\n',
    b'A,B\r\n1,"2"x\r\n',
    # after a record over two lines, the faulty one starts on line 4
    b'A,B\r\n"x\r\ny",1\r\n1,"2"z\r\n',
    b'A,B\r\n"x\r\ny",1\r\n\r\n1,"2\r\n',
    b'"A,B\r\n',
    b"",
    b"\r\n\r\n",
    b"A,B\r\n1,\x00\r\n",
]


def _streamed(path):
    with stream_csv(path, "f.csv") as stream:
        return stream.columns, [(row.number, row.cells, row.problem) for row in stream.rows]


@pytest.mark.parametrize("data", GOOD)
def test_a_stream_reads_what_read_csv_reads(tmp_path, data):
    path = tmp_path / "f.csv"
    path.write_bytes(data)
    table = read_csv(data, "f.csv")
    assert _streamed(path) == (
        table.columns,
        [(row.number, row.cells, row.problem) for row in table.rows],
    )


@pytest.mark.parametrize("data", BAD)
def test_a_stream_refuses_what_read_csv_refuses_in_the_same_words(tmp_path, data):
    path = tmp_path / "f.csv"
    path.write_bytes(data)
    with pytest.raises(FileUnreadableError) as whole:
        read_csv(data, "f.csv")
    with pytest.raises(FileUnreadableError) as streamed:
        _streamed(path)
    assert str(streamed.value) == str(whole.value)


def test_the_encoding_is_judged_on_the_whole_file_not_its_start(tmp_path):
    path = tmp_path / "f.csv"
    # UTF-8 for more than a chunk, then one Windows-1252 byte: the whole file is Windows-1252.
    path.write_bytes(b"A,B\r\n" + "é,1\r\n".encode() * 300_000 + b"\xe9,2\r\n")
    assert encoding_of(path, "f.csv") == "cp1252"
    path.write_bytes(b"A,B\r\n" + "é,1\r\n".encode() * 300_000)
    assert encoding_of(path, "f.csv") == "utf-8-sig"
