"""Integration lists and network migration, tracked against their deadlines."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from govshare.core.clock import today
from govshare.core.db import Database
from tests.factories import login
from tests.systems.helpers import catalog_resources, system_payload


def _system(client: TestClient, headers: dict[str, str], dept: int, name: str, **extra) -> int:  # type: ignore[no-untyped-def]
    response = client.post(
        "/api/v1/systems", json=system_payload(dept, name, **extra), headers=headers
    )
    assert response.status_code == 201, response.text
    return response.json()["id"]


def _serve_on_exchange(db: Database, code: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The provider registers an interface for the resource on the exchange (its own service),
    at an address of the e-government extranet the node's outbound policy allows."""
    from govshare.catalog.resources import find_by_code
    from govshare.cli_support import operator, operator_principal
    from govshare.core.config import reset_settings_cache
    from govshare.exchange import datasets

    monkeypatch.setenv("GOVSHARE_POLICY__OUTBOUND__ALLOWED_NETWORKS", '["10.0.0.0/8"]')
    reset_settings_cache()

    with db.session() as session:
        resource = find_by_code(session, operator_principal(), code)
        datasets.configure(
            session,
            operator_principal(),
            operator(),
            resource.id,
            datasets.DatasetSettings(endpoint_url="https://10.12.0.8/api/insured"),
        )


