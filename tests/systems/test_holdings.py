"""Held catalog resources are links checked against the catalog — on the API, the census
form, the pages and the CLI — and codes carried over from the old free-text list stay visible
as unresolved (migration 0401)."""

from __future__ import annotations

import json
from pathlib import Path

import sqlalchemy as sa
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from govshare.cli import app
from govshare.core.db import Database
from govshare.systems.models import HeldResource
from tests.factories import login
from tests.systems.helpers import catalog_resources, census_row, census_xlsx, system_payload

runner = CliRunner()
HR = "浙江省人力资源和社会保障厅"


def _create(client: TestClient, headers: dict[str, str], dept: int, name: str, **extra) -> dict:  # type: ignore[no-untyped-def, type-arg]
    response = client.post("/api/v1/systems", json=system_payload(dept, name, **extra), headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


def _legacy_code(db: Database, system_id: int, code: str) -> None:
    """A code migrated from the free-text list that the catalog never knew."""
    with db.session() as session:
        session.add(HeldResource(system_id=system_id, resource_code=code, linked_by="migration 0401"))


def test_api_links_known_codes_and_refuses_unknown_ones(client: TestClient, world, db: Database) -> None:
    (code,) = catalog_resources(db, world.hr.id, "社会保险参保登记信息")
    officer = login(client, "hr.officer")
    refused = client.post(
        "/api/v1/systems",
        json=system_payload(world.hr.id, "社保系统", resource_codes=[code, "R404"]),
        headers=officer,
    )
    assert refused.status_code == 422
    error = refused.json()["error"]
    assert error["field"] == "resource_codes" and "R404" in error["message"] and code not in error["message"]
    zh = client.post(
        "/api/v1/systems",
        json=system_payload(world.hr.id, "社保系统", resource_codes=["R404"]),
        headers={**officer, "accept-language": "zh"},
    )
    assert "目录中没有以下信息资源" in zh.json()["error"]["message"]

    system = _create(client, officer, world.hr.id, "社保系统", resource_codes=[code, f" {code} "])
    assert system["resource_codes"] == [code]  # stripped, once
    detail = client.get(f"/api/v1/systems/{system['id']}").json()
    [held] = detail["held_resources"]
    assert held["name"] == "社会保险参保登记信息" and held["resolved"] is True and held["resource_id"]

    patched = client.patch(
        f"/api/v1/systems/{system['id']}", json={"resource_codes": ["R404"]}, headers=officer
    )
    assert patched.status_code == 422 and patched.json()["error"]["field"] == "resource_codes"
    assert client.get(f"/api/v1/systems/{system['id']}").json()["system"]["resource_codes"] == [code]


def test_unresolved_codes_stay_visible_and_may_be_kept(client: TestClient, world, db: Database) -> None:
    (code,) = catalog_resources(db, world.hr.id, "社会保险缴费信息")
    officer = login(client, "hr.officer")
    system = _create(client, officer, world.hr.id, "社保缴费系统")
    _legacy_code(db, system["id"], "OLD-0001")

    listed = client.get("/api/v1/systems/resources", params={"unresolved": "true"}).json()
    assert [(r["system_code"], r["resource_code"], r["resolved"]) for r in listed] == [
        (system["code"], "OLD-0001", False)
    ]
    page = client.get(f"/systems/{system['id']}")
    assert "OLD-0001" in page.text and "目录中未找到" in page.text

    # re-filing the list with the old code kept and a catalog code added is fine
    kept = client.patch(
        f"/api/v1/systems/{system['id']}",
        json={"resource_codes": ["OLD-0001", code], "reason": "补登目录资源"},
        headers=officer,
    )
    assert kept.status_code == 200, kept.text
    [entry] = client.get(f"/api/v1/systems/{system['id']}").json()["history"]
    assert entry["changes"]["resource_codes"] == {"from": ["OLD-0001"], "to": ["OLD-0001", code]}
    # dropping it is a change like any other; it cannot come back unless the catalog knows it
    client.patch(f"/api/v1/systems/{system['id']}", json={"resource_codes": [code]}, headers=officer)
    again = client.patch(
        f"/api/v1/systems/{system['id']}", json={"resource_codes": ["OLD-0001"]}, headers=officer
    )
    assert again.status_code == 422


def test_census_names_the_row_and_column_of_an_unknown_code(client: TestClient, world, db: Database) -> None:
    (code,) = catalog_resources(db, world.hr.id, "社会保险参保登记信息")
    headers = login(client, "hr.officer")
    content = census_xlsx(
        [
            census_row(HR, "社保系统", 目录资源代码=code),
            census_row(HR, "就业系统", 目录资源代码=f"{code}；R404、R405"),
        ]
    )
    response = client.post(
        "/api/v1/systems/census", files={"file": ("census.xlsx", content)}, headers=headers
    )
    assert response.status_code == 422
    [problem] = response.json()["error"]["details"]
    assert (problem["row"], problem["column"], problem["header"]) == (3, "X", "目录资源代码")
    assert "R404, R405" in problem["message"] and "R404、R405" in problem["message_zh"]
    assert client.get("/api/v1/systems").json()["total"] == 0  # nothing half-imported

    good = census_xlsx([census_row(HR, "社保系统", 目录资源代码=code)])
    assert client.post(
        "/api/v1/systems/census", files={"file": ("census.xlsx", good)}, headers=headers
    ).status_code == 201
    [system] = client.get("/api/v1/systems").json()["items"]
    assert system["resource_codes"] == [code] and system["exchange_connected"] is False


def test_cli_sets_and_lists_held_resources(world, db: Database, tmp_path: Path) -> None:
    (code,) = catalog_resources(db, world.hr.id, "社会保险参保登记信息")
    target = tmp_path / "census.xlsx"
    target.write_bytes(census_xlsx([census_row(HR, "社保系统")]))
    assert runner.invoke(app, ["systems", "import", str(target)]).exit_code == 0
    [system] = json.loads(runner.invoke(app, ["systems", "list", "--format", "json"]).stdout)

    refused = runner.invoke(app, ["systems", "resources", system["code"], "--hold", "R404"])
    assert refused.exit_code == 1 and "R404" in refused.output
    held = runner.invoke(
        app, ["systems", "resources", system["code"], "--hold", code, "--format", "json"]
    )
    assert held.exit_code == 0, held.output
    [row] = json.loads(held.stdout)
    assert (row["resource_code"], row["resource_name"], row["resolved"]) == (code, "社会保险参保登记信息", True)
    _legacy_code(db, system["id"], "OLD-0002")
    unresolved = json.loads(
        runner.invoke(app, ["systems", "resources", "--unresolved", "--format", "json"]).stdout
    )
    assert [r["resource_code"] for r in unresolved] == ["OLD-0002"]
    missing = runner.invoke(app, ["systems", "resources", "NO-SUCH", "--hold", code])
    assert missing.exit_code == 1


def test_migration_links_the_old_list_and_reports_what_the_catalog_lacks(tmp_path: Path, caplog) -> None:  # type: ignore[no-untyped-def]
    """0401 on a database at 0400 with systems holding free-text codes (SQLite file)."""
    from govshare.core.migrate import upgrade

    engine = sa.create_engine(f"sqlite:///{tmp_path / 'old.db'}")
    upgrade(engine, "0400_systems")
    upgrade(engine, "0200_catalog")
    with engine.begin() as conn:
        conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
        conn.exec_driver_sql(
            "INSERT INTO catalog_resource (id, code, sequence, provider_id, region_code, item_count, created_at) "
            "VALUES (1, '330000/A01/00001', 1, 1, '330000', 0, '2026-01-01 00:00:00')"
        )
        for n, (codes, connected) in enumerate(
            ((["330000/A01/00001", "R9", "R9"], True), (["X" * 41], False), ([], False)), start=1
        ):
            conn.execute(
                sa.text(
                    "INSERT INTO info_system (id, code, department_id, name, function, users, scope_departments, "
                    "scope_regions, frequency, approving_department, funding_source, builder, contractor, om_unit, "
                    "network, dedicated_network, hosting, state, business_retired, linked_codes, resource_codes, "
                    "exchange_connected, created_at, updated_at) VALUES (:id, :code, 1, :name, 'f', 1, 1, '', "
                    "'daily', '', '', '', '', '', 'extranet', '', '', 'in_use', 0, '[]', :codes, :connected, "
                    "'2026-01-01 00:00:00', '2026-01-01 00:00:00')"
                ),
                {"id": n, "code": f"S{n}", "name": f"系统{n}", "codes": json.dumps(codes), "connected": connected},
            )
    with caplog.at_level("WARNING"):
        upgrade(engine, "heads")
    with engine.connect() as conn:
        links = conn.exec_driver_sql(
            "SELECT system_id, resource_code FROM info_system_resource ORDER BY id"
        ).all()
        notes = {
            system_id: json.loads(changes)
            for system_id, changes in conn.exec_driver_sql("SELECT system_id, changes FROM info_system_change")
        }
        columns = {c["name"] for c in sa.inspect(conn).get_columns("info_system")}
    assert links == [(1, "330000/A01/00001"), (1, "R9")]
    assert notes[1]["exchange_connected"]["from"] is True
    assert notes[2]["resource_codes"] == {"from": ["X" * 41], "to": []}  # too long to link: kept in history
    assert {"resource_codes", "exchange_connected"}.isdisjoint(columns)
    assert "R9" in caplog.text and "unresolved" in caplog.text
