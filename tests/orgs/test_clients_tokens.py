"""Business systems and their tokens: shown once, hashed, scoped, expiring, revocable."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select, update

from govshare.core.db import Database, utcnow
from govshare.orgs.models import ApiToken
from tests.factories import login


def _client_with_token(client: TestClient, headers: dict, name: str = "社保业务系统",
                       scopes: list[str] | None = None) -> tuple[dict, dict]:
    created = client.post("/api/v1/clients", json={"name": name}, headers=headers)
    assert created.status_code == 201, created.text
    issued = client.post(f"/api/v1/clients/{created.json()['id']}/tokens",
                         json={"scopes": scopes or ["directory"], "days": 30}, headers=headers)
    assert issued.status_code == 201, issued.text
    return created.json(), issued.json()


def test_token_is_shown_once_and_stored_hashed(client: TestClient, world, db: Database) -> None:
    headers = login(client, "hr.officer")
    created, issued = _client_with_token(client, headers)
    token = issued["token"]
    assert token.startswith("gs_")
    shown = client.get(f"/api/v1/clients/{created['id']}").json()
    assert token not in str(shown)
    with db.session() as session:
        stored = session.scalars(select(ApiToken)).one()
    assert token not in (stored.token_hash, stored.lookup)


def test_token_calls_what_its_scope_allows_only(client: TestClient, world) -> None:
    headers = login(client, "hr.officer")
    _created, issued = _client_with_token(client, headers)
    system = TestClient(client.app)
    bearer = {"authorization": f"Bearer {issued['token']}"}
    assert system.get("/api/v1/departments", headers=bearer).status_code == 200
    assert system.get("/api/v1/users", headers=bearer).status_code == 403
    assert system.get("/api/v1/audit/records", headers=bearer).status_code == 403


def test_revoked_token_is_refused_on_the_next_call(client: TestClient, world) -> None:
    headers = login(client, "hr.officer")
    _created, issued = _client_with_token(client, headers)
    system = TestClient(client.app)
    bearer = {"authorization": f"Bearer {issued['token']}"}
    assert system.get("/api/v1/departments", headers=bearer).status_code == 200
    assert client.post(f"/api/v1/tokens/{issued['id']}/revoke", headers=headers).json()["state"] == "revoked"
    response = system.get("/api/v1/departments", headers=bearer)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_token"


def test_expired_and_forged_tokens_get_401(client: TestClient, world, db: Database) -> None:
    headers = login(client, "hr.officer")
    _created, issued = _client_with_token(client, headers)
    with db.session() as session:
        session.execute(update(ApiToken).values(expires_at=utcnow() - timedelta(seconds=1)))
    system = TestClient(client.app)
    assert system.get("/api/v1/departments", headers={"authorization": f"Bearer {issued['token']}"}).status_code == 401
    forged = issued["token"][:-4] + "AAAA"
    assert system.get("/api/v1/departments", headers={"authorization": f"Bearer {forged}"}).status_code == 401
    assert system.get("/api/v1/departments", headers={"authorization": "Bearer nonsense"}).status_code == 401


def test_departments_cannot_see_or_touch_each_others_clients(client: TestClient, world) -> None:
    hr_headers = login(client, "hr.officer")
    created, issued = _client_with_token(client, hr_headers)
    police = TestClient(client.app)
    police_headers = login(police, "police.officer")
    assert police.get("/api/v1/clients").json() == []
    assert police.get(f"/api/v1/clients/{created['id']}").status_code == 404
    assert police.post(f"/api/v1/tokens/{issued['id']}/revoke", headers=police_headers).status_code == 404
    response = police.post("/api/v1/clients", json={"name": "越权", "department_id": world.hr.id},
                           headers=police_headers)
    assert response.status_code == 403


def test_unknown_scope_is_refused(client: TestClient, world) -> None:
    headers = login(client, "hr.officer")
    created = client.post("/api/v1/clients", json={"name": "系统"}, headers=headers).json()
    response = client.post(f"/api/v1/clients/{created['id']}/tokens", json={"scopes": ["root"]}, headers=headers)
    assert response.status_code == 422 and response.json()["error"]["field"] == "scopes"
