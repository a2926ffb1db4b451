"""The data operations on a live dataset: query, verify (核验), download and the change feed.

Every operation selects only the granted items, ANDs the grant's row filter with the caller's,
and masks what the grant says to mask, so an item outside the grant or a row outside its
filter cannot appear in any format or page. A caller may filter only on items it was granted:
filtering on others would let it guess their values one query at a time.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import polars as pl
from sqlalchemy import and_, bindparam, select
from sqlalchemy.orm import Session

from govshare.core.errors import InvalidInput, PermissionDenied
from govshare.core.masking import _mask_middle, mask_citizen_id, mask_mobile, mask_name
from govshare.core.signing import ContentHasher
from govshare.exchange import filters, tables
from govshare.exchange.calls import Call, live_for
from govshare.exchange.datasets import Live
from govshare.exchange.items import Column
from govshare.exchange.models import Change

MASKERS = {"citizen_id": mask_citizen_id, "name": mask_name, "mobile": mask_mobile,
           "address": lambda s: s[:6] + "*" * max(0, len(s) - 6)}
DOWNLOAD_BATCH = 10_000
FEED_MAX = 1000


def _mask(value: Any, column: Column) -> Any:
    if value is None:
        return None
    text = value.isoformat() if isinstance(value, date | datetime) else str(value)
    return MASKERS.get(column.personal or "", _mask_middle)(text)


def chosen_items(call: Call, asked: list[str]) -> list[str]:
    """The items to return: the ones asked for, all within the grant (422 for unknown ones)."""
    if not asked:
        return list(call.items)
    known = {c.item for c in call.columns}
    unknown = [i for i in asked if i not in known]
    if unknown:
        raise InvalidInput(f"unknown item(s): {', '.join(unknown)}", f"信息项不存在：{'、'.join(unknown)}",
                           field="items")
    outside = [i for i in asked if i not in call.items]
    if outside:
        raise PermissionDenied(f"item(s) {', '.join(outside)} are outside your grant",
                               f"信息项 {'、'.join(outside)} 不在授权范围内", code="item_not_granted",
                               field="items")
    return [i for i in call.items if i in asked]


def _where(call: Call, live: Live, caller_filter: Any, field: str = "filter") -> Any:
    checked = filters.validate(caller_filter, live.columns, field)
    outside = [i for i in checked if i not in call.items]
    if outside:
        raise PermissionDenied(f"cannot filter on item(s) outside your grant: {', '.join(outside)}",
                               f"不能按授权范围以外的信息项筛选：{'、'.join(outside)}", code="item_not_granted",
                               field=field)
    return and_(filters.compile_filter(live.table, live.columns, call.row_filter),
                filters.compile_filter(live.table, live.columns, checked)), checked


def _shape(call: Call, live: Live, items: list[str]) -> tuple[list[Column], list[bool]]:
    cols = [live.column(i) for i in items]
    return cols, [i in call.masked for i in items]


def _record(row: Any, cols: list[Column], masked: list[bool]) -> dict[str, Any]:
    return {c.item: (_mask(v, c) if m else v) for c, m, v in zip(cols, masked, row, strict=True)}


def query(session: Session, call: Call, caller_filter: Any, items: list[str], limit: int,
          offset: int) -> tuple[dict[str, Any], int, dict[str, Any]]:
    live = live_for(session, call)
    items = chosen_items(call, items)
    where, checked = _where(call, live, caller_filter)
    limit = min(limit, call.limits.rows_per_call)
    cols, masked = _shape(call, live, items)
    stmt = select(*[live.table.c[c.column] for c in cols]).where(where) \
        .order_by(live.table.c[tables.ROW]).limit(limit + 1).offset(offset)
    rows = session.execute(stmt).all()
    more = len(rows) > limit
    records = [_record(r, cols, masked) for r in rows[:limit]]
    payload = {"resource": call.resource.code, "version": live.version.number, "items": items,
               "masked_items": [i for i in items if i in call.masked], "limit": limit, "offset": offset,
               "has_more": more, "rows": records}
    return payload, len(records), {"items": items, "filter": _logged(checked, live)}


def _logged(checked: dict[str, Any], live: Live) -> dict[str, Any]:
    from govshare.exchange.calls import pseudonymised

    return pseudonymised(filters.jsonable(checked))


# --- verify -----------------------------------------------------------------------------------


def _same(stored: Any, sent: Any, column: Column) -> bool:
    if stored is None:
        return False
    try:
        value = filters.coerce(column, sent, "values")
    except InvalidInput:
        return False
    if isinstance(stored, str):
        return stored.strip() == str(value).strip()
    return stored == value


def verify(session: Session, call: Call, values: dict[str, Any]) -> tuple[dict[str, Any], int, dict[str, Any]]:
    """Per item whether the sent value matches the record found by the key items; stored values
    never leave. Items outside the grant cannot be verified."""
    live = live_for(session, call)
    keys = live.version.key_items
    if not keys:
        raise InvalidInput("this dataset has no key items, so records cannot be verified",
                           "该数据集未设置主键信息项，无法核验", field="values")
    chosen_items(call, list(values))  # unknown → 422, outside the grant → 403
    missing = [k for k in keys if k not in values]
    if missing:
        raise InvalidInput(f"verify needs the key item(s) {', '.join(missing)} among the values",
                           f"核验须提供主键信息项 {'、'.join(missing)} 的值", field="values")
    key_filter = filters.validate({k: values[k] for k in keys}, live.columns, "values")
    for item in values:
        filters.coerce(live.column(item), values[item], "values")
    others = [i for i in values if i not in keys]
    # On the session's connection: a Core statement gains nothing from the ORM's execution layer.
    row = session.connection().execute(*_lookup(live, call.row_filter, key_filter, others)).first()
    result = {k: row is not None for k in keys}
    for item, stored in zip(others, row[1:] if row else [None] * len(others), strict=True):
        result[item] = row is not None and _same(stored, values[item], live.column(item))
    payload = {"resource": call.resource.code, "found": row is not None, "match": all(result.values()),
               "items": result}
    return payload, 1 if row is not None else 0, {"items": list(values), "key": pseudonymised_key(key_filter),
                                                  "match": payload["match"]}


def _lookup(live: Live, row_filter: dict[str, Any], key_filter: dict[str, Any],
            others: list[str]) -> tuple[Any, dict[str, Any]]:
    """The statement finding the record by its key values, returning its row number and the
    `others` items, with its parameters. Under a grant without a row filter (the usual case) the
    statement is built once per table and items, on binds: building it, and its cache key, on
    every call was most of verify's own CPU."""
    wanted = [live.table.c[live.column(i).column] for i in others]
    if row_filter:
        return select(live.table.c[tables.ROW], *wanted).where(
            filters.compile_filter(live.table, live.columns, row_filter),
            filters.compile_filter(live.table, live.columns, key_filter)).limit(1), {}
    keys = tuple(live.column(item).column for item in key_filter)
    params = {f"key_{n}": condition["eq"] for n, condition in enumerate(key_filter.values())}
    return _keyed_lookup(live.table, keys, tuple(c.name for c in wanted)), params


