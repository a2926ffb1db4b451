"""Audited writes per second against the same writes without the audit record.

A "write" is what every govshare service function does: one transaction that adds one
mapped object through the ORM session and commits. The audited variant adds one chained
audit record in the same transaction.
Measured with 1 and 8 concurrent writers on SQLite and PostgreSQL, set up as the web app is:
a background sealer attached (on PostgreSQL it chains the records after commit; on SQLite
writers chain their own at commit and it has nothing to do). The clock stops when every
record is chained; afterwards the chain is verified (it must never fork, and nothing may be
left pending). Target: audit cost ≤ 1.5× a plain write, i.e. the audited variant takes at
most 1.5 times as long for the same writes. The CPU cost (all threads) is printed beside
it: what the audit adds in work, which load on a shared machine does not move much.

    python bench/audit_chain.py [--quick] [--writes N] [--rounds R] [--backends sqlite,postgresql]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import result_line, scratch_database  # noqa: E402
from sqlalchemy import Integer, String  # noqa: E402
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column  # noqa: E402

from govshare.core import audit  # noqa: E402
from govshare.core.audit import Actor, BackgroundSealer, verify_chain  # noqa: E402
from govshare.core.db import Database  # noqa: E402


class _Scratch(DeclarativeBase):
    pass


class Item(_Scratch):
    __tablename__ = "bench_item"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))


scratch = _Scratch.metadata
ACTOR = Actor(name="bench", user_id=1, department_id=1, source_ip="127.0.0.1")


def _write(db: Database, n: int, audited: bool, worker: int) -> None:
    for i in range(n):
        with db.session() as session:
            session.add(Item(name=f"w{worker}-{i}"))
            if audited:
                audit.record(session, ACTOR, "bench.write", object_type="bench_item", object_id=i)


@dataclass
class _Spent:
    """Wall-clock and CPU seconds (all threads of this process) of one variant's writes."""

    wall: float = 0.0
    cpu: float = 0.0


def _run(db: Database, writes: int, writers: int, audited: bool) -> _Spent:
    """Time and CPU of `writes` writes; for audited writes the clock stops only once every
    record is chained (after the sealer's last round where there is one), so chaining's work
    is counted in full."""
    per_writer = writes // writers
    threads = [threading.Thread(target=_write, args=(db, per_writer, audited, w)) for w in range(writers)]
    sealer = BackgroundSealer(db) if audited else None
    cpu, start = time.process_time(), time.perf_counter()
    if sealer is not None:
        db.sealer = sealer  # as in the web app: commits wake a sealer that chains in batches
        sealer.start()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if sealer is not None:
        db.sealer = None
        sealer.stop()  # seals whatever is left
    return _Spent(time.perf_counter() - start, time.process_time() - cpu)


def _compare(db: Database, writes: int, writers: int, rounds: int) -> dict:
    """Rounds of one plain and one audited run back to back, each variant going first in
    turn. The cost is the median of the rounds' ratios: on a shared machine a burst of load
    lands on one run of a round, and the median leaves that round out where a total would
    carry it. The CPU ratio, over all rounds, is what the audit adds in work, whatever the load."""
    plain, audited, ratios = _Spent(), _Spent(), []
    for i in range(rounds):
        first, second = (True, False) if i % 2 else (False, True)
        runs = {first: _run(db, writes, writers, first), second: _run(db, writes, writers, second)}
        ratios.append(runs[True].wall / runs[False].wall)
        for total, run in ((plain, runs[False]), (audited, runs[True])):
            total.wall += run.wall
            total.cpu += run.cpu
    done = (writes // writers) * writers * rounds
    return {"writers": writers, "plain_per_s": done / plain.wall, "audited_per_s": done / audited.wall,
            "cost": statistics.median(ratios), "spread": (min(ratios), max(ratios)),
            "cpu_cost": audited.cpu / plain.cpu}


def run(backend: str, writes: int, rounds: int) -> list[dict]:
    with scratch_database(backend) as db:
        scratch.create_all(db.engine)
        _run(db, 50, 1, True)  # warm-up: connections, caches
        _run(db, 50, 1, False)
        rows = [{"backend": backend, **_compare(db, writes, writers, rounds)} for writers in (1, 8)]
        with db.session() as session:
            report = verify_chain(session)
        for row in rows:
            row["chain_ok"] = report.ok and report.pending == 0
            row["records"] = report.checked
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes, under a minute")
    parser.add_argument("--writes", type=int, default=None, help="writes per run")
    parser.add_argument("--rounds", type=int, default=None, help="rounds of one plain and one audited run")
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args()
    writes = args.writes or (100 if args.quick else 500)
    rounds = args.rounds or (10 if args.quick else 8)
    rows = [row for backend in args.backends.split(",") for row in run(backend, writes, rounds)]
    print(f"{'backend':<11} {'writers':>7} {'plain/s':>9} {'audited/s':>10} {'cost':>6} {'rounds':>11} "
          f"{'cpu cost':>8} chain")
    for r in rows:
        low, high = r["spread"]
        print(f"{r['backend']:<11} {r['writers']:>7} {r['plain_per_s']:>9.0f} {r['audited_per_s']:>10.0f} "
              f"{r['cost']:>6.2f} {low:>5.2f}–{high:<5.2f} {r['cpu_cost']:>8.2f} "
              f"{'ok' if r['chain_ok'] else 'FORKED/BROKEN'} ({r['records']} records)")
    worst = max(rows, key=lambda r: r["cost"])
    met = worst["cost"] <= 1.5 and all(r["chain_ok"] for r in rows)
    result_line("audit_chain", "audited_writes_per_s(worst)", worst["audited_per_s"], worst["plain_per_s"],
                worst["cost"], 1.5, met, f"{rounds}x{writes} writes x {{1,8}} writers x {args.backends}")


if __name__ == "__main__":
    main()
