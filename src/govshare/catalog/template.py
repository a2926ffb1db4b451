"""The national template's columns (资源表 and 信息项表) and how a cell becomes a field value.

The same columns serve XLSX and CSV, import and export; JSON uses the field names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from govshare.catalog import vocab
from govshare.catalog.vocab import (
    CatalogKind,
    DataType,
    Network,
    ResourceFormat,
    ShareMode,
    ShareType,
    UpdateCycle,
)

RESOURCE_SHEET, ITEM_SHEET = "信息资源", "信息项"


@dataclass(frozen=True)
class Column:
    field: str
    header: str
    kind: Any = str  # str, int, float, bool, date, list, or a vocabulary (StrEnum)
    mandatory: bool = False  # the column must be present and the cell filled


RESOURCE_COLUMNS: tuple[Column, ...] = (
    Column("seq", "序号", int),
    Column("catalog", "所属目录", CatalogKind),
    Column("class_code", "信息资源分类"),
    Column("name", "信息资源名称", mandatory=True),
    Column("code", "信息资源代码"),
    Column("provider", "信息资源提供方", mandatory=True),
    Column("provider_code", "提供方代码"),
    Column("summary", "信息资源摘要", mandatory=True),
    Column("format", "信息资源格式", ResourceFormat),
    Column("format_detail", "格式细分"),
    Column("share_type", "共享类型", ShareType, mandatory=True),
    Column("share_conditions", "共享条件"),
    Column("share_basis", "不予共享依据"),
    Column("share_mode", "共享方式", ShareMode),
    Column("share_method", "共享方式类型", ResourceFormat),
    Column("open", "是否向社会开放", bool),
    Column("open_conditions", "开放条件"),
    Column("update_cycle", "更新周期", UpdateCycle),
    Column("published_on", "发布日期", date),
    Column("related_codes", "关联资源代码", list),
    Column("system_name", "信息系统名称"),
    Column("network", "部署网络", Network),
    Column("vertical", "是否垂直管理", bool),
    Column("stored_gb", "存储总量(GB)", float),
    Column("stored_records", "结构化记录总数", int),
    Column("shared_gb", "共享数据量(GB)", float),
    Column("shared_records", "共享记录数", int),
    Column("opened_gb", "开放数据量(GB)", float),
    Column("opened_records", "开放记录数", int),
)
# In CSV files, where there is no second sheet, the items of a resource are one cell:
# 名称:类型:长度[:数据元[:源头]] separated by ；
ITEMS_COLUMN = Column("items", "信息项")

ITEM_COLUMNS: tuple[Column, ...] = (
    Column("seq", "资源序号", int),
    Column("code", "信息资源代码"),
    Column("name", "信息项名称", mandatory=True),
    Column("data_type", "数据类型", DataType, mandatory=True),
    Column("length", "数据长度", int),
    Column("element_code", "标准数据元"),
    Column("is_source", "是否采集源头", bool),
)


def normalise_header(text: Any) -> str:
    """'信息资源名称*' / ' 存储总量（GB） ' → '信息资源名称' / '存储总量(GB)'."""
    value = re.sub(r"\s+", "", str(text or "")).rstrip("*＊")
    return value.replace("（", "(").replace("）", ")")


def header_map(headers: list[Any], columns: tuple[Column, ...]) -> dict[int, Column]:
    known = {normalise_header(c.header): c for c in columns}
    known.update({c.field: c for c in columns})  # English field names are accepted too
    return {
        i: known[normalise_header(h)] for i, h in enumerate(headers) if normalise_header(h) in known
    }


class CellError(ValueError):
    """A cell that does not hold what its column expects; the message says what is expected."""

    def __init__(self, en: str, zh: str) -> None:
        super().__init__(en)
        self.en, self.zh = en, zh


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    # the last: a date cell read as text (a column mixing text and dates)
    for pattern in ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%Y年%m月%d日", "%Y.%m.%d", "%Y-%m-%d %H:%M:%S"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise CellError(
        f"{text!r} is not a date; expected YYYY-MM-DD", f"“{text}”不是日期，应为 YYYY-MM-DD"
    )


def _number(value: Any, kind: type) -> int | float:
    text = str(value).strip().replace(",", "")
    try:
        number = float(text)
    except ValueError:
        raise CellError(f"{text!r} is not a number", f"“{text}”不是数字") from None
    if kind is int:
        if number != int(number):
            raise CellError(f"{text!r} is not a whole number", f"“{text}”不是整数")
        return int(number)
    return number


def convert(column: Column, value: Any) -> Any:
    """The typed value of a cell, or CellError saying what the column expects."""
    if is_blank(value):
        return None
    kind = column.kind
    if isinstance(kind, type) and issubclass(kind, StrEnum):
        found = vocab.parse(kind, str(value))
        if found is None:
            raise CellError(
                f"unknown word {str(value).strip()!r}; expected one of {vocab.choices(kind)}",
                f"无法识别“{str(value).strip()}”，应为 {vocab.choices(kind)} 之一",
            )
        return found
    if kind is bool:
        found_bool = vocab.parse_bool(value if isinstance(value, bool) else str(value))
        if found_bool is None:
            raise CellError(
                f"{value!r} is not yes/no; expected 是 or 否", f"“{value}”应为“是”或“否”"
            )
        return found_bool
    if kind in (int, float):
        return _number(value, kind)
    if kind is date:
        return _date(value)
    if kind is list:
        return (
            value
            if isinstance(value, list)
            else [p for p in re.split(r"[,，;；、\s]+", str(value)) if p]
        )
    if isinstance(value, float) and value == int(value):
        return str(int(value))  # a code typed into a number-formatted Excel cell
    return str(value).strip()


def cell_text(column: Column, value: Any) -> Any:
    """A field value as the template writes it: Chinese words, 是/否, dates as YYYY-MM-DD."""
    if value is None:
        return ""
    if isinstance(value, StrEnum):
        return vocab.label(value)
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list):
        return "；".join(value)
    return value


def parse_items_cell(text: str) -> list[dict[str, Any]]:
    """'姓名:字符型:50；公民身份号码:字符型:18:DE0001:是' → item rows (raw values)."""
    rows = []
    for part in re.split(r"[;；]", text or ""):
        if not part.strip():
            continue
        bits = [b.strip() for b in re.split(r"[:：]", part)]
        bits += [""] * (5 - len(bits))
        rows.append(
            {
                "name": bits[0],
                "data_type": bits[1] or "字符型",
                "length": bits[2],
                "element_code": bits[3],
                "is_source": bits[4],
            }
        )
    return rows


def items_cell(items: list[Any]) -> str:
    return "；".join(
        ":".join(
            [
                i.name,
                vocab.label(i.data_type),
                str(i.length or ""),
                i.element_code,
                "是" if i.is_source else "",
            ]
        ).rstrip(":")
        for i in items
    )
