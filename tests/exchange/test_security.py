"""Bad input and isolation: items outside the grant and rows outside its filter never appear in any
format or page; hostile filters get a clear 4xx; department A cannot see or act on B's requests,
grants or clients; personal identifiers never reach the audit log in clear."""

from __future__ import annotations

import io

import polars as pl
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from govshare.core.audit import AuditRecord
from govshare.core.db import Database
from tests.exchange.conftest import approve, ask, person, system_token
from tests.factories import make_department, make_user

P = "户籍业务办理"
GRANTED = ["公民身份号码", "姓名", "参保状态"]


@pytest.fixture
def narrowed(client: TestClient, world, loaded) -> dict:  # type: ignore[no-untyped-def]
    client_id, token = system_token(client, "police.officer")
    asked = ask(client, loaded.id, client_id=client_id)
    approve(client, asked["id"], items=GRANTED, row_filter={"所属区划": "330102"}, note="仅限本区")
    return {"resource": loaded, "token": token, "url": f"/api/v1/exchange/resources/{loaded.id}"}


def _inside(row: dict) -> bool:
    return set(row) <= set(GRANTED)


def test_no_item_or_row_outside_the_grant_in_any_format_or_page(client: TestClient, narrowed: dict) -> None:
    url, token = narrowed["url"], narrowed["token"]
    allowed = {person(i)["公民身份号码"] for i in range(60) if person(i)["所属区划"] == "330102"}
    seen: list[str] = []
    for offset in range(0, 40, 7):  # every page
        page = client.post(f"{url}/query", headers=token, json={"purpose": P, "limit": 7, "offset": offset}).json()
        assert all(_inside(r) for r in page["rows"])
        seen += [r["公民身份号码"] for r in page["rows"]]
    assert set(seen) == allowed and len(seen) == len(allowed)
    # A caller's filter cannot widen the grant's: asking for another district returns nothing.
    other = client.post(f"{url}/query", headers=token, json={"purpose": P, "filter": {"公民身份号码": person(1)[
        "公民身份号码"]}}).json()
    assert other["rows"] == []
    csv_text = client.get(f"{url}/download", headers=token, params={"purpose": P}).text
    frame = pl.read_csv(io.StringIO(csv_text), infer_schema_length=0)
    assert frame.columns == GRANTED and set(frame["公民身份号码"]) == allowed
    parquet = client.get(f"{url}/download", headers=token, params={"purpose": P, "format": "parquet"})
    frame = pl.read_parquet(io.BytesIO(parquet.content))
    assert frame.columns == GRANTED and set(frame["公民身份号码"]) == allowed
    feed = client.get(f"{url}/changes", headers=token, params={"purpose": P}).json()
    assert all(_inside(c.get("row", {})) for c in feed["changes"])


def test_items_outside_the_grant_are_refused_not_returned(client: TestClient, narrowed: dict) -> None:
    url, token = narrowed["url"], narrowed["token"]
    asked = client.post(f"{url}/query", headers=token, json={"purpose": P, "items": ["缴费基数"]})
    assert asked.status_code == 403 and asked.json()["error"]["code"] == "item_not_granted"
    # Filtering on an ungranted item would reveal it one guess at a time.
    probe = client.post(f"{url}/query", headers=token, json={"purpose": P, "filter": {"缴费基数": {"gte": 3010}}})
    assert probe.status_code == 403
    verify = client.post(f"{url}/verify", headers=token, json={"purpose": P, "values": {
        "公民身份号码": person(0)["公民身份号码"], "缴费基数": 3000}})
    assert verify.status_code == 403
    download = client.get(f"{url}/download", headers=token, params={"purpose": P, "items": '["缴费基数"]'})
    assert download.status_code == 403


