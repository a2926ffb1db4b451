"""What every data call goes through: a live grant, the client's limits, one audit record with
who, which resource, which items, how many rows, purpose and outcome (personal identifiers
pseudonymised), the day's statistics, and the node's signed receipt on the answer.

    call = begin(session, caller, resource_id, "query", purpose)
    ... the operation, using call.items / call.row_filter / call.masked ...
    finish(session, call, rows=n, details={...})
    return signed_json(call, payload)
"""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from govshare.core import audit
from govshare.core.audit import Outcome
from govshare.core.auth import Principal
from govshare.core.errors import AppError, NotFound, PermissionDenied
from govshare.core.signing import issue_receipt, node_keypair
from govshare.exchange import filters, limits, stats, terms
from govshare.exchange.datasets import Live
from govshare.exchange.items import Column, ResourceRef, published_ref, ref_columns
from govshare.exchange.terms import GrantTerms, LiveDataset, LiveVersion
from govshare.web.deps import Caller

RECEIPT_HEADER = "X-Govshare-Receipt"
REQUEST_ID_HEADER = "X-Request-Id"


@lru_cache(maxsize=4)
def _salt(public_key: bytes) -> bytes:
    # Derived from the node's private key: stable for the node, unknown outside it.
    return hmac.new(node_keypair().private_key, b"govshare-exchange-pseudonym", hashlib.sha256).digest()


def pseudonym(value: Any) -> str:
    """A keyed hash of a personal value for logs: the same value gives the same pseudonym on this
    node (so an auditor can correlate calls) but cannot be reversed or recomputed elsewhere."""
    key = _salt(node_keypair().public_key)
    return "h:" + hmac.new(key, str(value).encode(), hashlib.sha256).hexdigest()[:24]


def pseudonymised(condition: dict[str, Any]) -> dict[str, Any]:
    def hide(v: Any) -> Any:
        return [hide(x) for x in v] if isinstance(v, list) else pseudonym(v)

    return {item: {op: hide(v) for op, v in cond.items()} if isinstance(cond, dict) else hide(cond)
            for item, cond in condition.items()}


@dataclass
class Call:
    request_id: str
    resource: ResourceRef
    operation: str
    purpose: str
    caller: Caller
    grant: GrantTerms | None  # None: the provider calling its own resource
    items: list[str]
    masked: set[str]
    row_filter: dict[str, Any]
    limits: limits.Limits
    columns: list[Column] = field(default_factory=list)
    dataset: LiveDataset | None = None  # the dataset and its live version, read with the grant
    version: LiveVersion | None = None


def begin(session: Session, caller: Caller, resource_id: int, operation: str, purpose: str) -> Call:
    """Resource, grant, limits, live version and the client's counts in one query
    (`terms.read`): one round trip before the operation itself. Nothing is written yet."""
    principal = caller.principal
    found = terms.read(session, principal, resource_id, operation)
    if found is None:
        raise NotFound(f"catalog resource {resource_id} does not exist", f"信息资源 {resource_id} 不存在")
    resource = found.resource
    columns = ref_columns(session, resource)
    owner = principal.department_id == resource.provider_id
    grant = None if owner else found.grant
    if grant is None and not owner:
        raise PermissionDenied(
            f"no grant in force lets your department {operation} resource {resource.code}; request access first",
            f"本部门没有信息资源 {resource.code} 的有效授权（{operation}），请先提出共享申请", code="no_grant")
    limits.judge(found.calls + 1, found.rows_today, found.limits)
    if grant is None:
        items, masked, row_filter = [c.item for c in columns], set(), {}
    else:
        known = {c.item for c in columns}
        items = [i for i in grant.items if i in known]  # an item dropped from the catalog is gone
        masked = set(grant.masked_items)
        row_filter = filters.validate(grant.row_filter, columns, "grant.row_filter")
    return Call(uuid.uuid4().hex, resource, operation, purpose.strip(), caller, grant, items, masked, row_filter,
                found.limits, columns, found.dataset, found.version)


