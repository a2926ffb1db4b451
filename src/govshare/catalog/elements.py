"""Standard data elements (标准数据元) as the catalog's cross-checks and item editor need them,
read from the standards capability's registry (DE0101 …) through its service functions.

The catalog adds two things the registry does not record:
- the names departments give items that mean a registry element (身份证号 → 公民身份号码);
- which elements are base items (基础信息项: shared unconditionally, one collecting department):
  the population (DE01…) and legal-person (DE02…) groups of the registry, except contact
  details (a mobile number is personal data, not base information).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from govshare.catalog.vocab import DataType

# item names in use → the registry element's Chinese name
ALIASES: dict[str, str] = {
    "身份证号码": "公民身份号码",
    "身份证号": "公民身份号码",
    "居民身份证号码": "公民身份号码",
    "性别": "性别代码",
    "民族": "民族代码",
    "单位名称": "机构名称",
    "企业名称": "机构名称",
    "法人单位名称": "机构名称",
    "法定代表人": "法定代表人姓名",
    "住所": "地址",
    "住址": "地址",
    "手机号": "手机号码",
    "移动电话": "手机号码",
}
# The catalog's former seed codes (before the registry) → the registry element of the same
# name; migration 0201 rewrote stored items with it, and files exported before still carry them.
LEGACY_CODES: dict[str, str] = {
    "DE0001": "DE0101",  # 公民身份号码
    "DE0002": "DE0102",  # 姓名
    "DE0003": "DE0103",  # 性别 → 性别代码
    "DE0004": "DE0105",  # 出生日期
    "DE0005": "DE0104",  # 民族 → 民族代码
    "DE0006": "DE0201",  # 统一社会信用代码
    "DE0007": "DE0202",  # 机构名称
    "DE0008": "DE0106",  # 行政区划代码
    "DE0009": "DE0204",  # 法定代表人 → 法定代表人姓名
    "DE0010": "DE0107",  # 住所 → 地址
    "DE0011": "DE0108",  # 联系电话 (its alias 手机号码)
}  # DE0012 成立日期 has no registry element
BASE_GROUPS = ("DE01", "DE02")
NOT_BASE_KINDS = ("mobile",)


@dataclass(frozen=True)
class DataElement:
    code: str
    name: str
    data_type: DataType
    length: int | None
    base: bool = True  # a base item (基础信息项): shared unconditionally, one source


def _length(data_type: str, fmt: str | None) -> int | None:
    """The length the registry's format means: an18 → 18, c..50 → 50, n..18,2 → 18,
    YYYYMMDD → 8."""
    if not fmt:
        return None
    if data_type in ("date", "datetime"):
        return len(fmt)
    found = re.search(r"\d+", fmt)
    return int(found.group()) if found else None


def _element(definition: Any) -> DataElement:
    known = {t.value for t in DataType}
    data_type = DataType(definition.data_type) if definition.data_type in known else DataType.STRING
    return DataElement(
        code=definition.identifier,
        name=definition.name_zh,
        data_type=data_type,
        length=_length(definition.data_type, definition.format),
        base=definition.identifier[:4] in BASE_GROUPS and definition.personal not in NOT_BASE_KINDS,
    )


def _definitions(session: Session | None) -> list[Any]:
    from govshare.standards import registry

    if session is None:  # no database at hand (tools, tests of pure functions): the shipped set
        return list(registry.builtin_elements().values())
    return registry.list_elements(session)


def _index(session: Session | None) -> dict[str, DataElement]:
    """term (identifier, name or alias) → element; read once per transaction, because a check
    of an import asks for every item of thousands of rows."""
    key = "catalog.elements"
    transaction = session.get_transaction() if session is not None else None
    if transaction is not None:
        found = session.info.get(key)  # type: ignore[union-attr]
        if found is not None and found[0] is transaction:
            return found[1]
    elements = [_element(d) for d in _definitions(session)]
    index = {e.code: e for e in elements}
    by_name = {e.name: e for e in elements}
    index.update(by_name)
    index.update({alias: by_name[name] for alias, name in ALIASES.items() if name in by_name})
    index.update({old: index[new] for old, new in LEGACY_CODES.items() if new in index})
    if transaction is not None:
        session.info[key] = (transaction, index)  # type: ignore[union-attr]
    return index


def find_element(session: Session | None, term: str) -> DataElement | None:
    """The standard element an item name or identifier means, or None when there is none."""
    return _index(session).get(term.strip())


def elements(session: Session | None) -> list[DataElement]:
    """Every current element of the registry, by identifier (for the item editor's choices)."""
    return sorted({e.code: e for e in _index(session).values()}.values(), key=lambda e: e.code)
