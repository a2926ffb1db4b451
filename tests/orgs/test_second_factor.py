"""Administrators sign in with a password and a TOTP code; others with the password."""

from __future__ import annotations

import re
import time

import pyotp
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from govshare.core.audit import AuditRecord
from govshare.core.config import reset_settings_cache
from govshare.core.db import Database
from tests.factories import PASSWORD, login


@pytest.fixture
def two_factor(monkeypatch: pytest.MonkeyPatch, db: Database) -> None:
    monkeypatch.setenv("GOVSHARE_POLICY__ADMIN_TWO_FACTOR", "true")
    reset_settings_cache()


def _enrol(client: TestClient, username: str = "admin") -> str:
    """Signs in through the pages and enrols; returns the TOTP secret."""
    response = client.post("/login", data={"username": username, "password": PASSWORD, "next": "/admin/users"},
                           follow_redirects=False)
    assert response.headers["location"].startswith("/login/second-factor")
    page = client.get(response.headers["location"]).text
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', page).group(1)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    done = client.post("/login/second-factor", data={"code": pyotp.TOTP(secret).now(), "csrf_token": csrf,
                                                     "next": "/admin/users"}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/admin/users"
    return secret


def test_password_alone_does_not_let_an_administrator_act(client: TestClient, world, two_factor) -> None:
    client.post("/login", data={"username": "admin", "password": PASSWORD})
    response = client.get("/api/v1/me")
    assert response.status_code == 401 and response.json()["error"]["code"] == "second_factor_required"
    page = client.get("/admin/departments", headers={"accept": "text/html"}, follow_redirects=False)
    assert page.headers["location"].startswith("/login/second-factor")


def test_enrolment_then_api_sign_in_with_code(client: TestClient, world, two_factor, db: Database) -> None:
    secret = _enrol(client)
    assert client.get("/api/v1/me").json()["name"] == "admin"
    api = TestClient(client.app)
    no_code = api.post("/api/v1/session", json={"username": "admin", "password": PASSWORD})
    assert no_code.status_code == 401 and no_code.json()["error"]["field"] == "otp"
    next_code = pyotp.TOTP(secret).at(time.time() + 30)  # the current one was just used
    ok = api.post("/api/v1/session", json={"username": "admin", "password": PASSWORD, "otp": next_code})
    assert ok.status_code == 200, ok.text
    replay = TestClient(client.app).post("/api/v1/session",
                                         json={"username": "admin", "password": PASSWORD, "otp": next_code})
    assert replay.status_code == 401
    with db.session() as session:
        outcomes = session.scalars(select(AuditRecord.outcome).where(AuditRecord.action == "login.second_factor")).all()
    assert "failure" in outcomes and "success" in outcomes


def test_api_sign_in_before_enrolment_is_refused(client: TestClient, world, two_factor) -> None:
    response = client.post("/api/v1/session", json={"username": "auditor", "password": PASSWORD, "otp": "123456"})
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "second_factor_enrollment_required"


def test_wrong_code_is_refused_on_the_page(client: TestClient, world, two_factor) -> None:
    client.post("/login", data={"username": "admin", "password": PASSWORD})
    page = client.get("/login/second-factor").text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post("/login/second-factor", data={"code": "000000", "csrf_token": csrf})
    assert response.status_code == 401 and "验证码错误" in response.text
    assert client.get("/api/v1/me").status_code == 401


def test_department_users_need_no_second_factor(client: TestClient, world, two_factor) -> None:
    login(client, "hr.user")
    assert client.get("/api/v1/me").status_code == 200


def test_security_admin_resets_a_lost_authenticator(client: TestClient, world, two_factor) -> None:
    _enrol(client, "admin")
    sec = TestClient(client.app)
    _enrol(sec, "secadmin")
    home = sec.get("/", headers={"accept": "text/html"}).text
    csrf = re.search(r'name="csrf-token" content="([^"]+)"', home).group(1)
    users = sec.get("/api/v1/users", params={"q": "admin"}).json()["items"]
    admin_id = next(u["id"] for u in users if u["username"] == "admin")
    assert sec.post(f"/api/v1/users/{admin_id}/second-factor/reset", headers={"x-csrf-token": csrf}).status_code == 200
    fresh = TestClient(client.app)
    fresh.post("/login", data={"username": "admin", "password": PASSWORD})
    assert 'id="totp-secret"' in fresh.get("/login/second-factor").text  # enrols again
