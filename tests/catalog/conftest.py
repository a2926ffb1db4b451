"""Catalog test helpers: a valid entry, and publishing it through the real workflow."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.factories import login


def entry(name: str = "社会保险参保信息", **extra: Any) -> dict[str, Any]:
    """A complete, valid department-catalog entry as the API takes it."""
    data: dict[str, Any] = {
        "catalog": "department",
        "name": name,
        "summary": f"{name}，按国家目录编制指南编目。",
        "format": "database",
        "share_type": "conditional",
        "share_conditions": "仅用于社会保障相关业务办理",
        "share_mode": "platform",
        "share_method": "interface",
        "update_cycle": "daily",
        "system_name": "社会保险信息系统",
        "network": "extranet",
        "stored_gb": 12.5,
        "stored_records": 1_000_000,
        "items": [
            {"name": "公民身份号码", "data_type": "string", "length": 18, "element_code": "DE0101"},
            {"name": "姓名", "data_type": "string", "length": 50, "element_code": "DE0102"},
            {"name": "登记日期", "data_type": "date", "length": 8},
        ],
    }
    data.update(extra)
    return data


def publish(
    client: TestClient, officer: str, data: dict[str, Any], admin: str = "admin"
) -> dict[str, Any]:
    """Officer creates and submits; the administrator publishes. Returns the published resource."""
    headers = login(client, officer)
    created = client.post("/api/v1/catalog/resources", json=data, headers=headers)
    assert created.status_code == 201, created.text
    rid = created.json()["id"]
    submitted = client.post(f"/api/v1/catalog/resources/{rid}/submit", headers=headers)
    assert submitted.status_code == 200, submitted.text
    headers = login(client, admin)
    published = client.post(
        f"/api/v1/catalog/resources/{rid}/publish", json={"note": "同意"}, headers=headers
    )
    assert published.status_code == 200, published.text
    return published.json()


@pytest.fixture
def officer(client: TestClient, world) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return login(client, "hr.officer")
