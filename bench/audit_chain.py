"""Audited writes per second against the same writes without the audit record.

A "write" is what every govshare service function does: one transaction that adds one
mapped object through the ORM session and commits. The audited variant adds one chained
audit record in the same transaction.
Measured with 1 and 8 concurrent writers on SQLite and PostgreSQL, with the background sealer
the web app runs (the clock stops when every record is chained); afterwards the chain is
verified (it must never fork, and nothing may be left pending). Target: audit cost ≤ 1.5×
a plain write, i.e. the audited variant takes at most 1.5 times as long for the same writes.

    python bench/audit_chain.py [--quick] [--writes N] [--backends sqlite,postgresql]
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
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


def _rate(db: Database, writes: int, writers: int, audited: bool) -> float:
    """Writes per second; for audited writes the clock stops only once every record is
    sealed into the chain, so the sealer's work is counted in full."""
    per_writer = writes // writers
    threads = [threading.Thread(target=_write, args=(db, per_writer, audited, w)) for w in range(writers)]
    sealer = BackgroundSealer(db) if audited else None
    start = time.perf_counter()
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
    return per_writer * writers / (time.perf_counter() - start)


def _time(db: Database, writes: int, writers: int, audited: bool) -> float:
    return writes / _rate(db, writes, writers, audited)


def run(backend: str, writes: int, rounds: int) -> list[dict]:
    rows = []
    with scratch_database(backend) as db:
        scratch.create_all(db.engine)
        _rate(db, 50, 1, True)  # warm-up: connections, caches
        _rate(db, 50, 1, False)
        for writers in (1, 8):
            # Several short rounds, the two variants alternating and each going first in turn,
            # so that drift in the machine's load hits both alike; the cost compares the
            # total time of each variant over the same number of writes.
            plain = audited = 0.0
            for i in range(rounds):
                if i % 2:
                    audited += _time(db, writes, writers, audited=True)
                    plain += _time(db, writes, writers, audited=False)
                else:
                    plain += _time(db, writes, writers, audited=False)
                    audited += _time(db, writes, writers, audited=True)
            done = writes * rounds
            rows.append({"backend": backend, "writers": writers, "plain_per_s": done / plain,
                         "audited_per_s": done / audited, "cost": audited / plain})
        with db.session() as session:
            report = verify_chain(session)
        for row in rows:
            row["chain_ok"] = report.ok and report.pending == 0
            row["records"] = report.checked
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes, under a minute")
    parser.add_argument("--writes", type=int, default=None, help="writes per measurement")
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args()
    writes = args.writes or (200 if args.quick else 500)
    rounds = 2 if args.quick else 4
    rows = [row for backend in args.backends.split(",") for row in run(backend, writes, rounds)]
    print(f"{'backend':<11} {'writers':>7} {'plain/s':>9} {'audited/s':>10} {'cost':>6} chain")
    for r in rows:
        print(f"{r['backend']:<11} {r['writers']:>7} {r['plain_per_s']:>9.0f} {r['audited_per_s']:>10.0f} "
              f"{r['cost']:>6.2f} {'ok' if r['chain_ok'] else 'FORKED/BROKEN'} ({r['records']} records)")
    worst = max(rows, key=lambda r: r["cost"])
    met = worst["cost"] <= 1.5 and all(r["chain_ok"] for r in rows)
    result_line("audit_chain", "audited_writes_per_s(worst)", worst["audited_per_s"], worst["plain_per_s"],
                worst["cost"], 1.5, met, f"{rounds}x{writes} writes x {{1,8}} writers x {args.backends}")


if __name__ == "__main__":
    main()
