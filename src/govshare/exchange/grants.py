"""Grants (授权): consumer department and system, resource, items, rows, operations, purpose
and period. Checked on every data call; revocable at once (the next call sees it, on every
worker, because the check reads the database)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from govshare.core import audit
from govshare.core.audit import Actor
from govshare.core.auth import Principal, Role
from govshare.core.clock import today
from govshare.core.db import utcnow
from govshare.core.errors import Conflict, NotFound, PermissionDenied
from govshare.exchange.models import Grant, GrantStatus


def state(grant: Grant, on: date | None = None) -> str:
    """active | revoked | expired | not_started"""
    on = on or today()
    if grant.status == GrantStatus.REVOKED:
        return "revoked"
    if grant.ends_on < on:
        return "expired"
    if grant.starts_on > on:
        return "not_started"
    return "active"


def visible(principal: Principal, grant: Grant) -> bool:
    return principal.is_platform_wide or principal.department_id in (grant.consumer_id, grant.provider_id)


def get_grant(session: Session, principal: Principal, grant_id: int) -> Grant:
    grant = session.get(Grant, grant_id)
    if grant is None or not visible(principal, grant):
        raise NotFound(f"grant {grant_id} does not exist", f"授权 {grant_id} 不存在")
    return grant


def list_grants(session: Session, principal: Principal, side: str = "all", resource_id: int | None = None,
                limit: int = 200, offset: int = 0) -> list[Grant]:
    query = select(Grant)
    dept = principal.department_id
    if side == "consumer":
        query = query.where(Grant.consumer_id == dept)
    elif side == "provider":
        query = query.where(Grant.provider_id == dept)
    elif not principal.is_platform_wide:
        query = query.where(or_(Grant.consumer_id == dept, Grant.provider_id == dept))
    if resource_id is not None:
        query = query.where(Grant.resource_id == resource_id)
    return list(session.scalars(query.order_by(Grant.id.desc()).limit(limit).offset(offset)))


def live_grant(session: Session, principal: Principal, resource_id: int, operation: str) -> Grant | None:
    """The caller's grant for `operation` on the resource that is in force today, if any."""
    if principal.department_id is None:
        return None
    on = today()
    query = select(Grant).where(Grant.resource_id == resource_id, Grant.consumer_id == principal.department_id,
                                Grant.status == GrantStatus.ACTIVE, Grant.starts_on <= on, Grant.ends_on >= on)
    if principal.kind == "client":
        query = query.where(or_(Grant.client_id.is_(None), Grant.client_id == principal.client_id))
    for grant in session.scalars(query.order_by(Grant.id.desc())):
        if operation in grant.operations:
            return grant
    return None


def may_revoke(principal: Principal, grant: Grant) -> None:
    if principal.has_role(Role.PLATFORM_ADMIN):
        return
    if principal.department_id != grant.provider_id or not principal.has_role(Role.DATA_OFFICER, Role.REVIEWER):
        raise PermissionDenied("only the provider's officers or the authority revoke a grant",
                               "只有提供方或数据管理机构可以撤销授权")


def revoke(session: Session, principal: Principal, actor: Actor, grant_id: int, reason: str) -> Grant:
    grant = get_grant(session, principal, grant_id)
    may_revoke(principal, grant)
    if grant.status == GrantStatus.REVOKED:
        raise Conflict(f"grant {grant_id} is already revoked", f"授权 {grant_id} 已撤销")
    grant.status = GrantStatus.REVOKED
    grant.revoked_at = utcnow()
    grant.revoked_by = actor.name
    grant.revoke_reason = reason.strip()
    audit.record(session, actor, "exchange.grant.revoke", object_type="exchange_grant", object_id=grant.id,
                 details={"resource_id": grant.resource_id, "consumer_id": grant.consumer_id, "reason": reason[:500]})
    return grant


def grant_out(grant: Grant) -> dict:
    return {"id": grant.id, "request_id": grant.request_id, "resource_id": grant.resource_id,
            "provider_id": grant.provider_id, "consumer_id": grant.consumer_id, "client_id": grant.client_id,
            "items": grant.items, "masked_items": grant.masked_items, "operations": grant.operations,
            "row_filter": grant.row_filter, "purpose": grant.purpose, "scenario": grant.scenario,
            "starts_on": grant.starts_on, "ends_on": grant.ends_on, "narrowed": grant.narrowed,
            "state": state(grant), "created_at": grant.created_at, "revoked_at": grant.revoked_at,
            "revoke_reason": grant.revoke_reason}
