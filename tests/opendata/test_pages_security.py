"""Public pages: HTML in titles renders as text, forms need their CSRF token, requests and
error reports with a visible status answered by the authority (audited), counts, languages,
rate limits with Retry-After, API keys and datasets open with conditions."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.factories import login
from tests.opendata.conftest import AIR_ITEMS, _publish, open_entry

HTML = {"accept": "text/html"}
SCRIPT = "<script>alert(1)</script>"


def _csrf(client: TestClient, url: str) -> str:
    page = client.get(url, headers=HTML)
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


def test_html_in_titles_and_summaries_is_text(client: TestClient, open_world) -> None:
    data = open_entry(f"恶意标题{SCRIPT}", AIR_ITEMS)
    data["summary"] = f'<img src=x onerror="alert(2)">{SCRIPT}'
    found = _publish(client, data, "police.officer")
    for url in (f"/open/datasets/{found['slug']}", "/open", "/open/search?q=恶意标题"):
        html = client.get(url, headers=HTML).text
        assert SCRIPT not in html and "<img src=x" not in html, url
        assert "&lt;script&gt;" in html, url


def test_public_forms_need_the_csrf_token(client: TestClient, open_world) -> None:
    refused = client.post("/open/requests", data={"title": "公交到站数据", "description": "希望开放实时到站"})
    assert refused.status_code == 403
    token = _csrf(client, "/open/requests")
    other = TestClient(client.app)  # another browser without the cookie
    assert other.post("/open/requests", data={"csrf_token": token, "title": "x", "description": "y"}).status_code == 403
    ok = client.post(
        "/open/requests",
        data={
            "csrf_token": token,
            "title": f"公交到站数据{SCRIPT}",
            "description": "希望开放实时到站",
            "contact": "me@example.cn",
        },
        follow_redirects=False,
    )
    assert ok.status_code == 303
    page = client.get("/open/requests", headers=HTML).text
    assert "公交到站数据" in page and "已提交" in page and SCRIPT not in page
    assert "me@example.cn" not in page  # contact is never public
    slug = open_world.air["slug"]
    assert client.post(f"/open/datasets/{slug}/report", data={"description": "x"}).status_code == 403


def test_authority_answers_requests_and_reports_with_audit(client: TestClient, open_world, db) -> None:
    token = _csrf(client, "/open/requests")
    client.post("/open/requests", data={"csrf_token": token, "title": "停车场泊位", "description": "实时泊位"})
    slug = open_world.air["slug"]
    client.post(
        f"/open/datasets/{slug}/report",
        data={"csrf_token": _csrf(client, f"/open/datasets/{slug}"), "description": "3 月 2 日指数有误"},
    )
    headers = login(client, "admin")
    admin = client.get("/open-admin", headers=HTML)
    assert admin.status_code == 200 and "停车场泊位" in admin.text and "data-chart" in admin.text
    from sqlalchemy import select

    from govshare.core.audit import AuditRecord
    from govshare.opendata.models import DataRequest, ErrorReport

    with db.session() as session:
        request_id = session.scalar(select(DataRequest.id))
        report_id = session.scalar(select(ErrorReport.id))
    refused = client.post(
        f"/open-admin/requests/{request_id}",
        data={"status": "declined", "answer": "", "csrf_token": headers["x-csrf-token"]},
    )
    assert refused.status_code == 422
    client.post(
        f"/open-admin/requests/{request_id}",
        data={"status": "accepted", "answer": "已受理，预计下月开放", "csrf_token": headers["x-csrf-token"]},
    )
    client.post(
        f"/open-admin/reports/{report_id}",
        data={"status": "corrected", "answer": "已更正", "csrf_token": headers["x-csrf-token"]},
    )
    client.post(
        "/open-admin/feature",
        data={"code": open_world.air["code"], "featured": "yes", "csrf_token": headers["x-csrf-token"]},
    )
    client.cookies.clear()
    assert "已受理，预计下月开放" in client.get("/open/requests", headers=HTML).text
    assert "已更正" in client.get(f"/open/datasets/{slug}", headers=HTML).text
    assert "杭州市空气质量日报" in client.get("/open", headers=HTML).text.split("最新数据集")[0]
    with db.session() as session:
        actions = set(session.scalars(select(AuditRecord.action)))
    assert {"opendata.request.answer", "opendata.report.answer", "opendata.feature"} <= actions


def test_admin_side_needs_its_roles(client: TestClient, open_world) -> None:
    client.cookies.clear()  # the fixture published as the administrator
    assert client.get("/open-admin", headers={"accept": "application/json"}).status_code == 401
    login(client, "hr.user")
    assert client.get("/open-admin", headers={"accept": "application/json"}).status_code == 403
    headers = login(client, "auditor")
    assert client.get("/open-admin", headers=HTML).status_code == 200
    answer = client.post(
        "/open-admin/feature",
        data={"code": open_world.air["code"], "csrf_token": headers["x-csrf-token"]},
        headers={"accept": "application/json"},
    )
    assert answer.status_code == 403


def test_views_and_downloads_are_counted(client: TestClient, open_world) -> None:
    slug = open_world.air["slug"]
    client.get(f"/open/datasets/{slug}", headers=HTML)
    client.get(f"/open/datasets/{slug}/download.csv")
    shown = client.get(f"/open/datasets/{slug}", headers=HTML).text
    assert "浏览 2" in shown and "下载 1" in shown


def test_english_and_accessibility_basics(client: TestClient, open_world) -> None:
    html = client.get(f"/open/datasets/{open_world.air['slug']}?lang=en", headers=HTML).text
    assert 'lang="en"' in html and "Download" in html and "Preview" in html
    assert "<script>" not in html.split("</head>")[1]  # no inline scripts
    assert all('alt="' in tag for tag in re.findall(r"<img[^>]*>", html))


def test_csv_with_bom_for_excel(client: TestClient, open_world) -> None:
    answer = client.get(f"/open/datasets/{open_world.air['slug']}/download.csv", params={"bom": "1"})
    assert answer.content.startswith("\ufeff监测站点".encode())
    assert "attachment" in answer.headers["content-disposition"]


def test_rate_limit_429_with_retry_after_and_keys_raise_it(client: TestClient, open_world, monkeypatch) -> None:
    from govshare.core.config import reset_settings_cache

    monkeypatch.setenv("GOVSHARE_POLICY__OPEN_ANONYMOUS_CALLS_PER_MINUTE", "3")
    reset_settings_cache()
    codes = [client.get("/api/3/action/package_list").status_code for _ in range(5)]
    assert codes[:3] == [200, 200, 200] and codes[3] == 429
    limited = client.get("/api/3/action/package_list")
    assert limited.json()["error"]["__type"] == "Rate Limit Error" and int(limited.headers["retry-after"]) >= 1
    assert client.get("/api/open/v1/datasets").status_code == 429
    token = _csrf(client, "/open/developers")
    page = client.post(
        "/open/developers",
        data={"csrf_token": token, "email": "dev@example.cn", "password": "long-enough-pass", "agree": "yes"},
        headers=HTML,
    )
    key = re.search(r"(od_[A-Za-z0-9_-]+)", page.text).group(1)
    client.cookies.clear()
    assert client.get("/api/3/action/package_list", headers={"X-API-Key": key}).status_code == 200
    assert client.get("/api/3/action/package_list", headers={"Authorization": key}).status_code == 200
    bad = client.get("/api/3/action/package_list", headers={"X-API-Key": "od_wrong"})
    assert bad.status_code == 403 and bad.json()["error"]["__type"] == "Authorization Error"


def test_open_with_conditions_needs_an_account_that_agreed(client: TestClient, open_world, db) -> None:
    from govshare.catalog.models import CatalogResource
    from govshare.opendata import releases
    from govshare.opendata.models import Access
    from tests.exchange.conftest import operator

    _principal, actor = operator()
    with db.session() as session:
        releases.set_access(session, actor, session.get(CatalogResource, open_world.air["id"]), Access.REGISTERED)
    slug = open_world.air["slug"]
    assert client.get(f"/api/3/action/package_show?id={slug}").status_code == 200  # metadata stays public
    assert client.get(f"/open/datasets/{slug}/download.csv").status_code == 401
    assert client.get(f"/api/3/action/datastore_search?resource_id={slug}.csv").status_code == 403
    keys = {}
    for email, agree in (("a@example.cn", ""), ("b@example.cn", "yes")):
        token = _csrf(client, "/open/developers")
        page = client.post(
            "/open/developers",
            data={"csrf_token": token, "email": email, "password": "long-enough-pass", "agree": agree},
            headers=HTML,
        )
        keys[email] = re.search(r"(od_[A-Za-z0-9_-]+)", page.text).group(1)
        client.cookies.clear()
    no_agreement = client.get(f"/open/datasets/{slug}/download.csv", headers={"X-API-Key": keys["a@example.cn"]})
    assert no_agreement.status_code == 403
    agreed = client.get(f"/open/datasets/{slug}/download.csv", headers={"X-API-Key": keys["b@example.cn"]})
    assert agreed.status_code == 200 and len(agreed.text.splitlines()) == 151


def test_public_sign_in_and_out(client: TestClient, open_world, db) -> None:
    from govshare.catalog.models import CatalogResource
    from govshare.opendata import releases
    from govshare.opendata.models import Access
    from tests.exchange.conftest import operator

    _principal, actor = operator()
    with db.session() as session:
        releases.set_access(session, actor, session.get(CatalogResource, open_world.air["id"]), Access.REGISTERED)
    client.cookies.clear()
    token = _csrf(client, "/open/developers")
    client.post(
        "/open/developers",
        data={"csrf_token": token, "email": "c@example.cn", "password": "long-enough-pass", "agree": "yes"},
        headers=HTML,
    )
    client.cookies.delete("od_key")
    download = f"/open/datasets/{open_world.air['slug']}/download.csv"
    assert client.get(download).status_code == 401
    token = _csrf(client, "/open/developers")
    wrong = client.post(
        "/open/signin", data={"csrf_token": token, "email": "c@example.cn", "password": "nope"}, headers=HTML
    )
    assert wrong.status_code == 401
    signed = client.post(
        "/open/signin",
        data={"csrf_token": token, "email": "c@example.cn", "password": "long-enough-pass"},
        follow_redirects=False,
    )
    assert signed.status_code == 303 and client.get(download).status_code == 200
    key = client.cookies.get("od_key")
    client.post("/open/signout", data={"csrf_token": _csrf(client, "/open/developers")})
    assert client.get(download).status_code == 401
    revoked = client.get(download, headers={"X-API-Key": key})
    assert revoked.status_code == 401 and revoked.json()["error"]["code"] == "invalid_key"  # revoked at sign-out
