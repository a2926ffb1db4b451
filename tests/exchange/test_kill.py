"""A load killed midway (kill -9) leaves the previous version served and intact; the killed load
is then resumed after the rows it had committed, without loading any row twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select

import govshare
from govshare.core.db import Database
from govshare.exchange import loading
from govshare.exchange.models import DatasetVersion
from tests.exchange.conftest import load_rows, operator, person, publish_resource, write_csv
from tests.factories import login

# Small batches, not a big file: 300 pieces, of which the kill lets one commit.
ROWS = 30_000
BATCH = 100
# The child is the real CLI load, stopped while typing its second piece: the first piece commits,
# no later one is ever written, and the kill lands while the load is surely midway. (A pause after
# each piece was not enough: on a busy machine all 300 could commit before this test polled.) It
# stops outside any transaction, so this test's own reads never wait on its lock (SQLite).
SLOW_CHILD = """
import sys, threading, time
from govshare.exchange import tables
typed_batch = tables.typed_batch
typed = []
lock = threading.Lock()
def stopping_typed_batch(*args, **kwargs):
    with lock:
        typed.append(1)
        first = len(typed) == 1
    if not first:
        time.sleep(600)  # until killed
    return typed_batch(*args, **kwargs)
tables.typed_batch = stopping_typed_batch
from govshare.cli import main
sys.argv = ["govshare", *sys.argv[1:]]
main()
"""


def _rows(client: TestClient, resource_id: int) -> list[dict]:
    answer = client.post(f"/api/v1/exchange/resources/{resource_id}/query", headers=login(client, "hr.user"),
                         json={"purpose": "核对", "limit": 100})
    assert answer.status_code == 200, answer.text
    return answer.json()["rows"]


def _second_version(db: Database) -> DatasetVersion | None:
    with db.session() as session:
        return session.scalar(select(DatasetVersion).where(DatasetVersion.number == 2))


def test_kill_9_midway_keeps_previous_version(client: TestClient, world, db: Database, tmp_path: Path) -> None:
    resource = publish_resource(client)
    first = [person(i) for i in range(10)]
    load_rows(db, resource.id, write_csv(tmp_path / "v1.csv", first), keys=["公民身份号码"])
    before = _rows(client, resource.id)
    big = write_csv(tmp_path / "v2.csv", [person(i) for i in range(ROWS)])
    env = {**os.environ, "PYTHONPATH": str(Path(govshare.__file__).parent.parent)}
    child = subprocess.Popen([sys.executable, "-c", SLOW_CHILD, "exchange", "load", str(resource.id), str(big),
                              "--batch-rows", str(BATCH)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while True:
        version = _second_version(db)
        if version is not None and version.rows_loaded > 0:
            break
        assert child.poll() is None, child.stderr.read().decode() if child.stderr else ""
        assert time.monotonic() < deadline, "the load never started"
        time.sleep(0.01)
    child.send_signal(signal.SIGKILL)
    child.wait()

    version = _second_version(db)
    assert version is not None and version.status.value == "loading" and 0 < version.rows_loaded < ROWS
    assert _rows(client, resource.id) == before  # still served, unchanged

    principal, actor = operator()
    resumed = loading.resume(db, principal, actor, version.id, force=True, batch_rows=5_000)
    assert resumed.status.value == "live" and resumed.rows_live == ROWS
    assert [r["公民身份号码"] for r in _rows(client, resource.id)] == [person(i)["公民身份号码"] for i in range(100)]
