"""Verify (核验) calls over HTTP against the same server's bare endpoint and a direct SQL lookup.

Loads N persons (1,000,000; --quick 100,000) into a scratch node (PostgreSQL, or SQLite with
--backend sqlite) behind a conditional resource, grants a consumer's business system `verify`,
starts one uvicorn worker with the govshare app plus a bare endpoint returning a constant, and
drives both from concurrent clients on loopback (bench/_http.py, shared with base_verify):

  - bare:   GET /bench/bare → {"ok": true} (no database, no authorisation)
  - verify: POST /api/v1/exchange/resources/{id}/verify with an ID number and a name —
            token check, live grant, limits, lookup, comparison, audit record, statistics,
            signed receipt;
  - sql:    the same lookup done directly with the DB-API driver in this process (sequential).

Prints throughput and p50/p99 of each, then verify's p50/p99 at half its peak rate (open loop).
Reference: an X-Road user measured ≈110 TPS through a pair of 32-core security servers against
≈1,000 TPS calling the service directly (≈11%). Target: verify ≥ 40% of the bare endpoint's
throughput, p99 ≤ 20 ms at half the peak load. The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import result_line, scratch_database  # noqa: E402
from _exchange import persons, setup_node  # noqa: E402
from _http import TARGET, compare, percentiles, report, served  # noqa: E402

PURPOSE = "社会保障待遇资格认证"


def grant_token(db, node) -> str:  # type: ignore[no-untyped-def]
    from govshare.core.audit import Actor
    from govshare.core.auth import Principal, Role
    from govshare.exchange import access_requests, limits
    from govshare.exchange.schemas import ApproveIn, RequestIn
    from govshare.orgs import clients
    from govshare.orgs.schemas import ClientIn, TokenIn

    actor = Actor.system("bench")
    consumer = Principal(kind="user", name="bench-consumer", department_id=node.consumer_id,
                         roles=frozenset({Role.DATA_OFFICER}))
    provider = Principal(kind="user", name="bench-provider", department_id=node.provider_id,
                         roles=frozenset({Role.DATA_OFFICER}))
    with db.session() as session:
        client = clients.register_client(session, consumer, actor, ClientIn(name="社保待遇认证系统"))
        token, _ = clients.issue_token(session, consumer, actor, client.id, TokenIn(scopes=["exchange"], days=30))
        found = access_requests.submit(session, consumer, actor, RequestIn(
            resource_id=node.resource_id, purpose=PURPOSE, scenario="待遇资格认证", client_id=client.id,
            items=["公民身份号码", "姓名", "参保状态"], operations=["verify"]))
        access_requests.approve(session, provider, actor, found.id, ApproveIn())
        limits.set_limits(session, actor, client.id, limits.Limits(10**9, 10**9, 1000))
    return token


def load(db, rows: int, folder: Path):  # type: ignore[no-untyped-def]
    from govshare.core.audit import Actor
    from govshare.core.auth import Principal, Role
    from govshare.exchange import datasets, loading

    node = setup_node(db)
    actor = Actor.system("bench")
    admin = Principal(kind="user", name="bench", department_id=None, roles=frozenset({Role.PLATFORM_ADMIN}))
    frame = persons(rows)
    path = folder / "persons.csv"
    frame.write_csv(path)
    with db.session() as session:
        datasets.configure(session, admin, actor, node.resource_id,
                           datasets.DatasetSettings(key_items=["公民身份号码"]))
    version = loading.load(db, admin, actor, loading.LoadRequest(node.resource_id, path, path.name))
    assert version.status.value == "live", version.error
    return node, version, frame


def direct_sql(db, table: str, ids: list[str], names: list[str], seconds: float) -> tuple[float, float, float]:  # type: ignore
    raw = db.engine.raw_connection()
    mark = "%s" if db.backend == "postgresql" else "?"
    try:
        cursor = raw.driver_connection.cursor()
        latencies = []
        stop = time.perf_counter() + seconds
        n = 0
        while time.perf_counter() < stop:
            started = time.perf_counter()
            cursor.execute(f'SELECT "_row", "c1" FROM "{table}" WHERE "c0" = {mark} LIMIT 1', (ids[n % len(ids)],))
            row = cursor.fetchone()
            _ = row is not None and row[1] == names[n % len(ids)]
            raw.driver_connection.commit()
            latencies.append(time.perf_counter() - started)
            n += 1
        p50, p99 = percentiles(latencies)
        return n / sum(latencies), p50, p99
    finally:
        raw.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="100,000 persons, shorter runs")
    parser.add_argument("--rows", type=int, default=None)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--backend", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--workers", type=int, default=1,
                        help="server worker processes (both endpoints are served by the same server)")
    args = parser.parse_args()
    rows = args.rows or (100_000 if args.quick else 1_000_000)
    seconds = 4.0 if args.quick else 15.0
    with tempfile.TemporaryDirectory(prefix="govshare-bench-") as tmp, scratch_database(args.backend) as db:
        folder = Path(tmp)
        os.environ["GOVSHARE_DATA_DIR"] = str(folder / "var")
        node, version, frame = load(db, rows, folder)
        token = grant_token(db, node)
        print(f"{args.backend}: loaded {version.rows_live:,} persons; version table {version.table_name}")
        sample = frame.sample(min(rows, 20_000), seed=1)
        ids, names = sample["公民身份号码"].to_list(), sample["姓名"].to_list()
        with served(db, args.workers) as server:
            headers = {"authorization": f"Bearer {token}"}
            url = f"{server.base}/api/v1/exchange/resources/{node.resource_id}/verify"
            counter = iter(range(10**9))

            def verify(client):  # type: ignore[no-untyped-def]
                n = next(counter) % len(ids)
                return client.post(url, headers=headers, json={"purpose": PURPOSE, "values": {
                    "公民身份号码": ids[n], "姓名": names[n]}})

            result = compare(server, verify, seconds, args.concurrency)
        sql_tps, sql_p50, sql_p99 = direct_sql(db, version.table_name, ids, names, min(seconds, 5.0))
    report(result, "verify")
    print(f"direct SQL:      {sql_tps:8,.0f} q/s    p50 {sql_p50:6.2f} ms  p99 {sql_p99:6.2f} ms")
    result_line("exchange_verify", "verify_tps_vs_bare", result.tps, result.bare_tps, result.ratio, TARGET, result.met,
                {"rows": rows, "backend": args.backend, "p99_half_peak_ms": round(result.half_p99, 2)})


if __name__ == "__main__":
    random.seed(2017)
    main()
