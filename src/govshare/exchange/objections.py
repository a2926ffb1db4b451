"""Objections (疑义、错误信息快速校核): a consumer flags a record it believes wrong; the provider
must correct it or explain within the node's deadline (working days). Open objections show on
the resource and lower its quality score: OBJECTION_PENALTY points each, at most MAX_PENALTY.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from govshare.catalog.models import CatalogResource
from govshare.core import audit
from govshare.core.audit import Actor
from govshare.core.auth import Principal, Role
from govshare.core.clock import today
from govshare.core.config import get_settings
from govshare.core.db import utcnow
from govshare.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from govshare.core.masking import mask_structure
from govshare.exchange import filters
from govshare.exchange.calls import pseudonym
from govshare.exchange.datasets import find
from govshare.exchange.grants import live_grant
from govshare.exchange.items import check_items, columns_for, requestable
from govshare.exchange.models import Dataset, DatasetVersion, Objection, ObjectionStatus
from govshare.workdays.service import deadline

OBJECTION_PENALTY = 2.0
MAX_PENALTY = 20.0


def raise_objection(session: Session, principal: Principal, actor: Actor, resource_id: int, key: dict[str, Any],
                    item: str, claim: str) -> Objection:
    resource = requestable(session, principal, resource_id)
    if not any(live_grant(session, principal, resource.id, op) for op in ("query", "verify", "download", "feed")):
        raise PermissionDenied("only a department holding a grant for the resource raises objections on it",
                               "只有持有该资源有效授权的部门可以提出疑义", code="no_grant")
    check_items(resource, [item], "item")
    dataset = find(session, resource.id)
    keys = dataset.key_items if dataset else []
    if not keys or sorted(key) != sorted(keys):
        raise InvalidInput(f"name the record by its key item(s): {', '.join(keys) or '(none set)'}",
                           f"请以主键信息项标明记录：{'、'.join(keys) or '（未设置）'}", field="key")
    checked = filters.jsonable(filters.validate(key, columns_for(resource), "key"))
    flat = {k: v["eq"] for k, v in checked.items()}
    due = deadline(session, today(), get_settings().policy.objection_deadline_working_days)
    found = Objection(resource_id=resource.id, provider_id=resource.provider_id, consumer_id=principal.department_id,
                      record_key=mask_structure(flat), key_hash=pseudonym(sorted(flat.items()))[2:], item=item,
                      claim=claim.strip(), status=ObjectionStatus.OPEN, raised_by=actor.name, due_on=due.due)
    session.add(found)
    session.flush()
    audit.record(session, actor, "exchange.objection.raise", object_type="exchange_objection", object_id=found.id,
                 details={"resource_id": resource.id, "item": item, "key": found.key_hash})
    return found


def answer(session: Session, principal: Principal, actor: Actor, objection_id: int, status: ObjectionStatus,
           text: str) -> Objection:
    found = session.get(Objection, objection_id)
    if found is None or not (principal.is_platform_wide or principal.department_id in
                             (found.provider_id, found.consumer_id)):
        raise NotFound(f"objection {objection_id} does not exist", f"疑义 {objection_id} 不存在")
    if principal.department_id != found.provider_id and not principal.has_role(Role.PLATFORM_ADMIN):
        raise PermissionDenied("the provider answers objections on its data", "疑义由数据提供方处理")
    if found.status != ObjectionStatus.OPEN:
        raise Conflict(f"objection {objection_id} is already {found.status.value}", f"疑义 {objection_id} 已处理")
    found.status, found.answer = status, text.strip()
    found.answered_at, found.answered_by = utcnow(), actor.name
    audit.record(session, actor, "exchange.objection.answer", object_type="exchange_objection",
                 object_id=found.id, details={"status": status.value, "late": today() > found.due_on})
    return found


def list_objections(session: Session, principal: Principal, resource_id: int | None = None,
                    status: str | None = None) -> list[Objection]:
    """On a resource page everyone with access sees its objections (keys masked); otherwise a
    department sees the ones it raised or must answer."""
    query = select(Objection).order_by(Objection.id.desc()).limit(500)
    if resource_id is not None:
        requestable(session, principal, resource_id)
        query = query.where(Objection.resource_id == resource_id)
    elif not principal.is_platform_wide:
        query = query.where((Objection.provider_id == principal.department_id)
                            | (Objection.consumer_id == principal.department_id))
    if status:
        query = query.where(Objection.status == ObjectionStatus(status))
    return list(session.scalars(query))


def open_count(session: Session, resource_id: int) -> int:
    return session.scalar(select(func.count()).select_from(Objection).where(
        Objection.resource_id == resource_id, Objection.status == ObjectionStatus.OPEN)) or 0


def quality_score(session: Session, resource: CatalogResource) -> dict[str, Any]:
    """The live version's score, lowered by open objections."""
    dataset = session.scalar(select(Dataset).where(Dataset.resource_id == resource.id))
    version = session.get(DatasetVersion, dataset.live_version_id) if dataset and dataset.live_version_id else None
    opened = open_count(session, resource.id)
    if version is None or version.quality_score is None:
        return {"loaded": None, "open_objections": opened, "score": None}
    penalty = min(MAX_PENALTY, OBJECTION_PENALTY * opened)
    return {"loaded": version.quality_score, "open_objections": opened, "penalty": penalty,
            "score": round(max(0.0, version.quality_score - penalty), 2)}


def objection_out(o: Objection) -> dict:
    return {"id": o.id, "resource_id": o.resource_id, "provider_id": o.provider_id, "consumer_id": o.consumer_id,
            "record_key": o.record_key, "item": o.item, "claim": o.claim, "status": o.status.value,
            "raised_at": o.raised_at, "due_on": o.due_on, "overdue": o.status == ObjectionStatus.OPEN
            and today() > o.due_on, "answer": o.answer, "answered_at": o.answered_at}
