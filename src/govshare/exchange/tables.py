"""The run-time dataset tables: their DDL, bulk writes and the Table objects queries use.

Alembic does not know these tables, so everything about them is in this one module:

- one table per dataset version, named `ds_<dataset id>_<version number>`; columns `_row`
  (surrogate key, file order) and `c0 … cN`, one per catalog item in the published version,
  typed from the item's data type. Names are generated here and checked against a pattern;
  nothing a user typed ever becomes an identifier.
- an index on the dataset's key items, built after the rows are in (faster than maintaining it
  row by row during the load). On PostgreSQL a text key column has the "C" collation: sorting
  a million keys for the index then compares bytes with abbreviated keys, where the database's
  default (C.UTF-8 or a language's locale) calls strcoll for every comparison: at a million
  rows 5.3-5.5 s became 3.4-3.7 s (and 2.8-3.1 s with INDEX_MEMORY; docs/exchange.md). Equality,
  all a key is looked up by, is byte equality under either; only an ORDER BY on a key item
  could sort differently.
- bulk paths: PostgreSQL `COPY … FROM STDIN (FORMAT csv)` through psycopg; SQLite
  `executemany` over a batch of tuples.
- the live version is whatever `exchange_dataset.live_version_id` points at: switching is one
  UPDATE in the transaction that finishes a load, so readers see the old or the new table,
  never a half-loaded one.
"""

from __future__ import annotations

import io
import re
from functools import lru_cache

import polars as pl
from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Connection,
    Date,
    DateTime,
    Float,
    Index,
    Integer,
    MetaData,
    Table,
    Text,
)
from sqlalchemy.types import TypeEngine

from govshare.exchange.items import Column as ItemColumn

KEY_COLLATION = "C"
INDEX_MEMORY = "256MB"  # for this transaction only: 1M 18-character keys sort within it
NAME = re.compile(r"^ds_[0-9]{1,9}_[0-9]{1,9}$")
ROW = "_row"
SQL_TYPES = {"string": Text, "number": Float, "date": Date, "datetime": DateTime, "boolean": Boolean}


def table_name(dataset_id: int, number: int) -> str:
    name = f"ds_{int(dataset_id)}_{int(number)}"
    assert NAME.match(name)
    return name


def _checked(name: str) -> str:
    if not NAME.match(name):  # a corrupted bookkeeping row must not become SQL
        raise ValueError(f"not a dataset table name: {name!r}")
    return name


@lru_cache(maxsize=256)
def _table(name: str, columns: tuple[tuple[str, str], ...], keys: tuple[str, ...]) -> Table:
    meta = MetaData()
    # `_row` is numbered by the loader, not by a sequence, and indexed after the load like the
    # key: a primary key maintained row by row would cost the load a third of its speed.
    cols = [Column(ROW, BigInteger().with_variant(Integer, "sqlite"), nullable=False)]
    cols += [Column(column, _sql_type(kind, column in keys)) for column, kind in columns]
    table = Table(_checked(name), meta, *cols)
    Index(f"ux_{name}_row", table.c[ROW], unique=True)
    if keys:
        Index(f"ix_{name}_key", *[table.c[k] for k in keys])
    return table


def _sql_type(kind: str, key: bool) -> TypeEngine:
    if kind == "string" and key:
        return Text().with_variant(Text(collation=KEY_COLLATION), "postgresql")
    return SQL_TYPES[kind]()


def table_for(name: str, columns: list[ItemColumn], key_columns: list[str] = ()) -> Table:  # type: ignore[assignment]
    return _table(name, tuple((c.column, c.type) for c in columns), tuple(key_columns))


def create(conn: Connection, table: Table) -> None:
    """Creates the table without its key index (see `index`)."""
    keyless = Table(table.name, MetaData(), *[Column(c.name, c.type, nullable=c.nullable) for c in table.columns])
    keyless.create(conn, checkfirst=True)


def index(conn: Connection, table: Table, only: Index | None = None) -> None:
    """Builds the table's indexes (or `only` that one), for a caller that builds them side by side."""
    if conn.dialect.name == "postgresql":  # sorts a million keys in memory rather than in runs on disk
        conn.exec_driver_sql(f"SET LOCAL maintenance_work_mem = '{INDEX_MEMORY}'")
        if only is not None and _is_row_index(only):
            # Row numbers are bigints, compared in a few instructions: one process sorts them
            # quickly, and parallel workers would only take cores from the key index beside it,
            # whose text sort is the long one.
            conn.exec_driver_sql("SET LOCAL max_parallel_maintenance_workers = 0")
    for ix in [only] if only is not None else table.indexes:
        ix.create(conn, checkfirst=True)


def _is_row_index(ix: Index) -> bool:
    return [c.name for c in ix.columns] == [ROW]


def drop(conn: Connection, name: str) -> None:
    conn.exec_driver_sql(f'DROP TABLE IF EXISTS "{_checked(name)}"')


def exists(conn: Connection, name: str) -> bool:
    from sqlalchemy import inspect

    return inspect(conn).has_table(_checked(name))


# --- typed batches -----------------------------------------------------------------------

DATE_FORMATS = ("%Y-%m-%d", "%Y%m%d", "%Y/%m/%d")
DATETIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y%m%d%H%M%S", "%Y-%m-%d %H:%M:%S%.f",
                    "%Y-%m-%dT%H:%M:%S%.f")
