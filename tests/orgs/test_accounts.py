"""People and access: 三员分立, lock-out, session time-out, the audit administrator's limits."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from govshare.core.auth import Role
from govshare.core.db import Database, utcnow
from govshare.orgs.models import User, WebSession
from tests.factories import PASSWORD, login


def _user_id(client: TestClient, username: str) -> int:
    users = client.get("/api/v1/users", params={"q": username}).json()["items"]
    return next(u["id"] for u in users if u["username"] == username)


def test_one_person_cannot_hold_two_admin_roles(client: TestClient, world) -> None:
    headers = login(client, "secadmin")
    uid = _user_id(client, "admin")
    response = client.put(f"/api/v1/users/{uid}/roles", json={"roles": ["platform_admin", "audit_admin"]},
                          headers=headers)
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "roles"
    response = client.post("/api/v1/users", headers=headers, json={
        "username": "both", "display_name": "两者", "department_id": world.authority.id,
        "password": PASSWORD, "roles": ["security_admin", "audit_admin"]})
    assert response.status_code == 422


def test_department_roles_combine_freely(client: TestClient, world) -> None:
    headers = login(client, "admin")
    uid = _user_id(client, "hr.officer")
    response = client.put(f"/api/v1/users/{uid}/roles", json={"roles": ["data_officer", "reviewer"]},
                          headers=headers)
    assert response.status_code == 200
    assert set(response.json()["roles"]) == {"data_officer", "reviewer"}


def test_audit_administrator_reads_but_changes_nothing(client: TestClient, world) -> None:
    headers = login(client, "auditor")
    assert client.get("/api/v1/audit/records").status_code == 200
    for method, path, body in [
        ("post", "/api/v1/departments", {"name": "x部门", "uscc": "x", "division_code": "330000"}),
        ("post", "/api/v1/users", {"username": "x", "display_name": "x", "department_id": 1, "password": "x"}),
        ("put", "/api/v1/users/1/roles", {"roles": []}),
        ("post", "/api/v1/clients", {"name": "xx"}),
        ("post", "/api/v1/tokens/1/revoke", None),
    ]:
        response = client.request(method, path, json=body, headers=headers)
        assert response.status_code == 403, (path, response.text)
    # The log has no write endpoint at all.
    for method in ("post", "put", "patch", "delete"):
        assert client.request(method, "/api/v1/audit/records", headers=headers).status_code == 405


def test_weak_password_is_refused_with_the_rule(client: TestClient, world) -> None:
    headers = login(client, "admin")
    response = client.post("/api/v1/users", headers=headers, json={
        "username": "weak", "display_name": "弱", "department_id": world.hr.id, "password": "password"})
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "password"


def test_lockout_after_repeated_failures(client: TestClient, world, db: Database) -> None:
    for _ in range(5):
        response = client.post("/api/v1/session", json={"username": "hr.user", "password": "wrong"})
        assert response.status_code == 401
    response = client.post("/api/v1/session", json={"username": "hr.user", "password": PASSWORD})
    assert response.status_code == 423
    headers = login(client, "secadmin")
    uid = _user_id(client, "hr.user")
    assert client.post(f"/api/v1/users/{uid}/unlock", headers=headers).json()["locked"] is False
    client.cookies.clear()
    assert client.post("/api/v1/session", json={"username": "hr.user", "password": PASSWORD}).status_code == 200


def test_unknown_user_and_wrong_password_look_the_same(client: TestClient, world) -> None:
    a = client.post("/api/v1/session", json={"username": "nobody", "password": "x"}).json()
    b = client.post("/api/v1/session", json={"username": "hr.user", "password": "x"}).json()
    assert a == b


def test_idle_session_times_out(client: TestClient, world, db: Database) -> None:
    login(client, "hr.user")
    assert client.get("/api/v1/me").status_code == 200
    with db.session() as session:
        session.execute(update(WebSession).values(last_seen_at=utcnow() - timedelta(minutes=31)))
    assert client.get("/api/v1/me").status_code == 401


def test_disabling_a_user_ends_their_sessions(client: TestClient, world, db: Database) -> None:
    login(client, "hr.user")
    with db.session() as session:
        uid = session.scalars(select(User.id).where(User.username == "hr.user")).one()
    admin = TestClient(client.app)
    headers = login(admin, "admin")
    assert admin.post(f"/api/v1/users/{uid}/disable", headers=headers).status_code == 200
    assert client.get("/api/v1/me").status_code == 401


def test_admin_cannot_drop_own_admin_role(client: TestClient, world) -> None:
    headers = login(client, "secadmin")
    uid = _user_id(client, "secadmin")
    response = client.put(f"/api/v1/users/{uid}/roles", json={"roles": []}, headers=headers)
    assert response.status_code == 422


@pytest.mark.parametrize("role", [Role.PLATFORM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN])
def test_each_admin_sees_a_landing_page(client: TestClient, world, role: Role) -> None:
    username = {"platform_admin": "admin", "security_admin": "secadmin", "audit_admin": "auditor"}[role.value]
    login(client, username)
    page = client.get("/", headers={"accept": "text/html"})
    assert page.status_code == 200
    assert "data-chart" in page.text
