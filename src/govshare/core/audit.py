"""The tamper-evident audit chain (等保 2.0 安全审计).

Service code calls `record(session, ...)`; the record is written in the same transaction as
the change it describes (at commit), so a change and its record commit or roll back together.
Each record gets its place in the chain (`seq`) and a hash over its content and the previous
record's hash, in commit order, and the chain never forks. Where that happens depends on
the database (`chains_at_commit`):

- **SQLite: in the writer's transaction.** The writer already holds the database's only write
  lock, so it reads the head, hashes and inserts its records sealed, and moves the head, at no
  cost in contention. No sealer is needed.
- **PostgreSQL: sealed after commit.** Writers run side by side and insert their records
  unsealed, taking no lock; `seal_pending(db)` then chains the records nobody has chained yet,
  in insertion order, under a lock on the single `audit_head` row. Sealing runs right after
  each audited commit (`inline`, the default for the CLI and scripts) or in a background
  thread that batches many commits (`background`, used by the web app).

An edited, deleted or reordered sealed record breaks the chain from that point, and
`audit_head` keeps the last sequence number and hash so removing the newest records is
caught too. Database triggers forbid deleting records and changing them once sealed; the
only update ever allowed is sealing itself. Records are unsealed for at most a sealing
interval; `verify_chain` reports them as pending rather than passing over them silently.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from sqlalchemy import BigInteger, Index, Integer, String, Text, bindparam, event, func, select, text
from sqlalchemy.orm import Mapped, Session, mapped_column

from govshare.core.config import get_settings
from govshare.core.db import Base, UTCDateTime, utcnow
from govshare.core.masking import mask_structure

if TYPE_CHECKING:
    from govshare.core.db import Database

GENESIS = "0" * 64
PENDING_KEY = "govshare.audit.pending"
WROTE_KEY = "govshare.audit.wrote"
BIG_ID = BigInteger().with_variant(Integer, "sqlite")

log = logging.getLogger("govshare.audit")
_DETAILS_JSON = json.JSONEncoder(ensure_ascii=False, sort_keys=True, default=str).encode  # see _CANONICAL_JSON


class AuditRecord(Base):
    __tablename__ = "audit_record"

    id: Mapped[int] = mapped_column(BIG_ID, primary_key=True, autoincrement=True)
    seq: Mapped[int | None] = mapped_column(BIG_ID, unique=True)  # place in the chain, once sealed
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
    alg: Mapped[str | None] = mapped_column(String(10))
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    hash: Mapped[str | None] = mapped_column(String(64))

    # Few indexes on purpose: every one is written by every audited transaction, while the
    # log is searched rarely and always within a time range (bench/audit_chain.py).
    __table_args__ = (
        Index("ix_audit_record_at", "at"),
        # Only the few not yet sealed: the sealer's work list stays small and fast.
        Index("ix_audit_record_unsealed", "id", sqlite_where=text("seq IS NULL"),
              postgresql_where=text("seq IS NULL")),
    )


class AuditHead(Base):
    """One row: the newest sealed record. Locked while sealing; checked by verify."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(BIG_ID, nullable=False)
    hash: Mapped[str] = mapped_column(String(64), nullable=False)


_HEAD = AuditHead.__table__
_RECORD = AuditRecord.__table__
CONTENT_COLUMNS = (
    "id", "at", "actor", "actor_user_id", "department_id", "client_id", "action", "object_type",
    "object_id", "outcome", "purpose", "source_ip", "details",
)
CHAINED_COLUMNS = (*CONTENT_COLUMNS, "seq", "alg", "prev_hash")
INSERT_COLUMNS = CONTENT_COLUMNS[1:]  # the database gives the id
SEALED_COLUMNS = (*CHAINED_COLUMNS, "hash")  # a record chained at commit
SEAL_BATCH = 5000


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
    at: datetime = field(default_factory=utcnow)

    def values(self) -> tuple[Any, ...]:
        """The record's content in INSERT_COLUMNS order, before the driver's conversions."""
        actor = self.actor
        return (
            self.at, actor.name, actor.user_id, actor.department_id, actor.client_id, self.action,
            self.object_type, self.object_id, self.outcome, self.purpose, actor.source_ip,
            _DETAILS_JSON(self.details) if self.details else "{}",  # most records have none
        )


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
    """Queue one audit record; it is written when `session` commits, with the change."""
    session.info.setdefault(PENDING_KEY, []).append(
        _Pending(
            actor=actor,
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            outcome=outcome,
            purpose=purpose,
            details=mask_structure(details) if details else {},
        )
    )


