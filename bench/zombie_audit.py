"""Zombie audit at provincial scale: 10,000 systems × 365 days of metrics and 10,000 function
descriptions, with planted zombies of every kind (govshare.systems.synthetic).

Prints the audit's run time (rules + overlap detection; target ≤ 30 s on 2 cores), precision
and recall per kind (target ≥ 0.9 each), and ends with one JSON line. Baseline: a plain
polars group-by (mean CPU per system) over the same metrics frame, measured in the same run,
so the ratio says how many plain scans of the metrics the whole audit costs.

    python bench/zombie_audit.py [--quick]
"""

from __future__ import annotations

import argparse
import json
import time
from datetime import date

import polars as pl

from govshare.core.config import ZombiePolicy
from govshare.systems import synthetic, zombie

TARGET_SECONDS = 30.0
TARGET_QUALITY = 0.9
AS_OF = date(2026, 11, 1)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="2,000 systems instead of 10,000")
    args = parser.parse_args()
    n = 2_000 if args.quick else 10_000
    data = synthetic.generate(n, 365, AS_OF)
    print(f"systems {n}, metric rows {data.metrics.height}")

    start = time.perf_counter()
    data.metrics.group_by("system_id").agg(pl.col("cpu_pct").mean())
    baseline = time.perf_counter() - start

    start = time.perf_counter()
    result = zombie.assess(data.systems, data.metrics, ZombiePolicy(), AS_OF)
    elapsed = time.perf_counter() - start
    print(f"audit {elapsed:.2f} s (baseline group-by {baseline:.3f} s)")

    quality_met = True
    for kind in zombie.RULES:
        flagged = set(result.filter(pl.col("rules").list.contains(kind))["system_id"].to_list())
        planted = data.planted[kind]
        hits = len(flagged & planted)
        precision = hits / len(flagged) if flagged else 0.0
        recall = hits / len(planted) if planted else 0.0
        quality_met &= precision >= TARGET_QUALITY and recall >= TARGET_QUALITY
        near = data.near_misses[kind]
        print(
            f"{kind:13s} planted {len(planted):5d} flagged {len(flagged):5d} "
            f"precision {precision:.3f} recall {recall:.3f} "
            f"(near misses {len(near)}, of them flagged {len(flagged & near)})"
        )
    print(
        json.dumps(
            {
                "bench": "zombie_audit",
                "metric": "audit_seconds",
                "value": round(elapsed, 3),
                "baseline": round(baseline, 4),
                "ratio": round(elapsed / baseline, 1),
                "target": TARGET_SECONDS,
                "met": elapsed <= TARGET_SECONDS and quality_met,
                "size": n,
            }
        )
    )


if __name__ == "__main__":
    main()
