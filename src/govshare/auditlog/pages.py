"""The audit administrator's pages: search with filters, export, chain verification."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from govshare.auditlog import service
from govshare.auditlog.api import audit_query
from govshare.auditlog.service import AuditQuery
from govshare.core.pagination import PageParams, page_params
from govshare.web.deps import Caller, authorize, db_session
from govshare.web.templating import render

router = APIRouter(include_in_schema=False)

NAV = [("/audit", "audit", "audit.read")]


def _page(request: Request, session: Session, caller: Caller, q: AuditQuery, page: PageParams,
          **extra: object) -> Response:
    rows, total = service.search(session, caller.actor, q, page.limit, page.offset)
    query_string = urlencode(q.describe())
    return render(request, "auditlog/search.html", recent=rows, total=total, q=q, page=page,
                  query_string=query_string, **extra)


@router.get("/audit", response_class=HTMLResponse)
def audit_search(request: Request, q: AuditQuery = Depends(audit_query), page: PageParams = Depends(page_params),
                 caller: Caller = Depends(authorize("audit.read")),
                 session: Session = Depends(db_session)) -> Response:
    return _page(request, session, caller, q, page)


@router.post("/audit/verify", response_class=HTMLResponse)
def audit_verify(request: Request, caller: Caller = Depends(authorize("audit.verify")),
                 session: Session = Depends(db_session)) -> Response:
    report = service.verify(session, caller.actor)
    if not caller.principal.may("audit.read"):  # the security administrator verifies, cannot read
        return render(request, "auditlog/verify.html", report=report)
    return _page(request, session, caller, AuditQuery(), PageParams(limit=50, offset=0), report=report)
