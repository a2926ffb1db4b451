"""Limits with 429 and Retry-After, statistics, revocation on the next call, objections lowering the
score, webhook subscriptions with signed, retried deliveries, interface resources, and the
receipt checked from the command line."""

from __future__ import annotations

import hashlib
import hmac
import json
from pathlib import Path

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from govshare.cli import app as cli_app
from govshare.core.db import Database
from govshare.core.signing import Receipt, node_keypair, verify_receipt
from govshare.exchange import subscriptions
from govshare.exchange.models import LoadMode
from tests.exchange.conftest import approve, ask, load_rows, operator, person, system_token, write_csv
from tests.factories import SETUP, login

P = "户籍业务办理"


def _granted(client: TestClient, loaded) -> tuple[int, dict, str]:  # type: ignore[no-untyped-def]
    client_id, token = system_token(client, "police.officer")
    approve(client, ask(client, loaded.id, client_id=client_id)["id"])
    return client_id, token, f"/api/v1/exchange/resources/{loaded.id}"


def test_rate_and_row_limits_answer_429_with_retry_after(client: TestClient, world, loaded) -> None:
    client_id, token, url = _granted(client, loaded)
    limits = {"calls_per_minute": 3, "rows_per_day": 1000, "rows_per_call": 4}
    assert client.put(f"/api/v1/exchange/clients/{client_id}/limits", json=limits,
                      headers=login(client, "hr.officer")).status_code == 403
    assert client.put(f"/api/v1/exchange/clients/{client_id}/limits", json=limits,
                      headers=login(client, "admin")).status_code == 200
    first = client.post(f"{url}/query", headers=token, json={"purpose": P, "limit": 50})
    assert first.status_code == 200 and len(first.json()["rows"]) == 4 and first.json()["limit"] == 4
    client.post(f"{url}/query", headers=token, json={"purpose": P})
    client.post(f"{url}/query", headers=token, json={"purpose": P})
    over = client.post(f"{url}/query", headers=token, json={"purpose": P})
    assert over.status_code == 429 and 1 <= int(over.headers["retry-after"]) <= 60
    assert "3 calls a minute" in over.json()["error"]["message"]


def test_row_quota_per_day(client: TestClient, world, loaded) -> None:
    client_id, token, url = _granted(client, loaded)
    client.put(f"/api/v1/exchange/clients/{client_id}/limits", headers=login(client, "admin"),
               json={"calls_per_minute": 100, "rows_per_day": 25, "rows_per_call": 20})
    assert len(client.post(f"{url}/query", headers=token, json={"purpose": P}).json()["rows"]) == 20
    download = client.get(f"{url}/download", headers=token, params={"purpose": P})
    assert download.headers["x-govshare-rows"] == "5"  # what is left of the day's 25
    assert download.headers["x-govshare-cursor"] == "0"  # where the change feed takes over
    over = client.post(f"{url}/query", headers=token, json={"purpose": P})
    assert over.status_code == 429 and over.json()["error"]["details"]["window"] == "day"


def test_statistics_per_resource_consumer_and_day(client: TestClient, world, loaded) -> None:
    client_id, token, url = _granted(client, loaded)
    client.post(f"{url}/query", headers=token, json={"purpose": P, "limit": 3})
    client.post(f"{url}/verify", headers=token,
                json={"purpose": P, "values": {"公民身份号码": person(0)["公民身份号码"]}})
    by_op = client.get("/api/v1/exchange/stats", params={"by": "operation"}, headers=login(client, "hr.officer")).json()
    assert {r["operation"]: (r["calls"], r["rows"]) for r in by_op} == {"query": (1, 3), "verify": (1, 1)}
    by_consumer = client.get("/api/v1/exchange/stats", params={"by": "consumer"}, headers=login(client, "admin")).json()
    assert by_consumer == [{"consumer": world.police.id, "calls": 2, "rows": 4}]


def test_revocation_takes_effect_on_the_next_call(client: TestClient, world, loaded) -> None:
    _, token, url = _granted(client, loaded)
    assert client.post(f"{url}/query", headers=token, json={"purpose": P}).status_code == 200
    grant_id = client.get("/api/v1/exchange/grants", headers=login(client, "hr.officer")).json()[0]["id"]
    client.post(f"/api/v1/exchange/grants/{grant_id}/revoke", json={"reason": "发现超范围使用"},
                headers=login(client, "hr.officer"))
    refused = client.post(f"{url}/query", headers=token, json={"purpose": P})
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "no_grant"


def test_objection_lowers_score_until_answered(client: TestClient, world, loaded) -> None:
    _, token, url = _granted(client, loaded)
    before = client.get(f"{url}/quality", headers=token).json()
    raised = client.post("/api/v1/exchange/objections", headers=token, json={
        "resource_id": loaded.id, "key": {"公民身份号码": person(4)["公民身份号码"]}, "item": "参保状态",
        "claim": "当事人已于上月停保"})
    assert raised.status_code == 201, raised.text
    assert person(4)["公民身份号码"] not in json.dumps(raised.json(), ensure_ascii=False)
    during = client.get(f"{url}/quality", headers=token).json()
    assert during["open_objections"] == 1 and during["score"] == before["score"] - 2
    answered = client.post(f"/api/v1/exchange/objections/{raised.json()['id']}/answer",
                           headers=login(client, "hr.officer"), json={"status": "corrected", "answer": "已更正"})
    assert answered.status_code == 200 and answered.json()["status"] == "corrected"
    assert client.get(f"{url}/quality", headers=token).json()["score"] == before["score"]