@lru_cache(maxsize=64)
def _keyed_lookup(table: Any, keys: tuple[str, ...], others: tuple[str, ...]) -> Any:
    return (select(table.c[tables.ROW], *[table.c[c] for c in others])
            .where(*[table.c[c] == bindparam(f"key_{n}") for n, c in enumerate(keys)]).limit(1))


def pseudonymised_key(key_filter: dict[str, Any]) -> dict[str, Any]:
    from govshare.exchange.calls import pseudonymised

    return pseudonymised(filters.jsonable(key_filter))


# --- download ---------------------------------------------------------------------------------


SPOOL_BYTES = 8 << 20  # a download's bytes kept in memory before they spill to a temporary file


class Spooled:
    """A download's exact bytes in a temporary file (memory first, disk past SPOOL_BYTES), with
    their size and the node suite's hash, computed while they were written: the receipt signs
    that hash before the first byte is sent, and memory stays bounded whatever the size."""

    def __init__(self, spool_bytes: int | None = None) -> None:
        self.file: Any = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES if spool_bytes is None else spool_bytes)
        self._hasher = ContentHasher()
        self.size = 0
        self.digest = ""
        self._scratch: tempfile.TemporaryDirectory | None = None

    def write(self, data: bytes) -> None:
        self.file.write(data)
        self._hasher.update(data)
        self.size += len(data)

    def scratch(self) -> Path:
        """A private directory for intermediate files, removed on close."""
        if self._scratch is None:
            self._scratch = tempfile.TemporaryDirectory(prefix="govshare-download-")
        return Path(self._scratch.name)

    def seal(self) -> Spooled:
        self.digest = self._hasher.hexdigest()
        self.file.seek(0)
        return self

    @property
    def on_disk(self) -> bool:
        return bool(getattr(self.file, "_rolled", True))

    def close(self) -> None:
        self.file.close()
        if self._scratch is not None:
            self._scratch.cleanup()


