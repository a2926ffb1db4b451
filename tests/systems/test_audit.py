"""The zombie audit: one planted zombie of every kind is flagged by its own rule, with the
evidence it used, and the healthy system is not; each flag opens a case that the authority
works to retirement."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from govshare.core.audit import AuditRecord
from govshare.core.clock import today
from govshare.core.db import Database
from tests.factories import login
from tests.systems.helpers import catalog_resources, plant_zombies


@pytest.fixture
def planted(client: TestClient, world, db: Database):  # type: ignore[no-untyped-def]
    held = catalog_resources(db, world.hr.id, "社会保险参保登记信息", "社会保险缴费信息")
    admin = login(client, "admin")
    systems = plant_zombies(client, admin, world.hr.id, held)
    run = client.post("/api/v1/systems/audit", headers=admin)
    assert run.status_code == 201, run.text
    return admin, systems, run.json(), held


def test_every_kind_is_flagged_by_its_rule_with_evidence(
    client: TestClient, planted, db: Database
) -> None:
    admin, systems, run, held = planted
    assert run["systems"] == 6 and run["flagged"] == 5
    flagged = {
        f["system_id"]: f for f in client.get("/api/v1/systems/audit/latest").json()["flagged"]
    }
    assert systems["healthy"]["id"] not in flagged
    for kind in ("detached", "replaceable", "idle", "unmaintained", "low_use"):
        finding = flagged[systems[kind]["id"]]
        assert finding["rules"] == [kind], (kind, finding)
        assert finding["scores"][kind] == 1.0 and finding["overall"] == 1.0
        assert finding["explanation_zh"] and finding["explanation_en"]
    overlap = flagged[systems["replaceable"]["id"]]["evidence"]["replaceable"]
    assert overlap["partner_id"] == systems["healthy"]["id"]
    assert overlap["shared_resources"] == sorted(held) and overlap["shared_terms"]
    assert "healthy系统" in flagged[systems["replaceable"]["id"]]["explanation_zh"]
    idle = flagged[systems["idle"]["id"]]["evidence"]["idle"]
    assert idle["idle_days"] >= 4 and idle["cpu_pct_max"] == 10
    assert flagged[systems["low_use"]["id"]]["time_class"] in ("T", "E")
    with db.session() as session:
        record = session.scalars(
            select(AuditRecord).where(AuditRecord.action == "systems.audit.run")
        ).one()
    details = json.loads(record.details)
    assert details["flagged"] == 5 and details["thresholds"]["detached_days"] == 180


def test_thresholds_come_from_node_policy(client: TestClient, world, db, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from govshare.core.config import reset_settings_cache

    held = catalog_resources(db, world.hr.id, "社会保险参保登记信息")
    admin = login(client, "admin")
    systems = plant_zombies(client, admin, world.hr.id, held)
    monkeypatch.setenv("GOVSHARE_POLICY__ZOMBIE__LOW_USE_USERS", "5")
    reset_settings_cache()
    client.post("/api/v1/systems/audit", headers=admin)
    flagged = {f["system_id"] for f in client.get("/api/v1/systems/audit/latest").json()["flagged"]}
    assert systems["low_use"]["id"] not in flagged and systems["idle"]["id"] in flagged


def _case_of(client: TestClient, system_id: int) -> dict:
    return next(
        c for c in client.get("/api/v1/systems/cases").json() if c["system_id"] == system_id
    )


def test_authority_works_a_case_to_retirement_with_a_deferral(
    client: TestClient, planted, world
) -> None:
    admin, systems, _run, _held = planted
    case = _case_of(client, systems["detached"]["id"])
    assert case["status"] == "proposed" and case["rules"] == ["detached"]
    base = f"/api/v1/systems/cases/{case['id']}"
    deadline = (today() + timedelta(days=60)).isoformat()
    refused = client.post(
        f"{base}/decision", json={"decision": "confirm", "reason": "长期无业务"}, headers=admin
    )
    assert refused.status_code == 422 and refused.json()["error"]["field"] == "deadline"
    confirmed = client.post(
        f"{base}/decision",
        json={"decision": "confirm", "reason": "长期无业务", "deadline": deadline},
        headers=admin,
    )
    assert confirmed.json()["status"] == "confirmed"

    officer = login(client, "hr.officer")
    later = (today() + timedelta(days=120)).isoformat()
    asked = client.post(
        f"{base}/deferral", json={"reason": "待数据迁移", "until": later}, headers=officer
    )
    assert asked.json()["status"] == "deferral_requested"
    assert (
        client.post(
            f"{base}/deferral/decision", json={"grant": True, "reason": "同意"}, headers=officer
        ).status_code
        == 403
    )
    admin = login(client, "admin")
    granted = client.post(
        f"{base}/deferral/decision", json={"grant": True, "reason": "同意"}, headers=admin
    ).json()
    assert granted["status"] == "confirmed" and granted["deadline"] == later

    plan = {
        "switch_off_date": later,
        "data_destination": "并入社会保险信息系统",
        "archive": "省档案馆电子档案库",
    }
    assert (
        client.post(f"{base}/retirement", json=plan, headers=admin).json()["status"] == "retiring"
    )
    retired = client.post(f"{base}/retired", headers=admin).json()
    assert retired["status"] == "retired"
    assert [h["status"] for h in retired["history"]] == [
        "proposed",
        "confirmed",
        "deferral_requested",
        "confirmed",
        "retiring",
        "retired",
    ]
    detail = client.get(f"/api/v1/systems/{systems['detached']['id']}").json()
    assert detail["system"]["state"] == "retired"  # still visible, with its past
    assert [h["changes"]["state"]["to"] for h in detail["history"]] == ["retired", "retiring"]


def test_dismissal_needs_a_reason_and_steps_out_of_order_conflict(
    client: TestClient, planted
) -> None:
    admin, systems, _run, _held = planted
    case = _case_of(client, systems["low_use"]["id"])
    base = f"/api/v1/systems/cases/{case['id']}"
    assert (
        client.post(
            f"{base}/decision", json={"decision": "dismiss", "reason": ""}, headers=admin
        ).status_code
        == 422
    )
    assert client.post(f"{base}/retired", headers=admin).status_code == 409
    dismissed = client.post(
        f"{base}/decision",
        json={"decision": "dismiss", "reason": "季节性业务，年底集中使用"},
        headers=admin,
    )
    assert dismissed.json()["status"] == "dismissed"
    # The dismissal stands: the next run flags the same rule but proposes nothing new.
    client.post("/api/v1/systems/audit", headers=admin)
    statuses = [
        c["status"]
        for c in client.get("/api/v1/systems/cases").json()
        if c["system_id"] == case["system_id"]
    ]
    assert statuses == ["dismissed"]


def test_other_departments_cases_are_hidden(client: TestClient, planted) -> None:
    _admin, systems, _run, _held = planted
    police = login(client, "police.officer")
    assert client.get("/api/v1/systems/cases").json() == []
    case_id = 1
    response = client.post(
        f"/api/v1/systems/cases/{case_id}/deferral",
        json={"reason": "xx", "until": (today() + timedelta(days=9)).isoformat()},
        headers=police,
    )
    assert response.status_code == 404
