"""The audit chain: every change recorded in its own transaction, tampering detected."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError

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


def _tamper(db: Database, sql: str) -> None:
    """What a DBA with direct access could do: drop the protection, then edit."""
    with db.engine.begin() as conn:
        if db.backend == "sqlite":
            conn.exec_driver_sql("DROP TRIGGER audit_record_no_update")
            conn.exec_driver_sql("DROP TRIGGER audit_record_no_delete")
        else:
            conn.exec_driver_sql("ALTER TABLE audit_record DISABLE TRIGGER audit_record_append_only")
        conn.exec_driver_sql(sql)


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
    errors: list[BaseException] = []

    def worker(n: int) -> None:
        try:
            _write(db, 15, prefix=f"w{n}")
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert _count(db) == before + 8 * 15
    with db.session() as session:
        report = verify_chain(session)
        seqs = session.scalars(select(AuditRecord.seq).order_by(AuditRecord.seq)).all()
        prevs = session.scalars(select(AuditRecord.prev_hash)).all()
    assert report.ok, report
    assert seqs == list(range(1, len(seqs) + 1))
    assert len(set(prevs)) == len(prevs)  # no two records claim the same predecessor


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
    db.sealer = audit.BackgroundSealer(db)  # attached but never started: nothing seals
    try:
        _write(db, 3, prefix="waiting")
        with db.session() as session:
            report = verify_chain(session)
        assert report.ok and report.pending == 3
    finally:
        db.sealer = None
    audit.seal_pending(db)
    with db.session() as session:
        assert verify_chain(session).pending == 0


def test_sealing_is_the_only_update_allowed(db: Database) -> None:
    db.sealer = audit.BackgroundSealer(db)
    try:
        _write(db, 1, prefix="unsealed")
    finally:
        db.sealer = None
    # Even before sealing, the content of a record cannot be changed.
    with pytest.raises((IntegrityError, DBAPIError)), db.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE audit_record SET actor = 'mallory' WHERE seq IS NULL")
    assert audit.seal_pending(db) == 1
