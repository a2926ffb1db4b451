"""Dataset load with the quality gate against a bare bulk load of the same file, same run.

Generates N person rows as CSV, then on PostgreSQL:
  - govshare: `exchange.loading.load` — one pass over the file: each batch is checked by the
    quality engine's incremental checker (GB 11643 check digits, types, lengths, duplicate keys
    across the whole file) while the same batch is COPYed, typed, into the version table on two
    connections; then the gate, the row and key indexes, the atomic switch;
  - baseline: a bare `COPY … FROM STDIN (FORMAT csv)` of the same file into a table of the
    same typed columns (no checks, no index);
and, for reference, a bare SQLite `executemany` of the same file in one transaction.

    python bench/dataset_load.py            # 1,000,000 rows
    python bench/dataset_load.py --quick    # 100,000 rows, under a minute

Reference: CKAN's XLoader ≈5,000 rows/s end to end, its bare COPY step ≈49,000 rows/s.
Target: govshare with the gate on at ≥ 50% of the bare COPY's rows per second.
The last line is one JSON object: bench, metric, value, baseline, ratio, target, met, size.
"""

from __future__ import annotations

import argparse
import csv
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import result_line, scratch_database  # noqa: E402
from _exchange import persons, setup_node  # noqa: E402

TARGET = 0.5
DDL = ('"c0" text, "c1" text, "c2" text, "c3" date, "c4" double precision, "c5" text')


def govshare_load(db, path: Path) -> tuple[float, object]:  # type: ignore[no-untyped-def]
    from govshare.core.audit import Actor
    from govshare.core.auth import Principal, Role
    from govshare.exchange import datasets, loading

    node = setup_node(db)
    actor = Actor.system("bench")
    admin = Principal(kind="user", name="bench", department_id=None, roles=frozenset({Role.PLATFORM_ADMIN}))
    with db.session() as session:
        datasets.configure(session, admin, actor, node.resource_id,
                           datasets.DatasetSettings(key_items=["公民身份号码"]))
    started = time.perf_counter()
    version = loading.load(db, admin, actor, loading.LoadRequest(node.resource_id, path, path.name))
    return time.perf_counter() - started, version


def bare_copy(db, path: Path) -> float:  # type: ignore[no-untyped-def]
    raw = db.engine.raw_connection()
    try:
        cursor = raw.driver_connection.cursor()
        cursor.execute(f"CREATE TABLE bare_copy ({DDL})")
        raw.commit()
        started = time.perf_counter()
        with path.open("rb") as fh, cursor.copy("COPY bare_copy FROM STDIN (FORMAT csv, HEADER true)") as copy:
            while block := fh.read(1 << 20):
                copy.write(block)
        raw.commit()
        return time.perf_counter() - started
    finally:
        raw.close()


def sqlite_bulk(path: Path, folder: Path) -> float:
    conn = sqlite3.connect(folder / "bare.db", isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute(f"CREATE TABLE bare ({DDL.replace('double precision', 'real')})")
    started = time.perf_counter()
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        next(reader)
        conn.execute("BEGIN")
        conn.executemany("INSERT INTO bare VALUES (?, ?, ?, ?, ?, ?)", reader)
        conn.execute("COMMIT")
    seconds = time.perf_counter() - started
    conn.close()
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="100,000 rows")
    parser.add_argument("--rows", type=int, default=None)
    args = parser.parse_args()
    rows = args.rows or (100_000 if args.quick else 1_000_000)
    with tempfile.TemporaryDirectory(prefix="govshare-bench-") as tmp:
        folder = Path(tmp)
        path = folder / "persons.csv"
        persons(rows).write_csv(path)
        print(f"file: {rows:,} rows, {path.stat().st_size / 1e6:.1f} MB")
        sqlite_seconds = sqlite_bulk(path, folder)
        with scratch_database("postgresql") as db:
            copy_seconds = bare_copy(db, path)
            ours_seconds, version = govshare_load(db, path)
        assert version.status.value == "live", version.error  # type: ignore[attr-defined]
        assert version.rows_live == rows  # type: ignore[attr-defined]
    ours, copy_rate, sqlite_rate = rows / ours_seconds, rows / copy_seconds, rows / sqlite_seconds
    print(f"govshare load with quality gate (PostgreSQL): {ours:,.0f} rows/s ({ours_seconds:.2f} s), "
          f"quality score {version.quality_score}")  # type: ignore[attr-defined]
    print(f"bare COPY (PostgreSQL):                        {copy_rate:,.0f} rows/s ({copy_seconds:.2f} s)")
    print(f"bare executemany (SQLite):                     {sqlite_rate:,.0f} rows/s ({sqlite_seconds:.2f} s)")
    ratio = ours / copy_rate
    print(f"ratio to COPY: {ratio:.2f} (target {TARGET}); reference: CKAN XLoader ≈5,000 rows/s vs COPY ≈49,000")
    result_line("dataset_load", "rows_per_second_vs_copy", ours, copy_rate, ratio, TARGET, ratio >= TARGET, rows)


if __name__ == "__main__":
    main()
