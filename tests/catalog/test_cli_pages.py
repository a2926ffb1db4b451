"""The catalog from the shell (import, export, check, census, search) and in the browser's
pages (search, editor, review, compare, census), plus the demo catalog."""

from __future__ import annotations

import json
import random
from pathlib import Path

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from govshare.cli import app
from govshare.core.db import Database
from tests.catalog.conftest import entry, publish
from tests.catalog.test_import_export import item_row, resource_row, to_bytes, workbook
from tests.factories import login

runner = CliRunner()
HTML = {"accept": "text/html"}


def test_cli_import_search_census_export_check(client: TestClient, world, tmp_path: Path) -> None:
    book = workbook(
        [
            resource_row(1, "社会保险参保信息", world.hr.name),
            resource_row(2, "就业登记信息", world.hr.name),
        ],
        [item_row(1, "参保状态"), item_row(2, "就业单位")],
    )
    source = tmp_path / "目录.xlsx"
    source.write_bytes(to_bytes(book))
    checked = runner.invoke(app, ["catalog", "check", str(source), "--format", "json"])
    assert checked.exit_code == 0, checked.output
    imported = runner.invoke(
        app, ["catalog", "import", str(source), "--submit", "--format", "json"]
    )
    assert imported.exit_code == 0, imported.output
    assert json.loads(imported.stdout)["created"] == 2
    admin = login(client, "admin")
    for item in client.get("/api/v1/catalog/review").json()["items"]:
        client.post(f"/api/v1/catalog/resources/{item['id']}/publish", json={}, headers=admin)
    found = runner.invoke(app, ["catalog", "search", "社保", "--format", "json"])
    assert found.exit_code == 0
    assert {h["name"] for h in json.loads(found.stdout)["items"]} == {
        "社会保险参保信息",
        "就业登记信息",
    }  # 人社厅 = 社会保障
    census = runner.invoke(
        app, ["catalog", "census", "--format", "json", "--xlsx", str(tmp_path / "c.xlsx")]
    )
    report = json.loads(census.stdout)
    assert report["totals"]["resources"] == 2 and report["rows"][0]["label"] == world.hr.name
    assert (tmp_path / "c.xlsx").stat().st_size > 0
    out = tmp_path / "out.csv"
    assert runner.invoke(app, ["catalog", "export", str(out)]).exit_code == 0
    assert "社会保险参保信息" in out.read_text(encoding="utf-8-sig")
    assert runner.invoke(app, ["catalog", "check", "--format", "json"]).exit_code == 0


def test_cli_failures_are_one_line_and_non_zero(client: TestClient, world, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_bytes(
        "信息资源名称,信息资源提供方,信息资源摘要,共享类型\n就业登记,不存在的部门,摘要,部分共享\n".encode(
            "gbk"
        )
    )
    result = runner.invoke(app, ["catalog", "import", str(bad)])
    assert result.exit_code == 1
    assert "nothing was imported" in result.output and "row 2" in result.output
    long = runner.invoke(app, ["catalog", "search", "社" * 1000])
    assert long.exit_code == 1 and "at most 100" in long.output


def test_search_page_facets_and_highlight(client: TestClient, world) -> None:
    publish(client, "hr.officer", entry("社会保险参保信息"))
    login(client, "police.user")
    page = client.get("/catalog", params={"q": "社保"}, headers=HTML)
    assert page.status_code == 200
    assert "<mark>社会保险</mark>参保信息" in page.text
    assert world.hr.name in page.text  # provider facet
    assert client.get("/catalog", params={"q": "x" * 500}, headers=HTML).status_code == 422
    assert client.get("/catalog?lang=en", headers=HTML).text.count("Sharing type") >= 1


def test_editor_saves_draft_with_items_and_shows_checks(client: TestClient, world) -> None:
    login(client, "hr.officer")
    form = client.get("/catalog/new", headers=HTML)
    token = form.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    data = {
        "csrf_token": token,
        "catalog": "department",
        "class_code": "",
        "name": "工伤认定信息",
        "summary": "工伤认定结论",
        "format": "database",
        "update_cycle": "monthly",
        "share_type": "conditional",
        "share_conditions": "",
        "item_rows": "2",
        "item_name_0": "公民身份号码",
        "item_type_0": "string",
        "item_length_0": "18",
        "item_element_0": "DE0101",
        "item_name_1": "",
        "item_type_1": "string",
    }
    more = client.post("/catalog/new", data={**data, "more": "1"}, headers=HTML)
    assert more.text.count('name="item_name_') == 7  # two rows + five more; nothing saved
    saved = client.post("/catalog/new", data=data, headers=HTML, follow_redirects=False)
    assert saved.status_code == 303
    page = client.get(saved.headers["location"], headers=HTML)
    assert "有条件共享的资源必须填写共享条件" in page.text
    submitted = client.post(
        saved.headers["location"].split("?")[0] + "/submit",
        data={"csrf_token": token},
        headers=HTML,
    )
    assert submitted.status_code == 422 and "共享条件" in submitted.text


def test_review_queue_compare_and_census_pages(client: TestClient, world) -> None:
    resource = publish(client, "hr.officer", entry())
    headers = login(client, "hr.officer")
    client.put(
        f"/api/v1/catalog/resources/{resource['id']}",
        json=entry(update_cycle="monthly"),
        headers=headers,
    )
    client.post(f"/api/v1/catalog/resources/{resource['id']}/submit", headers=headers)
    login(client, "admin")
    queue = client.get("/catalog/review", headers=HTML)
    assert "社会保险参保信息" in queue.text
    compare = client.get(f"/catalog/resources/{resource['id']}/compare", headers=HTML)
    assert "每日" in compare.text and "每月" in compare.text
    census = client.get("/catalog/census", headers=HTML)
    assert (
        census.status_code == 200 and "data-chart=" in census.text and 'role="img"' in census.text
    )
    assert client.get("/api/v1/catalog/census.xlsx").status_code == 200
    login(client, "police.user")
    assert client.get("/catalog/census", headers=HTML).status_code == 403


def test_demo_catalog_is_published_and_clean(db: Database, world) -> None:
    from sqlalchemy import func, select

    from govshare.catalog import demo, workflow
    from govshare.catalog.checks import errors
    from govshare.catalog.models import CatalogResource
    from govshare.core.audit import Actor

    with db.session() as session:
        demo.build(session, Actor.system("demo"), random.Random(1))
    with db.session() as session:
        published = session.scalar(
            select(func.count()).where(CatalogResource.published_version_id.is_not(None))
        )
        assert published and published >= 20
        for resource in session.scalars(select(CatalogResource)):
            assert not errors(workflow.checks_for(session, resource)), resource.code


def test_openapi_documents_every_catalog_operation(client: TestClient) -> None:
    spec = client.get("/api/openapi.json").json()
    operations = [
        (path, method, op)
        for path, methods in spec["paths"].items()
        if path.startswith("/api/v1/catalog")
        for method, op in methods.items()
    ]
    assert len(operations) >= 20
    assert all(op.get("summary") for _p, _m, op in operations)
    fields = spec["components"]["schemas"]["ResourceIn"]["properties"]
    assert "共享条件" in fields["share_conditions"]["description"]
