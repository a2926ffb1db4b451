"""Shared by the benchmarks that call govshare over HTTP (exchange_verify, base_verify): the
govshare app served by uvicorn in its own process beside a bare endpoint returning a constant,
concurrent clients on loopback, and the comparison both benches print.

    with served(db) as server:
        result = compare(server, lambda client: client.post(...), seconds=4.0, concurrency=16)

The comparison: the bare endpoint's throughput at peak (closed loop), the call's throughput at
peak, the server's own CPU per answer of each (steadier than rates on a shared machine), then the
call's latency at half its peak rate (open loop: requests start on schedule whatever the answers
do). Target of both benches: the call ≥ 40% of the bare endpoint's throughput, p99 ≤ 20 ms at
half the peak.
"""

from __future__ import annotations

import asyncio
import gc
import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TARGET = 0.4
P99_TARGET_MS = 20.0
BARE_PATH = "/bench/bare"

Make = Callable[[Any], Awaitable[Any]]  # an httpx.AsyncClient → its answer


def bench_app():  # type: ignore[no-untyped-def]
    """The govshare app plus the bare endpoint (a factory: each server worker builds its own)."""
    from fastapi import Depends

    from govshare.web.app import create_app
    from govshare.web.deps import public

    app = create_app()
    app.add_api_route(BARE_PATH, lambda: {"ok": True}, methods=["GET"], dependencies=[Depends(public)])
    return app


@dataclass
class Server:
    base: str
    pid: int


@contextmanager
def served(db, workers: int = 1, tree: Path = ROOT) -> Iterator[Server]:  # type: ignore[no-untyped-def]
    """`workers` uvicorn worker processes (one, as `govshare serve` runs, unless told) serving
    the app on `db`, with the audit sealed in the background as the web app does. `tree`: the
    checkout whose code serves (another one's, to compare two versions, see _ab_verify.py)."""
    port = _free_port()
    env = {**os.environ, "GOVSHARE_DATABASE_URL": db.engine.url.render_as_string(hide_password=False),
           "GOVSHARE_AUDIT_SEALING": "background",
           "PYTHONPATH": os.pathsep.join((str(tree / "src"), str(tree / "bench")))}
    process = subprocess.Popen([sys.executable, str(tree / "bench" / "_http.py"), str(port), str(workers)], env=env)
    try:
        base = f"http://127.0.0.1:{port}"
        _wait(base)
        yield Server(base, process.pid)
    finally:
        process.terminate()
        process.wait(timeout=30)


@dataclass
class Comparison:
    bare_tps: float
    bare_p50: float
    bare_p99: float
    bare_errors: int
    tps: float
    p50: float
    p99: float
    errors: int
    bare_cpu_ms: float  # server CPU per answer
    cpu_ms: float
    half_p50: float
    half_p99: float
    half_errors: int

    @property
    def ratio(self) -> float:
        return self.tps / self.bare_tps

    @property
    def met(self) -> bool:
        return self.ratio >= TARGET and self.half_p99 <= P99_TARGET_MS and self.errors == 0 and self.half_errors == 0


def compare(server: Server, make: Make, seconds: float, concurrency: int) -> Comparison:
    def bare(client):  # type: ignore[no-untyped-def]
        return client.get(server.base + BARE_PATH)

    asyncio.run(closed_loop(make, 1.0, concurrency))  # warm up
    before = cpu_seconds(server.pid)
    bare_tps, bare_p50, bare_p99, bare_errors = asyncio.run(closed_loop(bare, seconds, concurrency))
    between = cpu_seconds(server.pid)
    tps, p50, p99, errors = asyncio.run(closed_loop(make, seconds, concurrency))
    bare_cpu, cpu = between - before, cpu_seconds(server.pid) - between
    half_p50, half_p99, half_errors = asyncio.run(open_loop(make, max(1.0, tps / 2), seconds))
    return Comparison(bare_tps, bare_p50, bare_p99, bare_errors, tps, p50, p99, errors,
                      1000 * bare_cpu / (bare_tps * seconds), 1000 * cpu / (tps * seconds),
                      half_p50, half_p99, half_errors)


