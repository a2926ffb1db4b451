"""Reading catalog entries: who may see what, one resource with its versions, version
comparison, the review queue and a department's own entries.

Published versions are visible to everyone with catalog access. Drafts, submissions and
returned versions are visible to the provider's own staff and to platform administrators;
for anyone else a resource that was never published does not exist (404).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from govshare.catalog.models import CatalogResource, ResourceVersion
from govshare.catalog.schemas import VERSION_FIELDS
from govshare.catalog.vocab import VersionStatus
from govshare.core.auth import Principal, Role
from govshare.core.errors import NotFound
from govshare.orgs.models import Department


def sees_drafts(principal: Principal, resource: CatalogResource) -> bool:
    return (
        principal.has_role(Role.PLATFORM_ADMIN) or principal.department_id == resource.provider_id
    )


def _not_found(resource_id: int | str) -> NotFound:
    return NotFound(
        f"catalog resource {resource_id} does not exist", f"信息资源 {resource_id} 不存在"
    )


def get_resource(session: Session, principal: Principal, resource_id: int) -> CatalogResource:
    resource = session.get(CatalogResource, resource_id)
    if resource is None or (
        resource.published_version_id is None and not sees_drafts(principal, resource)
    ):
        raise _not_found(resource_id)
    return resource


def find_by_code(session: Session, principal: Principal, code: str) -> CatalogResource:
    resource = session.scalar(select(CatalogResource).where(CatalogResource.code == code))
    if resource is None:
        raise _not_found(code)
    return get_resource(session, principal, resource.id)


def find_by_codes(session: Session, principal: Principal, codes: list[str]) -> dict[str, CatalogResource]:
    """The resources among `codes` this person may see, by code, in one query (lists that show
    many held codes at once); codes absent from the answer are unknown or not visible."""
    if not codes:
        return {}
    found = session.scalars(select(CatalogResource).where(CatalogResource.code.in_(set(codes))))
    return {
        r.code: r for r in found if r.published_version_id is not None or sees_drafts(principal, r)
    }


def visible_working(principal: Principal, resource: CatalogResource) -> ResourceVersion | None:
    return resource.working_version if sees_drafts(principal, resource) else None


def versions(
    session: Session, principal: Principal, resource: CatalogResource
) -> list[ResourceVersion]:
    query = select(ResourceVersion).where(ResourceVersion.resource_id == resource.id)
    if not sees_drafts(principal, resource):
        query = query.where(
            ResourceVersion.status.in_((VersionStatus.PUBLISHED, VersionStatus.SUPERSEDED))
        )
    return list(session.scalars(query.order_by(ResourceVersion.number)))


def get_version(
    session: Session, principal: Principal, resource: CatalogResource, number: int
) -> ResourceVersion:
    for version in versions(session, principal, resource):
        if version.number == number:
            return version
    raise NotFound(
        f"resource {resource.code} has no version {number}",
        f"信息资源 {resource.code} 没有第 {number} 版",
    )


def _item_key(item: Any) -> tuple:
    return (item.data_type, item.length, item.element_code, item.is_source)


def compare(a: ResourceVersion, b: ResourceVersion) -> dict[str, Any]:
    """What changed from version a to version b: fields, and items added, removed or changed."""
    fields = [
        {"field": name, "before": getattr(a, name), "after": getattr(b, name)}
        for name in VERSION_FIELDS
        if getattr(a, name) != getattr(b, name)
    ]
    items_a, items_b = {i.name: i for i in a.items}, {i.name: i for i in b.items}
    changed = [
        {"name": n, "before": _item_key(items_a[n]), "after": _item_key(items_b[n])}
        for n in items_a.keys() & items_b.keys()
        if _item_key(items_a[n]) != _item_key(items_b[n])
    ]
    return {
        "from": a.number,
        "to": b.number,
        "fields": fields,
        "items_added": [n for n in items_b if n not in items_a],
        "items_removed": [n for n in items_a if n not in items_b],
        "items_changed": sorted(changed, key=lambda c: c["name"]),
    }


def review_queue(
    session: Session, limit: int = 200, offset: int = 0
) -> tuple[list[CatalogResource], int]:
    query = (
        select(CatalogResource)
        .join(ResourceVersion, ResourceVersion.id == CatalogResource.working_version_id)
        .where(ResourceVersion.status == VersionStatus.SUBMITTED)
    )
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(
        query.order_by(ResourceVersion.submitted_at, CatalogResource.id).limit(limit).offset(offset)
    )
    return list(rows), total


def department_entries(
    session: Session,
    principal: Principal,
    department_id: int | None = None,
    status: VersionStatus | None = None,
    limit: int = 200,
    offset: int = 0,
) -> tuple[list[CatalogResource], int]:
    """A department's entries, drafts included (own department, or any for administrators)."""
    dept = department_id if principal.has_role(Role.PLATFORM_ADMIN) else principal.department_id
    query = select(CatalogResource)
    if dept is not None:
        query = query.where(CatalogResource.provider_id == dept)
    if status is not None:
        working = select(ResourceVersion.id).where(ResourceVersion.status == status)
        query = query.where(
            or_(
                CatalogResource.working_version_id.in_(working),
                CatalogResource.published_version_id.in_(working),
            )
        )
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(CatalogResource.code).limit(limit).offset(offset))
    return list(rows), total


def provider_names(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return dict(
        session.execute(select(Department.id, Department.name).where(Department.id.in_(ids))).all()
    )


def current(resource: CatalogResource) -> ResourceVersion:
    """The version people work on: the working one when there is one, else the published one."""
    version = resource.working_version or resource.published_version
    assert version is not None, "a resource always has a working or a published version"
    return version
