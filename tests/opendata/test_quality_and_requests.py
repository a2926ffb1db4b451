"""The dataset page's full quality report (dimensions with the published weights, rule by rule,
a chart; never a value), and data requests routed to departments whose staff answer them."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import select

from govshare.core.audit import AuditRecord
from govshare.opendata.models import DataRequest
from govshare.quality.rules import WEIGHTS
from tests.factories import login
from tests.opendata.test_pages_security import _csrf

HTML = {"accept": "text/html"}


def _section(html: str, anchor: str) -> str:
    return html.split(f'id="{anchor}"', 1)[1].split("</section>", 1)[0]


def test_dataset_page_shows_the_rule_by_rule_report(client: TestClient, open_world, db) -> None:
    from govshare.exchange.models import DatasetVersion

    client.cookies.clear()
    html = client.get(f"/open/datasets/{open_world.people['slug']}", headers=HTML).text
    report = _section(html, "quality")
    dims = report.split('id="quality-dimensions"')[1].split("</table>")[0]
    for label, weight in (("完整性", WEIGHTS["completeness"]), ("有效性", WEIGHTS["validity"])):
        assert re.search(rf"<td>{label}</td><td>{weight}%</td>", dims), label
    rules = report.split('id="quality-rules"')[1].split("</table>")[0]
    with db.session() as session:
        stored = session.scalars(select(DatasetVersion.quality_report).where(DatasetVersion.rows_live == 40)).first()
    assert stored["rules"] and rules.count("<tr>") == len(stored["rules"]) + 1  # header row + one per rule
    assert all(r["item"] in rules for r in stored["rules"])
    assert "<svg" in report and "<title>" in report  # chart with its text alternative
    for p in open_world.persons:  # no value of any person, whatever the item
        assert p["公民身份号码"] not in report and p["姓名"] not in report
    english = _section(client.get(f"/open/datasets/{open_world.people['slug']}?lang=en", headers=HTML).text, "quality")
    assert "Completeness" in english and "Rule by rule" in english
    api = client.get(f"/api/open/v1/datasets/{open_world.people['slug']}").json()["quality_report"]
    assert {d["dimension"]: d["weight"] for d in api["dimensions"]} == WEIGHTS
    assert "samples" not in api and all(set(r) >= {"item", "failures", "checked"} for r in api["rules"])
    for secret in open_world.secret:
        assert client.get(f"/open/datasets/{secret['slug']}", headers=HTML).status_code == 404
        assert client.get(f"/api/open/v1/datasets/{secret['slug']}").status_code == 404


def test_requests_are_routed_to_departments_and_answered_there(client: TestClient, open_world, world, db) -> None:
    client.cookies.clear()
    form = client.get("/open/requests", headers=HTML).text
    assert f'<option value="{world.hr.id}"' in form
    token = _csrf(client, "/open/requests")
    client.post("/open/requests", data={"csrf_token": token, "title": "社保缴费统计", "description": "按月",
                                        "department": str(world.hr.id)})
    client.post("/open/requests", data={"csrf_token": token, "title": "交通违法统计", "description": "按区"})
    bad = client.post("/open/requests", data={"csrf_token": token, "title": "x", "description": "y",
                                              "department": "999999"}, headers=HTML)
    assert bad.status_code == 422 and "999999" in bad.text
    public = client.get("/open/requests", headers=HTML).text
    assert re.search(rf"社保缴费统计</td><td>{world.hr.name}</td><td>已提交", public)
    assert re.search(r"交通违法统计</td><td>待转交</td>", public)
    with db.session() as session:
        ids = {r.title: r.id for r in session.scalars(select(DataRequest))}

    login(client, "police.officer")  # nothing routed to the police yet
    page = client.get("/open-dept/requests", headers=HTML)
    assert page.status_code == 200 and "社保缴费统计" not in page.text and "交通违法统计" not in page.text

    admin = login(client, "admin")
    routed = client.post(f"/open-admin/requests/{ids['交通违法统计']}/route",
                         data={"department": str(world.police.id), "csrf_token": admin["x-csrf-token"]},
                         follow_redirects=False)
    assert routed.status_code == 303
    assert client.post(f"/open-admin/requests/{ids['交通违法统计']}/route",
                       data={"department": "-"}, headers={"accept": "application/json"}).status_code == 403  # CSRF

    police = login(client, "police.officer")
    page = client.get("/open-dept/requests", headers=HTML).text
    assert "交通违法统计" in page and "社保缴费统计" not in page
    other = client.post(f"/open-dept/requests/{ids['社保缴费统计']}",
                        data={"status": "accepted", "answer": "x", "csrf_token": police["x-csrf-token"]},
                        headers={"accept": "application/json"})
    assert other.status_code == 404  # another department's request
    answered = client.post(f"/open-dept/requests/{ids['交通违法统计']}",
                           data={"status": "fulfilled", "answer": "已在开放平台发布",
                                 "csrf_token": police["x-csrf-token"]},
                           follow_redirects=False)
    assert answered.status_code == 303

    login(client, "hr.user")  # a consumer: not a department's request handler
    assert client.get("/open-dept/requests", headers={"accept": "application/json"}).status_code == 403

    client.cookies.clear()
    public = client.get("/open/requests", headers=HTML).text
    assert re.search(rf"交通违法统计</td><td>{world.police.name}</td><td>已开放</td><td>已在开放平台发布", public)
    with db.session() as session:
        actions = set(session.scalars(select(AuditRecord.action).where(AuditRecord.action.like("opendata.request%"))))
    assert {"opendata.request.route", "opendata.request.answer", "opendata.request.list"} <= actions
