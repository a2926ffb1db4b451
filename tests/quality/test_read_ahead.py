"""read_ahead: the same batches in the same order, errors where they happened, and a reading
thread that stops when its caller does."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import polars as pl
import pytest

from govshare.quality.readers import read_ahead


def _numbered(count: int, fail_at: int | None = None, read: list[int] | None = None) -> Iterator[pl.DataFrame]:
    for n in range(count):
        if n == fail_at:
            raise ValueError(f"unreadable batch {n}")
        if read is not None:
            read.append(n)
        yield pl.DataFrame({"n": [n]})


def test_gives_every_batch_in_order() -> None:
    assert [b["n"][0] for b in read_ahead(_numbered(50))] == list(range(50))


def test_an_error_reaches_the_caller_after_the_batches_before_it() -> None:
    seen = []
    with pytest.raises(ValueError, match="unreadable batch 3"):
        for batch in read_ahead(_numbered(10, fail_at=3)):
            seen.append(batch["n"][0])
    assert seen == [0, 1, 2]


def test_a_caller_that_stops_early_stops_the_reader() -> None:
    read: list[int] = []
    before = threading.active_count()
    for batch in read_ahead(_numbered(1000, read=read), depth=1):
        if batch["n"][0] == 2:
            break
    assert threading.active_count() == before  # the reading thread has ended
    assert len(read) <= 5  # it read at most the batch in hand plus the one ahead, not the rest
