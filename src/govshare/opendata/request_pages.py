"""Routing the public's data requests to departments: the authority hands a request to the
department that holds the data (a requester may name one on the form); that department's data
officers and reviewers see the requests routed to them, and only those, and answer them. The
public sees the status and the department on /open/requests. Every change is audited; a
request of another department is a 404."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from govshare.core import audit
from govshare.opendata import requests
from govshare.opendata.models import RequestStatus
from govshare.orgs.models import Department
from govshare.web.deps import Caller, authorize, db_session
from govshare.web.templating import render

router = APIRouter(include_in_schema=False)
DEPARTMENT_PAGE = "/open-dept/requests"


def department_names(session: Session) -> dict[int, str]:
    return dict(session.execute(select(Department.id, Department.name).order_by(Department.name)).all())


def form_department(text: str) -> int | None:
    """A form's department choice: "" is none; anything else must be an id (404 otherwise)."""
    text = text.strip()
    if not text:
        return None
    if not text.isdigit() or len(text) > 12:
        return -1  # no such department: refused by requests._department
    return int(text)


@router.post("/open-admin/requests/{request_id}/route")
def admin_route_request(
    request_id: int,
    department: str = Form(""),
    caller: Caller = Depends(authorize("opendata.admin")),
    session: Session = Depends(db_session),
) -> Response:
    requests.route_request(session, caller.actor, request_id, form_department(department))
    return RedirectResponse("/open-admin?flash=ok", status_code=303)


@router.get(DEPARTMENT_PAGE, response_class=HTMLResponse)
def department_requests(
    request: Request, caller: Caller = Depends(authorize("opendata.requests")), session: Session = Depends(db_session)
) -> Response:
    department_id = caller.principal.department_id
    items, total = requests.list_requests(session, 200, 0, department_id) if department_id else ([], 0)
    audit.record(session, caller.actor, "opendata.request.list", object_type="department", object_id=department_id)
    return render(
        request,
        "opendata/department_requests.html",
        items=items,
        total=total,
        department=session.get(Department, department_id) if department_id else None,
        statuses=list(RequestStatus),
        flash=request.query_params.get("flash"),
    )


@router.post(DEPARTMENT_PAGE + "/{request_id}")
def department_answer(
    request_id: int,
    status: RequestStatus = Form(...),
    answer: str = Form(""),
    caller: Caller = Depends(authorize("opendata.requests")),
    session: Session = Depends(db_session),
) -> Response:
    # A principal without a department matches no request (department_id -1).
    own = caller.principal.department_id or -1
    requests.answer_request(session, caller.actor, request_id, status, answer, department_id=own)
    return RedirectResponse(DEPARTMENT_PAGE + "?flash=ok", status_code=303)
