"""The one rule of what the public may see: a catalog resource that is published, marked open
to society (是否向社会开放), and whose direct identifiers all carry a de-identification rule.

Every public path — pages, search, sitemap, REST, CKAN, DCAT, Data Package, downloads — finds
resources through `open_clause()` or `get_open()`. Anything else is "not found" (404, never
403), so that a private resource's existence does not leak.

Adapter note: the catalog's search has no hook for extra conditions, so this module reads the
catalog's tables (published facets on catalog_resource, items of the published version)
read-only, the same way the catalog's own search does.
"""

from __future__ import annotations

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from govshare.catalog.models import CatalogResource, ResourceItem
from govshare.core.errors import NotFound
from govshare.opendata.deidentify import DIRECT_NAME_WORDS, direct_elements
from govshare.opendata.models import DeidRule

MAX_NAME = 60


def open_clause() -> ColumnElement[bool]:
    """SQL condition on CatalogResource: visible on the portal."""
    r, item = CatalogResource, ResourceItem
    direct = or_(item.element_code.in_(direct_elements()), *[item.name.contains(w) for w in DIRECT_NAME_WORDS])
    # Correlated to the outer resource explicitly: two levels down, SQLAlchemy's automatic
    # correlation would add a second catalog_resource to the FROM, and then a rule on a
    # same-named item of *any* resource would count as protecting this one.
    protected = exists().where(DeidRule.resource_id == r.id, DeidRule.item == item.name).correlate_except(DeidRule)
    unprotected = exists().where(item.version_id == r.published_version_id, direct, ~protected)
    return and_(r.published_version_id.is_not(None), r.open.is_(True), ~unprotected)


def open_ids():  # type: ignore[no-untyped-def]
    return select(CatalogResource.id).where(open_clause())


def slug(code: str) -> str:
    """The URL and CKAN name of a resource: its code with '-' for '/' (101002/000001 → 101002-000001)."""
    return code.replace("/", "-").lower()


def code_of(name: str) -> str:
    return name.replace("-", "/").upper()


def not_found(name: str) -> NotFound:
    # The name asked for is not echoed: the same answer whether it is private or never existed.
    return NotFound("no such open dataset", "没有这个开放数据集")


def get_open(session: Session, name: str) -> CatalogResource:
    """The open resource with this slug or code, else 404 whatever the reason."""
    if not name or len(name) > MAX_NAME:
        raise not_found(name)
    code = code_of(name) if "/" not in name else name
    resource = session.scalar(select(CatalogResource).where(CatalogResource.code == code, open_clause()))
    if resource is None:
        raise not_found(name)
    return resource


def is_open(session: Session, resource_id: int) -> bool:
    return (
        session.scalar(select(CatalogResource.id).where(CatalogResource.id == resource_id, open_clause())) is not None
    )


def withheld_clause() -> ColumnElement[bool]:
    """Published and marked open, but kept off the portal: a direct identifier has no rule yet."""
    r = CatalogResource
    return and_(r.published_version_id.is_not(None), r.open.is_(True), ~open_clause())
