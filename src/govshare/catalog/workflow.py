"""Compiling and publishing entries: draft → submitted → published by the authority, or
returned with reasons. Editing a published entry opens a new version under review while the
published one stays live; every version is kept.

Row-level rule: a data officer works only on the own department's entries; platform
administrators act for any department (and review). Every change writes one audit record.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from govshare.catalog import codes, search
from govshare.catalog.checks import CheckContext, Finding, check_version, errors
from govshare.catalog.models import CatalogResource, ResourceItem, ResourceVersion
from govshare.catalog.resources import get_resource
from govshare.catalog.schemas import VERSION_FIELDS, ResourceIn
from govshare.catalog.vocab import CatalogKind, VersionStatus
from govshare.core import audit
from govshare.core.audit import Actor
from govshare.core.auth import Principal, Role
from govshare.core.clock import today
from govshare.core.db import utcnow
from govshare.core.errors import Conflict, InvalidInput, PermissionDenied
from govshare.orgs.departments import get_department
from govshare.orgs.models import Department

EDITABLE = (VersionStatus.DRAFT, VersionStatus.RETURNED)


@dataclass
class Saved:
    resource: CatalogResource
    version: ResourceVersion
    findings: list[Finding]


def _require_writer(principal: Principal, provider_id: int) -> None:
    if principal.has_role(Role.PLATFORM_ADMIN):
        return
    if not principal.has_role(Role.DATA_OFFICER) or principal.department_id != provider_id:
        raise PermissionDenied(
            "only the provider's data officer or a platform administrator may edit this entry",
            "只有提供方部门的数据专员或系统管理员可以编辑此条目",
        )


def resolve_provider(session: Session, principal: Principal, provider_id: int | None) -> Department:
    chosen = provider_id or principal.department_id
    if chosen is None:
        raise InvalidInput(
            "provider_id is mandatory: which department provides this resource?",
            "请指定信息资源提供方（部门）",
            field="provider_id",
        )
    _require_writer(principal, chosen)
    return get_department(session, chosen)


def resolve_class(session: Session, data: ResourceIn, provider: Department) -> str:
    if data.class_code:
        codes.check_class(session, data.catalog, data.class_code)
        return data.class_code
    if data.catalog == CatalogKind.DEPARTMENT:
        return codes.department_class(session, provider.id, provider.name)
    raise InvalidInput(
        f"class_code is mandatory in the {data.catalog.value} catalog: choose its 项/目",
        "基础目录和主题目录须选择信息资源分类（项/目）",
        field="class_code",
    )


def version_values(data: ResourceIn, provider: Department, class_code: str) -> dict[str, Any]:
    """A version's column values from the input (everything but its items and bookkeeping)."""
    values = {name: getattr(data, name) for name in VERSION_FIELDS}
    values.update(
        name=data.name.strip(),
        class_code=class_code,
        provider_code=data.provider_code.strip() or provider.uscc,
        related_codes=[c.strip() for c in data.related_codes if c.strip()],
        updated_at=utcnow(),
    )
    return values


def item_values(data: ResourceIn) -> list[dict[str, Any]]:
    return [
        {
            "position": n,
            "name": i.name.strip(),
            "data_type": i.data_type,
            "length": i.length,
            "element_code": i.element_code.strip(),
            "is_source": i.is_source,
        }
        for n, i in enumerate(data.items)
    ]


def version_view(data: ResourceIn, provider: Department, class_code: str) -> SimpleNamespace:
    """What the cross-checks read of a version, without ORM objects (an import checks
    thousands of them before it writes any)."""
    return SimpleNamespace(
        **version_values(data, provider, class_code),
        items=[SimpleNamespace(**i) for i in item_values(data)],
    )


def fill_version(
    version: ResourceVersion, data: ResourceIn, provider: Department, class_code: str
) -> ResourceVersion:
    for name, value in version_values(data, provider, class_code).items():
        setattr(version, name, value)
    version.items = [ResourceItem(**i) for i in item_values(data)]
    return version


def new_resource(
    session: Session, provider: Department, code: str, sequence: int
) -> CatalogResource:
    resource = CatalogResource(
        code=code, sequence=sequence, provider_id=provider.id, region_code=provider.division_code
    )
    session.add(resource)
    return resource


