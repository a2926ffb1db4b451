"""Downloads of an open dataset: CSV (optionally UTF-8 with BOM, which Excel opens as UTF-8),
JSON, XLSX and Parquet, every value through the de-identification plan.

CSV and JSON stream batch by batch from a server-side cursor on a connection of their own (the
request's session is closed before a streamed body is sent), so memory stays bounded whatever
the size. On PostgreSQL a CSV with nothing to de-identify is written by the server (COPY).
XLSX and Parquet are written to a spooled temporary file first because both formats need the
whole file before its first byte is valid.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

import polars as pl
from sqlalchemy import Engine

from govshare.core.errors import InvalidInput
from govshare.opendata.deidentify import Plan
from govshare.opendata.rows import OpenData, Query, statement

BATCH = 20_000
COPY_BLOCK = 1 << 20
FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "parquet": "application/vnd.apache.parquet",
}
BOM = "\ufeff".encode()
XLSX_MAX_ROWS = 1_048_575  # Excel's sheet limit, less the header


def check_format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise InvalidInput(
            f"format must be one of {', '.join(FORMATS)}", f"格式应为 {'、'.join(FORMATS)} 之一", field="format"
        )
    return fmt


def batches(engine: Engine, data: OpenData, query: Query, text_only: bool = False) -> Iterator[list[tuple]]:
    """Rows in stored order, de-identified, a batch at a time (the row number dropped).

    Read through a plain DB-API cursor: on SQLite a SQLAlchemy transaction would begin with
    BEGIN IMMEDIATE and hold the write lock for the whole download, while a bare SELECT in WAL
    mode is a reader that blocks no one; on PostgreSQL a named (server-side) cursor keeps memory
    bounded. Dates come back as ISO text on SQLite, which is what the files hold anyway."""
    plan = data.plan
    # For CSV, PostgreSQL renders pass-through values as text itself (psycopg would build a
    # Python object per value for polars to format again); SQLite already hands back text dates.
    as_text = text_only and engine.dialect.name == "postgresql"
    compiled = statement(data, query, as_text=as_text).compile(
        dialect=engine.dialect, compile_kwargs={"render_postcompile": True}
    )
    params = compiled.construct_params()
    raw = engine.raw_connection()
    try:
        if engine.dialect.name == "postgresql":
            cursor = raw.driver_connection.cursor(name="opendata_download")  # type: ignore[union-attr]
            cursor.itersize = BATCH
            cursor.execute(str(compiled), params)
        else:
            cursor = raw.cursor()
            cursor.execute(str(compiled), [_sqlite_value(params[k]) for k in compiled.positiontup or ()])
        while chunk := cursor.fetchmany(BATCH):
            yield _public(chunk, plan)
        cursor.close()
    finally:
        raw.rollback()
        raw.close()


def _sqlite_value(value: Any) -> Any:
    # The run-time tables hold dates as ISO text on SQLite (exchange.tables._sqlite_values).
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list):
        return [_sqlite_value(v) for v in value]
    return value


def _public(chunk: list[Any], plan: Plan) -> list[tuple]:
    if not plan.rules:  # nothing to transform: keep the fast path free of per-value calls
        return [tuple(r[1:]) for r in chunk]
    return [tuple(plan.apply(r[1:])) for r in chunk]


def _frame(rows: list[tuple], names: list[str]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=names, orient="row", strict=False, infer_schema_length=None)


def _pg_copy_csv(engine: Engine, data: OpenData, query: Query) -> Iterator[bytes]:
    """The rows as CSV written by PostgreSQL itself (COPY … TO STDOUT), for a dataset with nothing
    to de-identify: the same SELECT and the same text values as the batch path, without a Python
    object per value. Parameters are merged client-side by psycopg (COPY takes none)."""
    compiled = statement(data, query, as_text=True, with_row=False).compile(
        dialect=engine.dialect, compile_kwargs={"render_postcompile": True}
    )
    raw = engine.raw_connection()
    try:
        cursor = raw.driver_connection.cursor()  # type: ignore[union-attr]
        with cursor.copy(f"COPY ({compiled}) TO STDOUT WITH (FORMAT csv)", compiled.construct_params()) as copy:
            block = bytearray()
            for part in copy:  # a row at a time: gathered into blocks of about 1 MB
                block += part
                if len(block) >= COPY_BLOCK:
                    yield bytes(block)
                    block.clear()
            if block:
                yield bytes(block)
    finally:
        raw.rollback()
        raw.close()


def csv_stream(engine: Engine, data: OpenData, query: Query, bom: bool = False) -> Iterator[bytes]:
    names = [c.item for c in data.columns]
    yield (BOM if bom else b"") + (pl.DataFrame(schema={n: pl.String for n in names}).write_csv()).encode()
    if engine.dialect.name == "postgresql" and not data.plan.rules:
        yield from _pg_copy_csv(engine, data, query)
        return
    for rows in batches(engine, data, query, text_only=True):
        yield _frame(rows, names).write_csv(include_header=False, datetime_format="%Y-%m-%d %H:%M:%S").encode()


def _jsonable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date | datetime) else value


def json_stream(engine: Engine, data: OpenData, query: Query) -> Iterator[bytes]:
    names = [c.item for c in data.columns]
    yield b'{"fields": ' + json.dumps(data.fields(), ensure_ascii=False).encode() + b', "records": ['
    first = True
    for rows in batches(engine, data, query):
        parts = [json.dumps(dict(zip(names, map(_jsonable, r), strict=True)), ensure_ascii=False) for r in rows]
        if parts:
            yield (b"" if first else b",") + ",\n".join(parts).encode()
            first = False
    yield b"]}"


def whole_file(engine: Engine, data: OpenData, query: Query, fmt: str) -> tempfile.SpooledTemporaryFile:
    names = [c.item for c in data.columns]
    out = tempfile.SpooledTemporaryFile(max_size=32 << 20)
    frames = [_frame(rows, names) for rows in batches(engine, data, query)]
    frame = pl.concat(frames, how="diagonal_relaxed") if frames else pl.DataFrame(schema={n: pl.String for n in names})
    if fmt == "xlsx":
        frame.head(XLSX_MAX_ROWS).write_excel(out, worksheet="data", autofit=False)
    else:
        frame.write_parquet(out)
    out.seek(0)
    return out


def file_chunks(spool: Any, size: int = 1 << 16) -> Iterator[bytes]:
    try:
        while chunk := spool.read(size):
            yield chunk
    finally:
        spool.close()
