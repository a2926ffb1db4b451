"""Test databases: SQLite by default, PostgreSQL too when GOVSHARE_TEST_DATABASE_URL is set.

Each test run (each xdist worker) creates its own database and drops it at the end. The
schema is built once by the real migrations, with the GB/T 2260 divisions loaded; every
test then starts from that state: a fresh copy of the file on SQLite, emptied tables on
PostgreSQL.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.engine import make_url

from govshare.core import auth, migrate
from govshare.core.audit import Actor
from govshare.core.config import Settings, reset_settings_cache
from govshare.core.db import Database, make_engine, set_database

KEEP_TABLES = ("alembic_version", "division", "division_release")
PG_URL = os.environ.get("GOVSHARE_TEST_DATABASE_URL")


def _pg_admin_url(url: str) -> str:
    return make_url(url).set(drivername="postgresql+psycopg", database="postgres").render_as_string(False)


@pytest.fixture(scope="session")
def database_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated database with divisions loaded; yields its URL."""
    if PG_URL:
        name = f"govshare_test_{uuid.uuid4().hex[:10]}"
        admin = make_engine(_pg_admin_url(PG_URL), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        url = make_url(PG_URL).set(drivername="postgresql+psycopg", database=name).render_as_string(False)
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'template.db'}"
    db = Database.connect(url)
    migrate.upgrade(db.engine)
    from govshare.orgs import divisions

    with db.session() as session:
        divisions.load_reference(session, Actor.system("test-setup"))
    db.dispose()
    yield url
    if PG_URL:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


# A table holding more rows than this is emptied by TRUNCATE (cheap per row, ~20 ms per table
# for its new file); smaller ones by DELETE (no file work). Figures: docs/architecture.md, Tests.
TRUNCATE_FROM_ROWS = 5_000


def _sequence_states(conn) -> dict[str, int | None]:  # type: ignore[no-untyped-def]
    rows = conn.execute(text("SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public'"))
    return {name: last for name, last in rows}


def _written_tables(conn) -> list[tuple[str, int]]:  # type: ignore[no-untyped-def]
    """(table, rows up to TRUNCATE_FROM_ROWS) of every non-kept table that holds rows, in one probe."""
    tables = [row[0] for row in conn.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'"))
              if row[0] not in KEEP_TABLES]
    probe = " UNION ALL ".join(
        f'SELECT {n}, (SELECT count(*) FROM (SELECT 1 FROM "{t}" LIMIT {TRUNCATE_FROM_ROWS}) s)'
        for n, t in enumerate(tables))
    return [(tables[n], rows) for n, rows in conn.execute(text(probe)) if rows]


def _empty_pg_tables(db: Database, baseline: dict[str, int | None]) -> None:
    """Back to the template: empties only the tables a test wrote and rewinds only the
    sequences it moved (TRUNCATE of all ~58 tables cost ~1.1 s a test)."""
    with db.engine.begin() as conn:
        written = _written_tables(conn)
        # replica mode skips the audit log's append-only trigger and the foreign-key triggers,
        # so rows can be deleted in any order: tests need a clean slate.
        conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
        big = [t for t, rows in written if rows >= TRUNCATE_FROM_ROWS]
        if big:
            conn.exec_driver_sql("TRUNCATE " + ", ".join(f'"{t}"' for t in big) + " CASCADE")
        for table, rows in written:
            if rows < TRUNCATE_FROM_ROWS:
                conn.exec_driver_sql(f'DELETE FROM "{table}"')
        for name, last in _sequence_states(conn).items():
            if last != baseline.get(name):
                start = baseline.get(name)
                conn.execute(text("SELECT setval(format('%I', CAST(:seq AS text))::regclass, :value, :called)"),
                             {"seq": name, "value": start or 1, "called": start is not None})
        # A tampering test may have disabled the audit log's protection: restore it.
        disabled = conn.execute(text("SELECT count(*) FROM pg_trigger WHERE tgrelid = 'audit_record'::regclass "
                                     "AND NOT tgisinternal AND tgenabled = 'D'")).scalar()
        if disabled:
            conn.exec_driver_sql("ALTER TABLE audit_record ENABLE TRIGGER USER")


@pytest.fixture(scope="session")
def template_sequences(database_template: str) -> dict[str, int | None]:
    """The template's sequence positions (PostgreSQL), read before any test wrote: the first
    `db` asks for them. Each reset rewinds the sequences a test moved to these."""
    if not PG_URL:
        return {}
    engine = make_engine(database_template)
    with engine.connect() as conn:
        states = _sequence_states(conn)
    engine.dispose()
    return states


@pytest.fixture
def db(database_template: str, template_sequences: dict[str, int | None], tmp_path: Path,
       monkeypatch: pytest.MonkeyPatch) -> Iterator[Database]:
    if PG_URL:
        url = database_template
    else:
        source = Path(make_url(database_template).database or "")
        target = tmp_path / "govshare.db"
        shutil.copyfile(source, target)
        url = f"sqlite:///{target}"
    monkeypatch.setenv("GOVSHARE_DATABASE_URL", url)
    monkeypatch.setenv("GOVSHARE_DATA_DIR", str(tmp_path / "var"))
    # Seal right after each commit so tests can verify the chain at once; the background
    # sealer has tests of its own.
    monkeypatch.setenv("GOVSHARE_AUDIT_SEALING", "inline")
    # Background jobs run in the app only where a test starts them (tests/exchange/test_ops.py).
    monkeypatch.setenv("GOVSHARE_JOBS__IN_APP", "false")
    # The default outbound policy (no loopback); set here so the demo command cannot widen it for later tests.
    monkeypatch.setenv("GOVSHARE_POLICY__OUTBOUND__ALLOWED_NETWORKS", "[]")
    # Administrators' second factor has tests of its own (tests/orgs/test_second_factor.py).
    monkeypatch.setenv("GOVSHARE_POLICY__ADMIN_TWO_FACTOR", "false")
    reset_settings_cache()
    database = Database.connect(url)
    if PG_URL:
        _empty_pg_tables(database, template_sequences)
    set_database(database)
    yield database
    set_database(None)
    database.dispose()  # its pool, and on SQLite its checkpointer thread: one per test otherwise
    reset_settings_cache()


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2id at production cost takes ~50 ms a hash; tests create many accounts."""
    monkeypatch.setattr(auth, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@pytest.fixture
def settings(db: Database) -> Settings:
    from govshare.core.config import get_settings

    return get_settings()


@pytest.fixture
def app(db: Database, settings: Settings):  # type: ignore[no-untyped-def]
    from govshare.web.app import create_app

    return create_app(settings, database=db)


@pytest.fixture
def client(app) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def world(db: Database):  # type: ignore[no-untyped-def]
    from tests.factories import build_world

    return build_world(db)