def chains_at_commit(dialect: Any) -> bool:
    """Whether writers chain their own records before they commit, instead of a sealer after.

    On SQLite a writer holds the database's only write lock for its whole transaction
    (`BEGIN IMMEDIATE`, core/db.py), so reading the head, hashing and inserting the record
    sealed there cannot fork and makes nobody wait who would not wait anyway; a sealer would
    be one more contender for that lock. On PostgreSQL writers run side by side: chaining in
    their transactions would queue them all on the head row, so a sealer chains after commit.
    (A SQLite transaction opened without the lock cannot fork either: SQLite refuses its first
    write with "database is locked" if another writer committed since it read the head.)"""
    return dialect.name == "sqlite"


@event.listens_for(Session, "before_commit")
def _write_before_commit(session: Session) -> None:
    if not session.info.get(PENDING_KEY):
        return
    at_commit = chains_at_commit(session.get_bind().dialect)
    if at_commit:
        # The change is flushed first, as commit would right after this hook: on SQLite the
        # transaction's first statement takes the write lock (BEGIN IMMEDIATE), and a flush
        # after the records did all its ORM work holding it while other writers waited (eight
        # writers in bench/audit_chain.py). Records queued during the flush are written too.
        session.flush()
    pending: list[_Pending] = session.info.pop(PENDING_KEY, [])
    connection = session.connection()
    if at_commit:
        _chain_at_commit(connection, pending)
    else:
        _insert_records(connection, pending)
        session.info[WROTE_KEY] = True


@dataclass(frozen=True)
class _RawInsert:
    """A record INSERT for one dialect, positional, with the bind conversions it needs
    (only `at` has one on either driver, but the column types decide, not this code)."""

    sql: str
    converters: tuple[tuple[int, Any], ...]  # (position, conversion) where there is one

    @classmethod
    def for_dialect(cls, dialect: Any, columns: tuple[str, ...]) -> _RawInsert:
        mark = "%s" if dialect.name == "postgresql" else "?"
        marks = ", ".join([mark] * len(columns))
        sql = f"INSERT INTO audit_record ({', '.join(columns)}) VALUES ({marks})"
        converters = tuple(
            (position, conv) for position, name in enumerate(columns)
            if (conv := _RECORD.c[name].type.dialect_impl(dialect).bind_processor(dialect)) is not None
        )
        return cls(sql, converters)

    def params(self, values: tuple[Any, ...]) -> tuple[Any, ...]:
        if not self.converters:
            return values
        converted = list(values)
        for position, conv in self.converters:
            converted[position] = conv(converted[position])
        return tuple(converted)

    def run(self, cursor: Any, rows: list[tuple[Any, ...]]) -> None:
        if len(rows) == 1:  # the usual case; executemany would set up a pipeline for one row
            cursor.execute(self.sql, self.params(rows[0]))
        else:
            cursor.executemany(self.sql, [self.params(row) for row in rows])


_RAW_INSERTS: dict[tuple[str, tuple[str, ...]], _RawInsert] = {}


def _raw_insert(dialect: Any, columns: tuple[str, ...]) -> _RawInsert:
    found = _RAW_INSERTS.get((dialect.name, columns))
    if found is None:
        found = _RAW_INSERTS[dialect.name, columns] = _RawInsert.for_dialect(dialect, columns)
    return found


def _insert_records(connection: Any, pending: list[_Pending]) -> None:
    """Inserts unsealed records on the transaction's DB-API connection. This runs in every
    audited transaction; going through the driver directly keeps it to a few microseconds
    instead of a full SQLAlchemy execution (measured in bench/audit_chain.py)."""
    insert = _raw_insert(connection.dialect, INSERT_COLUMNS)
    cursor = connection.connection.dbapi_connection.cursor()
    try:
        insert.run(cursor, [item.values() for item in pending])
    finally:
        cursor.close()


