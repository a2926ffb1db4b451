"""Open-data portal: CKAN package_search p95 over open datasets with facets, and streaming a
large dataset as CSV against reading the same stored rows with a plain SQL cursor.

    python bench/opendata.py                 # 20,000 open datasets; 1,000,000 rows
    python bench/opendata.py --quick         # 20,000 open datasets; 200,000 rows (under a minute)
    python bench/opendata.py --database postgresql://postgres@127.0.0.1:5432/postgres

The datasets are the catalog bench's synthetic published resources (bench/catalog_search.py),
all marked open. package_search runs through the same function the CKAN route calls, with four
facet fields and ten results a page. The CSV stream is the route's generator (de-identification
plan, polars formatting, raw cursor); the baseline fetches the same rows with a plain DB-API
cursor and does nothing with them. Targets: p95 ≤ 50 ms; CSV ≥ 50% of the cursor's MB/s.
The last line is one JSON object: bench, metric, value, baseline, ratio, target, met, size.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import polars as pl

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent / "src"))
sys.path.insert(0, str(BENCH))

from _common import result_line  # noqa: E402
from catalog_search import QUERIES, _build, _open_database  # noqa: E402
from sqlalchemy import text  # noqa: E402

from govshare.core import migrate  # noqa: E402
from govshare.core.db import Database, utcnow  # noqa: E402

TARGET_P95_MS, TARGET_RATIO = 50.0, 0.5
FACETS = ["organization", "groups", "frequency", "quality"]


def _open_everything(db: Database) -> None:
    with db.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE catalog_resource SET open = true")
        conn.exec_driver_sql("UPDATE catalog_version SET open = true, open_conditions = '注明来源'")
        conn.exec_driver_sql("ANALYZE")


def _search_p95(db: Database, queries: int) -> tuple[float, float, int]:
    from govshare.opendata import ckan

    rng = random.Random(5)
    samples, total = [], 0
    with db.session() as session:
        ctx = ckan.Context(session, "http://bench", None)
        ckan.package_search(ctx, {"q": QUERIES[0], "facet.field": FACETS})  # warm caches and jieba
        for n in range(queries):
            params = {"q": QUERIES[n % len(QUERIES)] if n % 4 else "", "facet.field": FACETS, "rows": 10}
            if n % 5 == 2:
                params["fq"] = f"groups:{rng.choice(['101', '201', '202', '301'])}"
            started = time.perf_counter()
            total += ckan.package_search(ctx, params)["count"]
            samples.append((time.perf_counter() - started) * 1000)
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[max(0, int(len(ordered) * 0.95) - 1)], total


def _big_dataset(db: Database, rows: int) -> int:
    """A published open resource with `rows` rows in a live exchange table (written directly:
    the loader and its quality gate have their own bench)."""
    from govshare.catalog.models import CatalogResource
    from govshare.exchange import tables
    from govshare.exchange.items import Column
    from govshare.exchange.models import Dataset, DatasetVersion, GatePolicy, LoadMode, LoadStatus

    columns = [Column("监测站点", "c0", "string", 50), Column("监测日期", "c1", "date"),
               Column("空气质量指数", "c2", "number"), Column("首要污染物", "c3", "string", 20)]
    with db.session() as session:
        resource = session.get(CatalogResource, 1)
        dataset = Dataset(resource_id=resource.id, provider_id=resource.provider_id, key_items=[],
                          gate=GatePolicy.KEY_ERRORS, min_score=0, endpoint_url="", change_seq=0)
        session.add(dataset)
        session.flush()
        version = DatasetVersion(dataset_id=dataset.id, number=1, status=LoadStatus.LIVE, mode=LoadMode.REPLACE,
                                 table_name=tables.table_name(dataset.id, 1), columns=[c.as_dict() for c in columns],
                                 key_items=[], rows_live=rows, quality_score=97.5, finished_at=utcnow())
        session.add(version)
        session.flush()
        dataset.live_version_id = version.id
        table = tables.table_for(version.table_name, columns)
        conn = session.connection()
        tables.create(conn, table)
        stations = ["西湖区云栖", "拱墅区和睦", "滨江区浦沿", "萧山区城厢", "余杭区良渚"]
        for start in range(0, rows, 100_000):
            n = min(100_000, rows - start)
            frame = pl.DataFrame({
                "_row": list(range(start + 1, start + n + 1)),
                "c0": [stations[i % 5] for i in range(start, start + n)],
                "c1": [date(2020, 1, 1) + timedelta(days=i % 2000) for i in range(start, start + n)],
                "c2": [float(20 + i % 180) for i in range(start, start + n)],
                "c3": [("PM2.5", "O3", "PM10", "NO2")[i % 4] for i in range(start, start + n)],
            })
            tables.write(conn, table, frame)
        tables.index(conn, table)
        return resource.id


def _stream(db: Database, resource_id: int) -> tuple[float, int]:
    from govshare.catalog.models import CatalogResource
    from govshare.opendata import downloads, metadata
    from govshare.opendata.rows import Query

    with db.session() as session:
        meta = metadata.build(session, session.get(CatalogResource, resource_id))
    assert meta.data is not None
    started, size = time.perf_counter(), 0
    for chunk in downloads.csv_stream(db.engine, meta.data, Query()):
        size += len(chunk)
    return time.perf_counter() - started, size


def _plain_cursor(db: Database, resource_id: int) -> tuple[float, int]:
    with db.engine.connect() as conn:
        name = conn.execute(text("SELECT v.table_name FROM exchange_dataset d JOIN exchange_dataset_version v "
                                 "ON v.id = d.live_version_id WHERE d.resource_id = :r"), {"r": resource_id}).scalar()
    raw = db.engine.raw_connection()
    try:
        started, count = time.perf_counter(), 0
        if db.backend == "postgresql":
            cursor = raw.driver_connection.cursor(name="bench_plain")  # type: ignore[union-attr]
        else:
            cursor = raw.cursor()
        cursor.execute(f'SELECT _row, c0, c1, c2, c3 FROM "{name}" ORDER BY _row')
        while chunk := cursor.fetchmany(20_000):
            count += len(chunk)
        elapsed = time.perf_counter() - started
        cursor.close()
    finally:
        raw.rollback()
        raw.close()
    return elapsed, count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="200,000 rows and 60 queries (under a minute)")
    parser.add_argument("--datasets", type=int, default=20_000)
    parser.add_argument("--rows", type=int)
    parser.add_argument("--database", help="sqlite:///path or postgresql://… (a scratch database is made)")
    args = parser.parse_args()
    rows = args.rows or (200_000 if args.quick else 1_000_000)
    queries = 60 if args.quick else 200
    db, drop = _open_database(args.database)
    try:
        migrate.upgrade(db.engine)
        built = _build(db, args.datasets, random.Random(2017))
        _open_everything(db)
        print(f"{args.datasets} open datasets built in {built:.1f} s ({db.backend})")
        median, p95, _total = _search_p95(db, queries)
        print(f"package_search with {len(FACETS)} facets: median {median:.1f} ms, p95 {p95:.1f} ms "
              f"(target ≤ {TARGET_P95_MS:.0f} ms) over {queries} queries")
        resource_id = _big_dataset(db, rows)
        cursor_s, count = _plain_cursor(db, resource_id)
        csv_s, size = _stream(db, resource_id)
        assert count == rows
        mb = size / 1e6
        csv_rate, cursor_rate = mb / csv_s, mb / cursor_s
        ratio = csv_rate / cursor_rate
        print(f"{rows:,} rows, {mb:.1f} MB of CSV: streamed {csv_rate:.1f} MB/s ({csv_s:.2f} s); plain cursor "
              f"{cursor_rate:.1f} MB/s-equivalent ({cursor_s:.2f} s); ratio {ratio:.2f} (target ≥ {TARGET_RATIO})")
        met = ratio >= TARGET_RATIO and p95 <= TARGET_P95_MS
        result_line("opendata", "csv_stream_mb_per_s", csv_rate, cursor_rate, ratio, TARGET_RATIO, met,
                    {"datasets": args.datasets, "rows": rows, "backend": db.backend,
                     "package_search_p95_ms": round(p95, 2), "package_search_target_ms": TARGET_P95_MS})
    finally:
        drop()


if __name__ == "__main__":
    main()