def test_integration_list_progress_and_export(
    client: TestClient, world, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    (code,) = catalog_resources(db, world.hr.id, "社会保险参保登记信息")
    officer = login(client, "hr.officer")
    big = _system(client, officer, world.hr.id, "人社一体化平台", resource_codes=[code])
    small = _system(client, officer, world.hr.id, "劳动仲裁案件系统")
    late = (today() - timedelta(days=5)).isoformat()
    merge = client.post(
        "/api/v1/systems/integration",
        headers=officer,
        json={"system_id": small, "action": "merge", "target_system_id": big, "deadline": late},
    )
    assert merge.status_code == 201, merge.text
    connect = client.post(
        "/api/v1/systems/integration",
        headers=officer,
        json={
            "system_id": big,
            "action": "connect",
            "deadline": (today() + timedelta(days=90)).isoformat(),
        },
    )
    assert connect.status_code == 201
    assert client.get(f"/api/v1/systems/{small}").json()["system"]["state"] == "integrating"
    items = {i["system_id"]: i for i in client.get("/api/v1/systems/integration").json()}
    assert items[small]["overdue"] is True and items[small]["target_name"] == "人社一体化平台"
    assert items[big]["overdue"] is False and items[big]["connected"] is False

    # "connected" is the exchange's answer: a department cannot declare it done
    refused = client.post(
        f"/api/v1/systems/integration/{connect.json()['id']}/progress",
        json={"progress": 100},
        headers=officer,
    )
    assert refused.status_code == 422 and "not on the exchange" in refused.json()["error"]["message"]
    assert client.get(f"/api/v1/systems/{big}").json()["system"]["exchange_connected"] is False

    _serve_on_exchange(db, code, monkeypatch)
    answer = client.get(f"/api/v1/systems/{big}").json()
    assert answer["system"]["exchange_connected"] is True and answer["exchange_evidence"] == [code]
    row = {i["system_id"]: i for i in client.get("/api/v1/systems/integration").json()}[big]
    assert (row["connected"], row["status"], row["progress"]) == (True, "done", 100)
    assert row["reported_progress"] == 0  # what the department reported stays visible
    done = client.post(
        f"/api/v1/systems/integration/{connect.json()['id']}/progress",
        json={"progress": 100},
        headers=officer,
    )
    assert done.status_code == 200 and done.json()["status"] == "done"
    export = client.get("/api/v1/systems/integration.xlsx")
    sheet = load_workbook(io.BytesIO(export.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][:4] == ("序号", "系统编号", "系统名称", "整合方式")
    assert {r[2] for r in rows[2:]} == {"人社一体化平台", "劳动仲裁案件系统"}
    assert any(r[8] == "是" for r in rows[2:])  # the overdue one is marked


def test_merge_needs_a_target_of_the_same_department(client: TestClient, world) -> None:
    officer = login(client, "hr.officer")
    small = _system(client, officer, world.hr.id, "劳动仲裁案件系统")
    deadline = (today() + timedelta(days=30)).isoformat()
    response = client.post(
        "/api/v1/systems/integration",
        headers=officer,
        json={"system_id": small, "action": "merge", "deadline": deadline},
    )
    assert response.status_code == 422 and response.json()["error"]["field"] == "target_system_id"


def test_network_migration_moves_the_system_and_keeps_its_past(client: TestClient, world) -> None:
    officer = login(client, "hr.officer")
    on_dedicated = _system(
        client,
        officer,
        world.hr.id,
        "社保专网业务系统",
        network="dedicated",
        dedicated_network="人社业务专网",
    )
    on_extranet = _system(client, officer, world.hr.id, "就业服务网站")
    target = (today() + timedelta(days=180)).isoformat()
    refused = client.post(
        "/api/v1/systems/migrations",
        headers=officer,
        json={"system_id": on_extranet, "target": "intranet", "target_date": target},
    )
    assert refused.status_code == 422
    planned = client.post(
        "/api/v1/systems/migrations",
        headers=officer,
        json={"system_id": on_dedicated, "target": "extranet", "target_date": target},
    )
    assert planned.status_code == 201, planned.text
    [row] = client.get("/api/v1/systems/migrations").json()
    assert row["from_network"] == "人社业务专网" and row["overdue"] is False
    client.post(
        f"/api/v1/systems/migrations/{row['id']}/status", json={"status": "done"}, headers=officer
    )
    detail = client.get(f"/api/v1/systems/{on_dedicated}").json()
    assert detail["system"]["network"] == "extranet"
    assert detail["history"][0]["changes"]["network"] == {"from": "dedicated", "to": "extranet"}


def test_dedicated_network_needs_its_name(client: TestClient, world) -> None:
    officer = login(client, "hr.officer")
    response = client.post(
        "/api/v1/systems",
        json=system_payload(world.hr.id, "X", network="dedicated"),
        headers=officer,
    )
    assert response.status_code == 422 and response.json()["error"]["field"] == "dedicated_network"


def test_reclassified_system_keeps_its_past(client: TestClient, world) -> None:
    officer = login(client, "hr.officer")
    system_id = _system(client, officer, world.hr.id, "社保卡管理系统", mlps_level=2)
    changed = client.patch(
        f"/api/v1/systems/{system_id}",
        headers=officer,
        json={"mlps_level": 3, "state": "retired", "reason": "等保复测定级为三级后下线"},
    )
    assert changed.status_code == 200, changed.text
    listed = client.get("/api/v1/systems", params={"state": "retired"}).json()
    assert [s["id"] for s in listed["items"]] == [system_id]  # still in the inventory
    [entry] = client.get(f"/api/v1/systems/{system_id}").json()["history"]
    assert entry["reason"] == "等保复测定级为三级后下线"
    assert entry["changes"] == {
        "mlps_level": {"from": 2, "to": 3},
        "state": {"from": "in_use", "to": "retired"},
    }
    refused = client.patch(
        f"/api/v1/systems/{system_id}", headers=officer, json={"department_id": 1}
    )
    assert refused.status_code == 422  # moving a system between departments is not an edit


def test_department_exports_its_own_integration_list(client: TestClient, world) -> None:
    officer = login(client, "police.officer")
    big = _system(client, officer, world.police.id, "公安大数据平台")
    small = _system(client, officer, world.police.id, "治安户籍旧系统")
    deadline = (today() + timedelta(days=30)).isoformat()
    client.post(
        "/api/v1/systems/integration",
        headers=officer,
        json={"system_id": small, "action": "merge", "target_system_id": big, "deadline": deadline},
    )
    hr = login(client, "hr.officer")
    assert client.get("/api/v1/systems/integration", headers=hr).json() == []
    login(client, "admin")
    export = client.get(
        "/api/v1/systems/integration.xlsx", params={"department_id": world.police.id}
    )
    rows = list(load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True))
    assert [r[2] for r in rows[2:]] == ["治安户籍旧系统"]


def test_plans_list_asks_catalog_and_exchange_once_however_many_systems(
    client: TestClient, world, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A plans page lists every connect row: its look-ups are batched, not one per held code."""
    from sqlalchemy import event

    from govshare.cli_support import operator_principal
    from govshare.systems import integration

    codes = catalog_resources(db, world.hr.id, "参保登记", "缴费记录", "待遇发放", "就业登记")
    officer = login(client, "hr.officer")
    deadline = (today() + timedelta(days=30)).isoformat()

    def add_connect_row(name: str, held: list[str]) -> None:
        system = _system(client, officer, world.hr.id, name, resource_codes=held)
        row = {"system_id": system, "action": "connect", "deadline": deadline}
        assert client.post("/api/v1/systems/integration", headers=officer, json=row).status_code == 201

    def statements_to_list() -> tuple[int, dict[str, bool]]:
        count = [0]

        def counted(*_: object) -> None:
            count[0] += 1

        event.listen(db.engine, "before_cursor_execute", counted)
        try:
            with db.session() as session:
                rows = integration.list_items(session, operator_principal())
        finally:
            event.remove(db.engine, "before_cursor_execute", counted)
        return count[0], {r["system_name"]: r["connected"] for r in rows}

    add_connect_row("系统一", codes[:2])
    one, _ = statements_to_list()
    add_connect_row("系统二", codes[1:3])
    add_connect_row("系统三", codes[2:])
    _serve_on_exchange(db, codes[3], monkeypatch)
    three, connected = statements_to_list()
    assert three == one
    assert connected == {"系统一": False, "系统二": False, "系统三": True}
