"""Reading the public rows of an open dataset: preview, the REST rows API and CKAN's
datastore_search all come through `select_rows`, downloads through `open_data` + `statement`.

The rows are the exchange's live dataset version (govshare.exchange.datasets.live); every
value passes through the resource's de-identification plan. Filters, sorts and the free-text
`q` may only touch items that are not de-identified.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, Text, and_, cast, or_, select, true
from sqlalchemy.orm import Session

from govshare.catalog.models import CatalogResource
from govshare.core.errors import AppError, InvalidInput
from govshare.exchange import datasets, filters, tables
from govshare.exchange.datasets import Live
from govshare.exchange.items import Column
from govshare.opendata import deidentify
from govshare.opendata.deidentify import DIRECT_KINDS, Plan

MAX_LIMIT = 1000
PREVIEW = 100
MAX_Q = 100
MAX_SORT = 5
MAX_Q_FIELDS = 20


@dataclass(frozen=True)
class OpenData:
    live: Live
    plan: Plan

    @property
    def columns(self) -> list[Column]:
        return self.live.columns

    def fields(self) -> list[dict[str, str]]:
        return [{"name": c.item, "type": self.plan.public_type(c.item, c.type)} for c in self.columns]


NOT_READ = object()


def open_data(
    session: Session,
    resource: CatalogResource,
    rules: dict[str, deidentify.ItemRule] | None = None,
    live: Live | None | object = NOT_READ,
) -> OpenData | None:
    """The live data of an open resource with its plan, or None when nothing is loaded. `live`
    when the caller read it already (datasets.live_many; None: no data).

    Fails closed: a stored column that is a direct identifier without a rule (the published
    metadata may have moved on since the load) is suppressed."""
    if live is NOT_READ:
        try:
            live = datasets.live(session, resource)
        except AppError:
            return None
    if not isinstance(live, Live):
        return None
    rules = dict(deidentify.rules_for(session, resource.id) if rules is None else rules)
    for column in live.columns:
        direct = column.personal in DIRECT_KINDS or deidentify.is_direct_identifier(column.item, "")
        if direct and column.item not in rules:
            rules[column.item] = deidentify.ItemRule(column.item, deidentify.Method.SUPPRESS)
    return OpenData(live, deidentify.plan([c.item for c in live.columns], rules, [c.type for c in live.columns]))


@dataclass
class Query:
    filters: dict[str, Any] | None = None
    q: str | dict[str, Any] = ""  # text, or CKAN's per-field mapping {item: text}
    sort: list[tuple[str, bool]] | None = None  # (item, descending)
    fields: list[str] | None = None
    limit: int = 100
    offset: int = 0
    after: int | None = None  # cursor: rows after this stored row number (default order only)


def _open_item(data: OpenData, item: str, field: str) -> Column:
    known = {c.item: c for c in data.columns}
    if item not in known:
        raise InvalidInput(f"{field}: unknown field {item[:50]!r}", f"{field}：字段“{item[:50]}”不存在", field=field)
    if item in data.plan.protected:
        raise InvalidInput(
            f"{field}: {item} is de-identified and cannot be used to filter or sort",
            f"{field}：{item} 已去标识化，不能用于筛选或排序",
            field=field,
        )
    return known[item]


def _where(data: OpenData, query: Query) -> Any:
    checked = filters.validate(query.filters, data.columns, "filters")
    for item in checked:
        _open_item(data, item, "filters")
    clauses = [filters.compile_filter(data.live.table, data.columns, checked), _text_match(data, query.q)]
    if query.after is not None:
        clauses.append(data.live.table.c[tables.ROW] > query.after)
    return and_(*clauses)


def _q_text(value: Any, field: str = "q") -> str:
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        raise InvalidInput(f"{field}: expected text", f"{field}：应为文本", field="q")
    text = str(value).strip()
    if len(text) > MAX_Q:
        raise InvalidInput(f"q: at most {MAX_Q} characters", f"q：不超过 {MAX_Q} 个字符", field="q")
    return text


def _text_match(data: OpenData, q: str | dict[str, Any] | None) -> Any:
    """`q` as text: found in any text item that is not de-identified. As a mapping (CKAN's
    per-field q, {"item": "text"}): each item holds its text, ANDed; a de-identified or
    unknown item is refused like a filter on it."""
    table = data.live.table
    if isinstance(q, dict):
        if len(q) > MAX_Q_FIELDS:
            raise InvalidInput("q: too many fields", "q：字段过多", field="q")
        clauses = []
        for item, value in q.items():
            column = table.c[_open_item(data, str(item), "q").column]
            text = _q_text(value, f"q.{str(item)[:50]}")
            if text:
                clauses.append(cast(column, Text).contains(text, autoescape=True))
        return and_(true(), *clauses)
    text = _q_text(q or "")
    if not text:
        return true()
    searchable = [table.c[c.column] for c in data.columns if c.type == "string" and c.item not in data.plan.protected]
    return or_(*[col.contains(text, autoescape=True) for col in searchable]) if searchable else ~true()


def _order(data: OpenData, query: Query) -> list[Any]:
    order = []
    for item, descending in (query.sort or [])[:MAX_SORT]:
        col = data.live.table.c[_open_item(data, item, "sort").column]
        order.append(col.desc() if descending else col.asc())
    return [*order, data.live.table.c[tables.ROW]]


def chosen(data: OpenData, fields: list[str] | None) -> list[Column]:
    if not fields:
        return list(data.columns)
    known = {c.item: c for c in data.columns}
    unknown = [f for f in fields if f not in known]
    if unknown:
        raise InvalidInput(
            f"fields: unknown field(s) {', '.join(u[:50] for u in unknown)}",
            f"fields：字段 {'、'.join(u[:50] for u in unknown)} 不存在",
            field="fields",
        )
    return [known[f] for f in fields]


def statement(
    data: OpenData, query: Query, columns: list[Column] | None = None, as_text: bool = False, with_row: bool = True
) -> Select:
    """The rows' SELECT, the stored row number first unless `with_row` is false. `as_text` has
    the database render the items that are passed through unchanged as text (what a file holds
    anyway), sparing the driver and the formatter a conversion per value; de-identified items
    keep their type for their transform."""
    cols = columns or list(data.columns)
    table = data.live.table

    def shown(c: Column):  # type: ignore[no-untyped-def]
        col = table.c[c.column]
        return cast(col, Text).label(c.column) if as_text and c.item not in data.plan.protected else col

    selected = [table.c[tables.ROW]] if with_row else []
    return select(*selected, *[shown(c) for c in cols]).where(_where(data, query)).order_by(*_order(data, query))


def subplan(data: OpenData, columns: list[Column]) -> Plan:
    return deidentify.plan(
        [c.item for c in columns],
        {c.item: data.plan.rules[c.item] for c in columns if c.item in data.plan.rules},
        [c.type for c in columns],
    )


def select_rows(session: Session, data: OpenData, query: Query) -> dict[str, Any]:
    if not 0 <= query.limit <= MAX_LIMIT:
        raise InvalidInput(
            f"limit must be between 0 and {MAX_LIMIT}", f"limit 应在 0 至 {MAX_LIMIT} 之间", field="limit"
        )
    if query.offset < 0:
        raise InvalidInput("offset must not be negative", "offset 不能为负数", field="offset")
    cols = chosen(data, query.fields)
    plan = subplan(data, cols)
    stmt = statement(data, query, cols)
    rows = session.execute(stmt.limit(query.limit + 1).offset(query.offset)).all()
    more = len(rows) > query.limit
    rows = rows[: query.limit]
    total = count(session, data, query)
    cursor = encode_cursor(rows[-1][0]) if more and rows and not query.sort else None
    return {
        "fields": [{"name": c.item, "type": plan.public_type(c.item, c.type)} for c in cols],
        "records": [plan.record(r[1:]) for r in rows],
        "total": total,
        "next_cursor": cursor,
        "has_more": more,
    }


def count(session: Session, data: OpenData, query: Query) -> int:
    from sqlalchemy import func

    stmt = select(func.count()).select_from(data.live.table).where(_where(data, Query(query.filters, query.q)))
    return int(session.scalar(stmt) or 0)


def encode_cursor(row: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"after": int(row)}).encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int | None:
    if not cursor:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value = json.loads(base64.urlsafe_b64decode(padded.encode()))["after"]
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise ValueError
        return value
    except (ValueError, KeyError, TypeError, json.JSONDecodeError, UnicodeDecodeError):
        raise InvalidInput("cursor is not one this API gave out", "cursor 无效", field="cursor") from None


def parse_sort(text: str | None, field: str = "sort") -> list[tuple[str, bool]]:
    """CKAN's sort syntax: "item asc, other desc"."""
    if not text:
        return []
    if len(text) > 500:
        raise InvalidInput(f"{field}: too long", f"{field} 过长", field=field)
    out = []
    for part in text.split(","):
        words = part.strip().rsplit(" ", 1)
        if len(words) == 2 and words[1].lower() in ("asc", "desc"):
            out.append((words[0].strip().strip('"'), words[1].lower() == "desc"))
        elif part.strip():
            out.append((part.strip().strip('"'), False))
    return out
