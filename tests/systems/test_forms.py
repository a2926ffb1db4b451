"""Page forms: editing a system's audit fields (validation in the reader's language, history
kept), adding and editing integration-list rows and network migrations — with CSRF, the
department rule and the audit chain as everywhere else."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from govshare.core.audit import AuditRecord
from govshare.core.clock import today
from govshare.core.db import Database
from tests.factories import login
from tests.systems.helpers import catalog_resources, system_payload


def _system(client: TestClient, headers: dict[str, str], dept: int, name: str, **extra) -> int:  # type: ignore[no-untyped-def]
    response = client.post("/api/v1/systems", json=system_payload(dept, name, **extra), headers=headers)
    assert response.status_code == 201, response.text
    return response.json()["id"]


def _edit_form(page: str) -> dict[str, str]:
    """The edit form as the browser would post it unchanged (inputs, selected options)."""
    import re

    fields = dict(re.findall(r'<input id="e-[^"]+" name="([^"]+)"[^>]*?value="([^"]*)"', page))
    for name, body in re.findall(r'<select id="e-[^"]+" name="([^"]+)">(.*?)</select>', page, re.S):
        fields[name] = re.search(r'<option value="([^"]+)" selected', body).group(1)  # type: ignore[union-attr]
    fields["function"] = re.search(r'name="function"[^>]*>([^<]*)</textarea>', page).group(1)  # type: ignore[union-attr]
    fields["business_retired_shown"] = "1"
    return fields


def test_officer_edits_every_audit_field_on_the_page(client: TestClient, world, db: Database) -> None:
    (code,) = catalog_resources(db, world.hr.id, "社会保险参保登记信息")
    officer = login(client, "hr.officer")
    system_id = _system(client, officer, world.hr.id, "社保卡系统", mlps_level=2)
    page = client.get(f"/systems/{system_id}/edit")
    assert page.status_code == 200
    form = {**_edit_form(page.text), "csrf_token": officer["x-csrf-token"]}
    assert form["name"] == "社保卡系统" and form["mlps_level"] == "2" and form["network"] == "extranet"

    bad = {**form, "name": "", "users": "-3", "approval_date": (today() + timedelta(days=3)).isoformat()}
    refused = client.post(f"/systems/{system_id}/edit", data=bad)
    assert refused.status_code == 422
    assert "名称为必填项" in refused.text and "用户数不能小于 0" in refused.text
    english = client.post(f"/systems/{system_id}/edit", data=bad, params={"lang": "en"})
    assert "Name is required" in english.text and "Users must be at least 0" in english.text
    future = client.post(  # ?lang=en above set the language cookie: back to Chinese
        f"/systems/{system_id}/edit", data={**form, "approval_date": bad["approval_date"]}, params={"lang": "zh"}
    )
    assert future.status_code == 422 and "审批时间不能晚于今天" in future.text
    unknown = client.post(f"/systems/{system_id}/edit", data={**form, "resource_codes": "R404"})
    assert unknown.status_code == 422 and "R404" in unknown.text and 'value="R404"' in unknown.text

    changed = {
        **form,
        "mlps_level": "3",
        "om_unit": "省大数据中心",
        "build_cost": "",
        "resource_codes": code,
        "business_retired": "1",
        "reason": "等保复测定级",
    }
    saved = client.post(f"/systems/{system_id}/edit", data=changed, follow_redirects=False)
    assert saved.status_code == 303 and saved.headers["location"] == f"/systems/{system_id}"
    detail = client.get(f"/api/v1/systems/{system_id}").json()
    assert detail["system"]["mlps_level"] == 3 and detail["system"]["business_retired"] is True
    assert detail["system"]["resource_codes"] == [code]
    [entry] = detail["history"]
    assert entry["reason"] == "等保复测定级"
    assert set(entry["changes"]) == {"mlps_level", "om_unit", "resource_codes", "business_retired"}
    with db.session() as session:
        assert session.scalar(
            select(AuditRecord.id).where(AuditRecord.action == "system.update", AuditRecord.object_id == str(system_id))
        )


def test_edit_needs_csrf_and_stays_in_the_department(client: TestClient, world) -> None:
    officer = login(client, "hr.officer")
    system_id = _system(client, officer, world.hr.id, "社保卡系统")
    assert client.post(f"/systems/{system_id}/edit", data={"name": "X"}).status_code == 403
    police = login(client, "police.officer")
    assert client.get(f"/systems/{system_id}/edit").status_code == 404
    stolen = client.post(
        f"/systems/{system_id}/edit", data={"csrf_token": police["x-csrf-token"], "name": "X"}
    )
    assert stolen.status_code == 404
    login(client, "hr.user")  # a consumer reads but does not edit
    assert client.get(f"/systems/{system_id}/edit").status_code == 403


def test_integration_and_migration_rows_from_the_pages(client: TestClient, world, db: Database) -> None:
    officer = login(client, "hr.officer")
    big = _system(client, officer, world.hr.id, "人社一体化平台")
    small = _system(
        client, officer, world.hr.id, "社保专网旧系统", network="dedicated", dedicated_network="人社业务专网"
    )
    token = officer["x-csrf-token"]
    deadline = (today() + timedelta(days=60)).isoformat()
    page = client.get(f"/systems/{small}")
    assert 'id="integration-form"' in page.text and 'id="migration-form"' in page.text

    no_target = client.post(
        f"/systems/{small}/integration", data={"csrf_token": token, "action": "merge", "deadline": deadline}
    )
    assert no_target.status_code == 422 and "整合须指定另一个目标系统" in no_target.text
    added = client.post(
        f"/systems/{small}/integration",
        data={"csrf_token": token, "action": "merge", "target_system_id": str(big), "deadline": deadline},
        follow_redirects=False,
    )
    assert added.status_code == 303
    [item] = client.get("/api/v1/systems/integration").json()
    assert (item["system_id"], item["target_name"], item["status"]) == (small, "人社一体化平台", "planned")

    later = (today() + timedelta(days=120)).isoformat()
    edited = client.post(
        f"/systems/integration/{item['id']}",
        data={"csrf_token": token, "deadline": later, "progress": "40", "status": "", "note": "数据迁移中"},
        follow_redirects=False,
    )
    assert edited.status_code == 303
    [item] = client.get("/api/v1/systems/integration").json()
    assert (item["deadline"], item["progress"], item["status"], item["note"]) == (
        later, 40, "in_progress", "数据迁移中"
    )
    bad = client.post(f"/systems/integration/{item['id']}", data={"csrf_token": token, "progress": "140"})
    assert bad.status_code == 422 and "进度不能大于 100" in bad.text

    planned = client.post(
        f"/systems/{small}/migration",
        data={"csrf_token": token, "target": "extranet", "target_date": deadline},
        follow_redirects=False,
    )
    assert planned.status_code == 303
    [move] = client.get("/api/v1/systems/migrations").json()
    done = client.post(
        f"/systems/migrations/{move['id']}",
        data={"csrf_token": token, "target": "intranet", "target_date": deadline, "status": "done", "note": ""},
        follow_redirects=False,
    )
    assert done.status_code == 303
    detail = client.get(f"/api/v1/systems/{small}").json()
    assert detail["system"]["network"] == "intranet"  # moved, and its history keeps the old network
    assert detail["history"][0]["changes"]["network"] == {"from": "dedicated", "to": "intranet"}
    plans = client.get("/systems/plans")
    assert f'id="item-{item["id"]}"' in plans.text and f'id="move-{move["id"]}"' in plans.text

    police = login(client, "police.officer")
    assert client.post(
        f"/systems/integration/{item['id']}", data={"csrf_token": police["x-csrf-token"], "progress": "90"}
    ).status_code == 404  # another department's row does not exist for them
    with db.session() as session:
        actions = set(session.scalars(select(AuditRecord.action).where(AuditRecord.action.like("%.edit"))))
    assert {"integration.edit", "migration.edit"} <= actions
