"""The audit chain: every change recorded in its own transaction, tampering detected."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import event, func, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from govshare.core import audit
from govshare.core.audit import Actor, AuditRecord, verify_chain
from govshare.core.db import Database

ACTOR = Actor(name="tester", user_id=1, department_id=1, source_ip="127.0.0.1")


def _write(db: Database, n: int, prefix: str = "test") -> None:
    for i in range(n):
        with db.session() as session:
            audit.record(session, ACTOR, f"{prefix}.write", object_type="thing", object_id=i)


def _count(db: Database) -> int:
    with db.session() as session:
        return session.scalar(select(func.count()).select_from(AuditRecord)) or 0


def _concurrently(*calls: Callable[[], object]) -> list[object]:
    """Runs each call in its own thread, all at once; their results, or the first error."""
    results: list[object] = []
    errors: list[BaseException] = []

    def run(call: Callable[[], object]) -> None:
        try:
            results.append(call())
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    return results


def _writers(db: Database, writers: int, writes: int, prefix: str) -> list[Callable[[], object]]:
    return [partial(_write, db, writes, prefix=f"{prefix}{n}") for n in range(writers)]


def _tamper(db: Database, sql: str) -> None:
    """What a DBA with direct access could do: drop the protection, then edit."""
    with db.engine.begin() as conn:
        if db.backend == "sqlite":
            conn.exec_driver_sql("DROP TRIGGER audit_record_no_update")
            conn.exec_driver_sql("DROP TRIGGER audit_record_no_delete")
        else:
            conn.exec_driver_sql("ALTER TABLE audit_record DISABLE TRIGGER audit_record_append_only")
        conn.exec_driver_sql(sql)


def _leave_unsealed(db: Database, n: int, prefix: str) -> None:
    """Writes `n` records for a sealer that has not run yet: as PostgreSQL writers do between
    two rounds of the background sealer, and as SQLite writers did before they chained their
    own records (a backlog left by an earlier version)."""
    db.sealer = audit.BackgroundSealer(db)  # attached, never started
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(audit, "chains_at_commit", lambda dialect: False)
            _write(db, n, prefix=prefix)
    finally:
        db.sealer = None


def _assert_one_chain(db: Database, expected_records: int) -> None:
    with db.session() as session:
        report = verify_chain(session)
        seqs = session.scalars(select(AuditRecord.seq).order_by(AuditRecord.seq)).all()
        prevs = session.scalars(select(AuditRecord.prev_hash)).all()
    assert report.ok and report.pending == 0, report
    assert report.checked == expected_records == len(seqs)
    assert seqs == list(range(1, len(seqs) + 1))  # no gap, no repeat
    assert len(set(prevs)) == len(prevs)  # no two records claim the same predecessor


def _ids_in_seq_order(db: Database) -> list[int]:
    with db.session() as session:
        return list(session.scalars(select(AuditRecord.id).order_by(AuditRecord.seq)).all())


def test_records_are_chained_and_verify(db: Database) -> None:
    _write(db, 5)
    with db.session() as session:
        report = verify_chain(session)
    assert report.ok, report
    assert report.checked == _count(db)


def test_rolled_back_change_leaves_no_record(db: Database) -> None:
    before = _count(db)
    with pytest.raises(RuntimeError), db.session() as session:
        audit.record(session, ACTOR, "test.doomed")
        raise RuntimeError("the change fails")
    assert _count(db) == before


def test_personal_data_in_details_is_masked(db: Database) -> None:
    with db.session() as session:
        audit.record(session, ACTOR, "test.pii", details={"id": "11010519491231002X", "phone": "13812345678"})
    with db.session() as session:
        rec = session.scalars(select(AuditRecord).where(AuditRecord.action == "test.pii")).one()
    assert "11010519491231002X" not in rec.details and "13812345678" not in rec.details
    assert "110105********002X" in rec.details and "138****5678" in rec.details


def test_database_refuses_update_and_delete(db: Database) -> None:
    _write(db, 1)
    for statement in ("UPDATE audit_record SET actor = 'mallory'", "DELETE FROM audit_record"):
        with pytest.raises((IntegrityError, DBAPIError)), db.engine.begin() as conn:
            conn.exec_driver_sql(statement)


@pytest.mark.parametrize(
    ("sql", "expect_seq", "words"),
    [
        ("UPDATE audit_record SET actor = 'mallory' WHERE seq = {target}", "target", "altered"),
        ("DELETE FROM audit_record WHERE seq = {target}", "target", "missing"),
        ("UPDATE audit_record SET details = '{{}}', hash = 'x' WHERE seq = {target}", "target", "altered"),
        ("DELETE FROM audit_record WHERE seq = {last}", "last", "missing"),
    ],
)
def test_tampering_is_detected_and_named(db: Database, sql: str, expect_seq: str, words: str) -> None:
    _write(db, 6)
    with db.session() as session:
        last = session.scalar(select(func.max(AuditRecord.seq)))
    target = last - 3
    _tamper(db, sql.format(target=target, last=last))
    with db.session() as session:
        report = verify_chain(session)
    assert not report.ok
    assert report.first_broken_seq == (target if expect_seq == "target" else last)
    assert words in report.reason


def test_swapped_records_are_detected(db: Database) -> None:
    _write(db, 4)
    with db.session() as session:
        last = session.scalar(select(func.max(AuditRecord.seq)))
    a, b = last - 2, last - 1
    _tamper(db, f"UPDATE audit_record SET seq = -1 WHERE seq = {a}")
    with db.engine.begin() as conn:
        conn.exec_driver_sql(f"UPDATE audit_record SET seq = {a} WHERE seq = {b}")
        conn.exec_driver_sql(f"UPDATE audit_record SET seq = {b} WHERE seq = -1")
    with db.session() as session:
        report = verify_chain(session)
    assert not report.ok and report.first_broken_seq == a


def test_concurrent_writers_never_fork_the_chain(db: Database) -> None:
    before = _count(db)
    _concurrently(*_writers(db, 8, 15, prefix="w"))
    _assert_one_chain(db, before + 8 * 15)


def test_sm_suite_chains_with_sm3(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    from govshare.core.config import reset_settings_cache

    monkeypatch.setenv("GOVSHARE_CRYPTO_SUITE", "sm")
    reset_settings_cache()
    _write(db, 3)
    with db.session() as session:
        algs = session.scalars(select(AuditRecord.alg).order_by(AuditRecord.seq.desc()).limit(3)).all()
        assert algs == ["sm3", "sm3", "sm3"]
        assert verify_chain(session).ok
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM audit_head")).scalar() == 1


def test_background_sealer_chains_what_commits_queue(db: Database) -> None:
    sealer = audit.BackgroundSealer(db, interval=0.05)
    db.sealer = sealer
    sealer.start()
    try:
        _write(db, 20, prefix="bg")
    finally:
        db.sealer = None
        sealer.stop()  # seals the rest before returning
    with db.session() as session:
        report = verify_chain(session)
    assert report.ok and report.pending == 0
    assert report.checked == _count(db)


def test_unsealed_records_are_reported_as_pending(db: Database) -> None:
    _leave_unsealed(db, 3, prefix="waiting")
    with db.session() as session:
        report = verify_chain(session)
    assert report.ok and report.pending == 3
    audit.seal_pending(db)
    with db.session() as session:
        assert verify_chain(session).pending == 0


def test_sealing_is_the_only_update_allowed(db: Database) -> None:
    _leave_unsealed(db, 1, prefix="unsealed")
    # Even before sealing, the content of a record cannot be changed.
    with pytest.raises((IntegrityError, DBAPIError)), db.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE audit_record SET actor = 'mallory' WHERE seq IS NULL")
    assert audit.seal_pending(db) == 1


def test_a_backlog_is_sealed_in_several_batches_in_order(db: Database) -> None:
    before = _count(db)
    _leave_unsealed(db, 7, prefix="backlog")
    assert audit.seal_pending(db, batch=3) == 7  # batches of 3, 3 and 1
    _assert_one_chain(db, before + 7)
    ids = _ids_in_seq_order(db)
    assert ids == sorted(ids)  # committed one after another: chained in insertion order


def test_batches_continue_the_chain_across_seals(db: Database) -> None:
    _write(db, 2, prefix="first")
    _leave_unsealed(db, 4, prefix="second")
    assert audit.seal_pending(db, batch=2) == 4
    _leave_unsealed(db, 1, prefix="third")
    assert audit.seal_pending(db) == 1
    _assert_one_chain(db, _count(db))


def test_racing_sealers_seal_each_record_once(db: Database) -> None:
    before = _count(db)
    _leave_unsealed(db, 30, prefix="race")
    sealed = _concurrently(*[partial(audit.seal_pending, db, batch=4)] * 4)
    assert sum(sealed) == 30  # type: ignore[arg-type]
    _assert_one_chain(db, before + 30)


def test_concurrent_writers_and_background_sealers_never_fork_the_chain(db: Database) -> None:
    """As in the web app with two workers: commits wake one sealer, the other seals on its
    timer, while eight writers commit."""
    before = _count(db)
    woken, timed = audit.BackgroundSealer(db, interval=0.05), audit.BackgroundSealer(db, interval=0.02, gather=0)
    db.sealer = woken
    woken.start()
    timed.start()
    try:
        _concurrently(*_writers(db, 8, 15, prefix="bgw"))
    finally:
        db.sealer = None
        woken.stop()
        timed.stop()
    _assert_one_chain(db, before + 8 * 15)


def test_writers_and_sealers_racing_over_a_backlog_never_fork_the_chain(db: Database) -> None:
    """Eight writers (on SQLite each chaining its own record and any backlog, on PostgreSQL
    each sealing after its commit) and two sealers, all over records left unsealed."""
    before = _count(db)
    _leave_unsealed(db, 30, prefix="backlog")
    _concurrently(*_writers(db, 8, 10, prefix="rw"), *[partial(audit.seal_pending, db, batch=4)] * 2)
    _assert_one_chain(db, before + 30 + 8 * 10)


def test_sqlite_writers_chain_their_own_records(db: Database) -> None:
    """On SQLite no sealer is needed: records are sealed when their transaction commits. On
    PostgreSQL they wait for the sealer."""
    db.sealer = audit.BackgroundSealer(db)  # attached, never started
    try:
        _write(db, 3, prefix="own")
    finally:
        db.sealer = None
    with db.session() as session:
        report = verify_chain(session)
    assert report.ok
    assert report.pending == (0 if db.backend == "sqlite" else 3)
    audit.seal_pending(db)
    _assert_one_chain(db, _count(db))


def test_a_backlog_is_chained_before_the_next_writers_records(db: Database) -> None:
    before = _count(db)
    _leave_unsealed(db, 3, prefix="backlog")
    _write(db, 2, prefix="next")
    _assert_one_chain(db, before + 5)
    ids = _ids_in_seq_order(db)
    assert ids == sorted(ids)  # the chain keeps commit order


def test_a_failed_commit_leaves_neither_record_nor_moved_head(db: Database) -> None:
    _write(db, 2, prefix="before")
    before = _count(db)
    with pytest.raises(IntegrityError), db.session() as session:
        audit.record(session, ACTOR, "test.doomed")
        # The change fails when it is flushed at commit (on SQLite before its record is written).
        session.add(audit.AuditHead(id=1, seq=0, hash=audit.GENESIS))
    assert _count(db) == before
    _write(db, 1, prefix="after")
    _assert_one_chain(db, before + 1)


def test_a_commit_failing_after_the_records_were_written_moves_no_head(db: Database) -> None:
    _write(db, 2, prefix="before")
    before = _count(db)

    def refuse(session: Session) -> None:  # registered after the audit's hook, so runs after it
        if session.info.get("doomed"):
            # Written (and, on SQLite, chained) in this transaction; then the commit fails.
            assert session.scalar(select(func.count()).select_from(AuditRecord)) == before + 1
            raise RuntimeError("commit refused")

    event.listen(Session, "before_commit", refuse)
    try:
        with pytest.raises(RuntimeError), db.session() as session:
            session.info["doomed"] = True
            audit.record(session, ACTOR, "test.doomed")
    finally:
        event.remove(Session, "before_commit", refuse)
    assert _count(db) == before
    _write(db, 1, prefix="after")
    _assert_one_chain(db, before + 1)


def test_sealed_records_cannot_be_sealed_again(db: Database) -> None:
    _write(db, 2, prefix="sealed")
    for statement in (
        "UPDATE audit_record SET hash = 'x' WHERE seq = 1",
        "UPDATE audit_record SET seq = seq + 1000 WHERE seq = 1",
        "UPDATE audit_record SET prev_hash = NULL, hash = NULL, seq = NULL, alg = NULL WHERE seq = 2",
    ):
        with pytest.raises((IntegrityError, DBAPIError)), db.engine.begin() as conn:
            conn.exec_driver_sql(statement)
    _assert_one_chain(db, _count(db))


def test_sm3_and_sha256_records_share_one_chain(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    """A node that switches suite keeps one chain: each record names its own algorithm."""
    from govshare.core.config import reset_settings_cache

    _leave_unsealed(db, 2, prefix="intl")
    audit.seal_pending(db)
    _write(db, 1, prefix="intl")  # on SQLite chained by its writer
    monkeypatch.setenv("GOVSHARE_CRYPTO_SUITE", "sm")
    reset_settings_cache()
    _leave_unsealed(db, 3, prefix="sm")
    audit.seal_pending(db, batch=2)
    _write(db, 1, prefix="sm")
    monkeypatch.setenv("GOVSHARE_CRYPTO_SUITE", "intl")
    reset_settings_cache()
    _write(db, 1, prefix="intl")
    with db.session() as session:
        algs = session.scalars(select(AuditRecord.alg).order_by(AuditRecord.seq)).all()
    assert algs[-8:] == ["sha256"] * 3 + ["sm3"] * 4 + ["sha256"]
    _assert_one_chain(db, _count(db))


def test_seal_batch_joins_the_callers_transaction(db: Database) -> None:
    before = _count(db)
    _leave_unsealed(db, 3, prefix="joined")
    with db.session() as session:
        assert audit.seal_batch(session, limit=2) == 2
        if db.backend == "postgresql":  # only a transaction that just seals commits lazily
            assert session.scalar(text("SHOW synchronous_commit")) == "on"
        session.rollback()  # the caller decides: nothing was sealed
    with db.session() as session:
        assert verify_chain(session).pending == 3
        assert audit.seal_batch(session) == 3
    _assert_one_chain(db, before + 3)


def test_the_chain_format_does_not_change() -> None:
    """Records sealed by any earlier version must still verify: the canonical form and both
    hashes of a fixed record are pinned."""
    fields = {"id": 7, "at": datetime(2026, 3, 1, 8, 30, 15, 123456, tzinfo=UTC), "actor": "张三",
              "actor_user_id": 3, "department_id": 2, "client_id": None, "action": "access.grant",
              "object_type": "grant", "object_id": "42", "outcome": "success", "purpose": "低保资格核查",
              "source_ip": "10.0.0.8", "details": '{"items":["姓名","身份证号"]}', "seq": 5, "alg": "sha256",
              "prev_hash": "ab" * 32}
    assert audit.compute_hash(fields) == "10f498294610940cd28bb904d046377217a6695b41a8e6a915687d9069f9d311"
    assert audit.compute_hash({**fields, "alg": "sm3"}) == (
        "dd052deffe27564fdd7463a167b6ab0b43b3bba224435355dcdead6a92616c28")


# What a record holds (text of any characters, whole numbers, None) and types it never does,
# which the encoder still writes its own way (a bool is an int; a float; a list).
_ANY_VALUE = st.one_of(st.none(), st.text(), st.integers(), st.booleans(), st.floats(), st.lists(st.text(), max_size=3))


@settings(max_examples=300, deadline=None)
@given(st.fixed_dictionaries({name: _ANY_VALUE for name in audit.CHAINED_COLUMNS if name != "at"}),
       st.datetimes(timezones=st.just(UTC)))
def test_the_canonical_form_is_the_json_encoders_output(fields: dict[str, object], at: datetime) -> None:
    """The canonical form is written value by value, without building the object for the
    JSON encoder; whatever the values, its bytes must be the encoder's."""
    body = {**fields, "at": at.isoformat(timespec="microseconds")}
    expected = json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
    assert audit._canonical({**fields, "at": at}) == expected
