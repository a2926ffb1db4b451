"""PostgreSQL connections that sat idle in the pool are pinged before use and replaced when the
server dropped them; connections in steady use are not pinged."""

from __future__ import annotations

import pytest
from sqlalchemy import event, text

from govshare.core import db as core_db
from govshare.core.db import Database


def _pinged(engine):  # type: ignore[no-untyped-def]
    pings: list[int] = []
    original = engine.dialect.do_ping

    def counted(dbapi_connection):  # type: ignore[no-untyped-def]
        pings.append(1)
        return original(dbapi_connection)

    engine.dialect.do_ping = counted
    return pings


@pytest.fixture
def pg(db: Database) -> Database:
    if db.backend != "postgresql":
        pytest.skip("PostgreSQL's pooled connections can be dropped by the server")
    return db


def test_a_connection_in_steady_use_is_not_pinged(pg: Database) -> None:
    engine = core_db.make_engine(pg.engine.url.render_as_string(hide_password=False))
    try:
        pings = _pinged(engine)
        for _ in range(5):
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        assert len(pings) == 1  # the new connection's first checkout only
    finally:
        engine.dispose()


def test_an_idle_connection_the_server_dropped_is_replaced_before_use(
        pg: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    engine = core_db.make_engine(pg.engine.url.render_as_string(hide_password=False))
    connects: list[int] = []
    event.listen(engine, "connect", lambda *_: connects.append(1))
    try:
        with engine.connect() as conn:
            dropped = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
        with pg.engine.connect() as other:
            other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": dropped})
            other.commit()
        monkeypatch.setattr(core_db, "IDLE_PING_SECONDS", 0.0)  # it has now sat idle "long enough"
        with engine.connect() as conn:
            assert conn.execute(text("SELECT pg_backend_pid()")).scalar_one() != dropped
        assert len(connects) == 2  # the dropped one was replaced, without an error to the caller
    finally:
        engine.dispose()
