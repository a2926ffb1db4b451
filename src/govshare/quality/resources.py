"""Where `--resource CODE` finds a resource's schema.

The catalog owns resources and their items; this capability does not reach into its tables.
The catalog registers a provider when it is installed (`register_schema_provider`), turning
a resource code into a ResourceSchema, typically with `schema_from_items`. Until then the
lookup answers "not available" with a clear reason instead of guessing.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from govshare.core.errors import NotFound
from govshare.quality.schema import ResourceSchema

SchemaProvider = Callable[[Session, str], ResourceSchema | None]

_providers: list[SchemaProvider] = []


def register_schema_provider(provider: SchemaProvider) -> None:
    if provider not in _providers:
        _providers.append(provider)


def unregister_schema_provider(provider: SchemaProvider) -> None:
    if provider in _providers:
        _providers.remove(provider)


def _all_providers() -> list[SchemaProvider]:
    """Registered providers plus every capability's `quality_schema.schema_for_code`."""
    from govshare.capabilities import collect

    return [*_providers, *collect("quality_schema", "schema_for_code")]


def schema_for_resource(session: Session, code: str) -> ResourceSchema:
    providers = _all_providers()
    for provider in providers:
        schema = provider(session, code)
        if schema is not None:
            schema.resource_code = schema.resource_code or code
            return schema
    if not providers:
        raise NotFound(f"resource {code}: resource schemas are not available until the catalog is installed; "
                       "check against a Table Schema file instead (--schema)",
                       f"信息资源 {code}：目录模块安装前无法按资源代码取得模式，请改用 Table Schema 文件（--schema）",
                       field="resource", code="catalog_unavailable")
    raise NotFound(f"resource {code} is not in the catalog", f"目录中没有信息资源 {code}", field="resource")
