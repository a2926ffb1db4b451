"""Loads: every accepted format and encoding, the quality gate, replace and upsert versions with
their change feed, and a failed load that leaves the previous version served."""

from __future__ import annotations

import json
import time
from pathlib import Path

import polars as pl
import pytest
from fastapi.testclient import TestClient

from govshare.core.db import Database
from govshare.core.errors import AppError
from govshare.exchange import datasets, loading
from govshare.exchange.models import GatePolicy, LoadMode
from tests.exchange.conftest import HEADER, load_rows, operator, person, publish_resource, write_csv
from tests.factories import login


def _rows(client: TestClient, resource_id: int, **body) -> list[dict]:  # type: ignore[no-untyped-def]
    headers = login(client, "hr.officer")  # the provider reads its own resource without a grant
    answer = client.post(f"/api/v1/exchange/resources/{resource_id}/query", headers=headers,
                         json={"purpose": "核对本部门数据", "limit": 1000, **body})
    assert answer.status_code == 200, answer.text
    return answer.json()["rows"]


@pytest.mark.parametrize("fmt", ["utf-8", "utf-8-sig", "gbk", "gb18030", "xlsx", "jsonl", "parquet"])
def test_every_format_and_encoding_loads_typed_rows(client: TestClient, world, db: Database, tmp_path: Path,
                                                    fmt: str) -> None:
    resource = publish_resource(client)
    rows = [person(i) for i in range(12)]
    frame = pl.DataFrame([{k: str(v) for k, v in r.items()} for r in rows])
    if fmt == "xlsx":
        path = tmp_path / "persons.xlsx"
        frame.write_excel(path)
    elif fmt == "jsonl":
        path = tmp_path / "persons.jsonl"
        path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    elif fmt == "parquet":
        path = tmp_path / "persons.parquet"
        frame.write_parquet(path)
    else:
        path = write_csv(tmp_path / "persons.csv", rows, encoding=fmt)
    version = load_rows(db, resource.id, path, keys=["公民身份号码"])
    assert version.status.value == "live", version.error
    assert version.rows_live == 12 and version.quality_score and version.quality_score > 90
    got = _rows(client, resource.id)
    assert got[0]["姓名"] == rows[0]["姓名"] and got[0]["缴费基数"] == 3000.0
    assert got[5]["参保日期"] == rows[5]["参保日期"] and len(got) == 12


def test_gate_rejects_bad_key_items_and_keeps_the_live_version(client: TestClient, world, db: Database,
                                                               tmp_path: Path) -> None:
    resource = publish_resource(client)
    load_rows(db, resource.id, write_csv(tmp_path / "a.csv", [person(i) for i in range(10)]), keys=["公民身份号码"])
    bad = [person(i) for i in range(10, 20)]
    bad[3]["公民身份号码"] = "110105194912310021"  # wrong check character
    bad[4]["公民身份号码"] = bad[5]["公民身份号码"]  # duplicate key
    version = load_rows(db, resource.id, write_csv(tmp_path / "b.csv", bad))
    assert version.status.value == "rejected"
    assert "key item 公民身份号码" in version.error and "duplicate" in version.error
    assert [r["公民身份号码"] for r in _rows(client, resource.id)] == [person(i)["公民身份号码"] for i in range(10)]


