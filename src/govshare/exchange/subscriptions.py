"""Subscriptions: signed webhook pushes of a resource's changes, retried with back-off.

A finished load queues one delivery per active subscription (in the load's own transaction).
`deliver_due` sends what is due — from the `govshare exchange deliver` command, which an
operator runs from cron or a systemd timer (this slice has no job queue; see docs/exchange.md).
Each push carries the same change entries as the feed (granted items only, masked by the
grant), the node's receipt and `X-Govshare-Signature: sha256=<HMAC of the body with the
subscription's secret>`. Failures wait 30 s × 2^attempt (at most 6 h); after MAX_ATTEMPTS the
delivery gives up and stays in the log.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from govshare.core import audit
from govshare.core.audit import Actor, Outcome
from govshare.core.auth import Principal
from govshare.core.db import Database, utcnow
from govshare.core.errors import InvalidInput, NotFound, PermissionDenied
from govshare.core.signing import issue_receipt
from govshare.exchange.models import Dataset, Delivery, DeliveryStatus, Grant, Subscription

MAX_ATTEMPTS = 8
BASE_DELAY = 30
MAX_DELAY = 6 * 3600
TRANSPORT: httpx.BaseTransport | None = None  # replaced in tests


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(MAX_DELAY, BASE_DELAY * 2 ** max(0, attempts - 1)))


def _check_url(url: str) -> str:
    url = url.strip()
    if not url.startswith(("https://", "http://")) or any(c.isspace() for c in url):
        raise InvalidInput("the webhook URL must be an http(s):// address", "推送地址应为 http(s):// 地址", field="url")
    return url


def create(session: Session, principal: Principal, actor: Actor, resource_id: int, url: str,
           purpose: str) -> tuple[Subscription, str]:
    """Subscribes the caller's department (and system) to a resource it holds a live grant for;
    returns the subscription and its secret, shown this once."""
    from govshare.exchange.grants import live_grant

    grant = live_grant(session, principal, resource_id, "subscribe")
    if grant is None:
        raise PermissionDenied(f"no grant in force lets your department subscribe to resource {resource_id}",
                               f"本部门没有信息资源 {resource_id} 的订阅授权", code="no_grant")
    dataset = session.scalar(select(Dataset).where(Dataset.resource_id == resource_id))
    secret = secrets.token_urlsafe(24)
    sub = Subscription(grant_id=grant.id, resource_id=resource_id, consumer_id=grant.consumer_id,
                       client_id=principal.client_id, url=_check_url(url), secret=secret, purpose=purpose.strip(),
                       cursor=dataset.change_seq if dataset else 0, active=True)
    session.add(sub)
    session.flush()
    audit.record(session, actor, "exchange.subscribe", object_type="exchange_subscription", object_id=sub.id,
                 purpose=sub.purpose, details={"resource_id": resource_id, "grant_id": grant.id})
    return sub, secret


def _visible(session: Session, principal: Principal, subscription_id: int) -> Subscription:
    sub = session.get(Subscription, subscription_id)
    if sub is None or not (principal.is_platform_wide or principal.department_id == sub.consumer_id):
        raise NotFound(f"subscription {subscription_id} does not exist", f"订阅 {subscription_id} 不存在")
    return sub


def cancel(session: Session, principal: Principal, actor: Actor, subscription_id: int) -> Subscription:
    sub = _visible(session, principal, subscription_id)
    sub.active = False
    audit.record(session, actor, "exchange.unsubscribe", object_type="exchange_subscription", object_id=sub.id)
    return sub


def list_for(session: Session, principal: Principal) -> list[Subscription]:
    query = select(Subscription).order_by(Subscription.id.desc())
    if not principal.is_platform_wide:
        query = query.where(Subscription.consumer_id == principal.department_id)
    return list(session.scalars(query))


def deliveries(session: Session, principal: Principal, subscription_id: int) -> list[Delivery]:
    sub = _visible(session, principal, subscription_id)
    return list(session.scalars(select(Delivery).where(Delivery.subscription_id == sub.id)
                                .order_by(Delivery.id.desc()).limit(200)))


def enqueue(session: Session, dataset: Dataset, from_seq: int, to_seq: int) -> int:
    subs = session.scalars(select(Subscription).where(Subscription.resource_id == dataset.resource_id,
                                                      Subscription.active.is_(True))).all()
    for sub in subs:
        session.add(Delivery(subscription_id=sub.id, from_seq=from_seq, to_seq=to_seq,
                             status=DeliveryStatus.PENDING, attempts=0, next_attempt_at=utcnow()))
    return len(subs)


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _payload(session: Session, sub: Subscription, delivery: Delivery) -> dict[str, Any] | None:
    """The changes of the delivery as the subscriber's grant lets it see them, or None when the
    grant is no longer in force."""
    from govshare.exchange import calls, data, grants
    from govshare.orgs.models import ApiClient

    grant = session.get(Grant, sub.grant_id)
    if grant is None or grants.state(grant) != "active":
        return None
    client = session.get(ApiClient, sub.client_id) if sub.client_id else None
    principal = Principal(kind="client" if client else "user", name=f"subscription:{sub.id}",
                          department_id=sub.consumer_id, client_id=sub.client_id, scopes=frozenset({"exchange"}))
    caller = calls.Caller(principal, Actor(name=f"subscription:{sub.id}", department_id=sub.consumer_id,
                                           client_id=sub.client_id))
    call = calls.begin(session, caller, sub.resource_id, "subscribe", sub.purpose)
    payload, rows, _ = data.changes(session, call, delivery.from_seq - 1, data.FEED_MAX)
    payload["changes"] = [c for c in payload["changes"] if c["seq"] <= delivery.to_seq]
    payload["subscription"] = sub.id
    payload["delivery"] = delivery.id
    payload["request_id"] = call.request_id
    return payload


def deliver_due(db: Database, actor: Actor, limit: int = 100) -> dict[str, int]:
    """Sends every delivery that is due; returns counts by result."""
    with db.session() as session:
        due = [d.id for d in session.scalars(select(Delivery).where(
            Delivery.status == DeliveryStatus.PENDING, Delivery.next_attempt_at <= utcnow())
            .order_by(Delivery.id).limit(limit))]
    counts = {"delivered": 0, "retry": 0, "gave_up": 0}
    for delivery_id in due:
        with db.session() as session:
            counts[_attempt(session, actor, delivery_id)] += 1
    return counts


def _attempt(session: Session, actor: Actor, delivery_id: int) -> str:
    delivery = session.get(Delivery, delivery_id)
    sub = session.get(Subscription, delivery.subscription_id)  # type: ignore[union-attr]
    payload = _payload(session, sub, delivery) if sub and sub.active else None  # type: ignore[arg-type]
    if payload is None:
        return _give_up(session, actor, delivery, "the subscription or its grant is no longer in force")  # type: ignore
    body = json.dumps(payload, ensure_ascii=False, default=str, separators=(",", ":")).encode()
    headers = {"content-type": "application/json", "X-Govshare-Signature": signature(sub.secret, body),  # type: ignore
               "X-Govshare-Receipt": issue_receipt(payload["request_id"], payload["resource"], body).header(),
               "X-Govshare-Delivery": str(delivery.id)}  # type: ignore[union-attr]
    delivery.attempts += 1  # type: ignore[union-attr]
    try:
        with httpx.Client(timeout=10, transport=TRANSPORT, follow_redirects=False) as client:
            answer = client.post(sub.url, content=body, headers=headers)  # type: ignore[union-attr]
        failed = "" if answer.is_success else f"HTTP {answer.status_code}: {answer.text[:300]}"
        delivery.last_status, error = answer.status_code, failed  # type: ignore[union-attr]
    except httpx.HTTPError as exc:
        delivery.last_status, error = None, f"{type(exc).__name__}: {str(exc)[:300]}"  # type: ignore[union-attr]
    delivery.last_error = error  # type: ignore[union-attr]
    ok = not error
    audit.record(session, actor, "exchange.deliver", object_type="exchange_delivery", object_id=delivery_id,
                 outcome=Outcome.SUCCESS if ok else Outcome.FAILURE, purpose=sub.purpose,  # type: ignore
                 details={"subscription_id": sub.id, "attempt": delivery.attempts,  # type: ignore[union-attr]
                          "status": delivery.last_status, "changes": len(payload["changes"])})  # type: ignore
    if ok:
        delivery.status, delivery.delivered_at = DeliveryStatus.DELIVERED, utcnow()  # type: ignore[union-attr]
        sub.cursor = max(sub.cursor, delivery.to_seq)  # type: ignore[union-attr]
        return "delivered"
    if delivery.attempts >= MAX_ATTEMPTS:  # type: ignore[union-attr]
        delivery.status = DeliveryStatus.GAVE_UP  # type: ignore[union-attr]
        return "gave_up"
    delivery.next_attempt_at = utcnow() + backoff(delivery.attempts)  # type: ignore[union-attr]
    return "retry"


def _give_up(session: Session, actor: Actor, delivery: Delivery, reason: str) -> str:
    delivery.status = DeliveryStatus.GAVE_UP
    delivery.last_error = reason
    audit.record(session, actor, "exchange.deliver", object_type="exchange_delivery", object_id=delivery.id,
                 outcome=Outcome.FAILURE, details={"reason": reason})
    return "gave_up"


def subscription_out(sub: Subscription) -> dict:
    return {"id": sub.id, "resource_id": sub.resource_id, "grant_id": sub.grant_id, "client_id": sub.client_id,
            "url": sub.url, "purpose": sub.purpose, "cursor": sub.cursor, "active": sub.active,
            "created_at": sub.created_at}


def delivery_out(d: Delivery) -> dict:
    return {"id": d.id, "from_seq": d.from_seq, "to_seq": d.to_seq, "status": d.status.value, "attempts": d.attempts,
            "next_attempt_at": d.next_attempt_at, "last_status": d.last_status, "last_error": d.last_error,
            "delivered_at": d.delivered_at}
