"""Daily usage and resource metrics: loaded from CSV/JSON files or pushed by monitoring tools.

A batch is checked in full before anything is written: unknown systems, negative values,
non-dates, days in the future and days given twice are errors naming the row; gaps (days
missing between a system's first and last day) are reported as warnings and loaded. A day
already stored is replaced, so a monitoring tool can safely re-send. Rows are written with
bulk statements (COPY on PostgreSQL for large batches), never one ORM object per row.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import polars as pl
from sqlalchemy import bindparam, delete, select
from sqlalchemy.orm import Session

from govshare.core import audit
from govshare.core.audit import Actor
from govshare.core.auth import Principal
from govshare.core.clock import today
from govshare.core.errors import InvalidInput
from govshare.systems import inventory
from govshare.systems.models import SystemMetric

COUNTS = (
    "active_users",
    "logins",
    "transactions",
    "data_changes",
    "network_bytes",
    "deployments",
    "incidents",
)
MEASURES = ("cpu_pct", "memory_pct", "storage_gb")
VALUE_COLUMNS = COUNTS + MEASURES
SCHEMA: dict[str, Any] = {
    "system_code": pl.String,
    "day": pl.String,
    **{c: pl.Int64 for c in COUNTS},
    **{c: pl.Float64 for c in MEASURES},
}
MAX_ERRORS = 200
COPY_THRESHOLD = 5_000


@dataclass
class LoadResult:
    rows: int = 0
    replaced: int = 0
    systems: int = 0
    gaps: list[dict[str, Any]] = field(default_factory=list)


def parse(content: bytes, fmt: str) -> pl.DataFrame:
    """CSV or JSON (a list of objects, or {"metrics": [...]}) into a frame of SCHEMA's columns."""
    try:
        if fmt == "csv":
            frame = pl.read_csv(io.BytesIO(content), infer_schema=False)
        else:
            data = json.loads(content)
            frame = pl.DataFrame(
                data["metrics"] if isinstance(data, dict) else data, infer_schema_length=None
            )
            frame = frame.with_columns(pl.all().cast(pl.String))
    except Exception as exc:
        raise InvalidInput(
            f"cannot read the {fmt} file: {exc}", f"无法读取 {fmt} 文件：{exc}", field="file"
        ) from None
    missing = [c for c in ("system_code", "day") if c not in frame.columns]
    if missing:
        raise InvalidInput(
            f"missing column(s): {', '.join(missing)}",
            f"缺少列：{'、'.join(missing)}",
            field="file",
        )
    for column in VALUE_COLUMNS:
        if column not in frame.columns:
            frame = frame.with_columns(pl.lit("0").alias(column))
    return frame.select(list(SCHEMA)).with_row_index("row", offset=2 if fmt == "csv" else 1)


def _typed(frame: pl.DataFrame, errors: list[dict[str, Any]]) -> pl.DataFrame:
    casts = [
        pl.col("day").str.strip_chars().str.to_date("%Y-%m-%d", strict=False).alias("day_value")
    ]
    casts += [
        pl.col(c).str.strip_chars().cast(SCHEMA[c], strict=False).alias(f"{c}_value")
        for c in VALUE_COLUMNS
    ]
    typed = frame.with_columns(casts)
    bad_day = typed.filter(pl.col("day_value").is_null() | (pl.col("day_value") > today()))
    _collect(
        errors,
        bad_day,
        "day",
        "expects a past date like 2026-01-31",
        "应为不晚于今天的日期（如 2026-01-31）",
    )
    for column in VALUE_COLUMNS:
        bad = typed.filter(pl.col(f"{column}_value").is_null() | (pl.col(f"{column}_value") < 0))
        _collect(errors, bad, column, "expects a number ≥ 0", "应为不小于 0 的数字")
    return typed


def _collect(
    errors: list[dict[str, Any]], bad: pl.DataFrame, column: str, en: str, zh: str
) -> None:
    for row in bad.head(MAX_ERRORS).iter_rows(named=True):
        errors.append(
            {
                "row": row["row"],
                "column": column,
                "value": row[column],
                "message": f"row {row['row']} {column}: {en}",
                "message_zh": f"第 {row['row']} 行 {column}：{zh}",
            }
        )


def validate(session: Session, principal: Principal, frame: pl.DataFrame) -> pl.DataFrame:
    """Rows ready to write (system_id, day, values) or InvalidInput listing the problems."""
    errors: list[dict[str, Any]] = []
    typed = _typed(frame, errors)
    codes = typed["system_code"].drop_nulls().unique().to_list()
    known = {
        c: s
        for c, s in inventory.by_codes(session, codes).items()
        if principal.is_platform_wide or s.department_id == principal.department_id
    }
    unknown = typed.filter(
        ~pl.col("system_code").is_in(list(known)) | pl.col("system_code").is_null()
    )
    _collect(
        errors, unknown, "system_code", "names no system of yours", "不是已登记的本部门信息系统"
    )
    dupes = typed.filter(pl.struct("system_code", "day").is_duplicated())
    _collect(
        errors,
        dupes,
        "day",
        "the same system and day appear more than once",
        "同一系统同一天出现多次",
    )
    if errors:
        errors.sort(key=lambda e: e["row"])
        raise InvalidInput(
            f"{len(errors)} problem(s) in the metrics; first: {errors[0]['message']}. Nothing was loaded.",
            f"指标数据有 {len(errors)} 处问题，首处：{errors[0]['message_zh']}。未导入任何数据。",
            field="file",
            details=errors[:MAX_ERRORS],
            code="metrics_invalid",
        )
    ids = pl.DataFrame({"system_code": list(known), "system_id": [s.id for s in known.values()]})
    return typed.join(ids, on="system_code").select(
        "system_id",
        pl.col("day_value").alias("day"),
        *[pl.col(f"{c}_value").alias(c) for c in VALUE_COLUMNS],
    )


