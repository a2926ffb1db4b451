"""Two versions of the verify path side by side: which one costs the server less CPU per answer.

    python bench/_ab_verify.py /path/to/checkout-a /path/to/checkout-b [--rounds 6] [--seconds 4]

One scratch node (100,000 persons, exchange_verify's setup) is served by two servers at once,
one from each checkout, and the same closed-loop load (16 clients) is sent to each in turn,
round after round (A first, then B first), verify then the bare endpoint. On a shared machine a single bench run moves
by ±15%; alternating short windows exposes both versions to the same moments, and the medians
decide. A development tool (not run by `make bench`): the schema must be the same in both.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import scratch_database  # noqa: E402
from _http import BARE_PATH, closed_loop, cpu_seconds, served  # noqa: E402
from exchange_verify import PURPOSE, grant_token, load  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("a", type=Path)
    parser.add_argument("b", type=Path)
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--backend", choices=("postgresql", "sqlite"), default="postgresql")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="govshare-ab-") as tmp, scratch_database(args.backend) as db, \
            ExitStack() as servers:
        os.environ["GOVSHARE_DATA_DIR"] = str(Path(tmp) / "var")
        node, _, frame = load(db, 100_000, Path(tmp))
        token = grant_token(db, node)
        sample = frame.sample(20_000, seed=1)
        people = list(zip(sample["公民身份号码"].to_list(), sample["姓名"].to_list(), strict=True))
        sides = {name: servers.enter_context(served(db, tree=tree.resolve())) for name, tree in
                 (("A", args.a), ("B", args.b))}
        counter = iter(range(10**9))
        cpu: dict[str, list[float]] = {f"{kind} {name}": [] for name in sides for kind in ("verify", "bare")}
        for round_ in range(args.rounds):
            order = list(sides.items()) if round_ % 2 == 0 else list(sides.items())[::-1]  # no side always first
            for name, server in order:
                url = f"{server.base}/api/v1/exchange/resources/{node.resource_id}/verify"

                def verify(client, url=url):  # type: ignore[no-untyped-def]
                    number, person = people[next(counter) % len(people)]
                    return client.post(url, headers={"authorization": f"Bearer {token}"},
                                       json={"purpose": PURPOSE, "values": {"公民身份号码": number, "姓名": person}})

                def bare(client, base=server.base):  # type: ignore[no-untyped-def]
                    return client.get(base + BARE_PATH)

                for kind, make in (("verify", verify), ("bare", bare)):
                    if round_ == 0:
                        asyncio.run(closed_loop(make, 1.0, 16))  # warm up
                    before = cpu_seconds(server.pid)
                    tps, _, _, errors = asyncio.run(closed_loop(make, args.seconds, 16))
                    if errors:
                        raise SystemExit(f"{kind} on {name}: {errors} answers were not 200")
                    cpu[f"{kind} {name}"].append(1000 * (cpu_seconds(server.pid) - before) / (tps * args.seconds))
    for label, values in cpu.items():
        print(f"{label:9} server CPU per answer: median {statistics.median(values):.2f} ms, "
              f"min {min(values):.2f} ({' '.join(f'{v:.2f}' for v in values)})")


if __name__ == "__main__":
    main()