def _chain_at_commit(connection: Any, pending: list[_Pending]) -> None:
    """Inserts the records already chained, and moves the head, in the writer's transaction,
    which holds the write lock (see `chains_at_commit`). The ids are given here because the
    hash covers them: under the lock the next ids are the database's own next ones."""
    sql = _seal_statements(connection.dialect)
    cursor = connection.connection.dbapi_connection.cursor()
    try:
        seq, prev, last_id = _append_point(cursor, sql)
        alg = _hash_alg()
        contents = [(rid, *item.values()) for rid, item in enumerate(pending, last_id + 1)]
        links = _chain(contents, seq, prev, alg)
        rows = [(*content, s, alg, p, h) for content, (_, s, p, h) in zip(contents, links, strict=True)]
        _raw_insert(connection.dialect, SEALED_COLUMNS).run(cursor, rows)
        cursor.execute(sql.move_head, (links[-1][1], links[-1][3]))
    finally:
        cursor.close()


def _append_point(cursor: Any, sql: _SealStatements) -> tuple[int, str, int]:
    """(last sequence number, last hash, last record id) for a writer that holds the lock.
    Records an earlier version left unsealed are chained first, so the chain keeps the order
    in which records were committed."""
    while True:
        cursor.execute(sql.append_point)
        row = cursor.fetchone()
        if row is None:  # first record ever
            cursor.execute(sql.create_head, (GENESIS,))
            continue
        seq, prev, last_id, backlog = row
        if not backlog:
            return seq, prev, last_id or 0
        _seal_with(cursor, sql, SEAL_BATCH, own_transaction=False)


def sent_with(session: Session) -> Any:
    """The one record queued on `session`, as an INSERT for a caller to send inside a statement
    of its own (a data-modifying WITH), with its parameters: `(statement, params)`, or None when
    that does not apply (not exactly one record queued, or SQLite, whose writers chain their
    records at commit). Taken, the record is no longer written at commit: a data call sends it
    with its counters, one round trip instead of two (`exchange.calls.finish`). It still commits
    or rolls back with the call, and is sealed after the commit like any other."""
    pending = session.info.get(PENDING_KEY)
    if not pending or len(pending) != 1 or chains_at_commit(session.get_bind().dialect):
        return None
    session.info.pop(PENDING_KEY)
    session.info[WROTE_KEY] = True
    return _bound_insert(), dict(zip(_BOUND_NAMES, pending[0].values(), strict=True))


_BOUND_NAMES = tuple(f"audit_{column}" for column in INSERT_COLUMNS)


@lru_cache(maxsize=1)
def _bound_insert() -> Any:
    return _RECORD.insert().values({column: bindparam(name, type_=_RECORD.c[column].type)
                                    for column, name in zip(INSERT_COLUMNS, _BOUND_NAMES, strict=True)})


@event.listens_for(Session, "after_rollback")
def _drop_on_rollback(session: Session) -> None:
    # WROTE_KEY stays: records committed earlier in this session (a refused log-in commits
    # its record before failing) still need sealing; a needless seal run costs nothing.
    session.info.pop(PENDING_KEY, None)


def wrote_records(session: Session) -> bool:
    """True once after a commit that wrote audit records (so the caller can seal)."""
    return bool(session.info.pop(WROTE_KEY, False))


# --- hashing ------------------------------------------------------------------------------


def _sm3_hex(data: bytes) -> str:
    from govshare.core.crypto import get_suite

    return get_suite("sm").hash(data)


HASHERS = {
    "sha256": lambda data: hashlib.sha256(data).hexdigest(),
    "sm3": _sm3_hex,
}
SUITE_HASH = {"intl": "sha256", "sm": "sm3"}
# One encoder each, made once: json.dumps builds a new encoder on every call with options,
# and these run for every record. Their output is byte for byte that of json.dumps.
_CANONICAL_JSON = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode
# `_canonical_row` writes that encoder's output without it: an object's keys in sorted order
# around its values, each value written as the encoder writes it on its own, by the encoder's
# own function for the types a record holds (any other type, a bool for one, by the encoder).
_CANONICAL_ORDER = sorted(range(len(CHAINED_COLUMNS)), key=CHAINED_COLUMNS.__getitem__)  # sort_keys
_CANONICAL_OBJECT = "{" + ",".join(f'"{CHAINED_COLUMNS[i]}":%s' for i in _CANONICAL_ORDER) + "}"
_AT_POSITION = CHAINED_COLUMNS.index("at")
_JSON_VALUE = {str: json.encoder.encode_basestring, int: int.__repr__, type(None): lambda _: "null"}


