"""The issue's 'done when': a department finds a conditional resource, asks for it, the provider
approves a narrower grant, the consumer's system queries, verifies, downloads and subscribes,
and every call is in the audit chain with a verifiable receipt."""

from __future__ import annotations

import csv
import io

from fastapi.testclient import TestClient
from sqlalchemy import select

from govshare.core.audit import AuditRecord, verify_chain
from govshare.core.db import Database
from govshare.core.signing import Receipt, node_keypair, verify_receipt
from tests.exchange.conftest import approve, ask, person, system_token

PURPOSE = "户籍业务办理中核验参保状态"


def test_request_narrower_grant_then_query_verify_download(client: TestClient, world, db: Database, loaded) -> None:
    client_id, token = system_token(client, "police.officer")
    asked = ask(client, loaded.id, client_id=client_id, items=["公民身份号码", "姓名", "参保状态", "缴费基数"])
    assert asked["status"] == "pending" and asked["due_on"] and asked["working_days_left"] >= 9
    answered = approve(client, asked["id"], items=["公民身份号码", "姓名", "参保状态"], masked_items=["姓名"],
                       row_filter={"所属区划": "330102"}, note="缴费基数涉及个人收入，不予提供")
    assert answered["status"] == "narrowed" and answered["grant_id"]

    someone = person(3)  # 330102
    found = client.post(f"/api/v1/exchange/resources/{loaded.id}/query", headers=token,
                        json={"purpose": PURPOSE, "filter": {"公民身份号码": someone["公民身份号码"]}})
    assert found.status_code == 200, found.text
    rows = found.json()["rows"]
    assert rows == [{"公民身份号码": someone["公民身份号码"], "姓名": someone["姓名"][0] + "**",
                     "参保状态": someone["参保状态"]}]
    receipt = Receipt.from_header(found.headers["x-govshare-receipt"])
    assert verify_receipt(receipt, node_keypair().public_key, found.content).ok

    checked = client.post(f"/api/v1/exchange/resources/{loaded.id}/verify", headers=token,
                          json={"purpose": PURPOSE, "values": {"公民身份号码": someone["公民身份号码"],
                                                               "姓名": someone["姓名"], "参保状态": "99"}})
    assert checked.status_code == 200, checked.text
    assert checked.json() == {"resource": loaded.code, "found": True, "match": False,
                              "items": {"公民身份号码": True, "姓名": True, "参保状态": False}}

    download = client.get(f"/api/v1/exchange/resources/{loaded.id}/download", headers=token,
                          params={"purpose": PURPOSE, "format": "csv"})
    assert download.status_code == 200, download.text
    table = list(csv.DictReader(io.StringIO(download.text)))
    assert len(table) == 20 and set(table[0]) == {"公民身份号码", "姓名", "参保状态"}
    assert verify_receipt(Receipt.from_header(download.headers["x-govshare-receipt"]), node_keypair().public_key,
                          download.content).ok

    with db.session() as session:
        calls = session.scalars(select(AuditRecord).where(AuditRecord.action.in_(
            ["exchange.query", "exchange.verify", "exchange.download"]))).all()
        assert len(calls) == 3 and all(c.purpose == PURPOSE for c in calls)
        assert someone["公民身份号码"] not in " ".join(c.details for c in calls)
        assert verify_chain(session).ok
