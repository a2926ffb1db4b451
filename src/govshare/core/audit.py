"""The tamper-evident audit chain (等保 2.0 安全审计).

Every state change and every data access adds one AuditRecord in the same transaction as the
change: service code calls `record(session, ...)`, and the record is sealed into the chain
just before the transaction commits. Sealing locks the single `audit_head` row, so concurrent
writers queue for a moment at commit instead of forking the chain, and a rolled-back change
leaves no record behind.

Each record's hash covers its own fields and the previous record's hash, so an edited,
deleted or reordered record breaks the chain from that point; `audit_head` keeps the last
sequence number and hash so that removing the newest records is caught too.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Index, Integer, String, Text, event, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, Session, mapped_column

from govshare.core.db import Base, UTCDateTime, utcnow
from govshare.core.masking import mask_structure

GENESIS = "0" * 64
PENDING_KEY = "govshare.audit.pending"


class AuditRecord(Base):
    __tablename__ = "audit_record"

    seq: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=False
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    actor: Mapped[str] = mapped_column(String(200), nullable=False)
    actor_user_id: Mapped[int | None] = mapped_column(Integer)
    department_id: Mapped[int | None] = mapped_column(Integer)
    client_id: Mapped[int | None] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(100), nullable=False)
    object_type: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    object_id: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    outcome: Mapped[str] = mapped_column(String(20), nullable=False)
    purpose: Mapped[str | None] = mapped_column(String(500))
    source_ip: Mapped[str | None] = mapped_column(String(64))
    details: Mapped[str] = mapped_column(Text, nullable=False, default="{}")
    alg: Mapped[str] = mapped_column(String(10), nullable=False)
    prev_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    hash: Mapped[str] = mapped_column(String(64), nullable=False)

    __table_args__ = (
        Index("ix_audit_record_at", "at"),
        Index("ix_audit_record_action", "action"),
        Index("ix_audit_record_actor_user_id", "actor_user_id"),
        Index("ix_audit_record_department_id", "department_id"),
    )


class AuditHead(Base):
    """One row: the newest sealed record. Locked while sealing; checked by verify."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), nullable=False)
    hash: Mapped[str] = mapped_column(String(64), nullable=False)


# --- who did it ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Actor:
    name: str
    user_id: int | None = None
    department_id: int | None = None
    client_id: int | None = None
    source_ip: str | None = None

    @classmethod
    def system(cls, name: str = "system") -> Actor:
        return cls(name=name)


class Outcome:
    SUCCESS = "success"
    DENIED = "denied"
    FAILURE = "failure"


@dataclass
class _Pending:
    actor: Actor
    action: str
    object_type: str
    object_id: str
    outcome: str
    purpose: str | None
    details: dict[str, Any] = field(default_factory=dict)


