"""Departments through the API: credit codes checked, errors named, access declared."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from govshare.core.audit import AuditRecord
from govshare.core.db import Database
from tests.factories import login, organ_uscc


def _new(name: str = "浙江省统计局", uscc: str | None = None, **extra: object) -> dict:
    return {"name": name, "uscc": uscc or organ_uscc("330000", 77), "division_code": "330000", **extra}


def test_admin_creates_department_and_it_is_audited(client: TestClient, world, db: Database) -> None:
    headers = login(client, "admin")
    response = client.post("/api/v1/departments", json=_new(), headers=headers)
    assert response.status_code == 201, response.text
    dept = response.json()
    assert dept["name"] == "浙江省统计局"
    listed = client.get("/api/v1/departments", params={"q": "统计"}).json()
    assert [d["id"] for d in listed["items"]] == [dept["id"]]
    with db.session() as session:
        rec = session.scalars(select(AuditRecord).where(AuditRecord.action == "department.create")
                              .order_by(AuditRecord.seq.desc())).first()
    assert rec is not None and rec.object_id == str(dept["id"]) and rec.actor == "admin"


def test_bad_credit_code_is_refused_with_the_reason(client: TestClient, world) -> None:
    headers = login(client, "admin")
    good = organ_uscc("330000", 77)
    wrong_check = good[:-1] + ("0" if good[-1] != "0" else "1")
    response = client.post("/api/v1/departments", json=_new(uscc=wrong_check), headers=headers)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["field"] == "uscc"
    assert f"check character should be {good[-1]}" in error["message"]


def test_chinese_error_message_on_request(client: TestClient, world) -> None:
    headers = {**login(client, "admin"), "accept-language": "zh-CN"}
    response = client.post("/api/v1/departments", json=_new(uscc="ABC"), headers=headers)
    assert response.status_code == 422
    assert "统一社会信用代码" in response.json()["error"]["message"]


def test_unknown_or_retired_division_is_refused(client: TestClient, world) -> None:
    headers = login(client, "admin")
    response = client.post("/api/v1/departments", json=_new(division_code="339999"), headers=headers)
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "division_code"


def test_duplicate_credit_code_conflicts(client: TestClient, world) -> None:
    headers = login(client, "admin")
    response = client.post("/api/v1/departments", json=_new(uscc=world.hr.uscc), headers=headers)
    assert response.status_code == 409
    assert response.json()["error"]["field"] == "uscc"


def test_schema_errors_use_the_same_envelope(client: TestClient, world) -> None:
    headers = login(client, "admin")
    response = client.post("/api/v1/departments", json={"name": "x"}, headers=headers)
    assert response.status_code == 422
    body = response.json()
    assert set(body["error"]) == {"code", "message", "field", "details"}
    assert body["error"]["code"] == "invalid"


def test_consumer_cannot_create_departments(client: TestClient, world, db: Database) -> None:
    headers = login(client, "hr.user")
    response = client.post("/api/v1/departments", json=_new(), headers=headers)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"
    with db.session() as session:
        denied = session.scalars(select(AuditRecord).where(AuditRecord.action == "access.denied")).all()
    assert any(r.actor == "hr.user" and r.outcome == "denied" for r in denied)


def test_anonymous_gets_401(client: TestClient, world) -> None:
    assert client.get("/api/v1/departments").status_code == 401
    assert client.post("/api/v1/departments", json=_new()).status_code == 401


def test_cookie_writes_need_the_csrf_token(client: TestClient, world) -> None:
    login(client, "admin")
    response = client.post("/api/v1/departments", json=_new())
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "csrf"


def test_update_assigns_data_officer_from_own_department_only(client: TestClient, world) -> None:
    headers = login(client, "admin")
    users = client.get("/api/v1/users", params={"q": "officer"}).json()["items"]
    police_officer = next(u for u in users if u["username"] == "police.officer")
    response = client.patch(f"/api/v1/departments/{world.hr.id}", json={"data_officer_id": police_officer["id"]},
                            headers=headers)
    assert response.status_code == 422 and response.json()["error"]["field"] == "data_officer_id"
    hr_officer = next(u for u in users if u["username"] == "hr.officer")
    response = client.patch(f"/api/v1/departments/{world.hr.id}", json={"data_officer_id": hr_officer["id"]},
                            headers=headers)
    assert response.status_code == 200 and response.json()["data_officer_id"] == hr_officer["id"]


def test_divisions_are_served_with_their_release(client: TestClient, world) -> None:
    login(client, "hr.user")
    cities = client.get("/api/v1/divisions", params={"parent": "330000"}).json()
    assert {"330100", "330200", "330300"} <= {c["code"] for c in cities}
    assert client.get("/api/v1/divisions/330100").json()["name"] == "杭州市"
    assert client.get("/api/v1/divisions/999999").status_code == 404
