"""The node's signing-key history (节点签名密钥历史).

Certificates and exchange receipts are signed with the node's key and carry its key id. A node
rotates its key, or switches suite (intl <-> sm); what the earlier keys signed must still
verify. So every public key the node has used is recorded here, with when it was in use and
why it was retired, and verification picks the key by the id the signature carries.

The key files stay the source of the private key (`core.signing`): `sync` records any key pair
found on disk that the table does not know yet (a suite switch is noticed the first time the
node signs, lists or verifies after it) and retires every key but the one in use.
"""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from govshare.core import audit
from govshare.core.audit import Actor
from govshare.core.db import utcnow
from govshare.core.errors import Conflict, InvalidInput
from govshare.core.signing import (
    Receipt,
    ReceiptCheck,
    key_id,
    node_keypair,
    rotate_keypair,
    stored_keys,
    verify_receipt,
)
from govshare.orgs.models import KeyRetirement, NodeKey

SYSTEM = Actor.system("node-keys")
ROTATION_REASONS = (KeyRetirement.ROTATED, KeyRetirement.COMPROMISED)
_KEPT = "govshare.node_keys"


def _retire(session: Session, actor: Actor, row: NodeKey, reason: KeyRetirement, note: str, at: datetime) -> None:
    row.valid_to, row.retired_reason, row.retired_note = at, reason, note[:2000]
    audit.record(session, actor, "node.key.retire", object_type="node_key", object_id=row.key_id,
                 details={"suite": row.suite, "reason": reason.value, "note": note[:500]})


def _record(session: Session, actor: Actor, kid: str, suite: str, public_key: bytes, since: datetime) -> NodeKey:
    row = NodeKey(key_id=kid, suite=suite, public_key=base64.b64encode(public_key).decode(), valid_from=since,
                  retired_note="")
    session.add(row)
    audit.record(session, actor, "node.key.record", object_type="node_key", object_id=kid, details={"suite": suite})
    return row


def sync(session: Session, actor: Actor = SYSTEM) -> NodeKey:
    """Record the keys on disk the table lacks and retire all but the one in use; returns it."""
    active = node_keypair()
    active_id = key_id(active.public_key, active.suite)
    recorded = session.scalar(select(NodeKey).where(NodeKey.key_id == active_id))
    if recorded is not None and recorded.valid_to is None:
        return recorded  # the usual case, one indexed read: the history was settled when it was recorded
    known = {row.key_id: row for row in session.scalars(select(NodeKey))}
    for stored in stored_keys():
        kid = key_id(stored.public_key, stored.suite)
        if kid not in known:
            known[kid] = _record(session, actor, kid, stored.suite, stored.public_key, stored.created_at)
    current = known[active_id]
    if current.retired_reason == KeyRetirement.COMPROMISED:
        raise Conflict(f"the node's {current.suite} key {active_id} was retired as compromised: rotate it",
                       f"本节点 {current.suite} 密钥 {active_id} 已因泄露停用，请轮换密钥")
    if current.valid_to is not None:  # switched back to a suite used before: its key is in use again
        current.valid_to, current.retired_reason = None, None
        current.retired_note = (current.retired_note + f" in use again from {utcnow():%Y-%m-%d}").strip()
    now = utcnow()
    for row in known.values():
        if row.key_id != active_id and row.valid_to is None:
            switched = row.suite != current.suite
            reason = KeyRetirement.SUITE_SWITCH if switched else KeyRetirement.REPLACED
            note = f"{row.suite} -> {current.suite}" if switched else f"replaced by {active_id} outside govshare"
            _retire(session, actor, row, reason, note, now)
    session.flush()
    return current


def rotate(session: Session, actor: Actor, reason: KeyRetirement = KeyRetirement.ROTATED, note: str = "") -> NodeKey:
    """A new key pair for the suite in use; the old one retired with the reason. A key retired as
    compromised no longer verifies anything; a rotated one keeps verifying what it signed."""
    if reason not in ROTATION_REASONS:
        raise InvalidInput(f"a rotation's reason is one of {', '.join(r.value for r in ROTATION_REASONS)}",
                           "轮换原因应为 rotated（定期轮换）或 compromised（泄露）", field="reason")
    old_row = sync(session, actor)
    old, new = rotate_keypair()
    assert key_id(old.public_key, old.suite) == old_row.key_id
    now = utcnow()
    _retire(session, actor, old_row, reason, note, now)
    new_row = _record(session, actor, key_id(new.public_key, new.suite), new.suite, new.public_key, now)
    audit.record(session, actor, "node.key.rotate", object_type="node_key", object_id=new_row.key_id,
                 details={"suite": new.suite, "old": old_row.key_id, "reason": reason.value})
    session.flush()
    return new_row


def history(session: Session, actor: Actor = SYSTEM) -> list[NodeKey]:
    sync(session, actor)
    return list(session.scalars(select(NodeKey).order_by(NodeKey.valid_from, NodeKey.id)))


def find(session: Session, kid: str) -> NodeKey | None:
    """The key with this id, looking on disk once when the table does not know it yet. Kept on
    the session: verifying a batch of certificates reads each key once (a rotation in the same
    session changes the same row object, so the kept one is never stale)."""
    kept = session.info.setdefault(_KEPT, {})
    if kid in kept:
        return kept[kid]
    row = session.scalar(select(NodeKey).where(NodeKey.key_id == kid))
    if row is None:
        sync(session)
        row = session.scalar(select(NodeKey).where(NodeKey.key_id == kid))
    if row is not None:
        kept[kid] = row
    return row


def public_key(row: NodeKey) -> bytes:
    return base64.b64decode(row.public_key)


def unusable(row: NodeKey | None, suite: str) -> tuple[str, str] | None:
    """Why a signature claiming this key cannot be checked with it (en, zh), or None."""
    if row is None:
        return "signed with a key this node has no record of", "签名密钥不在本节点的密钥记录中"
    if row.suite != suite:
        return (f"the key {row.key_id} is a {row.suite} key, not {suite}",
                f"密钥 {row.key_id} 属于 {row.suite} 算法套件，而非 {suite}")
    if row.retired_reason == KeyRetirement.COMPROMISED:
        when = row.valid_to.date().isoformat() if row.valid_to else "?"
        return (f"signed with a key retired as compromised on {when}",
                f"签名密钥已于 {when} 因泄露停用")
    return None


def check_receipt(session: Session, receipt: Receipt, content: bytes | None = None) -> ReceiptCheck:
    """A receipt of this node, checked with the key its key id names (any key of the history)."""
    row = find(session, receipt.key_id)
    problem = unusable(row, receipt.suite)
    if problem is not None or row is None:
        return ReceiptCheck(False, problem[0] if problem else "unknown key")
    return verify_receipt(receipt, public_key(row), content)


def key_out(row: NodeKey) -> dict[str, Any]:
    return {
        "key_id": row.key_id,
        "suite": row.suite,
        "public_key": row.public_key,
        "valid_from": row.valid_from.isoformat(),
        "valid_to": row.valid_to.isoformat() if row.valid_to else None,
        "in_use": row.valid_to is None,
        "retired_reason": row.retired_reason.value if row.retired_reason else None,
        "retired_note": row.retired_note,
    }
