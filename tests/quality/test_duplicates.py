"""Duplicate keys and rows from hashes agree with grouping the values themselves: whatever the
batches, spilled to disk or not, with keys that have nulls, several keys, or none."""

from __future__ import annotations

import random

import polars as pl
import pytest

from govshare.quality import hashes
from govshare.quality.duplicates import EXAMPLES, Duplicates
from govshare.quality.readers import ROW_INDEX
from govshare.quality.report import DuplicateResult

COLUMNS = ["a", "b", "c"]


def _frame(rows: int, seed: int) -> pl.DataFrame:
    """Few distinct values, so keys and whole rows repeat often; some keys null."""
    rng = random.Random(seed)

    def value(null_rate: float) -> str | None:
        return None if rng.random() < null_rate else str(rng.randrange(6))

    data = {"a": [value(0.1) for _ in range(rows)], "b": [value(0.05) for _ in range(rows)],
            "c": [value(0.0) for _ in range(rows)]}
    return pl.DataFrame(data, schema={c: pl.String for c in COLUMNS}).with_row_index(
        ROW_INDEX, offset=2).with_columns(pl.col(ROW_INDEX).cast(pl.Int64))


def _expected(frame: pl.DataFrame, key: list[str]) -> DuplicateResult:
    """Grouping on the values: a key's rows with a null in it are never duplicates."""
    rows = frame.drop_nulls(key) if key else frame
    groups = (rows.group_by(key or COLUMNS).agg(pl.col(ROW_INDEX).sort().alias("rows"))
              .filter(pl.col("rows").list.len() > 1).sort(pl.col("rows").list.first()))
    surplus = sorted(r for g in groups["rows"].to_list() for r in g[1:])
    return DuplicateResult(key=key, groups=groups.height, surplus_rows=len(surplus),
                           examples=[g[:5] for g in groups["rows"].to_list()[:EXAMPLES]],
                           surplus_row_numbers=surplus)


@pytest.mark.parametrize("key_sets", [[["a"]], [["a", "b"], ["c"]], [], [["b"], ["a"]]])
@pytest.mark.parametrize("memory_rows", [10**6, 50])
def test_hashes_find_what_grouping_the_values_finds(monkeypatch: pytest.MonkeyPatch, key_sets: list[list[str]],
                                                    memory_rows: int) -> None:
    monkeypatch.setattr(hashes, "MEMORY_ROWS", memory_rows)
    frame = _frame(400, seed=len(key_sets) + memory_rows)
    duplicates = Duplicates(key_sets, COLUMNS)
    for start in range(0, frame.height, 37):
        duplicates.add(frame.slice(start, 37))
    results = duplicates.results(keep_rows=True)
    assert [r.key for r in results] == [*key_sets, []]
    for result in results:
        expected = _expected(frame, result.key)
        assert (result.groups, result.surplus_rows) == (expected.groups, expected.surplus_rows)
        assert result.examples == expected.examples
        assert result.surplus_row_numbers == expected.surplus_row_numbers


def test_a_key_missing_from_the_file_is_not_checked() -> None:
    duplicates = Duplicates([["x"], ["a"]], COLUMNS)
    duplicates.add(_frame(50, seed=1))
    assert [r.key for r in duplicates.results(keep_rows=False)] == [["a"], []]
