"""Loading a library's rows: a frame written to a Parquet file and handed to the exchange's own
loading path (quality gate, typed table, COPY on PostgreSQL, change feed, audit). One path for
the generator, the CLI and the tests; the base capability never writes dataset tables itself."""

from __future__ import annotations

import tempfile
from pathlib import Path

import polars as pl

from govshare.base.libraries import BY_KEY, platform_admin, resource_of
from govshare.core.audit import Actor
from govshare.core.db import Database
from govshare.core.errors import Conflict
from govshare.exchange import loading
from govshare.exchange.models import DatasetVersion, LoadMode

Progress = loading.Progress


def columns_of(key: str) -> list[str]:
    return [i.name for i in BY_KEY[key].items]


def load_frame(
    db: Database,
    actor: Actor,
    key: str,
    frame: pl.DataFrame,
    mode: LoadMode = LoadMode.REPLACE,
    progress: Progress | None = None,
    batch_rows: int = 250_000,
) -> DatasetVersion:
    """Loads `frame` (columns named as the library's items; extra columns ignored) as a new
    version of the library's dataset; the live version changes only if the gate lets it."""
    with db.session() as session:
        resource = resource_of(session, key)
        if resource is None:
            raise Conflict(
                f"the {key} library is not cataloged yet: run `govshare base init` first",
                f"基础信息库 {BY_KEY[key].name} 尚未编目，请先执行 govshare base init",
                field="library",
            )
        resource_id = resource.id
    columns = [c for c in columns_of(key) if c in frame.columns]
    with tempfile.TemporaryDirectory(prefix="govshare-base-") as folder:
        path = Path(folder) / f"{key}.parquet"
        frame.select(columns).write_parquet(path)
        return loading.load(
            db,
            platform_admin(actor),
            actor,
            loading.LoadRequest(resource_id, path, path.name, mode, batch_rows=batch_rows),
            progress,
        )


def read_table(path: Path) -> pl.DataFrame:
    """A provider's file as text columns (CSV, XLSX or Parquet), for the row checks."""
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        frame = pl.read_parquet(path)
    elif suffix == ".xlsx":
        frame = pl.read_excel(path)
    else:
        frame = pl.read_csv(path, infer_schema=False, encoding="utf8-lossy")
    return frame.with_columns(pl.all().cast(pl.String))
