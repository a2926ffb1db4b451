"""SQLite's write-ahead log copied back into the database in a thread, not in a writer's commit.

Left to itself, SQLite checkpoints in whichever commit takes the log past `wal_autocheckpoint`
pages (1000), and with `synchronous=NORMAL` (core/db.py) that is when the log and the database
file are synced: the writer waits for two or three fsyncs after its commit, a few milliseconds
each on an idle disk and tens on a busy one. Writers that write more pages cross the threshold
more often: an audited write (its record, two index entries and the audit head are four pages
beside the change's own, core/audit.py) did five times as often as the bare change, so that
wait was a large part of the audit's cost on SQLite (bench/audit_chain.py, docs/operations.md).

As SQLite's documentation suggests for this, a `WalCheckpointer` runs the checkpoints in a
thread of its own: every `interval`, if anything was committed since its last one, a PASSIVE
checkpoint, which never waits for or blocks a reader or a writer. Writers keep a threshold of
their own far above it (`BACKSTOP_PAGES`), only so the log stays bounded if the thread falls
behind. What a commit's durability is does not change (`synchronous=NORMAL`: the log reaches
the disk at a checkpoint); when it happens is bounded in time instead of in pages: within
`interval` of the commit, where before it could wait for the next thousand pages however long
they took.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from typing import Any

from sqlalchemy import Engine, event

log = logging.getLogger("govshare.db")

INTERVAL = 0.25  # seconds between checkpoints while anything is committed
BACKSTOP_PAGES = 10_000  # writers checkpoint themselves only past this (40 MB of log)


class WalCheckpointer:
    """Checkpoints one SQLite database file. Attach it to the engine before the engine's
    first connection: it sets the writers' threshold and starts with that connection."""

    def __init__(self, path: str, interval: float = INTERVAL) -> None:
        self.path = path
        self.interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    @classmethod
    def attach(cls, engine: Engine) -> WalCheckpointer | None:
        """A started-on-first-use checkpointer for `engine`'s file; None for other databases."""
        url = engine.url
        if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
            return None
        checkpointer = cls(url.database)
        event.listen(engine, "connect", checkpointer._on_connect)
        return checkpointer

    def _on_connect(self, dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA wal_autocheckpoint={BACKSTOP_PAGES}")
        cursor.close()
        self.start()

    def start(self) -> None:
        with self._lock:
            if self._thread is None and not self._stop.is_set():
                self._thread = threading.Thread(target=self._run, name="sqlite-checkpointer", daemon=True)
                self._thread.start()

    def stop(self) -> None:
        with self._lock:
            self._stop.set()
            thread = self._thread
        if thread is not None:
            thread.join(timeout=30)

    def _run(self) -> None:
        connection = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        try:
            seen, behind = None, False
            while not self._stop.wait(self.interval):
                try:
                    # Changes if another connection committed since this one last asked.
                    version = connection.execute("PRAGMA data_version").fetchone()[0]
                    if version != seen or behind:
                        _, logged, copied = connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
                        seen, behind = version, copied < logged  # a reader held some back: next round
                except sqlite3.Error:  # keep checkpointing on the next round; never kill the thread
                    log.exception("WAL checkpoint failed; will retry")
        finally:
            connection.close()
