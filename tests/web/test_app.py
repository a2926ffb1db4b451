"""The web shell: declared access everywhere, one error shape, vendored assets, translations."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient

from govshare.core.i18n import catalogue
from govshare.web.app import STATIC, _routers, undeclared_routes
from tests.factories import login

TEMPLATES = Path(__file__).resolve().parents[2] / "src" / "govshare"


def test_every_route_declares_who_may_call_it() -> None:
    assert undeclared_routes(_routers()) == []


def test_an_undeclared_route_stops_the_app() -> None:
    from fastapi import APIRouter

    rogue = APIRouter()

    @rogue.get("/rogue")
    def rogue_route() -> dict:
        return {}

    assert undeclared_routes([rogue]) == ["GET /rogue"]


def test_health_and_openapi(client: TestClient, world) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    spec = client.get("/api/openapi.json").json()
    assert "/api/v1/departments" in spec["paths"]
    assert "/api/v1/audit/records" in spec["paths"]


def test_api_docs_use_vendored_assets_only(client: TestClient) -> None:
    html = client.get("/api/docs").text
    for src in re.findall(r'(?:src|href)="([^"]+)"', html):
        assert src.startswith("/static/"), src
        assert client.get(src).status_code == 200


def test_no_page_or_asset_points_at_another_origin() -> None:
    for path in list(TEMPLATES.rglob("*.html")) + list((STATIC / "js").rglob("*.js")):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r'(?:src|href)="(?:https?:)?//', text), path


def test_unknown_api_path_uses_the_error_envelope(client: TestClient) -> None:
    body = client.get("/api/v1/nothing-here").json()
    assert body["error"]["code"] == "not_found"


def test_pages_redirect_to_login_and_api_answers_401(client: TestClient, world) -> None:
    page = client.get("/admin/departments", headers={"accept": "text/html"}, follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"].startswith("/login")
    assert client.get("/api/v1/me").status_code == 401


def test_security_headers(client: TestClient) -> None:
    headers = client.get("/login").headers
    assert "script-src 'self'" in headers["content-security-policy"]
    assert headers["x-frame-options"] == "DENY"


def test_login_does_not_redirect_off_site(client: TestClient, world) -> None:
    from tests.factories import PASSWORD

    response = client.post("/login", data={"username": "admin", "password": PASSWORD, "next": "//evil.example/x"},
                           follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/"


def test_wrong_password_on_the_form_shows_the_reason(client: TestClient, world) -> None:
    response = client.post("/login", data={"username": "admin", "password": "nope"})
    assert response.status_code == 401
    assert "用户名或口令错误" in response.text


def test_every_label_used_in_templates_is_translated() -> None:
    known = catalogue()
    used: set[str] = set()
    for path in TEMPLATES.rglob("*.html"):
        used |= set(re.findall(r"\bt\('([a-z0-9_]+)'\)", path.read_text(encoding="utf-8")))
    assert used, "no translated labels found"
    assert sorted(used - set(known)) == []


def test_english_switch(client: TestClient, world) -> None:
    login(client, "admin")
    html = client.get("/admin/departments?lang=en", headers={"accept": "text/html"}).text
    assert "Departments" in html and 'lang="en"' in html
    assert client.cookies.get("lang") == "en"


def test_admin_pages_render_for_their_roles(client: TestClient, world) -> None:
    login(client, "admin")
    for path in ("/admin/departments", f"/admin/departments/{world.hr.id}", "/admin/users", "/clients"):
        assert client.get(path, headers={"accept": "text/html"}).status_code == 200, path
    assert client.get("/audit", headers={"accept": "text/html"}).status_code == 403


def test_page_form_error_keeps_input_and_names_the_field(client: TestClient, world) -> None:
    headers = login(client, "admin")
    response = client.post("/admin/departments", data={
        "csrf_token": headers["x-csrf-token"], "name": "测试局", "uscc": "12345", "division_code": "330000",
        "kind": "government", "parent_id": ""}, headers={"accept": "text/html"})
    assert response.status_code == 422
    assert 'id="err-uscc"' in response.text and 'value="测试局"' in response.text


def test_audit_page_search_and_export(client: TestClient, world) -> None:
    login(client, "auditor")
    html = client.get("/audit?action=user.", headers={"accept": "text/html"}).text
    assert "user.create" in html
    csv = client.get("/api/v1/audit/export?format=csv&action=user.")
    assert csv.status_code == 200 and csv.content.startswith(b"\xef\xbb\xbf")
    assert b"user.create" in csv.content
    xlsx = client.get("/api/v1/audit/export?format=xlsx")
    assert xlsx.content[:2] == b"PK"


def test_audit_verify_from_the_page(client: TestClient, world) -> None:
    headers = login(client, "auditor")
    html = client.post("/audit/verify", data={"csrf_token": headers["x-csrf-token"]},
                       headers={"accept": "text/html"}).text
    assert "哈希链完整" in html