def link(session: Session, resource: CatalogResource, **versions: ResourceVersion | None) -> None:
    """Points the resource at its published/working version (ids set, relationships reloaded)."""
    session.flush()
    for role, version in versions.items():
        setattr(resource, f"{role}_version_id", version.id if version is not None else None)
    session.flush()
    session.expire(resource, [f"{role}_version" for role in versions])


def create(session: Session, principal: Principal, actor: Actor, data: ResourceIn) -> Saved:
    provider = resolve_provider(session, principal, data.provider_id)
    class_code = resolve_class(session, data, provider)
    code, sequence = codes.next_code(session, class_code)
    resource = new_resource(session, provider, code, sequence)
    session.flush()
    version = fill_version(
        ResourceVersion(
            resource_id=resource.id, number=1, status=VersionStatus.DRAFT, created_by=actor.name
        ),
        data,
        provider,
        class_code,
    )
    session.add(version)
    link(session, resource, working=version)
    findings = check_version(version, provider.id, resource.id, CheckContext(session))
    audit.record(
        session,
        actor,
        "catalog.create",
        object_type="catalog_resource",
        object_id=resource.id,
        details={"code": code, "name": version.name, "provider_id": provider.id},
    )
    return Saved(resource, version, findings)


def _open_working(session: Session, resource: CatalogResource, actor: Actor) -> ResourceVersion:
    """The version to edit: the draft or returned one, or a new one copied from the published."""
    working = resource.working_version
    if working is not None:
        if working.status not in EDITABLE:
            raise Conflict(
                f"version {working.number} is under review; wait for the authority's decision",
                f"第 {working.number} 版正在审核中，请等待审核结果",
                field="status",
            )
        return working
    number = (
        session.scalar(
            select(func.max(ResourceVersion.number)).where(
                ResourceVersion.resource_id == resource.id
            )
        )
        or 0
    ) + 1
    version = ResourceVersion(
        resource_id=resource.id,
        number=number,
        status=VersionStatus.DRAFT,
        created_by=actor.name,
        catalog=CatalogKind.DEPARTMENT,
        class_code="",
        name="",
    )
    session.add(version)
    return version


def save(
    session: Session, principal: Principal, actor: Actor, resource_id: int, data: ResourceIn
) -> Saved:
    resource = get_resource(session, principal, resource_id)
    _require_writer(principal, resource.provider_id)
    provider = get_department(session, resource.provider_id)
    class_code = resolve_class(session, data, provider)
    if resource.first_published_at is not None and class_code != resource.code.split("/")[0]:
        raise Conflict(
            f"the code {resource.code} is published and never changes, so its class stays "
            f"{resource.code.split('/')[0]}",
            f"信息资源代码 {resource.code} 已发布，代码不再改变，分类须保持为 {resource.code.split('/')[0]}",
            field="class_code",
        )
    version = _open_working(session, resource, actor)
    fill_version(version, data, provider, class_code)
    version.status = VersionStatus.DRAFT
    link(session, resource, working=version)
    if resource.first_published_at is None and not resource.code.startswith(class_code + "/"):
        resource.code, resource.sequence = codes.next_code(session, class_code)
    session.flush()
    findings = check_version(version, provider.id, resource.id, CheckContext(session))
    audit.record(
        session,
        actor,
        "catalog.save",
        object_type="catalog_resource",
        object_id=resource.id,
        details={
            "code": resource.code,
            "version": version.number,
            "errors": len(errors(findings)),
            "warnings": len(findings) - len(errors(findings)),
        },
    )
    return Saved(resource, version, findings)


def blocked(findings: list[Finding], what_en: str, what_zh: str) -> InvalidInput:
    errs = errors(findings)
    return InvalidInput(
        f"{len(errs)} cross-check error(s) block {what_en}: " + "; ".join(f.message for f in errs),
        f"{len(errs)} 项校核错误，无法{what_zh}：" + "；".join(f.message_zh for f in errs),
        field=errs[0].field,
        details=[f.out() for f in findings],
        code="cross_check",
    )


