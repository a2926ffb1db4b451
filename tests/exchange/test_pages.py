"""The exchange pages as people use them: request from the resource page, answer with a narrower
grant, see countdowns, grants, usage and how to call, in Chinese and English."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.exchange.conftest import ask
from tests.factories import login

HTML = {"accept": "text/html"}


def _csrf(client: TestClient, path: str) -> str:
    return client.get(path, headers=HTML).text.split('name="csrf-token" content="', 1)[1].split('"', 1)[0]


def test_request_and_narrower_answer_through_the_pages(client: TestClient, world, loaded) -> None:
    login(client, "police.officer")
    page = client.get(f"/exchange/resources/{loaded.id}", headers=HTML)
    assert page.status_code == 200 and "调用方法" in page.text and "curl" in page.text and "申请使用" in page.text
    token = _csrf(client, f"/exchange/resources/{loaded.id}")
    sent = client.post(f"/exchange/resources/{loaded.id}/request", headers=HTML, follow_redirects=False, data={
        "csrf_token": token, "purpose": "户籍业务办理", "scenario": "窗口受理",
        "items": ["公民身份号码", "姓名", "参保状态"]})
    assert sent.status_code == 303, sent.text
    request_path = sent.headers["location"]
    mine = client.get("/exchange", headers=HTML).text
    assert "待答复" in mine and "剩余" in mine and "个工作日" in mine

    login(client, "hr.officer")
    assert request_path.split("/")[-1] in client.get("/exchange/review", headers=HTML).text
    token = _csrf(client, request_path)
    missing_note = client.post(f"{request_path}/approve", headers=HTML, data={
        "csrf_token": token, "items": ["公民身份号码", "参保状态"], "operations": ["query", "verify"]})
    assert missing_note.status_code == 422 and "部分同意须说明理由" in missing_note.text
    done = client.post(f"{request_path}/approve", headers=HTML, follow_redirects=False, data={
        "csrf_token": token, "items": ["公民身份号码", "参保状态"], "operations": ["query", "verify"],
        "note": "姓名不在共享条件内"})
    assert done.status_code == 303
    shown = client.get(request_path, headers=HTML).text
    assert "部分同意" in shown and "姓名不在共享条件内" in shown

    login(client, "police.officer")
    grants = client.get("/exchange/grants", headers=HTML).text
    assert "参保状态" in grants and "有效" in grants


def test_pages_in_english_and_for_each_role(client: TestClient, world, loaded) -> None:
    ask(client, loaded.id)
    for user in ("police.officer", "hr.officer", "hr.user", "admin", "auditor"):
        login(client, user)
        for path in ("/exchange", "/exchange/review", "/exchange/grants", "/exchange/usage",
                     f"/exchange/resources/{loaded.id}"):
            answer = client.get(path, headers=HTML)
            assert answer.status_code in (200, 403), (user, path, answer.status_code)
    login(client, "hr.officer")
    english = client.get("/exchange/review?lang=en", headers=HTML).text
    assert "Requests to review" in english and "working days" in english
    assert "<script>" not in english  # strict CSP: no inline scripts


def test_other_departments_request_page_is_not_found(client: TestClient, world, loaded, db) -> None:  # type: ignore
    from govshare.core.auth import Role
    from tests.factories import make_department, make_user

    asked = ask(client, loaded.id)
    third = make_department(db, "浙江省民政厅", "330000", 4)
    make_user(db, "mz.user", third.id, Role.CONSUMER)
    login(client, "mz.user")
    assert client.get(f"/exchange/requests/{asked['id']}", headers=HTML).status_code == 404
