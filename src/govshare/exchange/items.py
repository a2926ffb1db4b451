"""A published resource's items as the exchange needs them: typed columns with safe names,
personal-data kinds for masking, and the quality schema of the load gate.

Adapter between the catalog and the quality engine: catalog items name a data element by the
standards registry's identifier (DE0101 …); a former catalog seed code (DE0001 …, still in old
files) is translated by the catalog's LEGACY_CODES, and an item neither knows is checked for
type and length only, instead of refusing the whole schema.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from govshare.catalog.models import CatalogResource
from govshare.catalog.resources import get_resource
from govshare.catalog.vocab import ShareType
from govshare.core.auth import Principal
from govshare.core.errors import Conflict, InvalidInput
from govshare.quality.schema import FieldSpec, ItemSpec, ResourceSchema, schema_from_items

# The exchange stores a catalog data type in one SQL column type (see tables.py).
COLUMN_TYPES = {"string": "string", "number": "number", "date": "date", "datetime": "datetime",
                "boolean": "boolean", "binary": "string"}


@dataclass(frozen=True)
class Column:
    item: str  # the item's name (信息项名称), what callers use
    column: str  # c0, c1 …: generated, never from user text
    type: str  # string | number | date | datetime | boolean
    length: int | None = None
    personal: str | None = None  # citizen_id | name | mobile | address | other

    def as_dict(self) -> dict:
        return {"item": self.item, "column": self.column, "type": self.type, "length": self.length,
                "personal": self.personal}

    @classmethod
    def from_dict(cls, data: dict) -> Column:
        return cls(data["item"], data["column"], data["type"], data.get("length"), data.get("personal"))


def registry_element(code: str) -> str | None:
    """The standards registry's identifier for a catalog item's element code, or None."""
    from govshare.catalog.elements import LEGACY_CODES
    from govshare.standards.registry import builtin_field_for

    if not code:
        return None
    if builtin_field_for(code) is not None:
        return code
    return LEGACY_CODES.get(code)


def _personal(item_name: str, element: str | None) -> str | None:
    from govshare.standards.registry import builtin_field_for

    spec = builtin_field_for(element) if element else None
    if spec is not None and spec.personal:
        return spec.personal
    hints = {"身份号码": "citizen_id", "身份证": "citizen_id", "姓名": "name", "手机": "mobile",
             "电话": "mobile", "住址": "address", "地址": "address"}
    return next((kind for word, kind in hints.items() if word in item_name), None)


def published_items(resource: CatalogResource) -> list:
    version = resource.published_version
    if version is None:
        raise Conflict(f"resource {resource.code} is not published yet", f"信息资源 {resource.code} 尚未发布",
                       field="resource_id")
    return list(version.items)


def columns_for(resource: CatalogResource) -> list[Column]:
    return [Column(item.name, f"c{n}", COLUMN_TYPES.get(item.data_type.value, "string"), item.length,
                   _personal(item.name, registry_element(item.element_code)))
            for n, item in enumerate(published_items(resource))]


def quality_schema(resource: CatalogResource, key_items: list[str]) -> ResourceSchema:
    items = [ItemSpec(name=i.name, data_type=COLUMN_TYPES.get(i.data_type.value, "string"), length=i.length,
                      element=registry_element(i.element_code), required=i.name in key_items)
             for i in published_items(resource)]
    version = resource.published_version
    return schema_from_items(items, name=resource.name or "", resource_code=resource.code,
                             primary_key=key_items,
                             update_cycle=version.update_cycle.value if version and version.update_cycle else None)


def field_specs(schema: ResourceSchema) -> dict[str, FieldSpec]:
    return {f.name: f for f in schema.fields}


def requestable(session: Session, principal: Principal, resource_id: int) -> CatalogResource:
    """A published resource (404 otherwise, through the catalog's own visibility rule)."""
    resource = get_resource(session, principal, resource_id)
    if resource.published_version_id is None:
        raise Conflict(f"resource {resource.code} is not published: it cannot be requested yet",
                       f"信息资源 {resource.code} 尚未发布，暂不能申请", field="resource_id")
    return resource


def share_type(resource: CatalogResource) -> ShareType:
    return resource.share_type or ShareType.CONDITIONAL


def check_items(resource: CatalogResource, items: list[str], field: str = "items") -> list[str]:
    """The items asked for, each checked against the published version (all when empty)."""
    known = [i.name for i in published_items(resource)]
    if not items:
        return known
    unknown = [i for i in items if i not in known]
    if unknown:
        raise InvalidInput(f"unknown item(s) {', '.join(unknown)}; {resource.code} has: {', '.join(known)}",
                           f"信息项 {'、'.join(unknown)} 不存在；{resource.code} 的信息项为：{'、'.join(known)}",
                           field=field, details={"unknown": unknown, "known": known})
    return [i for i in known if i in items]  # catalog order, no duplicates


# --- the hot path of data calls ------------------------------------------------------------


@dataclass(frozen=True)
class ResourceRef:
    """What a data call needs of a published resource, read with one narrow query."""

    id: int
    code: str
    provider_id: int
    published_version_id: int
    published_at: datetime | None


def published_ref(session: Session, resource_id: int) -> ResourceRef | None:
    """The published resource without its versions and items (one indexed row). A read-only
    look at the catalog's own columns, because `get_resource` loads every version and item on
    each call; visibility is the same: only published resources are found."""
    row = session.execute(select(CatalogResource.id, CatalogResource.code, CatalogResource.provider_id,
                                 CatalogResource.published_version_id, CatalogResource.published_at)
                          .where(CatalogResource.id == resource_id)).first()
    if row is None or row.published_version_id is None:
        return None
    return ResourceRef(*row)


def ref_columns(session: Session, ref: ResourceRef) -> list[Column]:
    """Columns of the published version; a published version never changes, so they are kept
    per process (keyed with its publication time, which also tells test databases apart)."""
    return _columns(session, ref.id, ref.published_version_id, ref.published_at)


def _columns(session: Session, resource_id: int, version_id: int, published_at: datetime | None) -> list[Column]:
    key = (version_id, published_at)
    found = _COLUMNS.get(key)
    if found is None:
        found = columns_for(session.get(CatalogResource, resource_id))  # type: ignore[arg-type]
        if len(_COLUMNS) > 1024:
            _COLUMNS.clear()
        _COLUMNS[key] = found
    return list(found)


_COLUMNS: dict[tuple[int, datetime | None], list[Column]] = {}