def submit(session: Session, principal: Principal, actor: Actor, resource_id: int) -> Saved:
    resource = get_resource(session, principal, resource_id)
    _require_writer(principal, resource.provider_id)
    version = resource.working_version
    if version is None or version.status not in EDITABLE:
        raise Conflict("there is no draft to submit", "没有可提交的草稿", field="status")
    findings = check_version(version, resource.provider_id, resource.id, CheckContext(session))
    if errors(findings):
        raise blocked(findings, "submission", "提交")
    version.status, version.submitted_at = VersionStatus.SUBMITTED, utcnow()
    audit.record(
        session,
        actor,
        "catalog.submit",
        object_type="catalog_resource",
        object_id=resource.id,
        details={"code": resource.code, "version": version.number, "warnings": len(findings)},
    )
    return Saved(resource, version, findings)


def _under_review(
    session: Session, principal: Principal, resource_id: int
) -> tuple[CatalogResource, ResourceVersion]:
    resource = get_resource(session, principal, resource_id)
    version = resource.working_version
    if version is None or version.status != VersionStatus.SUBMITTED:
        raise Conflict(
            f"{resource.code} has no version waiting for review",
            f"{resource.code} 没有待审核的版本",
            field="status",
        )
    return resource, version


def publish(
    session: Session, principal: Principal, actor: Actor, resource_id: int, note: str = ""
) -> Saved:
    """The authority approves the submitted version: it becomes the live one."""
    resource, version = _under_review(session, principal, resource_id)
    findings = check_version(version, resource.provider_id, resource.id, CheckContext(session))
    if errors(findings):
        raise blocked(findings, "publication", "发布")
    if resource.published_version is not None:
        resource.published_version.status = VersionStatus.SUPERSEDED
    now = utcnow()
    version.status, version.reviewed_at, version.reviewed_by = (
        VersionStatus.PUBLISHED,
        now,
        actor.name,
    )
    version.review_note = note
    version.published_on = version.published_on or today()
    apply_published(session, resource, version, now)
    audit.record(
        session,
        actor,
        "catalog.publish",
        object_type="catalog_resource",
        object_id=resource.id,
        details={"code": resource.code, "version": version.number, "note": note},
    )
    return Saved(resource, version, findings)


def apply_published(
    session: Session, resource: CatalogResource, version: ResourceVersion, now
) -> None:  # type: ignore[no-untyped-def]
    """Makes `version` the live one: facets copied onto the resource and the search index."""
    link(session, resource, published=version, working=None)
    resource.name, resource.catalog, resource.class_code = (
        version.name,
        version.catalog,
        version.class_code,
    )
    resource.share_type, resource.open, resource.format = (
        version.share_type,
        version.open,
        version.format,
    )
    resource.update_cycle, resource.item_count = version.update_cycle, len(version.items)
    resource.published_at = now
    resource.first_published_at = resource.first_published_at or now
    session.flush()
    search.index_resource(session, resource, version, get_department(session, resource.provider_id))


def return_for_changes(
    session: Session, principal: Principal, actor: Actor, resource_id: int, reason: str
) -> Saved:
    resource, version = _under_review(session, principal, resource_id)
    if not reason.strip():
        raise InvalidInput(
            "give the reasons for returning the entry", "退回时须填写理由", field="note"
        )
    version.status, version.reviewed_at, version.reviewed_by = (
        VersionStatus.RETURNED,
        utcnow(),
        actor.name,
    )
    version.review_note = reason.strip()
    audit.record(
        session,
        actor,
        "catalog.return",
        object_type="catalog_resource",
        object_id=resource.id,
        details={"code": resource.code, "version": version.number, "reason": reason.strip()},
    )
    return Saved(resource, version, [])


def mark_source_changed(
    session: Session, principal: Principal, actor: Actor, resource_id: int
) -> CatalogResource:
    """The resource's source (system or data) changed: its entry is due within the update period."""
    resource = get_resource(session, principal, resource_id)
    _require_writer(principal, resource.provider_id)
    resource.source_changed_at = utcnow()
    audit.record(
        session,
        actor,
        "catalog.source_changed",
        object_type="catalog_resource",
        object_id=resource.id,
        details={"code": resource.code},
    )
    return resource


def checks_for(session: Session, resource: CatalogResource) -> list[Finding]:
    version = resource.working_version or resource.published_version
    assert version is not None
    return check_version(version, resource.provider_id, resource.id, CheckContext(session))
