"""Row hashes for duplicate detection, with memory bounded for files larger than RAM.

Each row contributes its 64-bit hash `h`, its row number and, in a store that carries them,
the hash `r` of the whole row: 16 or 24 bytes. Up to `memory_rows` rows are kept in memory;
beyond that everything goes to disk, split into partitions by the top bits of `h`, so equal
hashes land in the same partition and each partition is grouped on its own (a 5 GB file's
hashes, about 1.4 GB, are then grouped 64 MB at a time).
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import polars as pl

PARTITION_BITS = 6  # 64 partitions
MEMORY_ROWS = 1_000_000  # rows a store holds in memory before it spills to disk


class HashStore:
    def __init__(self, memory_rows: int | None = None, row_hashes: bool = False) -> None:
        self.memory_rows = MEMORY_ROWS if memory_rows is None else memory_rows
        self.columns = ["h", "r", "row"] if row_hashes else ["h", "row"]
        self._frames: list[pl.DataFrame] = []
        self._held = 0
        self._dir: tempfile.TemporaryDirectory[str] | None = None

    def add(self, hashes: pl.Series, rows: pl.Series, row_hashes: pl.Series | None = None) -> None:
        """`row_hashes` exactly when the store carries them."""
        if (row_hashes is not None) != ("r" in self.columns):
            raise ValueError("row hashes go with a store that carries them, and only there")
        columns = {"h": hashes, "r": row_hashes, "row": rows}
        frame = pl.DataFrame({name: columns[name].cast(pl.UInt64) for name in self.columns})
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
                out.write(chunk.select(self.columns).to_numpy().astype(np.uint64).tobytes())

    def partitions(self) -> Iterator[pl.DataFrame]:
        """The hashes, in pieces such that equal hashes are always in the same piece."""
        if self._dir is None:
            if self._frames:
                yield pl.concat(self._frames)
            return
        for path in sorted(Path(self._dir.name).glob("*.bin")):
            values = np.fromfile(path, dtype=np.uint64).reshape(-1, len(self.columns))
            yield pl.DataFrame({name: values[:, i] for i, name in enumerate(self.columns)})

    def close(self) -> None:
        if self._dir is not None:
            self._dir.cleanup()
            self._dir = None
        self._frames = []