def _canonical(fields: Mapping[str, Any]) -> bytes:
    """What a record's hash covers: its content and its place in the chain. The bytes are
    `_CANONICAL_JSON` of the CHAINED_COLUMNS as an object, `at` as an ISO string (pinned in
    tests/core/test_audit_chain.py: records sealed by any version must still verify)."""
    return _canonical_row([fields[name] for name in CHAINED_COLUMNS])


def _canonical_row(values: Sequence[Any]) -> bytes:
    """`_canonical` of a record's values in CHAINED_COLUMNS order. Every record written or
    verified goes through this; the keys and their order never change, so the encoder's
    generic work (a dict built and sorted per record) was most of a record's hashing time."""
    values = list(values)
    values[_AT_POSITION] = values[_AT_POSITION].isoformat(timespec="microseconds")
    encoder = _JSON_VALUE.get
    return (_CANONICAL_OBJECT % tuple([encoder(type(values[i]), _CANONICAL_JSON)(values[i])
                                        for i in _CANONICAL_ORDER])).encode()


def compute_hash(fields: Mapping[str, Any]) -> str:
    return HASHERS[fields["alg"]](_canonical(fields))


def _hash_alg() -> str:
    return SUITE_HASH[get_settings().crypto_suite]


# --- sealing ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _SealStatements:
    """Sealing's statements for one dialect, run on the DB-API cursor. Sealing runs after
    every audited commit; SQLAlchemy's per-statement work was most of its cost, and these
    statements are few, fixed and read back only plain columns (bench/audit_chain.py)."""

    lock_head: str
    lock_head_own: str  # the same, in a transaction that only seals
    create_head: str
    unsealed: str
    chain: str
    move_head: str | None  # None where `chain` moves the head itself
    append_point: str | None  # where writers chain at commit: head, last id, whether any are unsealed
    converters: tuple[Any, ...]  # result conversion of each content column, as the ORM does it

    @classmethod
    def for_dialect(cls, dialect: Any) -> _SealStatements:
        columns = ", ".join(CONTENT_COLUMNS)
        converters = tuple(_RECORD.c[c].type.dialect_impl(dialect).result_processor(dialect, None)
                           for c in CONTENT_COLUMNS)
        unsealed = f"SELECT {columns} FROM audit_record WHERE seq IS NULL ORDER BY id LIMIT {{}}"
        if dialect.name == "postgresql":
            lock_head = "SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE"
            return cls(
                lock_head=lock_head,
                # A transaction that only seals need not wait for the disk at commit: the
                # records it chains are already durable, and a seal lost in a crash is done again.
                lock_head_own=lock_head.replace(
                    "SELECT seq, hash", "SELECT seq, hash, set_config('synchronous_commit', 'off', true)"),
                create_head="INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, %s) ON CONFLICT DO NOTHING",
                unsealed=unsealed.format("%s"),
                # One statement chains the whole batch and moves the head, and only if every
                # record was still unsealed. Its text never changes, so the server prepares it once.
                chain="WITH chained AS ("
                " UPDATE audit_record AS r SET seq = v.seq, alg = %s, prev_hash = v.prev_hash, hash = v.hash"
                " FROM unnest(%s::bigint[], %s::bigint[], %s::text[], %s::text[]) AS v(id, seq, prev_hash, hash)"
                " WHERE r.id = v.id AND r.seq IS NULL RETURNING r.id)"
                " UPDATE audit_head SET seq = %s, hash = %s WHERE id = 1 AND (SELECT count(*) FROM chained) = %s",
                move_head=None,
                append_point=None,
                converters=converters,
            )
        lock_head = "SELECT seq, hash FROM audit_head WHERE id = 1"  # BEGIN IMMEDIATE holds the lock
        return cls(
            lock_head=lock_head,
            lock_head_own=lock_head,
            create_head="INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, ?) ON CONFLICT DO NOTHING",
            unsealed=unsealed.format("?"),
            chain="UPDATE audit_record SET seq = ?, alg = ?, prev_hash = ?, hash = ? WHERE id = ? AND seq IS NULL",
            move_head="UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1",
            append_point="SELECT h.seq, h.hash, (SELECT max(id) FROM audit_record),"
            " EXISTS (SELECT 1 FROM audit_record WHERE seq IS NULL) FROM audit_head AS h WHERE h.id = 1",
            converters=converters,
        )


