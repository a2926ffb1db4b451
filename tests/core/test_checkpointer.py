"""SQLite's write-ahead log is checkpointed by a thread, not by the writers' commits."""

from __future__ import annotations

import sqlite3
import time

import pytest

from govshare.core import audit, checkpointer
from govshare.core.audit import Actor
from govshare.core.db import Database


def _write(db: Database, n: int) -> None:
    for i in range(n):
        with db.session() as session:
            audit.record(session, Actor(name="tester"), "test.write", object_id=i)


def _records_in_database_file(path: str) -> int:
    """Records the database file itself holds, ignoring whatever is still only in the log."""
    connection = sqlite3.connect(f"file:{path}?immutable=1", uri=True)
    try:
        return connection.execute("SELECT count(*) FROM audit_record").fetchone()[0]
    finally:
        connection.close()


def test_only_sqlite_files_get_a_checkpointer(db: Database) -> None:
    assert (db.checkpointer is not None) == (db.backend == "sqlite")


@pytest.fixture
def sqlite_db(db: Database) -> Database:
    if db.backend != "sqlite":
        pytest.skip("SQLite's write-ahead log")
    return db


def test_writers_leave_checkpoints_to_the_thread(sqlite_db: Database) -> None:
    with sqlite_db.engine.connect() as conn:
        threshold = conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar()
    assert threshold == checkpointer.BACKSTOP_PAGES


def test_commits_reach_the_database_file_within_the_interval(sqlite_db: Database) -> None:
    path = sqlite_db.engine.url.database
    assert path
    _write(sqlite_db, 20)
    with sqlite_db.engine.connect() as conn:
        expected = conn.exec_driver_sql("SELECT count(*) FROM audit_record").scalar()
    deadline = time.monotonic() + 20 * checkpointer.INTERVAL
    while _records_in_database_file(path) != expected and time.monotonic() < deadline:
        time.sleep(checkpointer.INTERVAL / 5)
    assert _records_in_database_file(path) == expected


def test_dispose_stops_the_thread(sqlite_db: Database) -> None:
    _write(sqlite_db, 1)  # the first connection starts it
    thread = sqlite_db.checkpointer._thread
    assert thread is not None and thread.is_alive()
    sqlite_db.dispose()
    assert not thread.is_alive()
