"""CSV pieces: whatever the piece size, the batches hold exactly the file's rows, in order, with
their spreadsheet row numbers; a piece never ends inside a quoted value, and a row longer than
a piece is read whole."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from govshare.quality.readers import EXTRA, ROW_INDEX, Source, count_byte

HEADER = b"a,b,c\n"
ROWS = [
    b"1,plain,x",
    b'2,"quoted, with a comma",y',
    b'3,"two\nlines",z',
    b"4," + b"long" * 200 + b",w",  # longer than the small pieces below
    b'5,"a ""quote"" inside",v',
    b"6,last,u",
]


def _rows(path: Path, chunk_bytes: int) -> pl.DataFrame:
    with Source(path, chunk_bytes=chunk_bytes) as source:
        return pl.concat(list(source.batches())).drop(EXTRA)


@pytest.mark.parametrize("chunk_bytes", [16, 40, 100, 1 << 20])
@pytest.mark.parametrize("ending", [b"\n", b""])
def test_pieces_of_any_size_give_the_files_rows(tmp_path: Path, chunk_bytes: int, ending: bytes) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(HEADER + b"\n".join(ROWS) + ending)
    expected = pl.read_csv(path, infer_schema=False)
    got = _rows(path, chunk_bytes)
    assert got.drop(ROW_INDEX).equals(expected)
    # Row numbers count lines of the spreadsheet's rows, not of the file: row 4 has two lines.
    assert got[ROW_INDEX].to_list() == [2, 3, 4, 5, 6, 7]


def test_count_byte_counts_up_to_the_end_given() -> None:
    data = b'a,"b,c",d\n'
    assert count_byte(data, b",") == 3 and count_byte(data, b'"') == 2 and count_byte(data, b'"', 3) == 1