_SEAL_STATEMENTS: dict[str, _SealStatements] = {}


def _seal_statements(dialect: Any) -> _SealStatements:
    found = _SEAL_STATEMENTS.get(dialect.name)
    if found is None:
        found = _SEAL_STATEMENTS[dialect.name] = _SealStatements.for_dialect(dialect)
    return found


def _lock_head(cursor: Any, sql: _SealStatements, own_transaction: bool) -> tuple[int, str]:
    """(last sequence number, last hash), with the head row locked until commit."""
    lock = sql.lock_head_own if own_transaction else sql.lock_head
    cursor.execute(lock)
    row = cursor.fetchone()
    if row is None:
        # First seal ever: several sealers may race to create the head row.
        cursor.execute(sql.create_head, (GENESIS,))
        cursor.execute(lock)
        row = cursor.fetchone()
    return row[0], row[1]


def _chain(contents: Iterable[tuple[Any, ...]], seq: int, prev: str, alg: str) -> list[tuple[int, int, str, str]]:
    """(id, seq, prev_hash, hash) for each record, given its content in CONTENT_COLUMNS order
    with Python values (as the ORM reads them back), continuing the chain at (seq, prev)."""
    hasher = HASHERS[alg]
    links = []
    for content in contents:
        seq += 1
        digest = hasher(_canonical_row((*content, seq, alg, prev)))
        links.append((content[0], seq, prev, digest))
        prev = digest
    return links


def _seal_with(cursor: Any, sql: _SealStatements, limit: int, own_transaction: bool) -> int:
    """Chains up to `limit` unsealed records in insertion order, on a DB-API cursor in a
    transaction. The head is locked before the unsealed records are read, so that each
    statement sees every record sealed before it got the lock: a combined statement would
    read with a snapshot taken before waiting for the lock, and fork."""
    seq, prev = _lock_head(cursor, sql, own_transaction)
    cursor.execute(sql.unsealed, (limit,))
    rows = cursor.fetchall()
    if not rows:
        return 0
    alg = _hash_alg()
    links = _chain((tuple([conv(value) if conv else value for value, conv in zip(raw, sql.converters, strict=True)])
                    for raw in rows), seq, prev, alg)
    last_seq, last_hash = links[-1][1], links[-1][3]
    if sql.move_head is None:
        ids, seqs, prevs, hashes = (list(column) for column in zip(*links, strict=True))
        cursor.execute(sql.chain, (alg, ids, seqs, prevs, hashes, last_seq, last_hash, len(links)))
        chained = cursor.rowcount == 1
    else:
        cursor.executemany(sql.chain, [(s, alg, p, h, rid) for rid, s, p, h in links])
        chained = cursor.rowcount == len(links)
        cursor.execute(sql.move_head, (last_seq, last_hash))
    if not chained:  # cannot happen under the head lock; refuse rather than fork
        raise RuntimeError("audit records changed while being sealed; nothing was sealed")
    return len(links)


def _seal_on(connection: Any, limit: int, own_transaction: bool) -> int:
    """`_seal_with` on a SQLAlchemy Connection in a transaction."""
    cursor = connection.connection.dbapi_connection.cursor()
    try:
        return _seal_with(cursor, _seal_statements(connection.dialect), limit, own_transaction)
    finally:
        cursor.close()