@pytest.mark.parametrize("body, field", [
    ({"filter": {"公民身份号码": "x' OR '1'='1"}}, None),  # SQL in a value is only a value
    ({"filter": {"公民身份号码; DROP TABLE exchange_grant": "1"}}, "filter"),
    ({"filter": {"姓名": "长" * 5000}}, "filter"),
    ({"filter": {"不存在的项": "1"}}, "filter"),
    ({"filter": {"姓名": {"like": "%"}}}, "filter"),
    ({"filter": {"姓名": {"in": list(range(2000))}}}, "filter"),
    ({"filter": {"姓名": {"in": "abc"}}}, "filter"),
    ({"filter": {"公民身份号码": {"gte": None}}}, "filter"),
    ({"filter": ["公民身份号码"]}, "filter"),
    ({"items": ["不存在的项"]}, "items"),
    ({"limit": 10 ** 9}, "limit"),
])
def test_hostile_filters_get_a_clear_4xx(client: TestClient, narrowed: dict, body: dict, field: str | None) -> None:
    answer = client.post(f"{narrowed['url']}/query", headers=narrowed["token"], json={"purpose": P, **body})
    if field is None:
        assert answer.status_code == 200 and answer.json()["rows"] == []
        return
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"]["field"] == field and answer.json()["error"]["message"]


def test_wrong_types_on_typed_items(client: TestClient, world, db: Database, loaded) -> None:
    headers = __import__("tests.factories", fromlist=["login"]).login(client, "hr.user")
    url = f"/api/v1/exchange/resources/{loaded.id}/query"
    for condition in ({"缴费基数": "many"}, {"缴费基数": True}, {"参保日期": "yesterday"}, {"参保日期": 20170518},
                      {"缴费基数": {"gte": "NaN"}}):
        answer = client.post(url, headers=headers, json={"purpose": P, "filter": condition})
        assert answer.status_code == 422, (condition, answer.text)
    ok = client.post(url, headers=headers, json={"purpose": P, "filter": {"缴费基数": {"gte": 3050},
                                                                          "参保日期": {"lte": "2010-03-01"}}})
    assert ok.status_code == 200 and len(ok.json()["rows"]) == 10


def test_department_isolation(client: TestClient, world, db: Database, narrowed: dict) -> None:
    third = make_department(db, "浙江省民政厅", "330000", 4)
    make_user(db, "mz.officer", third.id, __import__("govshare.core.auth", fromlist=["Role"]).Role.DATA_OFFICER)
    from tests.factories import login

    police = login(client, "police.officer")
    request_id = client.get("/api/v1/exchange/requests", params={"side": "mine"}, headers=police).json()[0]["id"]
    grant_id = client.get("/api/v1/exchange/grants", headers=police).json()[0]["id"]
    clients = client.get("/api/v1/clients", headers=police).json()
    headers = login(client, "mz.officer")
    assert client.get(f"/api/v1/exchange/requests/{request_id}", headers=headers).status_code == 404
    assert client.get(f"/api/v1/exchange/grants/{grant_id}", headers=headers).status_code == 404
    assert client.get("/api/v1/exchange/requests", headers=headers).json() == []
    assert client.get("/api/v1/exchange/grants", headers=headers).json() == []
    assert client.post(f"/api/v1/exchange/requests/{request_id}/approve", json={},
                       headers=headers).status_code == 404
    assert client.post(f"/api/v1/exchange/requests/{request_id}/withdraw", headers=headers).status_code == 404
    assert client.post(f"/api/v1/exchange/grants/{grant_id}/revoke", json={"reason": "越权"},
                       headers=headers).status_code == 404
    client_id = clients[0]["id"] if isinstance(clients, list) else clients["items"][0]["id"]
    assert client.get(f"/api/v1/clients/{client_id}", headers=headers).status_code == 404
    # The consumer cannot answer its own request, nor revoke the grant it holds.
    police = login(client, "police.officer")
    assert client.post(f"/api/v1/exchange/grants/{grant_id}/revoke", json={"reason": "x" * 3},
                       headers=police).status_code == 403


def test_audit_never_holds_clear_identifiers(client: TestClient, db: Database, narrowed: dict) -> None:
    someone = person(3)
    client.post(f"{narrowed['url']}/verify", headers=narrowed["token"], json={"purpose": P, "values": {
        "公民身份号码": someone["公民身份号码"], "姓名": someone["姓名"]}})
    client.post(f"{narrowed['url']}/query", headers=narrowed["token"],
                json={"purpose": P, "filter": {"姓名": someone["姓名"]}})
    with db.session() as session:
        logged = " ".join(session.scalars(select(AuditRecord.details).where(
            AuditRecord.action.like("exchange.%"))).all())
    assert someone["公民身份号码"] not in logged and someone["姓名"] not in logged and "h:" in logged
