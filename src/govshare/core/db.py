"""Engine, sessions and the declarative base shared by every capability's models.

SQLite is the embedded default: WAL so readers never block the writer, foreign keys on, and
every transaction opened with BEGIN IMMEDIATE. The last point matters for the audit chain and
for any read-then-write logic: a deferred SQLite transaction that read an old snapshot cannot
upgrade to a writer once another connection committed, so we take the write lock up front and
let busy_timeout queue writers instead of failing them. A `Database` checkpoints the log in
a thread of its own, so no writer waits for the disk after its commit (core/checkpointer.py).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Engine, MetaData, create_engine, event, exc
from sqlalchemy.engine import make_url
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from govshare.core.checkpointer import WalCheckpointer

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Stores UTC, returns timezone-aware UTC on both backends (SQLite drops tzinfo)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; govshare stores aware UTC datetimes only")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event below issue BEGIN itself.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(url: str, **kwargs: Any) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            from pathlib import Path

            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs
        )
        _configure_sqlite(engine)
        return engine
    engine = create_engine(url, pool_size=10, max_overflow=20, **kwargs)
    _ping_when_idle(engine)
    return engine


IDLE_PING_SECONDS = 10.0


def _ping_when_idle(engine: Engine) -> None:
    """Pessimistic disconnect handling for the connections that can have gone stale: one that
    sat in the pool longer than IDLE_PING_SECONDS is pinged before use and replaced if the ping
    fails. One in steady use is not: its last statement has just proved it alive, and a ping at
    every checkout (`pool_pre_ping`) was one more round trip on every API call. A connection
    that breaks while in use (the server restarted under load) fails its statement, and
    SQLAlchemy then invalidates the pool, so the next checkouts reconnect."""

    @event.listens_for(engine, "checkin")
    def _checked_in(_dbapi_connection: Any, record: Any) -> None:
        record.info["checked_in"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.get("checked_in")
        if idle_since is not None and time.monotonic() - idle_since <= IDLE_PING_SECONDS:
            return
        try:
            alive = engine.dialect.do_ping(dbapi_connection)
        except Exception:
            alive = False
        if not alive:
            raise exc.DisconnectionError("the pooled connection did not answer a ping")


@dataclass
class Database:
    """One database: its engine, a session factory, and how audit records get sealed."""

    engine: Engine
    sessions: sessionmaker[Session]
    # Called after a unit of work that wrote audit records: seals them now ("inline") unless
    # a background sealer was attached (see govshare.core.audit.BackgroundSealer).
    sealer: Any = None
    # SQLite: checkpoints the write-ahead log off the writers' commits (core/checkpointer.py).
    checkpointer: Any = None

    @classmethod
    def connect(cls, url: str) -> Database:
        engine = make_engine(url)
        return cls(engine, sessionmaker(engine, expire_on_commit=False), checkpointer=WalCheckpointer.attach(engine))

    @property
    def backend(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work: commits on success, rolls back on any error."""
        session = self.sessions()
        try:
            yield session
        except BaseException:
            self.end(session, failed=True)
            raise
        self.end(session)

    def end(self, session: Session, failed: bool = False) -> None:
        """Ends a unit of work: commits it (rolls it back when `failed`, or when the commit
        fails), closes the session and seals the audit records it wrote."""
        from govshare.core import audit

        try:
            if failed:
                session.rollback()
            else:
                try:
                    session.commit()
                except BaseException:
                    session.rollback()
                    raise
        finally:
            session.close()
            if audit.wrote_records(session):
                self.seal_audit()

    def ends_at_once(self, session: Session) -> bool:
        """Whether `end` would not wait on the database: nothing is left to commit or roll back,
        and a background sealer, not this thread, seals the audit records."""
        return not session.in_transaction() and self.sealer is not None

    def seal_audit(self) -> None:
        from govshare.core import audit

        if self.sealer is not None:
            self.sealer.wake()
        else:
            audit.seal_pending(self)

    def dispose(self) -> None:
        if self.checkpointer is not None:
            self.checkpointer.stop()
        self.engine.dispose()


_database: Database | None = None


def get_database() -> Database:
    """The process-wide database for the effective settings."""
    global _database
    if _database is None:
        from govshare.core.config import get_settings

        _database = Database.connect(get_settings().database_url)
    return _database


def set_database(database: Database | None) -> None:
    """Install a database for this process (tests and the app factory)."""
    global _database
    if _database is not None and _database is not database:
        _database.dispose()
    _database = database