TRUE_WORDS = ("true", "1", "是", "y", "yes", "t")
FALSE_WORDS = ("false", "0", "否", "n", "no", "f")


def _formats(kind: str, date_format: str | None) -> tuple[str, ...]:
    known = DATE_FORMATS if kind == "date" else DATETIME_FORMATS
    return (date_format, *known) if date_format else known


def _parsed(text: pl.Expr, kind: str, fmt: str) -> pl.Expr:
    if kind == "date":
        return text.str.to_date(fmt, strict=False)
    return text.str.to_datetime(fmt, strict=False, time_unit="us")


def _typed(expr: pl.Expr, kind: str, date_format: str | None, first_only: bool = False) -> pl.Expr:
    text = expr.str.strip_chars()
    if kind == "number":
        return text.cast(pl.Float64, strict=False)
    if kind in ("date", "datetime"):
        formats = _formats(kind, date_format)
        return _parsed(text, kind, formats[0]) if first_only else pl.coalesce([_parsed(text, kind, f) for f in formats])
    if kind == "boolean":
        low = text.str.to_lowercase()
        return pl.when(low.is_in(TRUE_WORDS)).then(True).when(low.is_in(FALSE_WORDS)).then(False) \
            .otherwise(None).cast(pl.Boolean)
    return expr


def typed_batch(batch: pl.DataFrame, columns: list[ItemColumn], date_formats: dict[str, str],
                first_row: int = 1) -> pl.DataFrame:
    """An all-text batch (item names as columns) as `_row` (numbered from first_row) and typed
    c0 … cN columns; a value that does not parse becomes NULL (the quality gate counted it).

    Dates and times are parsed with their first format only; the other formats are tried (all of
    them, first match wins, as before) only for a column where that left a value unparsed. A
    file almost always writes one format, and each extra attempt costs a full parse."""
    exprs = [pl.int_range(first_row, first_row + batch.height, dtype=pl.Int64).alias(ROW)]
    dated = []
    for c in columns:
        source = pl.col(c.item) if c.item in batch.columns else pl.lit(None, dtype=pl.String)
        exprs.append(_typed(source, c.type, date_formats.get(c.item), first_only=True).alias(c.column))
        if c.type in ("date", "datetime") and c.item in batch.columns:
            dated.append(c)
    typed = batch.select(exprs)
    if dated:
        blank = batch.select(pl.col(c.item).str.strip_chars().is_null().sum() for c in dated).row(0)
        unparsed = typed.select(pl.col(c.column).null_count() for c in dated).row(0)
        again = [c for c, b, u in zip(dated, blank, unparsed, strict=True) if u > b]
        if again:
            typed = typed.with_columns(batch.select(_typed(pl.col(c.item), c.type, date_formats.get(c.item))
                                                    .alias(c.column) for c in again))
    return typed


def write(conn: Connection, table: Table, frame: pl.DataFrame) -> None:
    """Appends a typed batch to `table` by the backend's bulk path."""
    if frame.height == 0:
        return
    names = [c for c in frame.columns]
    if conn.dialect.name == "postgresql":
        _copy(conn, table.name, names, frame)
    else:
        _executemany(conn, table.name, names, frame)


COPY_SLICE = 16_384  # rows serialised per write: about a megabyte of CSV


def _copy(conn: Connection, name: str, names: list[str], frame: pl.DataFrame) -> None:
    # Quoted only where CSV needs it (an empty string is written "" and stays apart from NULL,
    # which is the unquoted empty field): less to write here and to parse in the server.
    # Written as bytes and handed over as a view: a str would be decoded here and encoded
    # again by the driver, two more passes over every byte.
    # Serialised and sent a slice at a time: the server parses and inserts one slice while the
    # next is written here, where a whole piece made it wait for all of it first.
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    column_list = ", ".join(f'"{n}"' for n in names)
    with cursor.copy(f'COPY "{_checked(name)}" ({column_list}) FROM STDIN (FORMAT csv)') as copy:
        for start in range(0, frame.height, COPY_SLICE):
            data = io.BytesIO()
            frame.slice(start, COPY_SLICE).write_csv(
                data, include_header=False, null_value="", date_format="%Y-%m-%d",
                datetime_format="%Y-%m-%d %H:%M:%S%.f", quote_style="necessary")
            copy.write(data.getbuffer())


def _sqlite_values(frame: pl.DataFrame) -> pl.DataFrame:
    # sqlite3's own date adapters are deprecated: hand it the text SQLAlchemy's types read back.
    exprs = []
    for name, dtype in frame.schema.items():
        col = pl.col(name)
        if dtype == pl.Date:
            col = col.dt.strftime("%Y-%m-%d")
        elif isinstance(dtype, pl.Datetime):
            col = col.dt.strftime("%Y-%m-%d %H:%M:%S.%6f")
        elif dtype == pl.Boolean:
            col = col.cast(pl.Int8)
        exprs.append(col.alias(name))
    return frame.select(exprs)


def _executemany(conn: Connection, name: str, names: list[str], frame: pl.DataFrame) -> None:
    column_list = ", ".join(f'"{n}"' for n in names)
    marks = ", ".join("?" for _ in names)
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    cursor.executemany(f'INSERT INTO "{_checked(name)}" ({column_list}) VALUES ({marks})',
                       _sqlite_values(frame).iter_rows())
