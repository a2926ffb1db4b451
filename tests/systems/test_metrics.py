"""Metrics from monitoring tools: pushed with a token or loaded from files. Bad rows are
named and nothing is written; gaps are reported and the rest loads; a re-sent day replaces."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from govshare.core.clock import today
from govshare.core.db import Database
from govshare.systems.models import SystemMetric
from tests.factories import login
from tests.systems.helpers import metric_rows, system_payload


def _system(client: TestClient, headers: dict[str, str], department_id: int, name: str) -> dict:
    response = client.post(
        "/api/v1/systems", json=system_payload(department_id, name), headers=headers
    )
    assert response.status_code == 201, response.text
    return response.json()


def _token(client: TestClient, headers: dict[str, str], scopes: list[str]) -> dict[str, str]:
    client_id = client.post("/api/v1/clients", json={"name": "监控平台"}, headers=headers).json()[
        "id"
    ]
    issued = client.post(
        f"/api/v1/clients/{client_id}/tokens", json={"scopes": scopes}, headers=headers
    )
    assert issued.status_code in (200, 201), issued.text
    return {"authorization": f"Bearer {issued.json()['token']}"}


def _stored(db: Database) -> int:
    with db.session() as session:
        return session.scalar(select(func.count()).select_from(SystemMetric)) or 0


def test_monitoring_tool_pushes_metrics_with_a_token(
    client: TestClient, world, db: Database
) -> None:
    officer = login(client, "hr.officer")
    system = _system(client, officer, world.hr.id, "社会保险信息系统")
    token = _token(client, officer, ["metrics"])
    rows = metric_rows(system["code"], days=10)
    response = client.post("/api/v1/systems/metrics", json={"metrics": rows}, headers=token)
    assert response.status_code == 200, response.text
    assert response.json() == {"rows": 10, "systems": 1, "replaced": 0, "gaps": []}
    again = client.post("/api/v1/systems/metrics", json={"metrics": rows[:3]}, headers=token)
    assert again.json()["replaced"] == 3 and _stored(db) == 10
    series = client.get(
        f"/api/v1/systems/{system['id']}/metrics", params={"days": 30}, headers=officer
    ).json()
    assert len(series) == 10 and series[0]["logins"] == 300


def test_token_without_metrics_scope_is_refused(client: TestClient, world) -> None:
    officer = login(client, "hr.officer")
    system = _system(client, officer, world.hr.id, "社会保险信息系统")
    token = _token(client, officer, ["directory"])
    response = client.post(
        "/api/v1/systems/metrics", json={"metrics": metric_rows(system["code"], 2)}, headers=token
    )
    assert response.status_code == 403


def test_gaps_are_reported_and_loaded(client: TestClient, world, db: Database) -> None:
    officer = login(client, "hr.officer")
    system = _system(client, officer, world.hr.id, "社会保险信息系统")
    rows = metric_rows(system["code"], days=10)
    del rows[3:6]
    result = client.post("/api/v1/systems/metrics", json={"metrics": rows}, headers=officer).json()
    assert result["rows"] == 7
    [gap] = result["gaps"]
    assert gap["system_id"] == system["id"] and gap["missing"] == 3
    assert _stored(db) == 7


def _refused(response) -> list[dict]:  # type: ignore[no-untyped-def]
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == "metrics_invalid"
    return response.json()["error"]["details"]


def test_negative_values_are_refused_and_nothing_is_written(
    client: TestClient, world, db: Database
) -> None:
    officer = login(client, "hr.officer")
    system = _system(client, officer, world.hr.id, "社会保险信息系统")
    rows = metric_rows(system["code"], days=5)
    rows[2]["cpu_pct"] = -3
    [problem] = _refused(
        client.post("/api/v1/systems/metrics", json={"metrics": rows}, headers=officer)
    )
    assert (problem["row"], problem["column"]) == (3, "cpu_pct")
    assert _stored(db) == 0


def test_unknown_and_other_departments_systems_are_refused(
    client: TestClient, world, db: Database
) -> None:
    police = login(client, "police.officer")
    theirs = _system(client, police, world.police.id, "人口信息管理系统")
    officer = login(client, "hr.officer")
    mine = _system(client, officer, world.hr.id, "社会保险信息系统")
    rows = metric_rows(mine["code"], 2) + metric_rows("NO-SUCH", 1) + metric_rows(theirs["code"], 1)
    problems = _refused(
        client.post("/api/v1/systems/metrics", json={"metrics": rows}, headers=officer)
    )
    assert [(p["row"], p["column"]) for p in problems] == [(3, "system_code"), (4, "system_code")]
    assert _stored(db) == 0


def test_duplicated_days_in_a_file_are_refused(client: TestClient, world, db: Database) -> None:
    officer = login(client, "hr.officer")
    system = _system(client, officer, world.hr.id, "社会保险信息系统")
    rows = metric_rows(system["code"], 3)
    header = ",".join(rows[0])
    lines = [header] + [",".join(str(v) for v in r.values()) for r in rows + rows[:1]]
    files = {"file": ("metrics.csv", "\n".join(lines).encode(), "text/csv")}
    problems = _refused(client.post("/api/v1/systems/metrics/file", files=files, headers=officer))
    assert sorted(p["row"] for p in problems) == [2, 5]  # CSV rows: header is row 1
    assert _stored(db) == 0


def test_future_day_and_non_number_in_json_file(client: TestClient, world, db: Database) -> None:
    import json

    officer = login(client, "hr.officer")
    system = _system(client, officer, world.hr.id, "社会保险信息系统")
    rows = metric_rows(system["code"], 2)
    rows[0]["day"] = (today() + timedelta(days=3)).isoformat()
    rows[1]["logins"] = "many"
    files = {"file": ("metrics.json", json.dumps(rows).encode(), "application/json")}
    problems = _refused(client.post("/api/v1/systems/metrics/file", files=files, headers=officer))
    assert {(p["row"], p["column"]) for p in problems} == {(1, "day"), (2, "logins")}
