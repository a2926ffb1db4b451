"""The data operations on a live dataset: query, verify (核验), download and the change feed.

Every operation selects only the granted items, ANDs the grant's row filter with the caller's,
and masks what the grant says to mask, so an item outside the grant or a row outside its
filter cannot appear in any format or page. A caller may filter only on items it was granted:
filtering on others would let it guess their values one query at a time.
"""

from __future__ import annotations

import io
import tempfile
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

import polars as pl
from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from govshare.core.errors import InvalidInput, PermissionDenied
from govshare.core.masking import _mask_middle, mask_citizen_id, mask_mobile, mask_name
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
    stmt = select(live.table.c[tables.ROW], *[live.table.c[live.column(i).column] for i in others]).where(
        filters.compile_filter(live.table, live.columns, call.row_filter),
        filters.compile_filter(live.table, live.columns, key_filter)).limit(1)
    row = session.execute(stmt).first()
    result = {k: row is not None for k in keys}
    for item, stored in zip(others, row[1:] if row else [None] * len(others), strict=True):
        result[item] = row is not None and _same(stored, values[item], live.column(item))
    payload = {"resource": call.resource.code, "found": row is not None, "match": all(result.values()),
               "items": result}
    return payload, 1 if row is not None else 0, {"items": list(values), "key": pseudonymised_key(key_filter),
                                                  "match": payload["match"]}


def pseudonymised_key(key_filter: dict[str, Any]) -> dict[str, Any]:
    from govshare.exchange.calls import pseudonymised

    return pseudonymised(filters.jsonable(key_filter))


# --- download ---------------------------------------------------------------------------------


def download(session: Session, call: Call, caller_filter: Any, items: list[str], fmt: str,
             max_rows: int) -> tuple[tempfile.SpooledTemporaryFile, int, dict[str, Any]]:
    """Writes the granted rows into a spooled file (memory first, disk when large) batch by batch:
    the receipt signs the exact bytes, so they are complete before the answer starts."""
    if fmt not in ("csv", "parquet"):
        raise InvalidInput("format must be csv or parquet", "格式应为 csv 或 parquet", field="format")
    live = live_for(session, call)
    items = chosen_items(call, items)
    where, checked = _where(call, live, caller_filter)
    cols, masked = _shape(call, live, items)
    stmt = select(*[live.table.c[c.column] for c in cols]).where(where).order_by(live.table.c[tables.ROW]) \
        .limit(max_rows)
    out = tempfile.SpooledTemporaryFile(max_size=32 << 20)
    rows = 0
    frames: list[pl.DataFrame] = []
    result = session.execute(stmt.execution_options(yield_per=DOWNLOAD_BATCH))
    header = True
    for chunk in result.partitions(DOWNLOAD_BATCH):
        frame = _frame(chunk, cols, masked)
        rows += frame.height
        if fmt == "csv":
            out.write(frame.write_csv(include_header=header).encode())
            header = False
        else:
            frames.append(frame)
    if fmt == "csv" and header:
        out.write(pl.DataFrame(schema={c.item: pl.String for c in cols}).write_csv().encode())
    if fmt == "parquet":
        empty = pl.DataFrame(schema={c.item: pl.String for c in cols})
        buffer = io.BytesIO()
        (pl.concat(frames, how="diagonal_relaxed") if frames else empty).write_parquet(buffer)
        out.write(buffer.getvalue())
    out.seek(0)
    return out, rows, {"items": items, "format": fmt, "filter": _logged(checked, live),
                       "cursor": live.dataset.change_seq}


def _frame(chunk: list[Any], cols: list[Column], masked: list[bool]) -> pl.DataFrame:
    data = {c.item: [(_mask(r[n], c) if m else r[n]) for r in chunk]
            for n, (c, m) in enumerate(zip(cols, masked, strict=True))}
    return pl.DataFrame(data, strict=False)


def stream(spool: Any, chunk: int = 1 << 16) -> Iterator[bytes]:
    try:
        while data := spool.read(chunk):
            yield data
    finally:
        spool.close()


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