def report(result: Comparison, name: str) -> None:
    """The comparison's lines, before the bench's own and its JSON line."""
    r = result
    print(f"bare endpoint:   {r.bare_tps:8,.0f} req/s  p50 {r.bare_p50:6.2f} ms  p99 {r.bare_p99:6.2f} ms  "
          f"errors {r.bare_errors}")
    print(f"{name + ' (HTTP):':16} {r.tps:8,.0f} req/s  p50 {r.p50:6.2f} ms  p99 {r.p99:6.2f} ms  errors {r.errors}")
    print(f"server CPU per answer: bare {r.bare_cpu_ms:.2f} ms, {name} {r.cpu_ms:.2f} ms "
          f"(load average {os.getloadavg()[0]:.1f})")
    print(f"{name} at half peak ({r.tps / 2:,.0f} req/s): p50 {r.half_p50:.2f} ms  p99 {r.half_p99:.2f} ms  "
          f"errors {r.half_errors} (target p99 ≤ {P99_TARGET_MS} ms)")
    print(f"{name} / bare = {r.ratio:.2f} (target {TARGET}); X-Road reference ≈ 0.11")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time so far of a process and its running children, the server's
    worker processes (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    own = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return own + sum(cpu_seconds(int(child)) for child in children)


def percentiles(latencies: list[float]) -> tuple[float, float]:
    """p50 and p99 in milliseconds."""
    ordered = sorted(latencies)
    return (statistics.median(ordered) * 1000, ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000)


@contextmanager
def collector_paused() -> Iterator[None]:
    """The load generator's garbage collector off while it measures. This process holds the
    whole app and the bench's data (about a million objects), and a full collection of them
    stopped it for about 120 ms: every answer in flight then seemed that much slower, and one
    such pause in a half-peak window was its p99 (a `gc.callbacks` probe). The server is what
    is measured, and its own collector stays on."""
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


async def closed_loop(make: Make, seconds: float, concurrency: int) -> tuple[float, float, float, int]:
    """Peak: `concurrency` clients each sending the next request as soon as the last answered."""
    import httpx

    latencies: list[float] = []
    errors = 0
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    with collector_paused():
        async with httpx.AsyncClient(limits=limits, timeout=30) as client:
            stop = time.perf_counter() + seconds  # after the client is built: slow on a loaded machine

            async def worker() -> None:
                nonlocal errors
                while time.perf_counter() < stop:
                    started = time.perf_counter()
                    answer = await make(client)
                    latencies.append(time.perf_counter() - started)
                    errors += answer.status_code != 200

            began = time.perf_counter()
            await asyncio.gather(*[worker() for _ in range(concurrency)])
            elapsed = time.perf_counter() - began
    p50, p99 = percentiles(latencies)
    return len(latencies) / elapsed, p50, p99, errors


async def open_loop(make: Make, rate: float, seconds: float) -> tuple[float, float, int]:
    """Latency at a fixed arrival rate (requests start on schedule whatever the answers do)."""
    import httpx

    latencies: list[float] = []
    errors = 0
    with collector_paused():
        async with httpx.AsyncClient(limits=httpx.Limits(max_connections=256), timeout=30) as client:
            async def one() -> None:
                nonlocal errors
                started = time.perf_counter()
                answer = await make(client)
                latencies.append(time.perf_counter() - started)
                errors += answer.status_code != 200

            tasks = []
            began = time.perf_counter()
            for n in range(int(rate * seconds)):
                delay = began + n / rate - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                tasks.append(asyncio.create_task(one()))
            await asyncio.gather(*tasks)
    p50, p99 = percentiles(latencies)
    return p50, p99, errors


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(base: str) -> None:
    import httpx

    deadline = time.monotonic() + 240  # a loaded shared machine starts slowly
    while time.monotonic() < deadline:
        try:
            if httpx.get(base + BARE_PATH, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError("the server did not start")


if __name__ == "__main__":  # the server process: python _http.py PORT WORKERS
    import uvicorn

    uvicorn.run("_http:bench_app", factory=True, workers=int(sys.argv[2]), host="127.0.0.1", port=int(sys.argv[1]),
                log_level="warning", access_log=False)
