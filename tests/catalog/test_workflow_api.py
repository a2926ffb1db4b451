"""Compiling, reviewing and publishing entries through the API, with versions and audit."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from govshare.core.audit import AuditRecord
from govshare.core.db import Database
from tests.catalog.conftest import entry, publish
from tests.factories import login


def test_officer_compiles_admin_publishes_code_by_rule(
    client: TestClient, world, db: Database
) -> None:
    resource = publish(client, "hr.officer", entry())
    assert resource["published"]["status"] == "published"
    front, back = resource["code"].split("/")
    assert front.startswith("3") and len(front) == 3 and back == "000001"
    assert resource["published"]["provider_code"] == world.hr.uscc
    second = publish(client, "hr.officer", entry("就业登记信息"))
    assert second["code"] == f"{front}/000002"
    with db.session() as session:
        actions = session.scalars(
            select(AuditRecord.action).where(AuditRecord.action.like("catalog.%"))
        ).all()
    assert {"catalog.create", "catalog.submit", "catalog.publish"} <= set(actions)


def test_editing_published_entry_keeps_it_live_until_the_new_version_is_published(
    client: TestClient, world
) -> None:
    resource = publish(client, "hr.officer", entry())
    rid, code = resource["id"], resource["code"]
    headers = login(client, "hr.officer")
    changed = entry(summary="参保登记与缴费记录（含补缴）。")
    saved = client.put(f"/api/v1/catalog/resources/{rid}", json=changed, headers=headers).json()
    assert saved["working"]["number"] == 2 and saved["working"]["status"] == "draft"
    assert saved["published"]["number"] == 1
    login(client, "police.user")  # someone else sees only the published version
    seen = client.get(f"/api/v1/catalog/resources/{rid}").json()
    assert seen["working"] is None and seen["published"]["summary"].startswith("社会保险参保信息，")
    headers = login(client, "hr.officer")
    assert (
        client.post(f"/api/v1/catalog/resources/{rid}/submit", headers=headers).status_code == 200
    )
    headers = login(client, "admin")
    done = client.post(f"/api/v1/catalog/resources/{rid}/publish", json={}, headers=headers).json()
    assert done["published"]["number"] == 2 and done["code"] == code
    diff = client.get(f"/api/v1/catalog/resources/{rid}/compare", params={"a": 1, "b": 2}).json()
    assert [f["field"] for f in diff["fields"]] == ["summary"]
    versions = client.get(f"/api/v1/catalog/resources/{rid}/versions").json()
    assert [(v["number"], v["status"]) for v in versions] == [(1, "superseded"), (2, "published")]


def test_returned_with_reasons_then_resubmitted(client: TestClient, world) -> None:
    headers = login(client, "hr.officer")
    rid = client.post("/api/v1/catalog/resources", json=entry(), headers=headers).json()["id"]
    client.post(f"/api/v1/catalog/resources/{rid}/submit", headers=headers)
    admin = login(client, "admin")
    refused = client.post(
        f"/api/v1/catalog/resources/{rid}/return", json={"note": ""}, headers=admin
    )
    assert refused.status_code == 422 and refused.json()["error"]["field"] == "note"
    returned = client.post(
        f"/api/v1/catalog/resources/{rid}/return", json={"note": "摘要过于简单"}, headers=admin
    )
    assert returned.json()["working"]["status"] == "returned"
    assert returned.json()["working"]["review_note"] == "摘要过于简单"
    headers = login(client, "hr.officer")
    assert (
        client.post(f"/api/v1/catalog/resources/{rid}/submit", headers=headers).status_code == 200
    )


def test_drafts_of_other_departments_are_invisible(client: TestClient, world) -> None:
    headers = login(client, "hr.officer")
    rid = client.post("/api/v1/catalog/resources", json=entry(), headers=headers).json()["id"]
    police = login(client, "police.officer")
    assert client.get(f"/api/v1/catalog/resources/{rid}").status_code == 404
    assert (
        client.put(f"/api/v1/catalog/resources/{rid}", json=entry(), headers=police).status_code
        == 404
    )
    assert client.get("/api/v1/catalog/resources").json()["total"] == 0


def test_officer_cannot_file_for_another_department_nor_publish(client: TestClient, world) -> None:
    headers = login(client, "hr.officer")
    other = client.post(
        "/api/v1/catalog/resources", json=entry(provider_id=world.police.id), headers=headers
    )
    assert other.status_code == 403
    rid = client.post("/api/v1/catalog/resources", json=entry(), headers=headers).json()["id"]
    client.post(f"/api/v1/catalog/resources/{rid}/submit", headers=headers)
    assert (
        client.post(
            f"/api/v1/catalog/resources/{rid}/publish", json={}, headers=headers
        ).status_code
        == 403
    )


def test_stale_flag_after_source_change(client: TestClient, world, db: Database) -> None:
    from datetime import timedelta

    from govshare.catalog.models import CatalogResource
    from govshare.core.db import utcnow

    resource = publish(client, "hr.officer", entry())
    headers = login(client, "hr.officer")
    flagged = client.post(
        f"/api/v1/catalog/resources/{resource['id']}/source-changed", headers=headers
    ).json()
    assert flagged["stale"] is False  # within the 15 days
    with db.session() as session:
        row = session.get(CatalogResource, resource["id"])
        row.published_at = utcnow() - timedelta(days=40)
        row.source_changed_at = utcnow() - timedelta(days=16)
    assert client.get(f"/api/v1/catalog/resources/{resource['id']}").json()["stale"] is True