def seal_batch(session: Session, limit: int = SEAL_BATCH) -> int:
    """Chains up to `limit` unsealed records in insertion order, in `session`'s transaction."""
    return _seal_on(session.connection(), limit, own_transaction=False)


def seal_pending(db: Database, batch: int = SEAL_BATCH) -> int:
    """Seals everything committed so far. Safe to run from any number of processes."""
    total = 0
    with db.engine.connect() as connection:
        while True:
            with connection.begin():
                sealed = _seal_on(connection, batch, own_transaction=True)
            total += sealed
            if sealed < batch:  # a partial batch means nothing was left
                return total


class BackgroundSealer:
    """Seals in batches off the request path: woken by audited commits, and every interval
    in case a commit came from another process."""

    def __init__(self, db: Database, interval: float = 0.2, gather: float | None = None) -> None:
        self.db = db
        self.interval = interval
        # After a wake-up, wait this long for more commits so one seal serves many: a seal's
        # cost is mostly its transaction, not its records. A quarter of the interval keeps
        # records pending well under the interval that operations promise.
        self.gather = interval / 4 if gather is None else gather
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if chains_at_commit(self.db.engine.dialect):
            # Writers chain their own records: a sealer would only contend for the write
            # lock. A backlog an earlier version left is chained here, or by the next writer.
            seal_pending(self.db)
            return
        self._thread = threading.Thread(target=self._run, name="audit-sealer", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
        seal_pending(self.db)  # nothing is left unsealed at shutdown

    def _run(self) -> None:
        while not self._stop.is_set():
            if self._wake.wait(self.interval) and not self._stop.is_set():
                self._stop.wait(self.gather)
            self._wake.clear()
            try:
                seal_pending(self.db)
            except Exception:  # keep sealing on the next round; never kill the thread
                log.exception("audit sealing failed; will retry")


# --- verification -------------------------------------------------------------------------


@dataclass
class ChainReport:
    ok: bool
    checked: int
    head_seq: int
    pending: int = 0
    first_broken_seq: int | None = None
    reason: str | None = None
    reason_zh: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "checked": self.checked,
            "head_seq": self.head_seq,
            "pending": self.pending,
            "first_broken_seq": self.first_broken_seq,
            "reason": self.reason,
            "reason_zh": self.reason_zh,
        }


def iter_sealed(session: Session, batch: int = 5000) -> Iterator[Any]:
    last = 0
    while True:
        rows = session.execute(
            select(_RECORD).where(_RECORD.c.seq > last).order_by(_RECORD.c.seq).limit(batch)
        ).all()
        if not rows:
            return
        yield from rows
        last = rows[-1].seq


def verify_chain(session: Session, progress: Any = None) -> ChainReport:
    """Walks the whole sealed chain; names the first record that does not fit."""
    head = session.execute(select(_HEAD.c.seq, _HEAD.c.hash).where(_HEAD.c.id == 1)).first()
    head_seq, head_hash = (head.seq, head.hash) if head else (0, GENESIS)
    pending = session.scalar(select(func.count()).where(_RECORD.c.seq.is_(None))) or 0
    expected_seq, prev, checked = 1, GENESIS, 0
    for rec in iter_sealed(session):
        broken = _first_fault(rec, expected_seq, prev)
        if broken:
            return ChainReport(False, checked, head_seq, pending, *broken)
        prev, expected_seq, checked = rec.hash, rec.seq + 1, checked + 1
        if progress is not None:
            progress(checked)
    if expected_seq - 1 != head_seq or prev != head_hash:
        return ChainReport(
            False, checked, head_seq, pending, expected_seq,
            f"records after #{expected_seq - 1} are missing: the head says #{head_seq}",
            f"第 {expected_seq - 1} 条之后的记录缺失：链头为第 {head_seq} 条",
        )
    return ChainReport(True, checked, head_seq, pending)


def _first_fault(rec: Any, expected_seq: int, prev: str) -> tuple[int, str, str] | None:
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
    if rec.alg not in HASHERS or compute_hash(rec._mapping) != rec.hash:
        return (
            rec.seq,
            f"record #{rec.seq} was altered: its content no longer matches its hash",
            f"第 {rec.seq} 条记录被篡改：内容与哈希不符",
        )
    return None
