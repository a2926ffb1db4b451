"""Access requests by sharing type (RULES.md §1).

- 无条件共享: granted at once when the consumer states purpose and scenario; when the node's
  policy asks for it, the authority first checks compliance (status `compliance`).
- 有条件共享: the provider answers within N working days (10 by default, Chinese statutory
  calendar): approve, approve narrower (with a note), or refuse with reasons. A refused
  consumer may raise the case for the authority's coordination (协调).
- 不予共享: cannot be requested; only raised for coordination, citing a legal basis.

Overdue requests are flagged and escalated to the authority (`flag_overdue`) and counted
against the provider. Department A never sees department B's requests (404).
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from govshare.catalog.models import CatalogResource
from govshare.catalog.vocab import ShareType
from govshare.core import audit
from govshare.core.audit import Actor
from govshare.core.auth import Principal, Role
from govshare.core.clock import today
from govshare.core.config import get_settings
from govshare.core.db import utcnow
from govshare.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from govshare.exchange import filters
from govshare.exchange.datasets import find as find_dataset
from govshare.exchange.items import check_items, columns_for, requestable, share_type
from govshare.exchange.models import (
    OPERATIONS,
    AccessRequest,
    Grant,
    GrantStatus,
    RequestKind,
    RequestStatus,
)
from govshare.exchange.schemas import ApproveIn, RequestIn
from govshare.orgs.models import ApiClient
from govshare.workdays.service import deadline

OPEN = (RequestStatus.COMPLIANCE, RequestStatus.PENDING, RequestStatus.ESCALATED)
MAX_PERIOD_DAYS = 3 * 366


def _not_found(request_id: int) -> NotFound:
    return NotFound(f"request {request_id} does not exist", f"共享申请 {request_id} 不存在")


def get_request(session: Session, principal: Principal, request_id: int) -> AccessRequest:
    found = session.get(AccessRequest, request_id)
    if found is None or not (principal.is_platform_wide
                             or principal.department_id in (found.consumer_id, found.provider_id)):
        raise _not_found(request_id)
    return found


def list_requests(session: Session, principal: Principal, side: str = "all", status: str | None = None,
                  limit: int = 200, offset: int = 0) -> list[AccessRequest]:
    """side: mine (as consumer), review (as provider), coordination (authority), all."""
    query = select(AccessRequest)
    dept = principal.department_id
    if side == "mine":
        query = query.where(AccessRequest.consumer_id == dept)
    elif side == "review":
        query = query.where(AccessRequest.provider_id == dept)
    elif side == "coordination":
        if not principal.is_platform_wide:
            return []
        query = query.where(or_(AccessRequest.status.in_((RequestStatus.ESCALATED, RequestStatus.COMPLIANCE)),
                                AccessRequest.escalated_at.is_not(None)))
    elif not principal.is_platform_wide:
        query = query.where(or_(AccessRequest.consumer_id == dept, AccessRequest.provider_id == dept))
    if status:
        query = query.where(AccessRequest.status == RequestStatus(status))
    return list(session.scalars(query.order_by(AccessRequest.id.desc()).limit(limit).offset(offset)))


def _client(session: Session, principal: Principal, client_id: int | None) -> int | None:
    if client_id is None:
        return None
    client = session.get(ApiClient, client_id)
    if client is None or client.department_id != principal.department_id:
        raise NotFound(f"client {client_id} does not exist", f"接入应用 {client_id} 不存在")
    return client.id


def _operations(asked: list[str], resource: CatalogResource, session: Session, field: str = "operations") -> list[str]:
    dataset = find_dataset(session, resource.id)
    default = [op for op in OPERATIONS if op != "call" or (dataset is not None and dataset.endpoint_url)]
    if not asked:
        return default
    unknown = [op for op in asked if op not in OPERATIONS]
    if unknown:
        raise InvalidInput(f"unknown operation(s) {', '.join(unknown)}; expected {', '.join(OPERATIONS)}",
                           f"未知的调用方式：{'、'.join(unknown)}", field=field)
    return [op for op in OPERATIONS if op in asked]


def _period(data: RequestIn) -> tuple[date, date]:
    starts = data.starts_on or today()
    ends = data.ends_on or starts + timedelta(days=365)
    if ends < starts:
        raise InvalidInput("ends_on is before starts_on", "使用期限止早于起", field="ends_on")
    if (ends - starts).days > MAX_PERIOD_DAYS:
        raise InvalidInput("a grant lasts at most three years; ask again to renew",
                           "使用期限最长三年，到期后可重新申请", field="ends_on")
    return starts, ends


def submit(session: Session, principal: Principal, actor: Actor, data: RequestIn) -> AccessRequest:
    resource = requestable(session, principal, data.resource_id)
    consumer = principal.department_id
    if consumer is None:
        raise InvalidInput("requests are made by a department; sign in with a department account",
                           "共享申请须以部门账号提出", field="resource_id")
    if consumer == resource.provider_id:
        raise Conflict("this is your own department's resource: no request is needed",
                       "本部门的信息资源无需申请", field="resource_id")
    kind_of_share = share_type(resource)
    items = check_items(resource, data.items)
    row_filter = filters.jsonable(filters.validate(data.row_filter, columns_for(resource), "row_filter"))
    starts, ends = _period(data)
    _no_open_duplicate(session, resource.id, consumer, data.client_id)
    found = AccessRequest(
        kind=data.kind, resource_id=resource.id, provider_id=resource.provider_id, consumer_id=consumer,
        client_id=_client(session, principal, data.client_id), purpose=data.purpose.strip(),
        scenario=data.scenario.strip(), legal_basis=data.legal_basis.strip(), items=items,
        operations=_operations(data.operations, resource, session), row_filter=row_filter,
        starts_on=starts, ends_on=ends, status=RequestStatus.PENDING, requested_by=actor.name)
    _route(session, found, kind_of_share)
    session.add(found)
    session.flush()
    audit.record(session, actor, "exchange.request.submit", object_type="exchange_request", object_id=found.id,
                 purpose=found.purpose, details={"resource_id": resource.id, "share_type": kind_of_share.value,
                                                 "items": items, "status": found.status.value,
                                                 "kind": found.kind.value})
    if found.status == RequestStatus.APPROVED:
        _grant(session, found, actor, items, [], found.operations, row_filter, ends, narrowed=False)
    return found


def _route(session: Session, found: AccessRequest, kind_of_share: ShareType) -> None:
    """Sets the status and deadline a new request starts with, by sharing type."""
    policy = get_settings().policy
    if kind_of_share == ShareType.NOT_SHARED or found.kind == RequestKind.COORDINATION:
        if kind_of_share != ShareType.NOT_SHARED:
            raise InvalidInput("coordination is for not-shared resources or refused requests: request the "
                               "resource first", "提请协调适用于不予共享的资源或被拒绝的申请，请先提出共享申请",
                               field="kind")
        if found.kind != RequestKind.COORDINATION or len(found.legal_basis) < 4:
            raise Conflict("this resource is not shared (不予共享): it cannot be requested, only raised for the "
                           "authority's coordination with a legal basis (kind=coordination, legal_basis)",
                           "该信息资源不予共享，不能申请，只能附法律依据提请数据管理机构协调", field="legal_basis",
                           code="not_shared")
        found.status = RequestStatus.ESCALATED
        found.escalated_at = utcnow()
        _set_due(session, found, policy.answer_deadline_working_days)
    elif kind_of_share == ShareType.UNCONDITIONAL:
        if policy.unconditional_compliance_check:
            found.status = RequestStatus.COMPLIANCE
            _set_due(session, found, policy.compliance_check_working_days)
        else:
            found.status = RequestStatus.APPROVED
            found.answered_at = utcnow()
            found.answered_by = "auto: unconditional sharing"
    else:
        found.status = RequestStatus.PENDING
        _set_due(session, found, policy.answer_deadline_working_days)


def _set_due(session: Session, found: AccessRequest, days: int) -> None:
    due = deadline(session, today(), days)
    found.due_on, found.due_provisional = due.due, due.provisional


def _no_open_duplicate(session: Session, resource_id: int, consumer: int, client_id: int | None) -> None:
    open_one = session.scalar(select(AccessRequest.id).where(
        AccessRequest.resource_id == resource_id, AccessRequest.consumer_id == consumer,
        AccessRequest.client_id.is_(None) if client_id is None else AccessRequest.client_id == client_id,
        AccessRequest.status.in_(OPEN)))
    if open_one:
        raise Conflict(f"request {open_one} for this resource is still open", f"该资源已有未办结的申请 {open_one}",
                       field="resource_id", details={"request_id": open_one})


# --- answering -----------------------------------------------------------------------------


def _may_answer(principal: Principal, found: AccessRequest) -> None:
    if found.status in (RequestStatus.COMPLIANCE, RequestStatus.ESCALATED):
        if not principal.has_role(Role.PLATFORM_ADMIN):
            raise PermissionDenied("the authority decides requests under compliance check or coordination",
                                   "合规审查或协调中的申请由数据管理机构处理")
        return
    if found.status != RequestStatus.PENDING:
        raise Conflict(f"request {found.id} is {found.status.value}: already answered",
                       f"共享申请 {found.id} 已办结（{found.status.value}）", field="status")
    if principal.department_id != found.provider_id or not principal.has_role(Role.DATA_OFFICER, Role.REVIEWER):
        if principal.department_id != found.provider_id and not principal.is_platform_wide:
            raise _not_found(found.id)
        raise PermissionDenied("only the provider's data officer or reviewer answers a request",
                               "只有提供方的数据专员或审核员可以答复申请")


def _narrower(found: AccessRequest, data: ApproveIn, resource: CatalogResource) -> tuple[list, list, list, dict, date]:
    items = check_items(resource, data.items) if data.items is not None else list(found.items)
    wider = [i for i in items if i not in found.items]
    if wider:
        raise InvalidInput(f"item(s) {', '.join(wider)} were not requested",
                           f"信息项 {'、'.join(wider)} 不在申请范围内",
                           field="items")
    masked = [i for i in check_items(resource, data.masked_items, "masked_items") if i in items] \
        if data.masked_items else []
    operations = list(found.operations) if data.operations is None else \
        [op for op in found.operations if op in data.operations]
    columns = columns_for(resource)
    extra = filters.jsonable(filters.validate(data.row_filter, columns, "row_filter")) if data.row_filter else {}
    clash = [k for k in extra if k in found.row_filter and extra[k] != found.row_filter[k]]
    if clash:
        raise InvalidInput(f"the row filter on {', '.join(clash)} would replace the requested one; narrow other items",
                           f"不能替换申请中对 {'、'.join(clash)} 的数据范围", field="row_filter")
    ends = min(data.ends_on or found.ends_on, found.ends_on)
    return items, masked, operations, {**found.row_filter, **extra}, ends


def approve(session: Session, principal: Principal, actor: Actor, request_id: int, data: ApproveIn) -> AccessRequest:
    found = get_request(session, principal, request_id)
    _may_answer(principal, found)
    resource = session.get(CatalogResource, found.resource_id)
    items, masked, operations, row_filter, ends = _narrower(found, data, resource)  # type: ignore[arg-type]
    if not operations or not items:
        raise InvalidInput("an approval grants at least one item and one operation; refuse instead",
                           "同意时至少授权一个信息项和一种调用方式，否则请拒绝", field="items")
    narrowed = (items != found.items or bool(masked) or operations != found.operations
                or row_filter != found.row_filter or ends != found.ends_on)
    if narrowed and len(data.note.strip()) < 2:
        raise InvalidInput("a narrower approval must say why (note)", "部分同意须说明理由", field="note")
    _close(found, actor, RequestStatus.NARROWED if narrowed else RequestStatus.APPROVED, data.note)
    _grant(session, found, actor, items, masked, operations, row_filter, ends, narrowed)
    audit.record(session, actor, "exchange.request.approve", object_type="exchange_request", object_id=found.id,
                 details={"narrowed": narrowed, "items": items, "masked_items": masked, "operations": operations,
                          "late": found.answered_late})
    return found


def refuse(session: Session, principal: Principal, actor: Actor, request_id: int, reasons: str) -> AccessRequest:
    found = get_request(session, principal, request_id)
    _may_answer(principal, found)
    if len(reasons.strip()) < 2:
        raise InvalidInput("a refusal must give its reasons", "拒绝须说明理由", field="reasons")
    _close(found, actor, RequestStatus.REFUSED, reasons)
    audit.record(session, actor, "exchange.request.refuse", object_type="exchange_request", object_id=found.id,
                 details={"reasons": reasons[:500], "late": found.answered_late})
    return found


def _close(found: AccessRequest, actor: Actor, status: RequestStatus, note: str) -> None:
    found.answered_late = found.due_on is not None and today() > found.due_on
    found.status = status
    found.answered_at = utcnow()
    found.answered_by = actor.name
    found.answer = note.strip()


def _grant(session: Session, found: AccessRequest, actor: Actor, items: list[str], masked: list[str],
           operations: list[str], row_filter: dict, ends: date, narrowed: bool) -> Grant:
    grant = Grant(request_id=found.id, resource_id=found.resource_id, provider_id=found.provider_id,
                  consumer_id=found.consumer_id, client_id=found.client_id, items=items, masked_items=masked,
                  operations=operations, row_filter=row_filter, purpose=found.purpose, scenario=found.scenario,
                  starts_on=found.starts_on, ends_on=ends, narrowed=narrowed, status=GrantStatus.ACTIVE,
                  created_by=actor.name)
    session.add(grant)
    session.flush()
    found.grant_id = grant.id
    audit.record(session, actor, "exchange.grant.create", object_type="exchange_grant", object_id=grant.id,
                 purpose=found.purpose, details={"request_id": found.id, "items": items, "operations": operations,
                                                 "consumer_id": found.consumer_id, "ends_on": ends.isoformat()})
    return grant


def escalate(session: Session, principal: Principal, actor: Actor, request_id: int, reason: str) -> AccessRequest:
    """The consumer raises a refused request for the authority's coordination (协调)."""
    found = get_request(session, principal, request_id)
    if principal.department_id != found.consumer_id:
        raise _not_found(request_id) if not principal.is_platform_wide else \
            PermissionDenied("only the requesting department raises coordination", "只有申请部门可以提请协调")
    if found.status != RequestStatus.REFUSED:
        raise Conflict("only a refused request can be raised for coordination", "只有被拒绝的申请可以提请协调",
                       field="status")
    found.status = RequestStatus.ESCALATED
    found.kind = RequestKind.COORDINATION
    found.escalated_at = utcnow()
    found.legal_basis = (found.legal_basis + "\n" + reason.strip()).strip()
    _set_due(session, found, get_settings().policy.answer_deadline_working_days)
    audit.record(session, actor, "exchange.request.escalate", object_type="exchange_request", object_id=found.id,
                 details={"reason": reason[:500]})
    return found