def record(
    session: Session,
    actor: Actor,
    action: str,
    *,
    object_type: str = "",
    object_id: str | int = "",
    outcome: str = Outcome.SUCCESS,
    purpose: str | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    """Queue one audit record; it is sealed into the chain when `session` commits."""
    session.info.setdefault(PENDING_KEY, []).append(
        _Pending(
            actor=actor,
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            outcome=outcome,
            purpose=purpose,
            details=mask_structure(details or {}),
        )
    )


# --- hashing ------------------------------------------------------------------------------


def _sm3_hex(data: bytes) -> str:
    from govshare.core.crypto import get_suite

    return get_suite("sm").hash(data)


HASHERS = {
    "sha256": lambda data: hashlib.sha256(data).hexdigest(),
    "sm3": _sm3_hex,
}
SUITE_HASH = {"intl": "sha256", "sm": "sm3"}


def _canonical(rec: AuditRecord) -> bytes:
    body = {
        "seq": rec.seq,
        "at": rec.at.isoformat(timespec="microseconds"),
        "actor": rec.actor,
        "actor_user_id": rec.actor_user_id,
        "department_id": rec.department_id,
        "client_id": rec.client_id,
        "action": rec.action,
        "object_type": rec.object_type,
        "object_id": rec.object_id,
        "outcome": rec.outcome,
        "purpose": rec.purpose,
        "source_ip": rec.source_ip,
        "details": rec.details,
        "alg": rec.alg,
        "prev_hash": rec.prev_hash,
    }
    return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def compute_hash(rec: AuditRecord) -> str:
    return HASHERS[rec.alg](_canonical(rec))


def _hash_alg() -> str:
    from govshare.core.config import get_settings

    return SUITE_HASH[get_settings().crypto_suite.value]


def _lock_head(session: Session) -> AuditHead:
    locked = select(AuditHead).where(AuditHead.id == 1).with_for_update()
    head = session.execute(locked).scalar_one_or_none()
    if head is None:
        # First record ever: several writers may race to create the head row.
        dialect = session.get_bind().dialect.name
        insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
        session.execute(insert(AuditHead).values(id=1, seq=0, hash=GENESIS).on_conflict_do_nothing())
        head = session.execute(locked).scalar_one()
    return head


def seal(session: Session) -> int:
    """Chain every queued record of this transaction. Returns how many were sealed."""
    pending: list[_Pending] = session.info.pop(PENDING_KEY, [])
    if not pending:
        return 0
    head = _lock_head(session)
    alg = _hash_alg()
    seq, prev = head.seq, head.hash
    # Stamped at sealing, under the head lock, so `at` never decreases along the chain.
    sealed_at = utcnow()
    for item in pending:
        seq += 1
        rec = AuditRecord(
            seq=seq,
            at=sealed_at,
            actor=item.actor.name,
            actor_user_id=item.actor.user_id,
            department_id=item.actor.department_id,
            client_id=item.actor.client_id,
            action=item.action,
            object_type=item.object_type,
            object_id=item.object_id,
            outcome=item.outcome,
            purpose=item.purpose,
            source_ip=item.actor.source_ip,
            details=json.dumps(item.details, ensure_ascii=False, sort_keys=True, default=str),
            alg=alg,
            prev_hash=prev,
        )
        rec.hash = compute_hash(rec)
        prev = rec.hash
        session.add(rec)
    head.seq, head.hash = seq, prev
    session.flush()
    return len(pending)


@event.listens_for(Session, "before_commit")
def _seal_before_commit(session: Session) -> None:
    if session.info.get(PENDING_KEY):
        seal(session)


@event.listens_for(Session, "after_rollback")
def _drop_on_rollback(session: Session) -> None:
    session.info.pop(PENDING_KEY, None)


# --- verification -------------------------------------------------------------------------


@dataclass
class ChainReport:
    ok: bool
    checked: int
    head_seq: int
    first_broken_seq: int | None = None
    reason: str | None = None
    reason_zh: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "checked": self.checked,
            "head_seq": self.head_seq,
            "first_broken_seq": self.first_broken_seq,
            "reason": self.reason,
            "reason_zh": self.reason_zh,
        }


def iter_records(session: Session, batch: int = 5000) -> Iterator[AuditRecord]:
    last = 0
    while True:
        rows = session.scalars(
            select(AuditRecord).where(AuditRecord.seq > last).order_by(AuditRecord.seq).limit(batch)
        ).all()
        if not rows:
            return
        yield from rows
        last = rows[-1].seq
        session.expunge_all()


def verify_chain(session: Session, progress: Any = None) -> ChainReport:
    """Walks the whole chain; names the first record that does not fit."""
    head = session.get(AuditHead, 1)
    head_seq, head_hash = (head.seq, head.hash) if head else (0, GENESIS)
    expected_seq, prev, checked = 1, GENESIS, 0
    for rec in iter_records(session):
        broken = _first_fault(rec, expected_seq, prev)
        if broken:
            return ChainReport(False, checked, head_seq, broken[0], broken[1], broken[2])
        prev, expected_seq, checked = rec.hash, rec.seq + 1, checked + 1
        if progress is not None:
            progress(checked)
    if expected_seq - 1 != head_seq or prev != head_hash:
        return ChainReport(
            False,
            checked,
            head_seq,
            expected_seq,
            f"records after #{expected_seq - 1} are missing: the head says #{head_seq}",
            f"第 {expected_seq - 1} 条之后的记录缺失：链头为第 {head_seq} 条",
        )
    return ChainReport(True, checked, head_seq)


def _first_fault(rec: AuditRecord, expected_seq: int, prev: str) -> tuple[int, str, str] | None:
    if rec.seq != expected_seq:
        return (
            expected_seq,
            f"record #{expected_seq} is missing (next present is #{rec.seq})",
            f"第 {expected_seq} 条记录缺失（其后为第 {rec.seq} 条）",
        )
    if rec.prev_hash != prev:
        return (
            rec.seq,
            f"record #{rec.seq} does not link to the record before it (reordered or replaced)",
            f"第 {rec.seq} 条记录与前一条不衔接（顺序被调换或被替换）",
        )
    if rec.alg not in HASHERS or compute_hash(rec) != rec.hash:
        return (
            rec.seq,
            f"record #{rec.seq} was altered: its content no longer matches its hash",
            f"第 {rec.seq} 条记录被篡改：内容与哈希不符",
        )
    return None