def test_subscription_pushes_signed_changes_and_retries(client: TestClient, world, db: Database, loaded,
                                                       tmp_path: Path, receiver) -> None:  # type: ignore[no-untyped-def]
    _, token, url = _granted(client, loaded)
    created = client.post("/api/v1/exchange/subscriptions", headers=token, json={
        "resource_id": loaded.id, "url": receiver.url("/changes"), "purpose": P})
    assert created.status_code == 201, created.text
    secret, sub_id = created.json()["secret"], created.json()["id"]
    receiver.statuses = [503]  # the first push fails, the retry is taken
    load_rows(db, loaded.id, write_csv(tmp_path / "u.csv", [person(1) | {"参保状态": "03"}]), mode=LoadMode.UPSERT)
    assert subscriptions.deliver_due(db, SETUP) == {"delivered": 0, "retry": 1, "gave_up": 0}
    assert subscriptions.deliver_due(db, SETUP) == {"delivered": 0, "retry": 0, "gave_up": 0}  # backing off
    from sqlalchemy import update

    from govshare.core.db import utcnow
    from govshare.exchange.models import Delivery

    with db.session() as session:
        session.execute(update(Delivery).values(next_attempt_at=utcnow()))
    assert subscriptions.deliver_due(db, SETUP)["delivered"] == 1
    assert [r.path for r in receiver.received] == ["/changes", "/changes"]
    body = receiver.received[-1].body
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    assert receiver.received[-1].headers["x-govshare-signature"] == expected
    assert verify_receipt(Receipt.from_header(receiver.received[-1].headers["x-govshare-receipt"]),
                          node_keypair().public_key, body).ok
    pushed = json.loads(body)
    assert [c["row"]["参保状态"] for c in pushed["changes"]] == ["03"]
    log = client.get(f"/api/v1/exchange/subscriptions/{sub_id}/deliveries", headers=token).json()
    assert [(d["status"], d["attempts"]) for d in log] == [("delivered", 2)]


def test_interface_resource_forwards_with_signed_headers_and_strips_items(client: TestClient, world, db: Database,
                                                                         loaded, receiver) -> None:  # type: ignore
    headers = login(client, "hr.officer")
    registered = client.put(f"/api/v1/exchange/resources/{loaded.id}/dataset", headers=headers,
                            json={"endpoint_url": receiver.url("/api/person")})
    assert registered.status_code == 200, registered.text
    client_id, token = system_token(client, "police.officer")
    asked = ask(client, loaded.id, client_id=client_id, items=["公民身份号码", "参保状态"])
    approve(client, asked["id"])
    receiver.reply = {"data": [{"公民身份号码": "x", "参保状态": "01", "缴费基数": 9999}]}
    answer = client.post(f"/api/v1/exchange/resources/{loaded.id}/call", headers=token,
                         json={"purpose": P, "body": {"公民身份号码": "x"}})
    assert answer.status_code == 200, answer.text
    assert answer.json()["data"] == {"data": [{"公民身份号码": "x", "参保状态": "01"}]}
    sent = receiver.received[0]
    assert sent.path == "/api/person"
    assert sent.headers["x-govshare-consumer"] == str(world.police.id)
    assert verify_receipt(Receipt.from_header(sent.headers["x-govshare-receipt"]), node_keypair().public_key,
                          sent.body).ok


def test_receipt_checked_by_the_cli(client: TestClient, world, loaded, tmp_path: Path) -> None:
    _, token, url = _granted(client, loaded)
    answer = client.post(f"{url}/query", headers=token, json={"purpose": P, "limit": 2})
    (tmp_path / "receipt.txt").write_text(answer.headers["x-govshare-receipt"])
    (tmp_path / "body.json").write_bytes(answer.content)
    runner = CliRunner()
    ok = runner.invoke(cli_app, ["exchange", "verify-receipt", str(tmp_path / "receipt.txt"), "--content",
                                 str(tmp_path / "body.json"), "--format", "json"])
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.stdout)["ok"] is True
    (tmp_path / "body.json").write_bytes(answer.content.replace(b"01", b"02"))
    tampered = runner.invoke(cli_app, ["exchange", "verify-receipt", str(tmp_path / "receipt.txt"), "--content",
                                       str(tmp_path / "body.json")])
    assert tampered.exit_code == 1


def test_cli_load_and_lists(client: TestClient, world, db: Database, tmp_path: Path, loaded) -> None:
    runner = CliRunner()
    path = write_csv(tmp_path / "more.csv", [person(i) for i in range(70)])
    done = runner.invoke(cli_app, ["exchange", "load", loaded.code, str(path), "--format", "json"])
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout)["rows"] == 70
    listed = runner.invoke(cli_app, ["exchange", "loads", str(loaded.id), "--format", "json"])
    assert [v["number"] for v in json.loads(listed.stdout)] == [2, 1]
    ask(client, loaded.id)
    requests = runner.invoke(cli_app, ["exchange", "requests", "--format", "json"])
    assert json.loads(requests.stdout)[0]["status"] == "pending"
    bad = runner.invoke(cli_app, ["exchange", "load", "999", str(path)])
    assert bad.exit_code == 1 and "does not exist" in bad.output
    assert operator()  # the CLI acts as the audited operator
