"""The row-filter language of queries, downloads and grants: small, whitelisted, typed.

A filter is a JSON object; every key is an item name of the resource and every value one of

    "value"                       item = value
    {"eq": v}                     item = v
    {"in": [v1, v2, …]}           item IN (…), at most MAX_IN values
    {"gte": a, "lte": b}          range (also "gt", "lt"); either end may be left out

Conditions are AND-ed. Values are converted to the item's type and sent as bound parameters;
an unknown item, an unknown operator, a value of the wrong type or too long is a 422 naming
the item and what is expected. No text a caller sends ever becomes SQL.
"""

from __future__ import annotations

import math
from datetime import date, datetime
from typing import Any

from sqlalchemy import Table, and_, true
from sqlalchemy.sql.elements import ColumnElement

from govshare.core.errors import InvalidInput
from govshare.exchange.items import Column

MAX_CONDITIONS = 20
MAX_IN = 1000
MAX_TEXT = 200
OPERATORS = ("eq", "in", "gt", "gte", "lt", "lte")


def _bad(item: str, expected_en: str, expected_zh: str, field: str) -> InvalidInput:
    return InvalidInput(f"filter on {item}: {expected_en}", f"筛选条件 {item}：{expected_zh}", field=field,
                        details={"item": item})


def coerce(column: Column, value: Any, field: str = "filter") -> Any:
    """A caller's value as the item's type, or a 422 saying what is expected."""
    item, kind = column.item, column.type
    if value is None:
        raise _bad(item, "a value is required, not null", "值不能为空", field)
    if kind == "number":
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise _bad(item, "expected a number", "应为数值", field)
        try:
            number = float(value)
        except ValueError:
            raise _bad(item, f"expected a number, got {str(value)[:40]!r}", "应为数值", field) from None
        if not math.isfinite(number):
            raise _bad(item, "expected a finite number", "应为有限数值", field)
        return number
    if kind in ("date", "datetime"):
        return _coerce_date(column, value, field)
    if kind == "boolean":
        if isinstance(value, bool):
            return value
        raise _bad(item, "expected true or false", "应为 true 或 false", field)
    if not isinstance(value, str | int) or isinstance(value, bool):
        raise _bad(item, "expected text", "应为文本", field)
    text = str(value)
    limit = min(column.length or MAX_TEXT, MAX_TEXT)
    if len(text) > limit:
        raise _bad(item, f"at most {limit} characters (got {len(text)})", f"不超过 {limit} 个字符", field)
    return text


def _coerce_date(column: Column, value: Any, field: str) -> date | datetime:
    if not isinstance(value, str) or len(value) > 32:
        raise _bad(column.item, "expected a date like 2017-05-18", "应为日期，如 2017-05-18", field)
    try:
        if column.type == "date":
            return date.fromisoformat(value if "-" in value else f"{value[:4]}-{value[4:6]}-{value[6:8]}")
        return datetime.fromisoformat(value)
    except ValueError:
        raise _bad(column.item, f"expected a date like 2017-05-18, got {value!r}", "应为日期，如 2017-05-18",
                   field) from None


def by_item(columns: list[Column]) -> dict[str, Column]:
    return {c.item: c for c in columns}


def validate(spec: Any, columns: list[Column], field: str = "filter") -> dict[str, Any]:
    """Checks a filter's shape and values; returns it with values converted."""
    if spec in (None, ""):
        return {}
    if not isinstance(spec, dict):
        raise InvalidInput("a filter is a JSON object of item → condition", "筛选条件应为“信息项 → 条件”的 JSON 对象",
                           field=field)
    if len(spec) > MAX_CONDITIONS:
        raise InvalidInput(f"at most {MAX_CONDITIONS} conditions", f"筛选条件不超过 {MAX_CONDITIONS} 个", field=field)
    known = by_item(columns)
    out: dict[str, Any] = {}
    for item, condition in spec.items():
        column = known.get(item)
        if column is None:
            raise InvalidInput(f"filter names unknown item {str(item)[:50]!r}; expected one of: {', '.join(known)}",
                               f"筛选条件中的信息项“{str(item)[:50]}”不存在", field=field,
                               details={"item": str(item)[:50], "known": list(known)})
        out[item] = _condition(column, condition, field)
    return out


def _condition(column: Column, condition: Any, field: str) -> dict[str, Any]:
    if not isinstance(condition, dict):
        return {"eq": coerce(column, condition, field)}
    if not condition:
        raise _bad(column.item, "an empty condition", "条件为空", field)
    unknown = [op for op in condition if op not in OPERATORS]
    if unknown:
        raise _bad(column.item, f"unknown operator {unknown[0]!r}; expected {', '.join(OPERATORS)}",
                   f"未知的运算符“{unknown[0]}”", field)
    out: dict[str, Any] = {}
    for op, value in condition.items():
        if op == "in":
            if not isinstance(value, list) or not value or len(value) > MAX_IN:
                raise _bad(column.item, f"'in' takes a list of 1 to {MAX_IN} values",
                           f"in 应为 1 至 {MAX_IN} 个值的列表",
                           field)
            out[op] = [coerce(column, v, field) for v in value]
        else:
            out[op] = coerce(column, value, field)
    return out


def compile_filter(table: Table, columns: list[Column], checked: dict[str, Any]) -> ColumnElement[bool]:
    """An already validated filter as a SQLAlchemy expression with bound parameters."""
    known = by_item(columns)
    clauses = []
    for item, condition in checked.items():
        col = table.c[known[item].column]
        for op, value in condition.items():
            clauses.append({"eq": lambda c, v: c == v, "in": lambda c, v: c.in_(v), "gt": lambda c, v: c > v,
                            "gte": lambda c, v: c >= v, "lt": lambda c, v: c < v,
                            "lte": lambda c, v: c <= v}[op](col, value))
    return and_(true(), *clauses)


def jsonable(checked: dict[str, Any]) -> dict[str, Any]:
    """A validated filter back as JSON (dates as ISO text), to store on a grant."""
    def plain(v: Any) -> Any:
        if isinstance(v, date | datetime):
            return v.isoformat()
        if isinstance(v, list):
            return [plain(x) for x in v]
        return v

    return {item: {op: plain(v) for op, v in cond.items()} for item, cond in checked.items()}
