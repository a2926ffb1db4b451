"""Standard data elements (标准数据元) as the catalog's cross-checks need them.

The data-element registry is its own capability (issue 4). Until it is installed, the checks use
the seed below: the base items every department describes (population and legal-person base
data). When a capability provides `govshare.<capability>.elements.find_element(session, term)`
returning an object with `code`, `name`, `data_type`, `length`, `base`, it is asked first.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy.orm import Session

from govshare.catalog.vocab import DataType


@dataclass(frozen=True)
class DataElement:
    code: str
    name: str
    data_type: DataType
    length: int | None
    base: bool = True  # a base item (基础信息项): shared unconditionally, one source
    aliases: tuple[str, ...] = ()


SEED: tuple[DataElement, ...] = (
    DataElement(
        "DE0001",
        "公民身份号码",
        DataType.STRING,
        18,
        aliases=("身份证号码", "身份证号", "居民身份证号码"),
    ),
    DataElement("DE0002", "姓名", DataType.STRING, 50),
    DataElement("DE0003", "性别", DataType.STRING, 1, aliases=("性别代码",)),
    DataElement("DE0004", "出生日期", DataType.DATE, 8),
    DataElement("DE0005", "民族", DataType.STRING, 2, aliases=("民族代码",)),
    DataElement("DE0006", "统一社会信用代码", DataType.STRING, 18),
    DataElement(
        "DE0007", "机构名称", DataType.STRING, 200, aliases=("单位名称", "企业名称", "法人单位名称")
    ),
    DataElement("DE0008", "行政区划代码", DataType.STRING, 6),
    DataElement("DE0009", "法定代表人", DataType.STRING, 50, aliases=("法定代表人姓名",)),
    DataElement("DE0010", "住所", DataType.STRING, 200, aliases=("地址",)),
    DataElement(
        "DE0011", "联系电话", DataType.STRING, 20, base=False, aliases=("电话号码", "手机号码")
    ),
    DataElement("DE0012", "成立日期", DataType.DATE, 8),
)

_BY_TERM = {term: e for e in SEED for term in (e.name, e.code, *e.aliases)}


@cache
def _registry_finders() -> tuple[Callable[[Session | None, str], Any], ...]:
    from govshare.capabilities import parts

    # This module is catalog's own `elements` part: skip it, it is the fallback below.
    return tuple(
        m.find_element
        for name, m in parts("elements")
        if name != "catalog" and hasattr(m, "find_element")
    )


def _registry_lookup(session: Session | None, term: str) -> DataElement | None:
    for finder in _registry_finders():
        found = finder(session, term)
        if found is not None:
            return DataElement(
                found.code,
                found.name,
                DataType(found.data_type),
                found.length,
                getattr(found, "base", False),
            )
    return None


def find_element(session: Session | None, term: str) -> DataElement | None:
    """The standard element an item name or identifier means, or None when there is none."""
    term = term.strip()
    return _registry_lookup(session, term) or _BY_TERM.get(term)