def download(session: Session, call: Call, caller_filter: Any, items: list[str], fmt: str,
             max_rows: int) -> tuple[Spooled, int, dict[str, Any]]:
    """The granted rows as CSV or Parquet, written batch by batch into a Spooled file that hashes
    them on the way; the caller signs `spooled.digest` and then streams the file."""
    if fmt not in ("csv", "parquet"):
        raise InvalidInput("format must be csv or parquet", "格式应为 csv 或 parquet", field="format")
    live = live_for(session, call)
    items = chosen_items(call, items)
    where, checked = _where(call, live, caller_filter)
    cols, masked = _shape(call, live, items)
    stmt = select(*[live.table.c[c.column] for c in cols]).where(where).order_by(live.table.c[tables.ROW]) \
        .limit(max_rows)
    out = Spooled()
    try:
        batches = (_frame(chunk, cols, masked) for chunk in session.execute(
            stmt.execution_options(yield_per=DOWNLOAD_BATCH)).partitions(DOWNLOAD_BATCH))
        empty = pl.DataFrame(schema={c.item: pl.String for c in cols})
        rows = (_write_csv if fmt == "csv" else _write_parquet)(out, batches, empty)
    except BaseException:
        out.close()
        raise
    return out.seal(), rows, {"items": items, "format": fmt, "filter": _logged(checked, live),
                              "cursor": live.dataset.change_seq}


def _write_csv(out: Spooled, batches: Iterator[pl.DataFrame], empty: pl.DataFrame) -> int:
    rows = 0
    for frame in batches:
        out.write(frame.write_csv(include_header=rows == 0).encode())
        rows += frame.height
    if rows == 0:
        out.write(empty.write_csv().encode())
    return rows


def _write_parquet(out: Spooled, batches: Iterator[pl.DataFrame], empty: pl.DataFrame) -> int:
    """Each batch goes to an Arrow file on disk; polars' streaming engine then writes them as one
    Parquet file, which is copied into the spool (and hashed) in chunks: no step holds all rows."""
    scratch = out.scratch()
    parts: list[Path] = []
    rows = 0
    for frame in batches:
        part = scratch / f"{len(parts)}.arrow"
        frame.write_ipc(part)
        parts.append(part)
        rows += frame.height
    target = scratch / "download.parquet"
    if parts:
        pl.concat([pl.scan_ipc(p) for p in parts], how="diagonal_relaxed").sink_parquet(target)
    else:
        empty.write_parquet(target)
    with target.open("rb") as source:
        while chunk := source.read(1 << 20):
            out.write(chunk)
    return rows


def _frame(chunk: list[Any], cols: list[Column], masked: list[bool]) -> pl.DataFrame:
    data = {c.item: [(_mask(r[n], c) if m else r[n]) for r in chunk]
            for n, (c, m) in enumerate(zip(cols, masked, strict=True))}
    return pl.DataFrame(data, strict=False)


def stream(spooled: Spooled, chunk: int = 1 << 16) -> Iterator[bytes]:
    try:
        while data := spooled.file.read(chunk):
            yield data
    finally:
        spooled.close()


# --- change feed ------------------------------------------------------------------------------


def changes(session: Session, call: Call, cursor: int, limit: int) -> tuple[dict[str, Any], int, dict[str, Any]]:
    """Changes after `cursor`: each upsert with the row's current granted items (rows outside the
    grant's filter are left out), each delete with its key when the key items are granted."""
    live = live_for(session, call)
    keys = live.version.key_items
    limit = max(1, min(limit, FEED_MAX))
    found = session.scalars(select(Change).where(Change.dataset_id == live.dataset.id, Change.seq > cursor)
                            .order_by(Change.seq).limit(limit)).all()
    keys_granted = all(k in call.items for k in keys)
    cols, masked = _shape(call, live, call.items)
    out = []
    for change in found:
        entry: dict[str, Any] = {"seq": change.seq, "op": change.op, "version": change.version_number}
        if change.op == "upsert":
            row = _current(session, call, live, keys, change.key, cols)
            if row is None:
                continue
            entry["row"] = _record(row, cols, masked)
        elif keys_granted:
            entry["key"] = dict(zip(keys, change.key, strict=True))
        else:
            continue
        out.append(entry)
    next_cursor = found[-1].seq if found else max(cursor, 0)
    payload = {"resource": call.resource.code, "cursor": cursor, "next_cursor": next_cursor,
               "has_more": len(found) == limit, "changes": out}
    return payload, len(out), {"cursor": cursor, "next_cursor": next_cursor, "items": call.items}


def _current(session: Session, call: Call, live: Live, keys: list[str], key: list[Any],
             cols: list[Column]) -> Any:
    key_filter = filters.validate(dict(zip(keys, key, strict=True)), live.columns, "key")
    stmt = select(*[live.table.c[c.column] for c in cols]).where(
        filters.compile_filter(live.table, live.columns, call.row_filter),
        filters.compile_filter(live.table, live.columns, key_filter)).limit(1)
    return session.execute(stmt).first()


def current_cursor(session: Session, live: Live) -> int:
    return live.dataset.change_seq
