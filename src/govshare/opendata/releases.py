"""The authority's release decisions: featuring a dataset, its access level and licence.
Every change is audited."""

from __future__ import annotations

from sqlalchemy.orm import Session

from govshare.catalog.models import CatalogResource
from govshare.core import audit
from govshare.core.audit import Actor
from govshare.core.db import utcnow
from govshare.core.errors import NotFound
from govshare.opendata.models import Access, Release


def _release(session: Session, resource: CatalogResource) -> Release:
    release = session.get(Release, resource.id)
    if release is None:
        release = Release(resource_id=resource.id, access=Access.OPEN, featured=False, licence="CC-BY-4.0")
        session.add(release)
    return release


def resource_by_code(session: Session, code: str) -> CatalogResource:
    """Admin side: any published resource (the authority may prepare one before it is open)."""
    from sqlalchemy import select

    resource = session.scalar(select(CatalogResource).where(CatalogResource.code == code))
    if resource is None or resource.published_version_id is None:
        raise NotFound(f"no published resource {code[:50]}", f"没有已发布的信息资源 {code[:50]}")
    return resource


def feature(session: Session, actor: Actor, resource: CatalogResource, featured: bool = True) -> Release:
    release = _release(session, resource)
    release.featured, release.featured_at = featured, utcnow() if featured else None
    release.updated_by, release.updated_at = actor.name, utcnow()
    audit.record(
        session,
        actor,
        "opendata.feature",
        object_type="catalog_resource",
        object_id=resource.id,
        details={"featured": featured},
    )
    return release


def set_access(session: Session, actor: Actor, resource: CatalogResource, access: Access) -> Release:
    release = _release(session, resource)
    release.access, release.updated_by, release.updated_at = access, actor.name, utcnow()
    audit.record(
        session,
        actor,
        "opendata.access",
        object_type="catalog_resource",
        object_id=resource.id,
        details={"access": access.value},
    )
    return release
