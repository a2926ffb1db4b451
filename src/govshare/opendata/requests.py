"""Data requests from the public (数据开放需求) and error reports on open datasets (纠错), with a
status anyone can see; the authority answers them (audited). Contact details are kept for the
answer and never shown on public pages."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from govshare.core import audit
from govshare.core.audit import Actor
from govshare.core.db import utcnow
from govshare.core.errors import InvalidInput, NotFound
from govshare.opendata.models import DataRequest, ErrorReport, ReportStatus, RequestStatus
from govshare.orgs.models import Department

MAX_TITLE = 200
MAX_TEXT = 4000


def _text(value: str, field: str, limit: int, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise InvalidInput(
            f"{field} is required", f"请填写{ {'title': '标题', 'description': '说明'}.get(field, field) }", field=field
        )
    if len(value) > limit:
        raise InvalidInput(f"{field}: at most {limit} characters", f"{field} 不超过 {limit} 个字符", field=field)
    return value


def _department(session: Session, department_id: int | None) -> int | None:
    if department_id is not None and session.get(Department, department_id) is None:
        raise InvalidInput(
            f"department {department_id} does not exist", f"部门 {department_id} 不存在", field="department"
        )
    return department_id


def submit_request(
    session: Session, title: str, description: str, contact: str, department_id: int | None = None
) -> DataRequest:
    """A request from the public, optionally addressed to a department (else the authority routes it)."""
    department_id = _department(session, department_id)
    request = DataRequest(
        title=_text(title, "title", MAX_TITLE),
        description=_text(description, "description", MAX_TEXT),
        contact=_text(contact, "contact", 200, required=False),
        department_id=department_id,
        status=RequestStatus.SUBMITTED,
    )
    session.add(request)
    session.flush()
    return request


def list_requests(
    session: Session, limit: int = 50, offset: int = 0, department_id: int | None = None
) -> tuple[list[DataRequest], int]:
    """Newest first; with `department_id`, only the requests routed to that department."""
    where = [DataRequest.department_id == department_id] if department_id is not None else []
    total = session.scalar(select(func.count()).select_from(DataRequest).where(*where)) or 0
    rows = session.scalars(
        select(DataRequest)
        .where(*where)
        .order_by(DataRequest.created_at.desc(), DataRequest.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return list(rows), total


def route_request(session: Session, actor: Actor, request_id: int, department_id: int | None) -> DataRequest:
    """The authority hands a request to the department that holds the data (or takes it back)."""
    request = _request(session, request_id, None)
    request.department_id = _department(session, department_id)
    audit.record(
        session,
        actor,
        "opendata.request.route",
        object_type=request.__tablename__,
        object_id=request.id,
        details={"department_id": department_id},
    )
    return request


def _answer(
    session: Session, actor: Actor, item: DataRequest | ErrorReport, status: Any, answer: str, action: str
) -> None:
    """The authority's answer to a request or a report: status, text, who and when, audited."""
    item.status, item.answer = status, _text(answer, "answer", MAX_TEXT, required=False)
    item.answered_at, item.answered_by = utcnow(), actor.name
    audit.record(
        session, actor, action, object_type=item.__tablename__, object_id=item.id, details={"status": status.value}
    )


def _request(session: Session, request_id: int, department_id: int | None) -> DataRequest:
    """A request; with `department_id`, only one routed to that department (else 404, as for any
    object of another department)."""
    request = session.get(DataRequest, request_id)
    if request is None or (department_id is not None and request.department_id != department_id):
        raise NotFound(f"data request {request_id} does not exist", f"数据需求 {request_id} 不存在")
    return request


def answer_request(
    session: Session,
    actor: Actor,
    request_id: int,
    status: RequestStatus,
    answer: str,
    department_id: int | None = None,
) -> DataRequest:
    """The authority answers any request; a department's staff (`department_id`) only theirs."""
    request = _request(session, request_id, department_id)
    if status == RequestStatus.DECLINED and not answer.strip():
        raise InvalidInput("a declined request needs the reason", "不予开放须说明理由", field="answer")
    _answer(session, actor, request, status, answer, "opendata.request.answer")
    return request


def report_error(session: Session, resource_id: int, description: str, contact: str) -> ErrorReport:
    report = ErrorReport(
        resource_id=resource_id,
        description=_text(description, "description", MAX_TEXT),
        contact=_text(contact, "contact", 200, required=False),
        status=ReportStatus.OPEN,
    )
    session.add(report)
    session.flush()
    return report


def reports_for(session: Session, resource_id: int | None = None, limit: int = 50) -> list[ErrorReport]:
    query = select(ErrorReport).order_by(ErrorReport.created_at.desc(), ErrorReport.id.desc()).limit(limit)
    if resource_id is not None:
        query = query.where(ErrorReport.resource_id == resource_id)
    return list(session.scalars(query))


def answer_report(session: Session, actor: Actor, report_id: int, status: ReportStatus, answer: str) -> ErrorReport:
    report = session.get(ErrorReport, report_id)
    if report is None:
        raise NotFound(f"error report {report_id} does not exist", f"纠错 {report_id} 不存在")
    _answer(session, actor, report, status, answer, "opendata.report.answer")
    return report


def public_view(item: DataRequest | ErrorReport) -> dict[str, Any]:
    """What the public sees of a request or report: never the contact."""
    out = {
        "id": item.id,
        "status": item.status.value,
        "answer": item.answer,
        "created_at": item.created_at,
        "answered_at": item.answered_at,
        "description": item.description,
    }
    if isinstance(item, DataRequest):
        out["title"] = item.title
        out["department_id"] = item.department_id
    return out
