"""HTTP API of the audit log: read-only for the audit administrator."""

from __future__ import annotations

from datetime import date, datetime

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from pydantic import BaseModel
from sqlalchemy.orm import Session

from govshare.auditlog import service
from govshare.auditlog.service import AuditQuery
from govshare.core.pagination import Page, PageParams, page_params
from govshare.web.deps import Caller, authorize, db_session

router = APIRouter(prefix="/api/v1/audit", tags=["audit 审计"])


class AuditRecordOut(BaseModel):
    seq: int
    at: datetime
    actor: str
    actor_user_id: int | None
    department_id: int | None
    client_id: int | None
    action: str
    object_type: str
    object_id: str
    outcome: str
    purpose: str | None
    source_ip: str | None
    details: str
    hash: str

    model_config = {"from_attributes": True}


async def audit_query(
    since: date | None = Query(None, description="first Beijing day, inclusive"),
    until: date | None = Query(None, description="last Beijing day, inclusive"),
    actor: str | None = Query(None, max_length=100),
    department_id: int | None = None,
    action: str | None = Query(None, max_length=100, description="prefix, e.g. department."),
    object_type: str | None = Query(None, max_length=100),
    object_id: str | None = Query(None, max_length=200),
    outcome: str | None = Query(None, pattern="^(success|denied|failure)$"),
    purpose: str | None = Query(None, max_length=200),
) -> AuditQuery:
    return AuditQuery(since, until, actor, department_id, action, object_type, object_id, outcome, purpose)


@router.get("/records", summary="Search the audit log 审计查询")
def search(q: AuditQuery = Depends(audit_query), page: PageParams = Depends(page_params),
           caller: Caller = Depends(authorize("audit.read")),
           session: Session = Depends(db_session)) -> Page[AuditRecordOut]:
    rows, total = service.search(session, caller.actor, q, page.limit, page.offset)
    return Page(items=[AuditRecordOut.model_validate(r) for r in rows], total=total,
                limit=page.limit, offset=page.offset)


@router.get("/export", summary="Export the audit log 审计导出")
def export(fmt: str = Query("csv", alias="format", pattern="^(csv|xlsx)$"),
           q: AuditQuery = Depends(audit_query),
           caller: Caller = Depends(authorize("audit.export")),
           session: Session = Depends(db_session)) -> Response:
    body = service.export(session, caller.actor, q, fmt)
    media = "text/csv; charset=utf-8" if fmt == "csv" else (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    filename = f"audit-{date.today():%Y%m%d}.{fmt}"
    return Response(body, media_type=media, headers={"content-disposition": f'attachment; filename="{filename}"'})


@router.post("/verify", summary="Verify the hash chain 校验哈希链")
def verify(caller: Caller = Depends(authorize("audit.verify")),
           session: Session = Depends(db_session)) -> dict:
    return service.verify(session, caller.actor).as_dict()