def gaps(rows: pl.DataFrame) -> list[dict[str, Any]]:
    """Systems with days missing between their first and last reported day."""
    spans = rows.group_by("system_id").agg(
        first=pl.col("day").min(), last=pl.col("day").max(), n=pl.len()
    )
    spans = spans.with_columns(
        missing=(pl.col("last") - pl.col("first")).dt.total_days() + 1 - pl.col("n")
    )
    return spans.filter(pl.col("missing") > 0).sort("system_id").to_dicts()


def load(
    session: Session, actor: Actor, principal: Principal, frame: pl.DataFrame, source: str
) -> LoadResult:
    rows = validate(session, principal, frame)
    result = LoadResult(rows=rows.height, systems=rows["system_id"].n_unique(), gaps=gaps(rows))
    result.replaced = _delete_existing(session, rows)
    write(session, rows)
    audit.record(
        session,
        actor,
        "metrics.load",
        object_type="system_metric",
        object_id=source[:200],
        details={
            "rows": result.rows,
            "systems": result.systems,
            "replaced": result.replaced,
            "gaps": len(result.gaps),
        },
    )
    return result


def _delete_existing(session: Session, rows: pl.DataFrame) -> int:
    """Remove the stored days the batch re-sends: one range query per 500 systems finds them,
    one executemany deletes them (a daily push for every system stays a few statements)."""
    first, last = rows["day"].min(), rows["day"].max()
    ids = rows["system_id"].unique().to_list()
    stored: list[tuple[int, date]] = []
    for start in range(0, len(ids), 500):
        stored += session.execute(
            select(SystemMetric.system_id, SystemMetric.day).where(
                SystemMetric.system_id.in_(ids[start : start + 500]),
                SystemMetric.day.between(first, last),
            )
        ).all()
    if not stored:
        return 0
    found = pl.DataFrame(stored, schema={"system_id": pl.Int64, "day": pl.Date}, orient="row")
    again = found.join(rows.select("system_id", "day"), on=["system_id", "day"], how="semi")
    if again.is_empty():
        return 0
    table = SystemMetric.__table__
    session.connection().execute(  # Core executemany: the ORM has no bulk DELETE
        delete(table).where(table.c.system_id == bindparam("sid"), table.c.day == bindparam("d")),
        [{"sid": sid, "d": d} for sid, d in again.iter_rows()],
    )
    return again.height


def write(session: Session, rows: pl.DataFrame) -> None:
    """Bulk insert: COPY on PostgreSQL for large batches, a driver-level executemany of
    plain tuples otherwise (no ORM objects, no per-row statements built in Python)."""
    if rows.is_empty():
        return
    columns = ["system_id", "day", *VALUE_COLUMNS]
    rows = rows.select(columns)
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql" and rows.height >= COPY_THRESHOLD:
        cursor = session.connection().connection.cursor()
        with cursor.copy(f"COPY system_metric ({', '.join(columns)}) FROM STDIN") as copy:
            for record in rows.iter_rows():
                copy.write_row(record)
        return
    if dialect == "sqlite":  # SQLAlchemy's Date on SQLite is ISO text
        rows = rows.with_columns(pl.col("day").dt.to_string("%Y-%m-%d"))
    mark = "?" if dialect == "sqlite" else "%s"
    sql = f"INSERT INTO system_metric ({', '.join(columns)}) VALUES ({', '.join([mark] * len(columns))})"
    connection = session.connection()
    for start in range(0, rows.height, 50_000):
        connection.exec_driver_sql(sql, rows.slice(start, 50_000).rows())


def series(
    session: Session, system_id: int, days: int = 90, as_of: date | None = None
) -> list[SystemMetric]:
    end = as_of or today()
    return list(
        session.scalars(
            select(SystemMetric)
            .where(
                SystemMetric.system_id == system_id,
                SystemMetric.day > end - timedelta(days=days),
                SystemMetric.day <= end,
            )
            .order_by(SystemMetric.day)
        )
    )


def frame_since(session: Session, since: date) -> pl.DataFrame:
    """Every system's metrics from `since`, as a polars frame for the audit."""
    columns = [
        SystemMetric.system_id,
        SystemMetric.day,
        SystemMetric.logins,
        SystemMetric.transactions,
        SystemMetric.data_changes,
        SystemMetric.cpu_pct,
        SystemMetric.network_bytes,
        SystemMetric.deployments,
        SystemMetric.incidents,
    ]
    result = session.execute(select(*columns).where(SystemMetric.day >= since))
    schema = {
        "system_id": pl.Int64,
        "day": pl.Date,
        "logins": pl.Int64,
        "transactions": pl.Int64,
        "data_changes": pl.Int64,
        "cpu_pct": pl.Float64,
        "network_bytes": pl.Int64,
        "deployments": pl.Int64,
        "incidents": pl.Int64,
    }
    return pl.DataFrame(result.all(), schema=schema, orient="row")
