"""Census returns: a department uploads its form; every error names sheet, row and column;
nothing is half-imported; the authority reviews the returns."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from govshare.core.audit import AuditRecord
from govshare.core.clock import today
from govshare.core.db import Database
from govshare.systems.models import InformationSystem
from tests.factories import login
from tests.systems.helpers import census_row, census_xlsx

HR = "浙江省人力资源和社会保障厅"


def _upload(client: TestClient, headers: dict[str, str], content: bytes):  # type: ignore[no-untyped-def]
    files = {
        "file": (
            "census.xlsx",
            content,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    }
    return client.post("/api/v1/systems/census", files=files, headers=headers)


def _count(db: Database) -> int:
    with db.session() as session:
        return session.scalar(select(func.count()).select_from(InformationSystem)) or 0


def test_officer_uploads_census_and_authority_accepts(
    client: TestClient, world, db: Database
) -> None:
    headers = login(client, "hr.officer")
    rows = [
        census_row(HR, "社会保险信息系统"),
        census_row(HR, "就业创业服务平台", 部署网络="专网", 专网名称="人社专网"),
    ]
    response = _upload(client, headers, census_xlsx(rows))
    assert response.status_code == 201, response.text
    [ret] = response.json()
    assert ret["created"] == 2 and ret["status"] == "submitted"
    listed = client.get("/api/v1/systems").json()
    assert {s["name"] for s in listed["items"]} == {"社会保险信息系统", "就业创业服务平台"}
    # A second return updates, never duplicates.
    again = _upload(client, headers, census_xlsx([census_row(HR, "社会保险信息系统", 用户数=900)]))
    assert again.json()[0]["updated"] == 1 and _count(db) == 2

    admin = login(client, "admin")
    review = client.post(
        f"/api/v1/systems/census/{ret['id']}/review",
        params={"accept": "true", "note": "ok"},
        headers=admin,
    )
    assert review.status_code == 200 and review.json()["status"] == "accepted"
    with db.session() as session:
        actions = set(session.scalars(select(AuditRecord.action)))
    assert {"census.submit", "census.review", "system.create", "system.update"} <= actions


def _problems(response) -> list[dict]:  # type: ignore[no-untyped-def]
    assert response.status_code == 422, response.text
    return response.json()["error"]["details"]


def test_missing_mandatory_field_names_sheet_row_column_and_imports_nothing(
    client: TestClient, world, db: Database
) -> None:
    headers = login(client, "hr.officer")
    rows = [census_row(HR, "社会保险信息系统"), census_row(HR, "就业创业服务平台", 资金来源=None)]
    problems = _problems(_upload(client, headers, census_xlsx(rows)))
    assert problems == [
        {
            "sheet": "信息系统",
            "row": 3,
            "column": "K",
            "header": "资金来源",
            "message": "信息系统!K3 (资金来源) is required",
            "message_zh": "信息系统 第 3 行 K 列（资金来源）为必填项",
        }
    ]
    assert _count(db) == 0  # the valid first row was not written either


def test_unknown_department_is_reported(client: TestClient, world, db: Database) -> None:
    headers = {**login(client, "hr.officer"), "accept-language": "zh-CN"}
    response = _upload(client, headers, census_xlsx([census_row("浙江省不存在厅", "某系统")]))
    [problem] = _problems(response)
    assert (problem["row"], problem["column"], problem["header"]) == (2, "A", "填报部门")
    assert "第 2 行 A 列" in response.json()["error"]["message"]
    assert _count(db) == 0


def test_other_departments_rows_are_refused_for_an_officer(
    client: TestClient, world, db: Database
) -> None:
    headers = login(client, "hr.officer")
    [problem] = _problems(
        _upload(client, headers, census_xlsx([census_row("浙江省公安厅", "人口信息管理系统")]))
    )
    assert problem["column"] == "A"


def test_future_approval_date_is_reported(client: TestClient, world, db: Database) -> None:
    headers = login(client, "hr.officer")
    future = (today() + timedelta(days=30)).isoformat()
    [problem] = _problems(
        _upload(client, headers, census_xlsx([census_row(HR, "社会保险信息系统", 审批时间=future)]))
    )
    assert (problem["row"], problem["column"], problem["header"]) == (2, "J", "审批时间")
    assert "future" in problem["message"]


def test_duplicate_system_in_one_file_is_reported(client: TestClient, world, db: Database) -> None:
    headers = login(client, "hr.officer")
    rows = [
        census_row(HR, "社会保险信息系统"),
        census_row(HR, "就业创业服务平台"),
        census_row(HR, "社会保险信息系统"),
    ]
    [problem] = _problems(_upload(client, headers, census_xlsx(rows)))
    assert (problem["row"], problem["column"]) == (4, "C")
    assert "row 2" in problem["message"]
    assert _count(db) == 0


def test_bad_choice_and_number_are_reported_together(client: TestClient, world) -> None:
    headers = login(client, "hr.officer")
    problems = _problems(
        _upload(
            client,
            headers,
            census_xlsx([census_row(HR, "X系统", 用户数="很多", 部署网络="局域网")]),
        )
    )
    assert {(p["column"], p["header"]) for p in problems} == {("E", "用户数"), ("R", "部署网络")}


def test_wrong_workbook_and_template_download(client: TestClient, world) -> None:
    headers = login(client, "hr.officer")
    response = _upload(client, headers, census_xlsx([census_row(HR, "X系统")], sheet="Sheet1"))
    assert response.status_code == 422 and "信息系统" in response.json()["error"]["message"]
    assert _upload(client, headers, b"not a workbook").status_code == 422
    template = client.get("/api/v1/systems/census/template")
    assert template.status_code == 200 and template.content[:2] == b"PK"


def test_consumer_may_not_upload_and_other_departments_systems_are_hidden(
    client: TestClient, world
) -> None:
    officer = login(client, "hr.officer")
    created = _upload(client, officer, census_xlsx([census_row(HR, "社会保险信息系统")]))
    assert created.status_code == 201
    system_id = client.get("/api/v1/systems").json()["items"][0]["id"]
    consumer = login(client, "police.user")
    assert (
        _upload(client, consumer, census_xlsx([census_row("浙江省公安厅", "Y系统")])).status_code
        == 403
    )
    assert client.get(f"/api/v1/systems/{system_id}").status_code == 404
    assert client.get("/api/v1/systems").json()["total"] == 0


def test_a_return_cannot_rewrite_another_departments_system(
    client: TestClient, world, db: Database
) -> None:
    police = login(client, "police.officer")
    theirs = _upload(client, police, census_xlsx([census_row("浙江省公安厅", "人口信息管理系统")]))
    assert theirs.status_code == 201
    code = client.get("/api/v1/systems").json()["items"][0]["code"]
    officer = login(client, "hr.officer")
    [problem] = _problems(
        _upload(client, officer, census_xlsx([census_row(HR, "社会保险信息系统", 系统编号=code)]))
    )
    assert (problem["row"], problem["column"], problem["header"]) == (2, "B", "系统编号")
    assert _count(db) == 1
