"""The incremental checker: fed the same file in batches of any size, it gives check_file's
report, duplicates across batch boundaries included (check_file is itself a user of it)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from govshare.quality.engine import Checker, CheckOptions, check_file
from govshare.quality.readers import Source
from tests.quality.helpers import HEADER, people, person_schema, rule_failures, write_csv

OPTIONS = dict(as_of=datetime(2026, 3, 20, tzinfo=UTC), keep_rows=True)


def _comparable(report) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    data = report.to_dict()
    for timing in ("checked_at", "seconds", "rows_per_second"):
        data.pop(timing)
    return data | {"failing_rows": report.failing_rows,
                   "surplus_rows": [d.surplus_row_numbers for d in report.duplicates]}


def _fed(path: Path, piece_rows: int, chunk_bytes: int) -> Any:
    """The file read in chunks of about chunk_bytes, each cut again into pieces of piece_rows."""
    options = CheckOptions(**OPTIONS)  # type: ignore[arg-type]
    with Source(path, chunk_bytes=chunk_bytes) as source:
        checker = Checker(source, person_schema(), options)
        fed = 0
        for batch in source.batches(checker.date_formats):
            for start in range(0, batch.height, piece_rows):
                checker.feed(batch.slice(start, piece_rows))
                fed += 1
        return checker.finish(), fed


def _messy(tmp_path: Path) -> Path:
    rows = people(40)
    rows[3][0] = rows[3][0][:17] + ("0" if rows[3][0][17] != "0" else "1")  # wrong check character
    rows[7][2] = "9"  # not a gender code
    rows[12][3] = "20261301"  # not a date
    rows[33] = list(rows[2])  # the same row again, far from the first: another batch
    rows[38][0] = rows[5][0]  # a duplicate key only
    rows[20] = [""] * len(HEADER)  # a blank line
    return write_csv(tmp_path / "p.csv", rows)


@pytest.mark.parametrize(("piece_rows", "chunk_bytes"), [(1, 1 << 20), (7, 1 << 20), (5, 300), (1000, 900)])
def test_any_batching_gives_check_files_report(tmp_path: Path, piece_rows: int, chunk_bytes: int) -> None:
    path = _messy(tmp_path)
    whole = check_file(path, person_schema(), CheckOptions(**OPTIONS))  # type: ignore[arg-type]
    fed, batches = _fed(path, piece_rows, chunk_bytes)
    assert batches > 1 or piece_rows == 1000
    assert _comparable(fed) == _comparable(whole)
    assert rule_failures(fed, "gb11643.check_digit:公民身份号码") == 1 and fed.blank_rows == 1


def test_duplicates_are_found_across_batch_boundaries(tmp_path: Path) -> None:
    path = _messy(tmp_path)
    report, batches = _fed(path, 3, 1 << 20)
    assert batches >= 13  # rows 4 and 35 (a repeated row), 7 and 40 (a repeated key) never share a batch
    by_key = {tuple(d.key): d for d in report.duplicates}
    assert by_key[("公民身份号码",)].surplus_rows == 2 and by_key[("公民身份号码",)].surplus_row_numbers == [35, 40]
    assert by_key[()].surplus_rows == 1 and by_key[()].examples == [[4, 35]]
    assert not report.ok


def test_empty_and_header_only_files_finish_with_their_issue(tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    for path, code in ((empty, "empty_file"), (write_csv(tmp_path / "h.csv", []), "no_data")):
        with Source(path) as source:
            checker = Checker(source, person_schema())
            for batch in source.batches():
                checker.feed(batch)
            report = checker.finish()
        assert code in {i["code"] for i in report.issues} and report.rows == 0
        assert _comparable(report)["issues"] == _comparable(check_file(path, person_schema()))["issues"]


def test_suspicious_rows_checked_in_groups_of_any_size_give_the_same_report(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Suspicious rows wait for their detail checks until enough have gathered: checking them
    two at a time, across batch boundaries, reports what checking them all at the end does."""
    from govshare.quality import engine

    path = _messy(tmp_path)
    at_the_end, _ = _fed(path, 7, 1 << 20)
    monkeypatch.setattr(engine, "SUSPICIOUS_ROWS", 2)
    in_pairs, _ = _fed(path, 7, 1 << 20)
    assert _comparable(in_pairs) == _comparable(at_the_end)
    assert rule_failures(in_pairs, "gb11643.check_digit:公民身份号码") == 1
