"""The systems pages render for the people who use them, in Chinese and English, with charts
carrying text alternatives and no inline scripts."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from tests.factories import login
from tests.systems.helpers import catalog_resources, census_row, census_xlsx, plant_zombies


@pytest.fixture
def audited(client: TestClient, world, db):  # type: ignore[no-untyped-def]
    held = catalog_resources(db, world.hr.id, "社会保险参保登记信息", "社会保险缴费信息")
    admin = login(client, "admin")
    systems = plant_zombies(client, admin, world.hr.id, held)
    client.post("/api/v1/systems/audit", headers=admin)
    return admin, systems, held


@pytest.mark.parametrize(
    "path", ["/systems", "/systems/audit", "/systems/cases", "/systems/plans", "/systems/census"]
)
def test_pages_render_in_both_languages(client: TestClient, audited, path: str) -> None:
    zh = client.get(path)
    assert zh.status_code == 200, zh.text
    assert "<script>" not in zh.text  # strict CSP: no inline scripts
    en = client.get(path, params={"lang": "en"})
    assert en.status_code == 200
    for chart in re.findall(r'<div class="chart" role="img" aria-label="([^"]*)"', zh.text):
        assert chart  # every chart has its figures as text


def test_system_page_shows_metrics_findings_and_evidence(client: TestClient, audited) -> None:
    _admin, systems, held = audited
    page = client.get(f"/systems/{systems['replaceable']['id']}")
    assert page.status_code == 200
    assert "data-chart" in page.text and "功能可替代" in page.text
    assert "shared_resources" in page.text and held[0] in page.text
    # each held resource by its catalog name, linked to its catalog page
    assert re.search(r'<a href="/catalog/resources/\d+">社会保险参保登记信息</a>', page.text)
    assert "healthy系统" in page.text  # the pair is named


def test_audit_dashboard_lists_candidates_with_explanations(client: TestClient, audited) -> None:
    page = client.get("/systems/audit")
    for kind in ("detached", "replaceable", "idle", "unmaintained", "low_use"):
        assert f"{kind}系统" in page.text
    assert "近 14 天中有" in page.text  # the idle explanation, with its figures


def test_census_page_shows_every_problem(client: TestClient, world) -> None:
    headers = login(client, "hr.officer")
    files = {
        "file": (
            "census.xlsx",
            census_xlsx([census_row("浙江省人力资源和社会保障厅", "A系统", 系统名称=None)]),
            "application/octet-stream",
        )
    }
    page = client.post("/systems/census", files=files, data={"csrf_token": headers["x-csrf-token"]})
    assert page.status_code == 422
    assert "census-problems" in page.text and "第 2 行 C 列" in page.text


def test_case_form_refuses_confirmation_without_deadline(client: TestClient, audited) -> None:
    admin, _systems, _held = audited
    case_id = client.get("/api/v1/systems/cases").json()[0]["id"]
    page = client.post(
        f"/systems/cases/{case_id}/decision",
        data={"csrf_token": admin["x-csrf-token"], "reason": "无业务", "decision": "confirm"},
    )
    assert page.status_code == 422 and "清理期限" in page.text


def test_other_departments_system_page_is_not_found(client: TestClient, audited) -> None:
    _admin, systems, _held = audited
    login(client, "police.officer")
    assert client.get(f"/systems/{systems['healthy']['id']}").status_code == 404


def test_officer_registers_a_system_on_the_page(client: TestClient, world) -> None:
    headers = login(client, "hr.officer")
    form = {
        "csrf_token": headers["x-csrf-token"],
        "name": "劳动监察系统",
        "function": "劳动保障监察案件办理",
        "users": "60",
        "frequency": "weekly",
        "approving_department": "省发改委",
        "approval_date": "2016-03-01",
        "funding_source": "省级财政",
        "network": "dedicated",
    }
    refused = client.post("/systems", data=form)
    assert refused.status_code == 422 and "专网名称" in refused.text
    assert 'value="劳动监察系统"' in refused.text  # what was typed is kept
    created = client.post(
        "/systems", data={**form, "dedicated_network": "人社业务专网"}, follow_redirects=False
    )
    assert created.status_code == 303
    page = client.get(created.headers["location"])
    assert "劳动监察系统" in page.text and "人社业务专网" in page.text


def test_department_dashboard_counts_only_its_own_systems(client: TestClient, audited) -> None:
    login(client, "police.officer")
    page = client.get("/systems/audit")
    assert page.status_code == 200
    assert "detached系统" not in page.text
    assert "脱离业务: 0" in page.text  # the chart's text alternative: nothing of theirs flagged


def test_integration_list_downloads_from_the_page(client: TestClient, audited) -> None:
    for query in ("", "?department_id="):
        response = client.get(f"/systems/integration.xlsx{query}")
        assert response.status_code == 200 and response.content[:2] == b"PK"
