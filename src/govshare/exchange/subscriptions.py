"""Subscriptions: signed webhook pushes of a resource's changes, retried with back-off.

A finished load queues one delivery per active subscription (in the load's own transaction).
`deliver_due` sends what is due: from the background worker inside `govshare serve`
(`exchange.worker`) or from `govshare exchange deliver` run by cron. Each delivery is claimed
with a conditional UPDATE before it is sent, so any number of app workers and cron runs
together never push one delivery twice. The push is sent outside any database transaction (a
slow subscriber never holds a lock), to an address re-checked against the node's outbound
policy (`exchange.outbound`).

Each push carries the same change entries as the feed (granted items only, masked by the
grant), the node's receipt and `X-Govshare-Signature: sha256=<HMAC of the body with the
subscription's secret>`. The secret is stored encrypted (`core.secretbox`) and decrypted only
to sign. Failures wait 30 s × 2^attempt (at most 6 h); after MAX_ATTEMPTS the delivery gives
up and stays in the log.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import socket
import threading
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from govshare.core import audit, secretbox
from govshare.core.audit import Actor, Outcome
from govshare.core.auth import Principal
from govshare.core.db import Database, utcnow
from govshare.core.errors import NotFound, PermissionDenied
from govshare.core.signing import issue_receipt
from govshare.exchange import outbound
from govshare.exchange.models import Dataset, Delivery, DeliveryStatus, Grant, Subscription

MAX_ATTEMPTS = 8
BASE_DELAY = 30
MAX_DELAY = 6 * 3600
TIMEOUT = httpx.Timeout(10.0, connect=3.0)
CLAIM = timedelta(minutes=5)  # longer than one push can take (TIMEOUT), shorter than a retry's wait
SECRET_CONTEXT = "exchange_subscription.secret"  # authenticated data of the stored ciphertext


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(MAX_DELAY, BASE_DELAY * 2 ** max(0, attempts - 1)))


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
                       client_id=principal.client_id, url=outbound.check_url(url),
                       secret=secretbox.encrypt(secret, SECRET_CONTEXT), purpose=purpose.strip(),
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


@dataclass
class Push:
    """One prepared attempt: what to send where, decided inside a transaction, sent outside."""

    delivery_id: int
    subscription_id: int
    url: str
    body: bytes
    headers: dict[str, str]
    purpose: str
    changes: int


def deliver_due(db: Database, actor: Actor, limit: int = 100, holder: str = "") -> dict[str, int]:
    """Sends every delivery that is due and not claimed by another sender; returns counts by result."""
    holder = holder or f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"
    with db.session() as session:
        due = [d.id for d in session.scalars(select(Delivery).where(
            Delivery.status == DeliveryStatus.PENDING, Delivery.next_attempt_at <= utcnow())
            .order_by(Delivery.id).limit(limit))]
    counts = {"delivered": 0, "retry": 0, "gave_up": 0}
    for delivery_id in due:
        if not _claim(db, delivery_id, holder):
            continue  # another worker has it
        try:
            result = _attempt(db, actor, delivery_id)
        finally:
            _release(db, delivery_id, holder)
        counts[result] += 1
    return counts


def _claim(db: Database, delivery_id: int, holder: str) -> bool:
    now = utcnow()
    with db.session() as session:
        claimed = session.execute(update(Delivery).where(
            Delivery.id == delivery_id, Delivery.status == DeliveryStatus.PENDING, Delivery.next_attempt_at <= now,
            or_(Delivery.claimed_until.is_(None), Delivery.claimed_until < now),
        ).values(claimed_until=now + CLAIM, claimed_by=holder).execution_options(synchronize_session=False))
        return claimed.rowcount == 1


def _release(db: Database, delivery_id: int, holder: str) -> None:
    with db.session() as session:
        session.execute(update(Delivery).where(Delivery.id == delivery_id, Delivery.claimed_by == holder)
                        .values(claimed_until=None, claimed_by="").execution_options(synchronize_session=False))


def _attempt(db: Database, actor: Actor, delivery_id: int) -> str:
    with db.session() as session:
        push = _prepare(session, actor, delivery_id)
        if isinstance(push, str):
            return push
    status, error = _send(push)
    with db.session() as session:
        return _record(session, actor, push, status, error)


def _prepare(session: Session, actor: Actor, delivery_id: int) -> Push | str:
    delivery = session.get(Delivery, delivery_id)
    assert delivery is not None
    sub = session.get(Subscription, delivery.subscription_id)
    payload = _payload(session, sub, delivery) if sub is not None and sub.active else None
    if sub is None or payload is None:
        return _give_up(session, actor, delivery, "the subscription or its grant is no longer in force")
    try:
        secret = secretbox.decrypt(sub.secret, SECRET_CONTEXT)
    except secretbox.SecretUnreadable as exc:
        return _give_up(session, actor, delivery, f"the subscription's secret cannot be read: {exc}")
    body = json.dumps(payload, ensure_ascii=False, default=str, separators=(",", ":")).encode()
    headers = {"content-type": "application/json", "X-Govshare-Signature": signature(secret, body),
               "X-Govshare-Receipt": issue_receipt(payload["request_id"], payload["resource"], body).header(),
               "X-Govshare-Delivery": str(delivery.id)}
    return Push(delivery.id, sub.id, sub.url, body, headers, sub.purpose, len(payload["changes"]))


def _send(push: Push) -> tuple[int | None, str]:
    """The subscriber's HTTP status and an error ('' when it took the push)."""
    try:
        answer = outbound.post(push.url, push.body, push.headers, TIMEOUT)
    except outbound.OutboundRefused as exc:
        return None, f"refused by the node's outbound policy: {exc.message}"
    except httpx.HTTPError as exc:
        return None, f"{type(exc).__name__}: {str(exc)[:300]}"
    return answer.status_code, "" if answer.is_success else f"HTTP {answer.status_code}: {answer.text[:300]}"


def _record(session: Session, actor: Actor, push: Push, status: int | None, error: str) -> str:
    delivery = session.get(Delivery, push.delivery_id)
    sub = session.get(Subscription, push.subscription_id)
    assert delivery is not None and sub is not None
    delivery.attempts += 1
    delivery.last_status, delivery.last_error = status, error
    audit.record(session, actor, "exchange.deliver", object_type="exchange_delivery", object_id=delivery.id,
                 outcome=Outcome.FAILURE if error else Outcome.SUCCESS, purpose=push.purpose,
                 details={"subscription_id": sub.id, "attempt": delivery.attempts, "status": status,
                          "changes": push.changes})
    if not error:
        delivery.status, delivery.delivered_at = DeliveryStatus.DELIVERED, utcnow()
        sub.cursor = max(sub.cursor, delivery.to_seq)
        return "delivered"
    if delivery.attempts >= MAX_ATTEMPTS:
        delivery.status = DeliveryStatus.GAVE_UP
        return "gave_up"
    delivery.next_attempt_at = utcnow() + backoff(delivery.attempts)
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