def finish(session: Session, call: Call, rows: int, details: dict[str, Any] | None = None) -> None:
    """Counts the call and queues its audit record (written with the commit); 429 when the
    minute's count it returns is over the client's allowance (the caller then records the
    refusal, which rolls this back).

    The client's minute, its rows today and the day's statistics are rows every concurrent call
    of the client updates, each locked until the commit: they are counted here, last, so the
    locks are held for the commit only. On PostgreSQL the three upserts and the audit record's
    insert are one statement (data-modifying WITHs, `audit.sent_with`); SQLite runs the upserts
    one by one (no network round trip to save) and writes the record at commit."""
    principal = call.caller.principal
    audit.record(session, call.caller.actor, f"exchange.{call.operation}", object_type="catalog_resource",
                 object_id=call.resource.id, purpose=call.purpose,
                 details={"request_id": call.request_id, "resource": call.resource.code, "rows": rows,
                          "grant_id": call.grant.id if call.grant else None, **(details or {})})
    counted = [stats.call_counter(session, call.resource.id, call.resource.provider_id, principal.department_id or 0,
                                  principal.client_id, call.operation, Outcome.SUCCESS, rows)]
    if rows:
        counted.append(limits.rows_charge(session, principal, rows))
    limits.judge_minute(_count_minute(session, principal, counted), call.limits)


def _count_minute(session: Session, principal: Principal, counted: list[limits.Bound]) -> int:
    """Runs the `counted` upserts and the client's minute upsert; the minute's count."""
    minute, params = limits.minute_charge(session, principal)
    # Core execution on the session's connection: the ORM's bulk-statement layer has nothing to
    # do for counter upserts (about 60 Python calls of a verify call's 3,000 saved).
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        for stmt, values in counted:
            connection.execute(stmt, values)
        return connection.execute(minute, params).scalar_one()
    record = audit.sent_with(session)
    if record is not None:
        counted = [*counted, record]
    for _, values in counted:
        params = {**params, **values}
    return connection.execute(_together(minute, tuple(stmt for stmt, _ in counted)), params).scalar_one()


@lru_cache(maxsize=8)
def _together(minute: Any, counted: tuple[Any, ...]) -> Any:
    """The minute's upsert with the `counted` ones as data-modifying WITHs: one statement. Keyed
    by the statements themselves, which are built once (`limits.Bound`)."""
    together = select(minute.cte("minute_charge").c.calls)
    for n, stmt in enumerate(counted):
        together = together.add_cte(stmt.cte(f"counted_{n}"))
    return together


def refused(session: Session, caller: Caller, resource_id: int, operation: str, purpose: str,
            error: AppError) -> None:
    """Records a refused data call and commits it, since the request itself is about to fail."""
    session.rollback()
    principal = caller.principal
    audit.record(session, caller.actor, f"exchange.{operation}", object_type="catalog_resource",
                 object_id=resource_id, purpose=(purpose or "")[:500], outcome=Outcome.DENIED,
                 details={"code": error.code, "status": error.status, "reason": error.message[:300]})
    resource = published_ref(session, resource_id)
    if resource is not None:
        stats.count_call(session, resource.id, resource.provider_id, principal.department_id or 0,
                         principal.client_id, operation, Outcome.DENIED, 0)
    session.commit()


def signed(call: Call, body: bytes, media_type: str, extra: dict[str, str] | None = None) -> Response:
    receipt = issue_receipt(call.request_id, call.resource.code, body)
    headers = {RECEIPT_HEADER: receipt.header(), REQUEST_ID_HEADER: call.request_id, **(extra or {})}
    return Response(content=body, media_type=media_type, headers=headers)


def signed_json(call: Call, payload: dict[str, Any]) -> Response:
    body = json.dumps(payload, ensure_ascii=False, default=_jsonable, separators=(",", ":")).encode()
    return signed(call, body, "application/json")


def _jsonable(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    raise TypeError(type(value).__name__)


def live_for(session: Session, call: Call) -> Live:
    """The live version read with the call's terms (no further query)."""
    from govshare.exchange.datasets import live_from

    return live_from(call.resource, call.dataset, call.version)