def test_a_rejected_version_cancels_its_index_builds_instead_of_waiting(
        client: TestClient, world, db: Database, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """PostgreSQL starts the indexes before the gate decides; a rejection cancels them (here a
    build that would sleep a second per row) and drops the table."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the indexes build beside the gate on PostgreSQL only")
    from govshare.exchange import tables

    with db.engine.begin() as conn:
        conn.exec_driver_sql("CREATE OR REPLACE FUNCTION govshare_test_slow(x bigint) RETURNS bigint "
                             "LANGUAGE plpgsql IMMUTABLE AS $$ BEGIN PERFORM pg_sleep(1); RETURN x; END $$")

    def slow_index(conn, table, only=None):  # type: ignore[no-untyped-def]
        conn.exec_driver_sql(f'CREATE INDEX "slow_{only.name}" ON "{table.name}" (govshare_test_slow(_row))')

    monkeypatch.setattr(tables, "index", slow_index)
    resource = publish_resource(client)
    bad = [person(i) for i in range(40)]
    bad[3]["公民身份号码"] = "110105194912310021"  # wrong check character
    started = time.monotonic()
    version = load_rows(db, resource.id, write_csv(tmp_path / "b.csv", bad), keys=["公民身份号码"])
    assert version.status.value == "rejected" and time.monotonic() - started < 30  # the builds need 40 s
    with db.engine.connect() as conn:
        assert not tables.exists(conn, version.table_name)
        assert conn.exec_driver_sql("SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'CREATE INDEX \"slow_%%'"
                                    " AND state = 'active'").scalar_one() == 0
        conn.exec_driver_sql("DROP FUNCTION govshare_test_slow(bigint)")
        conn.commit()


def test_gate_by_score_threshold(client: TestClient, world, db: Database, tmp_path: Path) -> None:
    resource = publish_resource(client)
    principal, actor = operator()
    with db.session() as session:
        datasets.configure(session, principal, actor, resource.id,
                           datasets.DatasetSettings(key_items=["公民身份号码"], gate=GatePolicy.SCORE, min_score=99.9))
    rows = [person(i) for i in range(10)]
    for r in rows[:5]:
        r["参保日期"] = "not a date"
    version = load_rows(db, resource.id, write_csv(tmp_path / "a.csv", rows))
    assert version.status.value == "rejected" and "below the dataset's threshold" in version.error


def test_upsert_keeps_other_rows_and_feeds_changes(client: TestClient, world, db: Database, tmp_path: Path) -> None:
    resource = publish_resource(client)
    load_rows(db, resource.id, write_csv(tmp_path / "a.csv", [person(i) for i in range(10)]), keys=["公民身份号码"])
    changed = person(2) | {"参保状态": "03"}
    version = load_rows(db, resource.id, write_csv(tmp_path / "b.csv", [changed, person(10)]), mode=LoadMode.UPSERT)
    assert version.status.value == "live" and version.rows_live == 11 and version.changes == 2
    got = {r["公民身份号码"]: r for r in _rows(client, resource.id)}
    assert got[changed["公民身份号码"]]["参保状态"] == "03" and person(10)["公民身份号码"] in got
    replaced = load_rows(db, resource.id, write_csv(tmp_path / "c.csv", [person(i) for i in range(1, 11)]))
    assert replaced.rows_live == 10 and replaced.changes == 2  # person 0 deleted, person 2 changed back
    headers = login(client, "hr.officer")
    feed = client.get(f"/api/v1/exchange/resources/{resource.id}/changes", headers=headers,
                      params={"purpose": "增量同步", "cursor": 0}).json()
    ops = [(c["op"], (c.get("row") or c.get("key"))["公民身份号码"]) for c in feed["changes"]]
    assert ("delete", person(0)["公民身份号码"]) in ops and ("upsert", person(10)["公民身份号码"]) in ops
    later = client.get(f"/api/v1/exchange/resources/{resource.id}/changes", headers=headers,
                       params={"purpose": "增量同步", "cursor": feed["next_cursor"]}).json()
    assert later["changes"] == [] and later["next_cursor"] == feed["next_cursor"]


def test_key_collation_makes_the_key_index_and_an_older_table_still_compares(
        client: TestClient, world, db: Database, tmp_path: Path) -> None:
    """PostgreSQL: the key column is in the C collation (a byte sort for its index); a version
    whose table predates that (the database default) still feeds an upsert and the change feed:
    equality of text under two deterministic collations is byte equality, and PostgreSQL allows it."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("collations are PostgreSQL's")
    resource = publish_resource(client)
    first = load_rows(db, resource.id, write_csv(tmp_path / "a.csv", [person(i) for i in range(10)]),
                      keys=["公民身份号码"])
    with db.engine.begin() as conn:
        collation = conn.exec_driver_sql(
            "SELECT collation_name FROM information_schema.columns WHERE table_name = %s AND column_name = 'c0'",
            (first.table_name,)).scalar_one()
        conn.exec_driver_sql(f'ALTER TABLE "{first.table_name}" ALTER COLUMN c0 TYPE text COLLATE "default"')
    assert collation == "C"
    changed = person(2) | {"参保状态": "03"}
    version = load_rows(db, resource.id, write_csv(tmp_path / "b.csv", [changed, person(10)]), mode=LoadMode.UPSERT)
    assert version.status.value == "live" and version.rows_live == 11 and version.changes == 2


def test_failed_load_leaves_previous_version_and_can_be_retried(client: TestClient, world, db: Database,
                                                               tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    resource = publish_resource(client)
    load_rows(db, resource.id, write_csv(tmp_path / "a.csv", [person(i) for i in range(5)]), keys=["公民身份号码"])
    from govshare.exchange import tables

    real_write = tables.write

    def flaky(conn, table, frame):  # type: ignore[no-untyped-def]
        if frame[tables.ROW][0] == 11:  # the second piece (pieces are written side by side on PostgreSQL)
            raise OSError("disk full")
        return real_write(conn, table, frame)

    monkeypatch.setattr(tables, "write", flaky)
    path = write_csv(tmp_path / "b.csv", [person(i) for i in range(100, 130)])
    with pytest.raises(OSError):
        load_rows(db, resource.id, path, batch_rows=10)
    assert len(_rows(client, resource.id)) == 5
    principal, actor = operator()
    with db.session() as session:
        failed = datasets.versions(session, principal, resource.id)[0]
    assert failed.status.value == "failed" and failed.rows_loaded == 10 and "disk full" in failed.error
    monkeypatch.setattr(tables, "write", real_write)
    resumed = loading.resume(db, principal, actor, failed.id, batch_rows=10)
    assert resumed.status.value == "live" and resumed.rows_live == 30  # the first batch is not loaded twice
    assert len(_rows(client, resource.id)) == 30


def test_a_piece_sent_in_several_slices_arrives_whole_and_in_file_order(
        client: TestClient, world, db: Database, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """PostgreSQL COPYs a piece a slice at a time; pieces of unequal remainders are evened out."""
    from govshare.exchange import tables

    monkeypatch.setattr(tables, "COPY_SLICE", 3)
    resource = publish_resource(client)
    rows = [person(i) for i in range(23)]
    version = load_rows(db, resource.id, write_csv(tmp_path / "a.csv", rows), keys=["公民身份号码"], batch_rows=10)
    assert version.status.value == "live" and version.rows_live == 23
    got = _rows(client, resource.id)
    assert [r["公民身份号码"] for r in got] == [r["公民身份号码"] for r in rows]
    assert [r["缴费基数"] for r in got] == [float(r["缴费基数"]) for r in rows]
    assert loading._pieces(23, 10) == [(0, 8), (8, 8), (16, 7)]


def test_pieces_commit_in_file_order_so_a_resume_skips_exactly_the_committed_rows(
        client: TestClient, world, db: Database, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The first piece fails after later pieces were written beside it: none of them may stay
    committed, or the row counter (what a resume skips) would not be a prefix of the file."""
    resource = publish_resource(client)
    from govshare.exchange import tables

    real_write, later_written = tables.write, []

    def first_fails_last(conn, table, frame):  # type: ignore[no-untyped-def]
        if frame[tables.ROW][0] == 1:  # on PostgreSQL a second writer writes the next piece meanwhile
            deadline = time.monotonic() + 5
            while db.engine.dialect.name == "postgresql" and not later_written and time.monotonic() < deadline:
                time.sleep(0.01)
            raise OSError("disk full")
        real_write(conn, table, frame)
        later_written.append(frame.height)

    monkeypatch.setattr(tables, "write", first_fails_last)
    with pytest.raises(OSError):
        load_rows(db, resource.id, write_csv(tmp_path / "b.csv", [person(i) for i in range(100, 130)]),
                  keys=["公民身份号码"], batch_rows=10)
    principal, actor = operator()
    with db.session() as session:
        failed = datasets.versions(session, principal, resource.id)[0]
        table = failed.table_name
    with db.engine.connect() as conn:
        kept = conn.exec_driver_sql(f'SELECT count(*) FROM "{table}"').scalar_one()
    assert failed.status.value == "failed" and failed.rows_loaded == 0 and kept == 0
    monkeypatch.setattr(tables, "write", real_write)
    resumed = loading.resume(db, principal, actor, failed.id, batch_rows=10)
    assert resumed.status.value == "live" and resumed.rows_live == 30
    assert sorted(r["公民身份号码"] for r in _rows(client, resource.id)) == sorted(
        person(i)["公民身份号码"] for i in range(100, 130))


def test_unknown_format_and_missing_key_header_are_clear_errors(client: TestClient, world, db: Database,
                                                               tmp_path: Path) -> None:
    resource = publish_resource(client)
    odd = tmp_path / "persons.doc"
    odd.write_text("x")
    with pytest.raises(AppError) as caught:
        load_rows(db, resource.id, odd, keys=["公民身份号码"])
    assert caught.value.field == "format"
    no_key = write_csv(tmp_path / "nokey.csv", [person(1)], header=[h for h in HEADER if h != "公民身份号码"])
    version = load_rows(db, resource.id, no_key)
    assert version.status.value == "rejected" and "公民身份号码" in version.error


def test_load_over_http_by_the_provider_only(client: TestClient, world, db: Database, people: Path) -> None:
    resource = publish_resource(client)
    headers = login(client, "police.officer")
    files = {"file": ("persons.csv", people.read_bytes(), "text/csv")}
    assert client.post(f"/api/v1/exchange/resources/{resource.id}/loads", files=files,
                       headers=headers).status_code == 404
    headers = login(client, "hr.officer")
    client.put(f"/api/v1/exchange/resources/{resource.id}/dataset", json={"key_items": ["公民身份号码"]},
               headers=headers)
    answer = client.post(f"/api/v1/exchange/resources/{resource.id}/loads", files=files, headers=headers)
    assert answer.status_code == 201, answer.text
    assert answer.json()["status"] == "live" and answer.json()["rows"] == 60
    listed = client.get(f"/api/v1/exchange/resources/{resource.id}/loads", headers=headers).json()
    assert [v["number"] for v in listed] == [1]
