"""Shared by the benchmarks: the result line every bench ends with, and scratch databases."""

from __future__ import annotations

import json
import os
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy.engine import make_url

from govshare.core.db import Database, make_engine

PG_DEFAULT = "postgresql://postgres@127.0.0.1:5432/postgres"


def result_line(bench: str, metric: str, value: float, baseline: float, ratio: float, target: float,
                met: bool, size: Any) -> None:
    """The one JSON line `make bench` and scripts read: always the last line printed."""
    print(json.dumps({"bench": bench, "metric": metric, "value": round(value, 4),
                      "baseline": round(baseline, 4), "ratio": round(ratio, 4), "target": target,
                      "met": bool(met), "size": size}, ensure_ascii=False))


@contextmanager
def scratch_database(backend: str) -> Iterator[Database]:
    """A migrated, empty database that is removed afterwards."""
    from govshare.core import migrate

    if backend == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            db = Database.connect(f"sqlite:///{tmp}/bench.db")
            migrate.upgrade(db.engine)
            yield db
            db.dispose()
        return
    base = os.environ.get("GOVSHARE_BENCH_POSTGRES_URL", PG_DEFAULT)
    name = f"govshare_bench_{uuid.uuid4().hex[:8]}"
    admin_url = make_url(base).set(drivername="postgresql+psycopg", database="postgres")
    admin = make_engine(admin_url.render_as_string(False), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    db = Database.connect(admin_url.set(database=name).render_as_string(False))
    try:
        migrate.upgrade(db.engine)
        yield db
    finally:
        db.dispose()
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()