def withdraw(session: Session, principal: Principal, actor: Actor, request_id: int) -> AccessRequest:
    found = get_request(session, principal, request_id)
    if principal.department_id != found.consumer_id:
        raise _not_found(request_id)
    if found.status not in OPEN:
        raise Conflict("only an open request can be withdrawn", "只有未办结的申请可以撤回", field="status")
    found.status = RequestStatus.WITHDRAWN
    audit.record(session, actor, "exchange.request.withdraw", object_type="exchange_request", object_id=found.id)
    return found


def overdue(found: AccessRequest, on: date | None = None) -> bool:
    return found.status in OPEN and found.due_on is not None and (on or today()) > found.due_on


def flag_overdue(session: Session, actor: Actor) -> int:
    """Escalates every overdue request to the authority once; returns how many were flagged."""
    on = today()
    rows = session.scalars(select(AccessRequest).where(
        AccessRequest.status == RequestStatus.PENDING, AccessRequest.due_on < on,
        AccessRequest.escalated_at.is_(None))).all()
    for found in rows:
        found.escalated_at = utcnow()
        audit.record(session, actor, "exchange.request.overdue", object_type="exchange_request", object_id=found.id,
                     details={"provider_id": found.provider_id, "due_on": found.due_on.isoformat()})  # type: ignore
    return len(rows)


def days_left(session: Session, found: AccessRequest) -> int | None:
    """Working days until the deadline (negative when overdue), for countdowns."""
    if found.due_on is None or found.status not in OPEN:
        return None
    from govshare.workdays.service import load_calendar

    return load_calendar(session).working_days_between(today(), found.due_on)


def request_out(session: Session, found: AccessRequest) -> dict:
    return {"id": found.id, "kind": found.kind.value, "resource_id": found.resource_id,
            "provider_id": found.provider_id, "consumer_id": found.consumer_id, "client_id": found.client_id,
            "purpose": found.purpose, "scenario": found.scenario, "legal_basis": found.legal_basis,
            "items": found.items, "operations": found.operations, "row_filter": found.row_filter,
            "starts_on": found.starts_on, "ends_on": found.ends_on, "status": found.status.value,
            "submitted_at": found.submitted_at, "due_on": found.due_on, "due_provisional": found.due_provisional,
            "working_days_left": days_left(session, found), "overdue": overdue(found),
            "escalated_at": found.escalated_at, "answered_at": found.answered_at, "answer": found.answer,
            "answered_late": found.answered_late, "grant_id": found.grant_id}
