"""Row hashes for duplicate detection, with memory bounded for files larger than RAM.

Each row contributes (64-bit hash, row number): 16 bytes. Up to `memory_rows` rows are
kept in memory; beyond that everything goes to disk, split into partitions by the top bits
of the hash, so equal hashes land in the same partition and each partition is grouped on
its own (a 5 GB file's hashes, about 1.4 GB, are then grouped 64 MB at a time).
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import polars as pl

PARTITION_BITS = 6  # 64 partitions


class HashStore:
    def __init__(self, memory_rows: int = 1_000_000) -> None:
        self.memory_rows = memory_rows
        self._frames: list[pl.DataFrame] = []
        self._held = 0
        self._dir: tempfile.TemporaryDirectory[str] | None = None

    def add(self, hashes: pl.Series, rows: pl.Series) -> None:
        frame = pl.DataFrame({"h": hashes.cast(pl.UInt64), "row": rows.cast(pl.UInt64)})
        if self._dir is None and self._held + frame.height <= self.memory_rows:
            self._frames.append(frame)
            self._held += frame.height
            return
        for held in self._frames:
            self._spill(held)
        self._frames, self._held = [], 0
        self._spill(frame)

    def _spill(self, frame: pl.DataFrame) -> None:
        if self._dir is None:
            self._dir = tempfile.TemporaryDirectory(prefix="govshare-hashes-")
        parts = frame.with_columns((pl.col("h") // (1 << (64 - PARTITION_BITS))).alias("p"))
        for (part,), chunk in parts.partition_by("p", as_dict=True).items():
            with (Path(self._dir.name) / f"{part}.bin").open("ab") as out:
                out.write(chunk.select("h", "row").to_numpy().astype(np.uint64).tobytes())

    def partitions(self) -> Iterator[pl.DataFrame]:
        """The hashes, in pieces such that equal hashes are always in the same piece."""
        if self._dir is None:
            if self._frames:
                yield pl.concat(self._frames)
            return
        for path in sorted(Path(self._dir.name).glob("*.bin")):
            pairs = np.fromfile(path, dtype=np.uint64).reshape(-1, 2)
            yield pl.DataFrame({"h": pairs[:, 0], "row": pairs[:, 1].astype(np.int64)})

    def close(self) -> None:
        if self._dir is not None:
            self._dir.cleanup()
            self._dir = None
        self._frames = []
