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


def _empty_pg_tables(db: Database) -> None:
    with db.engine.begin() as conn:
        tables = [
            row[0]
            for row in conn.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'"))
            if row[0] not in KEEP_TABLES
        ]
        # replica mode skips the audit log's append-only trigger: tests need a clean slate.
        conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
        conn.exec_driver_sql("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE")
        # A tampering test may have disabled the audit log's protection: restore it.
        conn.exec_driver_sql("ALTER TABLE audit_record ENABLE TRIGGER USER")


@pytest.fixture
def db(database_template: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Database]:
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
        _empty_pg_tables(database)
    set_database(database)
    yield database
    set_database(None)
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
